"""Builders for the data-quality views: value texts, plain-language readings, map classes, the ranked
table, a unit's card, and the village map coloured by one check (folium, offline like the prevalence
map: local Leaflet, an app-drawn legend, "too few children" grey and "no data" white, never a class
colour). Pure: a quality table (stunting.quality.table.quality_table) in, texts, frames or a map out.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo.choropleth import BORDER, LEAFLET_BASE, LEGEND_CLEARANCE_PX, NO_DATA_FILL, TOO_FEW_FILL
from stunting.i18n import fmt_children, fmt_month, fmt_number, fmt_percent, t
from stunting.quality import checks
from stunting.quality.table import (
    CHECKS_BY_NAME,
    DUPLICATE_LIMIT_PCT,
    MISSING_LIMIT_PCT,
    POSITION_MISMATCH_LIMIT_PCT,
    REPORTED_DISAGREE_LIMIT_PCT,
    STANDING_UNDER_9M_LIMIT_PCT,
    WHO_FLAGGED_LIMIT_PCT,
)

# Checks a map can be coloured by (each with classes below), in the order of the page's choice.
MAP_CHECKS = (
    "height_dps", "weight_dps", "flagged_haz_pct", "flagged_whz_pct", "position_mismatch_pct",
    "missing_height_pct", "sd_haz", "skew_haz", "kurt_haz", "reported_z_disagree_pct",
    "probable_duplicates_pct", "birth_day_1_15_pct", "coverage_pct",
)  # fmt: skip
# Blue for within limits, orange-red for "to be checked": not the prevalence map's yellow-red ramp, so
# a quality map is never mistaken for a prevalence map. ColorBrewer RdYlBu (colour-blind safe).
OK_COLOUR, FAIL_COLOUR = "#4575b4", "#d73027"
DPS_COLOURS = ("#4575b4", "#91bfdb", "#fee090", "#d73027")
COVERAGE_COLOURS = ("#d73027", "#fee090", "#4575b4")
QUALITY_PANE_Z = 400

# The published (or our named) limit of each percentage check, as stunting.quality.table applies it.
PCT_LIMITS = {
    "missing_height_pct": MISSING_LIMIT_PCT,
    "flagged_haz_pct": WHO_FLAGGED_LIMIT_PCT,
    "flagged_whz_pct": WHO_FLAGGED_LIMIT_PCT,
    "position_mismatch_pct": POSITION_MISMATCH_LIMIT_PCT,
    "standing_under_9m_pct": STANDING_UNDER_9M_LIMIT_PCT,
    "reported_z_disagree_pct": REPORTED_DISAGREE_LIMIT_PCT,
    "probable_duplicates_pct": DUPLICATE_LIMIT_PCT,
    "birth_day_1_15_pct": 200 * checks.EXPECTED_DAY_1_15_SHARE,
}

STATUS_TOO_FEW, STATUS_NO_DATA, STATUS_NO_TARGET = "too_few", "no_data", "no_target"


@dataclass(frozen=True)
class Classes:
    """Map classes of one check: upper bounds between classes, whether a value equal to a bound goes
    up (``side="right"``) or stays (``"left"``), colours and legend texts."""

    bounds: tuple[float, ...]
    side: str
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    absolute: bool = False  # classify |value| (skewness, kurtosis)

    def classify(self, values) -> np.ndarray:
        x = np.asarray(values, dtype="float64")
        if self.absolute:
            x = np.abs(x)
        return np.where(np.isnan(x), -1, np.searchsorted(np.asarray(self.bounds), x, side=self.side))


def _limit_text(check: str, lang: str) -> tuple[str, str]:
    """The texts of "within" and "beyond" the check's published limit."""
    pct = PCT_LIMITS
    if check in pct:
        limit = fmt_percent(pct[check] / 100, lang)
        return f"≤ {limit}", f"> {limit}"
    if check.startswith("sd_"):
        high = fmt_number(checks.DHS_SD_RANGES[check[3:]][1], lang, 2)
        return f"≤ {high}", f"> {high}"
    bound = fmt_number(checks.SMART_SKEW_KURT_PROBLEMATIC, lang, 1)
    return f"< ±{bound}", f"≥ ±{bound}"


