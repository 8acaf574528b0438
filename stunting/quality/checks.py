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
from dataclasses import dataclass, fields

import numpy as np
from scipy import special, stats

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
    return float(digit_preference_scores(np.asarray(counts, dtype="float64")[np.newaxis, :])[0])


def digit_preference_scores(counts: np.ndarray) -> np.ndarray:
    """digit_preference_score of many units at once (one row of terminal-digit counts each)."""
    observed = np.asarray(counts, dtype="float64")
    n = observed.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (n / observed.shape[1])[:, np.newaxis]
        chi2 = ((observed - expected) ** 2 / expected).sum(axis=1)
        score = 100.0 * np.sqrt(chi2 / (n * (observed.shape[1] - 1)))
    return np.where(n > 0, score, math.nan)


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
    return float(shares_ending_0_or_5(np.asarray(counts, dtype="float64")[np.newaxis, :])[0])


def shares_ending_0_or_5(counts: np.ndarray) -> np.ndarray:
    """share_ending_0_or_5 of many units at once (one row of terminal-digit counts each)."""
    observed = np.asarray(counts, dtype="float64")
    n = observed.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (observed[:, 0] + observed[:, 5]) / n, math.nan)


def skew_kurt_from_sums(n: float, s1: float, s2: float, s3: float, s4: float) -> SkewKurt:
    """nipnTK ``skewKurt`` from the power sums Σx, Σx², Σx³, Σx⁴ of n values (skew_kurt_of_sums
    for one unit)."""
    moments = skew_kurt_of_sums(*(np.array([float(v)]) for v in (n, s1, s2, s3, s4)))
    return SkewKurt(int(n), *(float(moments[f.name][0]) for f in fields(SkewKurt)[1:]))


def skew_kurt_of_sums(n, s1, s2, s3, s4) -> dict[str, np.ndarray]:
    """nipnTK ``skewKurt`` from the power sums of many units at once (arrays, one entry per unit):
    the fields of SkewKurt after n, each an array, NaN for a unit of fewer than 4 values.

    nipnTK centres x on its mean d = x - mean and takes
    s = sqrt(n) Σd³ / (Σd²)^(3/2),  s.se = sqrt(6n(n-1) / ((n-2)(n+1)(n+3))),
    k = n Σd⁴ / (Σd²)² - 3,        k.se = 2 s.se sqrt((n²-1) / ((n-3)(n+5))),
    p two-sided from z = s/s.se (k/k.se) on the normal. The central sums come from the raw ones
    by the binomial expansion, so a region's figures are exact sums of its posyandu's. SD is the
    sample SD (n - 1), as R's sd() and WHO Anthro report it.
    """
    n = np.trunc(np.asarray(n, dtype="float64"))
    with np.errstate(all="ignore"):
        mean = s1 / n
        mean2, mean3, mean4 = _power(mean, 2), _power(mean, 3), _power(mean, 4)
        m2 = s2 - n * mean2  # Σd²
        m3 = s3 - 3 * mean * s2 + 2 * n * mean3  # Σd³ = Σx³ - 3mΣx² + 3m²Σx - nm³
        m4 = s4 - 4 * mean * s3 + 6 * mean2 * s2 - 3 * n * mean4  # Σd⁴
        m2 = np.where(np.isnan(m2), m2, np.maximum(m2, 0.0))
        sd = np.sqrt(m2 / (n - 1))
        flat = m2 == 0
        skew = np.where(flat, math.nan, np.sqrt(n) * m3 / _power(m2, 1.5))
        kurt = np.where(flat, math.nan, n * m4 / _power(m2, 2) - 3)
        skew_se = np.sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
        kurt_se = 2 * skew_se * np.sqrt((n * n - 1) / ((n - 3) * (n + 5)))
        # The normal's upper tail: scipy's norm.sf(z) is ndtr(-z).
        skew_p = np.where(np.isfinite(skew), 2 * special.ndtr(-np.abs(skew / skew_se)), math.nan)
        kurt_p = np.where(np.isfinite(kurt), 2 * special.ndtr(-np.abs(kurt / kurt_se)), math.nan)
    moments = dict(mean=mean, sd=sd, skew=skew, skew_se=skew_se, skew_p=skew_p, kurt=kurt, kurt_se=kurt_se,
                   kurt_p=kurt_p)  # fmt: skip
    return {name: np.where(n < 4, math.nan, values) for name, values in moments.items()}


