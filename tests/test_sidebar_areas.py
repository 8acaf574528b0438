"""Choosing an area among 514 (AppTest on the shared demo store of Kalimantan Timur): the sidebar picks
a province, then one of its regencies; areas with data come first and are marked; English names can be
typed in English; the choices and the map's drill-down (sidebar.go_to) move the view and its link."""

from __future__ import annotations

import functools

import pytest
from streamlit.testing.v1 import AppTest
from test_app import _features, _village_script

from stunting.config import REPO_ROOT
from stunting.gazetteer import provinces, regencies, villages
from stunting.i18n import PROVINCE_NAMES_EN

APP = str(REPO_ROOT / "app.py")
QUALITY = str(REPO_ROOT / "pages" / "quality.py")
KALTIM = [code for code in regencies() if code.startswith("64.")]
JATENG = [code for code in regencies() if code.startswith("33.")]


@pytest.fixture
def app(run_page):
    return functools.partial(run_page, APP)


def _box(at, key):
    return at.sidebar.selectbox(key=key)


def test_provinces_with_data_come_first_and_marked_then_all_38(app):
    at = app()
    labels = _box(at, "view_pick_province").options
    # "Indonesia" (the national view), Kalimantan Timur (the demo's data), then the other 37.
    assert labels[0] == "Indonesia (semua provinsi)"
    assert labels[1] == "● Kalimantan Timur"
    assert len(labels) == 1 + 38
    assert "Jawa Tengah" in labels and "● Jawa Tengah" not in labels
    assert sum(label.startswith("●") for label in labels) == 1


def test_a_provinces_regencies_with_data_first_each_marked(app):
    at = app()
    labels = _box(at, "view_regency").options
    names = regencies()
    assert labels[0] == "Seluruh Kalimantan Timur"
    # All ten of Kalimantan Timur have data in the demo (two child by child, eight as village counts).
    assert labels[1:11] == [f"● {names[code]}" for code in KALTIM]
    assert labels[-1] == "Semua kab/kota yang ditampilkan"


def test_english_visitors_find_a_province_by_its_english_name(app):
    at = app(lang="en")
    labels = _box(at, "view_pick_province").options
    assert "Jawa Tengah (Central Java)" in labels and "● Kalimantan Timur (East Kalimantan)" in labels
    assert "Aceh" in labels  # the same in both languages: written once
    assert labels[0] == "Indonesia (every province)"


def test_every_province_has_an_english_name():
    assert set(PROVINCE_NAMES_EN) == set(provinces())


def test_choosing_a_province_then_a_regency_without_data(app):
    at = app()
    at.sidebar.selectbox(key="view_pick_province").select("33").run()
    assert not at.exception
    assert at.query_params["level"] == "province" and at.query_params["province"] == "33"
    labels = _box(at, "view_regency").options
    # Jawa Tengah has no data in the demo: its 35 regencies unmarked, in code order (BPS's order).
    names = regencies()
    assert labels[0] == "Seluruh Jawa Tengah" and labels[1:36] == [names[code] for code in JATENG]
    at.sidebar.selectbox(key="view_regency").select("33.01").run()
    assert not at.exception
    assert at.query_params["regency"] == "33.01" and "level" not in at.query_params
    # Cilacap's villages are drawn (schematic cells from the gazetteer, every one "no data").
    drawn = {f["id"] for f in _features(_village_script(at))}
    assert drawn == set(villages().query("regency_code == '33.01'")["code"])
    at.sidebar.selectbox(key="view_pick_province").select("ID").run()
    assert not at.exception and at.query_params["level"] == "national"
    assert not [box for box in at.sidebar.selectbox if box.key == "view_regency"]


def test_a_regency_of_a_province_view_carries_to_pages_without_levels(app):
    at = app()
    at.sidebar.selectbox(key="view_pick_province").select("33").run()
    at.switch_page(QUALITY).run()
    assert not at.exception
    # The quality page has no province view: it shows the province's first regency.
    assert _box(at, "view_regency").value == "33.01"
    assert "Indonesia (semua provinsi)" not in _box(at, "view_pick_province").options


def _navigator():
    """A page with the shared sidebar and buttons that navigate as the map's drill-down does."""
    import streamlit as st

    from ui import sidebar

    view = sidebar.view_sidebar(map_filters=True)
    st.text(f"{view.level}|{view.province}|{view.regency}|{view.kecamatan}")
    targets = (("national", None), ("province", "33"), ("regency", "64.72"), ("kecamatan", "64.02.06"))
    for level, code in targets:
        if st.button(level, key=f"go_{level}"):
            sidebar.go_to(level, code)
            st.rerun()


@pytest.mark.parametrize(
    ("level", "shown", "query"),
    [
        ("national", "national|None|64.02|None", {"level": "national"}),
        ("province", "province|33|33.01|None", {"level": "province", "province": "33"}),
        ("regency", "regency|None|64.72|None", {"regency": "64.72"}),
        ("kecamatan", "kecamatan|None|64.02|64.02.06", {"kecamatan": "64.02.06"}),
    ],
)
def test_go_to_opens_each_level_and_its_link(demo_dir, monkeypatch, level, shown, query):
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    at = AppTest.from_function(_navigator, default_timeout=120).run()
    at.button(key=f"go_{level}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value == shown
    assert {name: at.query_params[name] for name in query} == query
    # The lists show where the view went.
    province = {"national": "ID", "province": "33"}.get(level, shown.split("|")[2][:2])
    assert _box(at, "view_pick_province").value == province


def test_go_to_refuses_a_level_without_its_area():
    from ui import sidebar

    with pytest.raises(ValueError, match="province view needs an area code"):
        sidebar.go_to("province", None)
    with pytest.raises(ValueError, match="level must be one of"):
        sidebar.go_to("village", "64.02.06.2001")
