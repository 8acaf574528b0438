"""National views from the summary with ten national rounds in the store (~200M measurements).

    .venv/bin/python bench/bench_national.py [--out bench/out/national-summary] [--rounds 10]

Builds (once) a store whose summary is what ten national monthly rounds of 20M children each would
leave (queries/summary.sql's long form: one row per period x village x age group x sex x
indicator, 83,403 villages of ../shared/data/boundaries/village_centroids.csv, some 40M rows),
written straight with DuckDB: importing 200M rows through the pipeline would take hours here and
some 12 GB of measurements that no view reads (every prevalence query sums the summary). Then times,
warm, median of RUNS, the query each view runs (queries/prevalence_by_area.sql):

- national view: one row per regency (514), all of Indonesia;
- province view: one row per kecamatan (7,285), all of Indonesia: the most a province page reads
  (a province filter narrows it);
- regency view: one row per village of one regency;

each from the summary (one file per regency-year) and, above the village, from the rollup (the
summary's sums per kecamatan, one file per year: what prevalence.view_rates reads for those levels),
then the whole ``prevalence.view_rates`` call a page makes (query, gazetteer areas, publishing).

Target: the national view under 100 ms. Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stunting import prevalence, queries, store, store_layout  # noqa: E402
from stunting.indicators import AGE_GROUPS, INDICATORS  # noqa: E402

CENTROIDS = REPO.parent / "shared" / "data" / "boundaries" / "village_centroids.csv"
RUNS = 7
TARGET_MS = 100.0
YEAR = 2025
CHILDREN_PER_ROUND = 20_000_000


def build(out: Path, rounds: int) -> None:
    """The summary of ``rounds`` monthly rounds of YEAR, one part file per regency-year."""
    snapshots = store_layout.snapshot_store(out)
    villages = sum(1 for _ in CENTROIDS.open()) - 1
    per_cell = CHILDREN_PER_ROUND / villages / (len(AGE_GROUPS) * 2)  # children per age group x sex
    con = duckdb.connect(config={"memory_limit": "2GB", "preserve_insertion_order": False})
    with snapshots.transaction() as building:
        con.execute(
            "CREATE TABLE village AS SELECT kode AS code FROM read_csv($f, all_varchar = true)",
            {"f": str(CENTROIDS)},
        )
        con.execute(
            "CREATE TABLE cell AS SELECT * FROM (SELECT unnest($ages) AS age_group), "
            "(SELECT unnest(['L', 'P']) AS sex), (SELECT unnest($indicators) AS indicator), "
            "(SELECT unnest(range($rounds)) AS r)",
            {"ages": [label for label, _, _ in AGE_GROUPS], "indicators": list(INDICATORS), "rounds": rounds},
        )
        con.execute(
            f"""
            COPY (
                SELECT * EXCLUDE (u), CAST(round(measured * (0.05 + 0.3 * u)) AS BIGINT) AS cases
                FROM (SELECT
                    printf('{YEAR}-%02d', r + 1) AS period,
                    substr(code, 1, 8) AS kecamatan_code,
                    code AS village_code,
                    age_group, sex, indicator,
                    CAST(greatest(1, round($per_cell * (0.5 + random()))) AS BIGINT) AS measured,
                    substr(code, 1, 5) AS regency,
                    {YEAR} AS year,
                    random() AS u
                FROM village, cell)
                ORDER BY regency, period, village_code
            ) TO '{building / store_layout.SUMMARY}'
            (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (regency, year), FILENAME_PATTERN 'part-{{i}}')
            """,
            {"per_cell": per_cell},
        )
        roll_up(con, building)
        store_layout.write_format(building)


def roll_up(con: duckdb.DuckDBPyConnection, building: Path) -> None:
    """The rollup of the summary just written, by the writers' own query and file writer."""
    files = sorted(str(f) for f in (building / store_layout.SUMMARY).glob("regency=*/year=*/*.parquet"))
    con.execute("SET VARIABLE summary_files = $files", {"files": files})
    con.execute(queries.load(queries.SUMMARY_VIEW))
    rollup = con.sql(queries.load(queries.ROLLUP_QUERY).strip().rstrip(";")).to_arrow_table()
    store._write_rollups(building, rollup)


