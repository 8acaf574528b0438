"""The Cerita page run in-process (AppTest) on a small demo store: the slide list edits the story, and
present mode shows one slide at a time, full screen, with title, picture and source line always there
and next/previous that stop at the ends; a broken slide presents as its message, the rest as usual."""

from __future__ import annotations

import re

import pytest
from browser import ARTIFACTS, VIEWPORT, offline_page, streamlit_app
from streamlit.testing.v1 import AppTest

from stunting.config import REPO_ROOT
from stunting.plaintext import html_literal
from stunting.story import load_story, parse_story

PAGE = str(REPO_ROOT / "pages" / "story.py")


@pytest.fixture
def page(run_page):
    def run(story=None, **params):
        return run_page(PAGE, session_state=None if story is None else {"story": story}, **params)

    return run


def _button(at, key):
    (button,) = [b for b in at.button if b.key == key]
    return button


def _html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _titles(at) -> list[str]:
    """Slide titles as shown: the page escapes their Markdown (a title is text, never markup)."""
    shown = [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown if m.value.startswith("**")]
    return [title for title in shown if ". " in title]


def test_slide_list_reorders_edits_and_deletes(page):
    at = page()
    story = load_story()
    assert _titles(at) == [f"**{n}. {s.title['id']}**" for n, s in enumerate(story.slides, 1)]
    _button(at, "story_down_0").click().run()
    assert _titles(at)[:2] == [
        f"**1. {story.slides[1].title['id']}**",
        f"**2. {story.slides[0].title['id']}**",
    ]
    _button(at, "story_delete_0").click().run()
    assert len(_titles(at)) == len(story.slides) - 1
    at.text_input(key="story_title_0_id").set_value("Judul baru")
    (submit,) = [b for b in at.button if b.label == "Simpan"][:1]
    submit.click().run()
    assert _titles(at)[0] == "**1. Judul baru**"
    assert at.session_state["story"].slides[0].title["id"] == "Judul baru"
    assert at.session_state["story"].slides[0].ok


def test_present_mode_steps_through_every_slide(page):
    at = page()
    story = load_story()
    _button(at, "story_start").click().run()
    for number, slide in enumerate(story.slides, 1):
        shown = _html(at)
        assert 'data-testid="stSidebar"' in shown and "display: none" in shown  # full screen, no sidebar
        assert f'<div class="story-title">{slide.title["id"]}</div>' in shown
        assert 'src="data:image/png;base64,' in shown
        assert '<div class="story-source">' in shown and "data contoh (sintetis)" in shown
        assert f"Slide {number} dari {len(story.slides)}" in shown
        assert _button(at, "story_prev").disabled == (number == 1)
        assert _button(at, "story_next").disabled == (number == len(story.slides))
        if number < len(story.slides):
            _button(at, "story_next").click().run()
            assert not at.exception
    _button(at, "story_prev").click().run()
    assert f'<div class="story-title">{story.slides[-2].title["id"]}</div>' in _html(at)
    _button(at, "story_exit").click().run()
    assert "story-title" not in _html(at) and _button(at, "story_start")


def test_present_mode_in_english(page):
    at = page(lang="en")
    _button(at, "story_start").click().run()
    shown = _html(at)
    assert load_story().slides[0].title["en"] in shown
    assert "sample data (synthetic)" in shown and f"Slide 1 of {len(load_story().slides)}" in shown


def test_present_mode_shows_the_narrative_under_the_picture_when_asked(page):
    # The room reads what the presenter would say; off by default, the picture keeps its full height.
    at = page()
    narrative = load_story().slides[0].text("narrative", "id")
    assert narrative
    _button(at, "story_start").click().run()
    assert '<div class="story-narrative">' not in _html(at)
    at.toggle(key="story_show_narrative").set_value(True).run()
    shown = _html(at)
    assert '<div class="story-narrative">' in shown and html_literal(narrative) in shown
    assert 'class="story-image with-narrative"' in shown
    _button(at, "story_next").click().run()
    assert html_literal(load_story().slides[1].text("narrative", "id")) in _html(at)


BROKEN = """
title: {id: Cerita uji, en: Test story}
slides:
  - page: map
    view: {indicator: stunting, period: 2031-02, regency: "64.74"}
    title: {id: Masa depan, en: The future}
  - page: map
    view: {indicator: stunting, period: latest, regency: "64.74"}
    title: {id: Bontang terbaru, en: Bontang latest}
  - page: compare
    title: {id: Tanpa tampilan, en: No view}
"""


