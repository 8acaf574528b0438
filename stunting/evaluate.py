"""Did a programme help? Villages with the programme against villages without it, before and after.

The question the room asks ("did the villages with BAAS improve more than the others?") is answered by
a difference-in-differences on the village x period panel of prevalence, with what can go wrong said
out loud:

* **Estimate.** Wooldridge's (2021) extended two-way fixed effects: village and period fixed effects
  plus one dummy per adoption cohort x treated period, fitted by OLS (statsmodels) on village rates,
  with standard errors clustered by village (CR1, t with G - 1 degrees of freedom). The headline
  effect is the average of the cohort x period effects weighted by their treated village-periods.
  With one start year this is the textbook difference-in-differences; with villages starting in
  different years it never uses an already-treated village as a comparison (the bias of a plain
  two-way fixed effects regression under staggered adoption, Goodman-Bacon 2021), and it equals the
  imputation estimator of Borusyak, Jaravel and Spiess (2024).
* **Event study.** Sun and Abraham's (2021) interaction-weighted estimator: one dummy per cohort x
  period relative to the start, the period just before the start as reference, never-treated
  villages as the comparison; the per-cohort effects are averaged per relative period. The
  pre-periods show whether the two groups moved alike before the programme.
* **Warnings** (codes, the page turns them into sentences): ``regression_to_the_mean`` (the treated
  villages' baseline is higher: villages chosen because their rate was high tend to fall anyway),
  ``pre_trends_differ`` (the groups' linear trends before the start differ at 5%), ``few_villages``
  (fewer than ``MIN_VILLAGES_PER_SIDE`` on a side: clustered intervals are then too narrow),
  ``coverage_changed`` (the number of children measured moved differently between the groups, so
  the rates may describe different children).
* **Odds scale.** The same estimator on the villages' empirical log-odds, as an odds ratio with its
  interval: when villages with higher rates fall faster in percentage points anyway (a common
  logistic trend, as in the demo), parallel trends hold on the odds scale rather than on points,
  and the two disagree. Shown beside the headline, never instead of it.
* **Verdict.** ``cannot_conclude`` whenever the interval contains 0 or the pre-trends differ;
  otherwise ``lower`` or ``higher``. Never "it worked": the design cannot rule out everything else
  that happened in the programme villages at the same time.

Village-periods resting on fewer than ``MIN_CHILDREN`` children are left out of every regression
and every mean (their rate moves by 10 points with one child); the number left out is reported.
Rates are fractions 0-1; effects are differences of fractions (0.02 = 2 percentage points).

References:
    Wooldridge JM (2021). Two-way fixed effects, the two-way Mundlak regression, and
        difference-in-differences estimators. SSRN 3906345.
    Sun L, Abraham S (2021). Estimating dynamic treatment effects in event studies with heterogeneous
        treatment effects. Journal of Econometrics 225: 175-199.
    Goodman-Bacon A (2021). Difference-in-differences with variation in treatment timing. Journal of
        Econometrics 225: 254-277.
    Barnett AG, van der Pols JC, Dobson AJ (2005). Regression to the mean: what it is and how to deal
        with it. International Journal of Epidemiology 34: 215-220.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from stunting.config import MIN_CHILDREN
from stunting.errors import UserError

CONFIDENCE = 0.95
# Below this many villages on a side, cluster-robust intervals are too narrow (Cameron & Miller 2015
# report marked under-coverage with fewer than 10-20 clusters); the estimate is still shown, flagged.
MIN_VILLAGES_PER_SIDE = 10
# A pre-trend or baseline difference counts when a two-sided test rejects at this level.
WARNING_ALPHA = 0.05
# The number of children measured must move by more than this (relative, on the log scale) between
# the groups before we call coverage changed: a few percent is ordinary month-to-month attendance.
COVERAGE_CHANGE = math.log(1.10)

WARNINGS = ("regression_to_the_mean", "pre_trends_differ", "few_villages", "coverage_changed")
VERDICTS = ("cannot_conclude", "lower", "higher")

NEVER = 10**9  # first treated period index of a village that never had the programme


@dataclass
class Evaluation:
    """Everything the evaluation page, the CLI and the slides show about one programme."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    villages_treated: int
    villages_control: int
    periods_before: int
    periods_after: int
    warnings: list[str]
    verdict: str
    baseline_treated: float
    baseline_control: float
    baseline_p_value: float
    pre_trend_p_value: float
    coverage_effect: float
    odds_ratio: float  # the same estimator on empirical log-odds: a check of the scale
    odds_ratio_low: float
    odds_ratio_high: float
    excluded_village_periods: int
    cohorts: dict[str, int]  # first treated period -> villages
    groups: pd.DataFrame = field(repr=False)  # period, group, villages, mean, ci_low, ci_high
    event_study: pd.DataFrame = field(repr=False)  # relative_period, estimate, ci_low, ci_high

    def record(self) -> dict:
        """Plain JSON types; NaN becomes None."""
        out = {
            key: _number(getattr(self, key))
            for key in (
                "estimate",
                "ci_low",
                "ci_high",
                "p_value",
                "baseline_treated",
                "baseline_control",
                "baseline_p_value",
                "pre_trend_p_value",
                "coverage_effect",
                "odds_ratio",
                "odds_ratio_low",
                "odds_ratio_high",
            )
        }
        out |= {
            "villages_treated": self.villages_treated,
            "villages_control": self.villages_control,
            "periods_before": self.periods_before,
            "periods_after": self.periods_after,
            "excluded_village_periods": self.excluded_village_periods,
            "cohorts": dict(self.cohorts),
            "warnings": list(self.warnings),
            "verdict": self.verdict,
            "groups": [
                {k: _number(v) if isinstance(v, float) else v for k, v in row.items()}
                for row in self.groups.to_dict("records")
            ],
            "event_study": [
                {k: _number(v) if isinstance(v, float) else v for k, v in row.items()}
                for row in self.event_study.to_dict("records")
            ],
        }
        return out


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def difference_in_differences(
    panel: pd.DataFrame, first_treated: pd.Series, *, min_children: int = MIN_CHILDREN, details: bool = True
) -> Evaluation:
    """Evaluate a programme on a village x period panel.

    ``panel``: one row per village x period with ``village``, ``period`` (sortable text such as
    ``2022-02``), ``measured`` and ``cases``. ``first_treated``: village -> the first period in which
    it had the programme (a value of ``period``), missing for villages that never had it; villages of
    the panel absent from it never had it. Villages treated from the panel's first period (no
    pre-period) cannot be evaluated and are left out. ``details=False`` skips the event study and
    the group means (for simulations that need only the estimate and the warnings).
    """
    data = panel[["village", "period", "measured", "cases"]].copy()
    data["measured"] = data["measured"].astype("float64")
    data["cases"] = data["cases"].astype("float64")
    periods = sorted(data["period"].unique())
    if len(periods) < 2:
        raise UserError("The evaluation needs at least two periods of data (one before, one after).")
    index_of = {p: i for i, p in enumerate(periods)}
    data["t"] = data["period"].map(index_of).astype(np.int64)

    start = first_treated.dropna()
    start = start[start.index.isin(data["village"].unique())]
    # A start after the last period: the programme had not begun in the data, so the village is a
    # comparison village for now. A start between periods counts from the next period.
    start_index = pd.Series(np.searchsorted(periods, start.to_numpy(dtype=str)), index=start.index)
    start_index = start_index[start_index < len(periods)]
    no_pre = start_index[start_index == 0].index
    data = data[~data["village"].isin(no_pre)]
    start_index = start_index[start_index > 0]
    data["g"] = data["village"].map(start_index).fillna(NEVER).astype(np.int64)

    excluded = int((data["measured"] < min_children).sum())
    data = data[data["measured"] >= min_children].copy()
    data["rate"] = data["cases"] / data["measured"]

    treated_villages = sorted(data.loc[data["g"] != NEVER, "village"].unique())
    control_villages = sorted(data.loc[data["g"] == NEVER, "village"].unique())
    if not treated_villages:
        raise UserError("No village with the programme has data both before and after it started.")
    if not control_villages:
        raise UserError("Every village had the programme: there are no villages without it to compare with.")

    cohorts = data.loc[data["g"] != NEVER].groupby("g")["village"].nunique()
    arrays = _Panel(
        village=pd.factorize(data["village"])[0],
        t=data["t"].to_numpy(np.int64),
        g=data["g"].to_numpy(np.int64),
        rate=data["rate"].to_numpy(float),
        log_measured=np.log(data["measured"].to_numpy(float)),
    )
    main = _extended_twfe(arrays, arrays.rate)
    coverage = _extended_twfe(arrays, arrays.log_measured)
    # Empirical logits (Cox's +0.5): where villages with higher rates fall faster in points (a
    # common logistic trend), parallel trends hold on this scale and not on the points one.
    cases, measured = data["cases"].to_numpy(float), data["measured"].to_numpy(float)
    odds = _extended_twfe(arrays, np.log((cases + 0.5) / (measured - cases + 0.5)))
    pre_trend_p = _pre_trend(arrays)
    baseline = _baseline(arrays)
    events = _event_study(arrays) if details else pd.DataFrame()
    groups = _group_means(arrays, periods) if details else pd.DataFrame()

    first_start = int(arrays.g[arrays.g != NEVER].min())
    warnings = []
    if baseline["p_value"] < WARNING_ALPHA and baseline["treated"] > baseline["control"]:
        warnings.append("regression_to_the_mean")
    if not math.isnan(pre_trend_p) and pre_trend_p < WARNING_ALPHA:
        warnings.append("pre_trends_differ")
    if min(len(treated_villages), len(control_villages)) < MIN_VILLAGES_PER_SIDE:
        warnings.append("few_villages")
    if not (coverage["ci_low"] <= 0 <= coverage["ci_high"]) and abs(coverage["estimate"]) > COVERAGE_CHANGE:
        warnings.append("coverage_changed")

    if (main["ci_low"] <= 0 <= main["ci_high"]) or "pre_trends_differ" in warnings:
        verdict = "cannot_conclude"
    else:
        verdict = "lower" if main["estimate"] < 0 else "higher"

    return Evaluation(
        estimate=main["estimate"],
        ci_low=main["ci_low"],
        ci_high=main["ci_high"],
        p_value=main["p_value"],
        villages_treated=len(treated_villages),
        villages_control=len(control_villages),
        periods_before=first_start,
        periods_after=len(periods) - first_start,
        warnings=warnings,
        verdict=verdict,
        baseline_treated=baseline["treated"],
        baseline_control=baseline["control"],
        baseline_p_value=baseline["p_value"],
        pre_trend_p_value=pre_trend_p,
        coverage_effect=coverage["estimate"],
        odds_ratio=math.exp(odds["estimate"]),
        odds_ratio_low=math.exp(odds["ci_low"]),
        odds_ratio_high=math.exp(odds["ci_high"]),
        excluded_village_periods=excluded,
        cohorts={periods[int(g)]: int(n) for g, n in cohorts.items()},
        groups=groups,
        event_study=events,
    )


