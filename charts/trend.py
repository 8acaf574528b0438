"""A village's (or any area's) prevalence over all periods: a line with its 95% band."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.style import BAND, LINE, Y_AXIS, figure_of, layout_of
from stunting.config import MIN_CHILDREN
from stunting.i18n import fmt_children, fmt_month, fmt_month_short, fmt_percent, t


def trend_figure(
    trend: pd.DataFrame,
    lang: str,
    *,
    title: str,
    height: int = 320,
    markers: Sequence[tuple[str, str]] = (),
) -> go.Figure:
    """``trend``: the prevalence API's trend frame (period, measured, prevalence, ci_low, ci_high,
    suppressed). Suppressed periods and periods without data leave a gap: no point, no band.
    ``markers``: (first period, label) pairs, e.g. when each programme started in the village
    (stunting.programmes.village_starts), drawn as dotted lines at that period."""
    shown = ~trend["suppressed"].astype(bool) & trend["prevalence"].notna()
    labels = [fmt_month_short(p, lang) for p in trend["period"]]
    rate = trend["prevalence"].where(shown)
    low = trend["ci_low"].where(shown)
    high = trend["ci_high"].where(shown)

    def hover(period, rate_, low_, high_, children, ok) -> str:
        month = fmt_month(period, lang)
        if ok:
            interval = f"{fmt_percent(low_, lang)}–{fmt_percent(high_, lang)}"
            return f"{month}<br>{fmt_percent(rate_, lang)} ({interval})<br>{fmt_children(children, lang)}"
        why = t("rate.no_data", lang) if children == 0 else t("rate.too_few", lang, minimum=MIN_CHILDREN)
        return f"{month}<br>{why}"

    hovers = [
        hover(*row) for row in zip(trend["period"], rate, low, high, trend["measured"], shown, strict=True)
    ]
    # The traces and layout as plain data, checked whole by the tests rather than property by
    # property here (charts.style.figure_of).
    band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "connectgaps": False}
    data = [
        {"type": "scatter", "x": labels, "y": high.astype(float), "showlegend": False, **band},
        {"type": "scatter", "x": labels, "y": low.astype(float), "fill": "tonexty", "fillcolor": BAND,
         "name": t("panel.trend.band", lang), **band},
        {"type": "scatter", "x": labels, "y": rate.astype(float), "mode": "lines+markers",
         "line": {"color": LINE, "width": 3}, "marker": {"size": 8}, "name": title, "text": hovers,
         "hovertemplate": "%{text}<extra></extra>", "connectgaps": False},
    ]  # fmt: skip
    shapes, annotations = [], []
    periods = list(trend["period"])
    for period, label in markers:
        if period in periods:
            x = labels[periods.index(period)]
            shapes.append(
                {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                 "line": {"dash": "dot", "color": "#555"}}
            )  # fmt: skip
            annotations.append(
                {"x": x, "y": 1, "yref": "paper", "text": label, "showarrow": False, "textangle": -90,
                 "xanchor": "right", "yanchor": "top", "font": {"size": 11}}
            )  # fmt: skip
    if len(labels) > 6:
        # One tick per year, level: rotated month labels in a narrow panel were clipped at the left
        # edge ("Fe 2019") and crowded; the hover still names each month.
        years = pd.Series([str(p)[:4] for p in trend["period"]])
        first = ~years.duplicated()
        x_axis = {
            "type": "category",
            "tickmode": "array",
            "tickvals": [label for label, keep in zip(labels, first, strict=True) if keep],
            "ticktext": years[first].tolist(),
            "tickangle": 0,
        }
    else:
        x_axis = {"type": "category", "tickangle": 0}
    top = np.nanmax(high.astype(float)) if shown.any() else 0.1
    layout = layout_of(lang, height) | {
        "title": {"text": title, "font": {"size": 16}},
        "xaxis": x_axis,
        "yaxis": Y_AXIS | {"range": [0, min(1.0, float(top) * 1.1 + 0.01)]},
    }
    if shapes:
        layout |= {"shapes": shapes, "annotations": annotations}
    return figure_of(data, layout)
