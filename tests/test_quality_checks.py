"""The data-quality checks against numbers worked out by hand from the published formulas.

References: nipnTK (github.com/nutriverse/nipnTK) R/digitPreference.R, R/skewKurt.R, R/ageHeaping.R;
the expected values below were computed by hand (arithmetic written in the comments), or with
scipy.stats where its estimator is the same formula (skew(bias=True) is nipnTK's s,
kurtosis(bias=True) its k).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from stunting.quality import checks


def test_dps_of_a_hand_made_table_follows_nipntk():
    # n = 100, expected 10 per digit. chi2 = (20² + 5² + 0 + 0 + 0 + 5² + 0 + 5² + 7² + 8²) / 10
    # = 588 / 10 = 58.8; DPS = 100 * sqrt(58.8 / (100 * 9)) = 25.5604 (nipnTK rounds: 25.56).
    counts = [30, 5, 10, 10, 10, 15, 10, 5, 3, 2]
    assert checks.digit_preference_score(counts) == pytest.approx(25.5604, abs=1e-4)
    assert checks.dps_class(checks.digit_preference_score(counts)) == "problematic"
    assert checks.share_ending_0_or_5(counts) == pytest.approx(0.45)


def test_dps_is_zero_for_equal_digits_and_100_for_one_digit():
    assert checks.digit_preference_score([7] * 10) == 0
    assert checks.digit_preference_score([50, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(100)
    assert math.isnan(checks.digit_preference_score([0] * 10))


@pytest.mark.parametrize(
    ("dps", "label"),
    [(7.99, "excellent"), (8, "good"), (11.99, "good"), (12, "acceptable"), (19.99, "acceptable"),
     (20, "problematic")],
)  # fmt: skip
def test_dps_classes_are_smarts(dps, label):
    assert checks.dps_class(dps) == label


def test_terminal_digits_read_whole_numbers_as_ending_in_zero():
    # formatC(x, digits = 1, format = "f"): 105 -> "105.0", 99.99 -> "100.0", 80.3 -> "80.3".
    counts = checks.digit_counts(np.array([105.0, 80.3, 80.7, 99.99, np.nan, 12.1, 12.1]))
    assert counts.tolist() == [2, 2, 0, 1, 0, 0, 0, 1, 0, 0]


def test_sixty_percent_whole_centimetres_is_problematic_and_uniform_decimals_excellent():
    rng = np.random.default_rng(12)
    n = 1000
    decimals = rng.integers(0, 10, n) / 10
    whole = rng.random(n) < 0.6
    heights = rng.integers(60, 110, n) + np.where(whole, 0.0, decimals)
    rounded = checks.digit_preference_score(checks.digit_counts(heights))
    # About 640 zeros and 40 of each other digit: chi2 = 630²/100 + 9 * 60²/100 = 4293, DPS = 69.
    assert rounded >= 20
    uniform = checks.digit_preference_score(checks.digit_counts(rng.integers(600, 1100, n) / 10))
    assert uniform < 8


def test_skew_kurt_of_a_hand_made_vector_follows_nipntk():
    # x = 1, 2, 3, 4, 10: mean 4, d = -3, -2, -1, 0, 6; Σd² = 50, Σd³ = 180, Σd⁴ = 1394.
    # s = sqrt(5) * 180 / 50^1.5 = 1.138420; k = 5 * 1394 / 50² - 3 = -0.212;
    # s.se = sqrt(6*5*4 / (3*6*8)) = sqrt(120/144) = 0.912871; k.se = 2 * s.se * sqrt(24 / (2*10)) = 2.
    result = checks.skew_kurt([1, 2, 3, 4, 10, np.nan])
    assert result.n == 5
    assert result.mean == pytest.approx(4)
    assert result.sd == pytest.approx(math.sqrt(50 / 4))
    assert result.skew == pytest.approx(1.138420, abs=1e-6)
    assert result.kurt == pytest.approx(-0.212, abs=1e-9)
    assert result.skew_se == pytest.approx(0.912871, abs=1e-6)
    assert result.kurt_se == pytest.approx(2.0, abs=1e-12)
    # p = 2 * pnorm(-|s / s.se|): |z| = 1.247077, p = 0.212369 (normal table).
    assert result.skew_p == pytest.approx(0.2124, abs=1e-3)


def test_skew_kurt_agrees_with_scipys_biased_estimators_on_random_data():
    x = np.random.default_rng(3).gamma(4.0, 1.0, 2000) - 4
    result = checks.skew_kurt(x)
    assert result.skew == pytest.approx(stats.skew(x, bias=True), rel=1e-9)
    assert result.kurt == pytest.approx(stats.kurtosis(x, bias=True, fisher=True), rel=1e-9)
    assert result.sd == pytest.approx(np.std(x, ddof=1), rel=1e-12)


def test_moments_of_a_region_are_those_of_its_parts_summed():
    x = np.random.default_rng(5).normal(-1.2, 1.3, 900)
    parts = np.array_split(x, 7)
    sums = np.sum([[len(p), p.sum(), (p**2).sum(), (p**3).sum(), (p**4).sum()] for p in parts], axis=0)
    whole = checks.skew_kurt_from_sums(*sums)
    assert whole.skew == pytest.approx(stats.skew(x), rel=1e-9)
    assert whole.kurt == pytest.approx(stats.kurtosis(x), rel=1e-9)


def test_sd_above_the_dhs_range_is_a_fault_below_it_is_not():
    assert checks.sd_above_reference("haz", 1.96) is True
    assert checks.sd_above_reference("haz", 1.95) is False
    assert checks.sd_above_reference("whz", 1.51) is True
    assert checks.sd_above_reference("waz", 1.0) is False
    assert checks.sd_above_reference("waz", math.nan) is None


def test_sex_ratio_binomial_test_equals_the_exact_sum_by_hand():
    boys, girls = 70, 40
    n, p0 = boys + girls, 105 / 205
    # Exact two-sided p: the probabilities of every outcome no more likely than the one observed.
    pmf = [math.comb(n, k) * p0**k * (1 - p0) ** (n - k) for k in range(n + 1)]
    expected = sum(p for p in pmf if p <= pmf[boys] * (1 + 1e-7))
    ratio, p = checks.sex_ratio_test(boys, girls)
    assert ratio == pytest.approx(1.75)
    assert p == pytest.approx(expected, rel=1e-6)


def test_age_heaping_chi_squared_by_hand():
    # 24 children at whole years, 8 at each other remainder: n = 112, E = 112/12;
    # chi2 = (24 - E)²/E + 11 (8 - E)²/E = 176/7 = 25.142857, df = 11.
    chi2, p, at_zero = checks.age_heaping([24] + [8] * 11)
    assert chi2 == pytest.approx(176 / 7)
    assert p == pytest.approx(stats.chi2.sf(176 / 7, 11))
    assert at_zero == pytest.approx(24 / 112)


def test_birth_day_heaping_share_and_one_sided_test():
    share, p = checks.birth_day_heaping(30, 100)
    assert share == pytest.approx(0.30)
    assert p < 1e-6  # 30 of 100 where 6.6 are expected
    share, p = checks.birth_day_heaping(7, 100)
    assert p > 0.3


def test_a_share_fails_only_when_above_its_limit_beyond_chance():
    # 1 of 15 (6.7%) against a 5% limit: P(X >= 1 | n = 15, p = 0.05) = 1 - 0.95^15 = 0.537.
    assert 1 - 0.95**15 == pytest.approx(0.5367, abs=1e-4)
    assert checks.exceeds(1, 15, 0.05) is False
    # 5 of 15: P(X >= 5) = 1 - Σ_{k<5} C(15,k) 0.05^k 0.95^(15-k) = 0.00061, below 0.05.
    tail = 1 - sum(math.comb(15, k) * 0.05**k * 0.95 ** (15 - k) for k in range(5))
    assert tail == pytest.approx(0.000615, abs=1e-6)
    assert checks.exceeds(5, 15, 0.05) is True
    assert checks.exceeds(0, 0, 0.05) is False


def test_the_tests_of_many_units_at_once_are_scipys_to_the_last_bit():
    rng = np.random.default_rng(3)
    boys = np.concatenate([rng.integers(0, 3000, 1500), rng.integers(0, 60, 1500), [0, 7, 0, 105, 1]])
    girls = np.concatenate([rng.integers(0, 3000, 1500), rng.integers(0, 60, 1500), [0, 0, 7, 100, 1]])
    ratio, p = checks.sex_ratio_tests(boys, girls)
    expected = [
        stats.binomtest(int(b), int(b + g), checks.EXPECTED_BOY_SHARE).pvalue if b + g else math.nan
        for b, g in zip(boys, girls, strict=True)
    ]
    assert np.array_equal(p, expected, equal_nan=True)
    assert ratio[-2] == 105 / 100 and math.isinf(ratio[-4]) and math.isnan(ratio[-5])
    counts = rng.integers(0, 300, (500, 12)).astype(float)
    chi2, p, at_zero = checks.age_heaping_tests(counts)
    reference = [stats.chisquare(row) for row in counts]
    assert np.array_equal(chi2, [r.statistic for r in reference])
    assert np.array_equal(p, [r.pvalue for r in reference])
    assert np.array_equal(at_zero, counts[:, 0] / counts.sum(axis=1))
