"""The pages on links of every level (AppTest on the shared demo store of Kalimantan Timur): the map
page keeps working for regency and kecamatan links, a link to a province or the country keeps its
level in the address, and the comparison page compares a regency with its province in words."""

from __future__ import annotations

import functools

import pytest
from test_app import _features, _village_script
from test_compare_app import cli

from stunting.config import REPO_ROOT
from stunting.gazetteer import villages
from stunting.i18n import fmt_percent

APP = str(REPO_ROOT / "app.py")
COMPARE = str(REPO_ROOT / "pages" / "compare.py")


@pytest.fixture
def app(run_page):
    return functools.partial(run_page, APP)


@pytest.mark.parametrize(
    ("params", "regency", "kecamatan"),
    [
        ({"regency": "64.72"}, "64.72", None),  # Samarinda: village counts only
        ({"kecamatan": "64.74.01"}, "64.74", "64.74.01"),  # its regency from its code
    ],
)
def test_the_map_page_opens_regency_and_kecamatan_links(app, params, regency, kecamatan):
    at = app(**params)
    assert not at.exception and not [w for w in at.warning if "link" in w.value.lower()]
    assert at.query_params["regency"] == regency
    drawn = {f["id"] for f in _features(_village_script(at))}
    gaz = villages()
    inside = (
        gaz[gaz["regency_code"] == regency] if kecamatan is None else gaz[gaz["kecamatan_code"] == kecamatan]
    )
    assert drawn == set(inside["code"])
    if kecamatan is not None:
        assert at.query_params["kecamatan"] == kecamatan and "level" not in at.query_params


@pytest.mark.parametrize(
    ("params", "level"), [({"level": "national"}, "national"), ({"province": "64"}, "province")]
)
def test_a_province_or_national_link_keeps_its_level(app, params, level):
    at = app(**params)
    assert not at.exception
    assert at.query_params["level"] == level
    if level == "province":
        assert at.query_params["province"] == "64"


def test_a_regency_against_its_province_on_the_comparison_page(run_page, demo_dir, capsys):
    at = run_page(COMPARE, a="64.02", b="64")
    assert not at.exception
    record = cli(demo_dir, capsys, "--a", "64.02", "--b", "64", "--indicator", "stunting", "--lang", "id")
    side_b = at.metric[1]
    assert side_b.label.startswith("Kalimantan Timur") and side_b.value == fmt_percent(
        record["b"]["prevalence"], "id"
    )
    infos = [i.value for i in at.info]
    assert any(
        text.startswith("Kabupaten Kutai Kartanegara termasuk dalam Kalimantan Timur") for text in infos
    )
    captions = [c.value for c in at.caption]
    assert record["weighting"]["note"] in captions
    assert "bobot penduduk" in record["weighting"]["note"] and record["weighting"]["b"]["regencies"] == 10
    # The picker lists the level first and offers every province and regency.
    picker = at.selectbox[[s.label for s in at.selectbox].index("Wilayah B")]
    assert picker.value == "64" and "Prov. Kalimantan Timur" in picker.options
    assert "Kab. Kutai Timur · Kalimantan Timur" in picker.options
