"""The choropleth: GeoDataFrame + prevalence frame + class scheme + language -> folium.Map.

The areas are villages (a regency or kecamatan view), regencies (the national and province views)
or a province's kecamatan (``areas["level"]``): the tooltip names each with its level and the area
containing it (a kecamatan's regency, outlined over them).

Offline by construction: Leaflet comes from the app's own static files (``leaflet_base``), there are no
tiles unless the user asks for OpenStreetMap, and the legend is drawn here (folium's Choropleth legend
pulls d3 from a CDN). A village whose rate rests on too few children, or that has no data, is drawn
grey or white-dashed and never in a class colour.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from stunting.classes import ClassScheme
from stunting.config import MIN_CHILDREN
from stunting.i18n import LANGUAGES, fmt_children, fmt_month, fmt_percent, t
from stunting.publish import STATE_NO_DATA, STATE_RATE, STATE_TOO_FEW, publish

# Where the app serves xstatic-leaflet (app.py copies it there; .streamlit/config.toml turns on
# static serving). Leaflet's own CSS is the only stylesheet the map needs.
LEAFLET_BASE = "/app/static/leaflet"

# A regency in view uses the overview geometry, simplified at about 150 m: 4 decimals of a degree
# (11 m) are below one screen pixel there and keep Kukar's payload under 400 KB. A kecamatan view
# (detail geometry, zoomed in) keeps 5 decimals (1 m).
OVERVIEW_DECIMALS = 4
DETAIL_DECIMALS = 5
# The national and province views' regencies come simplified and rounded for their zoom
# (stunting.boundaries.ZOOMS: 3 decimals, 110 m, a tenth of a pixel at a province's zoom).
AREA_DECIMALS = 3
# All of Indonesia in view (about 0.04 degrees a pixel): 2 decimals, a quarter of a pixel.
NATIONAL_DECIMALS = 2
# Province outlines over several provinces (the national view): parts under 0.04 x 0.04 degrees,
# about a pixel there, have no outline (they halve the outlines' payload).
NATIONAL_OUTLINE_SMALLEST = 0.0016
# Each level drawn: the tooltip's first two rows (the area, the area containing it).
TOOLTIP_LEVELS = {
    "village": ("tooltip.village", "tooltip.kecamatan"),
    "kecamatan": ("tooltip.kecamatan", "tooltip.regency"),
    "regency": ("tooltip.regency", "tooltip.province"),
    "province": ("tooltip.province", "tooltip.country"),
}
# Outlines are context lines drawn over the village borders: 4 decimals (11 m) is invisible there.
OUTLINE_DECIMALS = 4
OUTLINE_PANE = "outlines"

# Context lines (kecamatan and regency outlines) are simplified further than the villages: they
# are drawn on top of the village borders, so a 200 m shortcut is invisible and halves their payload.
OUTLINE_TOLERANCE_DEG = 0.004

# With MapOptions.clear_of_legend every control (zoom, full screen, layer switches, the folding legend)
# sits in a strip along the left edge, about 250 px wide with its margin, and the opening view fits the
# villages right of it: no village hides under a control when the map opens.
LEGEND_CLEARANCE_PX = 250

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'

TOO_FEW_FILL = "#9e9e9e"  # neutral grey: no hue, so it never reads as a rate
NO_DATA_FILL = "#ffffff"
BORDER = "#555555"


@dataclass(frozen=True)
class MapOptions:
    outlines: bool = True  # kecamatan outlines shown on opening (a toggle in the map's layer control)
    labels: bool = False  # village names shown on opening (also a toggle)
    basemap: bool = False  # OpenStreetMap tiles: needs the internet, so off unless asked for
    leaflet_base: str = LEAFLET_BASE
    decimals: int = OVERVIEW_DECIMALS  # DETAIL_DECIMALS for a kecamatan's detail geometry
    legend: bool = True  # off for all but one of several maps that share one set of classes
    # Fit the opening view left of the legend (LEGEND_CLEARANCE_PX): for a map narrow enough that the
    # legend would cover villages. Off where two maps side by side must show their areas at one scale.
    clear_of_legend: bool = False
    # The layer switches (outlines, names) as an icon that opens on hover: on a small map the open
    # box would cover villages at the top right (the comparison's two maps side by side).
    layers_collapsed: bool = False
    # Pixels along the right edge that something drawn over the map covers (the village panel on the
    # map page): the opening view fits the villages left of it.
    clear_right_px: int = 0


def village_states(prevalence: pd.DataFrame) -> pd.Series:
    """Per row: "rate", "too_few" or "no_data", as stunting.publish decides (a village absent from
    the prevalence frame, measured NaN, has no data)."""
    return publish(prevalence[["measured", "cases"]])["state"].rename("state")


def rate_text(row, lang: str, minimum: int = MIN_CHILDREN) -> str:
    """What a user reads for one area: "27,1% (IK 95%: 22,0%–32,9%)", or why there is no rate."""
    if row["state"] == STATE_NO_DATA:
        return t("rate.no_data", lang)
    if row["state"] == STATE_TOO_FEW:
        return t("rate.too_few", lang, minimum=minimum)
    return t(
        "rate.with_ci",
        lang,
        rate=fmt_percent(row["prevalence"], lang),
        low=fmt_percent(row["ci_low"], lang),
        high=fmt_percent(row["ci_high"], lang),
    )


def class_label(scheme: ClassScheme, index: int, lang: str) -> str:
    """Legend text of class ``index``: "20% – < 30% (tinggi)", "≥ 18,2% (kuantil 5 dari 5)"."""
    edges = scheme.edges
    # Whole percentages read cleaner ("10%"); WHO's 2.5% and data-driven edges keep one decimal.
    pct = [fmt_percent(e, lang, decimals=0 if abs(e * 100 - round(e * 100)) < 1e-9 else 1) for e in edges]
    if len(edges) == 1:
        text = t("class.range.above", lang, low=pct[0])
    elif index == 0:
        text = t("class.range.below", lang, high=pct[1])
    elif index == len(edges) - 1:
        text = t("class.range.above", lang, low=pct[index])
    else:
        text = t("class.range.between", lang, low=pct[index], high=pct[index + 1])
    text += f" ({t('class.' + scheme.names[index], lang, position=index + 1, count=len(edges))})"
    return text


def _rounded(geoms: gpd.GeoSeries, decimals: int) -> np.ndarray:
    return shapely.transform(np.asarray(geoms.values), lambda xy: np.round(xy, decimals))


def _kecamatan_names(codes: pd.Series) -> pd.Series:
    from stunting.gazetteer import villages

    names = villages().drop_duplicates("kecamatan_code").set_index("kecamatan_code")["kecamatan_name"]
    return codes.map(names).fillna(codes)


def area_level(areas: pd.DataFrame) -> str:
    """The level of the areas drawn (a frame without a ``level`` column holds villages)."""
    if "level" in areas and len(areas):
        return str(areas["level"].iloc[0])
    return "village"


def _parent_names(frame: pd.DataFrame, level: str) -> pd.Series:
    """The name of the area containing each one: its kecamatan, regency, province or the country."""
    from stunting.gazetteer import name_of

    if level == "village":
        return frame["kecamatan_name"]
    if level == "province":
        return pd.Series("Indonesia", index=frame.index)
    parents = frame["code"].astype(str).str[: 5 if level == "kecamatan" else 2]
    return parents.map(lambda code: name_of(code) or code)


def map_frame(areas: gpd.GeoDataFrame, prevalence: pd.DataFrame, scheme: ClassScheme) -> gpd.GeoDataFrame:
    """The areas to draw, one row each: geometry, state, class index, fill colour, rate columns,
    ``parent_name`` (the area containing it: the tooltip's second row).

    Every area of ``areas`` is kept; an area absent from ``prevalence`` counts as "no data"."""
    columns = ["code", "measured", "cases", "prevalence", "ci_low", "ci_high", "suppressed", "source"]
    rates = prevalence[[c for c in columns if c in prevalence.columns]].drop_duplicates("code")
    frame = areas.merge(rates, on="code", how="left")
    # Villages the boundary source has no polygon for are drawn as a marker (load_display's
    # attrs["unavailable"]); their tooltip says so.
    frame["unavailable"] = frame["code"].isin(list(areas.attrs.get("unavailable", [])))
    # The published numbers of every village drawn (one without a row here has no data).
    published = publish(frame[["measured", "cases"]])
    for column in ("measured", "cases", "prevalence", "ci_low", "ci_high", "suppressed", "state"):
        frame[column] = published[column].to_numpy() if column != "cases" else published[column].array
    classes = scheme.classify(frame["prevalence"].where(frame["state"] == STATE_RATE))
    frame["class_index"] = classes
    colours = np.asarray(scheme.colours, dtype=object)
    frame["fill"] = np.where(
        frame["state"] == STATE_RATE,
        colours[np.clip(classes, 0, None)],
        np.where(frame["state"] == STATE_TOO_FEW, TOO_FEW_FILL, NO_DATA_FILL),
    )
    level = area_level(areas)
    if level == "village" and "kecamatan_name" not in frame:
        frame["kecamatan_name"] = _kecamatan_names(frame["kecamatan"].astype(str))
    frame["parent_name"] = _parent_names(frame, level).to_numpy()
    return frame


# Fill and line per drawing state; "c0".."c4" are the classes of the scheme in use.
def _styles(scheme: ClassScheme) -> dict[str, dict]:
    styles = {
        f"c{i}": {"fillColor": colour, "fillOpacity": 0.85, "color": BORDER, "weight": 0.6}
        for i, colour in enumerate(scheme.colours)
    }
    styles[STATE_TOO_FEW] = {"fillColor": TOO_FEW_FILL, "fillOpacity": 0.85, "color": BORDER, "weight": 0.6}
    styles[STATE_NO_DATA] = {
        "fillColor": NO_DATA_FILL,
        "fillOpacity": 0.6,
        "color": "#777777",
        "weight": 0.8,
        "dashArray": "3 3",
    }
    return styles


def _js(value) -> str:
    """Compact JSON, safe inside a <script> element."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


class _VillageLayer(folium.map.Layer):
    """The village polygons as one L.geoJson: compact JSON, one style per state (not one per village),
    and the tooltip assembled in the browser from five short properties. folium.GeoJson would repeat
    the style of every village and pretty-print the coordinates (about a third more bytes)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_styles = {{ this.styles }};
        var {{ this.get_name() }}_labels = {{ this.labels }};
        var {{ this.get_name() }} = L.geoJson(null, {
            style: function (feature) { return {{ this.get_name() }}_styles[feature.properties.s]; },
            onEachFeature: function (feature, layer) {
                var p = feature.properties;
                var cells = [p.name, p.kec, p.rate, p.n, {{ this.period }}];
                layer.bindTooltip('<table style="font:13px sans-serif">' + cells.map(function (value, i) {
                    return '<tr><th style="text-align:left;padding-right:8px">' +
                        {{ this.get_name() }}_labels[i] + '</th><td>' + value + '</td></tr>';
                }).join("") + "</table>", {sticky: true});
                layer.on({
                    mouseover: function (e) { e.target.setStyle({weight: 3, color: "#000000"}); },
                    mouseout: function (e) { {{ this.get_name() }}.resetStyle(e.target); }
                });
            }
        });
        {{ this.get_name() }}.addData({{ this.data }});
        {% endmacro %}
        """
    )

    def __init__(self, data: str, styles: str, labels: str, period: str):
        super().__init__(name="villages", overlay=True, control=False, show=True)
        self._name = "Villages"
        self.data, self.styles, self.labels, self.period = data, styles, labels, period