def timed(run) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(RUNS + 1):  # the first run warms the OS cache and DuckDB's metadata
        started = time.perf_counter()
        rows = len(run())
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "national-summary")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    current = store_layout.current_snapshot(args.out)
    if current is None or store_layout.rollup_file_for(current, YEAR) is None:  # none, or from before rollups
        started = time.perf_counter()
        build(args.out, args.rounds)
        print(f"built the summary of {args.rounds} national rounds in {time.perf_counter() - started:.0f} s")
    snapshot = store_layout.current_snapshot(args.out)
    rows = duckdb.sql(
        "SELECT count(*), sum(measured) FROM read_parquet($f)",
        params={"f": str(snapshot / "summary" / "*" / "*" / "*.parquet")},
    ).fetchall()[0]
    print(f"summary: {rows[0]:,} rows, {rows[1] / 4:,.0f} children counted per indicator over all rounds")
    base = {
        "indicator": "stunting",
        "sex": None,
        "age_groups": [label for label, _, _ in AGE_GROUPS],
        "filtered": False,
        "period": f"{YEAR}-{args.rounds:02d}",
        "year": YEAR,
        "province": None,
        "regency": None,
        "kecamatan": None,
    }
    rolled = store_layout.rollup_file_for(snapshot, YEAR)
    size = rolled.stat().st_size / 1e6
    print(f"rollup: {pq.ParquetFile(rolled).metadata.num_rows:,} rows in one file of {size:.0f} MB")
    national, kecamatan = base | {"level": "regency"}, base | {"level": "kecamatan"}
    rollup = base
    for name, query, params in (
        ("national view, summary (514 files)", "prevalence_by_area", national),
        ("national view, rollup (1 file)", "prevalence_by_area_rollup", rollup | {"level": "regency"}),
        ("provinces (38), rollup", "prevalence_by_area_rollup", rollup | {"level": "province"}),
        ("all kecamatan, summary", "prevalence_by_area", kecamatan),
        ("all kecamatan, rollup", "prevalence_by_area_rollup", rollup | {"level": "kecamatan"}),
        ("kecamatan of Jawa Tengah (33), rollup", "prevalence_by_area_rollup",
         rollup | {"level": "kecamatan", "province": "33"}),
        ("regency view (villages of 33.74)", "prevalence_by_area",
         base | {"level": "village", "regency": "33.74"}),
    ):  # fmt: skip
        # As prevalence() asks the rollup here: no aggregated counts, so no summary file to list.
        only = [] if query.endswith("_rollup") else None
        ms, n = timed(
            lambda query=query, params=params, only=only: queries.run(
                query, params, snapshot=snapshot, summary_regencies=only
            )
        )
        goal = f" (target < {TARGET_MS:.0f} ms)" if params["level"] == "regency" else ""
        print(f"{name:<40} {ms:7.1f} ms  {n:6,} rows  load {os.getloadavg()[0]:.1f}{goal}")
    # What a page asks: prevalence.view_rates (the query plus the gazetteer's areas and publishing).
    period = base["period"]
    for name, view, code, level in (
        ("view_rates national, regencies", "national", None, "regency"),
        ("view_rates national, provinces", "national", None, "province"),
        ("view_rates province 33, regencies", "province", "33", "regency"),
        ("view_rates province 33, kecamatan", "province", "33", "kecamatan"),
        ("view_rates regency 33.74, villages", "regency", "33.74", "village"),
    ):
        ms, n = timed(
            lambda view=view, code=code, level=level: prevalence.view_rates(
                "stunting", period, view, code, level=level, data_dir=args.out
            )
        )
        goal = f" (target < {TARGET_MS:.0f} ms)" if view == "national" else ""
        print(f"{name:<40} {ms:7.1f} ms  {n:6,} rows  load {os.getloadavg()[0]:.1f}{goal}")
    for level, code in (("province", "33"), ("regency", "33.74")):
        ms, n = timed(
            lambda level=level, code=code: prevalence.trend("stunting", level, code, data_dir=args.out)
        )
        label = f"trend of {level} {code}"
        print(f"{label:<40} {ms:7.1f} ms  {n:6,} rows  load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
