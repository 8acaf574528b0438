"""The data-quality checks as plain functions of counts and sums, each with its source.

Every function takes the sufficient statistics of queries/quality_stats.sql (counts of each terminal
digit, n, Σx, Σx², Σx³, Σx⁴, counts of flags...), so the same function serves one posyandu or a
whole regency: the statistics of a larger unit are the sums of its parts. None of them returns a
single composite score: WHO/UNICEF (2019, "Recommendations for data collection, analysis and
reporting on anthropometric indicators in children under 5 years old", ch. 3) advise against one,
so each check stands on its own with its own reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

# Below this many children a distribution check (SD, skewness, kurtosis, sex ratio, age heaping)
# reads "terlalu sedikit anak": the standard error of skewness is about sqrt(6/n), 0.35 at n = 50,
# so a smaller unit cannot tell a real skew of 0.6 (SMART's "problematic") from chance.
MIN_CHILDREN_DISTRIBUTION = 50
# Digit preference needs more: with perfectly random decimals chi-squared is about its degrees of
# freedom, so the DPS of honest data is about 100/sqrt(n): 14 at n = 50 ("acceptable"), 10 at 100.
# From 100 measurements, a DPS of 20 or more ("problematic") cannot come from chance alone.
MIN_MEASURES_DIGITS = 100

DIGITS = tuple(range(10))

# Mei Z, Grummer-Strawn LM (2007). Standard deviation of anthropometric Z-scores as a data quality
# assessment tool using the 2006 WHO growth standards: a cross country analysis. Bull WHO 85:441-448.
# The ranges of SDs found in 51 DHS surveys with good data.
DHS_SD_RANGES: dict[str, tuple[float, float]] = {
    "haz": (1.35, 1.95),
    "waz": (1.17, 1.46),
    "whz": (1.08, 1.50),
}

# SMART plausibility check (SMART Methodology 2.0, 2017): skewness and (excess) kurtosis beyond
# ±0.6 are "problematic" (< 0.2 excellent, < 0.4 good, < 0.6 acceptable).
SMART_SKEW_KURT_PROBLEMATIC = 0.6
SKEW_KURT_P = 0.05  # ...and beyond chance at this two-sided level (see skew_kurt_problematic)

# WHO 2006 standards: length (lying) before 731 days, height (standing) from 731 days (anthro:
# `lenhei` is corrected by 0.7 cm when the position disagrees with this rule).
LYING_BEFORE_DAYS = 731
# anthro's c9mo_flag: a child under 9 months cannot stand to be measured (9 x 30.4375 days).
STANDING_IMPOSSIBLE_BEFORE_DAYS = 274

# Indonesia's sex ratio at birth is about 105 boys per 100 girls (BPS, Sensus Penduduk 2020;
# WHO's expected range at birth 103-107): the binomial test's expected share of boys.
EXPECTED_BOY_SHARE = 105 / 205

# Share of days that are the 1st or the 15th of their month: 24 such days in 365.25.
EXPECTED_DAY_1_15_SHARE = 24 / 365.25

# A share "above its limit" must be so beyond chance at this one-sided level (see exceeds): with a
# few dozen children, one unlucky record would otherwise mark a posyandu as faulty.
EXCEEDS_P = 0.05


@dataclass(frozen=True)
class SkewKurt:
    """nipnTK skewKurt(): skewness s and excess kurtosis k with their standard errors and p-values."""

    n: int
    mean: float
    sd: float
    skew: float
    skew_se: float
    skew_p: float
    kurt: float
    kurt_se: float
    kurt_p: float


def digit_counts(values: np.ndarray, decimals: int = 1) -> np.ndarray:
    """Counts of each terminal digit 0-9 of ``values`` written with ``decimals`` decimals.

    nipnTK ``digitPreference(x, digits = 1)`` formats with ``formatC(x, digits, format = "f")`` and
    takes the last character: 105 counts as 105.0, a terminal digit 0. Missing values are skipped.
    """
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    last = np.rint(np.abs(x) * 10**decimals).astype("int64") % 10
    return np.bincount(last, minlength=10)


def digit_preference_score(counts) -> float:
    """DPS = 100 * sqrt(chi2 / (n * df)) over the ten terminal digits (nipnTK ``digitPreference``,
    after Kuulasmaa et al., WHO MONICA Project 1998): 0 with every digit equally often, 100 when one
    digit takes every value. chi2 against a uniform expectation, df = 10 - 1. NaN with no values."""
    observed = np.asarray(counts, dtype="float64")
    n = observed.sum()
    if n <= 0:
        return math.nan
    expected = n / len(observed)
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return 100.0 * math.sqrt(chi2 / (n * (len(observed) - 1)))


def dps_class(dps: float) -> str | None:
    """SMART's DPS classes as nipnTK prints them: < 8 excellent, < 12 good, < 20 acceptable, else
    problematic (None when the score is undefined)."""
    if dps is None or not math.isfinite(dps):
        return None
    if dps < 8:
        return "excellent"
    if dps < 12:
        return "good"
    if dps < 20:
        return "acceptable"
    return "problematic"


def share_ending_0_or_5(counts) -> float:
    """Share of values whose terminal digit is 0 or 5 (a fifth with no rounding)."""
    observed = np.asarray(counts, dtype="float64")
    n = observed.sum()
    return float((observed[0] + observed[5]) / n) if n > 0 else math.nan


def skew_kurt_from_sums(n: float, s1: float, s2: float, s3: float, s4: float) -> SkewKurt:
    """nipnTK ``skewKurt`` from the power sums Σx, Σx², Σx³, Σx⁴ of n values.

    nipnTK centres x on its mean d = x - mean and takes
    s = sqrt(n) Σd³ / (Σd²)^(3/2),  s.se = sqrt(6n(n-1) / ((n-2)(n+1)(n+3))),
    k = n Σd⁴ / (Σd²)² - 3,        k.se = 2 s.se sqrt((n²-1) / ((n-3)(n+5))),
    p two-sided from z = s/s.se (k/k.se) on the normal. The central sums come from the raw ones
    by the binomial expansion, so a region's figures are exact sums of its posyandu's. SD is the
    sample SD (n - 1), as R's sd() and WHO Anthro report it.
    """
    n = int(n)
    if n < 4:
        nan = math.nan
        return SkewKurt(n, nan, nan, nan, nan, nan, nan, nan, nan)
    mean = s1 / n
    m2 = s2 - n * mean**2  # Σd²
    m3 = s3 - 3 * mean * s2 + 2 * n * mean**3  # Σd³ = Σx³ - 3mΣx² + 3m²Σx - nm³
    m4 = s4 - 4 * mean * s3 + 6 * mean**2 * s2 - 3 * n * mean**4  # Σd⁴
    m2 = max(m2, 0.0)
    sd = math.sqrt(m2 / (n - 1))
    if m2 == 0:
        skew = kurt = math.nan
    else:
        skew = math.sqrt(n) * m3 / m2**1.5
        kurt = n * m4 / m2**2 - 3
    skew_se = math.sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
    kurt_se = 2 * skew_se * math.sqrt((n**2 - 1) / ((n - 3) * (n + 5)))
    skew_p = 2 * stats.norm.sf(abs(skew / skew_se)) if math.isfinite(skew) else math.nan
    kurt_p = 2 * stats.norm.sf(abs(kurt / kurt_se)) if math.isfinite(kurt) else math.nan
    return SkewKurt(n, mean, sd, skew, skew_se, skew_p, kurt, kurt_se, kurt_p)


def skew_kurt(values) -> SkewKurt:
    """skew_kurt_from_sums over raw values (missing ones skipped, like nipnTK)."""
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    return skew_kurt_from_sums(len(x), x.sum(), (x**2).sum(), (x**3).sum(), (x**4).sum())


def skew_kurt_problematic(result: SkewKurt, stat: str) -> bool:
    """SMART's "problematic" (|x| >= 0.6) that chance alone does not explain (two-sided p < 0.05 by
    nipnTK's standard error): with 50-100 children the kurtosis's SE is 0.5-0.7, so |k| >= 0.6 alone
    would call a third of honest posyandu faulty."""
    value, p = (result.skew, result.skew_p) if stat == "skew" else (result.kurt, result.kurt_p)
    if not (math.isfinite(value) and math.isfinite(p)):
        return False
    return abs(value) >= SMART_SKEW_KURT_PROBLEMATIC and p < SKEW_KURT_P


def sd_above_reference(indicator: str, sd: float) -> bool | None:
    """True when an SD lies above Mei & Grummer-Strawn's DHS range for the indicator.

    Only a wide SD counts as a fault: measurement error widens the distribution, while a village
    or posyandu is more alike within itself than a national survey's population, so an SD below
    the range's lower end is expected there (it is shown against the range, not called a fault).
    """
    if sd is None or not math.isfinite(sd):
        return None
    return sd > DHS_SD_RANGES[indicator][1]


def sex_ratio_test(boys: int, girls: int, expected_boy_share: float = EXPECTED_BOY_SHARE):
    """Boys ÷ girls and the exact two-sided binomial test of the share of boys (scipy's binomtest;
    nipnTK's sexRatioTest uses the chi-squared approximation of the same question).
    Returns (ratio, p); NaNs without children of both sexes."""
    boys, girls = int(boys), int(girls)
    if boys + girls == 0:
        return math.nan, math.nan
    ratio = boys / girls if girls else math.inf
    p = stats.binomtest(boys, boys + girls, expected_boy_share).pvalue
    return ratio, float(p)


def age_heaping(remainder_counts):
    """nipnTK ``ageHeaping(age, divisor = 12)``: chi-squared of the counts of age in months mod 12
    against equal counts (df = 11). A heap at whole years (remainder 0) shows as a large chi2.
    Returns (chi2, p, share at remainder 0); NaNs without children."""
    observed = np.asarray(remainder_counts, dtype="float64")
    n = observed.sum()
    if n <= 0:
        return math.nan, math.nan, math.nan
    result = stats.chisquare(observed)
    return float(result.statistic), float(result.pvalue), float(observed[0] / n)


def birth_day_heaping(on_1st_or_15th: int, n: int):
    """Share of birth dates on the 1st or the 15th of a month, and the one-sided binomial p-value
    of seeing that many or more if birth days were spread evenly (expected 24/365.25 = 6.6%):
    a date typed as "the 1st" when only the month is known heaps there."""
    if n <= 0:
        return math.nan, math.nan
    p = stats.binomtest(int(on_1st_or_15th), int(n), EXPECTED_DAY_1_15_SHARE, alternative="greater").pvalue
    return on_1st_or_15th / n, float(p)


def exceeds(part, whole, limit_share: float, p_limit: float = EXCEEDS_P) -> bool:
    """True when part/whole lies above ``limit_share`` beyond chance: the one-sided exact binomial
    test of "the unit's true share is at most the limit" rejects at ``p_limit``. One standing infant
    among 15 (6.7%) is not yet a posyandu that records positions wrongly; 5 among 15 is."""
    part, whole = int(part), int(whole)
    if whole <= 0 or part / whole <= limit_share:
        return False
    return bool(stats.binomtest(part, whole, limit_share, alternative="greater").pvalue < p_limit)


def share(part, whole) -> float:
    """part / whole, NaN when whole is 0 (never a 0% for "nothing to count")."""
    return float(part) / float(whole) if whole else math.nan
