"""Village boundaries: importers (one per source format), validation, atomic install, display geometry.

The map page uses these functions:

- ``load_display(level, detail, regency, kecamatan, data_dir)``: polygons ready to draw;
- ``installed_source(data_dir)``: what is installed (source.json), None for the schematic fallback;
- ``load_outlines(level, data_dir)``: the national regency/province outlines (``fetch --overview``);
- ``installed(data_dir)``: one row per installed regency: source, when, villages (``boundaries list``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from stunting import gazetteer
from stunting.boundaries.display import DETAILS, LEVELS

__all__ = ["DETAILS", "LEVELS", "installed", "installed_source", "load_display", "load_outlines"]

# A village of an installed regency without a polygon (no row in the source, or a row without
# geometry) is drawn as a small disc at its gazetteer centroid, flagged ``unavailable``: the map
# labels it "batas tidak tersedia" (i18n "map.boundary_unavailable"), never as a border.
# ~330 m: visible at a regency's zoom, too small to pass for a village's outline.
UNAVAILABLE_MARKER_DEG = 0.003


def installed_source(data_dir=None) -> dict | None:
    """The installed boundaries' source.json (source, url, commit, licence, imported_at,
    attribution, ...), or None when nothing is installed and the map is schematic."""
    from stunting.boundaries.install import SOURCE_JSON, store

    current = store(data_dir).current()
    if current is None or not (current / SOURCE_JSON).exists():
        return None
    return json.loads((current / SOURCE_JSON).read_text("utf-8"))


def load_display(
    level: str,
    detail: str = "overview",
    regency: str | None = None,
    kecamatan: str | None = None,
    data_dir=None,
) -> gpd.GeoDataFrame:
    """Polygons to draw: columns code, name, level, kecamatan, regency, geometry (EPSG:4326).

    ``level`` is village, kecamatan or regency; without ``regency`` only the regencies the app shows
    are returned (``stunting.scope``: home area, data, installed boundaries). ``detail`` is overview (a
    whole regency in view), detail (one kecamatan in view) or full (unsimplified).

    A shown regency without installed boundaries (all of them on a fresh machine) is drawn as
    schematic cells: ``attrs["schematic"]`` is True when any polygon returned is schematic,
    ``attrs["schematic_regencies"]`` lists their regencies, and ``attrs["attribution"]`` is the
    text the map must show (naming the schematic regencies when real and schematic polygons are
    returned together). ``attrs["unavailable"]`` lists the villages of installed regencies without
    a polygon (no row in the source, or a row without geometry): their geometry is a small disc at
    the gazetteer centroid, which the map labels "batas tidak tersedia", never a border.
    Each call returns a fresh copy, so callers may add columns freely; reading is cached per
    installed snapshot, so repeated calls cost a copy, not a parquet read.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
    from stunting import scope
    from stunting.boundaries.install import store

    current = store(data_dir).current()
    shown = scope.shown_regencies(data_dir)
    frame = _cached(str(current) if current else None, shown, level, detail, regency, kecamatan)
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    return out


@lru_cache(maxsize=64)
def _cached(
    snapshot: str | None,
    shown: tuple[str, ...],
    level: str,
    detail: str,
    regency: str | None,
    kecamatan: str | None,
):
    # Keyed by the snapshot folder: an import swaps in a new folder, so a stale entry is never hit.
    from stunting.boundaries import schematic

    wanted = (regency,) if regency is not None else shown
    # Schematic cells are cut from one diagram of every shown regency (plus a named one), so a
    # regency's cells are the same whether it is drawn alone or beside the others.
    context = tuple(sorted(set(shown) | set(wanted)))
    if snapshot is None:
        frame, lacking, attribution = schematic.cells(level, context), None, schematic.ATTRIBUTION
    else:
        frame, lacking, attribution = _installed_and_schematic_rest(
            Path(snapshot), level, detail, wanted, context
        )
    # Installed regencies the app does not show (a neighbour imported for export) only by name.
    frame = frame[frame["regency"].isin(list(wanted))]
    if kecamatan is not None:
        if level == "regency":
            frame = frame[frame["code"] == kecamatan[:5]]
        else:
            frame = frame[frame["kecamatan"] == kecamatan]
    frame = frame.reset_index(drop=True)
    drawn = sorted(frame["regency"].unique())
    schematic_regencies = drawn if lacking is None else [code for code in drawn if code in lacking]
    if len(schematic_regencies) == len(drawn) and (drawn or lacking is None):
        attribution = schematic.ATTRIBUTION
    elif schematic_regencies:
        # Real and schematic side by side: the map must say which part is not an official border.
        names = gazetteer.regencies()
        attribution += f", kecuali {', '.join(names[code] for code in schematic_regencies)} (skematis)"
    unavailable = sorted(frame.loc[frame["unavailable"], "code"]) if "unavailable" in frame else []
    frame = frame.drop(columns=["unavailable"], errors="ignore")
    frame.attrs = {
        "schematic": bool(schematic_regencies) or lacking is None,
        "attribution": attribution,
        "schematic_regencies": schematic_regencies,
        "unavailable": unavailable,
    }
    return frame