def classes(check: str, lang: str) -> Classes:
    """The map classes of ``check`` (one of MAP_CHECKS)."""
    if check.endswith("_dps"):
        names = ("excellent", "good", "acceptable", "problematic")
        return Classes((8, 12, 20), "right", DPS_COLOURS, tuple(t(f"quality.class.{n}", lang) for n in names))
    if check == "coverage_pct":
        names = ("coverage_low", "coverage_mid", "coverage_high")
        return Classes(
            (50, 80), "right", COVERAGE_COLOURS, tuple(t(f"quality.class.{n}", lang) for n in names)
        )
    within, beyond = _limit_text(check, lang)
    labels = (t("quality.class.ok", lang, limit=within), t("quality.class.fail", lang, limit=beyond))
    if check.startswith(("skew_", "kurt_")):
        bound = checks.SMART_SKEW_KURT_PROBLEMATIC
        return Classes((bound,), "right", (OK_COLOUR, FAIL_COLOUR), labels, absolute=True)
    if check.startswith("sd_"):
        return Classes((checks.DHS_SD_RANGES[check[3:]][1],), "left", (OK_COLOUR, FAIL_COLOUR), labels)
    limit = PCT_LIMITS[check]
    return Classes((limit,), "left", (OK_COLOUR, FAIL_COLOUR), labels)


def minimum_of(check: str) -> int:
    return CHECKS_BY_NAME[check].minimum


def value_text(check: str, value: float, status: str, lang: str) -> str:
    """What a reader sees for one check of one unit: "62,0%", "25,6", "3 pasang", or why nothing."""
    if status == STATUS_NO_DATA:
        return t("rate.no_data", lang)
    if status == STATUS_TOO_FEW:
        return t("rate.too_few", lang, minimum=minimum_of(check))
    if status == STATUS_NO_TARGET:
        return t("quality.no_target", lang)
    if value is None or not math.isfinite(value):
        return "–"
    if check == "probable_duplicates":
        return t("quality.pairs", lang, count=fmt_number(int(value), lang))
    if CHECKS_BY_NAME[check].percent:
        return fmt_percent(value / 100, lang)
    if check.endswith("_p"):
        return (
            "< 0,001"
            if value < 0.001 and lang == "id"
            else ("< 0.001" if value < 0.001 else fmt_number(value, lang, 3))
        )
    return fmt_number(value, lang, 2)


def reading(check: str, row, lang: str) -> str | None:
    """The plain-language reading of a failed check ("62% tinggi berakhiran 0 atau 5: ..."), None
    when the check did not fail."""
    if row.get(f"status_{check}") != "fail":
        return None
    value = row[check]
    shown = value_text(check, value, "ok", lang)
    if check in ("height_dps", "weight_dps"):
        measure = check.split("_")[0]
        share = (
            fmt_percent(row[f"{measure}_0_5_pct"] / 100, lang, 0)
            if math.isfinite(row[f"{measure}_0_5_pct"])
            else "–"
        )
        return t(f"quality.reading.{check}", lang, share=share, value=fmt_number(value, lang, 1))
    if check.startswith("sd_"):
        low, high = checks.DHS_SD_RANGES[check[3:]]
        return t(
            "quality.reading.sd",
            lang,
            value=shown,
            low=fmt_number(low, lang, 2),
            high=fmt_number(high, lang, 2),
        )
    if check.startswith(("skew_", "kurt_")):
        return t("quality.reading.skew_kurt", lang, check=t(f"quality.check.{check}", lang), value=shown)
    if check == "sex_ratio_p":
        return t(
            "quality.reading.sex_ratio_p", lang, value=value_text("sex_ratio", row["sex_ratio"], "ok", lang)
        )
    if check == "age_heaping_p":
        share = value_text("age_whole_years_pct", row["age_whole_years_pct"], "ok", lang)
        return t("quality.reading.age_heaping_p", lang, value=share)
    return t(f"quality.reading.{check}", lang, value=shown)


def readings(row, lang: str) -> list[str]:
    """Every failed check's reading for one unit, in the order of CHECKS."""
    failed = [c for c in str(row.get("failed") or "").split(";") if c]
    return [text for text in (reading(c, row, lang) for c in failed) if text]


def warning_text(row, lang: str) -> str | None:
    """The warning mark's hover text for a unit that fails a check, None when none fails."""
    failed = [c for c in str(row.get("failed") or "").split(";") if c]
    if not failed:
        return None
    return t("quality.warning", lang, reasons="; ".join(t(f"quality.check.{c}", lang) for c in failed))


