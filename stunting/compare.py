"""Two areas (or one area in two periods) side by side: every number the "Bandingkan" page shows.

The headline is what officials quote: each side's prevalence with its Wilson 95% interval, the
difference a - b in percentage points with its 95% interval and p-value, and the same comparison
after direct age-sex standardisation to the two sides' pooled structure (stunting rises steeply
from 6 to 24 months, so a side that weighs more infants looks better without being better). Below
``MIN_CHILDREN_TO_COMPARE`` children on a side, the difference is "not possible" (NaN here, a
sentence on the page), never a number.

Sides may share children: one area in two periods (most children are weighed in both), or an area
and a larger area containing it (the smaller one's children are counted on both sides). The
difference then uses the shared children's 2x2 (stunting.stats.overlap_difference / overlap_test:
Newcombe's hybrid score interval with the correlation of the two rates, McNemar-like test), and the
headline says how many children are on both sides and, for nested areas, that one contains the other.
Every side's numbers go through stunting.publish, like the map page's.

Everything else on the page (trends, village distributions, rankings, change since 2019, small
multiples, age profile, survey estimates) is built here too, so the page only renders and
``python -m stunting compare`` prints the very numbers the page shows. Fractions 0-1 throughout.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from stunting import config, gazetteer, queries, store
from stunting.config import REPO_ROOT
from stunting.errors import UserError
from stunting.i18n import fmt_children, fmt_month, fmt_number, fmt_percent, t
from stunting.indicators import AGE_GROUPS, INDICATORS, SEXES
from stunting.prevalence import Overlap, overlap_counts
from stunting.publish import publish
from stunting.stats import direct_standardise, newcombe_difference, overlap_difference, overlap_test

# A difference resting on fewer children than this on either side is not shown: with 30 children
# a side at 25% has a 95% interval of about +-15 points, and the difference of two such sides
# spans about +-22 points, wider than any gap between the two regencies worth discussing.
MIN_CHILDREN_TO_COMPARE = 30

# Differences smaller than half a percentage point are "no difference" for the verdict sentence:
# officials quote one decimal, and a half-point gap changes no decision.
NEGLIGIBLE_DIFFERENCE = 0.005
# Crude and standardised differences "tell different stories" when the signs differ, or when one is
# under half (or over twice) the other: then age-sex structure explains (or hides) most of the gap.
STORY_RATIO = 2.0
# ... and only when age-sex structure moves the gap by a point or more: a smaller shift changes no
# conclusion, and a sentence about it would lend weight to noise.
MATERIAL_SHIFT = 0.01

# A ranked village resting on fewer children than this is marked "small numbers": its 95% interval
# is wider than about +-15 points, so its place in the ranking is mostly chance.
SMALL_NUMBERS = 30
RANKING_SIZE = 10

# Raga Pantas (Kukar's stunting programme) began in 2019: the trend marks its start, and village
# change is measured from the same weighing month of that year.
RAGA_PANTAS_YEAR = 2019
# RPJMN 2020-2024 (Perpres 18/2020, Perpres 72/2021): stunting among under-fives down to 14% by 2024.
NATIONAL_TARGET = 0.14
NATIONAL_TARGET_YEAR = 2024

SMALL_MULTIPLE_INDICATORS = ("stunting", "wasting", "underweight")
RATE_COLUMNS = ["measured", "cases", "prevalence", "ci_low", "ci_high", "suppressed"]

# Official survey estimates (SSGI, SKI) per regency, editable by the data manager; percent 0-100.
SURVEY_ESTIMATES_CSV = REPO_ROOT / "reference" / "survey_estimates.csv"
SURVEY_COLUMNS = ("region_code", "region", "year", "survey", "indicator", "prevalence", "source")

# The form of a code says its level: province 64, regency 64.02, kecamatan 64.02.01, village
# 64.02.01.2001.
_CODE_FORMS = (
    (re.compile(r"^\d{2}$"), "province"),
    (re.compile(r"^\d{2}\.\d{2}$"), "regency"),
    (re.compile(r"^\d{2}\.\d{2}\.\d{2}$"), "kecamatan"),
    (re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"), "village"),
)
DEFAULT_A = "64.02"  # Kabupaten Kutai Kartanegara
DEFAULT_B = "64.74"  # Kota Bontang


@dataclass(frozen=True)
class Area:
    code: str
    level: str  # "province", "regency", "kecamatan" or "village"
    name: str
    regency: str | None  # None for a province (all of its regencies)


def area(code: str) -> Area:
    """The gazetteer area of ``code``; its level follows from the code's form (UserError otherwise)."""
    code = (code or "").strip()
    level = next((lvl for pattern, lvl in _CODE_FORMS if pattern.match(code)), None)
    if level is None:
        raise UserError(
            f"Area code {code!r} is not a province (64), regency (64.02), kecamatan (64.02.01) or "
            "village (64.02.01.2001) code."
        )
    name = gazetteer.name_of(code)
    if name is None:
        raise UserError(f"Area code {code!r} is not a {level} of the gazetteer (geo/gazetteer/).")
    return Area(code, level, name, None if level == "province" else code[:5])


