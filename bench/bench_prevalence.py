"""`prevalence` and `trend` latency on 1M and 10M measurement rows, against the same computation in
pandas and against a bare DuckDB scan of the same files (the floor). Prints a table.

    .venv/bin/python bench/bench_prevalence.py            # builds bench/out/store-1m and -10m if missing
    .venv/bin/python bench/bench_prevalence.py --sizes 1000000

Warm figures (median of several runs after one warm-up), 2 DuckDB threads on this 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from stunting import store  # noqa: E402
from stunting.prevalence import periods, prevalence, trend  # noqa: E402

RUNS = 7
PANDAS_RUNS = 3  # pandas takes seconds per run on 10M rows; three are enough for a median
FLOOR_SQL = """
SELECT village_code, count(*) AS measured, count(*) FILTER (WHERE haz < -2) AS cases
FROM read_parquet($files, hive_partitioning = true, hive_types = {'regency': 'VARCHAR', 'year': 'INTEGER'})
GROUP BY village_code
"""


def timed(function, runs: int) -> float:
    function()  # warm-up: file metadata in the page cache, imports done
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def pandas_prevalence(data_dir: Path, period: str) -> pd.DataFrame:
    """The same numbers the hard way: read, filter the month, keep each child's last measurement with a
    valid height-for-age z (the counting rule of queries/counted.sql)."""
    columns = ["child_id", "village_code", "period", "measured_on", "haz", "haz_flag"]
    frame = pd.read_parquet(
        store.current_snapshot(data_dir) / "measurements",
        columns=columns,
        filters=[("year", "=", int(period[:4])), ("period", "=", period)],
    )
    valid = frame[frame["haz"].notna() & ~frame["haz_flag"]]
    valid = valid.sort_values("measured_on").drop_duplicates(["child_id"], keep="last")
    return valid.groupby("village_code").agg(
        measured=("haz", "size"), cases=("haz", lambda z: (z < -2).sum())
    )


def bare_scan(files: str) -> None:
    con = duckdb.connect()
    con.execute(FLOOR_SQL, {"files": files}).fetchall()
    con.close()


def measure(data_dir: Path, period: str, files: str) -> dict[str, float]:
    """Median milliseconds of each question (warm), on one store."""
    return {
        "prevalence village, 1 month": timed(
            lambda: prevalence("stunting", period, "village", data_dir=data_dir), RUNS
        ),
        "prevalence kecamatan, girls 24-59": timed(
            lambda: prevalence(
                "stunting", period, "kecamatan", sex="P", age_group="24-59", data_dir=data_dir
            ),
            RUNS,
        ),
        "trend regency (all periods)": timed(
            lambda: trend("stunting", "regency", "64.02", data_dir=data_dir), RUNS
        ),
        "trend village (all periods)": timed(
            lambda: trend("stunting", "village", "64.02.01.2001", data_dir=data_dir), RUNS
        ),
        "pandas, same prevalence": timed(lambda: pandas_prevalence(data_dir, period), PANDAS_RUNS),
        "bare DuckDB scan, all rows (floor)": timed(lambda: bare_scan(files), RUNS),
    }


def ensure_store(rows: int) -> Path:
    out = BENCH / "out" / f"store-{rows // 1_000_000}m"
    if store.current_snapshot(out) is None:  # (a store in an older format must be removed by hand)
        print(f"building {out} ({rows:,} rows) ...", flush=True)
        subprocess.run(
            [sys.executable, str(BENCH / "make_store.py"), "--rows", str(rows), "--out", str(out)], check=True
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    results = []
    for rows in args.sizes:
        data_dir = ensure_store(rows)
        files = store.measurement_files(data_dir)
        stored = duckdb.execute(
            "SELECT count(*) FROM read_parquet($f, hive_partitioning = true)", {"f": files}
        ).fetchone()[0]
        period = periods(data_dir)[-3]
        check = prevalence("stunting", period, "village", data_dir=data_dir).set_index("code")
        reference = pandas_prevalence(data_dir, period)
        assert (check.loc[reference.index, "measured"] == reference["measured"]).all(), "pandas disagrees"
        assert (check.loc[reference.index, "cases"] == reference["cases"]).all(), "pandas disagrees"
        figures = measure(data_dir, period, files)
        results.append((rows, stored, period, figures))

    print()
    print(f"{'rows stored':>12}  {'period':8}  {'what':38} {'median ms':>10}")
    for _rows, stored, period, figures in results:
        for what, ms in figures.items():
            print(f"{stored:>12,}  {period:8}  {what:38} {ms:>10.1f}")


if __name__ == "__main__":
    main()
