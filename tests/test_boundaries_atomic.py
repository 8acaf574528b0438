"""A failed or killed boundary import leaves the boundaries installed before it untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from stunting.boundaries import install, installed_source, load_display
from stunting.boundaries.install import import_files, store

pytestmark = pytest.mark.shared

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs a real import in a child process that announces, after writing its third snapshot
# file, that it is mid-write, then blocks until the test kills it with SIGKILL.
KILLED_IMPORT = textwrap.dedent(
    """
    import sys
    from stunting.boundaries import install

    real_write = install.write_frame
    written = []

    def write_then_wait(frame, path):
        real_write(frame, path)
        written.append(path)
        if len(written) == 3:
            print("MID-WRITE", flush=True)
            sys.stdin.readline()

    install.write_frame = write_then_wait
    install.import_files([sys.argv[1]], data_dir=sys.argv[2])
    """
)


def kel(wilayah_dir, regency):
    return wilayah_dir / "db" / "kel" / "64" / f"wilayah_boundaries_kel_{regency}.sql"


def state(data_dir):
    current = store(data_dir).current()
    return current.name, {p.name: p.stat().st_size for p in current.iterdir()}


def test_killed_import_leaves_previous_boundaries(wilayah_dir, tmp_path):
    data_dir = tmp_path / "data"
    import_files([kel(wilayah_dir, "64.74")], data_dir=data_dir)
    before = state(data_dir)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(kel(wilayah_dir, "64.74")), str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": REPO},
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "MID-WRITE", child.stderr.read()
        building = list((data_dir / "boundaries" / "snapshots").glob("building-*"))
        assert len(building) == 1 and len(list(building[0].iterdir())) == 3  # really half-written
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert state(data_dir) == before
    villages = load_display("village", regency="64.74", data_dir=data_dir)
    assert len(villages) == 15 and not villages.attrs["schematic"]
    assert installed_source(data_dir)["regencies"] == ["64.74"]
    # The killed writer's lock and half snapshot do not block the next import.
    import_files([kel(wilayah_dir, "64.74")], data_dir=data_dir)
    assert not list((data_dir / "boundaries" / "snapshots").glob("building-*"))
    assert state(data_dir)[0] != before[0]


def test_failed_import_leaves_previous_boundaries(wilayah_dir, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    import_files([kel(wilayah_dir, "64.74")], data_dir=data_dir)
    before = state(data_dir)
    real_write = install.write_frame
    written = []

    def write_then_fail(frame, path):
        real_write(frame, path)
        written.append(path)
        if len(written) == 4:
            raise OSError("disk full")

    monkeypatch.setattr(install, "write_frame", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_files([kel(wilayah_dir, "64.74")], data_dir=data_dir)
    assert state(data_dir) == before
    assert not list((data_dir / "boundaries" / "snapshots").glob("building-*"))
    villages = load_display("village", regency="64.74", data_dir=data_dir)
    assert len(villages) == 15 and not villages.attrs["schematic"]
