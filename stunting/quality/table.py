"""One row per unit (posyandu, puskesmas, village, kecamatan, regency) with every check's value.

The sufficient statistics of queries/quality_stats.sql are summed to the chosen level, then each
check in CHECKS turns its sums into a value. A value resting on fewer children than its check's
minimum is NaN with status "too_few" (shown as "terlalu sedikit anak", never as a colour or 0%); a
unit without any measurement in the period has status "no_data". ``failed`` lists the checks whose
value crosses its published threshold: the warning mark of the maps and the unit cards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stunting import config, gazetteer, publish, queries, store
from stunting import store_layout as layout
from stunting.errors import UserError
from stunting.quality import checks, stored

LEVELS = ("posyandu", "puskesmas", "village", "kecamatan", "regency")
INDICATORS = ("haz", "waz", "whz")
REPORTED_TOLERANCE = stored.REPORTED_TOLERANCE


@dataclass(frozen=True)
class Check:
    """One column of the quality table: how its value comes from the sums, the count it rests on,
    the minimum of that count, when it fails, and where the rule comes from. ``value``, ``basis``
    and ``fails`` take every unit at once (``Units``: a float array per column of sums) and answer
    with one array entry per unit."""

    name: str
    value: Callable[[Units], np.ndarray]
    basis: Callable[[Units], np.ndarray]
    minimum: int
    fails: Callable[[np.ndarray, Units], np.ndarray] | None
    source: str
    percent: bool = False


class Units(dict):
    """The measured units' sums, one float64 array per column (one entry per unit), and what
    several checks read, computed once for every unit: the moments of each z-score and the exact
    tests of the sex ratio and of age heaping. A dict of arrays: a row object per unit and check
    cost more than the checks themselves (evaluate)."""

    def __init__(self, measured: pd.DataFrame):
        numeric = [c for c in measured.columns if c not in ("code", "name")]
        super().__init__({c: measured[c].to_numpy(dtype="float64") for c in numeric})
        self.sex_ratio = checks.sex_ratio_tests(measured["boys"].to_numpy(), measured["girls"].to_numpy())
        self.age_heaping = checks.age_heaping_tests(measured[AGE_REMAINDERS].to_numpy(dtype="float64"))
        self.moments = {z: _moments(self, z) for z in INDICATORS}


def _pct(part: str, whole: str) -> Callable[[Units], np.ndarray]:
    return lambda u: 100 * checks.shares(u[part], u[whole])


def _moments(u: Units, z: str) -> dict[str, np.ndarray]:
    return checks.skew_kurt_of_sums(*(u[f"{z}_{k}"] for k in ("n", "s1", "s2", "s3", "s4")))


def _skew_kurt_problematic(u: Units, z: str, stat: str) -> np.ndarray:
    return checks.skew_kurt_problematic_of(u.moments[z][stat], u.moments[z][f"{stat}_p"])


def _digit_counts(u: Units, measure: str) -> np.ndarray:
    return np.column_stack([u[c] for c in _DIGIT_COLUMNS[measure]])


_DIGIT_COLUMNS = {m: [f"{m}_d{d}" for d in checks.DIGITS] for m in ("height", "weight")}


def _digits(measure: str) -> list[str]:
    return _DIGIT_COLUMNS[measure]


def _position_known(u: Units) -> np.ndarray:
    return u["position_known_under_24m"] + u["position_known_from_24m"]


def _reported(u: Units, what: str) -> np.ndarray:
    return sum(u[f"reported_{z}_{what}"] for z in INDICATORS)


def _above(part: str, whole: str, limit_pct: float) -> Callable[[np.ndarray, Units], np.ndarray]:
    """Fails when the share part/whole is above limit_pct beyond chance (checks.exceeds)."""
    return lambda value, u: checks.exceeding(u[part], u[whole], limit_pct / 100)


def _children(u: Units) -> np.ndarray:
    return u["children"]


def _sexes(u: Units) -> np.ndarray:
    return u["boys"] + u["girls"]


AGE_REMAINDERS = [f"age_m{r}" for r in range(12)]


WHO_FLAGGED_LIMIT_PCT = 1.0  # WHO/UNICEF 2019 (ch. 3.3): more than 1% flagged suggests a data problem
# Our thresholds, where no published one exists (named so a reader sees they are choices):
POSITION_MISMATCH_LIMIT_PCT = 10.0  # a tenth of children in the wrong position biases HAZ by ~0.07 z
REPORTED_DISAGREE_LIMIT_PCT = 10.0  # a tenth of z-scores computed by other rules than WHO 2006's
DUPLICATE_LIMIT_PCT = 1.0  # one child in a hundred probably registered twice
MISSING_LIMIT_PCT = 5.0  # one measure in twenty missing
STANDING_UNDER_9M_LIMIT_PCT = 5.0  # one infant in twenty "standing": the position is not being recorded
TEST_P_LIMIT = 0.001  # heaping and sex-ratio tests: only a very unlikely pattern is called a fault

CHECKS: tuple[Check, ...] = (
    Check("missing_height_pct", _pct("missing_height", "children"), _children, config.MIN_CHILDREN,
          _above("missing_height", "children", MISSING_LIMIT_PCT), "WHO Anthro Survey Analyser", True),
    Check("missing_weight_pct", _pct("missing_weight", "children"), _children, config.MIN_CHILDREN,
          _above("missing_weight", "children", MISSING_LIMIT_PCT), "WHO Anthro Survey Analyser", True),
    Check("missing_position_pct", _pct("missing_position", "children"), _children, config.MIN_CHILDREN,
          None, "WHO Anthro Survey Analyser: missing data", True),
    *(
        Check(f"flagged_{z}_pct", _pct(f"{z}_flagged", f"{z}_defined"), lambda u, z=z: u[f"{z}_defined"],
              config.MIN_CHILDREN, _above(f"{z}_flagged", f"{z}_defined", WHO_FLAGGED_LIMIT_PCT),
              "WHO/UNICEF 2019 recommendations, 3.3: flags (anthro), > 1% suggests a problem", True)
        for z in INDICATORS
    ),
    Check("position_mismatch_pct",
          lambda u: 100 * checks.shares(u["standing_under_24m"] + u["lying_from_24m"], _position_known(u)),
          _position_known, config.MIN_CHILDREN,
          lambda v, u: checks.exceeding(u["standing_under_24m"] + u["lying_from_24m"], _position_known(u),
                                        POSITION_MISMATCH_LIMIT_PCT / 100),
          "WHO 2006: length lying before 731 days, height standing from 731 days", True),
    Check("standing_under_9m_pct", _pct("standing_under_9m", "position_known_under_9m"),
          lambda u: u["position_known_under_9m"], config.MIN_CHILDREN,
          _above("standing_under_9m", "position_known_under_9m", STANDING_UNDER_9M_LIMIT_PCT),
          "anthro c9mo_flag: a child under 9 months cannot be measured standing", True),
    *(
        Check(f"{m}_dps", lambda u, m=m: checks.digit_preference_scores(_digit_counts(u, m)),
              lambda u, m=m: sum(u[c] for c in _digits(m)), checks.MIN_MEASURES_DIGITS,
              lambda v, u: v >= 20, "nipnTK digitPreference (SMART classes: >= 20 problematic)")
        for m in ("height", "weight")
    ),
    *(
        Check(f"{m}_0_5_pct", lambda u, m=m: 100 * checks.shares_ending_0_or_5(_digit_counts(u, m)),
              lambda u, m=m: sum(u[c] for c in _digits(m)), checks.MIN_MEASURES_DIGITS, None,
              "terminal digit 0 or 5 (20% without rounding)", True)
        for m in ("height", "weight")
    ),
    *(
        Check(f"sd_{z}", lambda u, z=z: u.moments[z]["sd"], lambda u, z=z: u[f"{z}_n"],
              checks.MIN_CHILDREN_DISTRIBUTION, lambda v, u, z=z: checks.sds_above_reference(z, v),
              "Mei & Grummer-Strawn 2007: above the SD range of DHS surveys")
        for z in INDICATORS
    ),
    *(
        Check(f"{stat}_{z}", lambda u, z=z, stat=stat: u.moments[z][stat],
              lambda u, z=z: u[f"{z}_n"], checks.MIN_CHILDREN_DISTRIBUTION,
              lambda v, u, z=z, stat=stat: _skew_kurt_problematic(u, z, stat),
              "nipnTK skewKurt; SMART: |x| >= 0.6, beyond chance (p < 0.05)")
        for z in INDICATORS
        for stat in ("skew", "kurt")
    ),
    Check("sex_ratio", lambda u: u.sex_ratio[0], _sexes,
          checks.MIN_CHILDREN_DISTRIBUTION, None, "boys / girls (expected about 1.05)"),
    Check("sex_ratio_p", lambda u: u.sex_ratio[1], _sexes,
          checks.MIN_CHILDREN_DISTRIBUTION, lambda v, u: v < TEST_P_LIMIT, "binomial test (scipy binomtest)"),
    Check("age_whole_years_pct", lambda u: 100 * u.age_heaping[2], _children,
          checks.MIN_CHILDREN_DISTRIBUTION, None, "age in months mod 12 = 0 (8.3% without heaping)", True),
    Check("age_heaping_p", lambda u: u.age_heaping[1], _children, checks.MIN_CHILDREN_DISTRIBUTION,
          lambda v, u: v < TEST_P_LIMIT, "nipnTK ageHeaping (divisor 12), chi-squared"),
    Check("birth_day_1_15_pct", _pct("born_1st_or_15th", "children"), _children,
          checks.MIN_CHILDREN_DISTRIBUTION,
          _above("born_1st_or_15th", "children", 200 * checks.EXPECTED_DAY_1_15_SHARE),
          "birth dates on the 1st or 15th (6.6% without heaping)", True),
    Check("reported_z_disagree_pct",
          lambda u: 100 * checks.shares(_reported(u, "disagree"), _reported(u, "n")),
          lambda u: _reported(u, "n"), config.MIN_CHILDREN,
          lambda v, u: checks.exceeding(
              _reported(u, "disagree"), _reported(u, "n"), REPORTED_DISAGREE_LIMIT_PCT / 100),
          "e-PPGBM ZS columns against WHO 2006 (|difference| > 0.1 z)", True),
    Check("reported_z_mean_diff",
          lambda u: checks.shares(_reported(u, "diff_sum"), _reported(u, "n")),
          lambda u: _reported(u, "n"), config.MIN_CHILDREN, None, "mean of e-PPGBM z minus ours"),
    Check("repeated_measurements_pct", lambda u: 100 * checks.shares(u["measurements"] - u["children"],
          u["children"]), _children, config.MIN_CHILDREN, None,
          "measurements beyond one per child in the month", True),
    Check("probable_duplicates", lambda u: u["probable_duplicates"], _children, 1,
          None, "pairs of records (see stunting/quality/duplicates.py)"),
    Check("probable_duplicates_pct", _pct("probable_duplicates", "children"), _children,
          config.MIN_CHILDREN, _above("probable_duplicates", "children", DUPLICATE_LIMIT_PCT),
          "duplicate pairs / children", True),
    Check("nik_invalid_pct", _pct("nik_invalid", "children"), _children, config.MIN_CHILDREN,
          None, "NIK typed but not 16 digits (stunting.pseudonym.normalise_nik)", True),
    Check("nik_date_mismatch_pct", _pct("nik_date_mismatch", "children"), _children, config.MIN_CHILDREN,
          None, "NIK's embedded birth date is not the child's (stunting.pseudonym.nik_disagrees)", True),
    Check("coverage_pct", _pct("children", "target_children"), lambda u: u["target_children"], 1,
          None, "distinct children measured / sasaran balita (targets loaded per village)", True),
)  # fmt: skip
CHECK_NAMES = tuple(c.name for c in CHECKS)
CHECKS_BY_NAME = {c.name: c for c in CHECKS}


def _count(column: str) -> Callable[[pd.Series], float]:
    return lambda row: row[column]


# The checks that are shares of children (part, whole): published through stunting.publish, so one
# suppression rule ("terlalu sedikit anak" below config.MIN_CHILDREN) holds for a prevalence and a
# data-quality share alike. DPS, SD, skewness and the tests keep their own named minimums.
RATES_OF_CHILDREN: dict[str, tuple[Callable, Callable]] = {
    "missing_height_pct": (_count("missing_height"), _children),
    "missing_weight_pct": (_count("missing_weight"), _children),
    "missing_position_pct": (_count("missing_position"), _children),
    **{f"flagged_{z}_pct": (_count(f"{z}_flagged"), _count(f"{z}_defined")) for z in INDICATORS},
    "position_mismatch_pct": (lambda r: r["standing_under_24m"] + r["lying_from_24m"], _position_known),
    "standing_under_9m_pct": (_count("standing_under_9m"), _count("position_known_under_9m")),
    "reported_z_disagree_pct": (lambda r: _reported(r, "disagree"), lambda r: _reported(r, "n")),
    "nik_invalid_pct": (_count("nik_invalid"), _children),
    "nik_date_mismatch_pct": (_count("nik_date_mismatch"), _children),
}
assert all(CHECKS_BY_NAME[name].minimum == config.MIN_CHILDREN for name in RATES_OF_CHILDREN)
# The CLI's and the page's leading columns (the list), then every other check.
CORE_COLUMNS = [
    "code", "name", "children", "missing_height_pct", "flagged_haz_pct", "flagged_whz_pct",
    "position_mismatch_pct", "height_dps", "weight_dps", "height_0_5_pct", "sd_haz", "sd_whz",
    "skew_haz", "kurt_haz", "reported_z_disagree_pct", "probable_duplicates", "coverage_pct",
]  # fmt: skip


def stats(period: str, regency: str | None = None, *, data_dir=None, snapshot=None) -> pd.DataFrame:
    """The sufficient statistics for one period (one row per village x puskesmas x posyandu), as
    stored at import (stunting/quality/stored.py), with probable duplicates and targets joined."""
    if snapshot is None:
        snapshot = store.current_snapshot(data_dir)
    files = layout.quality_files_for(snapshot, int(period[:4]))
    if files is None:
        frame = computed_stats(period, regency, snapshot=snapshot)
    else:
        con = queries.connect(snapshot=snapshot, views=())
        try:
            params = {"files": files, "period": period, "regency": regency}
            frame = con.execute(queries.load(stored.STORED_QUERY), params).df()
        finally:
            con.close()
    from stunting.quality import findings  # findings reads the store's import log

    pairs = findings.duplicate_counts(period, data_dir=data_dir, snapshot=snapshot)
    keys = ["village_code", "puskesmas", "posyandu"]
    frame = frame.merge(pairs, on=keys, how="left")
    frame["probable_duplicates"] = frame["probable_duplicates"].fillna(0).astype("int64")
    frame = frame.merge(
        findings.nik_counts(period, data_dir=data_dir, snapshot=snapshot), on=keys, how="left"
    )
    for column in ("nik_invalid", "nik_date_mismatch"):
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame


def computed_stats(period: str, regency: str | None = None, *, snapshot) -> pd.DataFrame:
    """stats() computed from the measurements (queries/quality_stats.sql): a store written before the
    checks were stored at import, and the reference the stored table is tested against."""
    params = {"period": period, "year": int(period[:4]), "regency": regency} | stored.RULES
    return queries.run(stored.STATS_QUERY, params, snapshot=snapshot)


def quality_table(
    period: str,
    level: str,
    *,
    regency: str | None = None,
    data_dir=None,
    snapshot=None,
) -> pd.DataFrame:
    """One row per unit of ``level`` (gazetteer areas without data included, as "no data"): code,
    name, children, every check's value (NaN when too few children), ``status_<check>`` (ok, fail,
    too_few, no_data, no_target, none) and ``failed`` (the names of the failing checks, ";"-separated)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if snapshot is None:
        snapshot = store.current_snapshot(data_dir)
    available = list(store.periods_in(str(snapshot))) if snapshot is not None else []
    if period not in available:
        raise UserError(
            f"Period {period!r} has no data; available periods: {', '.join(available) or 'none'}."
        )
    frame = stats(period, regency, data_dir=data_dir, snapshot=snapshot)
    from stunting.quality import targets

    return evaluate(sum_to_level(frame, level, regency), targets.for_level(level, period, regency, data_dir))


