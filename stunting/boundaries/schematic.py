"""The offline fallback: schematic village cells when no real boundaries are installed.

Voronoi cells of the gazetteer's village centroids (the regencies asked for together, so cells
never overlap), each clipped to a buffered convex hull of its own regency's centroids: a map that
places every village roughly where it is, without pretending to know a real border. The app asks
for the regencies it shows (``stunting.scope``), not all 514.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely

from stunting import gazetteer
from stunting.boundaries import display

ATTRIBUTION = "Batas skematis — bukan batas resmi"
# ~5.5 km beyond the outermost centroids, so edge villages get a cell of plausible size
# rather than a sliver on the hull.
HULL_MARGIN_DEG = 0.05


@cache
def cells(level: str, regencies: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Schematic polygons for ``level`` (village cells, or kecamatan/regency as their union) of
    ``regencies``."""
    known = gazetteer.villages()
    known = known[known["regency_code"].isin(list(regencies))].sort_values("code").reset_index(drop=True)
    if known.empty:
        return gpd.GeoDataFrame(
            {"code": [], "name": [], "level": [], "kecamatan": [], "regency": []},
            geometry=gpd.GeoSeries([], crs=4326),
            crs=4326,
        )
    points = shapely.points(known["lng"].to_numpy(), known["lat"].to_numpy())
    hulls = {
        regency: shapely.convex_hull(shapely.multipoints(points[group.index.to_numpy()])).buffer(
            HULL_MARGIN_DEG
        )
        for regency, group in known.groupby("regency_code")
    }
    frame_extent = shapely.box(*shapely.total_bounds(points)).buffer(1.0)
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame_extent, ordered=True)
    raw = np.asarray(shapely.get_parts(diagram), dtype=object)
    clipped = [
        shapely.intersection(cell, hulls[regency])
        for cell, regency in zip(raw, known["regency_code"].tolist(), strict=True)
    ]
    villages = gpd.GeoDataFrame(
        {
            "code": known["code"],
            "name": known["name"],
            "level": "village",
            "kecamatan": known["kecamatan_code"],
            "regency": known["regency_code"],
        },
        geometry=gpd.GeoSeries(display.round_coordinates(clipped), crs=4326),
        crs=4326,
    )
    if level == "village":
        frame = villages
    else:
        names = dict(zip(known["kecamatan_code"].tolist(), known["kecamatan_name"].tolist(), strict=True))
        names.update(zip(known["regency_code"].tolist(), known["regency_name"].tolist(), strict=True))
        frame = display.dissolve(villages, level, names)
    frame["geometry"] = shapely.orient_polygons(frame.geometry.values, exterior_cw=False)
    return frame.reset_index(drop=True)


def cells_beside(level: str, regencies, installed, context: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """Schematic polygons of ``regencies`` (those the installed boundaries lack), cut back where
    ``installed`` (the real polygons' union) lies, so a schematic cell never covers a real village.

    A cell that the real polygons would swallow whole keeps its uncut shape: every gazetteer
    village stays on the map.
    """
    frame = cells(level, tuple(sorted(set(context) | set(regencies))))
    frame = frame[frame["regency"].isin(list(regencies))].copy()
    if installed is None or installed.is_empty:
        return frame.reset_index(drop=True)
    cut = shapely.difference(frame.geometry.values, installed)
    keep = ~shapely.is_empty(cut) & (shapely.area(cut) > 0)
    shapes = np.where(keep, display.round_coordinates(cut), frame.geometry.values)
    frame["geometry"] = shapely.orient_polygons(shapes, exterior_cw=False)
    return frame.reset_index(drop=True)


@cache
def national_cells(level: str = "regency") -> gpd.GeoDataFrame:
    """Schematic polygons of every regency of Indonesia (514), or with ``level="province"`` of every
    province (their union): the national and province maps without installed outlines.

    One Voronoi diagram of the regencies' centroids (the mean of their villages' centroids: it lies
    inside their hull), each cell clipped to the buffered convex hull of its own villages' centroids,
    so a regency's cell sits where its villages are and never overlaps a neighbour's. Built from the
    gazetteer alone (about a second) and kept for the process: it is the same for every period."""
    known = gazetteer.villages()
    by_regency = known.groupby("regency_code", sort=True)
    centres = by_regency[["lng", "lat"]].mean()
    names = by_regency[["regency_name", "province_code", "province_name"]].first()
    points = shapely.points(known["lng"].to_numpy(), known["lat"].to_numpy())
    hulls = [
        shapely.convex_hull(shapely.multipoints(points[rows])).buffer(HULL_MARGIN_DEG)
        for rows in by_regency.indices.values()
    ]
    seeds = shapely.points(centres["lng"].to_numpy(), centres["lat"].to_numpy())
    extent = shapely.box(*shapely.total_bounds(points)).buffer(1.0)
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent, ordered=True)
    clipped = shapely.intersection(np.asarray(shapely.get_parts(diagram), dtype=object), hulls)
    frame = gpd.GeoDataFrame(
        {
            "code": centres.index.to_numpy(),
            "name": names["regency_name"].to_numpy(),
            "level": "regency",
            "regency": centres.index.to_numpy(),
            "province": names["province_code"].to_numpy(),
            "province_name": names["province_name"].to_numpy(),
        },
        geometry=gpd.GeoSeries(display.round_coordinates(clipped), crs=4326),
        crs=4326,
    )
    if level == "province":
        frame = frame[["province", "province_name", "geometry"]].dissolve(by="province", sort=True)
        frame = frame.reset_index().rename(columns={"province_name": "name"})
        frame = frame.assign(code=frame["province"], level="province", regency=None)
        frame = frame[["code", "name", "level", "regency", "province", "geometry"]]
    elif level != "regency":
        raise ValueError(f"national cells are regency or province, not {level!r}")
    frame["geometry"] = shapely.orient_polygons(frame.geometry.values, exterior_cw=False)
    return frame.reset_index(drop=True)
