"""The comparison page's charts: stunting.compare.Comparison in, plotly Figures (and CSV frames) out.

Side a is always blue circles and side b orange diamonds (Okabe-Ito colours, distinguishable with
every common colour-vision deficiency, and told apart by shape on a washed-out projector). A rate
resting on too few children is never drawn as a point, bar or 0%: it leaves a gap, and the hover
or a caption says why. Labels follow the language; numbers use its separators ("27,1%").
"""

from __future__ import annotations

import datetime as dt
import html
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.style import base_layout
from stunting.classes import who_classes
from stunting.compare import (
    MIN_CHILDREN_TO_COMPARE,
    NATIONAL_TARGET,
    NATIONAL_TARGET_YEAR,
    RAGA_PANTAS_YEAR,
    SMALL_MULTIPLE_INDICATORS,
    SMALL_NUMBERS,
    Comparison,
    Headline,
    Side,
    area,
)
from stunting.config import MIN_CHILDREN
from stunting.gazetteer import name_of
from stunting.i18n import (
    fmt_children,
    fmt_month,
    fmt_number,
    fmt_percent,
    fmt_points,
    period_date,
    source_text,
    t,
)
from stunting.publish import publish

SIDE_COLOURS = {"a": "#0072B2", "b": "#D55E00"}  # Okabe-Ito blue and vermillion
SIDE_BANDS = {"a": "rgba(0, 114, 178, 0.16)", "b": "rgba(213, 94, 0, 0.16)"}
SIDE_SYMBOLS = {"a": "circle", "b": "diamond"}
TOO_FEW_COLOUR = "#9e9e9e"  # the map's "too few children" grey
NO_DATA_COLOUR = "#ffffff"
TARGET_COLOUR = "#2e7d32"
# Survey fieldwork runs over several months of the year: the point sits mid-year.
SURVEY_MONTH = 7


def side_labels(headline: Headline, lang: str) -> dict[str, str]:
    """How the two sides are named on every chart: the area's name, plus the month when the two
    sides are in different periods (one area in two periods would otherwise have one name twice)."""
    labels = {}
    for side, info in (("a", headline.a), ("b", headline.b)):
        name = info.name.replace("Kabupaten ", "Kab. ")
        labels[side] = (
            name if headline.a.period == headline.b.period else f"{name} · {fmt_month(info.period, lang)}"
        )
    return labels


@lru_cache(maxsize=4096)
def area_option_label(code: str, lang: str) -> str:
    """How an area reads in the pickers, its level first: "Prov. Kalimantan Timur", "Kab. Kutai
    Kartanegara · Kalimantan Timur", "Kota Bontang · ...", "Kec. Muara Muntai · Kab. ...", "Desa
    Perian · Kec. Muara Muntai", "Kel. Bontang Kuala · Kec. Bontang Utara". Streamlit's select box
    searches these labels, so typing any part of a name (or "Kec.") finds the area."""
    where = area(code)
    if where.level == "province":
        return t("compare.area.province", lang, name=where.name)
    if where.level == "regency":
        return t("compare.area.regency", lang, name=_short(where.name), province=name_of(code[:2]))
    if where.level == "kecamatan":
        return t("compare.area.kecamatan", lang, name=where.name, regency=_short(name_of(code[:5])))
    kind = "kelurahan" if code[9] == "1" else "desa"  # 1xxx kelurahan, 2xxx desa (gazetteer.villages)
    return t(f"compare.area.{kind}", lang, name=where.name, kecamatan=name_of(code[:8]))


def _short(name: str) -> str:
    return name.replace("Kabupaten ", "Kab. ")


def side_caption(side: Side, lang: str) -> str:
    """A headline card's label: the area and its month."""
    return f"{_short(side.name)} · {fmt_month(side.period, lang)}"


def interval_text(side: Side, lang: str) -> str:
    """ "IK 95%: 22,0%–32,9%", or why a side has no rate."""
    if side.measured == 0:
        return t("rate.no_data", lang)
    if side.suppressed:
        return t("rate.too_few", lang, minimum=MIN_CHILDREN)
    return t("kpi.ci", lang, low=fmt_percent(side.ci_low, lang), high=fmt_percent(side.ci_high, lang))


