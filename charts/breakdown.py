"""One area's rates by age group (and sex) for one period: grouped bars with 95% intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.style import LINE, SEX_COLOURS, base_layout
from stunting.config import MIN_CHILDREN
from stunting.i18n import fmt_children, fmt_percent, t
from stunting.indicators import SEXES


def _hover(row, lang: str) -> str:
    group = t("age_group.label", lang, group=row["age_group"])
    if row["shown"]:
        return (
            f"{group}<br>{fmt_percent(row['prevalence'], lang)} ({fmt_percent(row['ci_low'], lang)}–"
            f"{fmt_percent(row['ci_high'], lang)})<br>{fmt_children(row['measured'], lang)}"
        )
    why = t("rate.no_data", lang) if row["measured"] == 0 else t("rate.too_few", lang, minimum=MIN_CHILDREN)
    return f"{group}<br>{why}"


def breakdown_figure(breakdown: pd.DataFrame, lang: str, *, title: str, height: int = 320) -> go.Figure:
    """``breakdown``: the prevalence API's ``by="age_group_sex"`` frame (one bar colour per sex) or
    ``by="age_group"`` frame (one colour). A suppressed group gets no bar and no label (a bar of
    height 0 would read as 0%); its hover says why."""
    frame = breakdown.copy()
    frame["shown"] = ~frame["suppressed"].astype(bool) & frame["prevalence"].notna()
    series = (
        # Only the sexes present: a frame restricted to girls gets no empty "boys" legend entry.
        [(s, t(f"sex.{s}", lang), SEX_COLOURS[s]) for s in SEXES if (frame["sex"] == s).any()]
        if "sex" in frame
        else [(None, t("sidebar.sex.all", lang), LINE)]
    )
    figure = go.Figure()
    for sex, name, colour in series:
        rows = frame if sex is None else frame[frame["sex"] == sex]
        rate = rows["prevalence"].where(rows["shown"]).astype(float)
        figure.add_trace(
            go.Bar(
                x=rows["age_group"].tolist(),
                y=rate,
                name=name,
                marker_color=colour,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"].where(rows["shown"]) - rate).astype(float),
                    "arrayminus": (rate - rows["ci_low"].where(rows["shown"])).astype(float),
                    "thickness": 1.2,
                    "width": 4,
                },
                text=[
                    fmt_percent(r, lang, decimals=0) if ok else ""
                    for r, ok in zip(rate, rows["shown"], strict=True)
                ],
                textposition="inside",
                hovertext=[_hover(r, lang) for _, r in rows.iterrows()],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    base_layout(figure, lang, height)
    # The legend above the bars, right of the title: below them it sat on the age axis's title.
    figure.update_layout(
        barmode="group",
        title={"text": title, "font": {"size": 16}},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
    )
    figure.update_xaxes(type="category", title=t("chart.age", lang))
    top = np.nanmax(frame["ci_high"].where(frame["shown"]).astype(float)) if frame["shown"].any() else 0.1
    figure.update_yaxes(range=[0, min(1.0, float(top) * 1.1 + 0.01)])
    return figure