def sum_to_level(frame: pd.DataFrame, level: str, regency: str | None = None) -> pd.DataFrame:
    """The statistics summed per unit of ``level``, with code and name (gazetteer areas of a
    village, kecamatan or regency level included with zero counts)."""
    sums = [c for c in frame.columns if c not in SUM_KEYS]
    frame = frame.copy()
    if level == "posyandu":
        frame["code"] = frame["village_code"] + "/" + frame["posyandu"]
        names = gazetteer.areas("village").set_index("code")["name"]
        frame["name"] = (
            frame["posyandu"].where(frame["posyandu"] != "", "—")
            + " · "
            + (frame["village_code"].map(names).fillna(frame["village_code"]))
        )
        grouped = frame.groupby(["code", "name"], as_index=False, sort=True)[sums].sum()
        return grouped
    if level == "puskesmas":
        frame["code"] = frame["regency"] + "/" + frame["puskesmas"]
        frame["name"] = frame["puskesmas"].where(frame["puskesmas"] != "", "—")
        return frame.groupby(["code", "name"], as_index=False, sort=True)[sums].sum()
    column = {"village": "village_code", "kecamatan": "kecamatan_code", "regency": "regency"}[level]
    grouped = frame.groupby(column, as_index=False, sort=True)[sums].sum().rename(columns={column: "code"})
    areas = gazetteer.areas(level, regency)[["code", "name"]]
    out = areas.merge(grouped, on="code", how="left")
    return out.fillna(dict.fromkeys(sums, 0))  # one call, not a column insert per sum