# p-values below this are written "p < 0,001": more digits suggest a precision the data do not have.
SMALLEST_P_SHOWN = 0.001


def p_text(p_value: float, lang: str) -> str:
    if p_value < SMALLEST_P_SHOWN:
        return t("compare.p.small", lang, p=fmt_number(SMALLEST_P_SHOWN, lang, decimals=3))
    return t("compare.p", lang, p=fmt_number(p_value, lang, decimals=3))


def difference_text(headline: Headline, lang: str) -> str:
    """The difference's interval and p-value, and whether the interval excludes zero, in words."""
    interval = t(
        "compare.difference.ci",
        lang,
        low=fmt_points(headline.ci_low, lang),
        high=fmt_points(headline.ci_high, lang),
        p=p_text(headline.p_value, lang),
    )
    clear = headline.ci_low > 0 or headline.ci_high < 0
    return f"{interval}. {t('compare.difference.real' if clear else 'compare.difference.noise', lang)}"


def rate_value(side: Side, lang: str) -> str:
    """A headline card's number: "27,1%", or "–" when the side has no rate to show."""
    return fmt_percent(side.prevalence, lang) if not side.suppressed and side.measured > 0 else "–"


def side_detail(side: Side, lang: str) -> str:
    """Under a headline card: the interval (or why there is none) and the children it rests on."""
    return f"{interval_text(side, lang)} · {fmt_children(side.measured, lang)}"


def points_value(difference: float, lang: str) -> str:
    return t("unit.points", lang, value=fmt_points(difference, lang))


def not_possible_text(headline: Headline, lang: str) -> str:
    few = min((headline.a, headline.b), key=lambda side: side.measured)
    return t(
        "compare.not_possible",
        lang,
        area=few.name,
        children=fmt_children(few.measured, lang),
        minimum=fmt_number(MIN_CHILDREN_TO_COMPARE, lang),
    )


def standardised_text(headline: Headline, lang: str) -> str:
    if not headline.standardised_possible:
        return t("compare.standardised.not_possible", lang)
    return t(
        "compare.standardised",
        lang,
        a=fmt_percent(headline.standardised_a, lang),
        b=fmt_percent(headline.standardised_b, lang),
        difference=fmt_points(headline.standardised_difference, lang),
    )


def verdict_text(headline: Headline, lang: str) -> str:
    """The plain-language sentence for ``headline.verdict`` (set only when the stories differ)."""
    return t(
        headline.verdict,
        lang,
        crude=fmt_points(headline.crude_difference_by_strata, lang),
        standardised=fmt_points(headline.standardised_difference, lang),
    )


def png_config(chart: str) -> dict:
    """plotly's own modebar download: a PNG at twice the screen size, named after the chart."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"compare-{chart}"},
    }


def figure(comparison: Comparison, chart: str, labels: dict[str, str], lang: str, *, indicator_label: str):
    """The figure named ``chart`` (the names chart_data takes)."""
    if chart == "trend":
        return trend_figure(comparison, labels, lang, indicator_label=indicator_label)
    builders = {
        "small_multiples": small_multiples_figure,
        "distribution": distribution_figure,
        "classes": class_shares_figure,
        "ranking": ranking_figure,
        "change": change_figure,
        "age": age_profile_figure,
    }
    return builders[chart](comparison, labels, lang)


def maps_legend(indicator: str, lang: str) -> str:
    """One legend line above both maps (HTML): the classes' colours and ranges, "too few children" and
    "no data". Drawn outside the maps so that no legend box covers villages: a small area such as
    Kota Bontang fills its whole map, and two maps of one area (two periods) open framed alike."""
    from geo.choropleth import BORDER, NO_DATA_FILL, TOO_FEW_FILL, class_label

    scheme = who_classes(indicator)
    entries = [(colour, "solid", class_label(scheme, i, lang)) for i, colour in enumerate(scheme.colours)]
    entries.append((TOO_FEW_FILL, "solid", t("class.too_few", lang, minimum=MIN_CHILDREN)))
    entries.append((NO_DATA_FILL, "dashed", t("class.no_data", lang)))
    swatch = (
        '<span style="display:inline-block;width:13px;height:11px;margin-right:4px;vertical-align:-1px;'
        'background:{colour};border:1px {line} {border}"></span>'
    )
    items = "".join(
        f'<span style="white-space:nowrap;margin-right:12px">'
        f"{swatch.format(colour=colour, line=line, border=BORDER)}{html.escape(text)}</span> "
        for colour, line, text in entries
    )
    title = html.escape(t("compare.maps", lang))
    style = "font-size:13px;line-height:1.6"
    return f'<div class="peta-compare-legend" style="{style}"><b>{title}</b>: {items}</div>'


def class_chips(comparison: Comparison, side: str, lang: str) -> str:
    """ "12× 20% – < 30% (tinggi) · 3× Terlalu sedikit anak (< 10)": the side's villages per class."""
    from geo.choropleth import class_label

    scheme = who_classes(comparison.headline.indicator)
    parts = []
    for row in comparison.class_shares[comparison.class_shares["side"] == side].itertuples():
        if not row.villages:
            continue
        if row.state == "class":
            text = class_label(scheme, int(row.class_index), lang)
        elif row.state == "too_few":
            text = t("class.too_few", lang, minimum=MIN_CHILDREN)
        else:
            text = t("class.no_data", lang)
        parts.append(f"{row.villages}× {text}")
    return " · ".join(parts)


