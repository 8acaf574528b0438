"""Prevalence per area, per period and per age group x sex: the numbers every page and the CLI show.

Every function sums the long summary (the counting rule of queries/counted.sql: for each indicator,
a child counts in a period with its last measurement in that period whose z-score for that indicator
is defined and not flagged). ``overlap_counts`` reads ``counted`` itself: it matches children.
Rates resting on fewer than ``MIN_CHILDREN`` children are suppressed (prevalence and
interval NaN, ``suppressed`` True); areas without any counted child have ``measured`` 0, NaN rates,
``suppressed`` False and ``source`` None, so "no data" and "too few children" never look alike.
Fractions are 0-1; intervals are Wilson 95%.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import pandas as pd

from stunting import gazetteer, queries, scope, store, store_layout
from stunting.errors import UserError
from stunting.indicators import AGE_FILTERS, AGE_GROUPS, INDICATORS, SEXES
from stunting.publish import publish

RATE_COLUMNS = ["measured", "cases", "prevalence", "ci_low", "ci_high", "suppressed"]
BREAKDOWNS = ("age_group", "sex", "age_group_sex")


def periods(data_dir=None) -> list[str]:
    """Periods (``YYYY-MM``) with data in the store, sorted."""
    return store.periods(data_dir)


# Levels the prevalence queries know: their SQL allow-list (the CASE on $level in queries/*.sql).
LEVELS = ("village", "kecamatan", "regency", "province")
# ``within`` value for every area of the country (all 514 regencies, not only those the app shows).
NATIONAL = "national"
# Each map view and the levels of area it may show, the first its default (national: 38
# provinces or 514 regencies; a province: its regencies or its kecamatan; a regency: its villages
# or kecamatan; a kecamatan: its villages).
VIEW_LEVELS = {
    "national": ("province", "regency"),
    "province": ("regency", "kecamatan"),
    "regency": ("village", "kecamatan"),
    "kecamatan": ("village",),
}


def prevalence(
    indicator: str,
    period: str,
    level: str,
    *,
    regency: str | None = None,
    kecamatan: str | None = None,
    within: str | None = None,
    sex: str | None = None,
    age_group: str | None = None,
    data_dir=None,
) -> pd.DataFrame:
    """One row per gazetteer area of ``level`` (province, regency, kecamatan or village) within
    ``regency`` / ``kecamatan``, or ``within`` any area code (``NATIONAL``: the whole country), areas
    without data included: code, name, measured, cases, prevalence, ci_low, ci_high, suppressed,
    source. Without any of them a regency/kecamatan/village list holds the regencies the app shows
    (stunting.scope), a province list all 38 provinces."""
    params = _filters(indicator, level, sex, age_group)
    snapshot = store.current_snapshot(data_dir)  # one snapshot for every read of this call
    _check_period(period, snapshot)
    province = None
    if within is not None and within != NATIONAL:
        inside = gazetteer.level_of(within)
        if inside is None or gazetteer.name_of(within) is None:
            raise UserError(
                f"--within {within!r} is not an area of the gazetteer "
                "(codes like 64, 64.02, 64.02.06; python -m stunting areas lists them)."
            )
        province = within[:2]
        regency = within[:5] if inside in ("regency", "kecamatan", "village") else regency
        kecamatan = within[:8] if inside in ("kecamatan", "village") else kecamatan
    if kecamatan is not None:
        regency = regency or kecamatan[:5]
    params |= {
        "period": period,
        "year": int(period[:4]),
        "province": province,
        "regency": regency,
        "kecamatan": kecamatan,
    }
    counts = _counts_by_area(params, snapshot)
    if within is not None and within != NATIONAL:
        areas = gazetteer.areas(level, within=within)
    else:
        areas = gazetteer.areas(level, regency)
        if regency is None and within is None and level != "province":
            # "All regencies" means those the app shows (stunting.scope), not the 514 of the gazetteer.
            areas = areas[areas["regency_code"].isin(scope.shown_regencies(data_dir))]
        if kecamatan is not None and level in ("village", "kecamatan"):
            areas = areas[areas["kecamatan_code"] == kecamatan]
    frame = areas[["code", "name"]].merge(counts, on="code", how="left")
    return _rates(frame)[["code", "name", *RATE_COLUMNS, "source"]].reset_index(drop=True)


# Levels answered from the rollup (the summary's sums per kecamatan, one file per year) when the
# year has one (a trend: every year): a national or province view then opens one file, not one per
# regency. Villages need the summary itself.
ROLLUP_LEVELS = ("kecamatan", "regency", "province")


def _counts_by_area(params: dict, snapshot) -> pd.DataFrame:
    """queries/prevalence_by_area.sql's rows; from the rollup (prevalence_by_area_rollup.sql, the
    same sums: tests/test_rollup.py) for the levels above the village when the year has one."""
    if params["level"] not in ROLLUP_LEVELS or store_layout.rollup_file_for(snapshot, params["year"]) is None:
        return queries.run("prevalence_by_area", params, snapshot=snapshot)
    aggregated = _aggregate_regencies(snapshot, params["period"], params["filtered"])
    # The summary is read only for those regencies (none, usually): listing every regency's files
    # would cost more than the query itself.
    return queries.run("prevalence_by_area_rollup", params, snapshot=snapshot, summary_regencies=aggregated)


def _aggregate_regencies(snapshot, period: str | None, filtered: bool) -> list[str]:
    """Regencies with aggregated village counts in ``period`` (any when None); none when filtered
    (aggregated counts have no sex or age)."""
    if filtered or store_layout.aggregates_file_in(snapshot) is None:
        return []
    return queries.run("aggregate_regencies", {"period": period}, snapshot=snapshot)["regency"].tolist()


def view_rates(
    indicator: str,
    period: str,
    view: str,
    code: str | None = None,
    *,
    level: str | None = None,
    sex: str | None = None,
    age_group: str | None = None,
    data_dir=None,
) -> pd.DataFrame:
    """The areas a map ``view`` shows (``VIEW_LEVELS``): ``national`` (no code; provinces or all
    514 regencies), ``province`` (its regencies or kecamatan), ``regency`` (its villages or
    kecamatan), ``kecamatan`` (its villages); ``level`` defaults to the view's first. The columns of
    ``prevalence``. Every view sums the same summary, so a province's child-weighted total is the
    sum of its regencies' children and cases."""
    if view not in VIEW_LEVELS:
        raise ValueError(f"view must be one of {tuple(VIEW_LEVELS)}, not {view!r}")
    level = level or VIEW_LEVELS[view][0]
    if level not in VIEW_LEVELS[view]:
        raise ValueError(f"a {view} view shows {VIEW_LEVELS[view]}, not {level!r}")
    if view == "national":
        within = NATIONAL
    else:
        if gazetteer.level_of(code) != view:
            raise ValueError(f"{code!r} is not a {view} code")
        within = code
    return prevalence(
        indicator, period, level, within=within, sex=sex, age_group=age_group, data_dir=data_dir
    )


