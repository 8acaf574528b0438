"""The difference-in-differences of stunting.evaluate, against simulated panels whose true effect is
known, textbook identities and statsmodels' own dummy-variable regression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from stunting.errors import UserError
from stunting.evaluate import difference_in_differences

PERIODS = [f"{2019 + k // 2}-{'02' if k % 2 == 0 else '08'}" for k in range(8)]


def simulated_panel(
    rng: np.random.Generator,
    *,
    villages: int = 45,
    treated_share: float = 1 / 3,
    start: int = 4,
    effect: float = -0.03,
    treated_higher: float = 0.0,
    children: int = 60,
    staggered: bool = False,
    pre_trend: float = 0.0,
    coverage_drop: float = 0.0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Villages with a persistent level, a common downward trend and binomial sampling of children.

    The treated villages are the first third; with ``treated_higher`` their level is that much
    higher (they were chosen because their rates were high), with ``staggered`` half of them start
    two periods earlier. ``effect`` is the true change in prevalence once a village has the
    programme; ``pre_trend`` a per-period drift of the treated villages only; ``coverage_drop``
    the share of children no longer measured in treated villages after the start.
    """
    level = rng.normal(0.25, 0.05, villages)
    treated = np.arange(villages) < round(villages * treated_share)
    level[treated] += treated_higher
    common = np.linspace(0.0, -0.06, len(PERIODS))
    starts = np.full(villages, start)
    if staggered:
        starts[: treated.sum() // 2] = start - 2
    t = np.arange(len(PERIODS))
    post = treated[:, None] & (t[None, :] >= starts[:, None])
    prevalence = level[:, None] + common[None, :] + effect * post + pre_trend * treated[:, None] * t[None, :]
    expected = np.where(post, children * (1 - coverage_drop), children)
    measured = rng.poisson(expected)
    cases = rng.binomial(measured, np.clip(prevalence, 0.0, 1.0))
    names = np.array([f"v{v:03d}" for v in range(villages)])
    frame = pd.DataFrame(
        {
            "village": np.repeat(names, len(PERIODS)),
            "period": np.tile(PERIODS, villages),
            "measured": measured.ravel(),
            "cases": cases.ravel(),
        }
    )
    first = pd.Series(np.asarray(PERIODS)[starts[treated]], index=names[treated])
    return frame, first


def test_interval_covers_the_true_effect_about_95_percent_of_the_time():
    rng = np.random.default_rng(20261201)
    truth, repetitions = -0.03, 120
    results = [
        difference_in_differences(*simulated_panel(rng, effect=truth), details=False)
        for _ in range(repetitions)
    ]
    covered = np.mean([r.ci_low <= truth <= r.ci_high for r in results])
    estimates = np.array([r.estimate for r in results])
    # Binomial SD of the coverage over 120 runs is 2 points: 0.89-0.99 is three SDs either side.
    assert 0.89 <= covered <= 0.99
    # Unbiased: the mean estimate is within a few of its own standard errors of the truth.
    assert abs(estimates.mean() - truth) < 3 * estimates.std() / np.sqrt(repetitions)
    # Each estimate within its interval's reach of the truth: never further than the full width.
    widths = np.array([r.ci_high - r.ci_low for r in results])
    assert np.all(np.abs(estimates - truth) < widths)


def test_staggered_starts_cover_the_truth_too():
    rng = np.random.default_rng(7)
    truth, repetitions = -0.04, 80
    results = [
        difference_in_differences(*simulated_panel(rng, effect=truth, staggered=True), details=False)
        for _ in range(repetitions)
    ]
    covered = np.mean([r.ci_low <= truth <= r.ci_high for r in results])
    assert 0.87 <= covered <= 1.0
    assert results[0].cohorts == {PERIODS[2]: 7, PERIODS[4]: 8}
    # The event study reaches 4 periods before the start (the later cohort's first period) and 5
    # after (the earlier cohort's last); the reference period (-1) is 0 by construction.
    detailed = difference_in_differences(*simulated_panel(rng, effect=truth, staggered=True))
    events = detailed.event_study.set_index("relative_period")
    assert events.index.max() == 5
    assert events.index.min() == -4 and events.loc[-1, "estimate"] == 0.0


def test_treated_villages_that_start_higher_without_effect_raise_regression_to_the_mean():
    rng = np.random.default_rng(99)
    repetitions = 60
    results = [
        difference_in_differences(*simulated_panel(rng, effect=0.0, treated_higher=0.08), details=False)
        for _ in range(repetitions)
    ]
    # Raised whenever the sample shows the selection (a one-sided 5% test): nearly always here.
    assert "regression_to_the_mean" in results[0].warnings
    assert np.mean(["regression_to_the_mean" in r.warnings for r in results]) >= 0.95
    assert np.mean([r.baseline_treated - r.baseline_control for r in results]) == pytest.approx(
        0.08, abs=0.01
    )
    covered = np.mean([r.ci_low <= 0.0 <= r.ci_high for r in results])
    assert covered >= 0.88
    assert np.mean([r.verdict == "cannot_conclude" for r in results]) >= 0.88


def test_no_regression_to_the_mean_warning_when_groups_start_alike():
    rng = np.random.default_rng(3)
    raised = [
        "regression_to_the_mean" in difference_in_differences(*simulated_panel(rng, villages=60)).warnings
        for _ in range(40)
    ]
    # A one-sided 2.5% test under the null: rarely raised.
    assert np.mean(raised) <= 0.1


def test_two_by_two_equals_the_difference_of_the_four_means():
    # Balanced, two periods, one start: DiD is (treated after - before) - (control after - before).
    rng = np.random.default_rng(1)
    frame, first = simulated_panel(rng, effect=-0.05)
    frame = frame[frame["period"].isin([PERIODS[3], PERIODS[4]])]
    result = difference_in_differences(frame, first)
    rate = frame.assign(rate=frame["cases"] / frame["measured"], treated=frame["village"].isin(first.index))
    means = rate.groupby(["treated", "period"])["rate"].mean()
    expected = (means[True, PERIODS[4]] - means[True, PERIODS[3]]) - (
        means[False, PERIODS[4]] - means[False, PERIODS[3]]
    )
    assert result.estimate == pytest.approx(expected, abs=1e-12)
    assert (result.periods_before, result.periods_after) == (1, 1)
    assert (result.villages_treated, result.villages_control) == (15, 30)


def test_matches_statsmodels_dummy_regressions_with_clustered_errors():
    rng = np.random.default_rng(5)
    frame, first = simulated_panel(rng)
    result = difference_in_differences(frame, first)
    start = frame["village"].map(first)
    post = start.notna() & (frame["period"] >= start.fillna("9"))
    data = frame.assign(
        rate=frame["cases"] / frame["measured"],
        treated_post=post.astype(float),
        cell=np.where(post, "treated " + frame["period"], "none"),
    )
    groups = {"groups": pd.factorize(data["village"])[0]}
    # With one start year and a balanced panel the estimate is the textbook two-way fixed effects
    # difference-in-differences coefficient.
    textbook = smf.ols("rate ~ treated_post + C(village) + C(period)", data).fit()
    assert result.estimate == pytest.approx(textbook.params["treated_post"], abs=1e-10)
    # The interval: the same cohort x period model written with every village dummy, its
    # clustered variance of the average effect. The full regression counts the village dummies in
    # its small-sample factor (N - 1) / (N - K); ours absorbs them (as Stata's reghdfe does for
    # effects nested in the clusters), otherwise both are CR1 with t on G - 1 degrees of freedom.
    full = smf.ols("rate ~ C(cell, Treatment('none')) + C(village) + C(period)", data).fit(
        cov_type="cluster", cov_kwds=groups, use_t=True
    )
    cells = [name for name in full.params.index if name.startswith("C(cell")]
    weights = data.loc[post, "cell"].value_counts(normalize=True)
    contrast = np.array(
        [[weights[name.split("[T.")[1][:-1]] if name in cells else 0.0 for name in full.params.index]]
    )
    test = full.t_test(contrast)
    assert result.estimate == pytest.approx(float(test.effect[0]), abs=1e-10)
    n, k_full, k_ours = len(data), len(full.params), len(cells) + len(PERIODS) - 1
    low, high = test.conf_int(alpha=0.05)[0]
    expected_half = (high - low) / 2 * np.sqrt((n - k_full) / (n - k_ours))
    assert (result.ci_high - result.ci_low) / 2 == pytest.approx(expected_half, rel=1e-8)


def test_verdict_cannot_conclude_when_the_interval_contains_zero():
    rng = np.random.default_rng(11)
    results = [difference_in_differences(*simulated_panel(rng, effect=0.0)) for _ in range(20)]
    for r in results:
        contains_zero = r.ci_low <= 0 <= r.ci_high
        assert (r.verdict == "cannot_conclude") == (contains_zero or "pre_trends_differ" in r.warnings)
    strong = difference_in_differences(*simulated_panel(np.random.default_rng(12), effect=-0.12, villages=90))
    assert strong.ci_high < 0
    assert strong.verdict == ("cannot_conclude" if "pre_trends_differ" in strong.warnings else "lower")


def test_few_villages_on_a_side_are_flagged():
    rng = np.random.default_rng(2)
    result = difference_in_differences(*simulated_panel(rng, villages=30, treated_share=0.25))
    assert result.villages_treated == 8
    assert "few_villages" in result.warnings
    assert "few_villages" not in difference_in_differences(*simulated_panel(rng, villages=60)).warnings


def test_diverging_pre_trends_are_flagged():
    rng = np.random.default_rng(4)
    # Treated villages rise 3 points a period relative to the others, before and after the start.
    flagged = [
        "pre_trends_differ" in difference_in_differences(*simulated_panel(rng, pre_trend=0.03)).warnings
        for _ in range(10)
    ]
    assert np.mean(flagged) >= 0.8
    # Without a pre-trend the test rejects about as often as its level (5%).
    quiet = [
        "pre_trends_differ" in difference_in_differences(*simulated_panel(rng)).warnings for _ in range(60)
    ]
    assert np.mean(quiet) <= 0.12


def test_coverage_change_is_flagged():
    rng = np.random.default_rng(6)
    # After the start a third of the treated villages' children are no longer measured.
    result = difference_in_differences(*simulated_panel(rng, coverage_drop=0.33))
    assert "coverage_changed" in result.warnings
    assert result.coverage_effect == pytest.approx(np.log(0.67), abs=0.08)
    assert "coverage_changed" not in difference_in_differences(*simulated_panel(rng)).warnings


def test_small_village_periods_are_left_out_and_counted():
    rng = np.random.default_rng(8)
    frame, first = simulated_panel(rng)
    frame.loc[frame.index[:5], "measured"] = 4
    frame.loc[frame.index[:5], "cases"] = 4
    result = difference_in_differences(frame, first)
    assert result.excluded_village_periods == 5
    clean = difference_in_differences(frame.iloc[5:], first)
    assert result.estimate == pytest.approx(clean.estimate, abs=1e-12)


def test_group_means_have_t_intervals():
    rng = np.random.default_rng(9)
    frame, first = simulated_panel(rng)
    result = difference_in_differences(frame, first)
    rates = frame.assign(rate=frame["cases"] / frame["measured"])
    treated = rates[rates["village"].isin(first.index) & (rates["period"] == PERIODS[0])]["rate"]
    row = result.groups.set_index(["group", "period"]).loc[("treated", PERIODS[0])]
    half = 2.1447866879169273 * treated.std() / np.sqrt(len(treated))  # t(0.975, 14), from tables
    assert row["mean"] == pytest.approx(treated.mean())
    assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-9)


