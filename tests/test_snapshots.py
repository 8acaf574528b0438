"""The snapshot store: readers see the old state or the new one, never a mix; kept snapshots, pins,
one writer by the kernel's lock, durable commits and private file modes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stunting import snapshots
from stunting.errors import UserError
from stunting.snapshots import KEEP_SNAPSHOTS, LOCK, SnapshotStore

REPO_ROOT = Path(__file__).resolve().parent.parent
# How long a test waits for a helper process to reach its ready point (it only polls for a file).
READY_TIMEOUT_S = 60


def _write(folder, name, text):
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def _commit(store, text, name="a.txt"):
    with store.transaction() as new:
        _write(new, name, text)
    return store.current()


def _kept(root):
    return sorted(p.name for p in (root / "snapshots").iterdir())


def test_empty_store_has_no_current(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    assert store.current() is None
    assert store.snapshots() == []
    assert store.pin_current().path is None


def test_commit_makes_new_snapshot_current(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    with store.transaction() as new:
        _write(new, "a.txt", "one")
    assert (store.current() / "a.txt").read_text() == "one"


def test_failed_transaction_leaves_previous_snapshot_and_no_leftovers(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    before = _commit(store, "one")
    with pytest.raises(RuntimeError):
        with store.transaction() as new:
            _write(new, "a.txt", "two")
            raise RuntimeError("disk full")
    assert store.current() == before
    assert (store.current() / "a.txt").read_text() == "one"
    assert _kept(tmp_path / "store") == [before.name]


def test_carry_over_hard_links_unchanged_files(tmp_path):
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
    assert current != first
    assert (current / "parts/x/part-0.parquet").read_text() == "x"
    assert (current / "parts/y/part-0.parquet").read_text() == "y2"
    assert (first / "parts/y/part-0.parquet").read_text() == "y"  # the old snapshot is kept whole
    inodes = {(snapshot / "parts/x/part-0.parquet").stat().st_ino for snapshot in (first, current)}
    assert len(inodes) == 1, "an unchanged file is a hard link, not a copy"


def test_a_commit_keeps_the_newest_snapshots_only(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    names = [_commit(store, str(i)).name for i in range(KEEP_SNAPSHOTS + 3)]
    assert _kept(tmp_path / "store") == sorted(names[-KEEP_SNAPSHOTS:])
    assert store.current().name == names[-1]


def test_a_pinned_snapshot_outlives_the_kept_ones_until_released(tmp_path):
    store = SnapshotStore(tmp_path / "store", keep=1)
    first = _commit(store, "one")
    pin = store.pin_current()
    assert pin.path == first
    for i in range(3):
        _commit(store, f"later {i}")
    assert (first / "a.txt").read_text() == "one"  # the reader's files are all still there
    assert _kept(tmp_path / "store") == sorted([first.name, store.current().name])
    pin.release()
    _commit(store, "after release")
    assert not first.exists()
    assert _kept(tmp_path / "store") == [store.current().name]
    assert not (tmp_path / "store" / "pins" / first.name).exists()  # no pin files pile up


def test_a_pin_taken_on_a_snapshot_deleted_meanwhile_moves_to_the_current_one(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path / "store", keep=1)
    first = _commit(store, "one")
    second = _commit(store, "two")
    assert not first.exists()
    # A reader read CURRENT (naming ``first``) just before a commit deleted it: the pin it then takes
    # holds nothing, so the store reads CURRENT again and pins the new snapshot.
    answers = iter([first])
    real_current = SnapshotStore.current
    monkeypatch.setattr(SnapshotStore, "current", lambda self: next(answers, None) or real_current(self))
    pin = store.pin_current()
    assert pin.path == second
    pin.release()


def test_snapshots_lists_kept_snapshots_newest_first_with_creation_time(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    started = datetime.now(UTC)
    paths = [_commit(store, str(i)) for i in range(3)]
    ended = datetime.now(UTC)
    listed = store.snapshots()
    assert [info.path for info in listed] == paths[::-1]
    assert [info.current for info in listed] == [True, False, False]
    created = [info.created for info in listed]
    assert created == sorted(created, reverse=True)
    assert all(started <= moment <= ended for moment in created)


def test_restore_makes_an_earlier_snapshot_current_as_a_new_one(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    one = _commit(store, "one")
    two = _commit(store, "two")
    restored = store.restore(one.name)
    assert store.current() == restored and restored not in (one, two)
    assert (restored / "a.txt").read_text() == "one"
    listed = store.snapshots()
    assert [info.path for info in listed] == [restored, two, one]  # the undone import can be redone
    assert store.restore(two.name) == store.current()
    assert (store.current() / "a.txt").read_text() == "two"
    with pytest.raises(UserError, match="not kept"):
        store.restore("20240101T000000000000Z-deadbeef")
    with pytest.raises(UserError, match="not kept"):
        store.restore("../../etc")


def test_leftovers_of_a_killed_writer_are_ignored_then_cleaned(tmp_path):
    store = SnapshotStore(tmp_path / "store")
    _commit(store, "one")
    # What a kill -9 mid-write leaves: a half-built folder, a pointer temp file and the lock file.
    _write(tmp_path / "store" / "snapshots" / "building-x", "a.txt", "half")
    (tmp_path / "store" / "CURRENT.x.tmp").write_text(json.dumps({"snapshot": "building-x"}))
    (tmp_path / "store" / LOCK).write_text("999999999")
    assert (store.current() / "a.txt").read_text() == "one"
    _commit(store, "two")
    assert (store.current() / "a.txt").read_text() == "two"
    assert not (tmp_path / "store" / "snapshots" / "building-x").exists()
    assert not list((tmp_path / "store").glob("CURRENT.*.tmp"))


HOLDER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from stunting.snapshots import SnapshotStore
with SnapshotStore(Path({root!r})).transaction() as new:
    (new / "a.txt").write_text("holder")
    Path({ready!r}).write_text(str(new))
    while True:  # ended only by the test's kill -9
        time.sleep(0.05)
"""


