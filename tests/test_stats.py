"""Statistics against independent published figures (never against this code's own output)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stunting.stats import direct_standardise, newcombe_difference, two_proportion_test, wilson_interval

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