def national_rates(indicator: str, period: str, level: str = "province", **filters) -> pd.DataFrame:
    """One row per province (38) or per regency (514) of Indonesia."""
    return view_rates(indicator, period, "national", level=level, **filters)


def province_rates(indicator: str, period: str, code: str, level: str = "regency", **filters) -> pd.DataFrame:
    """One row per regency (or kecamatan) of the province ``code``."""
    return view_rates(indicator, period, "province", code, level=level, **filters)


def regency_rates(indicator: str, period: str, code: str, level: str = "village", **filters) -> pd.DataFrame:
    """One row per village (or kecamatan) of the regency ``code``, as the regency map shows today."""
    return view_rates(indicator, period, "regency", code, level=level, **filters)


def kecamatan_rates(indicator: str, period: str, code: str, **filters) -> pd.DataFrame:
    """One row per village of the kecamatan ``code``."""
    return view_rates(indicator, period, "kecamatan", code, **filters)


def trend(
    indicator: str,
    level: str,
    code: str,
    *,
    sex: str | None = None,
    age_group: str | None = None,
    data_dir=None,
) -> pd.DataFrame:
    """One row per period with data in the store: period, measured, cases, prevalence, ci_low,
    ci_high, suppressed, source (periods without data for this area have measured 0)."""
    params = _filters(indicator, level, sex, age_group)
    params |= {"code": _check_code(level, code), "regency": _regency_of(code)}
    snapshot = store.current_snapshot(data_dir)
    if snapshot is None:
        return _rates(pd.DataFrame({"period": [], "measured": [], "cases": [], "source": []}))[
            ["period", *RATE_COLUMNS, "source"]
        ]
    every_period = list(store.periods_in(str(snapshot)))
    years = sorted({int(period[:4]) for period in every_period})
    if level in ROLLUP_LEVELS and store_layout.rollup_covers(snapshot, years):
        aggregated = _aggregate_regencies(snapshot, None, params["filtered"])
        counts = queries.run(
            "prevalence_trend_rollup", params, snapshot=snapshot, summary_regencies=aggregated
        )
    else:
        counts = queries.run("prevalence_trend", params, snapshot=snapshot)
    frame = pd.DataFrame({"period": every_period}).merge(counts, on="period", how="left")
    return _rates(frame)[["period", *RATE_COLUMNS, "source"]].reset_index(drop=True)


