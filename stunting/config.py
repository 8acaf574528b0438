"""Where the data lives and the named limits every layer shares."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# The store is per installation and never committed (see .gitignore); the app and the CLI
# both honour this variable so a data manager can keep the store on another disk.
DATA_DIR_ENV = "STUNTING_DATA_DIR"
DEFAULT_DATA_DIR = REPO_ROOT / "data"

GAZETTEER_DIR = REPO_ROOT / "geo" / "gazetteer"
QUERIES_DIR = REPO_ROOT / "queries"

# A rate resting on fewer children than this is shown as "too few children", never as a
# colour or a number: with 9 children one stunted child moves the rate by 11 points.
MIN_CHILDREN = int(os.environ.get("STUNTING_MIN_CHILDREN", "10"))


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: ``--data-dir`` if given, else ``$STUNTING_DATA_DIR``, else ``data/`` in the repo."""
    if override:
        return Path(override).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return DEFAULT_DATA_DIR
