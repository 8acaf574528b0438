"""app_cache.one_snapshot: a page run reads the snapshot pointers once, and the next run sees a commit."""

from __future__ import annotations

from stunting import app_cache
from stunting.store_layout import snapshot_store


def _commit(folder, text: str) -> None:
    with snapshot_store(folder).transaction() as building:
        (building / "note.txt").write_text(text)


def test_a_run_sees_one_snapshot_and_the_next_run_sees_the_commit(tmp_path):
    _commit(tmp_path, "first")
    before = app_cache.snapshot_key(tmp_path)
    with app_cache.one_snapshot():
        assert app_cache.snapshot_key(tmp_path) == before
        _commit(tmp_path, "second")  # an import lands while the page runs
        assert app_cache.snapshot_key(tmp_path) == before
    after = app_cache.snapshot_key(tmp_path)
    assert after != before
    assert after.split("|")[0] == snapshot_store(tmp_path).current().name
    with app_cache.one_snapshot():
        assert app_cache.snapshot_key(tmp_path) == after


def test_outside_a_run_every_call_reads_the_pointer(tmp_path):
    _commit(tmp_path, "first")
    before = app_cache.snapshot_key(tmp_path)
    _commit(tmp_path, "second")
    assert app_cache.snapshot_key(tmp_path) != before
