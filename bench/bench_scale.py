"""Ingest at national scale: time and peak memory of `python -m stunting ingest` for big exports.

    .venv/bin/python bench/bench_scale.py [--rows 1000000 5000000 20000000] [--base 20000000] [--workers 2]
                                          [--keep-base]

1. For each ``--rows``: an export of one weighing round (bench/make_national_export.py, over the
   villages of the installed gazetteer; kept in bench/out/ for the next run) imported into an empty
   data dir, in a process of its own, timed with its peak RSS (``ru_maxrss`` of the child) and the
   peak of that process with its children (PSS, sampled: the duplicate search's process and, for a
   big CSV, the helper that reads half the chunks, stunting.cluster.TwoProcessRunner).
   Targets: 20M rows under 15 min and 4 GB; 1M rows under 20 s and 1 GB.
2. ``--base``: the same 1M-row import (the next month) into an empty store and into a store already
   holding the ``--base``-row round (a hard-linked copy of the data dir of step 1, so the base stays
   untouched; ``--keep-base`` takes the one an earlier run left there instead of importing it again).
   Target: within 1.2x the time and memory of the empty-store import.
3. ``--workers N``: the 1M-row import again with ``--workers N`` (a LocalCluster), for the speed-up;
   its RSS is the driver's, the workers' peaks are printed by the workers' own log lines.

Every figure is printed with the load average: on a shared machine the wall times are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.process_tree import ProcessTree  # noqa: E402

OUT = REPO / "bench" / "out"
PY = sys.executable
TARGETS = {1_000_000: (20.0, 1024.0), 20_000_000: (15 * 60.0, 4096.0)}  # rows -> (s, MB)


def export(rows: int, period: str) -> Path:
    path = OUT / f"national-{rows // 1000}k-{period}.csv"
    if not path.exists():
        partial = path.with_suffix(".partial")
        subprocess.run(
            [PY, str(REPO / "bench" / "make_national_export.py"), "--rows", str(rows), "--period", period,
             "--out", str(partial)],
            check=True,
        )  # fmt: skip
        os.replace(partial, path)
    return path


CPU = {}  # data dir name -> CPU seconds (user + system) of its last import
TREE = {}  # data dir name -> peak PSS in MB of its last import with its child processes


def ingest(path: Path, data_dir: Path, *extra: str) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one `python -m stunting ingest` (GNU time's %M: that
    process alone, not a LocalCluster's worker processes); its CPU seconds go to CPU, the honest
    figure on a shared machine (wall time waits for the other jobs)."""
    started = time.perf_counter()
    peak_file = data_dir.parent / f"{data_dir.name}.maxrss"
    with ProcessTree() as tree:
        result = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", "-o", str(peak_file), PY, "-m", "stunting", "ingest", str(path),
             "--data-dir", str(data_dir), *extra],
            cwd=REPO,
            capture_output=True,
            text=True,
        )  # fmt: skip
    wall = time.perf_counter() - started
    # The import with its children (the duplicate search; for a big CSV the helper reading half the
    # chunks, stunting.cluster.TwoProcessRunner), GNU time and this bench's own few MB aside.
    TREE[data_dir.name] = tree.peak_children_mb
    if result.returncode != 0:
        raise SystemExit(f"ingest of {path.name} failed:\n{result.stdout}\n{result.stderr}")
    peak, user, system = peak_file.read_text().split()[-3:]
    CPU[data_dir.name] = float(user) + float(system)
    return wall, int(peak) / 1024


def line(label: str, rows: int, wall: float, peak: float, run: str | None = None) -> str:
    """One figure; ``run``: the data dir's name, whose CPU seconds and peak with children are known."""
    target = TARGETS.get(rows)
    goal = f"  (target < {target[0]:.0f} s, < {target[1]:.0f} MB)" if target else ""
    spent = f"cpu {CPU[run]:6.1f} s  " if run in CPU else ""
    together = f" ({TREE[run]:,.0f} MB with its children, PSS)" if run in TREE else ""
    return (
        f"{label:<34} {wall:7.1f} s  {spent}{rows / wall:9,.0f} rows/s  peak RSS {peak:6,.0f} MB{together}  "
        f"load {os.getloadavg()[0]:.1f}{goal}"
    )


def fresh(name: str) -> Path:
    folder = OUT / "scale" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 5_000_000, 20_000_000])
    parser.add_argument("--base", type=int, default=20_000_000, help="rows in the store for step 2 (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers for step 3 (0: skip)")
    parser.add_argument(
        "--keep-base", action="store_true",
        help="step 2 on the --base round an earlier run left in bench/out/scale (its import not timed again)",
    )  # fmt: skip
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    kept = args.keep_base and (OUT / "scale" / f"round-{args.base // 1000}k" / "store").is_dir()
    sizes = sorted(set(args.rows) | ({args.base} if args.base and not kept else set()))
    print(f"load average at the start {os.getloadavg()[0]:.1f} (2 cores)")
    small = export(1_000_000, "2025-09")
    results = {}
    wall, peak = ingest(small, fresh("empty-1m"))
    results["empty"] = (wall, peak)
    print(line("1M (2025-09) into an empty store", 1_000_000, wall, peak, "empty-1m"))
    if args.workers:
        wall_w, peak_w = ingest(small, fresh("workers-1m"), "--workers", str(args.workers))
        print(
            line(
                f"1M with --workers {args.workers}",
                1_000_000,
                wall_w,
                peak_w,
                "workers-1m",
            )
        )
        print(f"  speed-up over one process: {wall / wall_w:.2f}x")
    for rows in sizes:
        wall, peak = ingest(export(rows, "2025-08"), fresh(f"round-{rows // 1000}k"))
        print(
            line(
                f"{rows:,} rows (2025-08), empty store",
                rows,
                wall,
                peak,
                f"round-{rows // 1000}k",
            )
        )
    if args.base:
        base = OUT / "scale" / f"round-{args.base // 1000}k"
        onto = OUT / "scale" / "onto-base"
        shutil.rmtree(onto, ignore_errors=True)
        subprocess.run(["cp", "-al", str(base), str(onto)], check=True)  # hard links: the base stays as is
        wall, peak = ingest(small, onto)
        empty_wall, empty_peak = results["empty"]
        print(
            line(
                f"1M (2025-09) into {args.base:,} rows",
                1_000_000,
                wall,
                peak,
                "onto-base",
            )
        )
        print(
            f"  vs into an empty store: {wall / empty_wall:.2f}x the time, "
            f"{CPU['onto-base'] / CPU['empty-1m']:.2f}x the CPU, "
            f"{peak / empty_peak:.2f}x the memory (target <= 1.2x each)"
        )


if __name__ == "__main__":
    main()
