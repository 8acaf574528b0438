"""What the browser tests share: Debian's chromium as this closed network needs it, `streamlit run
app.py` on 127.0.0.1, a guard that blocks and records every request that would leave the machine, and
a page at the projector's size with that guard on (``offline_page``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from stunting.config import REPO_ROOT

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
VIEWPORT = {"width": 1366, "height": 768}  # the meeting-room projector
# Without the background-networking flags chromium keeps calling Google's hosts, which this closed
# network refuses (FACTS.md); playwright's own browser download is neither needed nor possible.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A control box (legend, layer switches, zoom buttons) or the village panel may cover at most this
# share of an area's villages when a map opens: the legend over Kota Bontang once hid a third of it.
MAX_COVERED_SHARE = 0.03
# Generous: a cold streamlit start on 2 shared cores.
SERVER_START_S = 60
# The map component's frame (streamlit-folium), and how long its first polygons may take to come.
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAW_TIMEOUT_MS = 90_000


def is_local(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname == "127.0.0.1"


def block_the_network(context) -> list[str]:
    """Abort every request of a Playwright browser context that would leave 127.0.0.1; return the
    list they are recorded in (a test asserts it stays empty)."""
    left_the_machine: list[str] = []

    def guard(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            left_the_machine.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return left_the_machine


@contextmanager
def offline_page(
    chromium_executable: str, *, viewport: dict = VIEWPORT, locale: str | None = "id-ID", **options
):
    """A chromium page (an Indonesian browser at the projector's size unless told otherwise) whose every
    request that would leave the machine is blocked; yields (page, the list of blocked requests).
    Imported here, not skipped: playwright is a pinned test requirement and its absence must fail."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=viewport, locale=locale, **options)
        left_the_machine = block_the_network(context)
        try:
            yield context.new_page(), left_the_machine
        finally:
            browser.close()


def wait_for_polygons(page, count: int, timeout_ms: int = DRAW_TIMEOUT_MS) -> None:
    """Until the page's (first) map has drawn at least ``count`` interactive paths."""
    page.wait_for_function(
        """([selector, n]) => { const f = document.querySelector(selector);
                  return f && f.contentDocument &&
                         f.contentDocument.querySelectorAll('path.leaflet-interactive').length >= n; }""",
        arg=[MAP_FRAME, count],
        timeout=timeout_ms,
    )


def open_choices(page, select, option, attempts: int = 5) -> None:
    """Open the select box ``select`` until ``option`` shows. A list opened at the window's bottom
    edge scrolls the sidebar to show its options, and the scroll closes it; a click while the page
    still settles can close it too: the box goes to the middle of the sidebar first, then is tried
    again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        select.evaluate("e => e.scrollIntoView({block: 'center'})")
        select.click()
        try:
            option.wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_app(
    data_dir: Path,
    *,
    port: int | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """`streamlit run app.py` on 127.0.0.1 with ``data_dir`` as its store; yields the base URL once the
    server answers its health check, and stops it afterwards. ``port``, extra ``args`` (``--secrets.files``)
    and ``env`` for the login tests; ``log`` keeps the server's output (a test reads it for secrets)."""
    port = port or free_port()
    output = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *args],
        cwd=REPO_ROOT,  # .streamlit/config.toml: static serving on, usage stats off
        env=os.environ | {"STUNTING_DATA_DIR": str(data_dir)} | (env or {}),
        stdout=output,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer within {SERVER_START_S} s") from None
                time.sleep(0.2)  # polling the health endpoint, not waiting for a guessed duration
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        if log is not None:
            output.close()