KM_PER_DEGREE = 111.32  # along a meridian, and along the equator (Kalimantan Timur lies on it)


def extent_km(shapes) -> float:
    """How far an area reaches, in km: the longer side of its bounding box (longitude degrees shrunk
    by the cosine of the latitude; exact enough for "±" on a caption)."""
    minx, miny, maxx, maxy = shapes.total_bounds
    width = (maxx - minx) * KM_PER_DEGREE * math.cos(math.radians((miny + maxy) / 2))
    return max(width, (maxy - miny) * KM_PER_DEGREE)


def scale_text(across: dict[str, float], side: str, lang: str) -> str:
    """Under one of two equally sized maps: its area's width, and for the smaller area how much larger
    its map draws it than the other's ("digambar ±9× lebih besar daripada peta A")."""
    km = across[side]
    text = t("compare.scale.width", lang, km=fmt_number(km, lang, decimals=0 if km >= 10 else 1))
    other = "b" if side == "a" else "a"
    factor = across[other] / km if km > 0 else 1.0
    if factor >= 1.5:
        shown = fmt_number(factor, lang, decimals=0 if factor >= 10 else 1)
        text += ", " + t("compare.scale.zoomed", lang, factor=shown, other=other.upper())
    return text


def trend_caption(comparison: Comparison, lang: str, demo: bool) -> str:
    """What the trend's lines and stars are, by their real sources: the demo's lines are "data contoh
    (sintetis)", never "e-PPGBM"; the stars name their surveys and years, never a file."""
    top = comparison.headline
    sources = {side.source for side in (top.a, top.b) if isinstance(side.source, str)}
    if demo or (sources and sources != {"measurements"}):
        lines = source_text(sources, lang, demo)
    else:
        lines = t("compare.trend.routine", lang)
    surveys = comparison.surveys
    named = sorted({(str(s), int(y)) for s, y in zip(surveys["survey"], surveys["year"], strict=True)})
    by_survey: dict[str, list[str]] = {}
    for survey, year in named:
        by_survey.setdefault(survey, []).append(str(year))
    listed = "; ".join(f"{survey} {', '.join(years)}" for survey, years in by_survey.items()) or "SSGI, SKI"
    return t("compare.trend.caption", lang, lines=lines, surveys=listed)


def tab_caption(comparison: Comparison, chart: str, lang: str, demo: bool = False) -> str | None:
    """The sentence under a chart that says what it leaves out, or None."""
    if chart == "trend":
        return trend_caption(comparison, lang, demo)
    if chart == "distribution":
        shares = comparison.class_shares
        return t(
            "compare.distribution.caption",
            lang,
            too_few=int(shares.loc[shares["state"] == "too_few", "villages"].sum()),
            no_data=int(shares.loc[shares["state"] == "no_data", "villages"].sum()),
            minimum=MIN_CHILDREN,
        )
    if chart == "change":
        change = comparison.change
        if change.empty or (change["baseline_period"] >= change["period"]).all():
            return t("compare.change.none", lang)
        first = change.groupby("side").first()
        months = {
            f"{key}_{side}": fmt_month(first.at[side, column], lang)
            for side in first.index
            for key, column in (("baseline", "baseline_period"), ("period", "period"))
        }
        return t("compare.change.caption", lang, minimum=MIN_CHILDREN_TO_COMPARE, **months)
    return None


