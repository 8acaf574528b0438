"""Village boundaries: importers (one per source format), validation, atomic install, display geometry.

The map page uses two functions:

- ``load_display(level, detail, regency, kecamatan, data_dir)``: polygons ready to draw;
- ``installed_source(data_dir)``: what is installed (source.json), None for the schematic fallback.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from stunting import gazetteer
from stunting.boundaries.display import DETAILS, LEVELS

__all__ = ["DETAILS", "LEVELS", "installed_source", "load_display"]


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

    ``level`` is village, kecamatan or regency; without ``regency`` only the gazetteer's regencies
    are returned (imported neighbours only by naming their regency). ``detail`` is overview (a
    whole regency in view), detail (one kecamatan in view) or full (unsimplified).

    A gazetteer regency without installed boundaries (all of them on a fresh machine) is drawn as
    schematic cells: ``attrs["schematic"]`` is True when any polygon returned is schematic,
    ``attrs["schematic_regencies"]`` lists their regencies, and ``attrs["attribution"]`` is the
    text the map must show (naming the schematic regencies when real and schematic polygons are
    returned together).
    Each call returns a fresh copy, so callers may add columns freely; reading is cached per
    installed snapshot, so repeated calls cost a copy, not a parquet read.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
    from stunting.boundaries.install import store

    current = store(data_dir).current()
    frame = _cached(str(current) if current else None, level, detail, regency, kecamatan)
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    return out


@lru_cache(maxsize=64)
def _cached(snapshot: str | None, level: str, detail: str, regency: str | None, kecamatan: str | None):
    # Keyed by the snapshot folder: an import swaps in a new folder, so a stale entry is never hit.
    from stunting.boundaries import schematic

    if snapshot is None:
        frame, lacking, attribution = schematic.cells(level), None, schematic.ATTRIBUTION
    else:
        frame, lacking, attribution = _installed_and_schematic_rest(Path(snapshot), level, detail)
    if regency is not None:
        frame = frame[frame["regency"] == regency]
    else:
        # Villages beyond the gazetteer (a whole-province file) are kept for export by regency, but
        # the app's map of all regencies shows the gazetteer's own.
        frame = frame[frame["regency"].isin(list(gazetteer.regencies()))]
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
    frame.attrs = {
        "schematic": bool(schematic_regencies) or lacking is None,
        "attribution": attribution,
        "schematic_regencies": schematic_regencies,
    }
    return frame


def _installed_and_schematic_rest(folder: Path, level: str, detail: str):
    """The installed polygons plus schematic cells for each gazetteer regency they lack (after
    ``fetch --regency 64.02`` Bontang still has its cells). Returns (frame, lacking regencies,
    the installed source's attribution)."""
    from stunting.boundaries import schematic
    from stunting.boundaries.install import SOURCE_JSON, frame_file

    frame = gpd.read_parquet(folder / frame_file(level, detail))
    attribution = json.loads((folder / SOURCE_JSON).read_text("utf-8"))["attribution"]
    lacking = sorted(set(gazetteer.regencies()) - set(frame["regency"]))
    if lacking:
        installed = gpd.read_parquet(folder / frame_file("regency", detail)).union_all()
        rest = schematic.cells_beside(level, lacking, installed)
        frame = gpd.GeoDataFrame(pd.concat([frame, rest], ignore_index=True), crs=frame.crs)
    return frame, lacking, attribution
