"""The village choropleth as a static image: the same classes, colours and legend as the app's map,
plus a scale bar, a north arrow, the boundary attribution and the schematic-boundary warning.

Drawn with matplotlib (Agg) and geopandas only: no tiles, no browser, no network.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server or in CI; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from geo.choropleth import (
    BORDER,
    NO_DATA_FILL,
    STATE_NO_DATA,
    STATE_TOO_FEW,
    TOO_FEW_FILL,
    area_level,
    class_label,
    map_frame,
)  # noqa: E402
from stunting import prevalence  # noqa: E402
from stunting.classes import make_scheme  # noqa: E402
from stunting.config import MIN_CHILDREN  # noqa: E402
from stunting.i18n import t  # noqa: E402

# A slide's map is drawn in metres, so its scale bar is exact and its north arrow may point straight
# up: in the UTM zone of its centre (a regency or a province: grid north within a degree or two of true
# north), or, wider than two zones (the country spans eight), in World Mercator, whose scale within
# Indonesia's 11 degrees of the equator is within 2% and whose north is true north.
MAX_UTM_SPAN_DEG = 12.0
WIDE_AREA_CRS = "EPSG:3395"
# Scale bar lengths a reader can take in at a glance; the bar spans about a fifth of the map.
SCALE_STEPS_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
SCALE_SHARE = 0.2
NO_DATA_EDGE = "#777777"
SCHEMATIC_RED = "#b30000"
# stunting/boundaries/install.py words every installed source's attribution in Indonesian
# ("Batas desa: cahyadsn/wilayah_boundaries (MIT)"); an English slide says it in English.
INSTALLED_ATTRIBUTION_PREFIX = "Batas desa: "


@dataclass(frozen=True)
class MapData:
    frame: pd.DataFrame  # geo.choropleth.map_frame: one row per village drawn
    rates: pd.DataFrame  # the prevalence API's village rows
    scheme: object
    schematic: bool
    attribution: str
    # The next level up's lines when they cannot be dissolved from ``frame`` (a province's
    # kecamatan: simplified one by one, their union would show sliver holes).
    outlines: object = None


def map_data(view: dict, data_dir=None) -> MapData:
    """The areas, rates and class scheme of a map slide's view (the map page's own recipe): the
    villages of a regency or kecamatan, the regencies of the country or of a province, or a
    province's kecamatan (``areas: kecamatan``)."""
    from stunting.boundaries import load_areas, load_display, province_regency_outlines

    outlines = None

    filters = {"sex": view.get("sex"), "age_group": view.get("age"), "data_dir": data_dir}
    level = view.get("level")
    if level in ("national", "province"):
        province = view.get("province") if level == "province" else None
        drawn = "kecamatan" if province and view.get("areas") == "kecamatan" else "regency"
        rates = prevalence.view_rates(
            view["indicator"], view["period"], level, province, level=drawn, **filters
        )
        areas = load_areas(drawn, province, zoom=level, data_dir=data_dir)
        if drawn == "kecamatan":
            outlines = province_regency_outlines(province, zoom=level, data_dir=data_dir)
    else:
        regency = None if view["regency"] == "all" else view["regency"]
        kecamatan = view.get("kecamatan")
        rates = prevalence.prevalence(
            view["indicator"], view["period"], "village", regency=regency, kecamatan=kecamatan, **filters
        )
        detail = "detail" if kecamatan else "overview"
        areas = load_display("village", detail, regency=regency, kecamatan=kecamatan, data_dir=data_dir)
    eligible = rates.loc[~rates["suppressed"] & rates["prevalence"].notna(), "prevalence"]
    scheme = make_scheme(view.get("classes", "who"), view["indicator"], eligible.to_numpy())
    frame = map_frame(areas, rates, scheme)
    return MapData(
        frame,
        rates,
        scheme,
        bool(areas.attrs.get("schematic")),
        str(areas.attrs.get("attribution", "")),
        outlines,
    )


def legend_entries(scheme, lang: str, minimum: int = MIN_CHILDREN) -> list[tuple[str, str, str, str]]:
    """(fill, edge, line style, label) per legend row, in the interactive legend's order and words."""
    rows = [(scheme.colours[i], BORDER, "-", class_label(scheme, i, lang)) for i in range(len(scheme))]
    rows.append((TOO_FEW_FILL, BORDER, "-", t("class.too_few", lang, minimum=minimum)))
    rows.append((NO_DATA_FILL, NO_DATA_EDGE, "--", t("class.no_data", lang)))
    return rows


def attribution_text(data: MapData, lang: str) -> str:
    """The boundary attribution in the slide's language (the stored one is Indonesian). Only a map
    drawn wholly on schematic cells swaps it for the notice: a map mixing installed and schematic
    boundaries keeps the installed source's credit."""
    from stunting.boundaries.schematic import ATTRIBUTION as SCHEMATIC_ATTRIBUTION

    if data.attribution == SCHEMATIC_ATTRIBUTION:
        return t("map.schematic", lang)
    if data.attribution.startswith(INSTALLED_ATTRIBUTION_PREFIX):
        return t("story.attribution", lang, source=data.attribution[len(INSTALLED_ATTRIBUTION_PREFIX) :])
    return data.attribution


def projected_crs(frame) -> str:
    """The metric CRS a map of ``frame`` (EPSG:4326) is drawn in (see MAX_UTM_SPAN_DEG)."""
    minx, _miny, maxx, _maxy = frame.total_bounds
    if maxx - minx > MAX_UTM_SPAN_DEG:
        return WIDE_AREA_CRS
    return frame.estimate_utm_crs().to_string()