def _shown(frame: pd.DataFrame) -> pd.Series:
    return ~frame["suppressed"].astype(bool) & frame["prevalence"].notna()


def _why_missing(measured: int, lang: str) -> str:
    return t("rate.no_data", lang) if measured == 0 else t("rate.too_few", lang, minimum=MIN_CHILDREN)


def _rate_hover(title: str, row, lang: str) -> str:
    if not (not row["suppressed"] and pd.notna(row["prevalence"])):
        return f"{title}<br>{_why_missing(int(row['measured']), lang)}"
    return (
        f"{title}<br>{fmt_percent(row['prevalence'], lang)} "
        f"({fmt_percent(row['ci_low'], lang)}–{fmt_percent(row['ci_high'], lang)})<br>"
        f"{fmt_children(int(row['measured']), lang)}"
    )


def _dates(periods: pd.Series) -> list[dt.date]:
    return [period_date(p) for p in periods]


def _month_ticks(figure: go.Figure, periods: list[str], lang: str, **where) -> None:
    # Month names from babel, not plotly (plotly.js would need its Indonesian locale bundle).
    step = max(1, len(periods) // 8)
    shown = periods[::step]
    figure.update_xaxes(
        tickvals=_dates(pd.Series(shown)),
        ticktext=[fmt_month(p, lang).replace(" ", "<br>", 1) for p in shown],
        **where,
    )


def _band_and_line(
    figure: go.Figure,
    trend: pd.DataFrame,
    side: str,
    name: str,
    lang: str,
    *,
    row=None,
    col=None,
    legend: bool = True,
    band: bool = True,
) -> None:
    where = {"row": row, "col": col} if row is not None else {}
    shown = _shown(trend)
    x = _dates(trend["period"])
    if band:
        figure.add_trace(
            go.Scatter(
                x=x,
                y=trend["ci_high"].where(shown).astype(float),
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=side,
            ),
            **where,
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=trend["ci_low"].where(shown).astype(float),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=SIDE_BANDS[side],
                hoverinfo="skip",
                showlegend=False,
                legendgroup=side,
            ),
            **where,
        )
    hover = [_rate_hover(f"{name} · {fmt_month(r['period'], lang)}", r, lang) for _, r in trend.iterrows()]
    figure.add_trace(
        go.Scatter(
            x=x,
            y=trend["prevalence"].where(shown).astype(float),
            mode="lines+markers",
            name=name,
            line={"color": SIDE_COLOURS[side], "width": 3},
            marker={"size": 8, "symbol": SIDE_SYMBOLS[side]},
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            legendgroup=side,
            showlegend=legend,
        ),
        **where,
    )


