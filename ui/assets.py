"""Leaflet served by the app itself: copied from the pinned xstatic-leaflet into static/leaflet/.

static/leaflet/ is git-ignored (a copy of a pinned package, not our source); Streamlit's static
serving (.streamlit/config.toml) publishes it at /app/static/leaflet/, where geo/choropleth.py
points the map. No CDN is ever asked for Leaflet, so the map draws without internet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from stunting.config import REPO_ROOT

STATIC_LEAFLET = REPO_ROOT / "static" / "leaflet"
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
VERSION_FILE = "XSTATIC_VERSION"


def ensure_leaflet(target: Path = STATIC_LEAFLET) -> Path:
    """Copy Leaflet's JS, CSS and images into ``target`` unless this exact version is already there."""
    import xstatic.pkg.leaflet as leaflet

    source = Path(leaflet.BASE_DIR)
    stamp = target / VERSION_FILE
    if (
        stamp.exists()
        and stamp.read_text().strip() == leaflet.VERSION
        and all((target / name).exists() for name in LEAFLET_FILES)
    ):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in LEAFLET_FILES:
        shutil.copyfile(source / name, target / name)
    shutil.copytree(source / "images", target / "images", dirs_exist_ok=True)
    stamp.write_text(leaflet.VERSION)
    return target
