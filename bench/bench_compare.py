"""Time to compute the whole comparison page's data (stunting.compare.build_comparison: headline,
standardisation, trends, small multiples, villages, classes, ranking, change since 2019, age
profile) on a synthetic store. Target: under 0.5 s on 10M measurement rows. Prints a table.

    .venv/bin/python bench/bench_compare.py                 # bench/out/store-10m (built if missing)
    .venv/bin/python bench/bench_compare.py --rows 1000000

"first" is the first comparison in a fresh process (the page's first view after the app starts or
after an import); "warm" is the median of several runs after it (another comparison on the same
store, before the app's own cache answers it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

RUNS = 7
TARGET_SECONDS = 0.5
# The page's default view, a kecamatan pair in two periods, and two villages: the three shapes of
# comparison (regencies, kecamatan, villages; one period or two).
CASES = (
    ("Kukar vs Bontang, latest", "64.02", "64.74", None, None),
    ("kecamatan vs kecamatan, two periods", "64.02.10", "64.74.02", None, "2019-08"),
    ("village vs village", "64.02.01.2001", "64.74.01.1001", None, None),
)


def ensure_store(rows: int) -> Path:
    out = (
        BENCH / "out" / f"store-{rows // 1_000_000}m"
        if rows >= 1_000_000
        else BENCH / "out" / f"store-{rows}"
    )
    if not (out / "store" / "CURRENT").exists():
        subprocess.run(
            [sys.executable, str(BENCH / "make_store.py"), "--rows", str(rows), "--out", str(out)], check=True
        )
    return out


def first_in_fresh_process(data_dir: Path) -> tuple[float, float]:
    """Seconds for the first build_comparison in a new interpreter (imports excluded), and the part
    of it spent reading the store's summary (queries/compare_summary.sql)."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from stunting import compare;"
        "t = time.perf_counter(); compare.summary(sys.argv[2]); read = time.perf_counter() - t;"
        "compare.build_comparison('stunting', data_dir=sys.argv[2]);"
        "print(time.perf_counter() - t, read)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(BENCH.parent), str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    total, read = result.stdout.strip().splitlines()[-1].split()
    return float(total), float(read)


def main() -> None:
    import duckdb

    from stunting import store
    from stunting.compare import build_comparison, headline

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    data_dir = ensure_store(args.rows)
    stored = duckdb.execute(
        "SELECT count(*) FROM read_parquet($f, hive_partitioning = true)",
        {"f": store.measurement_files(data_dir)},
    ).fetchone()[0]

    first, read = first_in_fresh_process(data_dir)
    figures = [
        ("first comparison in a fresh process", first * 1000),
        ("  of which reading the store's summary", read * 1000),
    ]
    for label, a, b, period_a, period_b in CASES:

        def run(a=a, b=b, period_a=period_a, period_b=period_b):
            return build_comparison("stunting", a, b, period_a, period_b, data_dir=data_dir)

        run()  # warm-up: summary in memory, gazetteer read
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
        figures.append((f"whole page, warm: {label}", statistics.median(samples) * 1000))
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        headline("stunting", data_dir=data_dir)
        samples.append(time.perf_counter() - started)
    figures.append(("headline only (the CLI's numbers), warm", statistics.median(samples) * 1000))

    print()
    print(f"store: {data_dir} ({stored:,} measurement rows); target {TARGET_SECONDS * 1000:.0f} ms")
    print(f"{'what':58} {'ms':>9}")
    for what, ms in figures:
        print(f"{what:58} {ms:>9.1f}")


if __name__ == "__main__":
    main()
