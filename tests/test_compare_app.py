"""The comparison page run in-process (AppTest) on a small demo store: it runs, the numbers it shows are
``python -m stunting compare``'s on the same data dir, links open the view they name, and a
comparison resting on too few children is refused in words."""

from __future__ import annotations

import functools
import html
import json

import pytest
from streamlit.testing.v1 import AppTest
from test_choropleth import _features

from stunting import compare
from stunting.cli import main
from stunting.config import REPO_ROOT
from stunting.gazetteer import villages
from stunting.i18n import fmt_children, fmt_month, fmt_percent, fmt_points, t
from stunting.prevalence import periods, prevalence

# The shared demo store (conftest.DEMO_SCALE) is big enough for the two regencies and most kecamatan
# to clear MIN_CHILDREN_TO_COMPARE, small enough that many villages do not: both states appear.
PAGE = str(REPO_ROOT / "pages" / "compare.py")


@pytest.fixture
def page(run_page):
    return functools.partial(run_page, PAGE)


def cli(demo_dir, capsys, *args) -> dict:
    assert main(["compare", *args, "--data-dir", str(demo_dir), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def folium_maps(at) -> list[dict]:
    components = [c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    return [json.loads(c.proto.json_args) for c in components]


def test_default_page_shows_exactly_the_cli_numbers(page, demo_dir, capsys):
    at = page()
    record = cli(demo_dir, capsys, "--a", "64.02", "--b", "64.74", "--indicator", "stunting")
    latest = periods(demo_dir)[-1]
    assert record["a"]["period"] == record["b"]["period"] == latest
    side_a, side_b, difference = at.metric[0], at.metric[1], at.metric[2]
    assert side_a.label.startswith("Kab. Kutai Kartanegara") and side_b.label.startswith("Kota Bontang")
    assert side_a.value == fmt_percent(record["a"]["prevalence"], "id")
    assert side_b.value == fmt_percent(record["b"]["prevalence"], "id")
    captions = [c.value for c in at.caption]
    for side in ("a", "b"):
        interval = t(
            "kpi.ci",
            "id",
            low=fmt_percent(record[side]["ci_low"], "id"),
            high=fmt_percent(record[side]["ci_high"], "id"),
        )
        assert f"{interval} · {fmt_children(record[side]['measured'], 'id')}" in captions
    assert difference.value == t("unit.points", "id", value=fmt_points(record["difference"]["value"], "id"))
    diff_caption = next(c for c in captions if c.startswith("IK 95%:") and "poin" in c)
    assert fmt_points(record["difference"]["ci_low"], "id") in diff_caption
    assert fmt_points(record["difference"]["ci_high"], "id") in diff_caption
    standardised = record["standardised"]
    expected = t(
        "compare.standardised",
        "id",
        a=fmt_percent(standardised["a"], "id"),
        b=fmt_percent(standardised["b"], "id"),
        difference=fmt_points(standardised["difference"], "id"),
    )
    assert expected in diff_caption
    # Both maps drawn, every village of each regency, on the same classes.
    maps = folium_maps(at)
    assert len(maps) == 2
    gazetteer = villages()
    for args, regency in zip(maps, ("64.02", "64.74"), strict=True):
        drawn = sorted(f["id"] for f in _features(args["feature_group"]))
        assert drawn == sorted(gazetteer.loc[gazetteer["regency_code"] == regency, "code"])
    # Seven charts, each with its CSV; the demo is labelled as such.
    assert len(at.get("plotly_chart")) == 7
    assert [b.label for b in at.get("download_button")].count("Unduh CSV") == 7
    assert "data contoh (sintetis)" in [w.value for w in at.sidebar.warning]
    assert at.query_params["a"] == "64.02" and at.query_params["b"] == "64.74"


def test_one_legend_above_the_maps_and_no_regency_choice(page):
    at = page(regency="64.74")
    # The areas are chosen above the maps: the sidebar offers no regency, but the link keeps the one
    # the map page had, so going back opens the map where the user left it.
    assert [s.label for s in at.sidebar.selectbox] == ["Indikator", "Periode"]
    assert at.query_params["regency"] == "64.74"
    # No legend box inside a map can cover villages (it hid a third of Kota Bontang): one legend line
    # above both maps names every class; the layer switches open from an icon.
    scripts = [args["script"] for args in folium_maps(at)]
    assert all("peta-legend" not in script and '"collapsed": true' in script for script in scripts)
    legend = next(m.value for m in at.markdown if "peta-compare-legend" in m.value)
    for text in ("< 2,5% (sangat rendah)", "≥ 30% (sangat tinggi)", "Terlalu sedikit anak", "Tidak ada data"):
        assert html.escape(text) in legend


def test_a_link_opens_two_kecamatan_in_two_periods_in_english(page, demo_dir, capsys):
    first, last = periods(demo_dir)[0], periods(demo_dir)[-1]
    at = page(lang="en", indicator="wasting", period=last, a="64.02.10", b="64.74.02", pb=first)
    assert at.selectbox(key="cmp_a").value == "64.02.10" and at.selectbox(key="cmp_pb").value == first
    record = cli(
        demo_dir, capsys, "--a", "64.02.10", "--b", "64.74.02", "--period-b", first, "--indicator", "wasting"
    )
    assert at.markdown[0].value.startswith("### Compare Wasting")
    assert at.metric[0].value == fmt_percent(record["a"]["prevalence"], "en")
    assert at.metric[1].value == fmt_percent(record["b"]["prevalence"], "en")
    assert at.metric[1].label == f"{compare.area('64.74.02').name} · {fmt_month(first, 'en')}"
    if record["difference"]["value"] is not None:
        assert at.metric[2].value == t(
            "unit.points", "en", value=fmt_points(record["difference"]["value"], "en")
        )
    assert at.query_params["pb"] == first


def test_too_few_children_say_the_comparison_is_not_possible(page, demo_dir):
    latest = periods(demo_dir)[-1]
    rates = prevalence("stunting", latest, "village", data_dir=demo_dir)
    few = rates[(rates["measured"] > 0) & (rates["measured"] < compare.MIN_CHILDREN_TO_COMPARE)]
    assert len(few) >= 2, "the demo scale should leave villages under the comparison minimum"
    at = page(a=few["code"].iloc[0], b=few["code"].iloc[1])
    notes = [i.value for i in at.info]
    assert any(n.startswith("Perbandingan tidak mungkin") for n in notes), notes
    assert len(at.metric) == 2  # the two sides, no difference


def test_junk_link_and_same_area(page):
    at = page(a="64.02'; DROP TABLE x", b="64.74")
    assert any("a=`64.02'; DROP TABLE x`" in w.value for w in at.warning)  # quoted as code, never markup
    assert at.selectbox(key="cmp_a").value == compare.DEFAULT_A
    at = page(a="64.74", b="64.74")
    assert any(i.value.startswith("Kedua sisi sama") for i in at.info)
    assert not at.get("plotly_chart")


def test_the_verdict_sentence_appears_when_standardisation_reverses_the_gap(tmp_path, monkeypatch):
    from test_compare import BONTANG_VILLAGE, INFANT_DAYS, PERIAN, TODDLER_DAYS, children
    from test_store import write

    # tests/test_compare.py's reversal example: Kukar 28% crude but 20% standardised, Bontang 18.3% / 25%.
    write(
        tmp_path,
        children("ki", PERIAN, "2024-08-05", 10, 1, age_days=INFANT_DAYS)
        + children("kt", PERIAN, "2024-08-05", 90, 27, age_days=TODDLER_DAYS)
        + children("bi", BONTANG_VILLAGE, "2024-08-06", 100, 15, age_days=INFANT_DAYS)
        + children("bt", BONTANG_VILLAGE, "2024-08-06", 20, 7, age_days=TODDLER_DAYS),
    )
    monkeypatch.setenv("STUNTING_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[2].value == t("unit.points", "id", value=fmt_points(0.28 - 22 / 120, "id"))
    verdicts = [w.value for w in at.warning if w.value.startswith("Hati-hati")]
    assert verdicts == [
        t(
            "compare.verdict.reversed",
            "id",
            crude=fmt_points(0.28 - 22 / 120, "id"),
            standardised=fmt_points(-0.05, "id"),
        )
    ]


def test_one_area_in_two_periods_says_it_rests_on_the_same_children(page, demo_dir, capsys):
    at = page(period="2024-08", a="64.02", b="64.02", pb="2025-08", lang="en")
    record = cli(
        demo_dir,
        capsys,
        "--a",
        "64.02",
        "--b",
        "64.02",
        "--period-a",
        "2024-08",
        "--period-b",
        "2025-08",
        "--indicator",
        "stunting",
    )
    assert record["children_in_both"] > 0
    notes = [i.value for i in at.info]
    assert record["note"] in notes  # the page and the CLI say the same sentence
    assert fmt_children(record["children_in_both"], "en") in record["note"]
    at = page(period="2024-08", a="64.02.01", b="64.02")
    assert any(i.value.startswith("Muara Muntai termasuk dalam Kabupaten Kutai Kartanegara") for i in at.info)


def test_sources_beside_the_headline_real_line_names_no_file_paths_and_relative_scales(page, demo_dir):
    """The headline's sources on screen (not only in a "?"), the demo's trend lines called what they are,
    no file path anywhere, and the smaller area's map says how much larger it is drawn. The scale is
    checked against the areas' extents measured in UTM 50S (metres), not the page's own formula."""
    import re

    from stunting.boundaries import load_display

    at = page()
    captions = at.caption.values
    latest = fmt_month(periods(demo_dir)[-1], "id")
    assert sum(c.startswith(f"{latest} · sumber: data contoh (sintetis)") for c in captions) >= 2
    shown = " ".join(captions + [m.value for m in at.markdown])
    assert "reference/" not in shown and ".csv" not in shown
    trend = next(c for c in captions if c.startswith("Garis:"))
    assert trend.startswith("Garis: data contoh (sintetis) dengan IK 95%") and "e-PPGBM" not in trend
    extents = []
    for regency in ("64.02", "64.74"):
        shapes = load_display("village", "overview", regency=regency, data_dir=demo_dir).to_crs(32750)
        minx, miny, maxx, maxy = shapes.total_bounds
        extents.append(max(maxx - minx, maxy - miny) / 1000)
    (zoomed,) = [c for c in captions if "lebih besar daripada peta A" in c]
    factor = float(re.search(r"±([\d,]+)× lebih besar", zoomed).group(1).replace(",", "."))
    assert factor == pytest.approx(extents[0] / extents[1], rel=0.1)
    assert not any("lebih besar daripada peta B" in c for c in captions)
