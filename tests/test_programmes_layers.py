"""Programme layers on the map (geo/programme_layers.py): in the layer control, off at first, drawing
exactly the villages the programme tables name."""

from __future__ import annotations

import re

import folium
import pandas as pd
import pytest

from geo.programme_layers import add_programme_layers
from stunting.boundaries import load_display
from stunting.i18n import t


def _areas(tmp_path):
    return load_display("village", "overview", regency="64.74", data_dir=tmp_path)  # schematic cells


def test_lokus_baas_and_hot_spot_layers_draw_the_named_villages(tmp_path):
    areas = _areas(tmp_path)
    codes = list(areas["code"])
    lokus = pd.DataFrame({"village_code": codes[:3] + codes[:1], "year": [2024, 2024, 2023, 2023],
                          "lokus": [True, True, True, False]})  # fmt: skip
    baas = pd.DataFrame({"village_code": codes[3:5], "year": [2024, 2024], "children_fostered": [50, 8]})
    ranking = pd.DataFrame({"code": codes, "cluster": ["hot"] + ["none"] * (len(codes) - 1)})
    m = folium.Map()
    folium.LayerControl().add_to(m)  # as geo.choropleth.build_map does, before the layers come
    layers = add_programme_layers(m, areas, lokus=lokus, baas=baas, year=2024, lang="id", ranking=ranking,
                                  period_label="Agustus 2024")  # fmt: skip
    assert len(layers) == 3 and all(not layer.show and layer.control for layer in layers)
    html = m.get_root().render()
    # The control's script refers to the layers' variables: it must come after their definitions.
    control_at = html.index("L.control.layers")
    assert all(html.index(f"var {layer.get_name()} = ") < control_at for layer in layers)
    names = [areas.set_index("code").loc[c, "name"] for c in codes]
    assert f"{names[0]}: desa lokus 2024" in html and f"{names[1]}: desa lokus 2024" in html
    assert f"{names[2]}: desa lokus 2024" not in html  # lokus in 2023 only
    assert f"{names[3]}: 50 anak diasuh BAAS (2024)" in html
    assert t("layer.lokus", "id", year=2024) in html and t("layer.hot", "id", period="Agustus 2024") in html
    # The radius each circle is drawn with: the layer's style function, one style per village.
    radii = sorted(float(r) for r in re.findall(r'return \{[^}]*"radius": ([0-9.]+)', html))
    assert len(radii) == 2
    assert radii[1] / radii[0] == pytest.approx((50 / 8) ** 0.5, rel=1e-6)  # area ∝ children


def test_no_layer_without_data_for_the_year(tmp_path):
    areas = _areas(tmp_path)
    empty = pd.DataFrame({"village_code": [], "year": [], "lokus": []})
    baas = pd.DataFrame({"village_code": [], "year": [], "children_fostered": []})
    assert add_programme_layers(folium.Map(), areas, lokus=empty, baas=baas, year=2024, lang="en") == []


def test_the_map_page_offers_the_programme_layers_on_the_demo(run_page, demo_dir):
    import json

    from stunting import prevalence
    from stunting.config import REPO_ROOT

    at = run_page(str(REPO_ROOT / "app.py"), lang="id", regency="64.02")
    (component,) = [c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    script = json.dumps(json.loads(component.proto.json_args))
    year = int(prevalence.periods(demo_dir)[-1][:4])
    assert t("layer.lokus", "id", year=year) in script
    assert t("layer.baas", "id", year=year) in script


def test_smoothed_layer_colours_villages_by_their_empirical_bayes_rate_in_the_map_classes(tmp_path):
    from stunting.classes import who_classes

    areas = _areas(tmp_path)
    codes = list(areas["code"])
    scheme = who_classes("stunting")
    ranking = pd.DataFrame({"code": codes[:3], "cluster": "none", "smoothed": [0.05, 0.35, float("nan")]})
    m = folium.Map()
    no_lokus = pd.DataFrame({"village_code": [], "year": [], "lokus": []})
    no_baas = pd.DataFrame({"village_code": [], "year": [], "children_fostered": []})
    layers = add_programme_layers(m, areas, lokus=no_lokus, baas=no_baas, year=2024, lang="en",
                                  ranking=ranking, period_label="August 2024", scheme=scheme)  # fmt: skip
    assert len(layers) == 1 and not layers[0].show
    html = m.get_root().render()
    names = areas.set_index("code")["name"]
    assert f"{names[codes[0]]}: 5.0% smoothed" in html and f"{names[codes[1]]}: 35.0% smoothed" in html
    assert f"{names[codes[2]]}:" not in html  # below the minimum: no smoothed rate, not drawn
    assert scheme.colour(0.05) in html and scheme.colour(0.35) in html
