"""The snapshot store: readers see the old state or the new one, never a mix."""

from __future__ import annotations

import json
import os

import pytest

from stunting.errors import UserError
from stunting.snapshots import LOCK, SnapshotStore


def _write(folder, name, text):
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_empty_store_has_no_current(tmp_path):
    assert SnapshotStore(tmp_path / "store").current() is None


def test_commit_makes_new_snapshot_current(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    with store.transaction() as new:
        _write(new, "a.txt", "one")
    assert (store.current() / "a.txt").read_text() == "one"


def test_failed_transaction_leaves_previous_snapshot_and_no_leftovers(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    with store.transaction() as new:
        _write(new, "a.txt", "one")
    before = store.current()
    with pytest.raises(RuntimeError):
        with store.transaction() as new:
            _write(new, "a.txt", "two")
            raise RuntimeError("disk full")
    assert store.current() == before
    assert (store.current() / "a.txt").read_text() == "one"
    assert sorted(p.name for p in (tmp_path / "store" / "snapshots").iterdir()) == [before.name]


def test_carry_over_links_unchanged_files_and_old_snapshot_is_removed(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    with store.transaction() as new:
        _write(new, "parts/x/part-0.parquet", "x")
        _write(new, "parts/y/part-0.parquet", "y")
    first = store.current()
    with store.transaction() as new:
        assert store.carry_over(new, "parts/x")
        assert not store.carry_over(new, "parts/absent")
        _write(new, "parts/y/part-0.parquet", "y2")
    current = store.current()
    assert current != first and not first.exists()
    assert (current / "parts/x/part-0.parquet").read_text() == "x"
    assert (current / "parts/y/part-0.parquet").read_text() == "y2"


def test_leftovers_of_a_killed_writer_are_ignored_then_cleaned(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    with store.transaction() as new:
        _write(new, "a.txt", "one")
    # What a kill -9 mid-write leaves: a half-built folder, a pointer temp file and a stale lock.
    _write(tmp_path / "store" / "snapshots" / "building-x", "a.txt", "half")
    (tmp_path / "store" / "CURRENT.x.tmp").write_text(json.dumps({"snapshot": "building-x"}))
    (tmp_path / "store" / LOCK).write_text("999999999")
    assert (store.current() / "a.txt").read_text() == "one"
    with store.transaction() as new:
        _write(new, "a.txt", "two")
    assert (store.current() / "a.txt").read_text() == "two"
    assert [p.name for p in (tmp_path / "store" / "snapshots").iterdir()] == [store.current().name]
    assert not list((tmp_path / "store").glob("CURRENT.*.tmp"))


def test_second_writer_is_refused_while_first_is_alive(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / LOCK).write_text(str(os.getpid()))
    with pytest.raises(UserError, match="Another import"):
        with store.transaction():
            pass
