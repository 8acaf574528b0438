"""A link value is shown as text in a real browser: ``?kecamatan=[x](https://ev.il/a)`` makes the URL
notice print the value literally, with no link to ev.il anywhere on the page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browser import offline_page, streamlit_app

from stunting.demo import build_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_SCALE = 0.01  # the notice needs a store with periods, not many children
NOTICE_TIMEOUT_MS = 60_000
HOSTILE = "[x](https://ev.il/a)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-text")
    build_demo(folder, scale=DEMO_SCALE)
    with streamlit_app(folder) as url:
        yield url


@pytest.mark.parametrize("path", ["/", "/compare"])
def test_a_rejected_url_value_is_printed_literally_not_as_a_link(server, chromium_executable, path):
    with offline_page(chromium_executable) as (page, left_the_machine):
        page.goto(f"{server}{path}?regency=64.02&kecamatan={quote(HOSTILE, safe='')}")
        notice = page.locator('[data-testid="stAlertContentWarning"]', has_text="kecamatan=")
        notice.first.wait_for(timeout=NOTICE_TIMEOUT_MS)
        assert "kecamatan=" in notice.first.inner_text()
        assert notice.first.locator("code").inner_text() == HOSTILE  # shown verbatim, as code
        assert page.locator('a[href*="ev.il"]').count() == 0
        assert notice.first.locator("a").count() == 0
    assert not [url for url in left_the_machine if "ev.il" in url]