def trend_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, indicator_label: str, height: int = 380
) -> go.Figure:
    """Both sides over every period with 95% bands, Raga Pantas's start, the national target (for
    stunting) and the official survey estimates as separate points: routine e-PPGBM weighing usually
    finds far less stunting than the surveys, and the chart shows that gap rather than hiding it."""
    figure = go.Figure()
    trends = comparison.trends
    for side in ("a", "b"):
        _band_and_line(figure, trends[trends["side"] == side], side, labels[side], lang)
    surveys = comparison.surveys
    for side in ("a", "b"):
        points = surveys[surveys["side"] == side]
        if points.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=[dt.date(int(y), SURVEY_MONTH, 1) for y in points["year"]],
                y=points["prevalence"].astype(float),
                mode="markers",
                marker={
                    "size": 13,
                    "symbol": "star",
                    "color": SIDE_COLOURS[side],
                    "line": {"color": "#222", "width": 1},
                },
                customdata=[
                    f"{s} {y}: {fmt_percent(p, lang)}<br>{src[:90]}"
                    for s, y, p, src in zip(
                        points["survey"], points["year"], points["prevalence"], points["source"], strict=True
                    )
                ],
                hovertemplate="%{customdata}<extra></extra>",
                name=t("compare.trend.survey", lang, area=labels[side]),
            )
        )
        # Each star's name on a white label off the lines (plain text labels sat on them): above
        # for A, below for B, joined to the star by a short line.
        for survey, year, rate in zip(points["survey"], points["year"], points["prevalence"], strict=True):
            figure.add_annotation(
                x=dt.date(int(year), SURVEY_MONTH, 1),
                y=float(rate),
                text=f"{survey} {year}",
                showarrow=True,
                arrowwidth=1,
                arrowcolor="#666",
                ax=0,
                ay=-26 if side == "a" else 26,
                bgcolor="rgba(255,255,255,0.9)",
                bordercolor="#999",
                font={"size": 12, "color": "#222"},
            )
    periods = sorted(trends["period"].unique())
    figure.add_vline(
        x=dt.datetime(RAGA_PANTAS_YEAR, 1, 1).timestamp() * 1000, line_dash="dot", line_color="#555"
    )
    figure.add_annotation(
        x=dt.date(RAGA_PANTAS_YEAR, 1, 1),
        y=1.0,
        yref="paper",
        xanchor="left",
        showarrow=False,
        text=t("compare.trend.raga_pantas", lang, year=RAGA_PANTAS_YEAR),
        font={"size": 12, "color": "#333"},
    )
    if comparison.headline.indicator == "stunting":
        figure.add_hline(y=NATIONAL_TARGET, line_dash="dash", line_color=TARGET_COLOUR)
        figure.add_annotation(
            x=0.01,
            xref="paper",
            xanchor="left",
            y=NATIONAL_TARGET,
            yanchor="top",
            showarrow=False,
            text=t(
                "compare.trend.target",
                lang,
                rate=fmt_percent(NATIONAL_TARGET, lang, decimals=0),
                year=NATIONAL_TARGET_YEAR,
            ),
            font={"size": 12, "color": TARGET_COLOUR},
        )
    base_layout(figure, lang, height)
    figure.update_layout(
        title={"text": t("compare.trend.title", lang, indicator=indicator_label), "font": {"size": 16}}
    )
    _month_ticks(figure, periods, lang)
    tops = [trends["ci_high"].max(), surveys["prevalence"].max() if len(surveys) else 0.0, NATIONAL_TARGET]
    top = float(np.nanmax(np.asarray(tops, dtype="float64")))
    figure.update_yaxes(range=[0, min(1.0, top * 1.15 + 0.02)], title=t("chart.prevalence", lang))
    return figure


