"""The folders follow the data's way: no layer imports streamlit or a layer downstream of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Entry points may import anything: the app's cached wrappers and the command line.
ENTRY_POINTS = {"stunting/app_cache.py"}
ENTRY_FOLDERS = ("stunting/cli/",)
DOWNSTREAM = {
    "stunting": {"streamlit", "geo", "charts", "render", "ui", "pages", "app"},
    "geo": {"streamlit", "charts", "render", "ui", "pages", "app"},
    "charts": {"streamlit", "render", "ui", "pages", "app"},
    "render": {"streamlit", "ui", "pages", "app"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(DOWNSTREAM))
def test_layer_imports_nothing_downstream(layer):
    offenders = []
    for path in sorted((REPO_ROOT / layer).rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative in ENTRY_POINTS or relative.startswith(ENTRY_FOLDERS):
            continue
        wrong = _imported_packages(path) & DOWNSTREAM[layer]
        if wrong:
            offenders.append(f"{relative} imports {sorted(wrong)}")
    assert offenders == []
