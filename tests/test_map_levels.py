"""The map's national and province levels (issue 10): schematic regency cells from the gazetteer's
centroids, the national outlines simplified per zoom, regency-level tooltips, the breadcrumb, and the
map page opening, drilling down and going back up (AppTest on the demo store)."""

from __future__ import annotations

import functools
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from stunting import gazetteer
from stunting import prevalence as prevalence_api
from stunting.boundaries import load_areas, load_outlines, province_regency_outlines, schematic
from stunting.config import REPO_ROOT
from stunting.viewstate import ViewState

APP = str(REPO_ROOT / "app.py")


def test_schematic_regency_cells_cover_each_regencys_centre_and_never_overlap():
    cells = schematic.national_cells("regency").set_index("code")
    assert sorted(cells.index) == sorted(gazetteer.regencies())  # all 514
    villages = gazetteer.villages()
    # Computed here from the raw centroids: each regency's mean village position lies in its cell.
    centres = villages.groupby("regency_code")[["lng", "lat"]].mean().loc[cells.index]
    points = shapely.points(centres["lng"].to_numpy(), centres["lat"].to_numpy())
    assert shapely.covers(cells.geometry.values, points).all()
    # ... and each cell lies within its villages' hull, widened by the margin (plus rounding).
    for code, group in villages.groupby("regency_code"):
        hull = shapely.convex_hull(shapely.multipoints(group[["lng", "lat"]].to_numpy()))
        assert hull.buffer(schematic.HULL_MARGIN_DEG + 1e-4).covers(cells.at[code, "geometry"]), code
    geometries = cells.geometry.values
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geometries[left[pairs]], geometries[right[pairs]]))
    smaller = np.minimum(shapely.area(geometries[left[pairs]]), shapely.area(geometries[right[pairs]]))
    # Neighbours share edges, not area: what rounding to 5 decimals leaves is under 0.1% of either.
    assert (overlap / smaller).max() < 1e-3


def test_schematic_province_cells_are_their_regencies_union():
    regencies = schematic.national_cells("regency")
    provinces = schematic.national_cells("province").set_index("code")
    assert sorted(provinces.index) == sorted(gazetteer.provinces())  # all 38
    areas = regencies.assign(area=shapely.area(regencies.geometry.values)).groupby("province")["area"].sum()
    # (the rounding overlaps above aside)
    np.testing.assert_allclose(shapely.area(provinces.geometry.values), areas.loc[provinces.index], rtol=1e-4)


def test_without_installed_outlines_every_level_is_schematic(tmp_path):
    national = load_areas("regency", zoom="national", data_dir=tmp_path)
    assert len(national) == 514 and national.attrs["schematic"]
    assert national.attrs["attribution"] == schematic.ATTRIBUTION
    assert not shapely.is_empty(national.geometry.values).any()
    kaltim = load_areas("regency", "64", zoom="province", data_dir=tmp_path)
    assert sorted(kaltim["code"]) == sorted(c for c in gazetteer.regencies() if c.startswith("64."))
    assert len(load_areas("regency", "33", zoom="province", data_dir=tmp_path)) == 35  # Jawa Tengah
    assert len(load_areas("province", zoom="national", data_dir=tmp_path)) == 38
    # National zoom: two decimals (a quarter of a pixel there).
    coordinates = shapely.get_coordinates(national.geometry.values)
    np.testing.assert_array_equal(coordinates, np.round(coordinates, 2))


