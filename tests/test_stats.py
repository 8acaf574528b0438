"""Statistics against independent published figures (never against this code's own output)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stunting.stats import (
    direct_standardise,
    newcombe_difference,
    overlap_difference,
    overlap_test,
    two_proportion_test,
    wilson_interval,
)

# Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Statistics in Medicine 17: 857-872, Table I, method 3 (Wilson score, no continuity correction).
NEWCOMBE_TABLE_I = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0000, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
]

# Newcombe RG (1998). Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Statistics in Medicine 17: 873-890, Table II, examples (a)-(h),
# method 10 (hybrid score). The same figures are reproduced in the test suites of several public
# implementations (found with the project's code search), which is how they were cross-checked.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_TABLE_I)
def test_wilson_matches_newcombe_table_i(counts, expected):
    low, high = wilson_interval(*counts)
    assert (round(float(low), 4), round(float(high), 4)) == expected


def test_wilson_is_vectorised_and_undefined_without_children():
    cases = np.array([81, 15, 0, 1, 0])
    n = np.array([263, 148, 20, 29, 0])
    low, high = wilson_interval(cases, n)
    assert np.round(low[:4], 4).tolist() == [e[1][0] for e in NEWCOMBE_TABLE_I]
    assert np.round(high[:4], 4).tolist() == [e[1][1] for e in NEWCOMBE_TABLE_I]
    assert math.isnan(low[4]) and math.isnan(high[4])


def test_wilson_at_90_percent_is_narrower():
    low95, high95 = wilson_interval(81, 263)
    low90, high90 = wilson_interval(81, 263, confidence=0.90)
    assert low95 < low90 < 81 / 263 < high90 < high95


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_TABLE_II)
def test_newcombe_hybrid_score_matches_table_ii(counts, expected):
    difference, low, high = newcombe_difference(*counts)
    assert float(difference) == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(float(low), 4), round(float(high), 4)) == expected


def test_newcombe_is_vectorised():
    args = np.array([c for c, _ in NEWCOMBE_TABLE_II], dtype=float).T
    _, low, high = newcombe_difference(*args)
    assert np.round(low, 4).tolist() == [e[0] for _, e in NEWCOMBE_TABLE_II]
    assert np.round(high, 4).tolist() == [e[1] for _, e in NEWCOMBE_TABLE_II]


def test_two_proportion_test_matches_published_pooled_z():
    # statsmodels' test suite (statsmodels/stats/tests/test_proportion.py, GH 2969): proportions_ztest
    # on 5/83 vs 12/99, equal to R's prop.test(c(5, 12), c(83, 99), correct = FALSE).
    z, p = two_proportion_test(5, 83, 12, 99)
    assert float(z) == pytest.approx(-1.4078304151258787, abs=1e-12)
    assert float(p) == pytest.approx(0.15918129181156992, abs=1e-12)


def test_two_proportion_test_edge_cases():
    z, p = two_proportion_test([0, 10, 3], [10, 10, 0], [0, 10, 1], [20, 10, 5])
    assert p[0] == 1.0 and p[1] == 1.0  # both 0% or both 100%: no evidence of a difference
    assert math.isnan(p[2])  # one side without children
    z_ab, p_ab = two_proportion_test(5, 83, 12, 99)
    z_ba, p_ba = two_proportion_test(12, 99, 5, 83)
    assert float(z_ab) == pytest.approx(-float(z_ba)) and float(p_ab) == pytest.approx(float(p_ba))


def test_direct_standardisation_reverses_a_crude_difference_caused_by_age_structure():
    # Hand-computed. Side A measured mostly infants, side B mostly older children; A is worse in
    # every age group, yet its crude rate is far lower because stunting rises with age.
    #   infants: A 12/100 = 12%, B  2/20  = 10%    standard population 120 -> weight 1/2
    #   older:   A 10/20  = 50%, B 45/100 = 45%    standard population 120 -> weight 1/2
    #   crude:   A 22/120 = 18.33%, B 47/120 = 39.17%, A - B = -20.83 points
    #   standardised: A = (12% + 50%)/2 = 31%, B = (10% + 45%)/2 = 27.5%, A - B = +3.5 points
    frame = pd.DataFrame(
        {
            "group": ["0-23", "24-59"],
            "cases_a": [12, 10],
            "n_a": [100, 20],
            "cases_b": [2, 45],
            "n_b": [20, 100],
        }
    )
    result = direct_standardise(frame)
    assert result.crude_a == pytest.approx(22 / 120)
    assert result.crude_b == pytest.approx(47 / 120)
    assert result.crude_difference == pytest.approx(-25 / 120)
    assert result.a == pytest.approx(0.31)
    assert result.b == pytest.approx(0.275)
    assert result.difference == pytest.approx(0.035)
    assert np.sign(result.difference) != np.sign(result.crude_difference)


def test_direct_standardisation_weights_by_the_pooled_structure():
    # Hand-computed with unequal weights: standard population 50 and 150 -> weights 1/4 and 3/4.
    frame = pd.DataFrame(
        {"group": ["x", "y"], "cases_a": [5, 30], "n_a": [25, 100], "cases_b": [10, 10], "n_b": [25, 50]}
    )
    result = direct_standardise(frame)
    assert result.a == pytest.approx(0.25 * 0.20 + 0.75 * 0.30)
    assert result.b == pytest.approx(0.25 * 0.40 + 0.75 * 0.20)


def test_direct_standardisation_refuses_a_group_missing_on_one_side():
    frame = pd.DataFrame(
        {
            "group": ["x", "y", "z"],
            "cases_a": [5, 3, 0],
            "n_a": [25, 10, 0],
            "cases_b": [10, 1, 0],
            "n_b": [25, 0, 0],
        }
    )
    result = direct_standardise(frame)
    assert math.isnan(result.a) and math.isnan(result.b) and math.isnan(result.difference)
    assert result.crude_a == pytest.approx(8 / 35)  # the crude rates stay available
    # A group nobody was measured in on either side (z) carries no weight and is no obstacle.
    result = direct_standardise(frame[frame["group"] != "y"])
    assert result.a == pytest.approx(0.2) and result.b == pytest.approx(0.4)


# --- sides that share children (one area in two periods, an area and a larger one containing it) ----


def test_without_shared_children_the_overlap_interval_and_test_are_the_independent_ones():
    args = np.array([c for c, _ in NEWCOMBE_TABLE_II], dtype=float).T
    independent = newcombe_difference(*args)
    overlap = overlap_difference(*args, 0, 0, 0, 0)
    for mine, reference in zip(overlap, independent, strict=True):
        assert np.array_equal(mine, reference)  # exactly, not approximately
    assert np.round(overlap[1], 4).tolist() == [e[0] for _, e in NEWCOMBE_TABLE_II]
    z, p = overlap_test(5, 83, 12, 99, 0, 0, 0, 0)
    assert float(z) == pytest.approx(-1.4078304151258787, abs=1e-12)  # statsmodels' proportions_ztest
    assert np.array_equal(p, two_proportion_test(5, 83, 12, 99)[1])


# Cavo et al. (2012), complete response before and after consolidation therapy, as published in
# Fagerland MW, Lydersen S, Laake P (2014), Recommended tests and confidence intervals for paired
# binomial proportions, Statistics in Medicine 33: 2850-2875 (and their book, chapter 8): the
# Newcombe square-and-add interval (Newcombe 1998c, method 10) is -0.0621 (-0.1186 to -0.0046).
# The R package contingencytables (ocbe-uio) reproduces it in its own tests (found with the code search).
CAVO_2012 = {"both": 59, "first_only": 6, "second_only": 16, "neither": 80}


def test_fully_paired_children_give_newcombes_paired_interval():
    n11, n10, n01, n00 = CAVO_2012.values()
    n = n11 + n10 + n01 + n00
    difference, low, high = overlap_difference(n11 + n10, n, n11 + n01, n, n11, n10, n01, n00)
    assert round(float(difference), 4) == -0.0621
    assert (round(float(low), 4), round(float(high), 4)) == (-0.1186, -0.0046)
    # The same children treated as two independent samples: a much wider interval.
    _, wide_low, wide_high = newcombe_difference(n11 + n10, n, n11 + n01, n)
    assert wide_high - wide_low > 1.5 * (float(high) - float(low))


@pytest.mark.parametrize("table", [(59, 6, 16, 80), (10, 12, 3, 40), (5, 0, 4, 30), (20, 9, 9, 20)])
def test_fully_paired_children_give_mcnemars_test(table):
    from statsmodels.stats.contingency_tables import mcnemar

    n11, n10, n01, n00 = table
    n = sum(table)
    z, p = overlap_test(n11 + n10, n, n11 + n01, n, n11, n10, n01, n00)
    reference = mcnemar([[n11, n10], [n01, n00]], exact=False, correction=False)
    assert float(p) == pytest.approx(reference.pvalue, rel=1e-9)
    assert float(z) ** 2 == pytest.approx(reference.statistic, rel=1e-9)


def _simulate(rng, pairs: int, children: int, shared: int, p_a: float, p_b: float, rho: float):
    """``pairs`` comparisons of two sides of ``children`` each, ``shared`` of them on both sides;
    each child's outcome is drawn on its own, a shared child's two outcomes with correlation rho
    (the same child weighed twice is likely stunted both times)."""
    both = p_a * p_b + rho * math.sqrt(p_a * (1 - p_a) * p_b * (1 - p_b))
    cell = rng.choice(4, size=(pairs, shared), p=[both, p_a - both, p_b - both, 1 - p_a - p_b + both])
    a_shared, b_shared = (cell == 0) | (cell == 1), (cell == 0) | (cell == 2)
    a_own = rng.random((pairs, children - shared)) < p_a
    b_own = rng.random((pairs, children - shared)) < p_b
    cases_a = a_shared.sum(axis=1) + a_own.sum(axis=1)
    cases_b = b_shared.sum(axis=1) + b_own.sum(axis=1)
    table = [(cell == k).sum(axis=1) for k in range(4)]
    return cases_a, cases_b, table


@pytest.mark.parametrize(("shared", "seed"), [(0, 11), (100, 12), (200, 13)])
def test_the_95_interval_covers_the_true_difference_95_percent_of_the_time(shared, seed):
    # Known truth: 25% against 20% stunted, 200 children a side; independent, half and fully shared.
    rng = np.random.default_rng(seed)
    truth = 0.25 - 0.20
    cases_a, cases_b, table = _simulate(rng, 2000, 200, shared, 0.25, 0.20, rho=0.6)
    _, low, high = overlap_difference(cases_a, 200, cases_b, 200, *table)
    coverage = float(((low <= truth) & (truth <= high)).mean())
    assert 0.93 <= coverage <= 0.97
    if shared == 200:
        # Treating the same children as independent samples over-covers: the interval is too wide.
        _, low, high = newcombe_difference(cases_a, 200, cases_b, 200)
        assert float(((low <= truth) & (truth <= high)).mean()) > 0.98


@pytest.mark.parametrize(("shared", "seed"), [(0, 21), (100, 22), (200, 23)])
def test_the_p_value_rejects_a_true_null_about_5_percent_of_the_time(shared, seed):
    rng = np.random.default_rng(seed)
    cases_a, cases_b, table = _simulate(rng, 2000, 200, shared, 0.22, 0.22, rho=0.6)
    _, p = overlap_test(cases_a, 200, cases_b, 200, *table)
    assert not np.isnan(p).any()
    assert 0.03 <= float((p < 0.05).mean()) <= 0.07
