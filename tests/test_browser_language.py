"""The language switch in a real browser: every select box shows its choice in the new language at
once, on the map page and on the comparison page, and back again (issue 16: streamlit's frontend kept
the old label until the box was touched)."""

from __future__ import annotations

import time

import pytest
from browser import offline_page, streamlit_app

from stunting.demo import build_demo
from stunting.i18n import LANGUAGES, t

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_SCALE = 0.02
TIMEOUT_MS = 60_000
LANGUAGE_LABELS = {"id": "Bahasa Indonesia", "en": "English"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("language-demo")
    build_demo(folder, scale=DEMO_SCALE)
    with streamlit_app(folder) as url:
        yield url


def _settled(page) -> None:
    page.wait_for_timeout(300)  # let the rerun start before waiting for it to end
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=TIMEOUT_MS)


def _shown(page, where: str) -> list[str]:
    return [box.input_value() for box in page.locator(f"{where} [data-testid=stSelectbox] input").all()]


def _shown_once_settled(page, where: str, expected: set[str]) -> set[str]:
    return _eventually(lambda: set(_shown(page, where)), lambda shown: expected <= shown)


# The uploader's button and limit line as a person sees them: the CSS content drawn after a text that
# is hidden (font size 0), else the text itself.
DRAWN_WORDS = """zone => [zone.querySelector('button p'),
                          zone.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span')]
    .map(el => { const after = getComputedStyle(el, '::after').content;
                 return after && after !== 'none' && getComputedStyle(el).fontSize === '0px'
                     ? JSON.parse(after) : el.innerText; })"""


def _eventually(look, ok, timeout_s: float = TIMEOUT_MS / 1000):
    """``look()`` once ``ok`` of it holds, or its last value at the timeout: a rerun's elements arrive
    one by one, so one look right after the status widget went can be early."""
    deadline = time.monotonic() + timeout_s
    while True:
        seen = look()
        if ok(seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.25)


def _switch(page, lang: str) -> None:
    page.locator("[data-testid=stSidebar]").get_by_text(LANGUAGE_LABELS[lang], exact=True).click()
    _settled(page)


def _words(lang: str, month: str) -> set[str]:
    """Labels the map sidebar shows for the default view (August 2025, everything unfiltered)."""
    return {
        t("indicator.stunting", lang),
        t("sidebar.period.weighing", lang, month=month),
        t("sidebar.kecamatan.all", lang),
        t("sidebar.sex.all", lang),
        t("sidebar.age_group.all", lang),
    }


def test_every_choice_follows_the_language_switch(server, chromium_executable):
    months = {"id": "Agustus 2025", "en": "August 2025"}
    with offline_page(chromium_executable, locale=None) as (page, left_the_machine):
        page.goto(server + "/?regency=64.02&period=2025-08")
        page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.wait_for(timeout=TIMEOUT_MS)
        _settled(page)
        for lang in ("en", "id", "en"):
            _switch(page, lang)
            shown = _shown_once_settled(page, "[data-testid=stSidebar]", _words(lang, months[lang]))
            other = next(code for code in LANGUAGES if code != lang)
            assert _words(lang, months[lang]) <= shown, (lang, shown)
            assert not (_words(other, months[other]) - _words(lang, months[lang])) & shown, (lang, shown)

        # The comparison page's own pickers follow too, also when the switch happens there.
        page.locator("[data-testid=stSidebarNav]").get_by_text(t("compare.page", "en")).click()
        page.get_by_text(t("compare.side.a", "en"), exact=True).wait_for(timeout=TIMEOUT_MS)
        _settled(page)
        same = {lang: t("compare.period_b.same", lang, month=months[lang]) for lang in LANGUAGES}
        for lang in ("id", "en"):
            _switch(page, lang)
            pickers = _shown_once_settled(page, "[data-testid=stMain]", {same[lang]})
            assert same[lang] in pickers, (lang, pickers)

        # The story page's uploader: its button and limit line are streamlit's English words unless
        # covered; what a person sees is the CSS content drawn after them.
        page.locator("[data-testid=stSidebarNav]").get_by_text(t("story.page", "en")).click()
        dropzone = page.locator(".st-key-story_upload [data-testid=stFileUploaderDropzone]")
        dropzone.wait_for(timeout=TIMEOUT_MS)
        for lang, button, limit in (("en", "Upload", "MB per file"), ("id", "Pilih berkas", "MB per berkas")):
            _switch(page, lang)
            seen = _eventually(lambda: dropzone.evaluate(DRAWN_WORDS), lambda s, b=button: s[0] == b)
            assert seen[0] == button and limit in seen[1], (lang, seen)
    assert left_the_machine == []
