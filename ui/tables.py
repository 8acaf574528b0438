"""Tables and summary figures the map page shows and offers as CSV: aggregates only, pure pandas.

Every row goes through stunting.publish first: a suppressed area's case count is blank along with
its rate, rates are the published percentages with one decimal (the way the page shows them), and
each table says the period and the source of its numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from geo.choropleth import STATE_NO_DATA, STATE_RATE, STATE_TOO_FEW, class_label
from stunting.classes import ClassScheme
from stunting.config import MIN_CHILDREN
from stunting.i18n import fmt_children, fmt_month, fmt_number, fmt_percent, fmt_points, source_text, t
from stunting.indicators import AGE_FILTERS, AGE_GROUPS
from stunting.publish import STATE_NO_DATA as PUBLISHED_NO_DATA
from stunting.publish import STATE_RATE as PUBLISHED_RATE
from stunting.publish import publish


def rate_table(
    frame: pd.DataFrame,
    lang: str,
    *,
    label_columns: dict[str, str],
    period: str | None = None,
    class_column: pd.Series | None = None,
    demo: bool = False,
) -> pd.DataFrame:
    """Published rates with the language's headers. ``label_columns`` maps frame columns to
    catalogue keys for the leading columns (code, name, age group...); the period comes first when
    given (a trend has its own), the source of each row last when the frame has one."""
    published = publish(frame)
    out = pd.DataFrame({t(key, lang): frame[column].to_numpy() for column, key in label_columns.items()})
    if period is not None:
        out.insert(0, t("table.period", lang), period)
    out[t("table.measured", lang)] = published["measured"].to_numpy()
    out[t("table.cases", lang)] = published["cases"].array
    for column, key in (
        ("prevalence_pct", "table.prevalence"),
        ("ci_low_pct", "table.ci_low"),
        ("ci_high_pct", "table.ci_high"),
    ):
        out[t(key, lang)] = published[column].to_numpy()
    out[t("table.suppressed", lang)] = published["suppressed"].to_numpy()
    if class_column is not None:
        out[t("table.class", lang)] = class_column.to_numpy()
    if "source" in published.columns:
        out[t("table.source", lang)] = [source_text([s], lang, demo) for s in published["source"]]
    return out


def restrict_breakdown(breakdown: pd.DataFrame, sex: str | None, age: str | None) -> pd.DataFrame:
    """The rows of a breakdown (``by="age_group_sex"`` or ``"age_group"``) inside the page's sex and
    age filters, so the village panel answers for the same children as the map. Each row is one
    whole group with its own rate, so dropping rows never changes a number."""
    keep = pd.Series(True, index=breakdown.index)
    if age is not None:
        lo, hi = AGE_FILTERS[age]
        groups = [label for label, first, last in AGE_GROUPS if lo <= first and last <= hi]
        keep &= breakdown["age_group"].isin(groups)
    if sex is not None:
        if "sex" not in breakdown:
            raise ValueError("a breakdown without a sex column cannot be restricted to one sex")
        keep &= breakdown["sex"] == sex
    return breakdown[keep].reset_index(drop=True)


def styled(table: pd.DataFrame, lang: str) -> Styler:
    """``table`` with the language's number formats for the screen ("27,1", "1.234"; "–" when
    blank); the values underneath stay numbers, so columns sort as numbers and the CSV stays
    machine-readable."""
    formats = {}
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_float_dtype(values):
            formats[column] = lambda v: "–" if pd.isna(v) else fmt_number(v, lang, decimals=1)
        elif pd.api.types.is_integer_dtype(values):
            formats[column] = lambda v: "–" if pd.isna(v) else fmt_number(int(v), lang)
    return table.style.format(formats)


def rate_line(row: pd.Series, lang: str) -> str:
    """One area's rate in words for a narrow panel: "21,5% (IK 95%: 13,9%–31,8%) · 107 anak", or why
    there is no rate ("terlalu sedikit anak (< 10) · 6 anak")."""
    row = publish(row.to_frame().T).iloc[0]
    if row["state"] == PUBLISHED_NO_DATA:
        return t("rate.no_data", lang)
    if row["state"] != PUBLISHED_RATE:
        rate = t("rate.too_few", lang, minimum=MIN_CHILDREN)
    else:
        rate = t(
            "rate.with_ci",
            lang,
            rate=fmt_percent(row["prevalence"], lang),
            low=fmt_percent(row["ci_low"], lang),
            high=fmt_percent(row["ci_high"], lang),
        )
    return f"{rate} · {fmt_children(int(row['measured']), lang)}"


def village_classes(states: pd.Series, classes: pd.Series, scheme: ClassScheme, lang: str) -> pd.Series:
    """The class each village is drawn in, as the legend words it."""
    labels = [
        class_label(scheme, int(c), lang)
        if s == STATE_RATE
        else t("class.too_few", lang, minimum=MIN_CHILDREN)
        if s == STATE_TOO_FEW
        else t("class.no_data", lang)
        for s, c in zip(states, classes, strict=True)
    ]
    return pd.Series(labels, index=states.index)


def class_counts(
    states: pd.Series, classes: pd.Series, scheme: ClassScheme, lang: str
) -> list[tuple[str, str, int]]:
    """(colour, legend text, number of villages) for each class, then "too few" and "no data"."""
    from geo.choropleth import NO_DATA_FILL, TOO_FEW_FILL

    rated = classes[states == STATE_RATE].astype(int)
    counts = np.bincount(rated, minlength=len(scheme)) if len(rated) else np.zeros(len(scheme), dtype=int)
    rows = [(scheme.colours[i], class_label(scheme, i, lang), int(counts[i])) for i in range(len(scheme))]
    rows.append(
        (TOO_FEW_FILL, t("class.too_few", lang, minimum=MIN_CHILDREN), int((states == STATE_TOO_FEW).sum()))
    )
    rows.append((NO_DATA_FILL, t("class.no_data", lang), int((states == STATE_NO_DATA).sum())))
    return rows


def change(current: pd.Series, previous: pd.Series | None) -> float | None:
    """Change of the rate (fraction) from the same month a year earlier; None when either is not shown."""
    if previous is None:
        return None
    rates = (current, previous)
    if any(bool(r["suppressed"]) or pd.isna(r["prevalence"]) for r in rates):
        return None
    return float(current["prevalence"] - previous["prevalence"])


def change_text(value: float | None, previous_period: str, lang: str) -> str:
    """ "+1,2 poin persen", or why there is no change to show."""
    if value is None:
        return t("kpi.change.none", lang, period=fmt_month(previous_period, lang))
    return t("unit.points", lang, value=fmt_points(value, lang))
