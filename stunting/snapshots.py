"""Atomic, durable, all-or-nothing updates of a folder of files (the measurement store, the boundaries).

Every write goes into a fresh snapshot folder; only when it is complete does one small pointer
file (``CURRENT``) switch to it, with ``os.replace``, which is atomic on POSIX. A process killed at
any moment therefore leaves readers on the old snapshot or the new one, never on a half-written mix.
Unchanged files are hard-linked from the previous snapshot, so an import that touches one
regency-year does not copy the others.

Writers: one at a time, by the kernel. The writer holds ``fcntl.flock`` on ``.lock``; the kernel
releases it when the process ends, however it ends (kill -9 included), so a dead writer never blocks
the next one and a live one is never mistaken for a dead one. A second writer waits up to
``WRITER_WAIT_SECONDS`` (saying so once), then is refused with one sentence.

Durability: every file and folder of a new snapshot is fsynced before ``CURRENT`` names it, and the
store's folder after the swap, so after a power cut ``CURRENT`` names either the old snapshot or a
new one whose every byte is on disk (docs/architecture.md, "What survives a power cut").

Readers: a reader pins the snapshot it starts with (a shared ``flock`` on ``pins/NAME``) for as long
as it reads. A commit keeps the ``KEEP_SNAPSHOTS`` newest snapshots and deletes an older one only
when it can take that pin exclusively, so a query running while imports land never loses its files.
The kept snapshots are also the undo history: ``snapshots()`` lists them, ``restore()`` makes one
current again.

Files are created 0600 and folders 0700: the store is personal data (see README, "Data rules").
"""

from __future__ import annotations

import contextvars
import errno
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stunting.config import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, private_dir
from stunting.errors import UserError

POINTER = "CURRENT"
SNAPSHOTS = "snapshots"
PINS = "pins"
LOCK = ".lock"
BUILDING_PREFIX = "building-"

# Snapshots kept after a commit, the current one included. Enough for a data manager to undo the last
# few imports of a session ("undo import" on the data page restores one of them), and for any reader
# still on an older one: a snapshot shares its unchanged files with the next by hard links, so keeping
# five costs only the partitions the last imports rewrote. A pinned snapshot is kept beyond these.
KEEP_SNAPSHOTS = 5
# fsyncs of a new snapshot in flight at once (sync_tree): the disk queues them, the threads only wait.
SYNC_THREADS = 16
# How long a second writer waits for the first before giving up. A one-file import takes seconds to a
# minute; two data managers importing at once should queue, not fail, but a stuck writer must not hang
# a CLI forever. Tests shorten it through the environment.
WRITER_WAIT_SECONDS_ENV = "STUNTING_WRITER_WAIT_SECONDS"
WRITER_WAIT_SECONDS = 120.0
_POLL_SECONDS = 0.1
# The snapshot name starts with its creation time (UTC, to the microsecond): names sort by age.
_STAMP = "%Y%m%dT%H%M%S%fZ"
_OLD_STAMP = "%Y%m%dT%H%M%S"  # stores written before the microseconds were added

WAIT_MESSAGE = (
    "Another import is writing to {root}; waiting up to {seconds:.0f} s for it to finish "
    "(import lain sedang berjalan; menunggu hingga selesai)."
)
BUSY_MESSAGE = (
    "Another import is still writing to {root} after {seconds:.0f} s; try again when it has finished "
    "(import lain sedang berjalan; coba lagi setelah selesai)."
)

# Called once when a writer has to wait for another (the app shows "import lain sedang berjalan").
# Unset, the waiting sentence goes to stderr (the CLI). A context variable: each app session's thread
# sets its own.
on_writer_wait: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "on_writer_wait", default=None
)


@dataclass(frozen=True)
class SnapshotInfo:
    """One kept snapshot, for the undo list."""

    name: str
    path: Path
    created: datetime  # UTC
    current: bool


