"""The comparison page's charts as static matplotlib images: headline, trend, ranking, age profile.

Same colours, markers, words and rules as charts/compare.py (the plotly originals): side a blue
circles, side b vermillion diamonds; a rate resting on too few children is a gap, never a 0%.
"""

from __future__ import annotations

import datetime as dt
import math

import matplotlib

matplotlib.use("Agg")  # no display on a server or in CI; must precede pyplot
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from charts.compare import SIDE_COLOURS, SURVEY_MONTH, TARGET_COLOUR, side_labels, trend_caption  # noqa: E402
from stunting.compare import (
    MIN_CHILDREN_TO_COMPARE,
    NATIONAL_TARGET,
    NATIONAL_TARGET_YEAR,
    RAGA_PANTAS_YEAR,
    SMALL_NUMBERS,
    Comparison,
    overlap_note,
)  # noqa: E402
from stunting.config import MIN_CHILDREN  # noqa: E402
from stunting.i18n import fmt_children, fmt_number, fmt_percent, fmt_points, period_date, t  # noqa: E402

SIDE_MARKERS = {"a": "o", "b": "D"}  # plotly's circle and diamond
SIDE_HATCH = {"a": "", "b": "//"}
BAND_ALPHA = 0.16
# p-values below this are written "p < 0,001": more digits claim a precision the data do not have.
SMALLEST_P = 0.001
# The headline's legend sits in the top right corner of its axes: the tallest bar (or interval) ends
# below the legend's two rows rather than under them.
HEADLINE_HEADROOM = 1.35


def _percent_axis(ax, lang: str, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _pos: fmt_percent(value, lang, decimals=0))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _shown(frame: pd.DataFrame) -> pd.Series:
    return ~frame["suppressed"].astype(bool) & frame["prevalence"].notna()


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=12)


def _p_text(p: float, lang: str) -> str:
    if p < SMALLEST_P:
        return t("compare.p.small", lang, p=fmt_number(SMALLEST_P, lang, decimals=3))
    return t("compare.p", lang, p=fmt_number(p, lang, decimals=3))


def draw_headline(fig: Figure, comparison: Comparison, lang: str, indicator_label: str) -> None:
    """Crude and standardised prevalence of both sides, crude with 95% intervals, and the differences."""
    head = comparison.headline
    labels = side_labels(head, lang)
    ax = fig.add_axes((0.07, 0.3, 0.9, 0.63))
    _style(ax)
    groups = [t("story.headline.crude", lang), t("story.headline.standardised", lang)]
    width = 0.36
    for offset, (side, info) in zip((-width / 2, width / 2), (("a", head.a), ("b", head.b)), strict=True):
        crude = info.prevalence if not info.suppressed else math.nan
        standard = head.standardised_a if side == "a" else head.standardised_b
        values = np.array([crude, standard], dtype="float64")
        x = np.arange(2) + offset
        ok = ~np.isnan(values)  # a rate that cannot be shown leaves a gap, never a 0% bar
        ax.bar(
            x[ok],
            values[ok],
            width,
            color=SIDE_COLOURS[side],
            hatch=SIDE_HATCH[side],
            edgecolor="white",
            label=labels[side],
        )
        if not math.isnan(crude):
            ax.errorbar(
                [x[0]],
                [crude],
                yerr=[[crude - info.ci_low], [info.ci_high - crude]],
                fmt="none",
                ecolor="#111",
                capsize=6,
                linewidth=1.6,
            )
        for xi, value in zip(x, values, strict=True):
            if not math.isnan(value):
                ax.text(
                    xi,
                    value / 2,
                    fmt_percent(value, lang),
                    ha="center",
                    va="center",
                    fontsize=15,
                    fontweight="bold",
                    color="white",
                )
    ax.set_xticks(np.arange(2), groups, fontsize=14)
    _percent_axis(ax, lang)
    ax.set_ylabel(t("chart.prevalence", lang), fontsize=13)
    top = np.nanmax([head.a.ci_high, head.b.ci_high, head.standardised_a, head.standardised_b, 0.05])
    ax.set_ylim(0, float(top) * HEADLINE_HEADROOM)
    ax.legend(fontsize=13, loc="upper right", frameon=False)
    ax.set_title(t("story.headline.title", lang, indicator=indicator_label), fontsize=16, loc="left")
    lines = []
    if head.possible:
        lines.append(
            t("story.headline.difference", lang, value=fmt_points(head.difference, lang))
            + " · "
            + t(
                "compare.difference.ci",
                lang,
                low=fmt_points(head.ci_low, lang),
                high=fmt_points(head.ci_high, lang),
                p=_p_text(head.p_value, lang),
            )
        )
        lines.append(
            t(
                "compare.difference.real"
                if head.ci_low > 0 or head.ci_high < 0
                else "compare.difference.noise",
                lang,
            )
        )
    else:
        small = head.a if head.a.measured < head.b.measured else head.b
        lines.append(
            t(
                "compare.not_possible",
                lang,
                area=small.name,
                children=fmt_children(small.measured, lang),
                minimum=MIN_CHILDREN_TO_COMPARE,
            )
        )
    if head.standardised_possible:
        lines.append(
            t(
                "compare.standardised",
                lang,
                a=fmt_percent(head.standardised_a, lang),
                b=fmt_percent(head.standardised_b, lang),
                difference=fmt_points(head.standardised_difference, lang),
            )
        )
    elif head.possible:
        lines.append(t("compare.standardised.not_possible", lang))
    if note := overlap_note(head, lang):  # one area in two periods, or an area inside the other
        lines.append(_wrap(note, 150))
    lines.append(t("story.ci_bars", lang))
    fig.text(0.07, 0.02, "\n".join(lines), fontsize=12, va="bottom", ha="left", color="#222")