def test_broken_slides_present_as_their_message_and_the_rest_still_shows(page):
    at = page(story=parse_story(BROKEN))
    warnings = [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]  # shown as text: escaped
    assert any(w.startswith("Slide 3, field 'view' is missing") for w in warnings)
    _button(at, "story_start").click().run()
    shown = _html(at)
    assert (
        "Slide ini tidak bisa ditampilkan: Slide 1, field &#x27;view.period&#x27;: 2031-02 has no data"
        in shown
    )
    assert "data:image/png" not in shown
    _button(at, "story_next").click().run()
    shown = _html(at)
    assert "Bontang terbaru" in shown and "data:image/png" in shown
    _button(at, "story_next").click().run()
    assert "Slide 3, field &#x27;view&#x27; is missing" in _html(at)


# --- present mode in a real browser ---------------------------------------------------------------

SLIDE_TIMEOUT_MS = 90_000  # the first drawing of a map slide on a busy machine


@pytest.fixture(scope="module")
def story_server(demo_dir):
    """`streamlit run app.py` on 127.0.0.1, opened on the story page."""
    with streamlit_app(demo_dir) as url:
        yield url + "/story"


@pytest.mark.browser
@pytest.mark.slow
def test_present_mode_in_a_browser_at_projector_size(story_server, chromium_executable):
    story = load_story()
    ARTIFACTS.mkdir(exist_ok=True)

    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(story_server)
        page.get_by_role("button", name="Mulai presentasi").click(timeout=SLIDE_TIMEOUT_MS)
        for number, slide in enumerate(story.slides, 1):
            title = page.locator(".story-title", has_text=slide.title["id"])
            title.wait_for(timeout=SLIDE_TIMEOUT_MS)
            page.get_by_text(f"Slide {number} dari {len(story.slides)}").wait_for(timeout=SLIDE_TIMEOUT_MS)
            # The rerun is over when streamlit no longer marks elements of the previous slide as stale.
            page.wait_for_function(
                "() => !document.querySelector('[data-stale=\"true\"]')", timeout=SLIDE_TIMEOUT_MS
            )
            image, source = page.locator("img.story-image"), page.locator(".story-source")
            image.wait_for(timeout=SLIDE_TIMEOUT_MS)
            page.wait_for_function(
                "() => { const i = document.querySelector('img.story-image');"
                " return i && i.complete && i.naturalWidth > 0; }",
                timeout=SLIDE_TIMEOUT_MS,
            )
            assert page.locator('[data-testid="stSidebar"]').is_hidden()
            # Title, picture, source line and controls all inside the 1366x768 screen, no scrolling.
            for element in (title, image, source, page.get_by_role("button", name="Berikutnya")):
                box = element.bounding_box()
                assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (
                    number,
                    box,
                )
            assert "data contoh (sintetis)" in source.inner_text()
            assert image.bounding_box()["height"] > 300  # readable from the back of the room
            page.screenshot(path=str(ARTIFACTS / f"story-slide-{number}.png"))
            if number < len(story.slides):
                page.keyboard.press("ArrowRight")  # the presenter's keyboard (or clicker) works
    assert left_the_machine == []


# --- "Tambahkan tampilan ini ke cerita" on the map and comparison pages ----------------------------


def _page_with_story(script: str, demo_dir, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    at = AppTest.from_file(str(REPO_ROOT / "pages" / script), default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_add_this_view_from_the_map_page_appends_its_url_state(demo_dir, monkeypatch):
    at = _page_with_story(
        "map.py", demo_dir, monkeypatch, regency="64.74", period="2023-02", indicator="wasting"
    )
    _button(at, "story_map_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    story = at.session_state["story"]
    assert len(story.slides) == len(load_story().slides) + 1
    added = story.slides[-1]
    assert added.ok and added.page == "map"
    assert {k: added.view.get(k) for k in ("indicator", "period", "regency", "kecamatan")} == {
        "indicator": "wasting",
        "period": "2023-02",
        "regency": "64.74",
        "kecamatan": None,
    }
    assert added.title["id"].endswith("Februari 2023 · Kota Bontang")


def test_add_this_view_from_the_comparison_page_keeps_both_sides(demo_dir, monkeypatch):
    at = _page_with_story("compare.py", demo_dir, monkeypatch, period="2024-08")
    at.radio(key="story_compare_figure").set_value("trend").run()
    _button(at, "story_compare_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    added = at.session_state["story"].slides[-1]
    assert added.ok and (added.page, added.figure) == ("compare", "trend")
    assert added.view["period"] == "2024-08" and added.view["a"] != added.view["b"]