def _power(values: np.ndarray, exponent: float) -> np.ndarray:
    """values ** exponent as Python's float power (C's pow) computes it, entry by entry: numpy's
    vectorised pow differs from it in the last bit for a few values in a hundred, and the
    figures stay those the checks gave when they were computed unit by unit (a few thousand
    powers, a millisecond)."""
    return np.array([v**exponent for v in values.tolist()], dtype="float64")


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
    return bool(skew_kurt_problematic_of(np.array([value]), np.array([p]))[0])


def skew_kurt_problematic_of(values: np.ndarray, p: np.ndarray) -> np.ndarray:
    """skew_kurt_problematic of many units at once: their skewness (or kurtosis) and its p-value."""
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(values)
            & np.isfinite(p)
            & (np.abs(values) >= SMART_SKEW_KURT_PROBLEMATIC)
            & (p < SKEW_KURT_P)
        )


def sd_above_reference(indicator: str, sd: float) -> bool | None:
    """True when an SD lies above Mei & Grummer-Strawn's DHS range for the indicator (None when
    the SD is undefined).

    Only a wide SD counts as a fault: measurement error widens the distribution, while a village
    or posyandu is more alike within itself than a national survey's population, so an SD below
    the range's lower end is expected there (it is shown against the range, not called a fault).
    """
    if sd is None or not math.isfinite(sd):
        return None
    return bool(sds_above_reference(indicator, np.array([sd]))[0])