@dataclass
class _Panel:
    """The panel as arrays (one element per village-period kept): the regressions run on these."""

    village: np.ndarray  # 0..villages-1
    t: np.ndarray  # period index
    g: np.ndarray  # first treated period index, NEVER for comparison villages
    rate: np.ndarray
    log_measured: np.ndarray

    @property
    def treated(self) -> np.ndarray:
        return self.g != NEVER

    def subset(self, keep: np.ndarray) -> _Panel:
        village = pd.factorize(self.village[keep])[0]
        return _Panel(village, self.t[keep], self.g[keep], self.rate[keep], self.log_measured[keep])


def _within_village(matrix: np.ndarray, villages: np.ndarray) -> np.ndarray:
    """Each column minus its village mean: absorbs the village fixed effects (Frisch-Waugh-Lovell).

    Exact for the coefficients and residuals of the full dummy regression, and, because villages
    are nested in the village clusters, for their cluster-robust variance too (up to the
    degrees-of-freedom factor, which then does not count the absorbed village effects, as in
    Stata's ``reghdfe``). It keeps the design a few dozen columns wide instead of one per village.
    """
    sums = np.zeros((villages.max() + 1, matrix.shape[1]))
    np.add.at(sums, villages, matrix)
    counts = np.bincount(villages).astype(float)
    return matrix - (sums / counts[:, None])[villages]


