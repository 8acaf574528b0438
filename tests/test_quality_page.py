"""The "Kualitas data" page and its builders: the page runs, shows the CLI's numbers, and its map
draws "too few children" grey and "no data" white, offline."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from charts import quality as charts
from geo.choropleth import NO_DATA_FILL, TOO_FEW_FILL
from stunting import store
from stunting.cli import main as cli_main
from stunting.config import REPO_ROOT
from stunting.quality.table import CHECK_NAMES

APP = str(REPO_ROOT / "app.py")
PAGE = "pages/quality.py"


def _number(text: str) -> float:
    """An Indonesian number as the page writes it ("1.234,5" or "27,1%") back to a float."""
    return float(text.replace("%", "").replace(".", "").replace(",", ".").strip())


def _cli_table(demo_dir, period: str, level: str) -> pd.DataFrame:
    out = io.StringIO()
    with redirect_stdout(out):
        args = [
            "quality",
            "--period",
            period,
            "--level",
            level,
            "--regency",
            "64.02",
            "--data-dir",
            str(demo_dir),
        ]
        assert cli_main(args) == 0
    return pd.read_csv(io.StringIO(out.getvalue()), dtype={"code": str})


def test_page_runs_and_its_ranking_shows_the_clis_numbers(run_page, demo_dir):
    at = run_page(APP)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    at.selectbox(key="quality_level").set_value("kecamatan")
    at.selectbox(key="quality_check").set_value("height_dps")
    at.run()
    assert not at.exception
    period = store.periods(demo_dir)[-1]
    cli = _cli_table(demo_dir, period, "kecamatan").set_index("name")
    ranking = at.dataframe[0].value
    shown = ranking[ranking["Nilai"].str.match(r"^[0-9.,]+$")]
    assert len(shown) > 3
    for name, value in zip(shown["Unit"], shown["Nilai"], strict=True):
        assert _number(value) == pytest.approx(
            cli.loc[name, "height_dps"],
            abs=0.006,  # two decimals shown
        )
    too_few = ranking[ranking["Nilai"].str.startswith("terlalu sedikit anak")]
    assert set(too_few["Unit"]) == set(cli.index[cli["height_dps"].isna() & (cli["children"] > 0)])


def _square(x: float) -> shapely.Polygon:
    return shapely.box(x, 0, x + 1, 1)


def _table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for name in CHECK_NAMES:
        if name not in frame:
            frame[name] = float("nan")
        if f"status_{name}" not in frame:
            frame[f"status_{name}"] = "none"
    return frame


def test_map_draws_classes_too_few_grey_and_no_data_white_with_no_external_link():
    areas = gpd.GeoDataFrame(
        {"code": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"]},
        geometry=[_square(i) for i in range(4)],
        crs="EPSG:4326",
    )
    table = _table(
        [
            {"code": "a", "children": 300, "height_dps": 25.0, "status_height_dps": "fail"},
            {"code": "b", "children": 300, "height_dps": 5.0, "status_height_dps": "ok"},
            {"code": "c", "children": 40, "height_dps": float("nan"), "status_height_dps": "too_few"},
        ]
    )  # d: not in the table at all -> no data
    html = charts.quality_map(areas, table, "height_dps", lang="id", period="2024-08").get_root().render()
    features = json.loads(re.search(r"L\.geoJson\((\{.*?\}\]\})", html, re.S).group(1))["features"]
    styles = {f["id"]: f["properties"]["s"] for f in features}
    assert styles == {"a": "c3", "b": "c0", "c": "too_few", "d": "no_data"}
    style_table = json.loads(re.search(r"_styles = (\{.*?\}\});", html, re.S).group(1))
    assert style_table["too_few"]["fillColor"] == TOO_FEW_FILL
    assert style_table["no_data"]["fillColor"] == NO_DATA_FILL
    assert {style_table[f"c{i}"]["fillColor"] for i in range(4)}.isdisjoint({TOO_FEW_FILL, NO_DATA_FILL})
    texts = {f["id"]: f["properties"]["v"] for f in features}
    assert texts["c"] == "terlalu sedikit anak (&lt; 100)" and texts["d"] == "tidak ada data"
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    assert "bermasalah (≥ 20)" in legend and "terlalu sedikit anak (&lt; 100)" in legend
    assert "Agustus 2024" in html
    assert not re.search(r"(src|href)=\"https?://", html)


def test_readings_say_what_to_check_in_both_languages():
    row = _table(
        [
            {
                "code": "a",
                "children": 200,
                "height_dps": 31.2,
                "status_height_dps": "fail",
                "height_0_5_pct": 62.0,
                "status_height_0_5_pct": "ok",
                "failed": "height_dps",
            }
        ]
    ).iloc[0]
    assert charts.readings(row, "id") == [
        "62% tinggi berakhiran 0 atau 5 (DPS 31,2): alat atau cara ukur perlu dicek"
    ]
    assert charts.readings(row, "en") == [
        "62% of heights end in 0 or 5 (DPS 31.2): check the board or how it is read"
    ]
    assert charts.warning_text(row, "id") == "⚠ data perlu dicek: Preferensi digit tinggi (DPS)"


def test_warning_marks_only_on_failing_villages_with_the_reason_on_hover():
    import folium

    villages = gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["A", "B"]}, geometry=[_square(0), _square(2)], crs="EPSG:4326"
    )
    table = _table(
        [
            {"code": "a", "children": 300, "failed": "height_dps;flagged_haz_pct"},
            {"code": "b", "children": 300, "failed": ""},
        ]
    )
    group = charts.add_warning_marks(folium.FeatureGroup(name="villages"), villages, table, "id")
    m = folium.Map(tiles=None)
    group.add_to(m)
    html = m.get_root().render()
    # The marks the map's script draws (as peta-quality-mark divs: tests/test_browser_quality.py).
    (marks,) = re.findall(r"_marks = (\[.*?\]);", html)
    marks = json.loads(marks)
    assert [mark["code"] for mark in marks] == ["a"]
    assert "Preferensi digit tinggi (DPS); TB/U tidak wajar (flag WHO)" in marks[0]["text"]
    assert (marks[0]["lng"], marks[0]["lat"]) == pytest.approx((0.5, 0.5))  # inside its village
