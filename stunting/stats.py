"""Proportions with honest uncertainty: Wilson and Newcombe intervals, the two-proportion test and
direct age-sex standardisation. Vectorised over numpy arrays; NaN wherever a rate is undefined (n = 0).

References:
    Newcombe RG (1998a). Two-sided confidence intervals for the single proportion: comparison of
        seven methods. Statistics in Medicine 17: 857-872 (method 3, the Wilson score interval).
    Newcombe RG (1998b). Interval estimation for the difference between independent proportions:
        comparison of eleven methods. Statistics in Medicine 17: 873-890 (method 10, hybrid score).
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


_erfc = np.frompyfunc(math.erfc, 1, 1)


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
    tail = np.asarray(_erfc(np.abs(np.nan_to_num(z)) / math.sqrt(2.0)), dtype="float64")
    p_value = np.where(np.isnan(z), np.nan, tail)
    return z, p_value


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