class _Legend(MacroElement):
    """The app-drawn legend: a Leaflet control holding plain HTML (no external script). It folds (an
    HTML <details>, open at first) so a presenter who zooms in can clear it off the villages."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "peta-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.html = legend_html
        self.position = position


class _Fullscreen(MacroElement):
    """A full-screen button written with Leaflet's control API and the browser's Fullscreen API: no
    plugin (folium's brings CDN links). Streamlit's component frames allow full screen."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var bar = L.DomUtil.create("div", "leaflet-bar peta-fullscreen");
                var button = L.DomUtil.create("a", "", bar);
                button.href = "#";
                button.role = "button";
                button.title = {{ this.title|tojson }};
                button.setAttribute("aria-label", {{ this.title|tojson }});
                // Four corner brackets, drawn inline: no icon font to fetch.
                button.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="margin-top:7px" ' +
                    'fill="none" stroke="#222" stroke-width="2">' +
                    '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"/></svg>';
                L.DomEvent.disableClickPropagation(bar);
                L.DomEvent.on(button, "click", function (e) {
                    L.DomEvent.preventDefault(e);
                    var container = map.getContainer();
                    if (document.fullscreenElement) { document.exitFullscreen(); }
                    else if (container.requestFullscreen) { container.requestFullscreen(); }
                });
                return bar;
            };
            control.addTo(map);
            document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, position: str = "topleft"):
        super().__init__()
        self._name = "Fullscreen"
        self.title = title
        self.position = position


