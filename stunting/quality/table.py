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
    the minimum of that count, when it fails, and where the rule comes from."""

    name: str
    value: Callable[[pd.Series], float]
    basis: Callable[[pd.Series], float]
    minimum: int
    fails: Callable[[float, pd.Series], bool] | None
    source: str
    percent: bool = False


def _pct(part: str, whole: str) -> Callable[[pd.Series], float]:
    return lambda row: 100 * checks.share(row[part], row[whole])


_DIGIT_COLUMNS = {m: [f"{m}_d{d}" for d in checks.DIGITS] for m in ("height", "weight")}


def _digits(measure: str) -> list[str]:
    return _DIGIT_COLUMNS[measure]


def _moments(row: dict, z: str) -> checks.SkewKurt:
    """The unit's moments of ``z``, computed once per unit (SD, skewness, kurtosis and their fails
    all read them)."""
    cache = row.setdefault("_moments", {})
    if z not in cache:
        cache[z] = checks.skew_kurt_from_sums(*(row[f"{z}_{k}"] for k in ("n", "s1", "s2", "s3", "s4")))
    return cache[z]


def _position_known(row: pd.Series) -> float:
    return row["position_known_under_24m"] + row["position_known_from_24m"]


def _reported(row: pd.Series, what: str) -> float:
    return sum(row[f"reported_{z}_{what}"] for z in INDICATORS)


def _above(part: str, whole: str, limit_pct: float) -> Callable[[float, pd.Series], bool]:
    """Fails when the share part/whole is above limit_pct beyond chance (checks.exceeds)."""
    return lambda value, row: checks.exceeds(row[part], row[whole], limit_pct / 100)


def _children(row: pd.Series) -> float:
    return row["children"]


def _sexes(row: pd.Series) -> float:
    return row["boys"] + row["girls"]


AGE_REMAINDERS = [f"age_m{r}" for r in range(12)]


def _age_heaping(row: dict) -> tuple[float, float, float]:
    """The unit's checks.age_heaping: computed for every unit at once by ``evaluate``."""
    if "_age_heaping" not in row:
        row["_age_heaping"] = checks.age_heaping([row[c] for c in AGE_REMAINDERS])
    return row["_age_heaping"]


def _sex_ratio(row: dict) -> tuple[float, float]:
    """The unit's checks.sex_ratio_test: computed for every unit at once by ``evaluate``."""
    if "_sex_ratio" not in row:
        row["_sex_ratio"] = checks.sex_ratio_test(row["boys"], row["girls"])
    return row["_sex_ratio"]


def _age_heaping_share(row: dict) -> float:
    return 100 * _age_heaping(row)[2]


