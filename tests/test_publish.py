"""The one publishing step: what may be shown, checked by hand and at every exit (CLI, CSV download,
page, slide) on a store with a village of 3 children, 2 of them stunted (the issue's example)."""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from streamlit.testing.v1 import AppTest
from test_store import measurement, write

from stunting import config
from stunting.cli import main
from stunting.publish import STATE_NO_DATA, STATE_RATE, STATE_TOO_FEW, publish
from ui import map_panel

SMALL = "64.02.01.2002"  # Muara Leka: 3 children, 2 stunted -> too few, 66.7% must never show
PERIAN = "64.02.01.2001"  # 40 children, 10 stunted -> 25.0%
BONTANG_VILLAGE = "64.74.01.1001"  # 40 children, 8 stunted
PERIOD = "2024-08"
# The withheld rate, as any output could spell it: a fraction, a percentage, Indonesian or English.
WITHHELD = ("0.666", "0.667", "66.7", "66,7", "66.6", "66,6")


def test_publish_by_hand():
    frame = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d", "e"],
            "measured": [40, 9, 0, float("nan"), 10],
            "cases": [10, 7, 0, float("nan"), 0],
            "source": ["measurements", "measurements", None, None, "aggregate"],
        }
    )
    out = publish(frame, period=PERIOD).set_index("code")
    low, high = proportion_confint(10, 40, method="wilson")  # statsmodels, not our Wilson
    a = out.loc["a"]
    assert (a["measured"], a["cases"], a["state"], a["suppressed"]) == (40, 10, STATE_RATE, False)
    assert (a["prevalence"], a["ci_low"], a["ci_high"]) == pytest.approx((0.25, low, high), abs=1e-12)
    assert (a["prevalence_pct"], a["ci_low_pct"], a["ci_high_pct"]) == (25.0, 14.2, 40.2)  # 0.1419-0.4024
    assert (a["period"], a["source"]) == (PERIOD, "measurements")
    # Too few: no rate, no interval and no case count (7 of 9 would give the rate back).
    b = out.loc["b"]
    assert (b["measured"], b["state"], bool(b["suppressed"])) == (9, STATE_TOO_FEW, True)
    assert pd.isna(b["cases"]) and math.isnan(b["prevalence"]) and math.isnan(b["ci_low_pct"])
    # No data (no children, or absent from the counts): never "too few", no source.
    for code in ("c", "d"):
        row = out.loc[code]
        assert (row["measured"], row["state"], bool(row["suppressed"])) == (0, STATE_NO_DATA, False)
        assert row["source"] is None and math.isnan(row["prevalence"])
    # Exactly MIN_CHILDREN children: shown, 0% is a rate here (not "no data").
    e = out.loc["e"]
    assert (e["measured"], e["cases"], e["prevalence"], e["state"]) == (10, 0, 0.0, STATE_RATE)
    assert config.MIN_CHILDREN == 10


def test_publishing_twice_changes_nothing_and_the_demo_says_so():
    frame = pd.DataFrame({"measured": [40, 9, 0], "cases": [10, 7, 0], "source": ["measurements"] * 3})
    once = publish(frame)
    pd.testing.assert_frame_equal(publish(once), once)
    assert publish(frame, demo=True)["source"].tolist() == ["demo", "demo", None]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    def children(prefix, village, n, cases, day=f"{PERIOD}-05"):
        return [
            measurement(f"{prefix}{i}", village, day, haz=-2.5 if i < cases else -1.0, age_days=800)
            for i in range(n)
        ]

    folder = tmp_path_factory.mktemp("publish")
    write(
        folder,
        children("p", PERIAN, 40, 10) + children("s", SMALL, 3, 2) + children("b", BONTANG_VILLAGE, 40, 8),
    )
    return folder


def _cli(capsys, *args) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_prevalence_csv_and_json_leave_the_small_villages_cases_blank(small_store, capsys):
    base = ["prevalence", "--indicator", "stunting", "--period", PERIOD, "--data-dir", str(small_store)]
    out = _cli(capsys, *base, "--level", "village", "--regency", "64.02")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows[SMALL] == {
        "code": SMALL,
        "name": "Muara Leka",
        "measured": "3",
        "cases": "",
        "prevalence": "",
        "ci_low": "",
        "ci_high": "",
        "suppressed": "true",
        "period": PERIOD,
        "source": "measurements",
    }
    assert (rows[PERIAN]["cases"], rows[PERIAN]["prevalence"]) == ("10", "0.25")
    records = json.loads(_cli(capsys, *base, "--level", "village", "--format", "json"))
    small = next(r for r in records if r["code"] == SMALL)
    assert (small["measured"], small["cases"], small["prevalence"]) == (3, None, None) and small["suppressed"]
    assert not any(text in out for text in WITHHELD)


