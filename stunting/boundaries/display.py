"""Display geometry: villages, kecamatan and regencies at two levels of detail, plus ``full``.

The villages are first cleaned into an exact coverage (``shapely.coverage_clean``: overlaps
assigned to one neighbour, sliver gaps filled, shared edges made identical), then simplified
with ``shapely.coverage_simplify`` so neighbours keep one shared border. Kecamatan and regency
outlines are dissolved from the villages of the same detail, so they sit exactly on village
edges. Tolerances are in degrees: every village we serve lies within 11.5 degrees of the
equator, where a degree of longitude is at least 98% of a degree of latitude.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

DETAILS = ("overview", "detail", "full")
LEVELS = ("village", "kecamatan", "regency")

# Whole regency in view (~1000 px across ~250 km: ~250 m per pixel). Measured on Kukar's 237
# villages (cleaned, 5 decimals): 0.0015 deg gives a ~320 KB GeoJSON (target 350 KB) with the
# worst village 2.6% off its area; 0.002 deg would shave ~45 KB but move one village by 3.8%.
OVERVIEW_TOLERANCE = 0.0015
# One kecamatan in view (~1000 px across ~40 km: ~40 m per pixel).
DETAIL_TOLERANCE = 0.0002
# Gaps narrower than ~11 m between villages are digitising slivers (Kukar has 612 of them, the
# largest 0.014 km2), not land outside every village: fill_slivers gives them to a neighbour.
SLIVER_GAP_WIDTH = 1e-4
# A simplified village must keep its area within this fraction of the source's; otherwise the
# tolerance is reduced step by step (a small town village would otherwise collapse).
MAX_AREA_CHANGE = 0.03
TOLERANCE_STEP = 0.7
MAX_TOLERANCE_STEPS = 8
# 5 decimals of a degree is ~1.1 m: finer than any source, and it halves the GeoJSON.
DECIMALS = 5
EQUAL_AREA_CRS = 6933


@dataclass
class DisplaySet:
    frames: dict[tuple[str, str], gpd.GeoDataFrame]
    tolerances: dict[str, dict[str, float]]
    worst_area_change: dict[str, float]  # against the source (cleaned area for `overlapped`)
    overlapped: list[str]  # codes of villages the source overlaps with neighbours by > MAX_AREA_CHANGE
    seconds: dict[str, float] = field(default_factory=dict)


def equal_area(geometries) -> np.ndarray:
    return gpd.GeoSeries(geometries, crs=4326).to_crs(EQUAL_AREA_CRS).area.to_numpy()


def clean(geometries) -> np.ndarray:
    """An exact coverage of the villages plus one last polygon for everything outside them.

    Villages: no overlaps, no slivers, identical shared edges. The outside polygon (a box around
    the villages minus their outer shells) turns the coverage's outer edge into shared edges, so
    ``simplify`` can simplify the coast and the regency border while freezing others.
    """
    villages = fill_slivers(shapely.coverage_clean(np.asarray(geometries, dtype=object)))
    union = shapely.coverage_union_all(villages)
    shells = shapely.union_all([shapely.Polygon(part.exterior) for part in shapely.get_parts(union)])
    frame = shapely.box(*shapely.total_bounds(villages)).buffer(0.1, join_style="mitre")
    # The outside's edges are the villages' own vertices (a coverage union adds none), so the
    # result is still a coverage without a second cleaning pass.
    return np.append(villages, [shapely.difference(frame, shells)]).astype(object)


def fill_slivers(villages: np.ndarray) -> np.ndarray:
    """Give each sliver gap between villages (a hole of the union narrower than SLIVER_GAP_WIDTH)
    to the neighbour sharing most of its border.

    ``coverage_clean(gap_width=...)`` does the same, but measures every hole with a maximum
    inscribed circle, which took minutes on Jawa Tengah's 8,563 villages; a sliver's width is
    well estimated by 2 * area / perimeter. The hole's rings are the villages' own vertices, so
    the merged villages stay edge-matched.
    """
    union = shapely.coverage_union_all(villages)
    holes = np.array(
        [shapely.Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors], dtype=object
    )
    if not len(holes):
        return villages
    slivers = holes[2 * shapely.area(holes) / shapely.length(holes) < SLIVER_GAP_WIDTH]
    if not len(slivers):
        return villages
    # One vectorised query and intersection for all slivers (Jawa Tengah has ~44,000): a Python
    # loop of STRtree queries took half a minute there.
    which, candidate = shapely.STRtree(villages).query(slivers, predicate="intersects")
    exteriors = shapely.get_exterior_ring(slivers)
    shared = shapely.length(shapely.intersection(shapely.boundary(villages[candidate]), exteriors[which]))
    pairs = pd.DataFrame({"sliver": which, "village": candidate, "shared": shared})
    best = pairs.loc[pairs.groupby("sliver", sort=False)["shared"].idxmax()]
    filled = villages.copy()
    for index, group in best.groupby("village", sort=False)["sliver"]:
        parts = [villages[index], *slivers[group.to_numpy()]]
        # The slivers' rings are the villages' own vertices: village + slivers is a coverage.
        merged = shapely.coverage_union_all(parts)
        if not merged.is_valid:
            merged = shapely.union_all(parts)
        filled[index] = merged
    return filled


def round_coordinates(geometries) -> np.ndarray:
    """Round to DECIMALS. A vertex shared by two villages rounds alike in both, so shared edges
    stay identical; the rare polygon that rounding makes invalid is snapped with set_precision,
    which repairs it (at the cost of that polygon alone)."""
    geometries = np.asarray(geometries, dtype=object)
    rounded = shapely.transform(geometries, lambda xy: np.round(xy, DECIMALS))
    broken = ~shapely.is_valid(rounded)
    if broken.any():
        snapped = shapely.set_precision(geometries[broken], 10.0**-DECIMALS)
        # set_precision leaves binary noise (116.45751000000001); rounding prints it short.
        rounded[broken] = shapely.transform(snapped, lambda xy: np.round(xy, DECIMALS))
    return rounded


def simplify(
    coverage: np.ndarray, nominal: float, source_areas: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Coverage-simplify the villages, each at the largest tolerance of a ladder (nominal, 0.7x, ...)
    that keeps it valid, non-empty and within MAX_AREA_CHANGE of its source area.

    ``coverage`` is ``clean``'s output (villages + outside). A shared edge is simplified at the
    smaller of its two villages' tolerances: the ladder is walked from the smallest tolerance in
    use up, each pass simplifying only the edges among villages allowed that much
    (``simplify_boundary=False`` freezes the edges towards the others), so borders stay shared.
    A pass at rung r only needs the edges it is the last to touch: those of villages at rung r
    (with their neighbours allowed as much); edges among villages of smaller rungs are simplified
    again by a later, coarser pass anyway. So each pass takes the villages at its rung and their
    neighbours, not every village allowed that much: on Jawa Tengah's 8,563 villages this does
    about one full pass per round instead of one per rung in use.
    Returns (village geometries, tolerance per village, worst area change).
    """
    ladder = [nominal * TOLERANCE_STEP**step for step in range(MAX_TOLERANCE_STEPS)]
    count = len(coverage) - 1
    left, right = neighbours(coverage[:count])
    step = _first_good_rungs(coverage, ladder, source_areas, (left, right))
    for _ in range(MAX_TOLERANCE_STEPS + 1):
        current = coverage.copy()
        for rung in sorted(set(step.tolist()), reverse=True):
            if rung >= len(ladder):
                continue
            own = step == rung
            near = np.zeros(count, dtype=bool)
            near[right[own[left]]] = True
            members = np.append(own | (near & (step <= rung)), True)  # the outside takes any tolerance
            current[members] = shapely.coverage_simplify(
                current[members], ladder[rung], simplify_boundary=False
            )
        villages = round_coordinates(current[:count])
        bad, change = _unfaithful(villages, source_areas)
        if not bad.any() or (step[bad] >= len(ladder)).all():
            break
        step[bad & (step < len(ladder))] += 1
    tolerances = np.array([ladder[s] if s < len(ladder) else 0.0 for s in step])
    return villages, tolerances, float(np.nanmax(change)) if count else 0.0