def breakdown(indicator: str, period: str, level: str, code: str, by: str, *, data_dir=None) -> pd.DataFrame:
    """Rates by ``by`` ("age_group", "sex" or "age_group_sex") for one area and period: the group
    columns (every group, in order, empty ones with measured 0) + measured, cases, prevalence,
    ci_low, ci_high, suppressed. Child-level data only (aggregated counts have no age or sex)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {BREAKDOWNS}, not {by!r}")
    params = {k: v for k, v in _filters(indicator, level, None, None).items() if k in ("indicator", "level")}
    snapshot = store.current_snapshot(data_dir)
    _check_period(period, snapshot)
    params |= {
        "period": period,
        "year": int(period[:4]),
        "code": _check_code(level, code),
        "regency": _regency_of(code),
    }
    counts = queries.run("prevalence_by_age_sex", params, snapshot=snapshot)
    groups = [label for label, _, _ in AGE_GROUPS]
    full = pd.MultiIndex.from_product([groups, list(SEXES)], names=["age_group", "sex"]).to_frame(index=False)
    full = full.merge(counts, on=["age_group", "sex"], how="left")
    full[["measured", "cases"]] = full[["measured", "cases"]].fillna(0).astype("int64")
    keys = {"age_group": ["age_group"], "sex": ["sex"], "age_group_sex": ["age_group", "sex"]}[by]
    order = {"age_group": groups, "sex": list(SEXES)}
    summed = full.groupby(keys, sort=False, as_index=False)[["measured", "cases"]].sum()
    for key in keys:
        summed[key] = pd.Categorical(summed[key], categories=order[key], ordered=True)
    summed = summed.sort_values(keys).reset_index(drop=True)
    for key in keys:
        summed[key] = summed[key].astype(str)
    return _rates(summed)[[*keys, *RATE_COLUMNS]]


class AreaLike(Protocol):
    """How stunting.compare describes an area (compare.Area): its level and gazetteer code."""

    level: str
    code: str


@dataclass(frozen=True)
class Overlap:
    """Children counted for one indicator on both sides of a comparison, as a 2x2 by case status:
    n11 a case on both sides, n10 on side a only, n01 on side b only, n00 on neither."""

    n11: int
    n10: int
    n01: int
    n00: int

    @property
    def children_in_both(self) -> int:
        return self.n11 + self.n10 + self.n01 + self.n00


def overlap_counts(
    indicator: str,
    side_a: tuple[AreaLike, str] | tuple[str, str, str],
    side_b: tuple[AreaLike, str] | tuple[str, str, str],
    *,
    data_dir=None,
    snapshot=None,
) -> Overlap:
    """The children counted for ``indicator`` on both sides (same child_id), as a 2x2 (``Overlap``).

    A side is ``(area, period)`` as in stunting.compare (``area.level``, ``area.code``), or
    ``(level, code, period)``. A child is on a side when its counted measurement of that period
    (queries/counted.sql) lies in the area; aggregated counts have no children and are in no cell.
    ``snapshot`` pins the store snapshot (default: the current one).

    Two periods need the children themselves (queries/overlap_counts.sql reads a few hundred
    thousand rows per regency-month). In one period a child is counted once, so the answer follows
    from the summary: areas that do not contain one another share no child, and when one contains
    the other every child of the smaller area is on both sides, a case on both or on neither."""
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {tuple(INDICATORS)}, not {indicator!r}")
    sides = []
    for side in (side_a, side_b):
        if len(side) == 3:
            level, code, period = side
        else:
            where, period = side
            level, code = where.level, where.code
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        sides.append((level, _check_code(level, code), period))
    if snapshot is None:
        snapshot = store.current_snapshot(data_dir)
    (level_a, code_a, period_a), (level_b, code_b, period_b) = sides
    if period_a == period_b:
        inner = _inner_area(sides[0], sides[1])
        if inner is None:
            return Overlap(0, 0, 0, 0)
        level, code, period = inner
        params = {"indicator": indicator, "level": level, "code": code, "regency": _regency_of(code)}
        counts = queries.run(
            "prevalence_by_age_sex", params | {"period": period, "year": int(period[:4])}, snapshot=snapshot
        )
        children, cases = int(counts["measured"].sum()), int(counts["cases"].sum())
        return Overlap(n11=cases, n10=0, n01=0, n00=children - cases)
    return _overlap_query(indicator, sides[0], sides[1], snapshot)


def _overlap_query(indicator: str, side_a: tuple, side_b: tuple, snapshot) -> Overlap:
    """queries/overlap_counts.sql for two checked sides (level, code, period)."""
    params: dict = {"indicator": indicator}
    for suffix, (level, code, period) in (("a", side_a), ("b", side_b)):
        params |= {
            f"level_{suffix}": level,
            f"code_{suffix}": code,
            f"period_{suffix}": period,
            f"year_{suffix}": int(period[:4]),
        }
    row = queries.run("overlap_counts", params, snapshot=snapshot).iloc[0]
    return Overlap(*(int(row[name]) for name in ("n11", "n10", "n01", "n00")))


def _inner_area(side_a: tuple, side_b: tuple) -> tuple | None:
    """The side whose area lies within the other's (gazetteer codes nest: 64 > 64.02 > 64.02.01 >
    64.02.01.2001), or None when neither contains the other."""
    code_a, code_b = side_a[1], side_b[1]
    if code_a == code_b or code_a.startswith(code_b + "."):
        return side_a
    if code_b.startswith(code_a + "."):
        return side_b
    return None


def _filters(indicator: str, level: str, sex: str | None, age_group: str | None) -> dict:
    """Bound values for the query files; each checked against its allow-list first."""
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {tuple(INDICATORS)}, not {indicator!r}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if sex is not None and sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, not {sex!r}")
    if age_group is not None and age_group not in AGE_FILTERS:
        raise ValueError(f"age_group must be one of {tuple(AGE_FILTERS)}, not {age_group!r}")
    if age_group is None:
        age_groups = [label for label, _, _ in AGE_GROUPS]
    else:
        lo, hi = AGE_FILTERS[age_group]
        age_groups = [label for label, first, last in AGE_GROUPS if lo <= first and last <= hi]
    return {
        "indicator": indicator,
        "level": level,
        "sex": sex,
        "age_groups": age_groups,
        "filtered": sex is not None or age_group is not None,
    }


def _check_period(period: str, snapshot) -> None:
    available = list(store.periods_in(str(snapshot))) if snapshot is not None else []
    if period in available:
        return
    if not available:
        raise UserError(
            "The store has no data yet: import an e-PPGBM export (python -m stunting ingest FILE) "
            "or build the demo (python -m stunting demo)."
        )
    raise UserError(f"Period {period!r} has no data; available periods: {', '.join(available)}.")


def _check_code(level: str, code: str) -> str:
    if code not in _codes(level):
        raise ValueError(f"{code!r} is not a {level} code of the gazetteer")
    return code


def _regency_of(code: str) -> str | None:
    """The regency partition an area's rows lie in; None for a province (all of its regencies)."""
    return None if len(code) == 2 else code[:5]


@lru_cache(maxsize=len(LEVELS))
def _codes(level: str) -> frozenset[str]:
    return frozenset(gazetteer.areas(level)["code"])


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    # The one publishing step (stunting/publish.py) decides what may be shown.
    return publish(frame)
