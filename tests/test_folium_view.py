"""ui/folium_view.py against streamlit-folium itself: the component call made from a map rendered once
carries exactly the arguments st_folium would send for the same map, so the browser cannot tell."""

from __future__ import annotations

import copy

import branca.colormap
import folium
import pytest
import streamlit_folium as sf
from shapely.geometry import box, mapping

from ui import folium_view

RETURNED = ["last_active_drawing", "last_object_clicked"]


def _map() -> tuple[folium.Map, folium.FeatureGroup]:
    """A map with what the pages' maps have: tiles off, outlines, a layer control and a layer of
    polygons with tooltips to swap (no colormap: the pages draw their own legends)."""
    base = folium.Map(location=[-0.5, 117.0], zoom_start=8, tiles=None)
    square = mapping(box(116, -1, 117.5, 0.5))
    regency = {"type": "Feature", "properties": {"code": "64.02"}, "geometry": square}
    outline = {"type": "FeatureCollection", "features": [regency]}
    folium.GeoJson(outline, name="outline", style_function=lambda _f: {"weight": 2}).add_to(base)
    folium.LayerControl().add_to(base)
    villages = folium.FeatureGroup(name="villages")
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"code": code, "name": name},
         "geometry": mapping(box(116.0 + i / 10, -0.5, 116.09 + i / 10, -0.4))}
        for i, (code, name) in enumerate([("64.02.01.2001", "Sebulu Ilir"), ("64.02.01.2002", "Manunggal")])
    ]}  # fmt: skip
    folium.GeoJson(
        features,
        style_function=lambda f: {"fillColor": "#bd0026" if f["id"].endswith("1") else "#ffffb2"},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(villages)
    return base, villages


@pytest.fixture
def component_calls(monkeypatch):
    """The keyword arguments of every call to streamlit-folium's component (no streamlit run)."""
    calls = []
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: calls.append(kwargs))
    return calls


def test_the_component_gets_exactly_what_st_folium_sends(component_calls):
    base, villages = _map()
    twin_base, twin_villages = copy.deepcopy((base, villages))  # the same elements, the same names
    sf.st_folium(
        base,
        key="village_map",
        height=500,
        use_container_width=True,
        returned_objects=RETURNED,
        feature_group_to_add=villages,
    )
    rendered = folium_view.rendered(twin_base, feature_group_to_add=twin_villages, returned_objects=RETURNED)
    folium_view.show(rendered, key="village_map", height=500)
    expected, ours = component_calls
    assert expected.pop("on_change") is not None and ours.pop("on_change") is not None
    assert ours == expected
    # The parts that carry the map are there at all (a comparison of two empty calls proves nothing).
    assert "Sebulu Ilir" in ours["feature_group"] and "64.02" in ours["script"]
    assert ours["default"] == {"last_object_clicked": None, "last_active_drawing": None}
    # Leaflet's own links (ui/assets.py serves them locally in the page; st_folium lists them too).
    assert any("leaflet" in link for link in ours["js_links"])


@pytest.mark.parametrize("returned", [None, ["bounds", "last_object_clicked"]])
def test_the_bounds_are_those_st_folium_sends_when_the_map_returns_them(component_calls, returned):
    # Left out when not returned (the pages' maps: computing them walked every outline's points).
    base, villages = _map()
    twin_base, twin_villages = copy.deepcopy((base, villages))
    sf.st_folium(base, key="m", height=500, use_container_width=True, returned_objects=returned,
                 feature_group_to_add=villages)  # fmt: skip
    rendered = folium_view.rendered(twin_base, feature_group_to_add=twin_villages, returned_objects=returned)
    folium_view.show(rendered, key="m", height=500)
    expected, ours = component_calls
    assert ours["default"] == expected["default"]
    assert ours["default"]["bounds"]["_southWest"] == {"lat": -1, "lng": 116}


def test_the_kept_key_is_the_one_st_folium_derives(component_calls):
    base, villages = _map()
    rendered = folium_view.rendered(base, feature_group_to_add=villages, returned_objects=RETURNED)
    hashed = folium_view.widget_key(rendered, "village_map")
    folium_view.show(rendered, key="village_map", height=500, hashed_key=hashed)
    folium_view.show(rendered, key="village_map", height=500)
    assert component_calls[0]["key"] == component_calls[1]["key"] == hashed
    # Another widget key, another component: the regency maps never read a village map's click.
    assert folium_view.widget_key(rendered, "village_map_regencies") != hashed


