"""Shared fixtures. Tests needing ../shared data or chromium fail (not skip) under CI when missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
WILAYAH = SHARED / "data" / "boundaries" / "wilayah_boundaries"


def require(available: bool, what: str) -> None:
    """Skip on a developer's machine without ``what``; fail under CI, where it must be there."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing, and CI must have it")
    pytest.skip(f"{what} is missing on this machine")


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
