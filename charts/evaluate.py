"""Builders of the "Apakah berhasil?" page: texts, the two evaluation charts and the two tables.

Pure: an ``Evaluation`` (stunting.evaluate) or a frame in, strings / plotly figures / frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.style import BAND, LINE, base_layout
from stunting.config import MIN_CHILDREN
from stunting.evaluate import MIN_VILLAGES_PER_SIDE, Evaluation
from stunting.i18n import (
    CATALOGUE,
    fmt_month,
    fmt_month_short,
    fmt_number,
    fmt_percent,
    fmt_points,
    t,
    trend_provenance,
)

CONTROL = "#3b6fb6"  # blue, against the rate colour of the programme villages
CONTROL_BAND = "rgba(59, 111, 182, 0.18)"


def programme_label(name: str, lang: str) -> str:
    """The built-in programmes by their names in the catalogue; other programmes as imported."""
    key = f"programme.{name}"
    return t(key, lang) if key in CATALOGUE else name


def points(value: float, lang: str) -> str:
    """A difference of fractions as signed percentage points: -0.021 -> "-2,1"."""
    return fmt_points(value, lang)


def estimate_text(result: Evaluation, lang: str) -> str:
    return t("evaluate.estimate.value", lang, value=points(result.estimate, lang))


def interval_text(result: Evaluation, lang: str) -> str:
    return t("evaluate.interval", lang, low=points(result.ci_low, lang), high=points(result.ci_high, lang))


def odds_text(result: Evaluation, lang: str) -> str:
    return t(
        "evaluate.odds",
        lang,
        value=fmt_number(result.odds_ratio, lang, decimals=2),
        low=fmt_number(result.odds_ratio_low, lang, decimals=2),
        high=fmt_number(result.odds_ratio_high, lang, decimals=2),
    )


def villages_text(result: Evaluation, lang: str) -> str:
    return t(
        "evaluate.villages",
        lang,
        treated=fmt_number(result.villages_treated, lang),
        control=fmt_number(result.villages_control, lang),
        before=result.periods_before,
        after=result.periods_after,
    )


def verdict_text(result: Evaluation, lang: str) -> str:
    """The plain verdict: "tidak dapat disimpulkan" whenever the interval contains 0 or the pre-trends
    differ; otherwise the size of the difference, never called proof."""
    if result.verdict == "cannot_conclude":
        return t("evaluate.verdict.cannot_conclude", lang)
    magnitude = fmt_number(abs(result.estimate) * 100, lang, decimals=1)
    low, high = sorted((abs(result.ci_low) * 100, abs(result.ci_high) * 100))
    return t(
        f"evaluate.verdict.{result.verdict}",
        lang,
        value=magnitude,
        low=fmt_number(low, lang, decimals=1),
        high=fmt_number(high, lang, decimals=1),
    )


def warning_texts(result: Evaluation, lang: str) -> list[str]:
    """One sentence per warning code, in the order of the codes."""
    out = []
    for code in result.warnings:
        key = f"evaluate.warning.{code}"
        if code == "regression_to_the_mean":
            out.append(
                t(
                    key,
                    lang,
                    treated=fmt_percent(result.baseline_treated, lang),
                    control=fmt_percent(result.baseline_control, lang),
                )
            )
        elif code == "few_villages":
            out.append(t(key, lang, minimum=MIN_VILLAGES_PER_SIDE))
        elif code == "coverage_changed":
            change = (np.exp(result.coverage_effect) - 1) * 100
            out.append(t(key, lang, value=("+" if change > 0 else "") + fmt_number(change, lang, decimals=0)))
        else:
            out.append(t(key, lang))
    return out


def excluded_text(result: Evaluation, lang: str) -> str | None:
    if not result.excluded_village_periods:
        return None
    return t(
        "evaluate.excluded",
        lang,
        count=fmt_number(result.excluded_village_periods, lang),
        minimum=MIN_CHILDREN,
    )


def provenance_text(context: dict, lang: str, demo: bool) -> str:
    """First and last period, source, and the children of the last period (never a sum over periods)."""
    return trend_provenance(
        context["first_period"], context["last_period"], context["sources"], context["children_last_period"],
        context["last_period"], lang, demo,
    )  # fmt: skip


def groups_figure(result: Evaluation, lang: str, *, height: int = 330) -> go.Figure:
    """Mean village prevalence per period, with and without the programme, each with its 95% band; a
    dotted line at each cohort's first period."""
    figure = go.Figure()
    frame = result.groups
    periods = sorted(frame["period"].unique())
    labels = {p: fmt_month_short(p, lang) for p in periods}
    for group, colour, band in (("control", CONTROL, CONTROL_BAND), ("treated", LINE, BAND)):
        part = frame[frame["group"] == group].sort_values("period")
        x = [labels[p] for p in part["period"]]
        name = t(f"evaluate.group.{group}", lang)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=part["ci_high"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=group,
            )  # fmt: skip
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=part["ci_low"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=band,
                hoverinfo="skip",
                showlegend=False,
                legendgroup=group,
            )  # fmt: skip
        )
        hover = [
            f"{fmt_month(p, lang)}<br>{name}: {fmt_percent(m, lang)} "
            f"({fmt_percent(lo, lang)}–{fmt_percent(hi, lang)})<br>{t('unit.villages', lang, count=n)}"
            for p, m, lo, hi, n in zip(
                part["period"], part["mean"], part["ci_low"], part["ci_high"], part["villages"], strict=True
            )  # fmt: skip
        ]
        figure.add_trace(
            go.Scatter(
                x=x,
                y=part["mean"],
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 3},
                hovertext=hover,
                hoverinfo="text",
                legendgroup=group,
            )  # fmt: skip
        )
    for number, start in enumerate(sorted(result.cohorts)):
        first = next((p for p in periods if p >= start), None)
        if first is None:
            continue
        figure.add_vline(x=labels[first], line_dash="dot", line_color="#555")
        if number == 0:  # one label: with staggered starts the labels would overlap
            figure.add_annotation(x=labels[first], y=0.02, yref="paper", text=t("evaluate.chart.start", lang),
                                  showarrow=False, xanchor="left", yanchor="bottom")  # fmt: skip
    figure.update_layout(title={"text": t("evaluate.chart.groups", lang), "font": {"size": 15}})
    return base_layout(figure, lang, height)