def sds_above_reference(indicator: str, sds: np.ndarray) -> np.ndarray:
    """sd_above_reference of many units at once (False where the SD is undefined)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(sds, dtype="float64") > DHS_SD_RANGES[indicator][1]


def sex_ratio_test(boys: int, girls: int, expected_boy_share: float = EXPECTED_BOY_SHARE):
    """Boys ÷ girls and the exact two-sided binomial test of the share of boys (scipy's binomtest;
    nipnTK's sexRatioTest uses the chi-squared approximation of the same question).
    Returns (ratio, p); NaNs without children of both sexes."""
    ratio, p = sex_ratio_tests(np.array([boys]), np.array([girls]), expected_boy_share)
    return float(ratio[0]), float(p[0])


def sex_ratio_tests(boys, girls, expected_boy_share: float = EXPECTED_BOY_SHARE):
    """sex_ratio_test of many units at once: arrays of ratios and p-values.

    scipy's ``binomtest(k, n, p).pvalue`` (two-sided) step by step, every unit at once: the
    probability of the observed count, the binary search for the count on the other side of the
    mode that is as unlikely (``_binary_search_for_binom_tst``, the same steps on the same binomial
    probabilities), and the two tails. One scipy call per step for all units instead of a dozen
    per unit: a posyandu table of a regency has thousands of units."""
    k = np.asarray(boys, dtype="int64")
    n = k + np.asarray(girls, dtype="int64")
    p = float(expected_boy_share)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n == 0, math.nan, k / (n - k))
    pval = np.full(len(k), math.nan)
    d = stats.binom.pmf(k, n, p)
    rerr = 1 + 1e-7
    mode = p * n
    pval[(n > 0) & (k == mode)] = 1.0
    below, above = (n > 0) & (k < mode), (n > 0) & (k > mode)
    if below.any():
        nb = n[below]
        ix = _binomial_search(
            lambda x: -stats.binom.pmf(x, nb, p), -d[below] * rerr, np.ceil(mode[below]), nb
        )
        y = nb - ix + (d[below] * rerr == stats.binom.pmf(ix, nb, p)).astype("int64")
        pval[below] = stats.binom.cdf(k[below], nb, p) + stats.binom.sf(nb - y, nb, p)
    if above.any():
        na = n[above]
        ix = _binomial_search(
            lambda x: stats.binom.pmf(x, na, p), d[above] * rerr, np.zeros(len(na)), np.floor(mode[above])
        )
        y = ix + 1
        pval[above] = stats.binom.cdf(y - 1, na, p) + stats.binom.sf(k[above] - 1, na, p)
    return ratio, np.minimum(1.0, pval)


def _binomial_search(a, d: np.ndarray, lo, hi) -> np.ndarray:
    """scipy.stats._binomtest._binary_search_for_binom_tst for arrays: per element the index i
    between lo and hi with a(i) <= d < a(i + 1), ``a`` evaluated on all elements at each step."""
    lo, hi = np.asarray(lo, dtype="float64").copy(), np.asarray(hi, dtype="float64").copy()
    found = np.full(len(d), np.nan)
    while True:
        searching = (lo < hi) & np.isnan(found)
        if not searching.any():
            break
        mid = lo + (hi - lo) // 2
        value = a(mid)
        lower, higher = searching & (value < d), searching & (value > d)
        found = np.where(searching & ~lower & ~higher, mid, found)
        lo = np.where(lower, mid + 1, lo)
        hi = np.where(higher, mid - 1, hi)
    rest = np.isnan(found)
    return np.where(rest, np.where(a(lo) <= d, lo, lo - 1), found)


def age_heaping(remainder_counts):
    """nipnTK ``ageHeaping(age, divisor = 12)``: chi-squared of the counts of age in months mod 12
    against equal counts (df = 11). A heap at whole years (remainder 0) shows as a large chi2.
    Returns (chi2, p, share at remainder 0); NaNs without children."""
    chi2, p, share = age_heaping_tests(np.asarray(remainder_counts, dtype="float64")[np.newaxis, :])
    return float(chi2[0]), float(p[0]), float(share[0])


def age_heaping_tests(counts: np.ndarray):
    """age_heaping of many units at once (one row of remainder counts each): arrays of chi2, p and
    the share at remainder 0. As scipy's ``chisquare``: expected = the row's mean, chi2 = Σ (o - e)² / e,
    p = chi2's upper tail at df = 11 (``chdtrc``, what scipy's chi2.sf evaluates)."""
    observed = np.asarray(counts, dtype="float64")
    n = observed.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = observed.mean(axis=1, keepdims=True)
        chi2 = ((observed - expected) ** 2 / expected).sum(axis=1)
        share = observed[:, 0] / n
    empty = n <= 0
    p = special.chdtrc(observed.shape[1] - 1, chi2)
    return (np.where(empty, math.nan, chi2), np.where(empty, math.nan, p), np.where(empty, math.nan, share))


def birth_day_heaping(on_1st_or_15th: int, n: int):
    """Share of birth dates on the 1st or the 15th of a month, and the one-sided binomial p-value
    of seeing that many or more if birth days were spread evenly (expected 24/365.25 = 6.6%):
    a date typed as "the 1st" when only the month is known heaps there."""
    if n <= 0:
        return math.nan, math.nan
    p = _binomial_greater_p(np.array([int(on_1st_or_15th)]), np.array([int(n)]), EXPECTED_DAY_1_15_SHARE)
    return on_1st_or_15th / n, float(p[0])


def exceeds(part, whole, limit_share: float, p_limit: float = EXCEEDS_P) -> bool:
    """True when part/whole lies above ``limit_share`` beyond chance: the one-sided exact binomial
    test of "the unit's true share is at most the limit" rejects at ``p_limit``. One standing infant
    among 15 (6.7%) is not yet a posyandu that records positions wrongly; 5 among 15 is."""
    return bool(exceeding(np.array([int(part)]), np.array([int(whole)]), limit_share, p_limit)[0])


def exceeding(part, whole, limit_share: float, p_limit: float = EXCEEDS_P) -> np.ndarray:
    """exceeds of many units at once (arrays of whole-number counts)."""
    k, n = np.asarray(part).astype("int64"), np.asarray(whole).astype("int64")
    above = n > 0
    above[above] = k[above] / n[above] > limit_share
    out = np.zeros(len(k), dtype=bool)
    if above.any():
        out[above] = _binomial_greater_p(k[above], n[above], float(limit_share)) < p_limit
    return out


def _binomial_greater_p(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """scipy's one-sided exact binomial test, binomtest(k, n, p, alternative="greater").pvalue,
    which scipy computes as binom.sf(k - 1, n, p): here for many units in one call."""
    return stats.binom.sf(k - 1, n, p)


def share(part, whole) -> float:
    """part / whole, NaN when whole is 0 (never a 0% for "nothing to count")."""
    return float(shares(np.array([float(part)]), np.array([float(whole)]))[0])


def shares(part, whole) -> np.ndarray:
    """share of many units at once."""
    part, whole = np.asarray(part, dtype="float64"), np.asarray(whole, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole != 0, part / np.where(whole != 0, whole, 1), math.nan)