@pytest.mark.shared
def test_the_national_outlines_are_drawn_simplified_for_their_zoom(wilayah_dir, tmp_path):
    from stunting.cli import main

    assert (
        main(["boundaries", "fetch", "--overview", "--mirror", str(wilayah_dir), "--data-dir", str(tmp_path)])
        == 0
    )
    source = load_outlines("regency", tmp_path).set_index("code")
    for zoom in ("national", "province"):
        drawn = load_areas("regency", zoom=zoom, data_dir=tmp_path).set_index("code")
        assert not drawn.attrs["schematic"] and sorted(drawn.index) == sorted(source.index)
        assert "wilayah_boundaries" in drawn.attrs["attribution"]
        # Fewer vertices (national: under a fifth; the islets under a pixel dropped, 2 km shortcuts).
        share = {"national": 0.2, "province": 0.6}[zoom]
        vertices = shapely.get_num_coordinates(drawn.geometry.values).sum()
        assert vertices < share * shapely.get_num_coordinates(source.geometry.values).sum(), zoom
        # Every regency keeps its largest part: it overlaps the source's largest part.
        parts, owner = shapely.get_parts(source.geometry.values, return_index=True)
        largest = gpd.GeoSeries(parts).groupby(owner).apply(lambda g: g.iloc[int(np.argmax(g.area))])
        assert shapely.intersects(drawn.loc[source.index].geometry.values, largest.to_numpy()).all(), zoom
    # At a province's zoom a regency's shape stays within 3% of its source (by the symmetric
    # difference, for regencies over 1,000 km2, in an equal-area projection).
    drawn = load_areas("regency", zoom="province", data_dir=tmp_path).set_index("code").loc[source.index]
    equal = gpd.GeoSeries(source.geometry.values, crs=4326).to_crs(6933)
    simplified = gpd.GeoSeries(shapely.make_valid(drawn.geometry.values), crs=4326).to_crs(6933)
    big = equal.area.to_numpy() > 1e9
    share = simplified.symmetric_difference(equal).area.to_numpy() / equal.area.to_numpy()
    assert share[big].max() < 0.03, share[big].max()


def _feature_collection(script: str) -> dict:
    start = script.index('.addData({"type":"FeatureCollection"') + len(".addData(")
    return json.JSONDecoder().raw_decode(script[start:])[0]


def test_a_regency_map_names_each_regencys_province_in_its_tooltip(tmp_path):
    import pandas as pd
    import streamlit_folium as sf

    from geo.choropleth import build_map
    from stunting.classes import make_scheme

    areas = load_areas("regency", "64", zoom="province", data_dir=tmp_path)
    rates = pd.DataFrame({"code": areas["code"], "measured": 40, "cases": 8, "source": "measurements"})
    chart = build_map(
        areas, rates, make_scheme("who", "stunting"), lang="id", period="2025-08", indicator_label="x"
    )
    chart.base.get_root().render()
    layer = sf._get_feature_group_string(chart.villages, chart.base)
    features = _feature_collection(layer)["features"]
    assert [f["id"] for f in features] == list(areas["code"])
    assert {f["properties"]["kec"] for f in features} == {"Kalimantan Timur"}
    assert '"Kab./Kota","Provinsi"' in layer and "Kecamatan" not in layer
    assert {f["properties"]["rate"].split(" ")[0] for f in features} == {"20,0%"}  # 8 of 40


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (ViewState(level="national"), [("national", None)]),
        (ViewState(level="province", province="64"), [("national", None), ("province", "64")]),
        (ViewState(regency="64.74"), [("national", None), ("province", "64"), ("regency", "64.74")]),
        (
            ViewState(level="kecamatan", regency="64.02", kecamatan="64.02.06"),
            [("national", None), ("province", "64"), ("regency", "64.02"), ("kecamatan", "64.02.06")],
        ),
    ],
)
def test_the_breadcrumb_runs_from_indonesia_down_to_the_view(view, expected):
    from ui.breadcrumb import crumbs

    parts = crumbs(view)
    assert [(c.level, c.code) for c in parts] == expected
    assert parts[0].label == "Indonesia"
    if view.kecamatan:
        assert [c.label for c in parts[1:]] == [
            "Kalimantan Timur",
            "Kab. Kutai Kartanegara",
            "Kec. Tenggarong",
        ]


@pytest.fixture
def app(run_page):
    return functools.partial(run_page, APP)