def _dates(periods) -> list[dt.date]:
    return [period_date(p) for p in periods]


def draw_trend(
    fig: Figure, comparison: Comparison, lang: str, indicator_label: str, demo: bool = False
) -> None:
    """Both sides over every period with 95% bands, survey points, Raga Pantas and the 14% target."""
    head = comparison.headline
    labels = side_labels(head, lang)
    ax = fig.add_axes((0.07, 0.2, 0.9, 0.72))
    _style(ax)
    trends = comparison.trends
    tops = [NATIONAL_TARGET]
    for side in ("a", "b"):
        rows = trends[trends["side"] == side].sort_values("period")
        shown = _shown(rows)
        x = _dates(rows["period"])
        rate = rows["prevalence"].where(shown).astype(float).to_numpy()
        low = rows["ci_low"].where(shown).astype(float).to_numpy()
        high = rows["ci_high"].where(shown).astype(float).to_numpy()
        ax.fill_between(x, low, high, color=SIDE_COLOURS[side], alpha=BAND_ALPHA, linewidth=0)
        ax.plot(
            x,
            rate,
            color=SIDE_COLOURS[side],
            linewidth=3,
            marker=SIDE_MARKERS[side],
            markersize=7,
            label=labels[side],
        )
        tops.append(np.nanmax(np.append(high, 0.0)))
    surveys = comparison.surveys
    for side in ("a", "b"):
        points = surveys[surveys["side"] == side]
        if points.empty:
            continue
        x = [dt.date(int(y), SURVEY_MONTH, 1) for y in points["year"]]
        y = points["prevalence"].astype(float).to_numpy()
        ax.scatter(
            x,
            y,
            marker="*",
            s=260,
            color=SIDE_COLOURS[side],
            edgecolor="#222",
            linewidth=0.8,
            zorder=5,
            label=t("compare.trend.survey", lang, area=labels[side]),
        )
        for xi, yi, survey, year in zip(x, y, points["survey"], points["year"], strict=True):
            # Side a's labels above its stars and side b's below: both surveys often share a year.
            ax.annotate(
                f"{survey} {year}",
                (xi, yi),
                textcoords="offset points",
                xytext=(0, 10 if side == "a" else -20),
                ha="center",
                fontsize=10,
            )
        tops.append(float(np.nanmax(y)))
    ax.axvline(dt.date(RAGA_PANTAS_YEAR, 1, 1), color="#555", linestyle=":", linewidth=1.4)
    ax.text(
        dt.date(RAGA_PANTAS_YEAR, 1, 15),
        0.99,
        t("compare.trend.raga_pantas", lang, year=RAGA_PANTAS_YEAR),
        transform=ax.get_xaxis_transform(),
        fontsize=11,
        va="top",
        color="#333",
    )
    if head.indicator == "stunting":
        # Named in the legend, not written along the line: a series approaching the target would run
        # through a label placed on it.
        ax.axhline(
            NATIONAL_TARGET,
            color=TARGET_COLOUR,
            linestyle="--",
            linewidth=1.6,
            label=t(
                "compare.trend.target",
                lang,
                rate=fmt_percent(NATIONAL_TARGET, lang, decimals=0),
                year=NATIONAL_TARGET_YEAR,
            ),
        )
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    _percent_axis(ax, lang)
    ax.set_ylim(0, min(1.0, float(np.nanmax(tops)) * 1.18 + 0.02))
    ax.set_ylabel(t("chart.prevalence", lang), fontsize=13)
    ax.set_title(t("compare.trend.title", lang, indicator=indicator_label), fontsize=16, loc="left")
    handles, names = ax.get_legend_handles_labels()
    # Lines and the target in the first column, survey stars in the second.
    order = sorted(range(len(handles)), key=lambda i: isinstance(handles[i], PathCollection))
    ax.legend(
        [handles[i] for i in order],
        [names[i] for i in order],
        fontsize=11,
        loc="lower left",
        frameon=True,
        framealpha=0.9,
        ncols=2,
    )
    fig.text(
        0.07, 0.02, _wrap(trend_caption(comparison, lang, demo), 150), fontsize=10, va="bottom", color="#333"
    )