def _fit(panel: _Panel, y: np.ndarray, effects: np.ndarray):
    """OLS of ``y`` on ``effects`` with village and period fixed effects, clustered by village."""
    import statsmodels.api as sm

    periods = np.unique(panel.t)
    period_dummies = (panel.t[:, None] == periods[None, 1:]).astype(float)
    design = _within_village(np.hstack([effects, period_dummies]), panel.village)
    outcome = _within_village(y.reshape(-1, 1), panel.village).ravel()
    return sm.OLS(outcome, design).fit(cov_type="cluster", cov_kwds={"groups": panel.village}, use_t=True)


def _cell_dummies(
    first: np.ndarray, second: np.ndarray, rows: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """One 0/1 column per distinct (first, second) pair among ``rows``; returns (dummies, pairs)."""
    pairs, inverse = np.unique(np.column_stack([first[rows], second[rows]]), axis=0, return_inverse=True)
    dummies = np.zeros((n, len(pairs)))
    dummies[rows, inverse.ravel()] = 1.0
    return dummies, pairs


def _combination(result, weights: np.ndarray) -> dict:
    """Estimate, CI, p-value of the linear combination ``weights`` of the first coefficients."""
    contrast = np.zeros((1, len(result.params)))
    contrast[0, : len(weights)] = weights
    test = result.t_test(contrast)
    low, high = test.conf_int(alpha=1 - CONFIDENCE)[0]
    return {
        "estimate": float(np.asarray(test.effect).ravel()[0]),
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(np.asarray(test.pvalue).ravel()[0]),
    }


def _extended_twfe(panel: _Panel, y: np.ndarray) -> dict:
    """Wooldridge's cohort x treated-period effects, averaged over the treated village-periods."""
    rows = np.flatnonzero(panel.treated & (panel.t >= panel.g))
    effects, _ = _cell_dummies(panel.g, panel.t, rows, len(y))
    result = _fit(panel, y, effects)
    counts = effects.sum(axis=0)
    return _combination(result, counts / counts.sum())


def _event_study(panel: _Panel) -> pd.DataFrame:
    """Sun-Abraham effects per period relative to the start (reference: the period just before),
    the per-cohort effects averaged with weights proportional to their treated villages.

    A cohort with no village-period just before its start (all below the minimum of children) has
    no reference period: its effects would be collinear with its villages' own, so it is left out
    of the event study (not of the estimate)."""
    relative = panel.t - panel.g
    referenced = np.unique(panel.g[panel.treated & (relative == -1)])
    keep = ~panel.treated | np.isin(panel.g, referenced)
    if not keep.all():
        panel = panel.subset(keep)
        relative = panel.t - panel.g
    rows = np.flatnonzero(panel.treated & (relative != -1))
    effects, pairs = _cell_dummies(relative, panel.g, rows, len(panel.rate))
    result = _fit(panel, panel.rate, effects)
    counts = effects.sum(axis=0)
    out = [{"relative_period": -1, "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0,
            "villages": int((panel.treated & (relative == -1)).sum())}]  # fmt: skip
    for e in np.unique(pairs[:, 0]):
        members = pairs[:, 0] == e
        weights = np.where(members, counts, 0.0)
        row = _combination(result, weights / weights.sum())
        out.append({"relative_period": int(e), **{k: row[k] for k in ("estimate", "ci_low", "ci_high")},
                    "villages": int(counts[members].sum())})  # fmt: skip
    return pd.DataFrame(out).sort_values("relative_period").reset_index(drop=True)


def _pre_trend(panel: _Panel) -> float:
    """p-value that treated and comparison villages had the same linear trend before the start.

    One restriction (the slope of a treated x period term, fitted on the periods before each
    village's start, comparison villages before the last start) rather than the joint Wald test of
    every pre-period effect: with few treated villages per cohort that joint cluster-robust test
    rejects far more often than its 5% (we measured about 15% on simulated panels without any
    pre-trend). NaN when no treated village has two pre-periods.
    """
    last_start = panel.g[panel.treated].max()
    keep = np.where(panel.treated, panel.t < panel.g, panel.t < last_start)
    before = panel.subset(keep)
    pre_periods = np.bincount(before.village[before.treated])
    if len(pre_periods) == 0 or pre_periods.max() < 2:
        return float("nan")
    slope = np.where(before.treated, before.t, 0).astype(float).reshape(-1, 1)
    result = _fit(before, before.rate, slope)
    return float(np.asarray(result.pvalues).ravel()[0])


def _baseline(panel: _Panel) -> dict:
    """Mean village rate before the first start, treated against comparison villages: Welch's
    t-test, one-sided (the question is only whether the treated villages were chosen higher)."""
    first = panel.g[panel.treated].min()
    before = panel.t < first
    sums = np.bincount(panel.village[before], weights=panel.rate[before], minlength=panel.village.max() + 1)
    counts = np.bincount(panel.village[before], minlength=panel.village.max() + 1)
    treated_village = np.zeros(len(counts), dtype=bool)
    treated_village[panel.village[panel.treated]] = True
    has = counts > 0
    means = np.divide(sums, counts, out=np.full(len(counts), np.nan), where=has)
    treated, control = means[has & treated_village], means[has & ~treated_village]
    if len(treated) < 2 or len(control) < 2:
        mean_treated = float(np.mean(treated)) if len(treated) else math.nan
        mean_control = float(np.mean(control)) if len(control) else math.nan
        return {"treated": mean_treated, "control": mean_control, "p_value": math.nan}
    test = scipy_stats.ttest_ind(treated, control, equal_var=False, alternative="greater")
    return {"treated": float(treated.mean()), "control": float(control.mean()), "p_value": float(test.pvalue)}


def _group_means(panel: _Panel, periods: list[str]) -> pd.DataFrame:
    """Mean village rate per period for villages ever / never treated, with a t 95% interval."""
    frame = pd.DataFrame(
        {
            "period": np.asarray(periods)[panel.t],
            "group": np.where(panel.treated, "treated", "control"),
            "rate": panel.rate,
        }  # fmt: skip
    )
    summary = frame.groupby(["period", "group"])["rate"].agg(["count", "mean", "std"]).reset_index()
    half = (
        scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(summary["count"] - 1, 1))
        * summary["std"]
        / np.sqrt(summary["count"])
    )
    summary["ci_low"] = np.where(summary["count"] > 1, summary["mean"] - half, np.nan)
    summary["ci_high"] = np.where(summary["count"] > 1, summary["mean"] + half, np.nan)
    summary = summary.rename(columns={"count": "villages"}).drop(columns="std")
    summary["villages"] = summary["villages"].astype(int)
    return summary.sort_values(["group", "period"]).reset_index(drop=True)


