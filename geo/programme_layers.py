"""Programme layers for the village map: lokus villages outlined per year, BAAS children as
proportional circles, hot spots outlined, and the empirical Bayes rates as a choropleth option.
Each is a folium FeatureGroup in the layer control, off when the map opens, its symbol drawn in its
own name (the layer control is the legend of these).

Pure builders: polygons + the programme store's frames in, folium layers out. They go onto a built
choropleth's base map; ``add_programme_layers`` moves the layer control after them.
"""

from __future__ import annotations

import html
import json
import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stunting.i18n import fmt_number, fmt_percent, t

LOKUS_COLOUR = "#6a3d9a"  # purple: not a hue of any rate palette, so it never reads as a rate
BAAS_COLOUR = "#1f78b4"
HOT_COLOUR = "#000000"
# A circle's area is proportional to the children fostered; 50 children get this radius.
BAAS_RADIUS_PX_AT_50 = 14.0
LINE_DECIMALS = 4


def _swatch(style: str) -> str:
    return f'<span style="display:inline-block;width:14px;height:10px;{style}"></span> '


def _outlines(polygons: gpd.GeoDataFrame, name: str, style: dict, tooltips: list[str]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, overlay=True, control=True, show=False)
    lines = shapely.boundary(np.asarray(polygons.geometry.values))
    lines = shapely.transform(lines, lambda xy: np.round(xy, LINE_DECIMALS))
    features = [
        {"type": "Feature", "properties": {"tip": tip}, "geometry": json.loads(shapely.to_geojson(line))}
        for line, tip in zip(lines, tooltips, strict=True)
        if not line.is_empty
    ]
    if not features:  # folium refuses a tooltip on an empty collection; the layer adds nothing
        return group
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda _f, style=style: style,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group)
    return group


def lokus_layer(areas: gpd.GeoDataFrame, lokus: pd.DataFrame, year: int, lang: str) -> folium.FeatureGroup:
    """The villages that were lokus in ``year``, outlined with a thick dashed purple line."""
    codes = set(lokus.loc[(lokus["year"] == year) & lokus["lokus"].astype(bool), "village_code"])
    chosen = areas[areas["code"].isin(codes)]
    name = _swatch(f"border:2px dashed {LOKUS_COLOUR}") + html.escape(t("layer.lokus", lang, year=year))
    tips = [html.escape(t("layer.lokus.tip", lang, village=v, year=year)) for v in chosen["name"]]
    style = {"color": LOKUS_COLOUR, "weight": 3.5, "dashArray": "6 4", "fill": False}
    return _outlines(chosen, name, style, tips)


def baas_layer(areas: gpd.GeoDataFrame, baas: pd.DataFrame, year: int, lang: str) -> folium.FeatureGroup:
    """Children fostered by BAAS in ``year`` as circles at the villages, area proportional to count."""
    rows = baas[(baas["year"] == year) & (baas["children_fostered"].fillna(0).astype(int) > 0)]
    counts = rows.set_index("village_code")["children_fostered"].astype(int)
    chosen = areas[areas["code"].isin(counts.index)]
    name = _swatch(f"border-radius:50%;background:{BAAS_COLOUR};opacity:0.7") + html.escape(
        t("layer.baas", lang, year=year)
    )
    group = folium.FeatureGroup(name=name, overlay=True, control=True, show=False)
    points = shapely.point_on_surface(np.asarray(chosen.geometry.values))
    features = []
    for code, village, point in zip(chosen["code"], chosen["name"], points, strict=True):
        children = int(counts[code])
        tip = t("layer.baas.tip", lang, village=village, year=year, children=fmt_number(children, lang))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "tip": html.escape(tip),
                    "radius": BAAS_RADIUS_PX_AT_50 * math.sqrt(children / 50),
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(point.x), 5), round(float(point.y), 5)],
                },
            }
        )
    if not features:  # folium refuses a tooltip on an empty collection
        return group
    # One GeoJSON layer of circle markers, not a folium marker per village: each marker (and its
    # tooltip) is a template rendered on every rerun, a tenth of a map rerun's time for 180 villages.
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        marker=folium.CircleMarker(),
        style_function=lambda f: {
            "radius": f["properties"]["radius"],
            "color": BAAS_COLOUR,
            "weight": 1,
            "fill": True,
            "fillColor": BAAS_COLOUR,
            "fillOpacity": 0.55,
        },  # fmt: skip
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group)
    return group