def draw_ranking(fig: Figure, comparison: Comparison, lang: str, indicator_label: str) -> None:
    """Each side's highest-prevalence villages, 95% intervals; hollow marker and * for small numbers."""
    labels = side_labels(comparison.headline, lang)
    ranking = comparison.ranking
    top = float(np.nanmax(np.append(ranking["ci_high"].astype(float).to_numpy(), 0.1)))
    for index, side in enumerate(("a", "b")):
        ax = fig.add_axes((0.27 + index * 0.5, 0.12, 0.21, 0.74))  # room on the left for village names
        _style(ax)
        ax.grid(axis="x", color="#dddddd", linewidth=0.8)
        ax.grid(axis="y", visible=False)
        rows = ranking[ranking["side"] == side].iloc[::-1]
        y = np.arange(len(rows))
        names = [
            f"{n} ({k})" + (" *" if small else "")
            for n, k, small in zip(rows["name"], rows["kecamatan"], rows["small_numbers"], strict=True)
        ]
        rate = rows["prevalence"].astype(float).to_numpy()
        ax.errorbar(
            rate,
            y,
            xerr=[rate - rows["ci_low"].astype(float), rows["ci_high"].astype(float) - rate],
            fmt="none",
            ecolor=SIDE_COLOURS[side],
            elinewidth=2,
            capsize=3,
        )
        small = rows["small_numbers"].astype(bool).to_numpy()
        ax.scatter(
            rate[~small], y[~small], marker=SIDE_MARKERS[side], s=70, color=SIDE_COLOURS[side], zorder=3
        )
        ax.scatter(
            rate[small],
            y[small],
            marker=SIDE_MARKERS[side],
            s=70,
            facecolor="white",
            edgecolor=SIDE_COLOURS[side],
            linewidth=2,
            zorder=3,
        )
        ax.set_yticks(y, names, fontsize=11)
        ax.set_xlim(0, top * 1.05)
        _percent_axis(ax, lang, axis="x")
        ax.set_title(labels[side], fontsize=14, color=SIDE_COLOURS[side], fontweight="bold")
    fig.text(0.02, 0.97, t("compare.ranking.title", lang) + f" · {indicator_label}", fontsize=16, va="top")
    fig.text(0.02, 0.02, t("compare.ranking.small", lang, minimum=SMALL_NUMBERS), fontsize=11, va="bottom")


def draw_age_profile(fig: Figure, comparison: Comparison, lang: str, indicator_label: str) -> None:
    """Prevalence by age group, both sides, 95% intervals; no bar where too few children."""
    labels = side_labels(comparison.headline, lang)
    ax = fig.add_axes((0.07, 0.16, 0.9, 0.76))
    _style(ax)
    profile = comparison.age_profile
    groups = list(dict.fromkeys(profile["age_group"]))
    width = 0.38
    top = 0.05
    for offset, side in zip((-width / 2, width / 2), ("a", "b"), strict=True):
        rows = profile[profile["side"] == side].set_index("age_group").reindex(groups)
        shown = _shown(rows.reset_index())
        shown.index = rows.index
        rate = rows["prevalence"].where(shown).astype(float).to_numpy()
        x = np.arange(len(groups)) + offset
        ax.bar(
            x[~np.isnan(rate)],
            rate[~np.isnan(rate)],
            width,
            color=SIDE_COLOURS[side],
            hatch=SIDE_HATCH[side],
            edgecolor="white",
            label=labels[side],
        )
        low = rows["ci_low"].where(shown).astype(float).to_numpy()
        high = rows["ci_high"].where(shown).astype(float).to_numpy()
        ok = ~np.isnan(rate)
        ax.errorbar(
            x[ok],
            rate[ok],
            yerr=[rate[ok] - low[ok], high[ok] - rate[ok]],
            fmt="none",
            ecolor="#111",
            capsize=4,
            linewidth=1.2,
        )
        top = max(top, float(np.nanmax(np.append(high, 0.0))))
    ax.set_xticks(np.arange(len(groups)), groups, fontsize=13)
    ax.set_xlabel(t("chart.age", lang), fontsize=13)
    _percent_axis(ax, lang)
    ax.set_ylim(0, top * 1.12)
    ax.set_ylabel(t("chart.prevalence", lang), fontsize=13)
    ax.set_title(t("compare.age.title", lang) + f" · {indicator_label}", fontsize=16, loc="left")
    ax.legend(fontsize=13, loc="upper left", frameon=False)
    fig.text(
        0.07,
        0.01,
        t("story.ci_bars", lang) + " · " + t("chart.too_few", lang, minimum=MIN_CHILDREN),
        fontsize=11,
        va="bottom",
        color="#333",
    )


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


DRAWERS = {
    "headline": draw_headline,
    "trend": draw_trend,
    "ranking": draw_ranking,
    "age_profile": draw_age_profile,
}