def _unfaithful(villages: np.ndarray, source_areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which villages are invalid, empty or off their source area by more than MAX_AREA_CHANGE."""
    change = np.abs(equal_area(villages) / source_areas - 1)
    bad = ~shapely.is_valid(villages) | shapely.is_empty(villages) | ~(change <= MAX_AREA_CHANGE)
    return bad, change


def neighbours(villages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (left[i], right[i]) of villages that touch, both ways round, self-pairs included."""
    left, right = shapely.STRtree(villages).query(villages, predicate="intersects")
    return left, right


def _first_good_rungs(
    coverage: np.ndarray, ladder: list[float], source_areas: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """A first guess of each village's rung: the largest tolerance at which a uniform simplification
    keeps it faithful (its neighbours' rungs only ever make it more faithful).

    Every edge of a village is shared with a neighbour or the outside, so simplifying the
    undecided villages with their neighbours (the rest frozen) treats their edges as a uniform
    pass would, at a fraction of the cost once most villages are settled; only they are judged.
    """
    left, right = pairs
    count = len(coverage) - 1
    step = np.full(count, len(ladder))
    undecided = np.ones(count, dtype=bool)
    for rung, tolerance in enumerate(ladder):
        near = np.zeros(count, dtype=bool)
        near[right[undecided[left]]] = True
        members = np.append(near | undecided, True)
        simplified = shapely.coverage_simplify(coverage[members], tolerance, simplify_boundary=rung == 0)
        trial = np.empty(count, dtype=object)
        trial[members[:count]] = simplified[:-1]
        judged = np.flatnonzero(undecided)
        bad, _ = _unfaithful(round_coordinates(trial[judged]), source_areas[judged])
        step[judged[~bad]] = rung
        undecided[judged[~bad]] = False
        if not undecided.any():
            break
    return step


def dissolve(villages: gpd.GeoDataFrame, level: str, names: dict[str, str]) -> gpd.GeoDataFrame:
    """Kecamatan or regency outlines as the union of their villages."""
    key = "kecamatan" if level == "kecamatan" else "regency"
    rows = []
    for code, group in villages.groupby(key, sort=True):
        # Villages form a coverage (shared edges identical), so the fast coverage union is exact;
        # the general union is the fallback if rounding ever broke that.
        try:
            geometry = shapely.coverage_union_all(group.geometry.values)
        except shapely.errors.GEOSException:
            geometry = None
        if geometry is None or not geometry.is_valid:
            geometry = shapely.union_all(group.geometry.values)
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "level": level,
                "kecamatan": code if level == "kecamatan" else None,
                "regency": code[:5],
                "geometry": geometry,
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    frame["kecamatan"] = frame["kecamatan"].astype(object)
    return frame


def build(villages: gpd.GeoDataFrame, names: dict[str, str]) -> DisplaySet:
    """Every (level, detail) frame for the installed villages (columns code..regency, geometry)."""
    seconds: dict[str, float] = {}
    villages = villages[["code", "name", "level", "kecamatan", "regency", "geometry"]].reset_index(drop=True)
    start = time.perf_counter()
    source_areas = equal_area(villages.geometry.values)
    coverage = clean(villages.geometry.values)
    cleaned_areas = equal_area(coverage[:-1])
    # A village the source overlaps heavily with its neighbours (Jawa Tengah has three: one 77%
    # inside its neighbour) loses the overlap in cleaning; simplification is then held to the
    # cleaned area, and the import reports the village.
    overlapped = np.abs(cleaned_areas / source_areas - 1) > MAX_AREA_CHANGE
    reference_areas = np.where(overlapped, cleaned_areas, source_areas)
    seconds["clean"] = time.perf_counter() - start
    frames: dict[tuple[str, str], gpd.GeoDataFrame] = {}
    tolerances: dict[str, dict[str, float]] = {}
    worst: dict[str, float] = {}
    for detail, nominal in (("overview", OVERVIEW_TOLERANCE), ("detail", DETAIL_TOLERANCE)):
        start = time.perf_counter()
        geometries, used, worst[detail] = simplify(coverage, nominal, reference_areas)
        tolerances[detail] = {
            "nominal": nominal,
            "smallest": float(used.min()) if len(used) else nominal,
            "villages_below_nominal": int((used < nominal).sum()),
        }
        frames[("village", detail)] = villages.set_geometry(gpd.GeoSeries(geometries, crs=4326))
        seconds[f"simplify {detail}"] = time.perf_counter() - start
    frames[("village", "full")] = villages
    start = time.perf_counter()
    cleaned_villages = villages.set_geometry(gpd.GeoSeries(coverage[:-1], crs=4326))
    # Regencies are dissolved from their kecamatan (themselves unions of villages, so the same
    # outline): ~600 kecamatan instead of ~8,600 villages for Jawa Tengah.
    for level, parts in (("kecamatan", "village"), ("regency", "kecamatan")):
        for detail in ("overview", "detail"):
            outline = dissolve(frames[(parts, detail)], level, names)
            outline = outline.set_geometry(
                gpd.GeoSeries(round_coordinates(outline.geometry.values), crs=4326)
            )
            frames[(level, detail)] = outline
        frames[(level, "full")] = dissolve(
            cleaned_villages if level == "kecamatan" else frames[("kecamatan", "full")], level, names
        )
    seconds["dissolve"] = time.perf_counter() - start
    for key, frame in frames.items():
        frame = frame.reset_index(drop=True)
        frame["geometry"] = shapely.orient_polygons(frame.geometry.values, exterior_cw=False)
        frames[key] = frame
    return DisplaySet(frames, tolerances, worst, sorted(villages.loc[overlapped, "code"]), seconds)


def to_geojson(frame: gpd.GeoDataFrame) -> str:
    """Compact GeoJSON (no spaces, no ids): the form the map and the export use."""
    import json

    frame = frame.copy()
    for column in frame.columns:
        if column != frame.geometry.name:
            frame[column] = frame[column].astype(object).where(pd.notna(frame[column]), None)
    return json.dumps(frame.to_geo_dict(drop_id=True), separators=(",", ":"), ensure_ascii=False)
