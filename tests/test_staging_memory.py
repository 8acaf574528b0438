"""The import's memory settings: Arrow's allocator, and DuckDB's limits for the merge's steps."""

from __future__ import annotations

import os
import subprocess
import sys

from stunting import staging
from tests.conftest import REPO_ROOT


def _arrow_backend(environment: dict[str, str]) -> str:
    """The allocator pyarrow chose in a fresh process that imports stunting first (as the CLI and
    Dask's local workers do)."""
    code = "import stunting, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_arrow_uses_the_c_allocator_unless_the_environment_chooses():
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert _arrow_backend(environment) == "system"
    assert _arrow_backend(environment | {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"


def test_the_write_limit_is_half_the_merge_limit_and_the_environment_fixes_both(tmp_path, monkeypatch):
    monkeypatch.delenv("STUNTING_MERGE_MEMORY", raising=False)
    small = tmp_path / "small.parquet"
    small.write_bytes(b"x" * 1000)
    # A small import: the merge's floor, and the write floor.
    assert staging.merge_memory_limit([str(small)]) == "400MB"
    assert staging.write_memory_limit([str(small)]) == "200MB"
    # 1 GB staged: 1.5 GB for the merge, half of it for the write.
    big = tmp_path / "big.parquet"
    with open(big, "wb") as fh:
        fh.truncate(2**30)
    assert staging.merge_memory_limit([str(big)]) == "1536MB"
    assert staging.write_memory_limit([str(big)]) == "768MB"
    monkeypatch.setenv("STUNTING_MERGE_MEMORY", "2GB")
    assert staging.merge_memory_limit([str(big)]) == staging.write_memory_limit([str(small)]) == "2GB"
