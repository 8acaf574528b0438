"""The data-quality report of one regency and period as a PDF (matplotlib, offline), in the order of
WHO's Anthro Survey Analyser quality report: missing data, age and sex distribution, measurement
position, digit preference, z-score distributions against the standard normal, duplicates,
coverage. Every number comes from stunting.quality.table.quality_table (the CLI's and the page's
numbers) and is written with charts.quality's texts, so the three never disagree.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server or in CI; must precede pyplot
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from scipy import stats  # noqa: E402

from charts import quality as texts  # noqa: E402
from stunting import gazetteer, queries, store  # noqa: E402
from stunting.i18n import fmt_children, fmt_month, provenance, t  # noqa: E402
from stunting.quality import checks  # noqa: E402
from stunting.quality.table import quality_table  # noqa: E402

PAGE_INCHES = (8.27, 11.69)  # A4 portrait: printed and filed with the monthly report
BIN_WIDTH = 0.25  # z-score histogram bins: fine enough to see heaping, coarse enough for a village
WORST_POSYANDU_SHOWN = 3  # failing posyandu named per section (one line); the CLI lists them all

# Sections: (title key, checks shown in the regency's summary table of that section).
SECTIONS = (
    ("report.missing", ("missing_height_pct", "missing_weight_pct", "missing_position_pct",
                        "flagged_haz_pct", "flagged_waz_pct", "flagged_whz_pct")),
    ("report.age_sex", ("sex_ratio", "sex_ratio_p", "age_whole_years_pct", "age_heaping_p",
                        "birth_day_1_15_pct")),
    ("report.position", ("position_mismatch_pct", "standing_under_9m_pct")),
    ("report.digits", ("height_dps", "height_0_5_pct", "weight_dps", "weight_0_5_pct")),
    ("report.zscores", ("sd_haz", "skew_haz", "kurt_haz", "sd_waz", "skew_waz", "kurt_waz", "sd_whz",
                        "skew_whz", "kurt_whz", "reported_z_disagree_pct", "reported_z_mean_diff")),
    ("report.duplicates", ("repeated_measurements_pct", "probable_duplicates", "probable_duplicates_pct",
                           "nik_invalid_pct", "nik_date_mismatch_pct")),
    ("report.coverage", ("coverage_pct",)),
)  # fmt: skip


def report_numbers(period: str, regency: str, lang: str, data_dir=None) -> list[tuple[str, str, str]]:
    """(section, check label, value text) for every check of the regency, as the PDF prints them."""
    row = quality_table(period, "regency", regency=regency, data_dir=data_dir).iloc[0].to_dict()
    return [
        (t(key, lang), t(f"quality.check.{c}", lang), texts.value_text(c, row[c], row[f"status_{c}"], lang))
        for key, names in SECTIONS
        for c in names
    ]


def _text_page(title: str, lines: list[str], footer: str) -> Figure:
    fig = Figure(figsize=PAGE_INCHES)
    fig.text(0.07, 0.95, title, fontsize=12.5, fontweight="bold", va="top", wrap=True)
    y = 0.91
    for line in lines:
        bold = line.startswith("## ")
        fig.text(0.07, y, line[3:] if bold else line, fontsize=11 if bold else 9.5,
                 fontweight="bold" if bold else "normal", va="top", family="DejaVu Sans")  # fmt: skip
        y -= 0.024 if bold else 0.018
        if y < 0.06:
            break
    fig.text(0.07, 0.03, footer, fontsize=8, color="#555555")
    return fig


def _summary_lines(row: dict, posyandu: pd.DataFrame, lang: str) -> list[str]:
    lines = []
    for key, names in SECTIONS:
        lines.append("## " + t(key, lang))
        for c in names:
            value = texts.value_text(c, row[c], row[f"status_{c}"], lang)
            mark = "  ⚠" if row[f"status_{c}"] == "fail" else ""
            lines.append(f"{t(f'quality.check.{c}', lang)}: {value}{mark}")
        failing = (
            posyandu["failed"].fillna("").str.split(";").map(lambda f, names=names: bool(set(f) & set(names)))
        )
        worst = posyandu[failing.to_numpy(dtype=bool)]
        if len(worst):
            shown = list(worst["name"].head(WORST_POSYANDU_SHOWN)) + (
                ["…"] if len(worst) > WORST_POSYANDU_SHOWN else []
            )
            lines.append(t("report.posyandu_failing", lang, count=len(worst), names=", ".join(shown)))
    return lines


def _figures_page(period: str, regency: str, row: dict, lang: str, data_dir, footer: str) -> Figure:
    snapshot = store.current_snapshot(data_dir)
    params = {"period": period, "year": int(period[:4]), "regency": regency}
    ages = queries.run("quality_age_sex", params, snapshot=snapshot)
    z = queries.run("quality_zscore_histogram", params | {"bin_width": BIN_WIDTH}, snapshot=snapshot)
    fig = Figure(figsize=PAGE_INCHES)
    axes = fig.subplots(3, 2)
    fig.subplots_adjust(left=0.1, right=0.95, top=0.93, bottom=0.07, hspace=0.45, wspace=0.3)
    fig.text(0.07, 0.97, t("report.figures", lang), fontsize=13, fontweight="bold", va="top")
    # Age and sex: children per completed month, boys up and girls down.
    ax = axes[0, 0]
    for sex, sign, colour in (("L", 1, "#4575b4"), ("P", -1, "#d73027")):
        part = ages[ages["sex"] == sex].groupby("age_months")["children"].sum()
        ax.bar(part.index, sign * part.to_numpy(), width=0.9, color=colour, label=t(f"sex.{sex}", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{abs(value):.0f}"))
    ax.set_title(t("report.age_sex_chart", lang), fontsize=9)
    ax.legend(fontsize=7)
    # Position by age: share measured standing per completed month (WHO switch at 24 months).
    ax = axes[0, 1]
    by_month = ages.groupby("age_months")[["standing", "lying"]].sum()
    known = by_month.sum(axis=1).replace(0, np.nan)
    ax.plot(by_month.index, 100 * by_month["standing"] / known, color="#333333")
    ax.axvline(24, color="#d73027", linestyle="--", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_title(t("report.position_chart", lang), fontsize=9)
    # Digit preference: share of each terminal digit of heights and weights.
    for ax, measure in ((axes[1, 0], "height"), (axes[1, 1], "weight")):
        counts = np.array([row[f"{measure}_d{d}"] for d in checks.DIGITS], dtype=float)
        total = counts.sum()
        ax.bar(list(checks.DIGITS), 100 * counts / total if total else counts, color="#4575b4")
        ax.axhline(10, color="#d73027", linestyle="--", linewidth=1)
        dps = texts.value_text(f"{measure}_dps", row[f"{measure}_dps"], row[f"status_{measure}_dps"], lang)
        ax.set_title(t(f"report.digits_{measure}", lang, dps=dps), fontsize=9)
        ax.set_xticks(list(checks.DIGITS))
    # Z-scores against the standard normal (WHO's reference population has mean 0, SD 1).
    for ax, indicator in ((axes[2, 0], "haz"), (axes[2, 1], "whz")):
        part = z[z["indicator"] == indicator]
        n = part["children"].sum()
        if n:
            ax.bar(part["bin"] + BIN_WIDTH / 2, part["children"] / (n * BIN_WIDTH), width=BIN_WIDTH * 0.95,
                   color="#91bfdb")  # fmt: skip
        grid = np.linspace(-5, 5, 201)
        ax.plot(grid, stats.norm.pdf(grid), color="#d73027", linewidth=1.2, label="N(0, 1)")
        sd = texts.value_text(f"sd_{indicator}", row[f"sd_{indicator}"], row[f"status_sd_{indicator}"], lang)
        ax.set_title(t(f"report.z_{indicator}", lang, sd=sd), fontsize=9)
        ax.legend(fontsize=7)
    for ax in axes.flat:
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.07, 0.02, footer, fontsize=8, color="#555555")
    return fig


def report_bytes(period: str, regency: str, *, lang: str = "id", data_dir=None) -> bytes:
    """The PDF of one regency and period."""
    regency_row = quality_table(period, "regency", regency=regency, data_dir=data_dir)
    posyandu = quality_table(period, "posyandu", regency=regency, data_dir=data_dir)
    # The sums behind the charts (terminal digits) come with the regency's statistics.
    from stunting.quality.table import stats, sum_to_level

    sums = sum_to_level(stats(period, regency, data_dir=data_dir), "regency", regency)
    row = regency_row.iloc[0].to_dict() | {
        k: v for k, v in sums.iloc[0].to_dict().items() if k not in regency_row
    }
    demo = store.is_demo(data_dir)
    name = gazetteer.regencies()[regency]
    footer = provenance(period, {"measurements"}, int(row["children"]), lang, demo)
    title = t("report.title", lang, area=name, month=fmt_month(period, lang))
    intro = [t("report.intro", lang), fmt_children(int(row["children"]), lang), ""]
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "Peta Stunting"}) as pdf:
        pdf.savefig(_text_page(title, intro + _summary_lines(row, posyandu, lang), footer))
        pdf.savefig(_figures_page(period, regency, row, lang, data_dir, footer))
    return buffer.getvalue()


def write_report(period: str, regency: str, out: Path, *, lang: str = "id", data_dir=None) -> Path:
    """Write the report to ``out`` (atomically: a temporary file renamed into place)."""
    from stunting.errors import UserError

    if not out.parent.is_dir():
        raise UserError(f"--out {out}: the folder {out.parent} does not exist.")
    data = report_bytes(period, regency, lang=lang, data_dir=data_dir)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