def test_compare_of_the_small_village_prints_no_case_count(small_store, capsys):
    base = ["compare", "--a", SMALL, "--b", BONTANG_VILLAGE, "--indicator", "stunting"]
    out = json.loads(_cli(capsys, *base, "--data-dir", str(small_store)))
    assert (out["a"]["measured"], out["a"]["cases"], out["a"]["prevalence"]) == (3, None, None)
    assert out["difference"]["value"] is None  # 3 children: no comparison either
    text = _cli(capsys, *base, "--format", "csv", "--data-dir", str(small_store))
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["a_measured"], row["a_cases"], row["a_prevalence"]) == ("3", "", "")
    assert not any(withheld in text for withheld in WITHHELD)


def test_csv_downloads_blank_the_small_villages_cases(small_store):
    from charts import compare as charts
    from stunting import compare
    from stunting.prevalence import prevalence
    from ui import tables

    rates = prevalence("stunting", PERIOD, "village", kecamatan=SMALL[:8], data_dir=small_store)
    table = tables.rate_table(rates, "id", period=PERIOD, label_columns={"code": "table.code"})
    small = table.set_index("Kode").loc[SMALL]
    assert small["Anak diukur"] == 3 and pd.isna(small["Kasus"]) and pd.isna(small["Prevalensi (%)"])
    assert (small["Periode"], small["Sumber"]) == (PERIOD, "e-PPGBM (per anak)")
    page = compare.build_comparison("stunting", SMALL[:8], "64.74", data_dir=small_store)
    labels = charts.side_labels(page.headline, "en")
    for chart in ("trend", "distribution", "ranking", "age"):
        data = charts.chart_data(page, chart, labels, "en").to_csv(index=False)
        assert not any(withheld in data for withheld in WITHHELD), chart
    villages = charts.chart_data(page, "distribution", labels, "en").set_index("Code")
    assert pd.isna(villages.loc[SMALL, "Cases"]) and villages.loc[SMALL, "Children measured"] == 3
    assert villages.loc[PERIAN, "Cases"] == 10 and villages.loc[PERIAN, "Period"] == PERIOD


def _page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "metric") for e in at.get(kind)]
    parts += [str(e.proto) for e in at.get("component_instance")]  # the map's tooltips
    parts += [e.value.to_csv() for e in at.dataframe]
    return "\n".join(str(p) for p in parts)


def test_pages_show_too_few_children_and_no_case_count(small_store, monkeypatch):
    monkeypatch.setenv("STUNTING_DATA_DIR", str(small_store))
    at = AppTest.from_file(str(config.REPO_ROOT / "pages" / "map.py"), default_timeout=120)
    for name, value in {"period": PERIOD, "kecamatan": SMALL[:8], "village": SMALL}.items():
        at.query_params[name] = value
    at.session_state["map_table"] = True  # the village table under the map, opened
    # The panel's comparison tab, opened (tabs are built only when open): the village in words.
    at.session_state[map_panel.PANEL_TABS_KEY] = "Perbandingan"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = _page_text(at)
    # The panel's headline: too few, with its period, source and children.
    assert "terlalu sedikit anak (< 10) · Agustus 2024 · sumber: e-PPGBM (per anak) · 3 anak" in text
    assert "**Muara Leka**: terlalu sedikit anak (< 10) · 3 anak" in text  # the comparison, in words
    assert not any(withheld in text for withheld in WITHHELD)
    (villages,) = [d.value for d in at.dataframe]
    small = villages.set_index("Kode").loc[SMALL]
    assert pd.isna(small["Kasus"]) and small["Anak diukur"] == 3
    at = AppTest.from_file(str(config.REPO_ROOT / "pages" / "compare.py"), default_timeout=120)
    for name, value in {"period": PERIOD, "a": SMALL, "b": BONTANG_VILLAGE}.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = _page_text(at)
    assert "terlalu sedikit anak" in text
    assert not any(withheld in text for withheld in WITHHELD)


def test_slides_show_no_withheld_rate(small_store):
    from pptx import Presentation

    from render.export import export_bytes
    from stunting.story import story_from_dict

    story = story_from_dict(
        {
            "title": {"id": "Uji", "en": "Test"},
            "slides": [
                {
                    "page": "map",
                    "view": {"indicator": "stunting", "period": PERIOD, "regency": "64.02"},
                    "title": {"id": "Peta", "en": "Map"},
                },
                {
                    "page": "compare",
                    "figure": "headline",
                    "view": {"indicator": "stunting", "a": SMALL, "b": BONTANG_VILLAGE, "period": PERIOD},
                    "title": {"id": "Banding", "en": "Compare"},
                },
            ],
        }
    )
    deck = Presentation(io.BytesIO(export_bytes(story, "pptx", "id", data_dir=small_store)))
    text = "\n".join(
        shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
    )
    assert "3 anak" in text or "43 anak" in text  # the source lines count the children
    assert not any(withheld in text for withheld in WITHHELD)
