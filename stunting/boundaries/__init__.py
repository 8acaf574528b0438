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

    ``level`` is village, kecamatan or regency; ``detail`` is overview (a whole regency in view),
    detail (one kecamatan in view) or full (unsimplified). ``attrs["schematic"]`` is True when no
    real boundaries are installed, and ``attrs["attribution"]`` is the text the map must show.
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
    if snapshot is None:
        from stunting.boundaries import schematic

        frame = schematic.cells(level)
        attrs = {"schematic": True, "attribution": schematic.ATTRIBUTION}
    else:
        from stunting.boundaries.install import SOURCE_JSON, frame_file

        folder = Path(snapshot)
        frame = gpd.read_parquet(folder / frame_file(level, detail))
        source = json.loads((folder / SOURCE_JSON).read_text("utf-8"))
        attrs = {"schematic": False, "attribution": source["attribution"]}
    if regency is not None:
        frame = frame[frame["regency"] == regency]
    if kecamatan is not None:
        if level == "regency":
            frame = frame[frame["code"] == kecamatan[:5]]
        else:
            frame = frame[frame["kecamatan"] == kecamatan]
    frame = frame.reset_index(drop=True)
    frame.attrs = attrs
    return frame
