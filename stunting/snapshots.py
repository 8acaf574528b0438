"""Atomic, all-or-nothing updates of a folder of files (the measurement store, the boundaries).

Every write goes into a fresh snapshot folder; only when it is complete does one small pointer
file (``CURRENT``) switch to it, with ``os.replace``, which is atomic on POSIX and Windows. A
process killed at any moment therefore leaves readers on the old snapshot or the new one, never
on a half-written mix. Unchanged files are hard-linked from the previous snapshot, so an import
that touches one regency-year does not copy the others.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from stunting.errors import UserError

POINTER = "CURRENT"
SNAPSHOTS = "snapshots"
LOCK = ".lock"


class SnapshotStore:
    """A folder whose visible contents change only by whole, atomic swaps."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current(self) -> Path | None:
        """The folder readers should use now, or None when nothing was ever committed."""
        try:
            name = json.loads((self.root / POINTER).read_text(encoding="utf-8"))["snapshot"]
        except FileNotFoundError:
            return None
        path = self.root / SNAPSHOTS / name
        return path if path.is_dir() else None

    @contextmanager
    def transaction(self) -> Iterator[Path]:
        """Yield an empty new snapshot folder; commit it when the block ends without an error.

        On any exception (or a kill) the new folder is discarded and ``current()`` is unchanged.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with _lock(self.root / LOCK):
            self._remove_stale()
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}"
            building = self.root / SNAPSHOTS / f"building-{name}"
            building.mkdir(parents=True)
            try:
                yield building
                final = self.root / SNAPSHOTS / name
                os.replace(building, final)
                pointer_tmp = self.root / f"{POINTER}.{name}.tmp"
                with open(pointer_tmp, "w", encoding="utf-8") as fh:
                    json.dump({"snapshot": name}, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(pointer_tmp, self.root / POINTER)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
            self._remove_stale()

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

    def _remove_stale(self) -> None:
        """Delete snapshots that are neither current nor being built by us (left by kills or swaps)."""
        current = self.current()
        folder = self.root / SNAPSHOTS
        if folder.is_dir():
            for child in folder.iterdir():
                if current is None or child.name != current.name:
                    # Another reader may still have an old file open (Windows refuses to delete
                    # it); it is retried on the next commit.
                    shutil.rmtree(child, ignore_errors=True)
        for leftover in self.root.glob(f"{POINTER}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """One writer at a time; a lock left by a killed process (its pid is gone) is taken over."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _holder_alive(path):
                raise UserError(
                    f"Another import is writing to {path.parent} right now; wait for it to finish."
                ) from None
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
        return
    raise UserError(f"Could not lock {path.parent} for writing.")


def _holder_alive(path: Path) -> bool:
    try:
        pid = int(path.read_text().strip() or "0")
    except (OSError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
