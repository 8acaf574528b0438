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

# The server's map builder builds the views people will likely ask for next while it is idle
# (ui/builder_process.py's when_idle). "0" turns that off: a server short of memory, or a bench
# measuring what a view new to the server costs.
SPARE_TIME = os.environ.get("STUNTING_SPARE_TIME", "1") != "0"

# Processes that read and stage a big CSV export's chunks side by side (stunting.cluster's
# TwoProcessRunner): this one and a helper on the machine's second core, idle while the chunks are
# read. "1" reads them here only.
IMPORT_PROCESSES = int(os.environ.get("STUNTING_IMPORT_PROCESSES", "2"))


# The store is personal data (a child's birth date follows from measured_on - age_days): only the
# installation's own user may read it, whatever the umask.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` and any missing parents as folders only the owner can open (0700).

    Existing folders are left as they are: a data dir the administrator set up deliberately (say,
    shared with a backup group) is not changed behind their back."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: ``--data-dir`` if given, else ``$STUNTING_DATA_DIR``, else ``data/`` in the repo."""
    if override:
        return Path(override).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return DEFAULT_DATA_DIR