class _TooltipsOnTop(MacroElement):
    """A tooltip lives in Leaflet's map pane (z-index 400), under the control corners (1000): while
    one is open the corners drop below the map pane, so a village's tooltip is never hidden by the
    legend or a switch box."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.peta-tooltip-open .leaflet-top,.peta-tooltip-open .leaflet-bottom{z-index:399}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            var container = map.getContainer();
            map.on("tooltipopen", function () { L.DomUtil.addClass(container, "peta-tooltip-open"); });
            map.on("tooltipclose", function () { L.DomUtil.removeClass(container, "peta-tooltip-open"); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "TooltipsOnTop"


class _Attribution(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _Labels(folium.map.Layer):
    """Village names as one compact array turned into Leaflet div-icons in the browser: a folium
    Marker per village would add about 500 bytes each to the payload."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        {{ this.rows|tojson }}.forEach(function (row) {
            L.marker([row[0], row[1]], {
                interactive: false,
                icon: L.divIcon({className: "peta-label", iconSize: null, html:
                    '<span style="font:11px sans-serif;color:#111;white-space:nowrap;' +
                    'text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff">' + row[2] + "</span>"})
            }).addTo({{ this.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self, rows: list, name: str, show: bool):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "Labels"
        self.rows = rows


_SWATCH = (
    '<span style="display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:middle;'
    'background:{fill};border:1px {border_style} {border}"></span>'
)


def legend_html(
    scheme: ClassScheme, indicator_label: str, lang: str, minimum: int = MIN_CHILDREN, schematic: bool = False
) -> str:
    rows = [(scheme.colours[i], "solid", BORDER, class_label(scheme, i, lang)) for i in range(len(scheme))]
    rows.append((TOO_FEW_FILL, "solid", BORDER, t("class.too_few", lang, minimum=minimum)))
    rows.append((NO_DATA_FILL, "dashed", "#777777", t("class.no_data", lang)))
    items = "".join(
        "<div>" + _SWATCH.format(fill=fill, border_style=style, border=border) + html.escape(text) + "</div>"
        for fill, style, border, text in rows
    )
    return (
        '<details open style="background:rgba(255,255,255,0.93);padding:6px 9px;font:13px/1.45 sans-serif;'
        'color:#222;border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.35)">'
        f'<summary style="cursor:pointer;font-weight:bold">'
        f"{html.escape(t('legend.title', lang, indicator=indicator_label))}</summary>{items}"
        f'<div style="font-size:12px;color:#444;max-width:230px">{html.escape(t(scheme.source_key, lang))}'
        "</div>"
        # Schematic cells are named where the eye reads the colours, not only in the small print.
        + (
            f'<div style="font-size:12px;font-weight:bold;color:#b30000;max-width:230px">'
            f"{html.escape(t('map.schematic', lang))}</div>"
            if schematic
            else ""
        )
        + "</details>"
    )


def _outline_layer(
    polygons: gpd.GeoDataFrame,
    name: str,
    weight: float,
    show: bool,
    control: bool,
    smallest: float = 0.0,
    decimals: int = OUTLINE_DECIMALS,
):
    """Context lines: the polygons' borders, simplified; parts under ``smallest`` square degrees
    left out (the national map's province outlines: an islet's ring is not a province border
    anyone reads at that zoom, and its regency is drawn filled beneath)."""
    shapes = np.asarray(polygons.geometry.values)
    if smallest:
        parts, owner = shapely.get_parts(shapes, return_index=True)
        big = shapely.area(parts) >= smallest
        shapes = shapely.multipolygons(parts[big], indices=owner[big])
    lines = shapely.simplify(shapely.boundary(shapes), OUTLINE_TOLERANCE_DEG)
    lines = shapely.transform(lines, lambda xy: np.round(xy, decimals))
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(line))}
            for line in lines
            if not line.is_empty
        ],
    }
    return folium.GeoJson(
        collection,
        name=name,
        overlay=True,
        control=control,
        show=show,
        style_function=lambda _f: {"color": "#222222", "weight": weight, "fill": False},
        interactive=False,
        pane=OUTLINE_PANE,
    )