@dataclass(frozen=True)
class Side:
    """One side's headline: the same numbers as the map page's area for that indicator and period."""

    code: str
    level: str
    name: str
    period: str
    measured: int
    cases: int | None  # None when the rate is withheld (publish): cases / children would give it back
    prevalence: float
    ci_low: float
    ci_high: float
    suppressed: bool
    source: str | None

    def record(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "period": self.period,
            "measured": self.measured,
            "cases": self.cases,
            "prevalence": _number(self.prevalence),
            "ci_low": _number(self.ci_low),
            "ci_high": _number(self.ci_high),
            "source": self.source,
        }


def relation(a: Area, b: Area) -> str | None:
    """How two areas overlap: "same", "a_in_b" (b contains a), "b_in_a", or None (apart)."""
    if a.code == b.code:
        return "same"
    if a.code.startswith(b.code + "."):
        return "a_in_b"
    if b.code.startswith(a.code + "."):
        return "b_in_a"
    return None


@dataclass(frozen=True)
class Weighting:
    """A province's two totals. ``child_weighted`` is the side's prevalence: the cases of all its
    children over all its children, so a regency weighs by the children counted in it (the sum of
    its regencies' children, as every page counts). ``population_weighted`` weighs each regency's
    published rate by its population (gazetteer, from wilayah_penduduk.sql), over the regencies with
    a rate: the view of a province where every resident counts alike, whatever was weighed where."""

    code: str
    name: str
    child_weighted: float
    population_weighted: float
    regencies_with_rate: int
    regencies: int
    population_with_rate: int
    population: int

    def record(self) -> dict:
        return {
            "code": self.code,
            "child_weighted": _number(self.child_weighted),
            "population_weighted": _number(self.population_weighted),
            "regencies_with_rate": self.regencies_with_rate,
            "regencies": self.regencies,
            "population_with_rate": self.population_with_rate,
            "population": self.population,
        }


def weighting(counts: Counts, where: Area, period: str) -> Weighting | None:
    """The child- and population-weighted totals of a province side (None for smaller areas: their
    parts have no population in the gazetteer)."""
    if where.level != "province":
        return None
    parts = gazetteer.areas("regency", within=where.code)
    population = gazetteer.table().set_index("code")["population"]
    counted = pd.concat(
        [
            counts.totals(Area(code, "regency", name, code), period).assign(code=code)
            for code, name in zip(parts["code"], parts["name"], strict=True)
        ],
        ignore_index=True,
    )
    rates = publish(counted)
    rates["population"] = rates["code"].map(population).astype("int64")
    with_rate = rates[rates["prevalence"].notna()]
    weights = with_rate["population"].to_numpy(dtype=float)
    population_weighted = (
        float(np.dot(with_rate["prevalence"].to_numpy(dtype=float), weights) / weights.sum())
        if weights.sum() > 0
        else math.nan
    )
    side = publish(counts.totals(where, period)).iloc[0]
    return Weighting(
        code=where.code,
        name=where.name,
        child_weighted=float(side["prevalence"]),
        population_weighted=population_weighted,
        regencies_with_rate=len(with_rate),
        regencies=len(rates),
        population_with_rate=int(with_rate["population"].sum()),
        population=int(population.get(where.code, rates["population"].sum())),
    )


def weighting_note(top: Headline, lang: str) -> str | None:
    """One sentence per province side: which total its number is, and the population-weighted one."""
    sentences = []
    for where in (top.weighting_a, top.weighting_b):
        if where is None or math.isnan(where.child_weighted):
            continue
        values = {
            "area": where.name,
            "child": fmt_percent(where.child_weighted, lang),
            "with_rate": fmt_number(where.regencies_with_rate, lang),
            "regencies": fmt_number(where.regencies, lang),
            "covered": fmt_number(where.population_with_rate, lang),
            "population": fmt_number(where.population, lang),
        }
        if math.isnan(where.population_weighted):
            sentences.append(t("compare.weighting.children_only", lang, **values))
        else:
            values["weighted"] = fmt_percent(where.population_weighted, lang)
            sentences.append(t("compare.weighting", lang, **values))
    return " ".join(dict.fromkeys(sentences)) or None