def _start_holder(tmp_path):
    ready = tmp_path / "holder-ready"
    script = HOLDER.format(repo=str(REPO_ROOT), root=str(tmp_path / "store"), ready=str(ready))
    holder = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists():
        assert holder.poll() is None, "the holder exited before taking the lock"
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.05)
    return holder, Path(ready.read_text())


def test_a_second_writer_waits_then_is_refused_while_the_first_is_alive(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path / "store")
    before = _commit(store, "one")
    holder, building = _start_holder(tmp_path)
    try:
        monkeypatch.setenv(snapshots.WRITER_WAIT_SECONDS_ENV, "0.5")
        heard = []
        token = snapshots.on_writer_wait.set(heard.append)
        try:
            started = time.monotonic()
            with pytest.raises(UserError, match="import lain sedang berjalan"):
                with store.transaction():
                    pass
            assert time.monotonic() - started >= 0.5
        finally:
            snapshots.on_writer_wait.reset(token)
        assert len(heard) == 1 and "Another import is writing" in heard[0]
        assert building.exists()  # the refused writer never touched the first one's folder
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel dropped the dead writer's lock: the next writer goes at once, and cleans up.
    monkeypatch.setenv(snapshots.WRITER_WAIT_SECONDS_ENV, "0")
    assert store.current() == before
    after = _commit(store, "two")
    assert (after / "a.txt").read_text() == "two" and not building.exists()


def test_a_waiting_writer_proceeds_when_the_first_is_killed(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path / "store")
    holder, _ = _start_holder(tmp_path)
    monkeypatch.setenv(snapshots.WRITER_WAIT_SECONDS_ENV, "60")
    heard = []

    def kill_holder(message):
        heard.append(message)
        holder.send_signal(signal.SIGKILL)

    token = snapshots.on_writer_wait.set(kill_holder)
    try:
        after = _commit(store, "waited")
    finally:
        snapshots.on_writer_wait.reset(token)
        holder.kill()
        holder.wait()
    assert len(heard) == 1
    assert (after / "a.txt").read_text() == "waited"


def _fd_path(fd):
    return os.readlink(f"/proc/self/fd/{fd}")


def test_current_never_names_a_snapshot_before_all_its_files_are_fsynced(tmp_path, monkeypatch):
    store = SnapshotStore(tmp_path / "store")
    _commit(store, "old")
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", _fd_path(fd))), real_fsync(fd)))
    monkeypatch.setattr(
        os, "replace", lambda a, b: (events.append(("replace", str(a), str(b))), real_replace(a, b))
    )
    with store.transaction() as new:
        building = str(new)
        _write(new, "measurements/regency=64.02/year=2024/part-0.parquet", "p")
        _write(new, "summary/regency=64.02/year=2024/part-0.parquet", "s")
        _write(new, "imports.parquet", "i")
    final = store.current()
    swap = next(i for i, e in enumerate(events) if e[0] == "replace" and e[2].endswith("/CURRENT"))
    rename = next(i for i, e in enumerate(events) if e[0] == "replace" and e[1] == building)
    synced_before_rename = {e[1] for e in events[:rename] if e[0] == "fsync"}
    expected = {building} | {
        os.path.join(building, os.path.relpath(os.path.join(d, n), final))
        for d, dirs, files in os.walk(final)
        for n in dirs + files
    }
    assert expected <= synced_before_rename, "every file and folder is fsynced before the rename"
    synced_before_swap = [e[1] for e in events[:swap] if e[0] == "fsync"]
    assert str(final.parent) in synced_before_swap[len(synced_before_rename) :]  # the rename is durable
    assert any(p.endswith(".tmp") for p in synced_before_swap)  # the pointer's own bytes
    assert ("fsync", str(store.root)) in events[swap + 1 :]  # the swap is durable


def test_store_folders_are_0700_and_files_0600(tmp_path):
    old = os.umask(0o022)  # a usual umask: the store must not rely on it
    try:
        store = SnapshotStore(tmp_path / "data" / "store")
        snapshot = _commit(store, "x", name="measurements/regency=64.02/year=2024/part-0.parquet")
        pin = store.pin_current()
        pin.release()
    finally:
        os.umask(old)
    modes = {
        path: stat.S_IMODE(path.stat().st_mode)
        for path in [tmp_path / "data", *(tmp_path / "data").rglob("*")]
    }
    assert modes[tmp_path / "data"] == 0o700 and modes[snapshot] == 0o700
    assert all(mode == 0o700 for path, mode in modes.items() if path.is_dir())
    assert all(mode == 0o600 for path, mode in modes.items() if path.is_file()), modes


def test_undoing_an_import_restores_the_measurements_before_it(tmp_path):
    from test_store import VILLAGE_KUKAR, measurement, stored, write

    from stunting import store, store_layout

    write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2024-08-03")])
    before = stored(tmp_path)
    write(tmp_path, [measurement("b", VILLAGE_KUKAR, "2024-09-04")])  # another month: not a replacement
    assert len(stored(tmp_path)) == 2
    history = store_layout.snapshot_store(tmp_path).snapshots()
    assert [info.current for info in history] == [True, False]
    store_layout.snapshot_store(tmp_path).restore(history[1].name)
    assert stored(tmp_path).equals(before)
    assert len(store.imports(tmp_path)) == 1  # the import log is the one of that snapshot