def evaluate_programme(
    programme: str,
    regency: str,
    *,
    start: int | None = None,
    indicator: str = "stunting",
    data_dir=None,
) -> tuple[Evaluation, dict]:
    """The evaluation of ``programme`` in ``regency`` on the stored measurements, and what it rests
    on (programme, regency, indicator, periods, sources, children counted) for the JSON and the page.

    ``start``: only the villages whose programme began in that year are the treated group (villages
    that began in other years are left out of both groups).
    """
    from stunting import gazetteer, prevalence, programmes

    if regency not in gazetteer.regencies():
        raise UserError(f"{regency!r} is not a regency code of the gazetteer (e.g. 64.02).")
    starts = programmes.first_start(programme, regency=regency, data_dir=data_dir)
    if starts.empty:
        raise UserError(f"No village of {regency} has the programme {programme!r} in the programme data.")
    left_out: list[str] = []
    if start is not None:
        keep = starts.dt.year == start
        if not keep.any():
            years = ", ".join(str(y) for y in sorted(starts.dt.year.unique()))
            raise UserError(
                f"No village of {regency} started {programme!r} in {start}; start years: {years}."
            )
        left_out = list(starts.index[~keep])
        starts = starts[keep]
    periods = prevalence.periods(data_dir)
    frames, sources = [], set()
    for period in periods:
        rates = prevalence.prevalence(indicator, period, "village", regency=regency, data_dir=data_dir)
        sources.update(s for s in rates["source"].dropna().unique())
        frames.append(rates[["code", "measured", "cases"]].assign(period=period))
    panel = pd.concat(frames, ignore_index=True).rename(columns={"code": "village"})
    panel = panel[(panel["measured"] > 0) & ~panel["village"].isin(left_out)]
    # A programme starting on day d counts from the first period (calendar month) on or after d.
    first_period = starts.dt.strftime("%Y-%m").where(
        starts.dt.day == 1, (starts + pd.offsets.MonthBegin()).dt.strftime("%Y-%m")
    )
    result = difference_in_differences(panel, first_period)
    context = {
        "programme": programme,
        "regency": regency,
        "indicator": indicator,
        "start": start,
        "first_period": periods[0] if periods else None,
        "last_period": periods[-1] if periods else None,
        # Children of one period, not a sum over periods (that would count each child many times).
        "children_last_period": int(panel.loc[panel["period"] == periods[-1], "measured"].sum()),
        "sources": sorted(sources),
    }
    return result, context
