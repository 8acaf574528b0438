"""Empirical Bayes and hot spots (stunting.smoothing) against Marshall's formulas written out here and
against planted clusters."""

from __future__ import annotations

import numpy as np
import pytest

from stunting.config import MIN_CHILDREN
from stunting.smoothing import empirical_bayes, hot_spots, neighbours, where_to_act


def marshall(cases, measured):
    """Marshall (1991), section 3: m = sum(x)/sum(n); s2 = sum(n (r - m)^2)/sum(n) - m/mean(n);
    shrinkage C_i = s2 / (s2 + m/n_i); smoothed = m + C_i (r_i - m); s2 < 0 is set to 0."""
    x, n = np.asarray(cases, float), np.asarray(measured, float)
    m = x.sum() / n.sum()
    r = x / n
    s2 = max((n * (r - m) ** 2).sum() / n.sum() - m / n.mean(), 0.0)
    c = s2 / (s2 + m / n) if s2 > 0 else np.zeros_like(n)
    return m + c * (r - m)


def test_empirical_bayes_is_marshalls_estimator():
    cases = np.array([2, 30, 5, 60, 1, 12])
    measured = np.array([12, 100, 15, 400, 10, 50])
    smoothed = empirical_bayes(cases, measured)
    assert smoothed == pytest.approx(marshall(cases, measured), abs=1e-12)
    # Small villages move towards the overall rate more than big ones.
    overall = cases.sum() / measured.sum()
    raw = cases / measured
    moved = np.abs(raw - smoothed) / np.abs(raw - overall)
    assert moved[4] > moved[1] > moved[3]


def test_villages_that_vary_less_than_chance_all_get_the_overall_rate():
    cases = np.array([20, 21, 19, 20])
    measured = np.array([100, 100, 100, 100])
    assert empirical_bayes(cases, measured) == pytest.approx(marshall(cases, measured))
    assert np.allclose(empirical_bayes(cases, measured), 0.2)


def test_a_planted_cluster_of_high_villages_is_a_hot_spot_and_noise_is_not():
    rng = np.random.default_rng(0)
    side = 12
    lng, lat = np.meshgrid(np.arange(side, dtype=float), np.arange(side, dtype=float))
    lng, lat = lng.ravel() * 0.05, lat.ravel() * 0.05
    measured = rng.integers(80, 200, side * side)
    planted = (lng <= 0.15) & (lat <= 0.15)  # a 4 x 4 corner
    rate = np.where(planted, 0.40, 0.18)
    cases = rng.binomial(measured, rate)
    spots = hot_spots(cases, measured, neighbours(lng, lat))
    hot = spots["cluster"].to_numpy() == "hot"
    assert hot[planted].mean() >= 0.5
    assert not hot[~planted & (lng > 0.3) & (lat > 0.3)].any()
    # Without a planted cluster the FDR correction leaves (almost) nothing.
    null = hot_spots(rng.binomial(measured, 0.18), measured, neighbours(lng, lat))
    assert null["significant"].sum() <= 2


def test_where_to_act_ranks_by_stunted_children_and_never_shows_a_rate_below_the_minimum(demo_dir):
    from stunting import prevalence

    period = prevalence.periods(demo_dir)[-1]
    ranking = where_to_act("stunting", period, "64.02", data_dir=demo_dir)
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    small = ranking["measured"] < MIN_CHILDREN
    assert small.any()
    # Published numbers only: no case count, rate or smoothed rate below the minimum; those rank last.
    assert ranking.loc[small, "cases"].isna().all() and ranking.loc[~small, "cases"].notna().all()
    assert ranking.loc[~small, "cases"].astype(int).is_monotonic_decreasing
    assert small.to_numpy()[-int(small.sum()) :].all()
    assert ranking.loc[small, "smoothed"].isna().all() and ranking.loc[small, "prevalence"].isna().all()
    assert ranking.loc[~small, "smoothed"].notna().all()
    assert set(ranking["cluster"]) <= {"hot", "cold", "high_among_low", "low_among_high", "none"}