def _map_args(at) -> dict:
    (component,) = [c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    return json.loads(component.proto.json_args) | {"_id": component.proto.id}


def _drawn(at) -> list[str]:
    return [f["id"] for f in _feature_collection(_map_args(at)["feature_group"])["features"]]


def test_the_national_view_draws_every_regency(app, demo_dir):
    at = app(level="national", period="2025-08")
    assert _drawn(at) == sorted(gazetteer.regencies())
    rates = prevalence_api.prevalence("stunting", "2025-08", "regency", within="national", data_dir=demo_dir)
    rated = int((~rates["suppressed"] & rates["prevalence"].notna()).sum())
    assert rated == 10  # the demo's Kalimantan Timur
    assert f"{rated} dari 514" in [m.value for m in at.metric]
    assert not any(m.label.startswith("Prevalensi") for m in at.metric)  # no "national" rate of ten regencies


@pytest.mark.parametrize(("params", "province"), [({"level": "national"}, None), ({"province": "64"}, "64")])
def test_a_national_or_province_map_makes_a_slide_of_that_map(run_page, demo_dir, params, province):
    from render import StoryRenderer
    from render.maps import map_data

    at = run_page(str(REPO_ROOT / "pages" / "map.py"), period="2025-08", **params)
    at.button(key="story_map_add").click().run()
    assert not at.exception
    slide = at.session_state["story"].slides[-1]
    level = "province" if province else "national"
    assert slide.view["level"] == level and slide.view.get("province") == province
    assert "regency" not in slide.view  # not the regency the sidebar last chose
    assert slide.title["id"].endswith("Kalimantan Timur" if province else "Indonesia")
    # The slide's picture: the same regencies the map draws, each with its own children.
    data = map_data(slide.view, demo_dir)
    inside = sorted(code for code in gazetteer.regencies() if province is None or code[:2] == province)
    assert sorted(data.frame["code"]) == inside
    rates = prevalence_api.prevalence(
        "stunting", "2025-08", "regency", within=province or "national", data_dir=demo_dir
    )
    assert int(data.frame["measured"].sum()) == int(rates["measured"].sum()) > 0
    rendered = StoryRenderer(demo_dir).render(slide, 1, "id")
    assert rendered.error is None and rendered.png


def test_a_province_view_draws_its_regencies_and_a_click_opens_one(app, demo_dir):
    at = app(province="64", period="2025-08")
    kaltim = sorted(code for code in gazetteer.regencies() if code.startswith("64."))
    assert _drawn(at) == kaltim
    # The province's card: its children and cases are its regencies' (computed here from their rows).
    regencies = prevalence_api.prevalence("stunting", "2025-08", "regency", within="64", data_dir=demo_dir)
    assert not regencies["suppressed"].any()
    rate = regencies["cases"].sum() / regencies["measured"].sum()
    assert at.metric[0].label == "Prevalensi Prov. Kalimantan Timur"
    assert at.metric[0].value == f"{rate * 100:.1f}%".replace(".", ",")
    # A click on Kota Bontang opens its village map.
    component_key = _map_args(at)["_id"].rsplit("-", 1)[1]
    at.session_state[component_key] = {
        "last_active_drawing": {"type": "Feature", "properties": {"code": "64.74"}}
    }
    at.run()
    assert not at.exception
    assert at.query_params["regency"] == "64.74" and "level" not in at.query_params
    assert sorted(_drawn(at)) == sorted(gazetteer.villages().query("regency_code == '64.74'")["code"])
    # The breadcrumb above it leads back up (its clicks: tests/test_browser_levels.py, in a browser).
    assert [b.key for b in at.button if b.key and b.key.startswith("crumb_")] == [
        "crumb_national",
        "crumb_province",
    ]
    assert "story_map_add" in [b.key for b in at.button]  # a regency's map makes a slide


def test_a_province_without_data_says_no_data_not_too_few_children(app):
    at = app(province="33", period="2025-08")  # Jawa Tengah: not in the demo
    assert len(_drawn(at)) == 35
    assert at.metric[0].label == "Prevalensi Prov. Jawa Tengah" and at.metric[0].value == "–"
    assert any(c.startswith("tidak ada data") for c in at.caption.values), at.caption.values
    assert not any("terlalu sedikit anak" in c for c in at.caption.values)


# A province view of its kecamatan (?province=64&areas=kecamatan).


def test_a_provinces_kecamatan_are_every_gazetteer_kecamatan_as_schematic_cells(tmp_path):
    for province in ("64", "33"):
        expected = sorted(gazetteer.areas("kecamatan", within=province)["code"])
        drawn = load_areas("kecamatan", province, zoom="province", data_dir=tmp_path)
        assert sorted(drawn["code"]) == expected
        assert drawn.attrs["schematic"] and drawn.attrs["attribution"] == schematic.ATTRIBUTION
        # Each kecamatan's regency is the one its code names; none is empty.
        assert (drawn["regency"] == drawn["code"].str[:5]).all()
        assert not shapely.is_empty(drawn.geometry.values).any()
    assert len(drawn) == 576  # Jawa Tengah (issue 10, item 8)
    # The province's zoom: 3 decimals (a part that rounding would break keeps its simplified shape),
    # and each schematic kecamatan covers its villages' centroids (raw gazetteer rows: a kecamatan
    # cell is the union of its villages' cells).
    coordinates = shapely.get_coordinates(drawn.geometry.values)
    assert (coordinates == np.round(coordinates, 3)).all(axis=1).mean() > 0.99
    villages = gazetteer.villages().query("province_code == '33'")
    cells = drawn.set_index("code").loc[villages["kecamatan_code"]].geometry.values
    points = shapely.points(villages["lng"].to_numpy(), villages["lat"].to_numpy())
    inside = shapely.covers(shapely.buffer(cells, 0.005), points)  # 3-decimal simplification aside
    assert inside.mean() > 0.99, inside.mean()
    # The regency lines over them: one outline per regency, and a hole in one is another regency
    # (Kota Magelang in Kabupaten Magelang), never a sliver left between simplified kecamatan.
    outlines = province_regency_outlines("33", data_dir=tmp_path)
    assert sorted(outlines["code"]) == sorted(c for c in gazetteer.regencies() if c[:2] == "33")
    holes = [
        shapely.Polygon(ring)
        for geometry in outlines.geometry.values
        for part in shapely.get_parts(geometry)
        for ring in part.interiors
    ]
    others = shapely.union_all(outlines.geometry.values)
    for hole in holes:
        assert shapely.area(shapely.intersection(hole, others)) > 0.9 * hole.area


@pytest.mark.shared
def test_installed_villages_give_their_kecamatan_and_the_rest_stay_schematic(wilayah_dir, tmp_path):
    from stunting.boundaries import load_display
    from stunting.cli import main

    args = ["boundaries", "fetch", "--regency", "64.74", "--mirror", str(wilayah_dir), "--data-dir"]
    assert main([*args, str(tmp_path)]) == 0
    drawn = load_areas("kecamatan", "64", zoom="province", data_dir=tmp_path)
    assert sorted(drawn["code"]) == sorted(gazetteer.areas("kecamatan", within="64")["code"])
    others = sorted(code for code in gazetteer.regencies() if code[:2] == "64" and code != "64.74")
    assert drawn.attrs["schematic"] and drawn.attrs["schematic_regencies"] == others
    # The attribution credits the installed source and names the schematic regencies (five, then
    # "…": attrs lists all nine).
    names = gazetteer.regencies()
    attribution = drawn.attrs["attribution"]
    assert "wilayah_boundaries" in attribution and attribution.endswith(" … (skematis)")
    assert all(names[code] in attribution for code in others[:5]) and names["64.74"] not in attribution
    # Bontang's three kecamatan are its source villages' union (area within 3%, equal-area CRS)...
    villages = load_display("village", "full", regency="64.74", data_dir=tmp_path)
    source = villages.to_crs(6933).dissolve(by="kecamatan").area
    real = drawn[drawn["regency"] == "64.74"].set_index("code").to_crs(6933).area.loc[source.index]
    assert len(real) == 3
    # (simplified twice: the overview's 0.0015 and the province's 0.004 degrees, 440 m)
    np.testing.assert_allclose(real.to_numpy(), source.to_numpy(), rtol=0.05)
    # ... and no schematic cell lies over them (a sliver of simplification aside).
    union = shapely.union_all(villages.geometry.values)
    rest = drawn[drawn["regency"] != "64.74"].geometry.values
    overlap = shapely.area(shapely.intersection(shapely.make_valid(rest), union)).sum()
    assert overlap < 0.02 * union.area, overlap / union.area


def test_a_province_view_of_its_kecamatan_draws_them_and_a_click_opens_one(app, demo_dir):
    at = app(province="64", areas="kecamatan", period="2025-08")
    kaltim = sorted(gazetteer.areas("kecamatan", within="64")["code"])
    assert len(kaltim) == 105
    assert _drawn(at) == kaltim
    assert at.query_params["areas"] == "kecamatan" and at.query_params["province"] == "64"
    features = _feature_collection(_map_args(at)["feature_group"])["features"]
    # The tooltip's second row names each kecamatan's regency.
    names = gazetteer.regencies()
    assert all(f["properties"]["kec"] == names[f["id"][:5]] for f in features)
    assert '"Kecamatan","Kab./Kota"' in _map_args(at)["feature_group"]
    # The province's card: its kecamatan's children summed here, and its cases over them. A
    # kecamatan with too few children withholds its cases, so the cases come from the regencies
    # (every one shown), whose children must be the kecamatan's too.
    kecamatan = prevalence_api.prevalence("stunting", "2025-08", "kecamatan", within="64", data_dir=demo_dir)
    regencies = prevalence_api.prevalence("stunting", "2025-08", "regency", within="64", data_dir=demo_dir)
    assert sorted(kecamatan["code"]) == kaltim and not regencies["suppressed"].any()
    children = int(kecamatan["measured"].sum())
    assert children == int(regencies["measured"].sum()) > 0
    shown = ~kecamatan["suppressed"] & kecamatan["prevalence"].notna()
    assert kecamatan.loc[shown, "cases"].sum() <= regencies["cases"].sum()
    rate = regencies["cases"].sum() / children
    assert at.metric[0].label == "Prevalensi Prov. Kalimantan Timur"
    assert at.metric[0].value == f"{rate * 100:.1f}%".replace(".", ",")
    assert at.metric[1].value == f"{children:,} anak".replace(",", ".")
    rated = int((~kecamatan["suppressed"] & kecamatan["prevalence"].notna()).sum())
    (card,) = [m for m in at.markdown if "Kecamatan per kelas" in m.value]
    assert card.proto.help.startswith(f"Kecamatan dengan angka: {rated} dari 105\n")
    # Each kecamatan's colour follows the publish rules: too few children grey, no data white.
    too_few = set(kecamatan.loc[kecamatan["suppressed"] & (kecamatan["measured"] > 0), "code"])
    no_data = set(kecamatan.loc[kecamatan["measured"].fillna(0) == 0, "code"])
    styles = {f["id"]: f["properties"]["s"] for f in features}
    assert {c for c, s in styles.items() if s == "too_few"} == too_few
    assert {c for c, s in styles.items() if s == "no_data"} == no_data
    assert [e.label for e in at.expander if e.label.startswith("Tabel")] == ["Tabel kecamatan"]
    # The radio says what is drawn, and "Kab./Kota" goes back to the regencies (no areas in the URL).
    assert at.radio(key="view_pick_areas").value == "kecamatan"
    # A click on Tenggarong opens its villages.
    tenggarong = "64.02.06"
    component_key = _map_args(at)["_id"].rsplit("-", 1)[1]
    at.session_state[component_key] = {
        "last_active_drawing": {"type": "Feature", "properties": {"code": tenggarong}}
    }
    at.run()
    assert not at.exception
    assert at.query_params["kecamatan"] == tenggarong and "areas" not in at.query_params
    expected = sorted(gazetteer.villages().query("kecamatan_code == @tenggarong")["code"])
    assert sorted(_drawn(at)) == expected
    assert [b.key for b in at.button if b.key and b.key.startswith("crumb_")] == [
        "crumb_national",
        "crumb_province",
        "crumb_regency",
    ]


def test_the_areas_radio_switches_a_province_between_regencies_and_kecamatan(app):
    at = app(province="64", period="2025-08")
    assert "areas" not in at.query_params and len(_drawn(at)) == 10
    at.radio(key="view_pick_areas").set_value("kecamatan").run()
    assert not at.exception
    assert at.query_params["areas"] == "kecamatan" and len(_drawn(at)) == 105
    at.radio(key="view_pick_areas").set_value("regency").run()
    assert "areas" not in at.query_params and len(_drawn(at)) == 10


def test_a_province_kecamatan_map_makes_a_slide_of_its_kecamatan(run_page, demo_dir):
    from render import StoryRenderer
    from render.maps import map_data

    at = run_page(str(REPO_ROOT / "pages" / "map.py"), period="2025-08", province="64", areas="kecamatan")
    at.button(key="story_map_add").click().run()
    assert not at.exception
    slide = at.session_state["story"].slides[-1]
    assert slide.view["level"] == "province" and slide.view["areas"] == "kecamatan"
    assert slide.title["id"].endswith("Kalimantan Timur (per kecamatan)")
    data = map_data(slide.view, demo_dir)
    assert sorted(data.frame["code"]) == sorted(gazetteer.areas("kecamatan", within="64")["code"])
    villages = prevalence_api.prevalence("stunting", "2025-08", "village", within="64", data_dir=demo_dir)
    assert int(data.frame["measured"].sum()) == int(villages["measured"].sum()) > 0
    rendered = StoryRenderer(demo_dir).render(slide, 1, "id")
    assert rendered.error is None and rendered.png
