"""The map in a real browser (Debian's chromium via Playwright) against `streamlit run` on 127.0.0.1:
the village polygons draw, the map is at least half of a 1366x768 screen and whole above the fold at
1366x657, no control or the floating village panel hides villages, a hovered village's tooltip is on
top, a click opens the village panel over the map, and not one request leaves the machine."""

from __future__ import annotations

import pytest
from browser import (
    ARTIFACTS,
    MAP_FRAME,
    MAX_COVERED_SHARE,
    VIEWPORT,
    offline_page,
    streamlit_app,
    wait_for_polygons,
)
from conftest import WILAYAH
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from stunting.demo import build_demo
from stunting.gazetteer import villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A few percent of the demo's children: enough that most villages get a rate, quick to build.
DEMO_SCALE = 0.05
# Generous: the first map build after a cold start on 2 shared cores.
DRAW_TIMEOUT_MS = 60_000
# A browser window on the projector: 1366x768 less the browser's own bars.
WINDOW = {"width": 1366, "height": 657}

# In page pixels: the map's box, every village polygon's centre (its box's centre) and the boxes of
# what is drawn over the map - Leaflet's controls (not the attribution line and scale bar along the
# bottom edge) and the village panel floating over its right edge.
LAYOUT_JS = """(selector) => {
    const frame = document.querySelector(selector);
    const at = frame.getBoundingClientRect();
    const doc = frame.contentDocument;
    const box = (r, dx, dy) => [r.left + dx, r.top + dy, r.right + dx, r.bottom + dy];
    const paths = [...doc.querySelectorAll("path.leaflet-interactive")];
    const middles = paths.map((p) => {
        const r = p.getBoundingClientRect();
        return [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
    });
    const centres = middles.map(([x, y]) => [at.left + x, at.top + y]);
    // The centres that fall inside their own village (a curved village's box centre may not).
    const inside = middles.map(([x, y], i) => doc.elementFromPoint(x, y) === paths[i]);
    const covers = [...doc.querySelectorAll(".leaflet-control")]
        .filter((c) => !c.matches(".leaflet-control-attribution, .leaflet-control-scale"))
        .map((c) => box(c.getBoundingClientRect(), at.left, at.top));
    const panel = document.querySelector(".st-key-map_side");
    if (panel) covers.push(box(panel.getBoundingClientRect(), 0, 0));
    return {map: box(at, 0, 0), centres: centres, inside: inside, covers: covers};
}"""

# True once some village's own centre hits that village: the map's layer is drawn and on top.
SETTLED_JS = """(selector) => {
    const doc = document.querySelector(selector).contentDocument;
    return [...doc.querySelectorAll("path.leaflet-interactive")].some((p) => {
        const r = p.getBoundingClientRect();
        return doc.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2) === p;
    });
}"""

# Hover each of a few villages; with the tooltip open, is the tooltip the topmost element at points
# inside it? Leaflet's tooltips let the mouse through (pointer-events: none), which elementFromPoint
# honours: the check turns that off on the open tooltip, so it asks what is painted on top.
TOOLTIP_ON_TOP_JS = """(selector) => {
    const doc = document.querySelector(selector).contentDocument;
    const tip = doc.querySelector(".leaflet-tooltip");
    if (!tip) return null;
    tip.style.pointerEvents = "auto";
    const r = tip.getBoundingClientRect();
    const steps = [0.03, 0.2, 0.35, 0.5, 0.65, 0.8, 0.97];  // a grid over the whole tooltip
    const points = steps.flatMap((fx) => steps.map((fy) => [r.left + fx * r.width, r.top + fy * r.height]));
    const visible = points.filter(([x, y]) => x >= 0 && y >= 0 &&
        x < doc.documentElement.clientWidth && y < doc.documentElement.clientHeight);
    const onTop = visible.every(([x, y]) => {
        const hit = doc.elementFromPoint(x, y);
        return hit !== null && tip.contains(hit);
    });
    tip.style.pointerEvents = "";
    const meets = [...doc.querySelectorAll(".leaflet-control")].some((c) => {
        const b = c.getBoundingClientRect();
        return b.left < r.right && r.left < b.right && b.top < r.bottom && r.top < b.bottom;
    });
    return {onTop: onTop, points: visible.length, meetsControl: meets};
}"""