def small_multiples_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, height: int = 320
) -> go.Figure:
    """Stunting, wasting and underweight side by side, both areas in each panel, each on its own
    scale (wasting runs a few percent, stunting tens of percent)."""
    names = [t(f"indicator.{name}", lang) for name in SMALL_MULTIPLE_INDICATORS]
    figure = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.06)
    frame = comparison.small_multiples
    for index, name in enumerate(SMALL_MULTIPLE_INDICATORS, start=1):
        for side in ("a", "b"):
            trend = frame[(frame["indicator"] == name) & (frame["side"] == side)]
            _band_and_line(figure, trend, side, labels[side], lang, row=1, col=index, legend=index == 1)
        periods = sorted(frame.loc[frame["indicator"] == name, "period"].unique())
        _month_ticks(figure, periods[:: max(1, len(periods) // 3)], lang, row=1, col=index)
    base_layout(figure, lang, height)
    figure.update_yaxes(rangemode="tozero", tickformat=".0%")
    return figure


def _villages_with_rates(comparison: Comparison) -> pd.DataFrame:
    villages = comparison.villages
    return villages[_shown(villages)]


def distribution_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, height: int = 360
) -> go.Figure:
    """Each side's village prevalences as a box with every village as a point."""
    figure = go.Figure()
    villages = _villages_with_rates(comparison)
    for side in ("a", "b"):
        rows = villages[villages["side"] == side]
        hover = [
            _rate_hover(f"{n} ({k})", r, lang)
            for (_, r), n, k in zip(rows.iterrows(), rows["name"], rows["kecamatan"], strict=True)
        ]
        figure.add_trace(
            go.Box(
                y=rows["prevalence"].astype(float),
                name=labels[side],
                boxpoints="all",
                jitter=0.45,
                pointpos=0,
                marker={
                    "color": SIDE_COLOURS[side],
                    "symbol": SIDE_SYMBOLS[side],
                    "size": 7,
                    "opacity": 0.75,
                },
                line={"color": SIDE_COLOURS[side]},
                fillcolor="rgba(0,0,0,0)",
                text=hover,
                hoveron="points",
                hovertemplate="%{text}<extra></extra>",
            )
        )
    base_layout(figure, lang, height)
    figure.update_layout(
        showlegend=False, title={"text": t("compare.distribution.title", lang), "font": {"size": 16}}
    )
    figure.update_yaxes(title=t("chart.prevalence", lang))
    return figure


def class_shares_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, height: int = 260
) -> go.Figure:
    """Share of each side's villages per WHO class (the map's colours), plus too few and no data."""
    from geo.choropleth import class_label  # the map legend's own wording for each class

    scheme = who_classes(comparison.headline.indicator)
    shares = comparison.class_shares
    figure = go.Figure()
    y = [labels["b"], labels["a"]]
    bars = [(("class", i), scheme.colours[i], class_label(scheme, i, lang)) for i in range(len(scheme))]
    bars += [
        (("too_few", -1), TOO_FEW_COLOUR, t("class.too_few", lang, minimum=MIN_CHILDREN)),
        (("no_data", -1), NO_DATA_COLOUR, t("class.no_data", lang)),
    ]
    indexed = shares.set_index(["side", "state", "class_index"])
    for (state, index), colour, name in bars:
        values = [indexed.loc[(side, state, index)] for side in ("b", "a")]
        figure.add_trace(
            go.Bar(
                y=y,
                x=[v["share"] for v in values],
                orientation="h",
                name=name,
                marker={"color": colour, "line": {"color": "#555", "width": 0.8}},
                text=[str(int(v["villages"])) if v["villages"] else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
                customdata=[t("unit.villages", lang, count=int(v["villages"])) for v in values],
                hovertemplate=f"{name}<br>%{{customdata}} (%{{x:.0%}})<extra></extra>",
            )
        )
    base_layout(figure, lang, height)
    figure.update_layout(
        legend_traceorder="normal",
        barmode="stack",
        title={"text": t("compare.classes.title", lang), "font": {"size": 16}},
        legend={"orientation": "h", "y": -0.35},
    )
    figure.update_xaxes(tickformat=".0%", range=[0, 1])
    figure.update_yaxes(tickformat=None, rangemode="normal")
    return figure


def ranking_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, row_height: int = 26
) -> go.Figure:
    """Each side's villages with the highest prevalence, with 95% intervals; a hollow marker and an
    asterisk mark villages resting on fewer than SMALL_NUMBERS children. One panel per side, one
    above the other, on one shared prevalence axis (long village names need the width)."""
    ranking = comparison.ranking
    counts = [max(1, int((ranking["side"] == side).sum())) for side in ("a", "b")]
    figure = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=[labels["a"], labels["b"]],
        shared_xaxes=True,
        row_heights=counts,
        vertical_spacing=0.12,
    )
    height = 140 + row_height * sum(counts)
    for row, side in enumerate(("a", "b"), start=1):
        rows = ranking[ranking["side"] == side].iloc[::-1]  # rank 1 on top
        names = [
            f"{n} ({k})" + (" *" if small else "")
            for n, k, small in zip(rows["name"], rows["kecamatan"], rows["small_numbers"], strict=True)
        ]
        rate = rows["prevalence"].astype(float)
        hover = [_rate_hover(name, r, lang) for name, (_, r) in zip(names, rows.iterrows(), strict=True)]
        figure.add_trace(
            go.Scatter(
                x=rate,
                y=names,
                mode="markers",
                showlegend=False,
                marker={
                    "size": 10,
                    "color": SIDE_COLOURS[side],
                    "symbol": [SIDE_SYMBOLS[side] + ("-open" if s else "") for s in rows["small_numbers"]],
                    "line": {"width": 2, "color": SIDE_COLOURS[side]},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"] - rate).astype(float),
                    "arrayminus": (rate - rows["ci_low"]).astype(float),
                    "color": SIDE_COLOURS[side],
                },
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    base_layout(figure, lang, height)
    figure.update_layout(
        title={"text": t("compare.ranking.title", lang), "font": {"size": 16}}, margin={"t": 60}
    )
    figure.update_xaxes(tickformat=".0%", rangemode="tozero", showticklabels=True)
    figure.update_yaxes(tickformat=None, rangemode="normal", type="category")
    figure.add_annotation(
        x=0,
        xref="paper",
        y=-0.08,
        yref="paper",
        yanchor="top",
        showarrow=False,
        xanchor="left",
        text=t("compare.ranking.small", lang, minimum=SMALL_NUMBERS),
        font={"size": 12},
    )
    return figure


def change_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, height: int = 380
) -> go.Figure:
    """Per village, the change since the baseline month in percentage points with its 95% interval,
    sorted; villages with fewer than MIN_CHILDREN_TO_COMPARE children in either month are left out."""
    change = comparison.change[comparison.change["possible"]]
    figure = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04, subplot_titles=[labels["a"], labels["b"]]
    )
    for col, side in enumerate(("a", "b"), start=1):
        rows = change[change["side"] == side].sort_values("change")
        hover = [
            f"{n} ({k})<br>{fmt_month(b, lang)}: {fmt_percent(pb, lang)} → {fmt_month(p, lang)}: "
            f"{fmt_percent(pn, lang)}<br>{t('unit.points', lang, value=fmt_points(c, lang))} "
            f"({fmt_points(lo, lang)} … {fmt_points(hi, lang)})"
            for n, k, b, pb, p, pn, c, lo, hi in zip(
                rows["name"],
                rows["kecamatan"],
                rows["baseline_period"],
                rows["prevalence_baseline"],
                rows["period"],
                rows["prevalence"],
                rows["change"],
                rows["ci_low"],
                rows["ci_high"],
                strict=True,
            )
        ]
        figure.add_trace(
            go.Scatter(
                x=list(range(1, len(rows) + 1)),
                y=rows["change"].astype(float),
                mode="markers",
                showlegend=False,
                marker={"size": 6, "color": SIDE_COLOURS[side], "symbol": SIDE_SYMBOLS[side]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"] - rows["change"]).astype(float),
                    "arrayminus": (rows["change"] - rows["ci_low"]).astype(float),
                    "thickness": 1,
                    "width": 0,
                    "color": SIDE_COLOURS[side],
                },
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            ),
            row=1,
            col=col,
        )
    base_layout(figure, lang, height)
    figure.add_hline(y=0, line_color="#333", line_width=1)
    figure.update_layout(
        title={"text": t("compare.change.title", lang), "font": {"size": 16}}, margin={"t": 70}
    )
    figure.update_yaxes(
        tickformat="+.0%", rangemode="normal", title=t("compare.change.axis", lang), row=1, col=1
    )
    figure.update_yaxes(tickformat="+.0%", rangemode="normal", row=1, col=2)
    figure.update_xaxes(showticklabels=False, title=t("compare.change.order", lang))
    return figure