@dataclass
class Choropleth:
    """The base map (outlines, labels, legend, attribution: the same for every period) and the village
    layer (colours and tooltips: what a period, indicator or filter changes).

    The page hands the village layer to st_folium as ``feature_group_to_add``: a new period then swaps
    that layer inside the running map instead of reloading the whole component."""

    base: folium.Map
    villages: folium.FeatureGroup
    frame: gpd.GeoDataFrame

    def standalone(self) -> folium.Map:
        """The base map with the village layer added (a complete HTML map; mutates ``base``)."""
        self.villages.add_to(self.base)
        return self.base


def village_layer(
    frame: gpd.GeoDataFrame,
    scheme: ClassScheme,
    *,
    lang: str,
    period: str,
    minimum: int = MIN_CHILDREN,
    decimals: int = OVERVIEW_DECIMALS,
) -> folium.FeatureGroup:
    """The polygons of ``frame`` (map_frame's output: villages or regencies) styled by state and class."""
    geometries = shapely.to_geojson(_rounded(frame.geometry, decimals))
    measured = pd.to_numeric(frame["measured"], errors="coerce").fillna(0).astype(int)
    style_keys = np.where(
        frame["state"] == STATE_RATE, "c" + frame["class_index"].astype(str), frame["state"]
    )
    features = []
    level = area_level(frame)
    columns = ["code", "name", "parent_name", "state", "prevalence", "ci_low", "ci_high"]
    if "unavailable" in frame:
        columns.append("unavailable")
    unavailable_text = t("map.boundary_unavailable", lang)
    for row, geometry, children, style in zip(
        frame[columns].to_dict("records"), geometries, measured, style_keys, strict=True
    ):
        properties = {
            "code": row["code"],
            "name": html.escape(
                f"{row['name']} ({unavailable_text})" if row.get("unavailable") else str(row["name"])
            ),
            "kec": html.escape(str(row["parent_name"])),
            "rate": html.escape(rate_text(row, lang, minimum)),
            "n": html.escape(fmt_children(children, lang)),
            "s": style,
        }
        features.append(
            f'{{"type":"Feature","id":{_js(row["code"])},"properties":{_js(properties)},'
            f'"geometry":{geometry}}}'
        )
    data = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
    labels = [
        t(key, lang)
        for key in (
            *TOOLTIP_LEVELS.get(level, TOOLTIP_LEVELS["village"]),
            "tooltip.prevalence",
            "tooltip.children",
            "tooltip.period",
        )
    ]
    group = folium.FeatureGroup(name="villages", control=False)
    _VillageLayer(data, _js(_styles(scheme)), _js(labels), _js(html.escape(fmt_month(period, lang)))).add_to(
        group
    )
    return group


