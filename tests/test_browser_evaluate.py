"""The "Apakah berhasil?" page in a real browser (Debian's chromium via Playwright) against `streamlit
run` on 127.0.0.1 with the demo: the estimate, its interval, the verdict and the warnings are on screen
for BAAS in Kukar, and not one request leaves the machine. Uses tests/browser.py."""

from __future__ import annotations

import pytest
from browser import ARTIFACTS, offline_page, streamlit_app

from charts import evaluate as charts
from stunting.demo import build_demo
from stunting.evaluate import evaluate_programme

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_SCALE = 0.1  # enough children that most villages count in the evaluation
PAGE_TIMEOUT_MS = 120_000  # the first evaluation on 2 shared cores: queries, regressions, esda


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-evaluate")
    build_demo(folder, scale=DEMO_SCALE)
    with streamlit_app(folder) as url:
        yield url, folder


def test_evaluation_view_shows_estimate_interval_verdict_and_warnings_offline(server, chromium_executable):
    url, folder = server
    result, _ = evaluate_programme("baas", "64.02", data_dir=folder)
    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(url + "/evaluate?lang=id&regency=64.02")
        page.get_by_text("Selisih perubahan").wait_for(timeout=PAGE_TIMEOUT_MS)
        # BAAS is the first programme with data after lokus: choose it like a user.
        page.locator("[data-testid=stMain] [data-testid=stSelectbox] input").first.click()
        page.get_by_role("option", name="BAAS (Bapak/Bunda Asuh Anak Stunting)").click()
        page.get_by_text(charts.interval_text(result, "id")).wait_for(timeout=PAGE_TIMEOUT_MS)
        # The page's elements arrive one by one: wait for the verdict too before reading the page.
        page.get_by_text(charts.verdict_text(result, "id")[:60]).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        body = page.inner_text("body")
        assert charts.estimate_text(result, "id") in body
        assert charts.verdict_text(result, "id")[:60] in body
        for sentence in charts.warning_texts(result, "id"):
            assert sentence[:60] in body
        # The rerun after the choice replaces the first programme's two charts: wait for it to end.
        page.wait_for_timeout(300)
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 2",
                               timeout=PAGE_TIMEOUT_MS)  # fmt: skip
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "evaluate-baas.png"))
    assert left_the_machine == []


LOKUS_STROKE = 'path[stroke="#6a3d9a"]'  # geo.programme_layers.LOKUS_COLOUR
COUNT_IN_MAP = """selector => {
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    return f && f.contentDocument ? f.contentDocument.querySelectorAll(selector).length : -1; }"""


def test_programme_layer_draws_the_lokus_villages_when_switched_on(server, chromium_executable):
    from stunting import prevalence, programmes
    from stunting.i18n import t

    url, folder = server
    year = int(prevalence.periods(folder)[-1][:4])
    lokus = programmes.read_table("lokus", folder)
    expected = int(
        ((lokus["year"] == year) & lokus["lokus"] & lokus["village_code"].str.startswith("64.02.")).sum()
    )
    label = t("layer.lokus", "id", year=year)
    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(url + "/?lang=id&regency=64.02")
        page.wait_for_function("() => (" + COUNT_IN_MAP + ")('path.leaflet-interactive') > 100",
                               timeout=PAGE_TIMEOUT_MS)  # fmt: skip
        assert page.evaluate(COUNT_IN_MAP, LOKUS_STROKE) == 0  # off when the map opens
        switched = page.evaluate(
            """label => { const d = document.querySelector('iframe[title="streamlit_folium.st_folium"]')
                                     .contentDocument;
                          const item = [...d.querySelectorAll('.leaflet-control-layers label')]
                                       .find(l => l.textContent.includes(label));
                          if (!item) return false; item.querySelector('input').click(); return true; }""",
            label,
        )
        assert switched, f"no '{label}' in the layer control"
        page.wait_for_function("() => (" + COUNT_IN_MAP + f")('{LOKUS_STROKE}') > 0", timeout=PAGE_TIMEOUT_MS)
        assert page.evaluate(COUNT_IN_MAP, LOKUS_STROKE) == expected
    assert left_the_machine == []
