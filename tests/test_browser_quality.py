"""Data quality in a real browser (Debian's chromium via Playwright) against `streamlit run`: the
"Kualitas data" page draws its map, and Handil Baru, whose heights the demo rounds to whole
centimetres, carries the warning mark on the prevalence map, with not one request leaving the machine."""

from __future__ import annotations

import pytest
from browser import ARTIFACTS, MAP_FRAME, offline_page, streamlit_app, wait_for_polygons

from stunting.demo import FAULT_ROUNDED_HEIGHTS, build_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Large enough that Handil Baru has the 100 measures digit preference needs (about 190 at 0.12).
DEMO_SCALE = 0.12
DRAW_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-quality")
    build_demo(folder, scale=DEMO_SCALE)
    with streamlit_app(folder) as url:
        yield url


def test_quality_map_draws_and_rounded_heights_carry_the_warning_mark(server, chromium_executable):
    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(server + "/quality?regency=64.02")
        wait_for_polygons(page, 200)
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(".peta-legend", has_text="Preferensi digit tinggi (DPS)").wait_for(
            timeout=DRAW_TIMEOUT_MS
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "quality-1366x768.png"))

        page.goto(server + "/?regency=64.02")
        wait_for_polygons(page, 200)
        mark = page.frame_locator(MAP_FRAME).locator(
            f'.peta-quality-mark[data-code="{FAULT_ROUNDED_HEIGHTS}"]'
        )
        mark.wait_for(timeout=DRAW_TIMEOUT_MS)
        assert "Preferensi digit tinggi (DPS)" in mark.get_attribute("title")
        page.screenshot(path=str(ARTIFACTS / "map-quality-mark-1366x768.png"))
    assert left_the_machine == []