class Pin:
    """A reader's hold on one snapshot (a shared flock); release() or garbage collection ends it."""

    def __init__(self, path: Path | None, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    def __del__(self) -> None:
        self.release()

    def __enter__(self) -> Pin:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class SnapshotStore:
    """A folder whose visible contents change only by whole, atomic, durable swaps."""

    def __init__(self, root: Path, keep: int | None = None) -> None:
        self.root = Path(root)
        self._keep = keep

    @property
    def keep(self) -> int:
        return max(1, self._keep if self._keep is not None else KEEP_SNAPSHOTS)

    # --- reading ---------------------------------------------------------------------------------

    def current(self) -> Path | None:
        """The folder readers should use now, or None when nothing was ever committed."""
        try:
            name = json.loads((self.root / POINTER).read_text(encoding="utf-8"))["snapshot"]
        except FileNotFoundError:
            return None
        path = self.root / SNAPSHOTS / name
        return path if path.is_dir() else None

    def pin_current(self) -> Pin:
        """The current snapshot, pinned: it is not deleted until the pin is released.

        ``Pin.path`` is None when nothing was ever committed. A commit may land between reading
        ``CURRENT`` and taking the pin and delete that snapshot; the pin is then dropped and the new
        current one pinned instead."""
        for _ in range(100):
            path = self.current()
            if path is None:
                return Pin(None, None)
            pin = pin_snapshot(path)
            if path.is_dir():
                return pin
            pin.release()
        raise UserError(f"The store in {self.root} changes faster than it can be read; try again.")

    def snapshots(self) -> list[SnapshotInfo]:
        """The kept snapshots, newest first, with their creation time (what "undo import" offers)."""
        folder = self.root / SNAPSHOTS
        if not folder.is_dir():
            return []
        current = self.current()
        kept = []
        for child in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
            created = _created(child.name)
            if child.is_dir() and created is not None:
                is_current = current is not None and child.name == current.name
                kept.append(SnapshotInfo(child.name, child, created, is_current))
        return kept

    # --- writing ---------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Path]:
        """Yield an empty new snapshot folder; commit it when the block ends without an error.

        On any exception (or a kill) the new folder is discarded and ``current()`` is unchanged.
        """
        private_dir(self.root)
        with self._writer_lock():
            self._remove_stale()
            name = datetime.now(UTC).strftime(_STAMP) + "-" + os.urandom(4).hex()
            building = self.root / SNAPSHOTS / f"{BUILDING_PREFIX}{name}"
            private_dir(building)
            try:
                yield building
                self._commit(building, name)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
            self._remove_stale()

    def restore(self, name: str) -> Path:
        """Make kept snapshot ``name`` current again, as a new snapshot (hard links, so it costs no
        copy): the history stays in order and the undone snapshot can itself be restored."""
        source = self.root / SNAPSHOTS / name
        if _created(name) is None or not source.is_dir():
            raise UserError(f"Snapshot {name} is not kept in {self.root}; choose one of the kept snapshots.")
        with pin_snapshot(source):
            if not source.is_dir():
                raise UserError(f"Snapshot {name} was deleted meanwhile; choose one of the kept snapshots.")
            with self.transaction() as building:
                shutil.copytree(source, building, copy_function=_link_or_copy, dirs_exist_ok=True)
        current = self.current()
        assert current is not None
        return current

    def carry_over(self, new_snapshot: Path, relpath: str) -> bool:
        """Hard-link ``relpath`` (a file or a folder tree) from the current snapshot into the new one.

        Returns False when the current snapshot has no such path.
        """
        current = self.current()
        if current is None or not (current / relpath).exists():
            return False
        source = current / relpath
        target = new_snapshot / relpath
        if source.is_dir():
            shutil.copytree(source, target, copy_function=_link_or_copy, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(source, target)
        return True

    def _commit(self, building: Path, name: str) -> None:
        """Make ``building`` durable, then current; see "What survives a power cut" in the docs."""
        sync_tree(building)
        final = self.root / SNAPSHOTS / name
        os.replace(building, final)
        fsync_dir(final.parent)  # the rename itself
        pointer_tmp = self.root / f"{POINTER}.{name}.tmp"
        fd = os.open(pointer_tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"snapshot": name}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, self.root / POINTER)
        fsync_dir(self.root)  # the swap itself

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
        try:
            if not _try_flock(fd, fcntl.LOCK_EX):
                wait = _writer_wait_seconds()
                say = on_writer_wait.get()
                message = WAIT_MESSAGE.format(root=self.root, seconds=wait)
                if say is None:
                    print(message, file=sys.stderr, flush=True)
                else:
                    say(message)
                deadline = time.monotonic() + wait
                while not _try_flock(fd, fcntl.LOCK_EX):
                    if time.monotonic() >= deadline:
                        raise UserError(BUSY_MESSAGE.format(root=self.root, seconds=wait))
                    time.sleep(_POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # releases the lock; the file stays (unlinking a flock file races)

    def _remove_stale(self) -> None:
        """Delete what no one can use: half-built folders of dead writers (we hold the writer lock),
        pointer temp files, and snapshots beyond the ``keep`` newest that no reader has pinned."""
        for leftover in self.root.glob(f"{POINTER}.*.tmp"):
            leftover.unlink(missing_ok=True)
        folder = self.root / SNAPSHOTS
        if not folder.is_dir():
            return
        current = self.current()
        kept = [info.name for info in self.snapshots()][: self.keep]
        for child in folder.iterdir():
            if child.name in kept or (current is not None and child.name == current.name):
                continue
            if child.name.startswith(BUILDING_PREFIX) or _created(child.name) is None:
                shutil.rmtree(child, ignore_errors=True)
                continue
            _delete_unless_pinned(child)
        pins = self.root / PINS
        if pins.is_dir():
            for pin in pins.iterdir():
                if not (folder / pin.name).is_dir():
                    _delete_unless_pinned(folder / pin.name)


def pin_snapshot(snapshot: Path) -> Pin:
    """Pin ``snapshot`` (a folder in ``ROOT/snapshots/``) against deletion until released.

    A store the reader may not write to (a read-only copy) cannot be pinned, and is read unpinned:
    no writer can delete from it either."""
    snapshot = Path(snapshot)
    if snapshot.parent.name != SNAPSHOTS:
        return Pin(snapshot, None)  # not a folder of a SnapshotStore (e.g. a test's loose folder)
    pins = snapshot.parent.parent / PINS
    try:
        private_dir(pins)
        fd = os.open(pins / snapshot.name, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            return Pin(snapshot, None)
        raise
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a writer is deleting this very snapshot
    return Pin(snapshot, fd)


def _delete_unless_pinned(snapshot: Path) -> None:
    pin_file = snapshot.parent.parent / PINS / snapshot.name
    try:
        fd = os.open(pin_file, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    except FileNotFoundError:  # no pins folder: never pinned
        shutil.rmtree(snapshot, ignore_errors=True)
        return
    try:
        if not _try_flock(fd, fcntl.LOCK_EX):
            return  # a reader holds it; retried on the next commit
        shutil.rmtree(snapshot, ignore_errors=True)
        # Unlinked while held: a reader that opened it meanwhile re-checks the folder after pinning.
        pin_file.unlink(missing_ok=True)
    finally:
        os.close(fd)


def sync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder``, and make files 0600 and folders 0700 on the
    way. Many at once: an fsync waits on the disk, not the processor, and a national import's new
    snapshot holds some 4,600 files and folders, each a wait of one to two milliseconds when done
    one after another (8 s of a 70 s import; with 16 at a time 0.6 s, bench/bench_scale.py). Every
    one has finished before this returns, and the commit's rename comes only after it."""
    entries = []
    for dirpath, _, filenames in os.walk(folder):
        entries.append((dirpath, True))
        entries.extend((os.path.join(dirpath, name), False) for name in filenames)
    with ThreadPoolExecutor(SYNC_THREADS) as pool:
        for _ in pool.map(_private_and_synced, entries):
            pass  # re-raises the first OSError here


def _private_and_synced(entry: tuple[str, bool]) -> None:
    path, is_folder = entry
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if is_folder else 0))
    try:
        os.fchmod(fd, PRIVATE_DIR_MODE if is_folder else PRIVATE_FILE_MODE)
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """fsync a folder: makes the creation, rename or removal of its entries durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _try_flock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _writer_wait_seconds() -> float:
    value = os.environ.get(WRITER_WAIT_SECONDS_ENV)
    return float(value) if value else WRITER_WAIT_SECONDS


def _created(name: str) -> datetime | None:
    """The creation time in a snapshot's name, None for anything else (e.g. a half-built folder)."""
    stamp = name.split("-", 1)[0]
    for layout in (_STAMP, _OLD_STAMP):
        try:
            return datetime.strptime(stamp, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