def event_figure(result: Evaluation, lang: str, *, height: int = 300) -> go.Figure:
    """The event study: the difference per period relative to the start (the period before is 0 by
    construction), with 95% intervals; the pre-periods show whether the groups moved alike before.
    Relative periods that rest on fewer than MIN_VILLAGES_PER_SIDE treated villages (the edges of
    late or early cohorts) are left off the chart: one village's noise would look like a trend."""
    frame = result.event_study.sort_values("relative_period")
    frame = frame[(frame["villages"] >= MIN_VILLAGES_PER_SIDE) | (frame["relative_period"] == -1)]
    figure = go.Figure()
    estimate = frame["estimate"] * 100
    figure.add_trace(
        go.Scatter(
            x=frame["relative_period"],
            y=estimate,
            mode="markers",
            marker={"color": LINE, "size": 10},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (frame["ci_high"] * 100 - estimate),
                "arrayminus": (estimate - frame["ci_low"] * 100),
                "color": "#222",
            },  # fmt: skip
            hovertext=[
                f"{int(e)}: {points(v, lang)} ({points(lo, lang)} … {points(hi, lang)})"
                for e, v, lo, hi in zip(
                    frame["relative_period"],
                    frame["estimate"],
                    frame["ci_low"],
                    frame["ci_high"],
                    strict=True,
                )  # fmt: skip
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    figure.add_hline(y=0, line_color="#555")
    figure.add_vline(x=-0.5, line_dash="dot", line_color="#555")
    figure.update_layout(
        title={"text": t("evaluate.chart.events", lang), "font": {"size": 15}},
        xaxis_title=t("evaluate.chart.relative", lang),
        yaxis_title=t("evaluate.chart.points", lang),
    )
    base_layout(figure, lang, height)
    figure.update_yaxes(tickformat=".1f", rangemode="normal")
    figure.update_xaxes(dtick=1)
    return figure


def recovery_table(recovery: pd.DataFrame, window: int, lang: str, periods: int = 6) -> pd.DataFrame:
    """The last ``periods`` periods with followed children, per group: period, group, measured again,
    recovered share with its interval (or "too few children")."""
    part = recovery[(recovery["window"] == window) & (recovery["followed"] > 0)]
    keep = sorted(part["period"].unique())[-periods:]
    order = ["period", "group", "severe"] if "severe" in part else ["period", "group"]
    part = part[part["period"].isin(keep)].sort_values(order, ascending=False)
    groups = [t(f"evaluate.group.{g}", lang) for g in part["group"]]
    if "severe" in part:  # fostered against other children, within the same severity
        groups = [
            f"{name} · {t('evaluate.severity.' + ('severe' if severe else 'moderate'), lang)}"
            for name, severe in zip(groups, part["severe"], strict=True)
        ]

    def share(row) -> str:
        if row["suppressed"]:
            return t("rate.too_few", lang, minimum=MIN_CHILDREN)
        low, high = fmt_percent(row["ci_low"], lang), fmt_percent(row["ci_high"], lang)
        return t("rate.with_ci", lang, rate=fmt_percent(row["share"], lang), low=low, high=high)

    return pd.DataFrame(
        {
            t("evaluate.recovery.column.period", lang): [fmt_month(p, lang) for p in part["period"]],
            t("evaluate.recovery.column.group", lang): groups,
            t("evaluate.recovery.column.followed", lang): [fmt_number(n, lang) for n in part["followed"]],
            t("evaluate.recovery.column.share", lang): [share(row) for _, row in part.iterrows()],
        }
    )


def action_table(ranking: pd.DataFrame, lang: str, rows: int = 20) -> pd.DataFrame:
    """The first ``rows`` villages of stunting.smoothing.where_to_act, formatted."""
    top = ranking.head(rows)

    def rate(value) -> str:
        return t("rate.too_few", lang, minimum=MIN_CHILDREN) if pd.isna(value) else fmt_percent(value, lang)

    return pd.DataFrame(
        {
            t("evaluate.act.column.rank", lang): top["rank"].astype(int),
            t("evaluate.act.column.village", lang): top["name"],
            t("evaluate.act.column.cases", lang): [
                t("rate.too_few", lang, minimum=MIN_CHILDREN) if pd.isna(n) else fmt_number(int(n), lang)
                for n in top["cases"]
            ],
            t("evaluate.act.column.measured", lang): [fmt_number(n, lang) for n in top["measured"]],
            t("evaluate.act.column.rate", lang): [rate(v) for v in top["prevalence"]],
            t("evaluate.act.column.smoothed", lang): [rate(v) for v in top["smoothed"]],
            t("evaluate.act.column.cluster", lang): [t(f"cluster.{c}", lang) for c in top["cluster"]],
        }
    )
