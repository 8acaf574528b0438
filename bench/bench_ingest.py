"""End-to-end ingest of a 1,000,000-row e-PPGBM CSV export (target: under 20 s on two cores, issue 14).

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--keep DIR]

Generates an export (bench/make_national_export.py: one weighing round over the villages of Kukar
and Bontang, as the issues' figures were measured; invented NIKs and addresses, names combined from
the demo's lists; ``;`` separated, comma decimals, dd/mm/yyyy dates, as e-PPGBM writes them), then
times ``stunting.ingest.ingest_files`` into an empty data dir and prints the figures, with the time
spent in each stage (from the pipeline's progress messages) and the peak memory of the process and of
its children (the duplicate search runs in a process of its own: ProcessTree). Then
the data-quality checks' share (issue 12, target < 20%): the same file imported again in one process
(the hooks are switched off here, not in a helper: ``runner=cluster.LOCAL``), alternately
without and with the import's quality hooks (the duplicate search, the identities it compares, and
the checks' sums stored beside the summary), each into an empty data dir, ``--repeats`` times each
(alternated, so that a change in the machine's load falls on both), and the medians compared; and
the quality table of one month.

The export puts 1M rows on Kukar's and Bontang's 250 villages: about 4,000 children per village,
ten times a real village's 50-400 under-fives, and the duplicate search's candidate pairs grow with
the square of that. ``--children-per-village N`` spreads the same number of rows over as many whole
regencies (Kalimantan Timur's first, then on in code order) as give about N children per village.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.make_national_export import national_villages, write_export  # noqa: E402
from bench.process_tree import ProcessTree  # noqa: E402
from stunting import cluster  # noqa: E402
from stunting.ingest import ingest_files  # noqa: E402

PERIOD = "2025-08"
BENCH_REGENCIES = ("64.02", "64.74")  # the regencies the issues' ingest figures were measured on


def generate(path: Path, wanted_rows: int, seed: int = 1, children_per_village: int | None = None) -> None:
    """One weighing round over Kukar's and Bontang's villages (bench/make_national_export.py), or
    over enough whole regencies for about ``children_per_village`` children per village."""
    villages = national_villages("gazetteer")
    if children_per_village is None:
        chosen = villages[villages["regency_code"].isin(BENCH_REGENCIES)]
    else:
        regencies = villages["regency_code"].drop_duplicates().sort_values()
        order = [
            *BENCH_REGENCIES,
            *(r for r in regencies if r.startswith("64.") and r not in BENCH_REGENCIES),
        ]
        order += [r for r in regencies if r not in order]
        sizes = villages.groupby("regency_code").size().reindex(order).cumsum()
        wanted = wanted_rows / children_per_village
        taken = sizes.index[: int((sizes < wanted).sum()) + 1]
        chosen = villages[villages["regency_code"].isin(taken)]
        per_village = wanted_rows / len(chosen)
        print(f"{len(chosen):,} villages of {len(taken)} regencies: {per_village:,.0f} rows a village")
    write_export(path, wanted_rows, PERIOD, chosen.reset_index(drop=True), seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", help="keep the export and data dir in this folder")
    parser.add_argument("--export", help="time this existing export instead of generating one")
    parser.add_argument(
        "--children-per-village", type=int, help="spread the rows over more villages (realistic: 200)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=2,
        help="imports with and without the quality checks, each (alternated)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        export = Path(args.export) if args.export else root / "eppgbm-bench.csv"
        started = time.perf_counter()
        if not args.export:
            generate(export, args.rows, children_per_village=args.children_per_village)
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
        with ProcessTree() as tree:
            [summary] = ingest_files([export], data_dir, progress=progress)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        hook_cpu["duplicate search (its process, sampled)"] = tree.cpu_of("stunting.quality.search_process")
        stages.append((time.perf_counter(), time.process_time(), "end"))
        print(
            f"ingest: {summary.rows_read:,} rows read, {summary.rows_stored:,} stored, "
            f"{summary.rows_rejected:,} rejected {summary.rejected_by_reason} in {total:.1f} s wall, "
            f"{cpu:.1f} s CPU + {tree.children_cpu:.1f} s CPU in child processes "
            f"({summary.rows_read / total:,.0f} rows/s; target < 20 s)"
        )
        print(f"  load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
        for (t0, c0, name), (t1, c1, _) in zip(stages, stages[1:], strict=False):
            print(f"  {name:<24} {t1 - t0:6.1f} s wall {c1 - c0:6.1f} s CPU")
        print(
            f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB max RSS of the "
            f"import's process; sampled every 0.2 s: {tree.peak_total_mb:.0f} MB the process (RSS) and its "
            f"children (PSS) together at their peak, {tree.peak_children_mb:.0f} MB the children's peak "
            "(target < 1 GB)"
        )
        walls = dict(WALL)
        print(
            "  the hooks' wall time in this process (spilling's with its waits on the pipe; recording's "
            "with the wait for the search after the merge; a helper's chunks not included): "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in walls.items())
        )
        quality_share(export, root, summary, hook_cpu, args.repeats)


def _measure_quality_hooks() -> dict[str, float]:
    """Wrap the import's quality hooks so that each adds the CPU seconds of its own thread to the
    returned dict: robust on a shared machine, where the difference of two imports' times is mostly
    other processes' noise. The duplicate search runs in a process of its own: its CPU is the child
    processes' (ProcessTree), added by the caller."""
    from stunting.quality import imported, stored

    _original_hooks()
    (imported.identities, imported.record_duplicates, stored.stats_of, imported.spill_chunk) = _ORIGINAL
    spent = dict.fromkeys(("identities", "spilling", "recording", "stored sums"), 0.0)
    WALL.clear()

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started, wall_started = time.thread_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.thread_time() - started
                WALL[name] = WALL.get(name, 0.0) + time.perf_counter() - wall_started

        return wrapper

    imported.identities = timed("identities", imported.identities)
    imported.spill_chunk = timed("spilling", imported.spill_chunk)
    imported.record_duplicates = timed("recording", imported.record_duplicates)
    stats_of = stored.stats_of

    def stored_sums(con):
        # DuckDB runs the query on its own threads: the process's CPU over the call (an upper bound:
        # the merge's other threads may run meanwhile).
        started = time.process_time()
        try:
            return stats_of(con)
        finally:
            spent["stored sums"] += time.process_time() - started

    stored.stats_of = stored_sums
    return spent


