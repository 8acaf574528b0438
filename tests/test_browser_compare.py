"""The default comparison in a real browser (Debian's chromium via Playwright) against `streamlit run`
on 127.0.0.1, with the real village boundaries: both maps draw every village, each opens fitted to its
area with no control box over the villages, the headline is on screen at 1366x768, not one request
leaves the machine, and a trip to the map page and back keeps the comparison. Follows
tests/test_browser.py; both use tests/browser.py (server and request guard)."""

from __future__ import annotations

import pytest
from browser import ARTIFACTS, MAP_FRAME, MAX_COVERED_SHARE, VIEWPORT, offline_page, streamlit_app
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import DRAW_TIMEOUT_MS

from stunting.boundaries.install import import_files
from stunting.demo import build_demo
from stunting.gazetteer import villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Enough children that both regencies and most villages get a rate (a projector shows colour, not grey).
DEMO_SCALE = 0.1
# "Fitted": the villages span nearly the whole map in width or in height when it opens.
MIN_FILLED_SHARE = 0.85

# Per map: its container's box, the box around its village polygons and the boxes of its controls
# (not the attribution line and scale bar, which run along the bottom edge), in the frame's pixels.
MAP_BOXES_JS = """(selector) => [...document.querySelectorAll(selector)].map((frame) => {
    const doc = frame.contentDocument;
    const box = (r) => [r.left, r.top, r.right, r.bottom];
    const paths = [...doc.querySelectorAll("path.leaflet-interactive")].map((p) => p.getBoundingClientRect());
    const controls = [...doc.querySelectorAll(".leaflet-control")].filter(
        (c) => !c.matches(".leaflet-control-attribution, .leaflet-control-scale"));
    return {
        map: box(doc.querySelector(".leaflet-container").getBoundingClientRect()),
        villages: [Math.min(...paths.map((r) => r.left)), Math.min(...paths.map((r) => r.top)),
                   Math.max(...paths.map((r) => r.right)), Math.max(...paths.map((r) => r.bottom))],
        controls: controls.map((c) => box(c.getBoundingClientRect())),
    };
})"""


def _area(box) -> float:
    return max(box[2] - box[0], 0) * max(box[3] - box[1], 0)


def _overlap(a, b) -> float:
    return _area([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])])


@pytest.fixture(scope="module")
def server(tmp_path_factory, wilayah_dir):
    folder = tmp_path_factory.mktemp("browser-compare")
    build_demo(folder, scale=DEMO_SCALE)
    # Real boundaries: a fit that works on the schematic's even cells can still hide a real city.
    sql = wilayah_dir / "db" / "kel" / "64"
    import_files([sql / f"wilayah_boundaries_kel_{code}.sql" for code in ("64.02", "64.74")], data_dir=folder)
    with streamlit_app(folder) as url:
        yield url + "/compare"


def test_default_comparison_draws_both_maps_offline(server, chromium_executable):
    url = server
    gazetteer = villages()
    counts = [int((gazetteer["regency_code"] == regency).sum()) for regency in ("64.02", "64.74")]
    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(url)

        # Both maps: every Kukar village in the first, every Bontang village in the second.
        try:
            page.wait_for_function(
                """([selector, counts]) => {
                       const frames = document.querySelectorAll(selector);
                       if (frames.length < 2) return false;
                       const drawn = (f) => f.contentDocument ?
                           f.contentDocument.querySelectorAll('path.leaflet-interactive').length : 0;
                       return counts.every((n, i) => drawn(frames[i]) >= n);
                   }""",
                arg=[MAP_FRAME, counts],
                timeout=DRAW_TIMEOUT_MS,
            )
        except PlaywrightTimeout:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "compare-maps-missing.png"))
            raise
        page.get_by_text("Selisih A − B").first.wait_for(timeout=DRAW_TIMEOUT_MS)
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        page.locator(".js-plotly-plot").first.wait_for(timeout=DRAW_TIMEOUT_MS)
        # At 1366x768 the headline and both maps (side by side, each wide enough) share the first screen.
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "compare-1366x768.png"))
        boxes = [page.locator(MAP_FRAME).nth(index).bounding_box() for index in range(2)]
        assert all(box["width"] > 400 and box["y"] < VIEWPORT["height"] / 2 + 100 for box in boxes), boxes
        assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"], boxes
        # Each map opens fitted to its area, and no control box hides its villages.
        for side, drawn in zip("ab", page.evaluate(MAP_BOXES_JS, MAP_FRAME), strict=True):
            frame, shown = drawn["map"], drawn["villages"]
            assert _overlap(frame, shown) >= _area(shown) - 1, (side, drawn)  # nothing outside the map
            width, height = (
                (shown[2] - shown[0]) / (frame[2] - frame[0]),
                (shown[3] - shown[1]) / (frame[3] - frame[1]),
            )
            assert max(width, height) >= MIN_FILLED_SHARE, (side, drawn)
            covered = max((_overlap(shown, control) for control in drawn["controls"]), default=0.0)
            assert covered <= MAX_COVERED_SHARE * _area(shown), (side, drawn)

    assert left_the_machine == []


def test_a_trip_to_the_map_page_keeps_the_comparison(server, chromium_executable):
    """Streamlit scopes widget state to a page: without persisted state the sidebar crashed on the way
    back (no language) and the comparison fell back to Kukar against itself."""
    with offline_page(chromium_executable) as (page, left_the_machine):
        crashed = page.get_by_test_id("stException")
        sidebar = page.get_by_test_id("stSidebar")

        def arrive(expected) -> None:
            crashed.or_(expected).first.wait_for(timeout=DRAW_TIMEOUT_MS)
            assert crashed.count() == 0, crashed.first.inner_text()

        page.goto(server)
        arrive(page.get_by_text("Selisih A − B").first)
        # The comparison picks its own areas: the sidebar's regency choice is not offered here.
        assert sidebar.get_by_text("Kabupaten/Kota", exact=True).count() == 0
        page.get_by_test_id("stSidebarNav").get_by_text("Peta", exact=True).click()
        arrive(sidebar.get_by_text("Kabupaten/Kota", exact=True))
        page.get_by_test_id("stSidebarNav").get_by_text("Bandingkan", exact=True).click()
        arrive(page.get_by_text("Selisih A − B").first)
        picks = page.get_by_test_id("stMain").get_by_role("combobox")
        # The same two areas as before the trip, as the picker labels them ("Kab. Kutai Kartanegara ·
        # Kalimantan Timur").
        from charts.compare import area_option_label

        assert picks.nth(0).input_value() == area_option_label("64.02", "id")
        assert picks.nth(1).input_value() == area_option_label("64.74", "id")
    assert left_the_machine == []