def ranking(table: pd.DataFrame, check: str, lang: str) -> pd.DataFrame:
    """Units ranked worst first by ``check`` (failing ones first, then by value; too few and no data
    last): unit, children, value text, status, reading. For the page's table."""
    absolute = check.startswith(("skew_", "kurt_"))
    order = table[check].abs() if absolute else table[check]
    if check == "coverage_pct":
        order = -order  # low coverage first
    ranked = table.assign(_fail=table[f"status_{check}"] != "fail", _order=-order).sort_values(
        ["_fail", "_order", "name"], na_position="last", kind="stable"
    )
    return pd.DataFrame(
        {
            t("quality.column.unit", lang): ranked["name"].to_numpy(),
            t("quality.column.children", lang): ranked["children"].to_numpy(),
            t("quality.column.value", lang): [
                value_text(check, v, s, lang)
                for v, s in zip(ranked[check], ranked[f"status_{check}"], strict=True)
            ],
            t("quality.column.status", lang): [
                t(f"quality.status.{s}", lang) if s in ("ok", "fail") else "–"
                for s in ranked[f"status_{check}"]
            ],
            t("quality.column.reading", lang): [
                reading(check, r, lang) or "" for r in ranked.to_dict("records")
            ],
        }
    )


def unit_card(row, lang: str) -> pd.DataFrame:
    """One unit's every check: label, value text, status, reading (the page's card and the PDF)."""
    rows = []
    for check in CHECKS_BY_NAME:
        status = row[f"status_{check}"]
        rows.append(
            {
                t("quality.check", lang): t(f"quality.check.{check}", lang),
                t("quality.column.value", lang): value_text(check, row[check], status, lang),
                t("quality.column.status", lang): t(f"quality.status.{status}", lang)
                if status in ("ok", "fail")
                else "–",
                t("quality.column.reading", lang): reading(check, row, lang) or "",
            }
        )
    return pd.DataFrame(rows)


def map_frame(areas: gpd.GeoDataFrame, table: pd.DataFrame, check: str, lang: str) -> gpd.GeoDataFrame:
    """Every village of ``areas`` with its state (class index, too_few, no_data) and texts for one check."""
    spec = classes(check, lang)
    frame = areas.merge(table[["code", "children", check, f"status_{check}"]], on="code", how="left")
    status = frame[f"status_{check}"].fillna(STATUS_NO_DATA)
    index = spec.classify(frame[check])
    drawable = status.isin(["ok", "fail"]).to_numpy() & (index >= 0)
    frame["style"] = np.where(
        drawable,
        np.char.add("c", index.astype(int).astype(str)),
        np.where(status == STATUS_TOO_FEW, "too_few", "no_data"),
    )
    frame["value_text"] = [value_text(check, v, s, lang) for v, s in zip(frame[check], status, strict=True)]
    frame["children"] = frame["children"].fillna(0).astype(int)
    return frame