def _installed_and_schematic_rest(
    folder: Path, level: str, detail: str, wanted: tuple[str, ...], context: tuple[str, ...]
):
    """The installed polygons (with markers for their villages without one) plus schematic cells
    for each wanted regency they lack (after ``fetch --regency 64.02`` Bontang still has its cells).
    Returns (frame, lacking regencies, the installed source's attribution)."""
    from stunting.boundaries import schematic
    from stunting.boundaries.install import SOURCE_JSON, frame_file

    meta = json.loads((folder / SOURCE_JSON).read_text("utf-8"))
    attribution = meta["attribution"]
    if (folder / frame_file(level, detail)).exists():
        frame = gpd.read_parquet(folder / frame_file(level, detail))
    else:  # only the national outlines are installed
        frame = schematic.cells(level, ())
    frame = frame.assign(unavailable=False)
    if level == "village":
        markers = _unavailable_markers(meta.get("unavailable", {}), wanted)
        if len(markers):
            frame = gpd.GeoDataFrame(pd.concat([frame, markers], ignore_index=True), crs=4326)
            frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
    lacking = sorted(set(wanted) - set(frame["regency"]))
    if lacking and frame.empty:
        return schematic.cells(level, context), None, schematic.ATTRIBUTION
    if lacking:
        installed = gpd.read_parquet(folder / frame_file("regency", detail)).union_all()
        rest = schematic.cells_beside(level, lacking, installed, context).assign(unavailable=False)
        frame = gpd.GeoDataFrame(pd.concat([frame, rest], ignore_index=True), crs=frame.crs)
    return frame, lacking, attribution


def _unavailable_markers(unavailable: dict[str, str], wanted: tuple[str, ...]) -> gpd.GeoDataFrame:
    """A disc at the gazetteer centroid of each village of ``wanted`` regencies without a polygon."""
    codes = [code for code in unavailable if code[:5] in wanted]
    known = gazetteer.villages().set_index("code")
    codes = [code for code in codes if code in known.index]
    rows = known.loc[codes]
    discs = shapely.buffer(
        shapely.points(rows["lng"].to_numpy(), rows["lat"].to_numpy()), UNAVAILABLE_MARKER_DEG
    )
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": rows["name"].to_numpy(),
            "level": "village",
            "kecamatan": rows["kecamatan_code"].to_numpy(),
            "regency": rows["regency_code"].to_numpy(),
            "unavailable": True,
        },
        geometry=gpd.GeoSeries(shapely.orient_polygons(discs, exterior_cw=False), crs=4326),
        crs=4326,
    )


def load_outlines(level: str, data_dir=None) -> gpd.GeoDataFrame | None:
    """The national outlines of ``level`` (regency or province): code, name, level, geometry, or
    None when ``boundaries fetch --overview`` has not installed them."""
    from stunting.boundaries.install import OUTLINE_LEVELS, outline_file, store

    if level not in OUTLINE_LEVELS:
        raise ValueError(f"level must be one of {OUTLINE_LEVELS}, not {level!r}")
    current = store(data_dir).current()
    if current is None or not (current / outline_file(level)).exists():
        return None
    return _outlines(str(current), level).copy()


@lru_cache(maxsize=4)
def _outlines(snapshot: str, level: str) -> gpd.GeoDataFrame:
    from stunting.boundaries.install import outline_file

    return gpd.read_parquet(Path(snapshot) / outline_file(level))


def installed(data_dir=None) -> pd.DataFrame:
    """One row per installed regency: code, name, villages, unavailable (villages without a
    polygon), source, licence, commit, imported_at; the national outlines as rows ``level``
    regency/province outlines. Empty when nothing is installed."""
    from stunting.boundaries.install import _installed_meta, store

    meta = _installed_meta(store(data_dir).current())
    names = gazetteer.regencies()
    unavailable = pd.Series([code[:5] for code in meta["unavailable"]], dtype=object).value_counts()
    rows = [
        {
            "what": "villages",
            "code": code,
            "name": names.get(code, code),
            "villages": entry.get("villages"),
            "unavailable": int(unavailable.get(code, 0)),
            "source": entry.get("source"),
            "licence": entry.get("licence"),
            "commit": entry.get("commit"),
            "imported_at": entry.get("imported_at"),
        }
        for code, entry in sorted(meta["by_regency"].items())
    ]
    overview = meta["overview"]
    if overview:
        for level, count in overview.get("outlines", {}).items():
            rows.append(
                {
                    "what": f"national {level} outlines",
                    "code": "",
                    "name": "Indonesia",
                    "villages": None,
                    "unavailable": 0,
                    "outlines": count,
                    "source": overview.get("source"),
                    "licence": overview.get("licence"),
                    "commit": overview.get("commit"),
                    "imported_at": overview.get("imported_at"),
                }
            )
    frame = pd.DataFrame(rows).astype(object)
    return frame.where(frame.notna(), None)  # "no commit" stays None, not NaN
