"""The choropleth as the browser receives it: every village drawn, rates coloured by class, and
"too few children" / "no data" never in a rate colour (asserted on the rendered HTML)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.choropleth import NO_DATA_FILL, TOO_FEW_FILL, MapOptions, build_map
from stunting.classes import PALETTES, make_scheme

MIN = 10


def _villages(n=6):
    # a row of unit squares in two kecamatan of one regency
    codes = [f"64.74.0{1 + i // 3}.100{i}" for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [f"Desa {i}" for i in range(n)],
            "level": "village",
            "kecamatan": [c[:8] for c in codes],
            "kecamatan_name": ["Bontang Selatan" if c[:8] == "64.74.01" else "Bontang Utara" for c in codes],
            "regency": "64.74",
        },
        geometry=[shapely.box(117.4 + i * 0.01, 0.1, 117.41 + i * 0.01, 0.11) for i in range(n)],
        crs=4326,
    )


def _rates():
    # Desa 0: 5%, Desa 1: 35% (both rates); Desa 2: 4 children (too few, even with a rate given);
    # Desa 3: 9 children, one under the minimum; Desa 4: measured 0; Desa 5: absent from the frame.
    # The map publishes what it draws (stunting.publish): intervals are Wilson's, whatever came in.
    return pd.DataFrame(
        {
            "code": ["64.74.01.1000", "64.74.01.1001", "64.74.01.1002", "64.74.02.1003", "64.74.02.1004"],
            "name": ["Desa 0", "Desa 1", "Desa 2", "Desa 3", "Desa 4"],
            "measured": [40, 20, 4, 9, 0],
            "cases": [2, 7, 3, 1, 0],
            "prevalence": [0.05, 0.35, 0.75, float("nan"), float("nan")],
            "ci_low": [0.014, 0.18, 0.30, float("nan"), float("nan")],
            "ci_high": [0.165, 0.57, 0.95, float("nan"), float("nan")],
            "suppressed": [False, False, False, True, False],
            "source": "measurements",
        }
    )


def _features(rendered: str) -> list[dict]:
    data = re.search(r"\.addData\((\{\"type\":\"FeatureCollection\".*?\})\);\n", rendered, re.S).group(1)
    return json.loads(data)["features"]


def _styles(rendered: str) -> dict[str, dict]:
    """Village code -> the style the browser gives it, read from the generated script: the layer's
    style table and each feature's style key."""
    table = json.loads(re.search(r"var \w+_styles = (\{.*?\});\n", rendered).group(1))
    return {f["id"]: table[f["properties"]["s"]] for f in _features(rendered)}


def _legend(rendered: str) -> str:
    return json.loads(re.search(r"div\.innerHTML = (\".*?\");", rendered).group(1))


@pytest.fixture
def rendered_id():
    m = build_map(
        _villages(),
        _rates(),
        make_scheme("who", "stunting"),
        lang="id",
        period="2024-08",
        indicator_label="Stunting",
        minimum=MIN,
    )
    return m.standalone().get_root().render()


def test_every_village_is_drawn_even_without_data(rendered_id):
    assert sorted(f["id"] for f in _features(rendered_id)) == sorted(_villages()["code"])


def test_rates_take_their_who_class_colour(rendered_id):
    styles = _styles(rendered_id)
    palette = PALETTES[5]
    assert styles["64.74.01.1000"]["fillColor"] == palette[1]  # 5%: low (2.5-<10)
    assert styles["64.74.01.1001"]["fillColor"] == palette[4]  # 35%: very high (>= 30)


def test_too_few_and_no_data_never_get_a_rate_colour(rendered_id):
    styles = _styles(rendered_id)
    rate_colours = {c.lower() for colours in PALETTES.values() for c in colours}
    assert styles["64.74.01.1002"]["fillColor"] == TOO_FEW_FILL  # 4 children, rate given: still hidden
    assert styles["64.74.02.1003"]["fillColor"] == TOO_FEW_FILL
    assert styles["64.74.02.1004"]["fillColor"] == NO_DATA_FILL
    assert styles["64.74.02.1004"]["dashArray"]
    assert styles["64.74.02.1005"]["fillColor"] == NO_DATA_FILL  # absent from the prevalence frame
    for code in ("64.74.01.1002", "64.74.02.1003", "64.74.02.1004", "64.74.02.1005"):
        assert styles[code]["fillColor"].lower() not in rate_colours


def test_tooltips_in_indonesian_with_interval_children_and_period(rendered_id):
    props = {f["id"]: f["properties"] for f in _features(rendered_id)}
    # Wilson 7/20 (statsmodels' proportion_confint, method="wilson"): 0.1812 to 0.5671.
    assert props["64.74.01.1001"]["rate"] == "35,0% (IK 95%: 18,1%–56,7%)"
    assert props["64.74.01.1001"]["n"] == "20 anak"
    assert props["64.74.01.1001"]["kec"] == "Bontang Selatan"
    assert props["64.74.01.1002"]["rate"] == "terlalu sedikit anak (&lt; 10)"  # HTML-escaped tooltip text
    assert "75" not in props["64.74.01.1002"]["rate"]
    assert props["64.74.02.1005"]["rate"] == "tidak ada data"
    labels = json.loads(re.search(r"var \w+_labels = (\[.*?\]);\n", rendered_id).group(1))
    assert labels == ["Desa/Kel.", "Kecamatan", "Prevalensi", "Anak diukur", "Periode"]
    assert '"Agustus 2024"' in rendered_id  # the period, once for the whole layer