def hot_spot_layer(areas: gpd.GeoDataFrame, ranking: pd.DataFrame, period_label: str, lang: str):
    """Hot spots (stunting.smoothing.where_to_act's cluster "hot") outlined in thick black."""
    hot = ranking.loc[ranking["cluster"] == "hot", "code"]
    chosen = areas[areas["code"].isin(set(hot))]
    name = _swatch(f"border:3px solid {HOT_COLOUR}") + html.escape(t("layer.hot", lang, period=period_label))
    tips = [html.escape(t("layer.hot.tip", lang, village=v)) for v in chosen["name"]]
    style = {"color": HOT_COLOUR, "weight": 4, "fill": False}
    return _outlines(chosen, name, style, tips)


def smoothed_layer(areas: gpd.GeoDataFrame, ranking: pd.DataFrame, scheme, period_label: str, lang: str):
    """Villages coloured by their empirical Bayes rate (stunting.smoothing) in the map's own classes:
    the choropleth with small villages' noise pulled towards the regency's rate. Villages below the
    minimum have no smoothed rate and are not drawn (the choropleth under it shows them grey)."""
    rates = ranking.dropna(subset=["smoothed"]).set_index("code")["smoothed"]
    chosen = areas[areas["code"].isin(rates.index)]
    name = _swatch("background:linear-gradient(90deg,#fed976,#bd0026)") + html.escape(
        t("layer.smoothed", lang, period=period_label)
    )
    group = folium.FeatureGroup(name=name, overlay=True, control=True, show=False)
    shapes = shapely.transform(np.asarray(chosen.geometry.values), lambda xy: np.round(xy, LINE_DECIMALS))
    features = []
    for code, village, shape in zip(chosen["code"], chosen["name"], shapes, strict=True):
        rate = float(rates[code])
        tip = t("layer.smoothed.tip", lang, village=village, rate=fmt_percent(rate, lang))
        properties = {"tip": html.escape(tip), "fill": scheme.colour(rate)}
        features.append(
            {"type": "Feature", "properties": properties, "geometry": json.loads(shapely.to_geojson(shape))}
        )
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            style_function=lambda f: {
                "fillColor": f["properties"]["fill"],
                "fillOpacity": 0.9,
                "color": "#555555",
                "weight": 0.5,
            },  # fmt: skip
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(group)
    return group


def add_programme_layers(
    m: folium.Map,
    areas: gpd.GeoDataFrame,
    *,
    lokus: pd.DataFrame,
    baas: pd.DataFrame,
    year: int,
    lang: str,
    ranking: pd.DataFrame | None = None,
    period_label: str = "",
    scheme=None,
) -> list[folium.FeatureGroup]:
    """Add the layers that have villages of ``areas`` in ``year`` (and the hot spots, given a ranking)
    to ``m``; a layer with nothing to draw in view is left out of the layer control."""
    layers = []
    codes = set(areas["code"])
    lokus_codes = (
        lokus.loc[(lokus["year"] == year) & lokus["lokus"].astype(bool), "village_code"] if len(lokus) else []
    )
    if codes & set(lokus_codes):
        layers.append(lokus_layer(areas, lokus, year, lang))
    baas_codes = baas.loc[baas["year"] == year, "village_code"] if len(baas) else []
    if codes & set(baas_codes):
        layers.append(baas_layer(areas, baas, year, lang))
    if (
        ranking is not None
        and scheme is not None
        and codes & set(ranking.dropna(subset=["smoothed"])["code"])
    ):
        layers.insert(0, smoothed_layer(areas, ranking, scheme, period_label, lang))
    if ranking is not None and codes & set(ranking.loc[ranking["cluster"] == "hot", "code"]):
        layers.append(hot_spot_layer(areas, ranking, period_label, lang))
    for layer in layers:
        layer.add_to(m)
    # The layer control's script names every overlay's variable: it must come after the layers in
    # the page, or it meets them undefined and the whole map stays blank (Leaflet's setZIndex error).
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            if layers:
                # The programme layers' long names make the open box about 500 px wide, over a sixth
                # of the villages: fold the switches into the layers icon (they open on hover or tap).
                child.options["collapsed"] = True
            m._children.move_to_end(key)
    return layers