def test_refuses_a_panel_without_comparison_villages():
    rng = np.random.default_rng(10)
    frame, _ = simulated_panel(rng)
    everyone = pd.Series(PERIODS[4], index=frame["village"].unique())
    with pytest.raises(UserError, match="no villages without it"):
        difference_in_differences(frame, everyone)
    with pytest.raises(UserError, match="before and after"):
        difference_in_differences(frame, pd.Series(dtype=object))


def test_odds_ratio_covers_the_truth_under_a_logistic_trend():
    # Villages share a logistic trend (higher villages fall faster in points) and the programme
    # multiplies the odds by 0.8: the odds-scale interval covers 0.8 about 95% of the time.
    rng = np.random.default_rng(21)
    truth, repetitions, covered = 0.8, 60, []
    for _ in range(repetitions):
        villages = 45
        level = rng.normal(-0.9, 0.5, villages)
        treated = np.arange(villages) < 15
        level[treated] += 0.5
        t = np.arange(len(PERIODS))
        logit = level[:, None] - 0.08 * t[None, :] + np.log(truth) * (treated[:, None] & (t[None, :] >= 4))
        measured = rng.poisson(150, logit.shape)
        cases = rng.binomial(measured, 1 / (1 + np.exp(-logit)))
        names = np.array([f"v{v:03d}" for v in range(villages)])
        frame = pd.DataFrame({"village": np.repeat(names, len(PERIODS)), "period": np.tile(PERIODS, villages),
                              "measured": measured.ravel(), "cases": cases.ravel()})  # fmt: skip
        result = difference_in_differences(frame, pd.Series(PERIODS[4], index=names[treated]), details=False)
        covered.append(result.odds_ratio_low <= truth <= result.odds_ratio_high)
    assert 0.86 <= np.mean(covered) <= 1.0
