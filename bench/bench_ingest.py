"""End-to-end ingest of a 1,000,000-row e-PPGBM CSV export (target: under 30 s on the 2-core machine).

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--keep DIR]

Generates an export (bench/make_national_export.py: one weighing round over the villages of Kukar
and Bontang, as the issues' figures were measured; invented NIKs and addresses, names combined from
the demo's lists; ``;`` separated, comma decimals, dd/mm/yyyy dates, as e-PPGBM writes them), then
times ``stunting.ingest.ingest_files`` into an empty data dir and prints the figures, with the time
spent in each stage (from the pipeline's progress messages) and the peak memory of the process. Then
the data-quality checks' share (issue 12, target < 20%): the same import again with the import's
quality hooks switched off (the duplicate search, the identities it compares, and the checks' sums
stored beside the summary), and the quality table of one month.
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
BENCH_REGENCIES = ("64.02", "64.74")  # the regencies the issues' ingest figures were measured on


def generate(path: Path, wanted_rows: int, seed: int = 1) -> None:
    """One weighing round over Kukar's and Bontang's villages (bench/make_national_export.py)."""
    villages = national_villages("gazetteer")
    chosen = villages[villages["regency_code"].isin(BENCH_REGENCIES)].reset_index(drop=True)
    write_export(path, wanted_rows, PERIOD, chosen, seed)


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
        hook_cpu = _measure_quality_hooks()
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
        quality_share(export, root, total, cpu, summary, hook_cpu)


def _measure_quality_hooks() -> dict[str, float]:
    """Wrap the import's quality hooks so that each adds the CPU seconds of its own thread (the
    duplicate search runs in a worker thread) to the returned dict: robust on a shared machine,
    where the difference of two imports' times is mostly other processes' noise."""
    from stunting.quality import imported, stored

    spent = {"identities": 0.0, "duplicate search": 0.0, "recording": 0.0, "stored sums": 0.0}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.thread_time() - started

        return wrapper

    imported.identities = timed("identities", imported.identities)
    imported._search = timed("duplicate search", imported._search)
    imported.record_duplicates = timed("recording", imported.record_duplicates)
    stats_of = stored.stats_of

    def stored_sums(con):
        # DuckDB runs the query on its own threads: the process's CPU over the call (an upper bound,
        # since the duplicate search may run in its thread meanwhile).
        started = time.process_time()
        try:
            return stats_of(con)
        finally:
            spent["stored sums"] += time.process_time() - started

    stored.stats_of = stored_sums
    return spent


def quality_share(export: Path, root: Path, total: float, cpu: float, summary, hook_cpu: dict) -> None:
    """The same import without the data-quality hooks (stunting.quality.imported), and the quality
    table of the export's last month: what the checks cost."""
    from stunting.quality import imported, stored
    from stunting.quality.table import quality_table

    hooks = imported.identities, imported.find_duplicates, imported.record_duplicates
    stats_of = stored.stats_of
    imported.identities = lambda *args: None
    imported.find_duplicates = lambda chunks: None
    imported.record_duplicates = lambda *args, **kwargs: None

    def no_sums(con):  # the stored sums of no rows: the same files, empty
        con.execute("CREATE OR REPLACE VIEW measurements AS SELECT * FROM merged LIMIT 0")
        return stats_of(con)

    stored.stats_of = no_sums
    try:
        data_dir = root / "data-without-quality"
        shutil.rmtree(data_dir, ignore_errors=True)
        started, cpu_started = time.perf_counter(), time.process_time()
        ingest_files([export], data_dir)
        bare, bare_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        imported.identities, imported.find_duplicates, imported.record_duplicates = hooks
        stored.stats_of = stats_of
    print(
        f"quality checks in the import: {total - bare:+.1f} s wall ({100 * (total - bare) / bare:+.0f}%), "
        f"{cpu - bare_cpu:+.1f} s CPU ({100 * (cpu - bare_cpu) / bare_cpu:+.0f}%) over {bare:.1f} s / "
        f"{bare_cpu:.1f} s CPU without them (target < 20%)"
    )
    own = sum(hook_cpu.values())
    print(
        f"  the hooks' own CPU: {own:.1f} s = {100 * own / (cpu - own):.0f}% of the import's other "
        f"{cpu - own:.1f} s CPU ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in hook_cpu.items())
        + ")"
    )
    duplicates = summary.duplicates_report
    pairs = 0 if duplicates is None else sum(1 for _ in open(duplicates, encoding="utf-8-sig")) - 1
    print(f"  probable duplicate pairs found: {pairs:,} (the generator plants none)")
    for level in ("village", "posyandu"):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            quality_table("2025-08", level, data_dir=root / "data")
            times.append(time.perf_counter() - started)
        print(f"  quality table of 2025-08 per {level}: median {sorted(times)[1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
