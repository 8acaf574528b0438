"""Readers while writers write, and writers against writers, with real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_store import VILLAGE_KUKAR, measurement, stored, write

from stunting import snapshots, store

REPO_ROOT = Path(__file__).resolve().parent.parent
EXPORT = REPO_ROOT / "tests" / "data" / "eppgbm" / "export.csv"
READY_TIMEOUT_S = 60
IMPORTS = 10

# The reader asks two questions of one cursor with a pause between them, the way a page does: an
# import landing in the pause must not take the files of the first answer away from the second.
READER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from stunting import queries
out = open({out!r}, "a")
stop = Path({stop!r})
while not stop.exists():
    try:
        con = queries.connect({data!r}, views=("measurements", "summary"))
        rows, months, first, last = con.execute(
            "SELECT count(*), count(DISTINCT period), min(period), max(period) FROM measurements"
        ).fetchone()
        time.sleep(0.02)
        counted = con.execute(
            "SELECT coalesce(sum(measured), 0) FROM summary WHERE indicator = 'stunting'"
        ).fetchone()[0]
        again = con.execute("SELECT count(*) FROM measurements").fetchone()[0]
        con.close()
        out.write(json.dumps({{"rows": rows, "months": months, "first": first, "last": last,
                               "counted": int(counted), "again": again}}) + "\\n")
    except Exception as error:
        out.write(json.dumps({{"error": f"{{type(error).__name__}}: {{error}}"}}) + "\\n")
    out.flush()
"""


def _wait_for(path: Path, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not path.exists() or not path.read_text().strip():
        assert process.poll() is None, f"the {what} exited early"
        assert time.monotonic() < deadline, f"the {what} never got ready"
        time.sleep(0.05)


def test_a_reader_sees_only_whole_snapshots_while_ten_imports_commit(tmp_path, monkeypatch):
    # Keep no spare snapshot: only the reader's pin stands between its files and the next commit.
    monkeypatch.setattr(snapshots, "KEEP_SNAPSHOTS", 1)
    data = tmp_path / "data"
    write(data, [measurement("c1-0", VILLAGE_KUKAR, "2024-01-10")])
    out, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    script = READER.format(repo=str(REPO_ROOT), out=str(out), stop=str(stop), data=str(data))
    reader = subprocess.Popen([sys.executable, "-c", script])
    try:
        _wait_for(out, reader, "reader")
        # Import k adds k children measured in month k: a whole snapshot after k imports holds
        # k(k+1)/2 children in months 1..k, and its summary counts exactly those children.
        for month in range(2, IMPORTS + 1):
            children = [f"c{month}-{j}" for j in range(month)]
            write(data, [measurement(c, VILLAGE_KUKAR, f"2024-{month:02d}-10") for c in children])
        time.sleep(0.3)  # a few more reads of the last snapshot
    finally:
        stop.touch()
        reader.wait(timeout=READY_TIMEOUT_S)
    seen = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [s["error"] for s in seen if "error" in s]
    assert not errors, errors[:3]
    for answer in seen:
        k = answer["months"]
        assert answer["rows"] == k * (k + 1) // 2 == answer["counted"] == answer["again"], answer
        assert (answer["first"], answer["last"]) == ("2024-01", f"2024-{k:02d}"), answer
    states = {s["months"] for s in seen}
    assert len(states) >= 3, f"the reader overlapped too few imports to test anything: {states}"
    assert max(states) == IMPORTS
    # The reader pinned the snapshot the last commit would have deleted; with it gone, the next
    # commit deletes it.
    write(data, [measurement("late", VILLAGE_KUKAR, "2024-12-10")])
    assert len(list((data / "store" / "snapshots").iterdir())) == 1


WRITER = """
import sys
sys.path.insert(0, {repo!r})
sys.path.insert(0, {tests!r})
from test_store import measurement, write
write({data!r}, [measurement(c, "64.02.01.2001", "2024-08-05", haz=-3.0) for c in "xyz"])
"""


def _cli_ingest(data: Path, wait_seconds: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, **{snapshots.WRITER_WAIT_SECONDS_ENV: wait_seconds})
    env.pop(store.PAUSE_FILE_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "stunting", "ingest", str(EXPORT), "--data-dir", str(data)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_second_cli_import_is_refused_while_a_writer_holds_the_store_and_runs_once_it_is_killed(tmp_path):
    data = tmp_path / "data"
    write(data, [measurement("a", VILLAGE_KUKAR, "2024-08-03")])
    pointer_before = (data / "store" / "CURRENT").read_text()
    rows_before = stored(data)
    pause = tmp_path / "paused"
    env = dict(os.environ, **{store.PAUSE_FILE_ENV: str(pause)})
    script = WRITER.format(repo=str(REPO_ROOT), tests=str(REPO_ROOT / "tests"), data=str(data))
    writer = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        _wait_for(pause, writer, "first writer")
        refused = _cli_ingest(data, "1")
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert refused.returncode == 1, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert "waiting up to 1 s" in lines[0] and "import lain sedang berjalan" in lines[0]
    assert lines[-1].startswith("error: Another import is still writing to ") and len(lines) == 2
    assert (data / "store" / "CURRENT").read_text() == pointer_before
    assert stored(data).equals(rows_before)

    # The kernel released the killed writer's lock: the same command now imports at once.
    started = time.monotonic()
    done = _cli_ingest(data, "0")
    assert done.returncode == 0, done.stderr
    assert "waiting" not in done.stderr and time.monotonic() - started < 120
    assert len(store.imports(data)) == 2
