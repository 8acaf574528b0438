"""The bad-input corpus (tests/data/bad/, manifest.csv): every file gets a non-zero exit from the CLI
and its one sentence, within 10 s of CPU (30 s of wall time) and 500 MB, and the store is exactly
as it was."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_store import VILLAGE_KUKAR, measurement, write

from stunting.snapshots import LOCK, PINS, SnapshotStore

REPO_ROOT = Path(__file__).resolve().parent.parent
BAD = REPO_ROOT / "tests" / "data" / "bad"
sys.path.insert(0, str(BAD))
import make_corpus  # noqa: E402  (the corpus's own generator, for the large files)

MANIFEST = list(csv.DictReader((BAD / "manifest.csv").open(encoding="utf-8")))
# The bounds for any bad input: an answer within seconds, and memory a laptop can spare.
MAX_SECONDS = 10  # of CPU: eight test runs share two cores here, so wall time measures the neighbours
# Wall time, bounded loosely: a reader that hangs (waits on a lock, sleeps) uses no CPU.
MAX_WALL_SECONDS = 3 * MAX_SECONDS
MAX_RSS_BYTES = 500 * 2**20
# A runaway reader is stopped well after the bound, so the failure says by how much it was missed.
KILL_AFTER_S = 60
COMMANDS = {
    "ingest": lambda path, out: ["ingest", str(path)],
    "boundaries": lambda path, out: ["boundaries", "import", str(path)],
    "story": lambda path, out: [
        "story",
        "export",
        "--story",
        str(path),
        "--format",
        "pdf",
        "--out",
        str(out),
    ],
}


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    return make_corpus.large_files(tmp_path_factory.mktemp("large-bad-inputs"))


def test_the_corpus_is_complete(large):
    own = ("manifest.csv", "make_corpus.py")
    committed = {p.name for p in BAD.iterdir() if p.is_file() and p.name not in own}
    assert committed == set(make_corpus.SMALL), "run tests/data/bad/make_corpus.py and commit its files"
    listed = [row["file"] for row in MANIFEST]
    assert sorted(listed) == sorted(committed | set(large)), "each file has exactly one manifest row"
    assert len(listed) >= 40
    assert all(row["command"] in COMMANDS and row["sentence"] for row in MANIFEST)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A data dir with a measurement store and an installed boundaries snapshot: what must not change."""
    data = tmp_path_factory.mktemp("bad-inputs-store") / "data"
    write(data, [measurement("a", VILLAGE_KUKAR, "2024-08-03")])
    with SnapshotStore(data / "boundaries").transaction() as folder:
        (folder / "source.json").write_text('{"source": "test"}', encoding="utf-8")
    return data


def fingerprint(data: Path) -> dict[str, str]:
    """Every file of both stores by path and SHA-256 (readers' pins and the lock file aside)."""
    prints = {}
    for store in ("store", "boundaries"):
        for path in sorted((data / store).rglob("*")):
            relative = path.relative_to(data)
            if path.is_file() and relative.parts[1] not in (PINS, LOCK):
                prints[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


# Runs ``python -m stunting ARGS`` and, at exit, writes the process's peak resident memory (VmHWM,
# in kB) and its CPU seconds to $PEAK_FILE. Measured inside the child because getrusage's ru_maxrss
# survives exec: a child forked from a big pytest worker would report the worker's size.
LAUNCHER = """
import atexit, os, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    times = os.times()
    with open(os.environ["PEAK_FILE"], "w") as out:
        out.write(f"{kb} {times.user + times.system}")

atexit.register(peak)
sys.argv = ["stunting", *sys.argv[1:]]
runpy.run_module("stunting", run_name="__main__", alter_sys=True)
"""


def run_limited(args: list[str], folder: Path) -> tuple[int, str, str, float, float, int]:
    """Run the CLI in a child process: exit status, stdout, stderr, wall and CPU seconds, peak RSS in
    bytes."""
    out_path, err_path, peak_path = folder / "stdout.txt", folder / "stderr.txt", folder / "peak.txt"
    started = time.monotonic()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, *args],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=err,
            env=os.environ | {"PEAK_FILE": str(peak_path)},
        )
    try:
        child.wait(timeout=KILL_AFTER_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    seconds = time.monotonic() - started
    kb, cpu = peak_path.read_text().split() if peak_path.exists() else ("0", "inf")
    out, err = (p.read_text(errors="replace") for p in (out_path, err_path))
    return child.returncode, out, err, seconds, float(cpu), int(kb) * 1024


def expected_pattern(sentence: str, path: Path) -> str:
    pattern = re.escape(sentence)
    pattern = pattern.replace(re.escape("{report}"), r"\S+-rejects\.csv")
    return pattern.replace(re.escape("{path}"), re.escape(str(path)))


@pytest.mark.parametrize("case", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_a_bad_input_gets_its_sentence_in_bounded_time_and_memory_and_changes_nothing(
    case, template, large, tmp_path
):
    path = BAD / case["file"] if (BAD / case["file"]).exists() else large[case["file"]]
    data = tmp_path / "data"
    shutil.copytree(template, data)
    before = fingerprint(data)
    args = COMMANDS[case["command"]](path, tmp_path / "out.pdf") + ["--data-dir", str(data)]
    status, _, err, seconds, cpu, rss = run_limited(args, tmp_path)
    assert status == 1, (status, err[-2000:])
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"one sentence, not {len(lines)} lines: {err[-2000:]}"
    assert re.fullmatch("error: " + expected_pattern(case["sentence"], path), lines[0]), lines[0]
    assert cpu < MAX_SECONDS, f"{cpu:.1f} s of CPU"
    assert seconds < MAX_WALL_SECONDS, f"{seconds:.1f} s"
    assert 0 < rss < MAX_RSS_BYTES, f"{rss / 2**20:.0f} MB"
    assert fingerprint(data) == before
    assert not (tmp_path / "out.pdf").exists()