_ORIGINAL: tuple = ()
# The hooks' wall time in the last import measured: spilling's includes the wait for room in the pipe
# to the search's process (stunting/quality/imported.py: STREAM_CHUNKS), what streaming costs the reader.
WALL: dict[str, float] = {}


def _original_hooks() -> tuple:
    """The hooks as the modules define them (before any wrapping here)."""
    global _ORIGINAL
    if not _ORIGINAL:
        from stunting.quality import imported, stored

        _ORIGINAL = (imported.identities, imported.record_duplicates, stored.stats_of, imported.spill_chunk)
    return _ORIGINAL


def quality_share(export: Path, root: Path, summary, hook_cpu: dict, repeats: int) -> None:
    """The same import alternately without and with the data-quality hooks
    (stunting.quality.imported, stunting.quality.stored), ``repeats`` times each, and the quality
    table of the export's last month: what the checks cost."""
    from stunting.quality import imported, stored
    from stunting.quality.table import quality_table

    identities, record, stats_of, spill_chunk = _original_hooks()
    find_duplicates, open_stream = imported.find_duplicates, imported._open_stream

    def switch_off():
        imported.identities = lambda *args: None
        imported.find_duplicates = lambda *args: None
        # No search process started either (it would be the next import's, its start-up CPU
        # counted in this one).
        imported._open_stream = lambda spill: None
        imported.record_duplicates = lambda *args, **kwargs: None

        def no_sums(con):  # the stored sums of no rows: the same files, empty
            con.execute("CREATE OR REPLACE VIEW measurements AS SELECT * FROM merged LIMIT 0")
            return stats_of(con)

        stored.stats_of = no_sums

    def switch_on():
        imported.identities, imported.record_duplicates = identities, record
        imported.spill_chunk = spill_chunk
        imported.find_duplicates, stored.stats_of = find_duplicates, stats_of
        imported._open_stream = open_stream

    runs: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
    own: list[float] = []
    peaks: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for with_checks in (False, True):
            (switch_on if with_checks else switch_off)()
            spent = _measure_quality_hooks() if with_checks else {}
            data_dir = root / "data-quality-share"
            shutil.rmtree(data_dir, ignore_errors=True)
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                with ProcessTree() as tree:
                    # One process: the hooks are switched off (and timed) in this one only, and a
                    # helper staging half the chunks would keep them (cluster.TwoProcessRunner).
                    ingest_files([export], data_dir, runner=cluster.LOCAL)
            finally:
                switch_on()
            # The CPU of the import's process and of the search's process: what the import costs.
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started + tree.children_cpu
            runs[with_checks].append((wall, cpu, os.getloadavg()[0]))
            peaks[with_checks].append(tree.peak_total_mb)
            if with_checks:
                own.append(sum(spent.values()) + tree.children_cpu)
            print(
                f"  import {'with' if with_checks else 'without'} the checks: {wall:.1f} s wall, "
                f"{cpu:.1f} s CPU of which {tree.children_cpu:.1f} s in child processes, "
                f"peak {tree.peak_total_mb:.0f} MB with children (load average {os.getloadavg()[0]:.1f})"
            )
    shutil.rmtree(root / "data-quality-share", ignore_errors=True)
    (bare, bare_cpu), (full, full_cpu) = (
        (statistics.median(r[0] for r in runs[k]), statistics.median(r[1] for r in runs[k]))
        for k in (False, True)
    )
    print(
        f"quality checks in the import (medians of {repeats} alternated runs each): "
        f"{full - bare:+.1f} s wall ({100 * (full - bare) / bare:+.0f}%), "
        f"{full_cpu - bare_cpu:+.1f} s CPU ({100 * (full_cpu - bare_cpu) / bare_cpu:+.0f}%) "
        f"over {bare:.1f} s / {bare_cpu:.1f} s CPU without them (target < 20%); peak memory with children "
        f"{statistics.median(peaks[True]):.0f} MB with them, {statistics.median(peaks[False]):.0f} MB without"
    )
    mine = statistics.median(own)
    print(
        f"  the hooks' own CPU: median {mine:.1f} s = {100 * mine / (full_cpu - mine):.0f}% of the import's "
        f"other {full_cpu - mine:.1f} s CPU; in the first import: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in hook_cpu.items())
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
