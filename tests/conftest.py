"""Shared fixtures. Tests needing ../shared data or chromium fail (not skip) under CI when missing."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
WILAYAH = SHARED / "data" / "boundaries" / "wilayah_boundaries"
# A few percent of the demo's children: every village and period exists, and small villages and
# filtered groups fall under the minimum, so "too few children" shows up on the pages.
DEMO_SCALE = 0.04


def require(available: bool, what: str) -> None:
    """Skip on a developer's machine without ``what``; fail under CI, where it must be there."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing, and CI must have it")
    pytest.skip(f"{what} is missing on this machine")


@pytest.fixture(autouse=True)
def main_module_kept():
    """AppTest runs a page as module ``__main__`` and leaves it in sys.modules; a later test's
    spawned process (the map builder, the import's helper) then ran that page again, as
    ``__mp_main__``, and died (AppTest.from_function's script: NameError '__args'). Restored after
    every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def wilayah_dir() -> Path:
    """../shared/data/boundaries/wilayah_boundaries (read-only; never copied into the repo)."""
    require(WILAYAH.is_dir(), f"the boundary data in {WILAYAH}")
    return WILAYAH


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's chromium, driven by Playwright (``playwright install`` is neither needed nor possible)."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    require(path is not None, "Debian's chromium (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A small demo store built once per test process; tests only read it."""
    from stunting.demo import build_demo

    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder, scale=DEMO_SCALE)
    return folder


@pytest.fixture
def run_page(demo_dir, monkeypatch):
    """Run app.py or one page with AppTest on the shared demo store, with query parameters and
    session state set first; any exception on the page fails the test."""
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))

    def run(script: str, *, session_state: dict | None = None, **params) -> AppTest:
        at = AppTest.from_file(script, default_timeout=120)
        for name, value in params.items():
            at.query_params[name] = value
        for key, value in (session_state or {}).items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run