def build_map(
    areas: gpd.GeoDataFrame,
    prevalence: pd.DataFrame,
    scheme: ClassScheme,
    *,
    lang: str,
    period: str,
    indicator_label: str,
    options: MapOptions = MapOptions(),
    minimum: int = MIN_CHILDREN,
    kecamatan_areas: gpd.GeoDataFrame | None = None,
    regency_areas: gpd.GeoDataFrame | None = None,
    province_areas: gpd.GeoDataFrame | None = None,
) -> Choropleth:
    """The choropleth of ``areas`` (code, name, kecamatan, regency, geometry in EPSG:4326; attrs
    "schematic" and "attribution") coloured by ``prevalence`` (the prevalence API's frame).

    Each village feature carries its code as ``id`` and the tooltip's texts in ``lang``; a click on it
    reports the feature (st_folium's ``last_active_drawing``) so the page can open its panel.
    ``kecamatan_areas`` / ``regency_areas`` (the boundary API's dissolved levels) draw the outlines;
    without them the villages are dissolved here, which costs a few hundred ms on real boundaries.
    When ``areas`` are regencies (the national and province views), ``province_areas`` draw the
    province outlines over them (dissolved from the regencies without it)."""
    frame = map_frame(areas, prevalence, scheme)

    # Fine zoom steps: the opening view fits the villages to within a tenth of a zoom level (a
    # quarter level could leave them a fifth smaller than the space allows).
    m = folium.Map(tiles=None, control_scale=True, zoom_snap=0.1)
    # Instance attributes override folium's CDN links; st_folium reads them for the component.
    m.default_js = [("leaflet", f"{options.leaflet_base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{options.leaflet_base}/leaflet.css")]
    if options.basemap:
        folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", control=False).add_to(m)

    # Outlines sit above the village layer (which st_folium adds last) and let clicks through.
    folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
    level = area_level(areas)
    if level in ("regency", "province"):
        if province_areas is None:
            province_areas = frame[["province", "geometry"]].dissolve(by="province").reset_index()
        # All of Indonesia in view: a province's islands under about one pixel have no outline.
        national = frame["province"].nunique() > 1
        _outline_layer(
            province_areas,
            "province",
            2.0,
            True,
            False,
            smallest=NATIONAL_OUTLINE_SMALLEST if national else 0.0,
            decimals=min(options.decimals, OUTLINE_DECIMALS),
        ).add_to(m)
    else:
        if regency_areas is None:
            regency_areas = frame[["regency", "geometry"]].dissolve(by="regency").reset_index()
        # Over a province's kecamatan the regency lines need no more decimals than the kecamatan.
        decimals = min(options.decimals, OUTLINE_DECIMALS) if level == "kecamatan" else OUTLINE_DECIMALS
        _outline_layer(regency_areas, "regency", 2.5, show=True, control=False, decimals=decimals).add_to(m)
    if level == "village" and frame["kecamatan"].nunique() > 1:
        if kecamatan_areas is None:
            kecamatan_areas = frame[["kecamatan", "geometry"]].dissolve(by="kecamatan").reset_index()
        _outline_layer(kecamatan_areas, t("map.outlines", lang), 1.4, options.outlines, True).add_to(m)

    points = shapely.point_on_surface(np.asarray(frame.geometry.values))
    labels = [
        [round(float(p.y), 4), round(float(p.x), 4), html.escape(name)]
        for p, name in zip(points, frame["name"], strict=True)
    ]
    labels_name = t(
        {"regency": "map.labels.regencies", "province": "map.labels.regencies"}.get(
            level, "map.labels.kecamatan" if level == "kecamatan" else "map.labels"
        ),
        lang,
    )
    _Labels(labels, labels_name, options.labels).add_to(m)
    # Controls in a strip along the left edge when the view is fitted right of it (clear_of_legend).
    side = "left" if options.clear_of_legend else "right"
    _Fullscreen(t("map.fullscreen", lang)).add_to(m)
    folium.LayerControl(collapsed=options.layers_collapsed, position=f"top{side}").add_to(m)
    _TooltipsOnTop().add_to(m)

    if options.legend:
        _Legend(
            legend_html(scheme, indicator_label, lang, minimum, schematic=bool(areas.attrs.get("schematic"))),
            position=f"bottom{side}",
        ).add_to(m)
    parts = [str(areas.attrs.get("attribution") or "")]
    if areas.attrs.get("schematic"):
        # The schematic fallback brings its own (Indonesian) notice: say it once, in the chosen language.
        schematic_texts = {t("map.schematic", lang_) for lang_ in LANGUAGES}
        parts = [t("map.schematic", lang)] + [p for p in parts if p not in schematic_texts]
    attribution = " · ".join(p for p in parts if p)
    if attribution:
        _Attribution(html.escape(attribution)).add_to(m)

    minx, miny, maxx, maxy = frame.total_bounds
    left = LEGEND_CLEARANCE_PX if options.clear_of_legend else 0
    m.fit_bounds(
        [[miny, minx], [maxy, maxx]],
        padding_top_left=(left, 0) if left else None,
        padding_bottom_right=(options.clear_right_px, 0) if options.clear_right_px else None,
    )
    villages = village_layer(
        frame, scheme, lang=lang, period=period, minimum=minimum, decimals=options.decimals
    )
    return Choropleth(m, villages, frame)