@dataclass(frozen=True)
class Headline:
    """Both sides, their difference and the age-sex standardised comparison.

    ``possible`` is False when a side has fewer than MIN_CHILDREN_TO_COMPARE children: the
    difference, interval and p-value are then NaN. ``standardised_possible`` is False when the
    difference is not possible or a pooled age-sex group has children on one side only (its rate
    on the other side is unknown); the standardised numbers are then NaN. ``verdict`` is the i18n
    key of the plain-language sentence when crude and standardised differences tell different
    stories, else None.
    """

    indicator: str
    a: Side
    b: Side
    possible: bool
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    standardised_possible: bool
    standardised_a: float
    standardised_b: float
    standardised_difference: float
    crude_difference_by_strata: float  # the crude difference over the standardised children only
    verdict: str | None
    strata: pd.DataFrame  # age_group, sex, cases_a, n_a, cases_b, n_b
    relation: str | None  # relation(a, b): "same", "a_in_b", "b_in_a" or None
    shared: Overlap  # the children counted on both sides (child-level records only)
    weighting_a: Weighting | None = None  # a province side's child- and population-weighted totals
    weighting_b: Weighting | None = None

    @property
    def children_in_both(self) -> int:
        return self.shared.children_in_both

    def record(self, lang: str = "en") -> dict:
        """The citable numbers, as ``python -m stunting compare`` prints them (None = not possible)."""
        return {
            "indicator": self.indicator,
            "a": self.a.record(),
            "b": self.b.record(),
            "children_in_both": self.children_in_both,
            "note": overlap_note(self, lang),
            "weighting": {
                "a": None if self.weighting_a is None else self.weighting_a.record(),
                "b": None if self.weighting_b is None else self.weighting_b.record(),
                "note": weighting_note(self, lang),
            },
            "difference": {
                "value": _number(self.difference),
                "ci_low": _number(self.ci_low),
                "ci_high": _number(self.ci_high),
                "p_value": _number(self.p_value),
            },
            "standardised": {
                "a": _number(self.standardised_a),
                "b": _number(self.standardised_b),
                "difference": _number(self.standardised_difference),
            },
        }


@dataclass(frozen=True)
class Comparison:
    """All the data of the comparison page. Every frame has a ``side`` column ("a"/"b") where it
    holds both sides, so a chart colours by side and a CSV download says which side a row is."""

    headline: Headline
    trends: pd.DataFrame  # side, period, measured, cases, prevalence, ci_low, ci_high, suppressed
    small_multiples: pd.DataFrame  # indicator + the trend columns, for SMALL_MULTIPLE_INDICATORS
    villages: pd.DataFrame  # side, code, name, kecamatan, measured, ..., suppressed, class_index
    class_shares: pd.DataFrame  # side, state ("class" / "too_few" / "no_data"), class_index, villages, share
    ranking: pd.DataFrame  # side, rank, code, name, kecamatan, measured, prevalence, ci, small_numbers
    change: pd.DataFrame  # side, code, name, baseline_period, period, both sides' counts, change, ci
    age_profile: pd.DataFrame  # side, age_group, measured, cases, prevalence, ci_low, ci_high, suppressed
    surveys: pd.DataFrame  # side, region_code, region, year, survey, indicator, prevalence (0-1), source
    class_edges: tuple[float, ...]
    class_names: tuple[str, ...]


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


NO_DATA = (
    "The store has no data yet: import an e-PPGBM export (python -m stunting ingest FILE) "
    "or build the demo (python -m stunting demo)."
)


def summary(data_dir=None) -> pd.DataFrame:
    """queries/compare_summary.sql on the current snapshot: one row per village x period x age group
    x sex with each indicator's children and cases (plus ``regency`` and ``kecamatan`` columns).

    Every number of the page is a sum over this table (some 40,000 rows on a 10-million-row store),
    read once from the store's per-partition summary. A snapshot never changes, so the table is kept
    in memory per snapshot; an import makes a new snapshot and with it a new table."""
    folder = config.data_dir(data_dir)
    snapshot = store.current_snapshot(folder)
    if snapshot is None:
        raise UserError(NO_DATA)
    return _summary(str(folder), str(snapshot))


# A few snapshots per process (the app serves one data dir; tests make many small ones).
@lru_cache(maxsize=4)
def _summary(folder: str, snapshot: str) -> pd.DataFrame:
    # No parameters: the store's summary applied each indicator's cut-off when it was written.
    return _prepared(queries.run("compare_summary", {}, data_dir=folder, snapshot=Path(snapshot)))


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        province=frame["village_code"].str.slice(0, 2),
        regency=frame["village_code"].str.slice(0, 5),
        kecamatan=frame["village_code"].str.slice(0, 8),
    )