SUM_KEYS = ("regency", "year", "period", "kecamatan_code", "village_code", "puskesmas", "posyandu")


NO_DATA = {key: value for c in CHECK_NAMES for key, value in ((c, math.nan), (f"status_{c}", "no_data"))}


def evaluate(units: pd.DataFrame, targets: pd.Series | None = None) -> pd.DataFrame:
    """Every check of CHECKS on each unit's sums (see quality_table)."""
    units = units.copy()
    if targets is not None:
        units["target_children"] = units["code"].map(targets).fillna(0)
    else:
        units["target_children"] = 0
    # Most of a national gazetteer's villages have no data: their rows are built whole, not evaluated.
    empty = units["children"].to_numpy() == 0
    measured = units[~empty]
    # Every share of children published in one call (publish is row by row), one block of rows each.
    count = len(measured)
    pairs = RATES_OF_CHILDREN.values()
    published = publish.publish(
        pd.DataFrame(
            {
                "measured": np.concatenate([whole(measured).to_numpy() for _, whole in pairs]),
                "cases": np.concatenate([part(measured).to_numpy() for part, _ in pairs]),
            }
        )
    )
    rates = published["prevalence"].to_numpy().reshape(len(RATES_OF_CHILDREN), count)
    states = (published["state"] == publish.STATE_RATE).to_numpy().reshape(len(RATES_OF_CHILDREN), count)
    shares = dict(zip(RATES_OF_CHILDREN, rates, strict=True))
    shown = dict(zip(RATES_OF_CHILDREN, states, strict=True))
    # Every check on every unit at once (a float array per column of sums): a loop over units and
    # checks was most of a map view's quality table. NaN and inf of a check's arithmetic are its
    # "none" status below, not a warning.
    u = Units(measured)
    out: dict[str, object] = {
        "code": measured["code"].to_numpy(dtype=object),
        "name": measured["name"].to_numpy(dtype=object),
        "children": measured["children"].to_numpy().astype("int64"),
    }
    statuses, failing = {}, []
    with np.errstate(all="ignore"):
        for check in CHECKS:
            status = np.full(count, None, dtype=object)
            if check.name in shares:  # publish's rule decides (too few children, or a share)
                value = np.where(shown[check.name], 100 * shares[check.name], math.nan)
                decided = np.isnan(value)
                status[decided] = "too_few"
            else:
                basis = np.asarray(check.basis(u), dtype="float64")
                value = np.asarray(check.value(u), dtype="float64")
                decided = np.zeros(count, dtype=bool)
                if check.name == "coverage_pct":
                    decided = basis == 0
                    status[decided] = "no_target"
                status[~decided & (basis < check.minimum)] = "too_few"
                decided |= basis < check.minimum
            status[~decided & ~np.isfinite(value)] = "none"
            undecided = ~decided & np.isfinite(value)
            fails = np.zeros(count, dtype=bool)
            if check.fails is not None and undecided.any():
                fails = undecided & np.asarray(check.fails(value, u), dtype=bool)
            status[fails] = "fail"
            status[undecided & ~fails] = "ok"
            out[check.name] = np.where(undecided, value, math.nan)
            statuses[f"status_{check.name}"] = status
            failing.append(fails)
    out["target_children"] = measured["target_children"].to_numpy().astype("int64")
    names = np.array(CHECK_NAMES, dtype=object)
    out["failed"] = [";".join(names[row]) for row in np.column_stack(failing)] if count else []
    out |= statuses
    columns = ["code", "name", "children", *CHECK_NAMES, "target_children", "failed"]
    columns += [f"status_{c}" for c in CHECK_NAMES]
    evaluated = pd.DataFrame(out, columns=columns, index=units.index[~empty])
    none = pd.DataFrame(
        {
            "code": units.loc[empty, "code"],
            "name": units.loc[empty, "name"],
            "children": 0,
            "target_children": units.loc[empty, "target_children"].astype(int),
            "failed": "",
            **NO_DATA,
        },
        index=units.index[empty],
    )
    return pd.concat([evaluated, none[columns]]).loc[units.index].reset_index(drop=True)