def _nice_length_km(width_m: float) -> float:
    target = width_m * SCALE_SHARE / 1000
    return max([s for s in SCALE_STEPS_KM if s <= target] or [SCALE_STEPS_KM[0]])


def _scale_bar(ax, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = _nice_length_km(x1 - x0)
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    half = km * 500
    # A pale backing keeps bar and numbers legible where the map's polygons reach the corner.
    pad = 0.015 * (x1 - x0)
    ax.add_patch(
        plt.Rectangle(
            (left - pad, bottom - pad),
            2 * half + 0.06 * (x1 - x0) + 2 * pad,
            0.075 * (y1 - y0) + pad,
            facecolor="white",
            edgecolor="none",
            alpha=0.92,
            zorder=4,
        )
    )
    ax.add_patch(plt.Rectangle((left, bottom), half, height, facecolor="#222", edgecolor="#222", zorder=5))
    ax.add_patch(
        plt.Rectangle((left + half, bottom), half, height, facecolor="white", edgecolor="#222", zorder=5)
    )
    for offset, value in ((0, 0), (half, km / 2), (2 * half, km)):
        label = f"{value:g}".replace(".", "," if lang == "id" else ".")
        ax.text(left + offset, bottom + 2.2 * height, label, ha="center", va="bottom", fontsize=12, zorder=5)
    ax.text(left + 2 * half + 0.01 * (x1 - x0), bottom, "km", ha="left", va="bottom", fontsize=12, zorder=5)


def _north_arrow(ax, lang: str) -> None:
    ax.annotate(
        t("story.north", lang),
        xy=(0.95, 0.95),
        xytext=(0.95, 0.83),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=16,
        fontweight="bold",
        arrowprops={"facecolor": "#222", "edgecolor": "#222", "width": 5, "headwidth": 14},
    )


def draw_map(fig: Figure, data: MapData, view: dict, lang: str) -> None:
    """The choropleth (left) and its legend (right) into ``fig``."""
    ax = fig.add_axes((0.0, 0.06, 0.68, 0.92))
    legend_ax = fig.add_axes((0.69, 0.06, 0.31, 0.92))
    legend_ax.axis("off")
    ax.set_axis_off()
    frame = data.frame.to_crs(projected_crs(data.frame))
    drawn = frame[frame["state"] != STATE_NO_DATA]
    missing = frame[frame["state"] == STATE_NO_DATA]
    if len(drawn):
        drawn.plot(ax=ax, color=drawn["fill"].tolist(), edgecolor=BORDER, linewidth=0.35)
    if len(missing):
        missing.plot(ax=ax, facecolor=NO_DATA_FILL, edgecolor=NO_DATA_EDGE, linewidth=0.6, linestyle="--")
    # The next level up outlined: kecamatan on a regency's map, regencies on a province's kecamatan,
    # provinces on the country's.
    outline = {"village": "kecamatan", "kecamatan": "regency"}.get(area_level(frame), "province")
    if data.outlines is not None:
        data.outlines.to_crs(frame.crs).boundary.plot(ax=ax, color="#222", linewidth=1.1)
    elif frame[outline].nunique() > 1:
        frame[[outline, "geometry"]].dissolve(by=outline).boundary.plot(ax=ax, color="#222", linewidth=1.1)
    if view.get("village"):
        chosen = frame[frame["code"] == view["village"]]
        chosen.boundary.plot(ax=ax, color="#000", linewidth=3)
    ax.set_aspect("equal")
    ax.margins(0.03)
    _scale_bar(ax, lang)
    _north_arrow(ax, lang)
    fig.text(0.68, 0.015, attribution_text(data, lang), ha="right", va="bottom", fontsize=10, color="#444")
    if data.schematic:
        ax.text(
            0.5,
            0.99,
            t("map.schematic", lang),
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=14,
            fontweight="bold",
            color="white",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": SCHEMATIC_RED, "edgecolor": SCHEMATIC_RED},
        )
    handles = [
        Patch(facecolor=fill, edgecolor=edge, linestyle=style, linewidth=1.0, label=label)
        for fill, edge, style, label in legend_entries(data.scheme, lang)
    ]
    indicator_label = t(f"indicator.{view['indicator']}", lang)
    legend = legend_ax.legend(
        handles=handles,
        loc="upper left",
        fontsize=13,
        title_fontsize=14,
        frameon=False,
        title=t("legend.title", lang, indicator=indicator_label),
        alignment="left",
        handlelength=1.6,
        handleheight=1.1,
    )
    legend.get_title().set_fontweight("bold")
    counts = areas_line(frame["state"], area_level(frame), lang)
    legend_ax.text(
        0.0,
        0.02,
        _wrap(t(data.scheme.source_key, lang), 38) + "\n" + counts,
        transform=legend_ax.transAxes,
        fontsize=10,
        color="#444",
        va="bottom",
    )


def areas_line(states: pd.Series, level: str, lang: str) -> str:
    """Every area the map draws, then those without a colour: "237 desa/kel., 5 terlalu sedikit
    anak" ("514 kab./kota, 504 tanpa data") - the count matches the areas the room sees, not only
    the coloured ones."""
    unit = {"regency": "unit.regencies", "kecamatan": "unit.kecamatan"}.get(level, "unit.villages")
    parts = [t(unit, lang, count=len(states))]
    too_few = int((states == STATE_TOO_FEW).sum())
    no_data = int((states == STATE_NO_DATA).sum())
    if too_few:
        parts.append(t("unit.villages.too_few", lang, count=too_few))
    if no_data:
        parts.append(t("unit.villages.no_data", lang, count=no_data))
    return ", ".join(parts)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def measured_children(data: MapData) -> int:
    return int(pd.to_numeric(data.rates["measured"], errors="coerce").fillna(0).sum())