def age_profile_figure(
    comparison: Comparison, labels: dict[str, str], lang: str, *, height: int = 340
) -> go.Figure:
    """Prevalence by age group, both sides on one chart, with 95% intervals; no bar where too few."""
    figure = go.Figure()
    profile = comparison.age_profile
    for side in ("a", "b"):
        rows = profile[profile["side"] == side]
        shown = _shown(rows)
        rate = rows["prevalence"].where(shown).astype(float)
        hover = [
            _rate_hover(f"{labels[side]} · {t('age_group.label', lang, group=g)}", r, lang)
            for g, (_, r) in zip(rows["age_group"], rows.iterrows(), strict=True)
        ]
        figure.add_trace(
            go.Bar(
                x=rows["age_group"].tolist(),
                y=rate,
                name=labels[side],
                marker={"color": SIDE_COLOURS[side], "pattern": {"shape": "" if side == "a" else "/"}},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"].where(shown) - rate).astype(float),
                    "arrayminus": (rate - rows["ci_low"].where(shown)).astype(float),
                    "thickness": 1.2,
                    "width": 4,
                },
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    base_layout(figure, lang, height)
    figure.update_layout(barmode="group", title={"text": t("compare.age.title", lang), "font": {"size": 16}})
    figure.update_xaxes(type="category", title=t("chart.age", lang))
    return figure


# --- the data behind each chart, for "Download CSV" ------------------------------------------------

_RATE_COLUMNS = {
    "prevalence_pct": "table.prevalence",
    "ci_low_pct": "table.ci_low",
    "ci_high_pct": "table.ci_high",
}


def _percent(values: pd.Series) -> pd.Series:
    return (values.astype(float) * 100).round(1)


def chart_data(
    comparison: Comparison, chart: str, labels: dict[str, str], lang: str, *, demo: bool = False
) -> pd.DataFrame:
    """The rows behind ``chart`` with the language's headers, published (stunting.publish): rates as
    percentages with one decimal, as on screen, and a suppressed rate's case count blank too (cases /
    children would give it back); the period and source of every row."""
    side_column = t("compare.table.side", lang)
    if chart == "trend":
        frame = comparison.trends
        keys = {"period": "table.period"}
    elif chart == "small_multiples":
        frame = comparison.small_multiples.assign(
            indicator=lambda f: [t(f"indicator.{i}", lang) for i in f["indicator"]]
        )
        keys = {"indicator": "sidebar.indicator", "period": "table.period"}
    elif chart in ("distribution", "classes"):
        frame = comparison.villages
        keys = {"code": "table.code", "name": "table.name", "kecamatan": "table.kecamatan"}
    elif chart == "ranking":
        frame = comparison.ranking
        keys = {
            "rank": "compare.table.rank",
            "code": "table.code",
            "name": "table.name",
            "kecamatan": "table.kecamatan",
        }
    elif chart == "age":
        frame = comparison.age_profile
        keys = {"age_group": "table.group"}
    elif chart == "change":
        return _change_data(comparison, labels, lang)
    else:
        raise ValueError(f"no chart named {chart!r}")
    published = publish(frame)
    out = pd.DataFrame({side_column: frame["side"].map(labels).to_numpy()})
    if "period" not in keys:  # a trend's rows have their own periods
        periods = {"a": comparison.headline.a.period, "b": comparison.headline.b.period}
        out[t("table.period", lang)] = frame["side"].map(periods).to_numpy()
    for column, key in keys.items():
        out[t(key, lang)] = frame[column].to_numpy()
    out[t("table.measured", lang)] = published["measured"].to_numpy()
    out[t("table.cases", lang)] = published["cases"].array
    for column, key in _RATE_COLUMNS.items():
        out[t(key, lang)] = published[column].to_numpy()
    if chart == "ranking":
        out[t("compare.table.small", lang)] = frame["small_numbers"].to_numpy()
    else:
        out[t("table.suppressed", lang)] = published["suppressed"].to_numpy()
    if "source" in published.columns:
        out[t("table.source", lang)] = [source_text([s], lang, demo) for s in published["source"]]
    if chart == "classes":
        scheme = who_classes(comparison.headline.indicator)
        from geo.choropleth import class_label

        out[t("table.class", lang)] = [
            class_label(scheme, int(i), lang) if i >= 0 else "" for i in frame["class_index"]
        ]
    return out


def _change_data(comparison: Comparison, labels: dict[str, str], lang: str) -> pd.DataFrame:
    frame = comparison.change
    return pd.DataFrame(
        {
            t("compare.table.side", lang): frame["side"].map(labels).to_numpy(),
            t("table.code", lang): frame["code"].to_numpy(),
            t("table.name", lang): frame["name"].to_numpy(),
            t("table.kecamatan", lang): frame["kecamatan"].to_numpy(),
            t("compare.table.baseline", lang): frame["baseline_period"].to_numpy(),
            t("compare.table.measured_baseline", lang): frame["measured_baseline"].to_numpy(),
            t("compare.table.prevalence_baseline", lang): _percent(frame["prevalence_baseline"]).to_numpy(),
            t("table.period", lang): frame["period"].to_numpy(),
            t("table.measured", lang): frame["measured"].to_numpy(),
            t("table.prevalence", lang): _percent(frame["prevalence"]).to_numpy(),
            t("compare.table.change", lang): _percent(frame["change"]).to_numpy(),
            t("compare.table.change_ci_low", lang): _percent(frame["ci_low"]).to_numpy(),
            t("compare.table.change_ci_high", lang): _percent(frame["ci_high"]).to_numpy(),
            t("compare.table.possible", lang, minimum=MIN_CHILDREN_TO_COMPARE): frame["possible"].to_numpy(),
        }
    )