def _age_heaping_p(row: dict) -> float:
    return _age_heaping(row)[1]


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
        Check(f"flagged_{z}_pct", _pct(f"{z}_flagged", f"{z}_defined"), lambda r, z=z: r[f"{z}_defined"],
              config.MIN_CHILDREN, _above(f"{z}_flagged", f"{z}_defined", WHO_FLAGGED_LIMIT_PCT),
              "WHO/UNICEF 2019 recommendations, 3.3: flags (anthro), > 1% suggests a problem", True)
        for z in INDICATORS
    ),
    Check("position_mismatch_pct",
          lambda r: 100 * checks.share(r["standing_under_24m"] + r["lying_from_24m"], _position_known(r)),
          _position_known, config.MIN_CHILDREN,
          lambda v, r: checks.exceeds(r["standing_under_24m"] + r["lying_from_24m"], _position_known(r),
                                      POSITION_MISMATCH_LIMIT_PCT / 100),
          "WHO 2006: length lying before 731 days, height standing from 731 days", True),
    Check("standing_under_9m_pct", _pct("standing_under_9m", "position_known_under_9m"),
          lambda r: r["position_known_under_9m"], config.MIN_CHILDREN,
          _above("standing_under_9m", "position_known_under_9m", STANDING_UNDER_9M_LIMIT_PCT),
          "anthro c9mo_flag: a child under 9 months cannot be measured standing", True),
    *(
        Check(f"{m}_dps", lambda r, m=m: checks.digit_preference_score([r[c] for c in _digits(m)]),
              lambda r, m=m: sum(r[c] for c in _digits(m)), checks.MIN_MEASURES_DIGITS,
              lambda v, r: v >= 20, "nipnTK digitPreference (SMART classes: >= 20 problematic)")
        for m in ("height", "weight")
    ),
    *(
        Check(f"{m}_0_5_pct", lambda r, m=m: 100 * checks.share_ending_0_or_5([r[c] for c in _digits(m)]),
              lambda r, m=m: sum(r[c] for c in _digits(m)), checks.MIN_MEASURES_DIGITS, None,
              "terminal digit 0 or 5 (20% without rounding)", True)
        for m in ("height", "weight")
    ),
    *(
        Check(f"sd_{z}", lambda r, z=z: _moments(r, z).sd, lambda r, z=z: r[f"{z}_n"],
              checks.MIN_CHILDREN_DISTRIBUTION, lambda v, r, z=z: bool(checks.sd_above_reference(z, v)),
              "Mei & Grummer-Strawn 2007: above the SD range of DHS surveys")
        for z in INDICATORS
    ),
    *(
        Check(f"{stat}_{z}", lambda r, z=z, stat=stat: getattr(_moments(r, z), stat),
              lambda r, z=z: r[f"{z}_n"], checks.MIN_CHILDREN_DISTRIBUTION,
              lambda v, r, z=z, stat=stat: checks.skew_kurt_problematic(_moments(r, z), stat),
              "nipnTK skewKurt; SMART: |x| >= 0.6, beyond chance (p < 0.05)")
        for z in INDICATORS
        for stat in ("skew", "kurt")
    ),
    Check("sex_ratio", lambda r: _sex_ratio(r)[0], _sexes,
          checks.MIN_CHILDREN_DISTRIBUTION, None, "boys / girls (expected about 1.05)"),
    Check("sex_ratio_p", lambda r: _sex_ratio(r)[1], _sexes,
          checks.MIN_CHILDREN_DISTRIBUTION, lambda v, r: v < TEST_P_LIMIT, "binomial test (scipy binomtest)"),
    Check("age_whole_years_pct", _age_heaping_share, _children, checks.MIN_CHILDREN_DISTRIBUTION, None,
          "age in months mod 12 = 0 (8.3% without heaping)", True),
    Check("age_heaping_p", _age_heaping_p, _children, checks.MIN_CHILDREN_DISTRIBUTION,
          lambda v, r: v < TEST_P_LIMIT, "nipnTK ageHeaping (divisor 12), chi-squared"),
    Check("birth_day_1_15_pct", _pct("born_1st_or_15th", "children"), _children,
          checks.MIN_CHILDREN_DISTRIBUTION,
          _above("born_1st_or_15th", "children", 200 * checks.EXPECTED_DAY_1_15_SHARE),
          "birth dates on the 1st or 15th (6.6% without heaping)", True),
    Check("reported_z_disagree_pct",
          lambda r: 100 * checks.share(_reported(r, "disagree"), _reported(r, "n")),
          lambda r: _reported(r, "n"), config.MIN_CHILDREN,
          lambda v, r: checks.exceeds(
              _reported(r, "disagree"), _reported(r, "n"), REPORTED_DISAGREE_LIMIT_PCT / 100),
          "e-PPGBM ZS columns against WHO 2006 (|difference| > 0.1 z)", True),
    Check("reported_z_mean_diff",
          lambda r: checks.share(_reported(r, "diff_sum"), _reported(r, "n")),
          lambda r: _reported(r, "n"), config.MIN_CHILDREN, None, "mean of e-PPGBM z minus ours"),
    Check("repeated_measurements_pct", lambda r: 100 * checks.share(r["measurements"] - r["children"],
          r["children"]), _children, config.MIN_CHILDREN, None,
          "measurements beyond one per child in the month", True),
    Check("probable_duplicates", lambda r: r["probable_duplicates"], _children, 1,
          None, "pairs of records (see stunting/quality/duplicates.py)"),
    Check("probable_duplicates_pct", _pct("probable_duplicates", "children"), _children,
          config.MIN_CHILDREN, _above("probable_duplicates", "children", DUPLICATE_LIMIT_PCT),
          "duplicate pairs / children", True),
    Check("nik_invalid_pct", _pct("nik_invalid", "children"), _children, config.MIN_CHILDREN,
          None, "NIK typed but not 16 digits (stunting.pseudonym.normalise_nik)", True),
    Check("nik_date_mismatch_pct", _pct("nik_date_mismatch", "children"), _children, config.MIN_CHILDREN,
          None, "NIK's embedded birth date is not the child's (stunting.pseudonym.nik_disagrees)", True),
    Check("coverage_pct", _pct("children", "target_children"), lambda r: r["target_children"], 1,
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
    out[sums] = out[sums].fillna(0)
    return out


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
    published = {
        name: publish.publish(pd.DataFrame({"measured": whole(measured), "cases": part(measured)}))
        for name, (part, whole) in RATES_OF_CHILDREN.items()
    }
    shares = {name: frame["prevalence"].to_numpy() for name, frame in published.items()}
    shown = {name: (frame["state"] == publish.STATE_RATE).to_numpy() for name, frame in published.items()}
    # The exact tests, for every unit at once (one scipy call per step, not per unit and step).
    sex_ratios = np.column_stack(
        checks.sex_ratio_tests(measured["boys"].to_numpy(), measured["girls"].to_numpy())
    ).tolist()
    heaping = np.column_stack(checks.age_heaping_tests(measured[AGE_REMAINDERS].to_numpy(dtype="float64")))
    heaping = heaping.tolist()
    rows = []
    # Plain dicts: a Series per unit costs more than the checks.
    # NaN and inf of a check's arithmetic are its "none" status below, not a warning.
    with np.errstate(all="ignore"):
        for i, row in enumerate(measured.to_dict(orient="records")):
            row["_sex_ratio"], row["_age_heaping"] = tuple(sex_ratios[i]), tuple(heaping[i])
            out: dict[str, object] = {
                "code": row["code"],
                "name": row["name"],
                "children": int(row["children"]),
            }
            failed = []
            for check in CHECKS:
                basis = float(check.basis(row))
                if check.name in shares:  # publish's rule decides (too few children, or a share)
                    value = 100 * shares[check.name][i] if shown[check.name][i] else math.nan
                    status = "too_few" if math.isnan(value) else None
                elif check.name == "coverage_pct" and basis == 0:
                    value, status = math.nan, "no_target"
                elif basis < check.minimum:
                    value, status = math.nan, "too_few"
                else:
                    value, status = float(check.value(row)), None
                if status is None:
                    if not math.isfinite(value):
                        value, status = math.nan, "none"
                    elif check.fails is not None and check.fails(value, row):
                        status = "fail"
                        failed.append(check.name)
                    else:
                        status = "ok"
                out[check.name] = value
                out[f"status_{check.name}"] = status
            out["target_children"] = int(row["target_children"])
            out["failed"] = ";".join(failed)
            rows.append(out)
    columns = ["code", "name", "children", *CHECK_NAMES, "target_children", "failed"]
    columns += [f"status_{c}" for c in CHECK_NAMES]
    evaluated = pd.DataFrame(rows, columns=columns, index=units.index[~empty])
    none = units.loc[empty, ["code", "name"]].assign(
        children=0, target_children=units.loc[empty, "target_children"].astype(int), failed="", **NO_DATA
    )
    return pd.concat([evaluated, none[columns]]).loc[units.index].reset_index(drop=True)