class _Layer(folium.map.Layer):
    """The villages as one L.geoJson with a style per class (like the prevalence map's layer)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_styles = {{ this.styles }};
        var {{ this.get_name() }} = L.geoJson({{ this.data }}, {
            style: function (f) { return {{ this.get_name() }}_styles[f.properties.s]; },
            onEachFeature: function (f, layer) {
                var p = f.properties;
                layer.bindTooltip('<div style="font:13px sans-serif"><b>' + p.name + '</b><br>' + p.v +
                    '<br>' + p.n + '<br>' + {{ this.period }} + '</div>', {sticky: true});
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: str, styles: str, period: str):
        super().__init__(name="quality", overlay=True, control=False, show=True)
        self._name = "QualityVillages"
        self.data, self.styles, self.period = data, styles, period


class _Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "peta-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str):
        super().__init__()
        self._name = "QualityLegend"
        self.html = legend_html


_SWATCH = (
    '<span style="display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:middle;'
    'background:{fill};border:1px {style} {border}"></span>'
)


def legend_html(check: str, lang: str) -> str:
    spec = classes(check, lang)
    rows = [(c, "solid", BORDER, label) for c, label in zip(spec.colours, spec.labels, strict=True)]
    rows.append((TOO_FEW_FILL, "solid", BORDER, t("rate.too_few", lang, minimum=minimum_of(check))))
    rows.append((NO_DATA_FILL, "dashed", "#777777", t("rate.no_data", lang)))
    items = "".join(
        "<div>" + _SWATCH.format(fill=f, style=s, border=b) + html.escape(text) + "</div>"
        for f, s, b, text in rows
    )
    source = CHECKS_BY_NAME[check].source
    return (
        '<div style="background:rgba(255,255,255,0.93);padding:6px 9px;font:13px/1.45 sans-serif;color:#222;'
        'border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.35)">'
        f"<b>{html.escape(t(f'quality.check.{check}', lang))}</b>{items}"
        f'<div style="font-size:11px;color:#555;max-width:230px">'
        f"{html.escape(t('quality.legend.source', lang, source=source))}</div></div>"
    )


def quality_map(
    areas: gpd.GeoDataFrame,
    table: pd.DataFrame,
    check: str,
    *,
    lang: str,
    period: str,
    leaflet_base: str = LEAFLET_BASE,
    decimals: int = 4,
) -> folium.Map:
    """The villages of ``areas`` (code, name, geometry, EPSG:4326) coloured by ``check`` of the
    village-level quality ``table``; offline (local Leaflet, no tiles)."""
    frame = map_frame(areas, table, check, lang)
    spec = classes(check, lang)
    styles = {
        f"c{i}": {"fillColor": c, "fillOpacity": 0.85, "color": BORDER, "weight": 0.6}
        for i, c in enumerate(spec.colours)
    }
    styles["too_few"] = {"fillColor": TOO_FEW_FILL, "fillOpacity": 0.85, "color": BORDER, "weight": 0.6}
    styles["no_data"] = {"fillColor": NO_DATA_FILL, "fillOpacity": 0.6, "color": "#777777", "weight": 0.8,
                         "dashArray": "3 3"}  # fmt: skip
    geometries = shapely.to_geojson(
        shapely.transform(np.asarray(frame.geometry.values), lambda xy: np.round(xy, decimals))
    )
    features = []
    for row, geometry in zip(frame[["code", "name", "style", "value_text", "children"]].to_dict("records"),
                             geometries, strict=True):  # fmt: skip
        properties = {
            "name": html.escape(str(row["name"])),
            "s": row["style"],
            "v": html.escape(row["value_text"]),
            "n": html.escape(fmt_children(row["children"], lang)),
        }
        features.append(
            f'{{"type":"Feature","id":{json.dumps(row["code"])},"properties":{_js(properties)},"geometry":{geometry}}}'
        )
    data = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
    m = folium.Map(tiles=None, control_scale=True, zoom_snap=0.1)
    m.default_js = [("leaflet", f"{leaflet_base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{leaflet_base}/leaflet.css")]
    _Layer(data, _js(styles), _js(html.escape(fmt_month(period, lang)))).add_to(m)
    _Legend(legend_html(check, lang)).add_to(m)
    minx, miny, maxx, maxy = frame.total_bounds
    # The opening view keeps the villages left of the legend (bottom right), as on the prevalence map.
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_bottom_right=(LEGEND_CLEARANCE_PX, 0))
    return m


def _js(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


WARNING_MARK = "⚠"


class _WarningMarks(folium.map.Layer):
    """Every warning mark of a map as one script (a folium marker with an icon and a tooltip per
    village is three templates rendered on every rerun). Each mark is the same element the page's
    tests and the room see: a div of class peta-quality-mark with its village code and reasons."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_marks = {{ this.marks|tojson }};
        var {{ this.get_name() }} = L.layerGroup().addTo({{ this._parent.get_name() }});
        {{ this.get_name() }}_marks.forEach(function (m) {
            var icon = L.divIcon({className: "", iconSize: [16, 16], iconAnchor: [8, 8],
                html: '<div class="peta-quality-mark" data-code="' + m.code + '" title="' + m.text +
                      '" style="{{ this.style }}">{{ this.symbol }}</div>'});
            L.marker([m.lat, m.lng], {icon: icon}).bindTooltip(m.text, {sticky: true})
                .addTo({{ this.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self, marks: list[dict]):
        super().__init__(name="quality marks", overlay=True, control=False, show=True)
        self._name = "QualityMarks"
        self.marks = marks
        self.style = "font:bold 15px sans-serif;color:#b30000;text-shadow:0 0 3px #fff,0 0 3px #fff"
        self.symbol = WARNING_MARK


def add_warning_marks(group: folium.FeatureGroup, villages: gpd.GeoDataFrame, table: pd.DataFrame, lang: str):
    """A small warning mark, with the failing checks on hover, on every village of ``villages``
    (code, geometry) whose row in the village-level quality ``table`` fails a check: so nobody
    presents a green village without knowing its heights are rounded. Added to ``group`` (the
    prevalence map's village layer, which a new period replaces as a whole)."""
    failing = table[table["failed"].fillna("") != ""]
    shown = villages[villages["code"].isin(failing["code"])]
    if shown.empty:
        return group
    # The reasons read only the failed checks' names: not a dict of every check's columns per village.
    reasons = {row["code"]: warning_text(row, lang) for row in failing[["code", "failed"]].to_dict("records")}
    points = shapely.point_on_surface(np.asarray(shown.geometry.values))
    marks = [
        # Escaped here: the script puts code and text into HTML (an attribute and the tooltip).
        {
            "code": html.escape(code),
            "text": html.escape(reasons[code]),
            "lat": round(float(point.y), 5),
            "lng": round(float(point.x), 5),
        }
        for code, point in zip(shown["code"], points, strict=True)
    ]
    _WarningMarks(marks).add_to(group)
    return group
