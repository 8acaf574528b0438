"""Static slides of "Apakah berhasil?": the evaluation with its caveats, and the programme map.

``draw_slide(figure, which, view, lang, demo, data_dir)`` draws into ``figure`` and returns the
source line. The words come from charts/evaluate.py, so the slide says what the page says.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from charts import evaluate as words  # noqa: E402
from charts.evaluate import CONTROL  # noqa: E402
from charts.style import LINE  # noqa: E402
from geo.programme_layers import BAAS_COLOUR, LOKUS_COLOUR  # noqa: E402
from stunting.evaluate import MIN_VILLAGES_PER_SIDE  # noqa: E402
from stunting.i18n import fmt_month_short, fmt_number, fmt_percent, provenance, t, trend_provenance  # noqa: E402

BAND_ALPHA = 0.16
WRAP_CHARS = 118  # a line of 12 pt DejaVu Sans across the 12-inch picture
BAAS_POINTS_AT_50 = 260.0  # marker area (points^2) of a village with 50 fostered children


def draw_slide(figure: Figure, which: str, view: dict, lang: str, demo: bool, data_dir=None) -> str:
    if which == "evaluation":
        return draw_evaluation(figure, view, lang, demo, data_dir)
    if which == "programme_map":
        return draw_programme_map(figure, view, lang, demo, data_dir)
    raise ValueError(f"unknown evaluation figure {which!r}")


def draw_evaluation(figure: Figure, view: dict, lang: str, demo: bool, data_dir=None) -> str:
    """Headline (estimate, interval, verdict, warnings) above the two charts of the page."""
    from stunting.evaluate import evaluate_programme

    result, context = evaluate_programme(
        view["programme"], view["regency"], indicator=view["indicator"], data_dir=data_dir
    )
    headline = f"{t('evaluate.estimate', lang)}: {words.estimate_text(result, lang)}"
    lines = [
        f"{headline} · {words.interval_text(result, lang)}",
        words.verdict_text(result, lang),
        *[f"⚠ {sentence}" for sentence in words.warning_texts(result, lang)],
    ]
    text = "\n".join(textwrap.fill(line, WRAP_CHARS) for line in lines)
    figure.text(0.01, 0.99, text, ha="left", va="top", fontsize=12, color="#111", linespacing=1.35)
    height = 0.62 - 0.035 * max(0, text.count("\n") - 3)

    groups_ax = figure.add_axes((0.06, 0.14, 0.42, height - 0.06))
    for group, colour in (("control", CONTROL), ("treated", LINE)):
        part = result.groups[result.groups["group"] == group].sort_values("period")
        x = range(len(part))
        groups_ax.fill_between(
            x, part["ci_low"], part["ci_high"], color=colour, alpha=BAND_ALPHA, linewidth=0
        )
        groups_ax.plot(x, part["mean"], color=colour, linewidth=2.5, marker="o",
                       label=t(f"evaluate.group.{group}", lang))  # fmt: skip
        labels = [fmt_month_short(p, lang) for p in part["period"]]
    groups_ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=9)
    groups_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_percent(v, lang, decimals=0)))
    groups_ax.set_ylim(bottom=0)
    groups_ax.set_title(t("evaluate.chart.groups", lang), fontsize=12, loc="left")
    groups_ax.legend(frameon=False, fontsize=10, loc="lower left")
    for side in ("top", "right"):
        groups_ax.spines[side].set_visible(False)

    events_ax = figure.add_axes((0.56, 0.14, 0.42, height - 0.06))
    events = result.event_study
    events = events[(events["villages"] >= MIN_VILLAGES_PER_SIDE) | (events["relative_period"] == -1)]
    estimate = events["estimate"] * 100
    events_ax.errorbar(
        events["relative_period"], estimate,
        yerr=[estimate - events["ci_low"] * 100, events["ci_high"] * 100 - estimate],
        fmt="o", color=LINE, ecolor="#222", capsize=3,
    )  # fmt: skip
    events_ax.axhline(0, color="#555", linewidth=1)
    events_ax.axvline(-0.5, color="#555", linewidth=1, linestyle=":")
    events_ax.set_xlabel(t("evaluate.chart.relative", lang), fontsize=10)
    events_ax.set_ylabel(t("evaluate.chart.points", lang), fontsize=10)
    events_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_number(v, lang, decimals=1)))
    events_ax.set_title(t("evaluate.chart.events", lang), fontsize=12, loc="left")
    for side in ("top", "right"):
        events_ax.spines[side].set_visible(False)
    return trend_provenance(
        context["first_period"], context["last_period"], context["sources"], context["children_last_period"],
        context["last_period"], lang, demo,
    )  # fmt: skip


def draw_programme_map(figure: Figure, view: dict, lang: str, demo: bool, data_dir=None) -> str:
    """The prevalence map of ``view['period']`` with that year's lokus villages outlined and BAAS's
    fostered children as circles (area proportional to the children)."""
    from render.maps import draw_map, map_data, measured_children, projected_crs
    from stunting import programmes

    map_view = {"indicator": view["indicator"], "period": view["period"], "regency": view["regency"]}
    data = map_data(map_view, data_dir)
    draw_map(figure, data, map_view, lang)
    ax = figure.axes[0]
    year = int(view["period"][:4])
    frame = data.frame.to_crs(projected_crs(data.frame))
    lokus = programmes.read_table("lokus", data_dir)
    chosen = set(lokus.loc[(lokus["year"] == year) & lokus["lokus"].astype(bool), "village_code"])
    handles = []
    if chosen:
        frame[frame["code"].isin(chosen)].boundary.plot(
            ax=ax, color=LOKUS_COLOUR, linewidth=2.2, linestyle="--"
        )
        handles.append(Line2D([], [], color=LOKUS_COLOUR, linestyle="--", linewidth=2.2,
                              label=t("layer.lokus", lang, year=year)))  # fmt: skip
    baas = programmes.read_table("baas", data_dir)
    baas = baas[(baas["year"] == year) & (baas["children_fostered"].fillna(0).astype(int) > 0)]
    if len(baas):
        counts = baas.set_index("village_code")["children_fostered"].astype(int)
        places = frame[frame["code"].isin(counts.index)]
        points = places.geometry.representative_point()
        sizes = [BAAS_POINTS_AT_50 * counts[c] / 50 for c in places["code"]]
        ax.scatter(points.x, points.y, s=sizes, color=BAAS_COLOUR, alpha=0.55, edgecolor="white", zorder=5)
        handles.append(Line2D([], [], marker="o", linestyle="", color=BAAS_COLOUR, alpha=0.55, markersize=10,
                              label=t("layer.baas", lang, year=year)))  # fmt: skip
    if handles:  # under the prevalence legend, clear of the map's scale bar
        figure.legend(
            handles=handles, loc="center left", bbox_to_anchor=(0.69, 0.38), frameon=False, fontsize=13
        )
    return provenance(view["period"], data.rates["source"], measured_children(data), lang, demo)
