"""The map in a real browser (Debian's chromium via Playwright) against `streamlit run` on 127.0.0.1:
the village polygons draw, a click opens the village panel, and not one request leaves the machine."""

from __future__ import annotations

import pytest
from browser import ARTIFACTS, CHROMIUM_FLAGS, VIEWPORT, block_the_network, streamlit_app
from conftest import WILAYAH

from stunting.demo import build_demo
from stunting.gazetteer import villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A few percent of the demo's children: enough that most villages get a rate, quick to build.
DEMO_SCALE = 0.05
# Generous: the first map build after a cold start on 2 shared cores.
DRAW_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-demo")
    build_demo(folder, scale=DEMO_SCALE)
    if WILAYAH.is_dir():
        # Real village boundaries when ../shared has them; the schematic fallback otherwise - both
        # must draw every polygon offline.
        from stunting.boundaries.install import import_files

        kel = WILAYAH / "db" / "kel" / "64"
        import_files(
            [kel / "wilayah_boundaries_kel_64.02.sql", kel / "wilayah_boundaries_kel_64.74.sql"],
            data_dir=folder,
        )
    with streamlit_app(folder) as url:
        yield url


def test_map_draws_offline_and_a_click_opens_the_village_panel(server, chromium_executable):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
        left_the_machine = block_the_network(context)
        page = context.new_page()
        page.goto(server + "/?regency=64.02")

        kukar = villages()[villages()["regency_code"] == "64.02"]
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        polygons = frame.locator("path.leaflet-interactive")
        page.wait_for_function(
            """n => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                      return f && f.contentDocument &&
                             f.contentDocument.querySelectorAll('path.leaflet-interactive').length >= n; }""",
            arg=len(kukar),
            timeout=DRAW_TIMEOUT_MS,
        )
        assert polygons.count() >= len(kukar)
        # The opening view keeps every village clear of the legend (bottom right of the map).
        under_legend = page.evaluate(
            """() => { const d = document.querySelector('iframe[title="streamlit_folium.st_folium"]')
                                   .contentDocument;
                       const legend = d.querySelector('.peta-legend').getBoundingClientRect();
                       return Array.from(d.querySelectorAll('path.leaflet-interactive')).filter(p => {
                           const r = p.getBoundingClientRect();
                           return r.right > legend.left && r.bottom > legend.top; }).length; }"""
        )
        assert under_legend == 0
        frame.locator(".leaflet-control-attribution").wait_for(timeout=DRAW_TIMEOUT_MS)
        page.get_by_text("Peta Stunting (pendek)").first.wait_for(timeout=DRAW_TIMEOUT_MS)
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        page.get_by_text("Peta Stunting (pendek)").first.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-1366x768.png"))

        # A village polygon near the middle of the list; its own centre lies inside it for the
        # compact shapes the demo uses, and the panel names whichever village received the click.
        polygons.nth(len(kukar) // 2).click(force=True)
        heading = page.locator("h4", has_text="Desa/Kel.")
        try:
            heading.wait_for(timeout=DRAW_TIMEOUT_MS)
        except playwright_api.TimeoutError:
            page.screenshot(path=str(ARTIFACTS / "village-panel-missing.png"))
            raise
        title = heading.inner_text()
        assert any(title.startswith(f"Desa/Kel. {name},") for name in kukar["name"]), title
        # Beside the map, level with it: the room sees the map and the village on one screen.
        map_box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        title_box = heading.bounding_box()
        assert title_box["x"] >= map_box["x"] + map_box["width"]
        assert map_box["y"] <= title_box["y"] < map_box["y"] + map_box["height"]
        assert title_box["x"] + title_box["width"] <= VIEWPORT["width"]
        page.get_by_role("tab", name="Perbandingan").click()
        page.get_by_text("Dibanding kecamatan dan kabupaten").wait_for(timeout=DRAW_TIMEOUT_MS)
        page.get_by_role("tab", name="Tren").click()
        charts = page.locator(".js-plotly-plot")  # the trend with its band (+ the age bars if not too few)
        charts.first.wait_for(timeout=DRAW_TIMEOUT_MS)
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        page.wait_for_function(
            "() => window.location.search.includes('village=64.02.')", timeout=DRAW_TIMEOUT_MS
        )
        charts.first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "village-panel-1366x768.png"))
        browser.close()

    assert left_the_machine == []