def test_english_tooltips_and_legend():
    m = build_map(
        _villages(),
        _rates(),
        make_scheme("who", "wasting"),
        lang="en",
        period="2024-02",
        indicator_label="Wasting",
        minimum=MIN,
    )
    rendered = m.standalone().get_root().render()
    props = {f["id"]: f["properties"] for f in _features(rendered)}
    assert props["64.74.01.1001"]["rate"] == "35.0% (95% CI: 18.1%–56.7%)"
    assert '"February 2024"' in rendered
    assert "Children measured" in rendered and "Anak diukur" not in rendered
    legend = _legend(rendered)
    assert "Too few children (&lt; 10)" in legend
    assert "No data" in legend and "≥ 15% (very high)" in legend and "Wasting prevalence" in legend


def test_offline_no_external_link_unless_basemap_asked():
    m = build_map(
        _villages(),
        _rates(),
        make_scheme("who", "stunting"),
        lang="id",
        period="2024-08",
        indicator_label="Stunting",
        minimum=MIN,
    )
    rendered = m.standalone().get_root().render()
    assert re.findall(r"https?://", rendered) == []
    assert '<script src="/app/static/leaflet/leaflet.js">' in rendered
    with_osm = build_map(
        _villages(),
        _rates(),
        make_scheme("who", "stunting"),
        lang="id",
        period="2024-08",
        indicator_label="Stunting",
        options=MapOptions(basemap=True),
        minimum=MIN,
    )
    assert "tile.openstreetmap.org" in with_osm.standalone().get_root().render()


def test_legend_lists_classes_too_few_and_no_data(rendered_id):
    legend = _legend(rendered_id)
    for text in (
        "&lt; 2,5% (sangat rendah)",
        "2,5% – &lt; 10% (rendah)",
        "≥ 30% (sangat tinggi)",
        "Terlalu sedikit anak (&lt; 10)",
        "Tidak ada data",
        "de Onis",
    ):
        assert text in legend
    assert TOO_FEW_FILL in legend and NO_DATA_FILL in legend


def test_schematic_boundaries_say_so():
    areas = _villages()
    areas.attrs["schematic"] = True
    m = build_map(
        areas,
        _rates(),
        make_scheme("who", "stunting"),
        lang="id",
        period="2024-08",
        indicator_label="Stunting",
        minimum=MIN,
    )
    text = re.search(r"addAttribution\((\".*?\")\)", m.standalone().get_root().render()).group(1)
    assert json.loads(text).startswith("Batas skematis — bukan batas resmi")


def test_outline_and_label_toggles_in_the_layer_control(rendered_id):
    assert "Batas kecamatan" in rendered_id and "Nama desa" in rendered_id
    assert "L.control.layers" in rendered_id


def test_schematic_notice_in_english_is_said_once():
    areas = _villages()
    areas.attrs.update(schematic=True, attribution="Batas skematis — bukan batas resmi")
    m = build_map(
        areas,
        _rates(),
        make_scheme("who", "stunting"),
        lang="en",
        period="2024-08",
        indicator_label="Stunting",
        minimum=MIN,
    )
    text = re.search(r"addAttribution\((\".*?\")\)", m.standalone().get_root().render()).group(1)
    assert json.loads(text) == "Schematic boundaries — not official"


def test_a_map_sharing_another_maps_legend_draws_none():
    """The comparison page draws one legend for its two maps: the other map must carry none."""
    quiet = build_map(
        _villages(),
        _rates(),
        make_scheme("who", "stunting"),
        lang="id",
        period="2024-08",
        indicator_label="Stunting",
        options=MapOptions(legend=False),
        minimum=MIN,
    )
    assert "peta-legend" not in quiet.standalone().get_root().render()


def test_a_map_beside_the_panel_opens_with_its_villages_left_of_the_legend():
    """The map page's map shares the screen with the village panel: its opening view leaves the
    legend's corner free. A map compared side by side with another keeps the plain fit (one scale)."""

    def fit(options: MapOptions) -> str:
        html = (
            build_map(
                _villages(),
                _rates(),
                make_scheme("who", "stunting"),
                lang="id",
                period="2024-08",
                indicator_label="Stunting",
                options=options,
                minimum=MIN,
            )
            .standalone()
            .get_root()
            .render()
        )
        return re.search(r"\.fitBounds\((.*?)\);", html, re.S).group(1)

    assert re.search(r'"paddingTopLeft":\s*\[250,\s*0\]', fit(MapOptions(clear_of_legend=True)))
    assert re.search(r'"paddingBottomRight":\s*\[396,\s*0\]', fit(MapOptions(clear_right_px=396)))
    assert "paddingTopLeft" not in fit(MapOptions()) and "paddingBottomRight" not in fit(MapOptions())