def _contrast_on_white(css_colour: str) -> float:
    """WCAG 2.1 contrast ratio of an "rgb(r, g, b)" or "rgba(r, g, b, a)" colour over white."""
    parts = [float(v) for v in css_colour[css_colour.index("(") + 1 : -1].split(",")]
    alpha = parts[3] if len(parts) == 4 else 1.0
    rgb = [alpha * v + (1 - alpha) * 255 for v in parts[:3]]  # composited over the white page

    def linear(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
    return 1.05 / (luminance + 0.05)


def _covered_share(layout) -> float:
    """The share of village centres under a control or the panel."""
    under = [
        c
        for c in layout["centres"]
        if any(b[0] <= c[0] <= b[2] and b[1] <= c[1] <= b[3] for b in layout["covers"])
    ]
    return len(under) / len(layout["centres"])


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
    with offline_page(chromium_executable) as (page, left_the_machine):
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
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        # Until the drawn villages are the ones on top (the component may redraw its layer once after
        # the first run, and a measure taken meanwhile finds every old path covered).
        page.wait_for_function(SETTLED_JS, arg=MAP_FRAME, timeout=DRAW_TIMEOUT_MS)
        layout = page.evaluate(LAYOUT_JS, MAP_FRAME)
        left, top, right, bottom = layout["map"]
        # Map first: at least half of the projector's screen, with the sidebar open.
        assert page.get_by_test_id("stSidebar").bounding_box()["width"] > 200
        assert (right - left) * (bottom - top) >= 0.5 * VIEWPORT["width"] * VIEWPORT["height"], layout["map"]
        assert bottom <= VIEWPORT["height"] and right <= VIEWPORT["width"]
        # Every village inside the map, and (almost) none under a control or the village panel.
        assert all(left <= x <= right and top <= y <= bottom for x, y in layout["centres"])
        assert _covered_share(layout) <= MAX_COVERED_SHARE, layout["covers"]
        # Captions (period, source, children of every number) read from the back row: at least 14 px
        # and WCAG AA contrast (4.5:1) against the white page.
        captions = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')].map((c) => {
                const style = getComputedStyle(c);
                return [parseFloat(style.fontSize), style.color]; })"""
        )
        assert captions and all(size >= 14 for size, _colour in captions), captions
        assert all(_contrast_on_white(colour) >= 4.5 for _size, colour in captions), captions
        # A full-screen button, drawn by the app itself (no plugin from a CDN).
        assert frame.locator(".peta-fullscreen a").count() == 1
        # Hover villages across the map (the westmost, eastmost, northmost, southmost): each tooltip
        # is on top of every control it meets.
        hoverable = [
            tuple(c) for c, inside in zip(layout["centres"], layout["inside"], strict=True) if inside
        ]
        extremes = {
            min(hoverable),
            max(hoverable),
            min(hoverable, key=lambda c: c[1]),
            max(hoverable, key=lambda c: c[1]),
        }
        for x, y in extremes:
            page.mouse.move(1, VIEWPORT["height"] - 1)  # off the map: the last tooltip closes
            frame.locator(".leaflet-tooltip").wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
            page.mouse.move(x, y)
            frame.locator(".leaflet-tooltip").wait_for(timeout=DRAW_TIMEOUT_MS)
            tooltip = page.evaluate(TOOLTIP_ON_TOP_JS, MAP_FRAME)
            assert tooltip["points"] > 0 and tooltip["onTop"], (x, y, tooltip)
        # Zoomed in, villages lie under the controls: a tooltip opened just above the attribution line
        # (right of the middle, so it opens leftwards over that line) is still on top.
        page.mouse.move(1, VIEWPORT["height"] - 1)
        frame.locator(".leaflet-tooltip").wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        for _ in range(2):
            frame.locator(".leaflet-control-zoom-in").click()
            frame.locator(".leaflet-zoom-anim").wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        page.mouse.move(left + (right - left) * 0.6, bottom - 25)
        frame.locator(".leaflet-tooltip").wait_for(timeout=DRAW_TIMEOUT_MS)
        tooltip = page.evaluate(TOOLTIP_ON_TOP_JS, MAP_FRAME)
        assert tooltip["meetsControl"] and tooltip["onTop"], tooltip
        page.mouse.move(1, VIEWPORT["height"] - 1)
        frame.locator(".leaflet-control-zoom-out").click()
        frame.locator(".leaflet-control-zoom-out").click()
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
        except PlaywrightTimeout:
            page.screenshot(path=str(ARTIFACTS / "village-panel-missing.png"))
            raise
        title = heading.inner_text()
        assert any(title.startswith(f"Desa/Kel. {name},") for name in kukar["name"]), title
        # Over the map's right edge: the room sees the map and the village on one screen, and the
        # map has not moved.
        map_box = page.locator(MAP_FRAME).bounding_box()
        assert (map_box["x"], map_box["y"]) == (left, top)
        panel_box = page.locator(".st-key-map_side").bounding_box()
        title_box = heading.bounding_box()
        assert map_box["x"] + map_box["width"] / 2 < panel_box["x"]
        assert map_box["y"] <= title_box["y"] < map_box["y"] + map_box["height"]
        assert panel_box["y"] + panel_box["height"] <= map_box["y"] + map_box["height"]
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

    assert left_the_machine == []


def test_in_a_browser_window_the_whole_area_shows_above_the_fold(server, chromium_executable):
    """1366x657 (the projector's screen less the browser's bars): the whole map without scrolling,
    still at least half of the window, every village inside it."""
    with offline_page(chromium_executable, viewport=WINDOW) as (page, left_the_machine):
        page.goto(server + "/?regency=64.02")
        wait_for_polygons(page, int((villages()["regency_code"] == "64.02").sum()))
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        layout = page.evaluate(LAYOUT_JS, MAP_FRAME)
        left, top, right, bottom = layout["map"]
        assert bottom <= WINDOW["height"] and right <= WINDOW["width"], layout["map"]
        assert (right - left) * (bottom - top) >= 0.5 * WINDOW["width"] * WINDOW["height"]
        assert all(left <= x <= right and top <= y <= bottom for x, y in layout["centres"])
        assert _covered_share(layout) <= MAX_COVERED_SHARE, layout["covers"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-1366x657.png"))
    assert left_the_machine == []


def test_a_first_run_shows_the_apps_name_a_progress_bar_and_page_titles(tmp_path, chromium_executable):
    """An empty store: while the demo builds the room sees the app's name and a progress bar, and the
    sidebar lists the pages by title, never streamlit's file names (app / compare / map / story)."""
    with (
        streamlit_app(tmp_path / "empty") as url,
        offline_page(chromium_executable) as (page, left_the_machine),
    ):
        page.goto(url)
        page.get_by_test_id("stProgress").wait_for(timeout=DRAW_TIMEOUT_MS)
        assert page.get_by_role("heading", name="Peta Stunting").is_visible()
        nav = page.get_by_test_id("stSidebarNav").inner_text().split()
        from stunting.i18n import t
        from ui.pages_registry import pages_for

        titles = " ".join(t(page.title_key, "id") for page in pages_for("viewer", logged_in=False))
        assert nav == titles.split(), nav
        bar = page.get_by_test_id("stProgress").bounding_box()
        assert bar["y"] > 40 and bar["y"] + bar["height"] < VIEWPORT["height"]  # clear of the header
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "first-run-1366x768.png"))
    assert left_the_machine == []


def test_present_mode_fits_the_projector(server, chromium_executable):
    """The story's present mode at 1366x768: the slide's picture, its source line and the controls on
    one screen, offline; the screenshot goes to tests/artifacts/ for the closing note."""
    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(server + "/story")
        page.get_by_role("button", name="Mulai presentasi").click()
        picture = page.locator("img.story-image")
        picture.wait_for(timeout=DRAW_TIMEOUT_MS)
        page.wait_for_function("() => document.querySelector('img.story-image').complete")
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=DRAW_TIMEOUT_MS)
        next_button = page.get_by_role("button", name="Berikutnya")
        for box in (
            picture.bounding_box(),
            page.locator(".story-source").bounding_box(),
            next_button.bounding_box(),
        ):
            assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "present-1366x768.png"))
    assert left_the_machine == []