def _counted(keys: dict, measured, cases, aggregate=None) -> pd.DataFrame:
    """Counted numbers (not yet published): the leading ``keys`` columns (name -> values), measured,
    cases and, given ``aggregate`` (any aggregated row), the source."""
    out = pd.DataFrame(
        {**keys, "measured": np.asarray(measured, dtype="int64"), "cases": np.asarray(cases, dtype="int64")}
    )
    if aggregate is not None:
        out["source"] = np.where(np.asarray(aggregate, dtype=bool), "aggregate", "measurements")
    return out


RATE_FRAME_COLUMNS = [*RATE_COLUMNS, "source"]


def _published(counted: pd.DataFrame) -> pd.DataFrame:
    """The prevalence API's columns of the published numbers (the tests hold the two equal)."""
    keys = [c for c in counted.columns if c not in ("measured", "cases", "source")]
    columns = [*keys, *RATE_COLUMNS] + (["source"] if "source" in counted.columns else [])
    return publish(counted)[columns]


class Counts:
    """Sums over the summary for one indicator: an area's numbers, its trend, its villages and its
    age-sex breakdown, with the same rules as stunting.prevalence. ``masks`` may be shared between
    the indicators' Counts of one summary (an area's rows are found once)."""

    LEVEL_COLUMNS = {
        "province": "province",
        "regency": "regency",
        "kecamatan": "kecamatan",
        "village": "village_code",
    }

    def __init__(self, frame: pd.DataFrame, indicator: str, masks: dict | None = None):
        self.frame = frame
        self.values = [f"{indicator}_measured", f"{indicator}_cases", f"{indicator}_aggregate"]
        self.periods = sorted(frame["period"].unique())
        self.masks = {} if masks is None else masks

    def _rows(self, where: Area, period: str | None = None) -> pd.DataFrame:
        key = (where.level, where.code)
        if key not in self.masks:
            self.masks[key] = (self.frame[self.LEVEL_COLUMNS[where.level]] == where.code).to_numpy()
        rows = self.frame[self.masks[key]]
        return rows if period is None else rows[rows["period"].to_numpy() == period]

    def _summed(self, rows: pd.DataFrame, by: list[str], index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """measured, cases and "any aggregated row" per key of ``index`` (0 where no row)."""
        summed = rows.groupby(by, sort=False)[self.values].sum().reindex(index, fill_value=0)
        return tuple(summed[column].to_numpy() for column in self.values)

    def totals(self, where: Area, period: str) -> pd.DataFrame:
        """One row of counted numbers: the area's measured, cases and source in ``period``."""
        rows = self._rows(where, period)
        measured, cases, aggregate = (np.array([rows[column].sum()]) for column in self.values)
        return _counted({}, measured, cases, aggregate > 0)

    def side(self, where: Area, period: str, totals: pd.DataFrame | None = None) -> Side:
        """The side's published numbers (``totals``: its counted ones, when already summed)."""
        total = publish(self.totals(where, period) if totals is None else totals).iloc[0]
        return Side(
            code=where.code,
            level=where.level,
            name=where.name,
            period=period,
            measured=int(total["measured"]),
            cases=None if pd.isna(total["cases"]) else int(total["cases"]),
            prevalence=float(total["prevalence"]),
            ci_low=float(total["ci_low"]),
            ci_high=float(total["ci_high"]),
            suppressed=bool(total["suppressed"]),
            source=total["source"],
        )

    def trend_counts(self, where: Area) -> pd.DataFrame:
        """One row per store period: period and the counted numbers."""
        measured, cases, aggregate = self._summed(self._rows(where), ["period"], pd.Index(self.periods))
        return _counted({"period": self.periods}, measured, cases, aggregate > 0)

    def trend(self, where: Area) -> pd.DataFrame:
        """One row per store period: period, the rate columns and source."""
        return _published(self.trend_counts(where))

    def village_counts(self, where: Area, period: str) -> pd.DataFrame:
        """Every gazetteer village of the area: code, name, kecamatan and its counted numbers."""
        gazetteer_villages = gazetteer.villages()
        inside = {
            "province": "province_code",
            "regency": "regency_code",
            "kecamatan": "kecamatan_code",
            "village": "code",
        }[where.level]
        areas = gazetteer_villages[gazetteer_villages[inside] == where.code]
        codes = pd.Index(areas["code"])
        measured, cases, aggregate = self._summed(self._rows(where, period), ["village_code"], codes)
        keys = {
            "code": codes.to_numpy(),
            "name": areas["name"].to_numpy(),
            "kecamatan": areas["kecamatan_name"].to_numpy(),
        }
        return _counted(keys, measured, cases, aggregate > 0)

    def villages(self, where: Area, period: str) -> pd.DataFrame:
        """Every gazetteer village of the area: code, name, kecamatan, the rate columns and source."""
        return _published(self.village_counts(where, period))

    def breakdown_counts(self, where: Area, period: str, by: list[str]) -> pd.DataFrame:
        """Child-level rows only (aggregated counts have no age or sex), every group in order."""
        rows = self._rows(where, period)
        rows = rows[rows["age_group"].notna().to_numpy() & rows["sex"].notna().to_numpy()]
        groups = {"age_group": [label for label, _, _ in AGE_GROUPS], "sex": list(SEXES)}
        index = pd.MultiIndex.from_product([groups[key] for key in by], names=by)
        measured, cases, _ = self._summed(rows, by, index if len(by) > 1 else index.get_level_values(0))
        keys = {key: index.get_level_values(key).to_numpy() for key in by}
        return _counted(keys, measured, cases)

    def breakdown(self, where: Area, period: str, by: list[str]) -> pd.DataFrame:
        return _published(self.breakdown_counts(where, period, by))


def _resolve_periods(period_a: str | None, period_b: str | None, available: list[str]) -> tuple[str, str]:
    if not available:
        raise UserError(NO_DATA)
    latest = available[-1]
    resolved = []
    for period in (period_a or latest, period_b or latest):
        if period not in available:
            raise UserError(f"Period {period!r} has no data; available periods: {', '.join(available)}.")
        resolved.append(period)
    return resolved[0], resolved[1]


def _strata(counts: Counts, sides: tuple[tuple[Area, str], tuple[Area, str]]) -> pd.DataFrame:
    """One row per age group x sex: cases and children of each side (child-level records only).
    Counted, not published numbers: a small group still weighs in the standardised rate."""
    a, b = (counts.breakdown_counts(where, period, ["age_group", "sex"]) for where, period in sides)
    return pd.DataFrame(
        {
            "age_group": a["age_group"],
            "sex": a["sex"],
            "group": a["age_group"] + " " + a["sex"],
            "cases_a": a["cases"].to_numpy(),
            "n_a": a["measured"].to_numpy(),
            "cases_b": b["cases"].to_numpy(),
            "n_b": b["measured"].to_numpy(),
        }
    )


def verdict(crude: float, standardised: float) -> str | None:
    """The i18n key of the sentence saying how age-sex structure changes the story, or None when
    crude and standardised differences tell the same story (or one of them is unknown)."""
    if math.isnan(crude) or math.isnan(standardised) or abs(standardised - crude) < MATERIAL_SHIFT:
        return None
    crude_small = abs(crude) < NEGLIGIBLE_DIFFERENCE
    standardised_small = abs(standardised) < NEGLIGIBLE_DIFFERENCE
    if crude_small and standardised_small:
        return None
    if not crude_small and not standardised_small and np.sign(crude) != np.sign(standardised):
        return "compare.verdict.reversed"
    if standardised_small or abs(standardised) * STORY_RATIO < abs(crude):
        return "compare.verdict.explained_by_age"
    if crude_small or abs(standardised) > abs(crude) * STORY_RATIO:
        return "compare.verdict.hidden_by_age"
    return None


def headline(
    indicator: str,
    code_a: str = DEFAULT_A,
    code_b: str = DEFAULT_B,
    period_a: str | None = None,
    period_b: str | None = None,
    *,
    data_dir=None,
) -> Headline:
    """Both sides, the difference a - b and the standardised comparison (periods default to the latest)."""
    if indicator not in INDICATORS:
        raise UserError(f"Indicator {indicator!r} is unknown; choose one of {', '.join(INDICATORS)}.")
    area_a, area_b = area(code_a), area(code_b)
    counts = Counts(summary(data_dir), indicator)
    period_a, period_b = _resolve_periods(period_a, period_b, counts.periods)
    if area_a.code == area_b.code and period_a == period_b:
        raise UserError(
            f"Both sides are {area_a.code} in {period_a}: choose two areas, or one area in two periods."
        )
    totals_a, totals_b = counts.totals(area_a, period_a), counts.totals(area_b, period_b)
    a, b = counts.side(area_a, period_a, totals_a), counts.side(area_b, period_b, totals_b)
    # The difference rests on counted numbers; only the sides' own rates are published.
    (cases_a, n_a), (cases_b, n_b) = (
        side[["cases", "measured"]].iloc[0].tolist() for side in (totals_a, totals_b)
    )
    nested = relation(area_a, area_b)
    shared = shared_children(indicator, area_a, period_a, area_b, period_b, nested, data_dir)
    possible = min(n_a, n_b) >= MIN_CHILDREN_TO_COMPARE
    nan = math.nan
    difference = low = high = p_value = nan
    if possible:
        cells = (shared.n11, shared.n10, shared.n01, shared.n00)
        diff, lo, hi = overlap_difference(cases_a, n_a, cases_b, n_b, *cells)
        _, p = overlap_test(cases_a, n_a, cases_b, n_b, *cells)
        difference, low, high, p_value = float(diff), float(lo), float(hi), float(p)

    strata = _strata(counts, ((area_a, period_a), (area_b, period_b)))
    standardised = direct_standardise(strata)
    standardised_possible = possible and not math.isnan(standardised.difference)
    std_a = standardised.a if standardised_possible else nan
    std_b = standardised.b if standardised_possible else nan
    std_difference = standardised.difference if standardised_possible else nan
    crude_by_strata = standardised.crude_difference if standardised_possible else nan
    return Headline(
        indicator=indicator,
        a=a,
        b=b,
        possible=possible,
        difference=difference,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        standardised_possible=standardised_possible,
        standardised_a=std_a,
        standardised_b=std_b,
        standardised_difference=std_difference,
        crude_difference_by_strata=crude_by_strata,
        # The verdict weighs like against like: both differences over the same (standardised) children.
        verdict=verdict(crude_by_strata, std_difference) if standardised_possible else None,
        strata=strata.drop(columns="group"),
        relation=nested,
        shared=shared,
        weighting_a=weighting(counts, area_a, period_a),
        weighting_b=weighting(counts, area_b, period_b),
    )


def shared_children(
    indicator: str, a: Area, period_a: str, b: Area, period_b: str, nested: str | None, data_dir=None
) -> Overlap:
    """The children counted on both sides (the store's child-level records; aggregated counts carry
    no child and are in no cell)."""
    if nested is None:
        # A child counts once per period and indicator, with one measurement in one village: two
        # areas apart share no child in one period. Across periods they share only children who
        # moved from one to the other: few, and like all shared children positively correlated, so
        # leaving them out can only widen the interval. Asking the store costs a pass over two
        # months of child-level rows (seconds on 10M measurements), so it is asked only when the
        # sides are the same area or one contains the other.
        return Overlap(0, 0, 0, 0)
    return overlap_counts(indicator, (a, period_a), (b, period_b), data_dir=data_dir)


def overlap_note(headline: Headline, lang: str) -> str | None:
    """The sentence saying the sides share children (one area in two periods, or an area inside the
    other), or None for two areas apart."""
    a, b = headline.a, headline.b
    children = fmt_children(headline.children_in_both, lang)
    if headline.relation == "same":
        return t(
            "compare.overlap.same",
            lang,
            area=a.name,
            period_a=fmt_month(a.period, lang),
            period_b=fmt_month(b.period, lang),
            children=children,
        )
    if headline.relation in ("a_in_b", "b_in_a"):
        inner, outer = (a, b) if headline.relation == "a_in_b" else (b, a)
        return t("compare.overlap.nested", lang, inner=inner.name, outer=outer.name, children=children)
    return None


# --- the rest of the page --------------------------------------------------------------------


def _both(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([frame.assign(side=side) for side, frame in frames.items()], ignore_index=True)[
        ["side", *next(iter(frames.values())).columns]
    ]


def baseline_period(period: str, available: list[str]) -> str:
    """The same weighing month of RAGA_PANTAS_YEAR when it has data, else the earliest period."""
    same_month = f"{RAGA_PANTAS_YEAR:04d}-{period[5:7]}"
    return same_month if same_month in available else available[0]


def _change(now: pd.DataFrame, before: pd.DataFrame, baseline: str, period: str) -> pd.DataFrame:
    """Per village (counted numbers): prevalence at ``baseline`` and at ``period`` and the change
    with its Newcombe interval; not possible (NaN) below MIN_CHILDREN_TO_COMPARE children in either
    period. The baseline is years back (RAGA_PANTAS_YEAR), when few of today's under-fives were
    weighed yet; children weighed in both months would only make the interval wider than it must be,
    never narrower, so village change does not query them one village at a time."""
    merged = now[["code", "name", "kecamatan", "measured", "cases"]].merge(
        before[["code", "measured", "cases"]], on="code", suffixes=("", "_baseline")
    )
    possible = (merged["measured"] >= MIN_CHILDREN_TO_COMPARE) & (
        merged["measured_baseline"] >= MIN_CHILDREN_TO_COMPARE
    )
    if baseline >= period:  # no earlier month to measure change from
        possible[:] = False
    change, low, high = newcombe_difference(
        merged["cases"], merged["measured"], merged["cases_baseline"], merged["measured_baseline"]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rate_now = merged["cases"] / merged["measured"]
        rate_before = merged["cases_baseline"] / merged["measured_baseline"]
    return pd.DataFrame(
        {
            "code": merged["code"],
            "name": merged["name"],
            "kecamatan": merged["kecamatan"],
            "baseline_period": baseline,
            "period": period,
            "measured_baseline": merged["measured_baseline"],
            "prevalence_baseline": rate_before.where(possible),
            "measured": merged["measured"],
            "prevalence": rate_now.where(possible),
            "change": np.where(possible, change, np.nan),
            "ci_low": np.where(possible, low, np.nan),
            "ci_high": np.where(possible, high, np.nan),
            "possible": possible,
        }
    )


def _class_shares(villages: pd.DataFrame, n_classes: int) -> pd.DataFrame:
    """Per side: villages in each class, too few children, no data; share of all the side's villages."""
    rows = []
    for side, frame in villages.groupby("side", sort=True):
        counts = frame.loc[frame["class_index"] >= 0, "class_index"].value_counts()
        for index in range(n_classes):
            rows.append((side, "class", index, int(counts.get(index, 0))))
        rows.append((side, "too_few", -1, int(frame["suppressed"].sum())))
        rows.append((side, "no_data", -1, int((frame["measured"] == 0).sum())))
    out = pd.DataFrame(rows, columns=["side", "state", "class_index", "villages"])
    totals = villages.groupby("side").size()
    out["share"] = out["villages"] / out["side"].map(totals)
    return out


def _ranking(villages: pd.DataFrame) -> pd.DataFrame:
    """Per side, the RANKING_SIZE villages with the highest prevalence (suppressed ones have none)."""
    ranked = villages[villages["prevalence"].notna()].sort_values(
        ["side", "prevalence", "measured"], ascending=[True, False, False]
    )
    ranked = ranked.groupby("side", sort=True).head(RANKING_SIZE).copy()
    ranked["rank"] = ranked.groupby("side").cumcount() + 1
    ranked["small_numbers"] = ranked["measured"] < SMALL_NUMBERS
    columns = [
        "side",
        "rank",
        "code",
        "name",
        "kecamatan",
        "measured",
        "cases",
        "prevalence",
        "ci_low",
        "ci_high",
        "suppressed",
        "small_numbers",
    ]
    return ranked[columns].reset_index(drop=True)


@lru_cache(maxsize=4)
def _survey_file(path: str, mtime: float) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"region_code": str, "survey": str, "source": str})
    missing = [column for column in SURVEY_COLUMNS if column not in frame.columns]
    if missing:
        raise UserError(f"{path}: the columns {', '.join(missing)} are missing (row 1, the header).")
    values = pd.to_numeric(frame["prevalence"], errors="coerce")
    bad = frame.index[values.isna() | (values < 0) | (values > 100)]
    if len(bad):
        row = int(bad[0]) + 2  # 1-based, after the header row
        raise UserError(f"{path}: row {row}, column prevalence must be a percentage from 0 to 100.")
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any():
        row = int(frame.index[years.isna()][0]) + 2
        raise UserError(f"{path}: row {row}, column year must be a year such as 2022.")
    return frame.assign(prevalence=values / 100.0, year=years.astype("int64"))[list(SURVEY_COLUMNS)]


def survey_estimates(path=SURVEY_ESTIMATES_CSV) -> pd.DataFrame:
    """The official survey estimates (prevalence as a fraction 0-1), re-read when the file changes."""
    path = Path(path)
    return _survey_file(str(path), path.stat().st_mtime).copy()


def _surveys_for(indicator: str, areas: dict[str, Area]) -> pd.DataFrame:
    """Survey estimates for sides that are regencies: surveys estimate whole regencies only, so a
    kecamatan or village is never shown against them."""
    estimates = survey_estimates()
    estimates = estimates[estimates["indicator"] == indicator]
    frames = {
        side: estimates[estimates["region_code"] == where.code].reset_index(drop=True)
        for side, where in areas.items()
        if where.level == "regency"
    }
    seen: set[str] = set()
    unique = {}
    for side, frame in frames.items():  # one area in two periods: its surveys once, on side a
        if areas[side].code not in seen:
            unique[side] = frame
            seen.add(areas[side].code)
    if not unique:
        return pd.DataFrame(columns=["side", *SURVEY_COLUMNS])
    return _both(unique)


def build_comparison(
    indicator: str,
    code_a: str = DEFAULT_A,
    code_b: str = DEFAULT_B,
    period_a: str | None = None,
    period_b: str | None = None,
    *,
    data_dir=None,
) -> Comparison:
    """Everything the comparison page shows, for ``indicator`` (UserError on bad codes or periods)."""
    from stunting.classes import who_classes  # the map's WHO classes: both pages class villages alike

    top = headline(indicator, code_a, code_b, period_a, period_b, data_dir=data_dir)
    areas = {"a": area(top.a.code), "b": area(top.b.code)}
    periods_of = {"a": top.a.period, "b": top.b.period}
    frame = summary(data_dir)
    masks: dict = {}
    counts = {
        name: Counts(frame, name, masks) for name in dict.fromkeys((indicator, *SMALL_MULTIPLE_INDICATORS))
    }

    # Counted frames of both sides (and every indicator) are published together: one publishing
    # call per kind of frame, not one per side and indicator.
    every_trend = _published(
        pd.concat(
            [
                _both({side: by_indicator.trend_counts(where) for side, where in areas.items()}).assign(
                    indicator=name
                )
                for name, by_indicator in counts.items()
            ],
            ignore_index=True,
        )
    )
    trends = every_trend[every_trend["indicator"] == indicator].drop(columns="indicator")
    small_multiples = every_trend[every_trend["indicator"].isin(SMALL_MULTIPLE_INDICATORS)]

    scheme = who_classes(indicator)
    chosen = counts[indicator]
    counted_now, change = {}, {}
    for side, where in areas.items():
        counted_now[side] = chosen.village_counts(where, periods_of[side])
        base = baseline_period(periods_of[side], chosen.periods)
        before = counted_now[side] if base == periods_of[side] else chosen.village_counts(where, base)
        change[side] = _change(counted_now[side], before, base, periods_of[side])
    villages = _published(_both(counted_now))
    villages = villages.assign(class_index=scheme.classify(villages["prevalence"]))
    profile = _published(
        _both(
            {
                side: chosen.breakdown_counts(where, periods_of[side], ["age_group"])
                for side, where in areas.items()
            }
        )
    )
    return Comparison(
        headline=top,
        trends=trends.reset_index(drop=True),
        small_multiples=small_multiples[["indicator", *trends.columns]].reset_index(drop=True),
        villages=villages,
        class_shares=_class_shares(villages, len(scheme.edges)),
        ranking=_ranking(villages),
        change=_both(change),
        age_profile=profile,
        surveys=_surveys_for(indicator, areas),
        class_edges=scheme.edges,
        class_names=scheme.names,
    )


# --- the page's choices in the URL (pure: the page parses, validates and writes them) ------------

URL_PARAMS = ("a", "b", "pb")


@dataclass(frozen=True)
class Choices:
    """What the comparison page compares; the indicator, language and period of A come from the
    shared sidebar (its own URL parameters)."""

    a: str = DEFAULT_A
    b: str = DEFAULT_B
    period_b: str | None = None  # None: the same period as A


def area_codes() -> list[str]:
    """Every comparable area: the 38 provinces and 514 regencies of Indonesia (an office compares
    itself with any regency or its province, with or without data there), then the kecamatan and
    villages of the regencies the app shows (stunting.scope), each level in code order."""
    from stunting import scope

    shown = list(scope.shown_regencies())
    codes = gazetteer.areas("province")["code"].tolist() + gazetteer.areas("regency")["code"].tolist()
    for level in ("kecamatan", "village"):
        frame = gazetteer.areas(level)
        codes += frame.loc[frame["regency_code"].isin(shown), "code"].tolist()
    return codes


def parse_choices(params: Mapping[str, str | Sequence[str]], periods: Sequence[str]) -> tuple[Choices, list]:
    """The choices a link asks for, and the (name, value) pairs rejected (they fall back to defaults)."""

    def single(name: str) -> str | None:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            value = value[-1] if len(value) else None
        return value.strip() if value else None

    known = set(area_codes())
    asked = {name: single(name) for name in URL_PARAMS}
    rejected = []
    chosen = {}
    for name, field, ok in (
        ("a", "a", asked["a"] in known),
        ("b", "b", asked["b"] in known),
        ("pb", "period_b", asked["pb"] in periods),
    ):
        if ok:
            chosen[field] = asked[name]
        elif asked[name] is not None:
            rejected.append((name, asked[name]))
    return Choices(**chosen), rejected


def choices_query(choices: Choices) -> dict[str, str]:
    """The URL parameters that reopen ``choices`` (a period of B equal to A's is left out)."""
    query = {"a": choices.a, "b": choices.b}
    if choices.period_b is not None:
        query["pb"] = choices.period_b
    return query
