"""The app run in-process (AppTest) on a small demo store: every page runs, links open the view they
name, the map component holds every village styled as the numbers say, and a click opens the panel."""

from __future__ import annotations

import functools
import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_choropleth import _features, _styles

from geo.choropleth import NO_DATA_FILL, TOO_FEW_FILL
from stunting import prevalence as prevalence_api
from stunting.classes import PALETTES
from stunting.config import REPO_ROOT
from stunting.demo import build_demo
from stunting.gazetteer import villages
from stunting.i18n import provenance
from stunting.plaintext import markdown_literal
from ui import map_panel
from ui.pages_registry import pages_for

APP = str(REPO_ROOT / "app.py")
RATE_COLOURS = {c.lower() for colours in PALETTES.values() for c in colours}


@pytest.fixture
def app(run_page):
    return functools.partial(run_page, APP)


def _map_args(at) -> dict:
    (component,) = [c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    return json.loads(component.proto.json_args) | {"_id": component.proto.id}


def _village_script(at) -> str:
    """The village layer as the component receives it (st_folium's feature group argument)."""
    return _map_args(at)["feature_group"]


def test_every_page_runs(app):
    at = app()
    # What an anonymous visitor may open with STUNTING_AUTH=viewers-public, the landing page first.
    for page in pages_for("viewer", logged_in=False):
        at.switch_page(page.path)
        at.run()
        assert not at.exception


def test_default_view_is_kukar_stunting_latest_period_in_indonesian(app, demo_dir):
    at = app()
    latest = prevalence_api.periods(demo_dir)[-1]
    assert at.query_params["period"] == latest
    assert at.query_params["regency"] == "64.02" and at.query_params["lang"] == "id"
    assert at.markdown[0].value == "### Peta Stunting (pendek)"
    assert "data contoh (sintetis)" in [w.value for w in at.sidebar.warning]
    features = _features(_village_script(at))
    kukar = villages()[villages()["regency_code"] == "64.02"]
    assert sorted(f["id"] for f in features) == sorted(kukar["code"])


def test_the_issue_link_opens_exactly_that_view(app, demo_dir):
    at = app(lang="en", indicator="wasting", period="2024-08", regency="64.74")
    assert not at.warning.values or all("link" not in w for w in at.warning.values)
    assert at.sidebar.selectbox(key="view_indicator").value == "wasting"
    assert at.sidebar.selectbox(key="view_period").value == "2024-08"
    assert at.sidebar.selectbox(key="view_regency").value == "64.74"
    assert at.markdown[0].value == "### Wasting map"
    regency = prevalence_api.prevalence("wasting", "2024-08", "regency", regency="64.74", data_dir=demo_dir)
    expected = f"{regency['prevalence'].iloc[0] * 100:.1f}%"
    assert at.metric[0].value == expected
    assert at.metric[0].label == "Kota Bontang prevalence"
    # Under the cards: the interval, then where the number comes from and how many children it rests on.
    measured = int(regency["measured"].iloc[0])
    assert any(
        c.startswith("95% CI:") and "August 2024" in c and f"{measured:,} children" in c
        for c in at.caption.values
    ), at.caption.values
    features = _features(_village_script(at))
    assert len(features) == 15
    assert '"August 2024"' in _village_script(at)
    assert "Children measured" in _village_script(at)


def test_junk_link_opens_the_default_view_with_a_notice(app, demo_dir):
    at = app(lang="xx", indicator="1;DROP", period="2024-99", regency="64.99")
    notices = [w.value for w in at.warning]
    assert any("tampilan bawaan" in n and "indicator=`1;DROP`" in n for n in notices)  # as code, not markup
    assert at.query_params["indicator"] == "stunting"
    assert at.query_params["period"] == prevalence_api.periods(demo_dir)[-1]
    assert at.query_params["regency"] == "64.02"


def test_too_few_and_no_data_villages_are_never_rate_coloured(app, demo_dir):
    period = "2024-08"
    at = app(regency="64.74", period=period, sex="P", age="0-5")
    rates = prevalence_api.prevalence(
        "stunting", period, "village", regency="64.74", sex="P", age_group="0-5", data_dir=demo_dir
    ).set_index("code")
    styles = _styles(_village_script(at))
    too_few = rates.index[rates["suppressed"]]
    assert len(too_few) > 0, "the fixture should produce villages with too few children"
    for code, style in styles.items():
        if rates.loc[code, "suppressed"]:
            assert style["fillColor"] == TOO_FEW_FILL, code
        elif rates.loc[code, "measured"] == 0:
            assert style["fillColor"] == NO_DATA_FILL, code
        else:
            assert style["fillColor"].lower() in RATE_COLOURS, code
    tips = {f["id"]: f["properties"]["rate"] for f in _features(_village_script(at))}
    assert tips[too_few[0]].startswith("terlalu sedikit anak")


def test_clicking_a_village_opens_its_panel_and_puts_it_in_the_link(app, demo_dir):
    at = app(regency="64.74", period="2024-08")
    component_key = _map_args(at)["_id"].rsplit("-", 1)[1]
    code = villages()[villages()["regency_code"] == "64.74"]["code"].iloc[3]
    at.session_state[component_key] = {
        "last_active_drawing": {"type": "Feature", "properties": {"code": code}}
    }
    at.run()
    assert not at.exception
    name = villages().set_index("code").loc[code, "name"]
    assert any(m.value.startswith("#### " + markdown_literal(f"Desa/Kel. {name}")) for m in at.markdown)
    assert at.query_params["village"] == code
    assert [tab.label for tab in at.tabs] == ["Tren", "Umur & jenis kelamin", "Perbandingan"]
    village = (
        prevalence_api.prevalence("stunting", "2024-08", "village", regency="64.74", data_dir=demo_dir)
        .set_index("code")
        .loc[code]
    )
    # The trend's tab opens first, and only it is built: no breakdown, no comparison yet.
    assert [c.key for c in at.get("plotly_chart")] == ["village_trend"]
    assert not [m.value for m in at.markdown if m.value.startswith("- Desa/Kel.")]
    # The trend's source line counts the children of the month on the map, not a sum over the
    # rounds (the same child is weighed every round).
    children = f"{village['measured']:,} anak pada Agustus 2024".replace(",", ".")
    assert any(c.startswith("Februari 2019–") and children in c for c in at.caption.values), at.caption.values
    assert [b.label for b in at.get("download_button")].count("Unduh CSV") == 1  # the trend's

    at.session_state[map_panel.PANEL_TABS_KEY] = "Umur & jenis kelamin"  # the tab clicked
    at.run()
    by_age = prevalence_api.breakdown("stunting", "2024-08", "village", code, "age_group", data_dir=demo_dir)
    charts = [c.key for c in at.get("plotly_chart")]
    if (~by_age["suppressed"] & (by_age["measured"] > 0)).any():
        assert charts == ["village_breakdown"]  # age (x sex) bars
    else:  # every age group under the minimum: said in words, no empty chart
        assert charts == []
        assert any("terlalu sedikit anak" in i.value for i in at.info)

    at.session_state[map_panel.PANEL_TABS_KEY] = "Perbandingan"
    at.run()
    assert not at.exception and at.get("plotly_chart") == []
    (comparison,) = [m.value for m in at.markdown if m.value.startswith("- Desa/Kel.")]
    lines = comparison.splitlines()
    assert [line.split(" **")[0] for line in lines] == ["- Desa/Kel.", "- Kecamatan", "- Kabupaten/Kota"]
    assert lines[0].endswith(f"· {village['measured']:,} anak".replace(",", "."))
    assert [b.label for b in at.get("download_button")].count("Unduh CSV") == 1  # the comparison's


def _panel_over_the_map(at):
    """The block drawn right after the map, inside the map's own container (pages/map.py floats it
    over the map's right edge): the village panel."""

    def walk(node):
        children = list(getattr(node, "children", {}).values())
        for index, child in enumerate(children):
            if getattr(child, "type", None) == "component_instance" and index + 1 < len(children):
                return children[index + 1]
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(at.main)


def test_the_village_panel_sits_over_the_map(app):
    """On a 1366x768 projector the room sees the map and the clicked village at once: the panel is
    part of the map's container (the browser test measures where it lands)."""
    at = app(regency="64.74", period="2024-08")
    # Before a click, the panel holds the regency's own trend with its children.
    assert [c.key for c in at.get("plotly_chart")] == ["area_trend"]
    assert any("Kota Bontang" in m.value for m in _panel_over_the_map(at).markdown)
    component_key = _map_args(at)["_id"].rsplit("-", 1)[1]
    code = villages()[villages()["regency_code"] == "64.74"]["code"].iloc[0]
    at.session_state[component_key] = {"last_active_drawing": {"properties": {"code": code}}}
    at.run()
    # The village title is escaped Markdown (names may come from an imported boundary file).
    assert any(m.value.startswith(r"#### Desa\/Kel\.") for m in _panel_over_the_map(at).markdown)


def test_closing_the_village_panel_brings_back_the_regencys_own(app):
    code = villages()[villages()["regency_code"] == "64.74"]["code"].iloc[0]
    at = app(regency="64.74", period="2024-08", village=code)
    assert any(m.value.startswith(r"#### Desa\/Kel\.") for m in _panel_over_the_map(at).markdown)
    at.button(key="close_village").click().run()
    assert not at.exception
    assert "village" not in at.query_params
    assert not any(m.value.startswith("#### ") for m in _panel_over_the_map(at).markdown)
    assert [c.key for c in at.get("plotly_chart")] == ["area_trend"]


def _chart_spec(at, key: str) -> dict:
    (chart,) = [c for c in at.get("plotly_chart") if c.key == key]
    return json.loads(chart.proto.spec)


def test_the_village_breakdown_answers_for_the_filtered_children(app, demo_dir):
    """Girls aged 24-59 months on the map: the panel's age bars are the same girls, not every child."""
    gaz = villages()
    period = "2024-08"
    older = ["24-35", "36-47", "48-59"]

    def girls(code):
        full = prevalence_api.breakdown(
            "stunting", period, "village", code, "age_group_sex", data_dir=demo_dir
        )
        return full[(full["sex"] == "P") & full["age_group"].isin(older)]

    # A village where at least one group of older girls has enough children for a bar.
    code = next(
        c
        for c in gaz[gaz["regency_code"] == "64.74"]["code"]
        if (~girls(c)["suppressed"] & (girls(c)["measured"] > 0)).any()
    )
    at = app(
        regency="64.74", period=period, sex="P", age="24-59", village=code,
        session_state={map_panel.PANEL_TABS_KEY: "Umur & jenis kelamin"},
    )  # fmt: skip
    spec = _chart_spec(at, "village_breakdown")
    (trace,) = spec["data"]  # girls only: no empty "boys" series
    assert trace["name"] == "Perempuan"
    assert list(trace["x"]) == older
    expected_rows = girls(code)
    expected = expected_rows["prevalence"].where(~expected_rows["suppressed"]).tolist()
    shown = trace["y"] if isinstance(trace["y"], list) else None
    if shown is None:  # plotly may ship arrays as typed buffers
        import base64

        import numpy as np

        shown = np.frombuffer(base64.b64decode(trace["y"]["bdata"]), dtype=trace["y"]["dtype"]).tolist()
    assert shown == pytest.approx(expected, nan_ok=True)
    children = int(expected_rows["measured"].sum())
    assert any(
        f"{children:,} anak".replace(",", ".") in c and "Perempuan · 24-59 bulan" in c
        for c in at.caption.values
    ), at.caption.values


def test_filters_and_the_year_before_are_named_with_their_children(app, demo_dir):
    at = app(regency="64.74", period="2024-08", sex="L")
    assert at.caption[0].value.endswith(" · Laki-laki")  # the subtitle: a filtered map never passes for all
    before = prevalence_api.prevalence(
        "stunting", "2023-08", "regency", regency="64.74", sex="L", data_dir=demo_dir
    )
    measured = f"{int(before['measured'].iloc[0]):,} anak".replace(",", ".")
    assert any(
        f"pembanding: Agustus 2023 · sumber: data contoh (sintetis) · {measured}" in c
        for c in at.caption.values
    )


def test_csv_tables_hold_aggregates_only(app):
    at = app(regency="64.74")
    # Folded under the map, the table is not built until it is opened.
    assert "dl_villages" not in [b.key for b in at.get("download_button")]
    at.session_state["map_table"] = True
    at.run()
    assert "dl_villages" in [b.key for b in at.get("download_button")]
    table = at.dataframe[-1].value
    assert {"Kode", "Nama", "Anak diukur", "Prevalensi (%)"} <= set(table.columns)
    forbidden = re.compile(r"nik|nama anak|child|ibu|alamat|birth|lahir", re.I)
    assert not [c for c in table.columns if forbidden.search(c)]
    assert len(table) == 15


def test_tables_blank_the_cases_of_suppressed_rows_and_say_where_numbers_come_from():
    import pandas as pd

    from ui import tables

    frame = pd.DataFrame(
        {
            "code": ["a", "b", "c"],
            "measured": [40, 6, 0],
            "cases": [10, 5, 0],
            "prevalence": [0.25, float("nan"), float("nan")],
            "ci_low": [0.142, float("nan"), float("nan")],
            "ci_high": [0.404, float("nan"), float("nan")],
            "suppressed": [False, True, False],
        }
    )
    table = tables.rate_table(frame, "id", label_columns={"code": "table.code"})
    assert table["Kasus"].tolist()[0] == 10 and pd.isna(table["Kasus"].iloc[1])  # 5 of 6 would be a rate
    assert table["Prevalensi (%)"].tolist()[0] == 25.0
    assert table["Terlalu sedikit anak"].tolist() == [False, True, False]
    shown = pd.DataFrame({"Anak diukur": [1234], "Prevalensi (%)": [27.14]})
    on_screen = tables.styled(shown, "id").to_html()
    assert ">1.234<" in on_screen and ">27,1<" in on_screen  # Indonesian on screen; numbers underneath
    assert ">27.1<" in tables.styled(shown, "en").to_html()
    assert [tables.rate_line(row, "id") for _, row in frame.iterrows()] == [
        "25,0% (IK 95%: 14,2%–40,2%) · 40 anak",  # Wilson 10/40 (statsmodels): 0.1419-0.4024
        "terlalu sedikit anak (< 10) · 6 anak",
        "tidak ada data",
    ]
    assert tables.rate_line(frame.iloc[0].copy().replace({40: 1234}), "en").endswith("· 1,234 children")
    assert provenance("2024-08", ["measurements"], 1234, "id", demo=False) == (
        "Agustus 2024 · sumber: e-PPGBM (per anak) · 1.234 anak"
    )
    assert "data contoh (sintetis)" in provenance("2024-08", ["measurements"], 5, "id", demo=True)
    current = pd.Series({"prevalence": 0.20, "suppressed": False})
    assert tables.change(current, pd.Series({"prevalence": 0.25, "suppressed": False})) == pytest.approx(
        -0.05
    )
    assert tables.change(current, pd.Series({"prevalence": float("nan"), "suppressed": True})) is None
    assert tables.change_text(-0.05, "2023-08", "id") == "-5,0 poin persen"
    assert tables.change_text(None, "2023-08", "en") == "No August 2023 data to compare with"


def test_a_kecamatan_zooms_to_its_villages_and_the_language_switch_translates_the_map(app):
    gaz = villages()
    kecamatan = gaz[gaz["regency_code"] == "64.74"]["kecamatan_code"].iloc[0]
    at = app(regency="64.74", kecamatan=kecamatan)
    features = _features(_village_script(at))
    assert sorted(f["id"] for f in features) == sorted(gaz[gaz["kecamatan_code"] == kecamatan]["code"])
    assert "Anak diukur" in _village_script(at)
    at.sidebar.radio(key="view_lang").set_value("en").run()
    assert not at.exception
    assert "Children measured" in _village_script(at) and "Anak diukur" not in _village_script(at)
    assert at.query_params["lang"] == "en" and at.query_params["kecamatan"] == kecamatan


@pytest.mark.parametrize(
    "params",
    [
        {"regency": "all", "indicator": "severe_stunting"},
        {"regency": "64.74", "indicator": "underweight", "classes": "quantiles", "lang": "en"},
        {"regency": "64.74", "classes": "natural_breaks", "sex": "L", "age": "24-59"},
    ],
)
def test_other_views_run_and_draw_every_village(app, params):
    at = app(**params)
    # "all" is every regency the app shows: on the demo store, Kalimantan Timur's ten (Kukar and
    # Bontang child by child, the other eight as village counts; stunting.scope).
    gaz = villages()[villages()["province_code"] == "64"]
    expected = gaz if params["regency"] == "all" else gaz[gaz["regency_code"] == params["regency"]]
    assert len(_features(_village_script(at))) == len(expected)
    assert len(at.metric) == 3 * (10 if params["regency"] == "all" else 1)


def test_first_run_on_an_empty_store_builds_the_demo_with_a_progress_bar(tmp_path, monkeypatch):

    import stunting.demo

    calls = []
    small = functools.partial(build_demo, scale=0.02)

    def recording_build(data_dir, progress=None, **kwargs):
        calls.append(data_dir)
        return small(data_dir, progress=progress, **kwargs)

    monkeypatch.setattr(stunting.demo, "build_demo", recording_build)
    monkeypatch.setenv("STUNTING_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [str(c) for c in calls] == [str(tmp_path)]
    assert "data contoh (sintetis)" in [w.value for w in at.sidebar.warning]
    assert len(_features(_village_script(at))) == 237
    at.run()  # the demo is built once, not on every rerun
    assert len(calls) == 1


def test_the_demo_can_be_removed_and_the_emptied_store_says_how_to_load_data(tmp_path, monkeypatch):

    import stunting.demo
    from stunting import store
    from stunting.i18n import t

    small = tmp_path / "data"
    build_demo(small, scale=0.005)
    monkeypatch.setenv("STUNTING_DATA_DIR", str(small))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "remove_demo"]  # removing changes data: not for viewers
    from stunting.users import UserDB

    users = UserDB(small)
    users.add("pengelola", "data_manager", "manager-password-1", ("64.02",), actor="test")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_auth_token"] = users.login("pengelola", "manager-password-1")[1]
    at.run()
    assert not at.exception
    # The app offers the removal to a data manager (its button calls app_cache.remove_demo; AppTest
    # does not deliver a click to a widget of app.py once a page has rerun, so the test calls what the
    # button calls).
    assert at.button(key="remove_demo").label == t("app.demo_remove.confirm", "id")
    store.remove_demo(small)
    monkeypatch.setattr(stunting.demo, "build_demo", lambda *a, **k: pytest.fail("the demo was built again"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert store.is_empty(small) and store.demo_removed(small)
    assert [i.value for i in at.info] == [t("app.empty_store", "id")]
    at.run()  # and on every later run: the removed demo is not rebuilt
    assert [i.value for i in at.info] == [t("app.empty_store", "id")]


def test_a_real_store_in_an_older_format_says_it_must_be_rebuilt(tmp_path, monkeypatch):
    from test_store import measurement, write

    import stunting.demo
    from stunting import store, store_layout
    from stunting.i18n import t

    write(tmp_path, [measurement("a", "64.02.01.2001", "2024-08-03")])
    (store.current_snapshot(tmp_path) / store_layout.FORMAT_FILE).unlink()  # as an older version wrote it
    monkeypatch.setattr(
        stunting.demo, "build_demo", lambda *a, **k: pytest.fail("real data replaced by the demo")
    )
    monkeypatch.setenv("STUNTING_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("app.store_outdated", "id")]


def _cli_rows(demo_dir, period: str, level: str) -> dict:
    """`python -m stunting prevalence` as a user runs it: the reference the page's cards must match."""
    import csv
    import io
    import subprocess
    import sys

    output = subprocess.run(
        [sys.executable, "-m", "stunting", "prevalence", "--indicator", "stunting", "--period", period,
         "--level", level, "--regency", "64.02", "--data-dir", str(demo_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {row["code"]: row for row in csv.DictReader(io.StringIO(output))}


def test_a_chosen_kecamatan_gets_its_own_cards_and_subtitle(app, demo_dir):
    """A screenshot of Tenggarong carries Tenggarong's numbers: children as the CLI counts them, and
    the year-on-year card's big number is the change in points, last year's rate under it."""
    from stunting.i18n import fmt_points

    at = app(kecamatan="64.02.06", period="2025-08")
    now = _cli_rows(demo_dir, "2025-08", "kecamatan")["64.02.06"]
    before = _cli_rows(demo_dir, "2024-08", "kecamatan")["64.02.06"]
    assert now["name"] == "Tenggarong"
    assert at.metric[0].label == "Prevalensi Kec. Tenggarong"
    assert at.metric[1].value == f"{int(now['measured']):,} anak".replace(",", ".")
    # The breadcrumb beside the title names it (Indonesia › ... › Kec. Tenggarong, the last in bold).
    assert "**" + markdown_literal("Kec. Tenggarong") + "**" in [m.value for m in at.markdown]
    change = float(now["prevalence"]) - float(before["prevalence"])
    assert at.metric[2].label == "Perubahan sejak Agustus 2024"
    assert at.metric[2].value == f"{fmt_points(change, 'id')} poin"
    was = f"{float(before['prevalence']) * 100:.1f}%".replace(".", ",")
    assert at.metric[2].delta == f"Agustus 2024: {was}"


def test_a_village_with_too_few_children_in_every_period_says_so_instead_of_an_empty_chart(app, demo_dir):
    from stunting.config import MIN_CHILDREN
    from stunting.i18n import t

    frames = [
        prevalence_api.prevalence("stunting", p, "village", regency="64.02", data_dir=demo_dir)
        for p in prevalence_api.periods(demo_dir)
    ]
    most = pd.concat(frames).groupby("code")["measured"].max()
    small = most[(most > 0) & (most < MIN_CHILDREN)]
    assert len(small), "the shared demo store has no village under MIN_CHILDREN in every period"
    at = app(regency="64.02", village=small.index[0])
    assert t("panel.trend.too_few", "id", minimum=MIN_CHILDREN) in at.info.values
    assert "village_trend" not in [c.key for c in at.get("plotly_chart")]


def test_sessions_share_a_views_rendered_map_but_each_keeps_its_own_village(app, demo_dir):
    """The map is rendered once per view for every session (ui/map_panel.build_model): two people on
    the same view get the same component, whatever village each one opened; another language or
    period is another view, with its own words and numbers."""
    code = villages().query("regency_code == '64.02'")["code"].iloc[3]
    first, second = app(regency="64.02"), app(regency="64.02", village=code)
    assert _map_args(first) == _map_args(second)
    village_name = villages().set_index("code").loc[code, "name"]
    assert any(village_name in m.value for m in second.markdown)
    assert not any(village_name in m.value for m in first.markdown if m.value.startswith("####"))
    english = app(regency="64.02", lang="en")
    assert _map_args(english)["feature_group"] != _map_args(first)["feature_group"]
    earlier = prevalence_api.periods(demo_dir)[-2]
    assert _village_script(app(regency="64.02", period=earlier)) != _village_script(first)
