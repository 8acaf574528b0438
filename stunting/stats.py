"""Proportions with honest uncertainty: Wilson and Newcombe intervals, the two-proportion test and
direct age-sex standardisation. Vectorised over numpy arrays; NaN wherever a rate is undefined (n = 0).

References:
    Newcombe RG (1998a). Two-sided confidence intervals for the single proportion: comparison of
        seven methods. Statistics in Medicine 17: 857-872 (method 3, the Wilson score interval).
    Newcombe RG (1998b). Interval estimation for the difference between independent proportions:
        comparison of eleven methods. Statistics in Medicine 17: 873-890 (method 10, hybrid score).
    Newcombe RG (1998c). Improved confidence intervals for the difference between binomial
        proportions based on paired data. Statistics in Medicine 17: 2635-2650 (method 10).
    Zou GY, Donner A (2008). Construction of confidence limits about effect measures: a general
        approach. Statistics in Medicine 27: 1693-1702 (MOVER with correlated estimates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

ArrayLike = float | int | np.ndarray | pd.Series


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(
    cases: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for cases/n (Newcombe 1998a, method 3); NaN where n is 0."""
    x = np.asarray(cases, dtype="float64")
    total = np.asarray(n, dtype="float64")
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = total + z * z
        centre = (x + z * z / 2.0) / denominator
        half = z * np.sqrt(np.maximum(x * (total - x) / total, 0.0) + z * z / 4.0) / denominator
        low = np.where(total > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(total > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # With no cases (or all cases) the exact bound is 0 (or 1); floating point leaves ~1e-17.
    low = np.where(x == 0, 0.0, low)
    high = np.where(x == total, 1.0, high)
    low = np.where(total > 0, low, np.nan)
    high = np.where(total > 0, high, np.nan)
    return low, high


def newcombe_difference(
    cases_a: ArrayLike, n_a: ArrayLike, cases_b: ArrayLike, n_b: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference a - b with Newcombe's hybrid score interval (1998b, method 10): (difference, low, high)."""
    xa, na = np.asarray(cases_a, dtype="float64"), np.asarray(n_a, dtype="float64")
    xb, nb = np.asarray(cases_b, dtype="float64"), np.asarray(n_b, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        pa, pb = xa / na, xb / nb
    la, ua = wilson_interval(xa, na, confidence)
    lb, ub = wilson_interval(xb, nb, confidence)
    difference = pa - pb
    low = difference - np.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = difference + np.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return difference, low, high


def shared_correlation(
    p_a: ArrayLike,
    n_a: ArrayLike,
    p_b: ArrayLike,
    n_b: ArrayLike,
    both_cases: ArrayLike,
    a_only_cases: ArrayLike,
    b_only_cases: ArrayLike,
    neither: ArrayLike,
) -> np.ndarray:
    """Correlation of the two estimated proportions p_a = cases_a / n_a and p_b = cases_b / n_b when
    some children are counted on both sides; the shared children as a 2x2: a case on both sides, on
    side a only, on side b only, on neither.

    Cov(p_a, p_b) = (n11 n00 - n10 n01) / (m n_a n_b) with m the shared children, i.e.
    m (p11 - p1 p2) / (n_a n_b) over the shared children. Newcombe's (1998c, method 10) correction
    shrinks a positive n11 n00 - n10 n01 by m / 2 (to 0 at most), so that fully paired data give his
    interval exactly; without shared children the correlation is 0. A side at 0% or 100% has no
    variance to correlate: 0 there, as in Newcombe.
    """
    pa, na = np.asarray(p_a, dtype="float64"), np.asarray(n_a, dtype="float64")
    pb, nb = np.asarray(p_b, dtype="float64"), np.asarray(n_b, dtype="float64")
    n11, n10 = np.asarray(both_cases, dtype="float64"), np.asarray(a_only_cases, dtype="float64")
    n01, n00 = np.asarray(b_only_cases, dtype="float64"), np.asarray(neither, dtype="float64")
    shared = n11 + n10 + n01 + n00
    cross = n11 * n00 - n10 * n01
    cross = np.where(cross > shared / 2.0, cross - shared / 2.0, np.where(cross >= 0.0, 0.0, cross))
    with np.errstate(invalid="ignore", divide="ignore"):
        covariance = cross / (shared * na * nb)
        spread = np.sqrt(pa * (1.0 - pa) / na * pb * (1.0 - pb) / nb)
        correlation = covariance / spread
    defined = (shared > 0) & (spread > 0) & np.isfinite(correlation)
    return np.clip(np.where(defined, correlation, 0.0), -1.0, 1.0)


def overlap_difference(
    cases_a: ArrayLike,
    n_a: ArrayLike,
    cases_b: ArrayLike,
    n_b: ArrayLike,
    both_cases: ArrayLike = 0,
    a_only_cases: ArrayLike = 0,
    b_only_cases: ArrayLike = 0,
    neither: ArrayLike = 0,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference a - b with its interval when the sides may share children (the same area in two
    periods, or an area and a larger area containing it): (difference, low, high).

    The MOVER of Zou & Donner (2008) on the two Wilson intervals, with the correlation of the two
    estimates from the shared children (shared_correlation). Without shared children it is exactly
    Newcombe's hybrid score interval (1998b, method 10, newcombe_difference); with every child on
    both sides it is Newcombe's paired interval (1998c, method 10). Children counted on both sides
    are positively correlated as a rule, and an interval that ignores it is too wide.
    """
    xa, na = np.asarray(cases_a, dtype="float64"), np.asarray(n_a, dtype="float64")
    xb, nb = np.asarray(cases_b, dtype="float64"), np.asarray(n_b, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        pa, pb = xa / na, xb / nb
    la, ua = wilson_interval(xa, na, confidence)
    lb, ub = wilson_interval(xb, nb, confidence)
    r = shared_correlation(pa, na, pb, nb, both_cases, a_only_cases, b_only_cases, neither)
    difference = pa - pb
    below = np.maximum((pa - la) ** 2 + (ub - pb) ** 2 - 2.0 * r * (pa - la) * (ub - pb), 0.0)
    above = np.maximum((ua - pa) ** 2 + (pb - lb) ** 2 - 2.0 * r * (ua - pa) * (pb - lb), 0.0)
    return difference, difference - np.sqrt(below), difference + np.sqrt(above)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _two_sided_p(z: np.ndarray) -> np.ndarray:
    tail = np.asarray(_erfc(np.abs(np.nan_to_num(z)) / math.sqrt(2.0)), dtype="float64")
    return np.where(np.isnan(z), np.nan, tail)


def two_proportion_test(
    cases_a: ArrayLike, n_a: ArrayLike, cases_b: ArrayLike, n_b: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-sided z test of equal proportions: (z, p_value); NaN when undefined.

    Equal to R's ``prop.test(correct = FALSE)`` (its chi-squared statistic is z squared).
    """
    xa, na = np.asarray(cases_a, dtype="float64"), np.asarray(n_a, dtype="float64")
    xb, nb = np.asarray(cases_b, dtype="float64"), np.asarray(n_b, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (xa + xb) / (na + nb)
        standard_error = np.sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb))
        z = (xa / na - xb / nb) / standard_error
    # Identical rates of 0% or 100% on both sides: no evidence of a difference at all.
    same_extreme = (standard_error == 0) & (na > 0) & (nb > 0)
    z = np.where(same_extreme, 0.0, z)
    return z, _two_sided_p(z)


def overlap_test(
    cases_a: ArrayLike,
    n_a: ArrayLike,
    cases_b: ArrayLike,
    n_b: ArrayLike,
    both_cases: ArrayLike = 0,
    a_only_cases: ArrayLike = 0,
    b_only_cases: ArrayLike = 0,
    neither: ArrayLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided z test of equal proportions when the sides may share children: (z, p_value).

    z = (p_a - p_b) / sqrt(V0), V0 = p(1 - p)(1/n_a + 1/n_b) - 2 m (p11 - s^2) / (n_a n_b): the
    variance under "no difference", p the pooled rate of both sides, m the shared children, p11 the
    share of them that are cases on both sides and s their pooled rate. Without shared children this
    is exactly two_proportion_test (R's prop.test without correction); with every child on both
    sides it is McNemar's test, z^2 = (n10 - n01)^2 / (n10 + n01).
    """
    xa, na = np.asarray(cases_a, dtype="float64"), np.asarray(n_a, dtype="float64")
    xb, nb = np.asarray(cases_b, dtype="float64"), np.asarray(n_b, dtype="float64")
    n11, n10 = np.asarray(both_cases, dtype="float64"), np.asarray(a_only_cases, dtype="float64")
    n01, n00 = np.asarray(b_only_cases, dtype="float64"), np.asarray(neither, dtype="float64")
    shared = n11 + n10 + n01 + n00
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (xa + xb) / (na + nb)
        both_rate = np.where(shared > 0, n11 / shared, 0.0)
        shared_rate = np.where(shared > 0, (2.0 * n11 + n10 + n01) / (2.0 * shared), 0.0)
        covariance = shared * (both_rate - shared_rate**2) / (na * nb)
        variance = pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb) - 2.0 * covariance
        # Rounding can leave a hair below zero where the shared children explain every case.
        standard_error = np.sqrt(np.maximum(variance, 0.0))
        difference = xa / na - xb / nb
        z = difference / standard_error
    # No variance left and no difference: no evidence of a difference at all.
    no_evidence = (standard_error == 0) & (difference == 0) & (na > 0) & (nb > 0)
    z = np.where(no_evidence, 0.0, z)
    z = np.where(np.isfinite(z) | np.isnan(z), z, np.nan)
    return z, _two_sided_p(z)


@dataclass(frozen=True)
class Standardised:
    """Crude and directly standardised rates of two sides (fractions 0-1; NaN when not computable)."""

    crude_a: float
    crude_b: float
    crude_difference: float
    a: float
    b: float
    difference: float


STANDARDISE_COLUMNS = ("group", "cases_a", "n_a", "cases_b", "n_b")


def direct_standardise(frame: pd.DataFrame) -> Standardised:
    """Standardise both sides to their pooled structure (the standard population is n_a + n_b per group).

    ``frame``: one row per stratum (e.g. age group x sex) with ``group, cases_a, n_a, cases_b, n_b``.
    Strata nobody was measured in on either side carry no weight. A stratum with children on one side
    only leaves the other side's stratum rate unknown: the standardised rates are then NaN rather
    than a number that silently drops part of the standard population.
    """
    missing = [column for column in STANDARDISE_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"direct_standardise needs columns {missing}")
    cases_a = frame["cases_a"].to_numpy(dtype="float64")
    n_a = frame["n_a"].to_numpy(dtype="float64")
    cases_b = frame["cases_b"].to_numpy(dtype="float64")
    n_b = frame["n_b"].to_numpy(dtype="float64")
    total_a, total_b = n_a.sum(), n_b.sum()
    crude_a = cases_a.sum() / total_a if total_a > 0 else math.nan
    crude_b = cases_b.sum() / total_b if total_b > 0 else math.nan
    standard = n_a + n_b
    weighted = standard > 0
    if not weighted.any() or (n_a[weighted] == 0).any() or (n_b[weighted] == 0).any():
        a = b = math.nan
    else:
        weights = standard[weighted] / standard[weighted].sum()
        a = float((weights * cases_a[weighted] / n_a[weighted]).sum())
        b = float((weights * cases_b[weighted] / n_b[weighted]).sum())
    return Standardised(
        crude_a=float(crude_a),
        crude_b=float(crude_b),
        crude_difference=float(crude_a - crude_b),
        a=a,
        b=b,
        difference=a - b,
    )
