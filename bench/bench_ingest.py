"""End-to-end ingest of a 1,000,000-row e-PPGBM CSV export (target: under 30 s on the 2-core machine).

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--keep DIR]

Generates an export with invented names ("Anak Fiktif ..."), NIKs and addresses for every village of
the gazetteer (bench/make_national_export.py: one weighing round, ``;`` separated, comma decimals,
dd/mm/yyyy dates, as e-PPGBM writes them), then times
``stunting.ingest.ingest_files`` into an empty data dir and prints the figures, with the time spent
in each stage (from the pipeline's progress messages) and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.make_national_export import national_villages, write_export  # noqa: E402
from stunting.ingest import ingest_files  # noqa: E402

PERIOD = "2025-08"


def generate(path: Path, wanted_rows: int, seed: int = 1) -> None:
    """One weighing round over the gazetteer's villages (bench/make_national_export.py, in chunks)."""
    write_export(path, wanted_rows, PERIOD, national_villages("gazetteer"), seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", help="keep the export and data dir in this folder")
    parser.add_argument("--export", help="time this existing export instead of generating one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        export = Path(args.export) if args.export else root / "eppgbm-bench.csv"
        started = time.perf_counter()
        if not args.export:
            generate(export, args.rows)
        print(
            f"generated {export.stat().st_size / 2**20:.0f} MB export "
            f"in {time.perf_counter() - started:.1f} s"
        )

        # Wall time and this process's CPU time: on a shared machine the CPU seconds say what the
        # pipeline costs, the wall seconds what the user waited.
        stages: list[tuple[float, float, str]] = []

        def progress(fraction: float, message: str) -> None:
            stage = message.split(": ", 1)[1]
            stage = "reading" if stage.endswith("rows read") else stage
            if not stages or stages[-1][2] != stage:
                stages.append((time.perf_counter(), time.process_time(), stage))

        started, cpu_started = time.perf_counter(), time.process_time()
        data_dir = root / "data"
        shutil.rmtree(data_dir, ignore_errors=True)
        [summary] = ingest_files([export], data_dir, progress=progress)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        stages.append((time.perf_counter(), time.process_time(), "end"))
        print(
            f"ingest: {summary.rows_read:,} rows read, {summary.rows_stored:,} stored, "
            f"{summary.rows_rejected:,} rejected {summary.rejected_by_reason} in {total:.1f} s wall, "
            f"{cpu:.1f} s CPU ({summary.rows_read / total:,.0f} rows/s; target < 30 s)"
        )
        print(f"  load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
        for (t0, c0, name), (t1, c1, _) in zip(stages, stages[1:], strict=False):
            print(f"  {name:<24} {t1 - t0:6.1f} s wall {c1 - c0:6.1f} s CPU")
        print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