def test_only_a_folium_map_is_taken():
    with pytest.raises(TypeError):
        folium_view.rendered(folium.Figure())


def test_a_colormap_is_refused_before_it_can_send_the_browser_to_a_cdn():
    base, villages = _map()
    branca.colormap.LinearColormap(["#ffffb2", "#bd0026"], vmin=0, vmax=0.4).add_to(base)
    # st_folium itself would list d3 from the internet for it: the reason for the refusal.
    assert any(link.startswith("https://") and "d3" in link for link in _st_folium_links(copy.deepcopy(base)))
    with pytest.raises(ValueError, match="colormap"):
        folium_view.rendered(base, feature_group_to_add=villages, returned_objects=RETURNED)


def _st_folium_links(folium_map: folium.Map) -> list[str]:
    calls = []
    original = sf._component_func
    sf._component_func = lambda **kwargs: calls.append(kwargs)
    try:
        sf.st_folium(folium_map, key="m", height=100, use_container_width=True, returned_objects=RETURNED)
    finally:
        sf._component_func = original
    return calls[0]["js_links"]


class _Odd(folium.MacroElement):
    """An element whose rendered output jinja would change when branca compiles it again: Windows line
    endings, blank lines at its end, and an expression (``{{ 1 + 1 }}``) written out by its template."""

    _template = folium.template.Template(
        "{% macro header(this, kwargs) %}<style>.odd{}</style>\r\n\r\n{% endmacro %}"
        '{% macro script(this, kwargs) %}var odd = "a";\r\nvar sum = "{{ "{{" }} 1 + 1 }}";\r\r{% endmacro %}'
    )


def _figure_both_ways(build) -> tuple[str, str]:
    """The whole page folium writes for a map, rendered by branca itself and inside ``rendered``'s
    kept-as-text rendering, from two copies of the same elements."""
    branca_map = build()
    ours = copy.deepcopy(branca_map)
    expected = branca_map.get_root().render()
    with folium_view._kept_as_text():
        got = ours.get_root().render()
    # Kept as text indeed (not branca's compiled Element): else the comparison proves nothing.
    scripts = ours.get_root().script._children.values()
    assert scripts and all(isinstance(e, folium_view._RenderedText) for e in scripts)
    return expected, got


def test_rendered_text_is_what_branca_makes_of_it_to_the_byte():
    def build():
        base, villages = _map()
        villages.add_to(base)
        _Odd().add_to(base)
        return base

    expected, got = _figure_both_ways(build)
    assert got == expected
    # The cases that differ from the text as written: jinja ran the expression and ended the lines.
    assert 'var sum = "2";' in got and "\r" not in got and "Sebulu Ilir" in got


def test_a_pages_map_renders_the_same_kept_as_text():
    """The village map the pages draw (geo/choropleth.py: its village layer, legend and controls)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geo.choropleth import build_map
    from stunting.classes import make_scheme

    codes = [f"64.74.0{1 + i // 3}.100{i}" for i in range(6)]
    villages = gpd.GeoDataFrame(
        {"code": codes, "name": [f"Desa {i}" for i in range(6)], "level": "village",
         "kecamatan": [c[:8] for c in codes], "kecamatan_name": "Bontang Selatan", "regency": "64.74"},
        geometry=[shapely.box(117.4 + i * 0.01, 0.1, 117.41 + i * 0.01, 0.11) for i in range(6)], crs=4326,
    )  # fmt: skip
    rates = pd.DataFrame(
        {"code": codes[:5], "name": [f"Desa {i}" for i in range(5)], "measured": [40, 20, 4, 9, 0],
         "cases": [2, 7, 3, 1, 0], "source": "measurements"}
    )  # fmt: skip

    def build():
        chart = build_map(
            villages, rates, make_scheme("who", "stunting"), lang="id", period="2024-08",
            indicator_label="Stunting", minimum=10,
        )  # fmt: skip
        return chart.standalone()

    expected, got = _figure_both_ways(build)
    assert got == expected and "Desa 3" in got and "addData" in got
