"""Village boundaries: importers (one per source format), validation, atomic install, display geometry.

The map page uses these functions:

- ``load_display(level, detail, regency, kecamatan, data_dir)``: polygons ready to draw;
- ``installed_source(data_dir)``: what is installed (source.json), None for the schematic fallback;
- ``load_outlines(level, data_dir)``: the national regency/province outlines (``fetch --overview``);
- ``load_areas(level, province, data_dir)``: the regencies (or provinces) of the national and
  province maps: the national outlines when installed, schematic cells from the centroids otherwise;
  with ``level="kecamatan"`` a province's kecamatan (the installed villages' dissolves, schematic
  cells for the regencies without them);
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
from stunting.boundaries import display
from stunting.boundaries.display import DETAILS, LEVELS

__all__ = [
    "DETAILS",
    "LEVELS",
    "installed",
    "installed_source",
    "load_areas",
    "load_display",
    "load_outlines",
    "province_regency_outlines",
]

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


# Geometry for the national and province maps, per zoom: (simplification tolerance, smallest island
# kept, decimals), in degrees. At national zoom a pixel of a 1,100 px map is about 0.04 degrees: a
# 0.02 tolerance and islands under 0.02 x 0.02 degrees dropped are invisible there, and they take
# the 514 kab outlines from 2.3 MB to about 350 KB of GeoJSON (18,671 parts -> about 1,200). A
# province in view (Kalimantan Timur: about 0.006 degrees per pixel) keeps five times finer.
# Decimals: 2 (1.1 km, a quarter pixel) nationally, 3 (110 m) for a province.
# Each regency keeps its largest part, however small: no regency drops off the map.
ZOOMS = {"national": (0.02, 4e-4, 2), "province": (0.004, 2e-5, 3)}


def load_areas(
    level: str = "regency", province: str | None = None, zoom: str = "national", data_dir=None
) -> gpd.GeoDataFrame:
    """The polygons of the national and province maps: every regency (or with ``level="province"``
    every province) of Indonesia, or only those of ``province``, simplified for ``zoom`` (``ZOOMS``).
    Columns code, name, level, regency, province, geometry (EPSG:4326); attrs as ``load_display``'s
    ("schematic", "attribution").

    The national outlines of ``boundaries fetch --overview`` when installed (the kab/prov files:
    coarse, right at this zoom); otherwise schematic cells from the gazetteer's centroids
    (``schematic.national_cells``), labelled as such. Cached per installed snapshot; a fresh copy
    on each call."""
    from stunting.boundaries.install import OUTLINE_LEVELS, store

    if level not in (*OUTLINE_LEVELS, "kecamatan"):
        raise ValueError(f"level must be one of {(*OUTLINE_LEVELS, 'kecamatan')}, not {level!r}")
    if zoom not in ZOOMS:
        raise ValueError(f"zoom must be one of {tuple(ZOOMS)}, not {zoom!r}")
    current = store(data_dir).current()
    if level == "kecamatan":
        if province is None or province not in gazetteer.provinces():
            raise ValueError(f"a province's kecamatan need a province code, not {province!r}")
        frame = _province_kecamatan(str(current) if current else None, province, zoom)[0]
        out = frame.copy()
        out.attrs = dict(frame.attrs)
        return out
    frame = _areas(str(current) if current else None, level, zoom)
    if province is not None:
        frame = frame[frame["province"] == province]
    out = gpd.GeoDataFrame(frame.reset_index(drop=True), crs=4326)
    out.attrs = dict(frame.attrs)
    return out


@lru_cache(maxsize=8)
def _areas(snapshot: str | None, level: str, zoom: str) -> gpd.GeoDataFrame:
    from stunting.boundaries import schematic
    from stunting.boundaries.install import SOURCE_JSON, outline_file

    folder = Path(snapshot) if snapshot else None
    cells = schematic.national_cells(level)
    if folder is None or not (folder / outline_file(level)).exists():
        frame, attribution, is_schematic = cells, schematic.ATTRIBUTION, True
    else:
        meta = json.loads((folder / SOURCE_JSON).read_text("utf-8"))
        attribution = (meta.get("overview") or {}).get("attribution") or meta.get("attribution") or ""
        outlines = _outlines(snapshot, level)
        frame = outlines.assign(
            regency=outlines["code"] if level == "regency" else None, province=outlines["code"].str[:2]
        )
        # An area the source lacks keeps its schematic cell: every gazetteer area stays on the map.
        missing = cells[~cells["code"].isin(frame["code"])]
        is_schematic = bool(len(missing))
        if is_schematic:
            frame = gpd.GeoDataFrame(pd.concat([frame, missing], ignore_index=True), crs=4326)
            names = ", ".join(missing["name"].head(5)) + (" …" if len(missing) > 5 else "")
            attribution += f", kecuali {names} (skematis)"
    frame = frame[["code", "name", "level", "regency", "province", "geometry"]].sort_values("code")
    frame = gpd.GeoDataFrame(frame.reset_index(drop=True), crs=4326)
    frame["geometry"] = _for_zoom(frame.geometry.values, *ZOOMS[zoom])
    frame.attrs = {"schematic": is_schematic, "attribution": attribution, "schematic_regencies": []}
    return frame


@lru_cache(maxsize=8)
def _province_kecamatan(snapshot: str | None, province: str, zoom: str):
    """Every kecamatan of ``province``: the installed villages' kecamatan dissolves (overview
    detail) for the regencies that have them, schematic cells for the others (cut back where real
    polygons lie), simplified for ``zoom``; and their regencies' outlines. Built once per snapshot
    and province (Jawa Tengah's 576: under a second), and the same polygons serve every period."""
    from stunting.boundaries import schematic
    from stunting.boundaries.install import SOURCE_JSON, frame_file

    inside = tuple(sorted(code for code in gazetteer.regencies() if code[:2] == province))
    folder = Path(snapshot) if snapshot else None
    installed = None
    if folder is not None and (folder / frame_file("kecamatan", "overview")).exists():
        installed = gpd.read_parquet(folder / frame_file("kecamatan", "overview"))
        installed = installed[installed["regency"].isin(list(inside))]
    if installed is None or installed.empty:
        frame, lacking, attribution = (
            schematic.cells("kecamatan", inside),
            list(inside),
            schematic.ATTRIBUTION,
        )
    else:
        attribution = json.loads((folder / SOURCE_JSON).read_text("utf-8"))["attribution"]
        lacking = sorted(set(inside) - set(installed["regency"]))
        frame = installed
        if lacking:
            # Cut from one diagram of the whole province, so the cells are the same as when every
            # regency is schematic; never over a real kecamatan.
            try:
                real = shapely.coverage_union_all(installed.geometry.values)
            except shapely.errors.GEOSException:  # not an exact coverage after all
                real = shapely.union_all(installed.geometry.values)
            rest = schematic.cells_beside("kecamatan", lacking, real, inside)
            frame = gpd.GeoDataFrame(pd.concat([installed, rest], ignore_index=True), crs=4326)
            names = [gazetteer.regencies()[code] for code in lacking]
            # A province has up to 38 regencies: the first five name the rest (attrs lists them all).
            attribution += f", kecuali {', '.join(names[:5])}{' …' if len(names) > 5 else ''} (skematis)"
    frame = frame.assign(level="kecamatan", province=province)
    frame = frame[["code", "name", "level", "kecamatan", "regency", "province", "geometry"]].sort_values(
        "code"
    )
    frame = gpd.GeoDataFrame(frame.reset_index(drop=True), crs=4326)
    # The regency lines over them: each regency's union before the simplification (the kecamatan
    # are simplified one by one, so their union afterwards would be riddled with sliver holes).
    regencies = display.dissolve(frame, "regency", gazetteer.regencies())
    regencies["geometry"] = _for_zoom(regencies.geometry.values, *ZOOMS[zoom])
    frame["geometry"] = _for_zoom(frame.geometry.values, *ZOOMS[zoom])
    frame.attrs = {
        "schematic": bool(lacking),
        "attribution": attribution,
        "schematic_regencies": list(lacking),
    }
    return frame, regencies


def province_regency_outlines(province: str, zoom: str = "province", data_dir=None) -> gpd.GeoDataFrame:
    """The regencies of ``province`` as the union of the kecamatan ``load_areas("kecamatan",
    province)`` draws (code, name, level, kecamatan, regency, geometry), simplified for ``zoom``:
    the lines over a province's kecamatan map, edge to edge with them."""
    from stunting.boundaries.install import store

    if zoom not in ZOOMS:
        raise ValueError(f"zoom must be one of {tuple(ZOOMS)}, not {zoom!r}")
    current = store(data_dir).current()
    return _province_kecamatan(str(current) if current else None, province, zoom)[1].copy()


def _for_zoom(geometries, tolerance: float, smallest: float, decimals: int):
    """Each area without its islands under ``smallest`` (its largest part always kept), simplified
    by ``tolerance`` and rounded to ``decimals``."""
    import numpy as np

    parts, owner = shapely.get_parts(geometries, return_index=True)
    area = shapely.area(parts)
    keep = area >= smallest
    largest = pd.Series(area).groupby(owner).idxmax().to_numpy()
    keep[largest] = True
    simplified = shapely.simplify(parts[keep], tolerance, preserve_topology=True)
    rounded = shapely.transform(simplified, lambda xy: np.round(xy, decimals))
    # A part that rounding emptied or broke keeps its simplified (unrounded) shape.
    broken = shapely.is_empty(rounded) | ~shapely.is_valid(rounded)
    rounded[broken] = simplified[broken]
    merged = shapely.multipolygons(rounded, indices=owner[keep])
    # A single part stays a Polygon (shorter GeoJSON than a one-part MultiPolygon).
    single = shapely.get_num_geometries(merged) == 1
    merged[single] = shapely.get_geometry(merged[single], 0)
    return shapely.orient_polygons(merged, exterior_cw=False)


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
