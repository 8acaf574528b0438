"""The quality checks' sufficient statistics, computed once per import beside the summary.

Both store writers (stunting/store.py in memory, stunting/staging.py bounded) run
queries/quality_stats.sql over the rows they write and store one table per regency x year under
``quality/`` in the snapshot; untouched partitions are carried over like the summary's. Every view
then sums that small table (queries/quality_stored.sql) instead of scanning the measurements.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stunting import queries
from stunting import store_layout as layout
from stunting.quality import checks

STATS_QUERY = "quality_stats"
STORED_QUERY = "quality_stored"
# e-PPGBM's z-score differs from ours by more than this: the two systems used different rules
# (rounding a z-score to two decimals moves it by 0.005 at most; 0.1 is the tolerance).
REPORTED_TOLERANCE = 0.1
# The rule's constants, bound to queries/quality_stats.sql wherever it runs (write or read).
RULES = {
    "lying_before_days": checks.LYING_BEFORE_DAYS,
    "standing_before_days": checks.STANDING_IMPOSSIBLE_BEFORE_DAYS,
    "reported_tolerance": REPORTED_TOLERANCE,
}
ORDER = ("period", "village_code", "puskesmas", "posyandu")  # as quality_stats.sql sorts
KEYS = ("regency", "year")  # the partition: held by the folder names, not the files


def stats_of(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """queries/quality_stats.sql over every row of the cursor's ``measurements`` (all periods)."""
    params = {"period": None, "year": None, "regency": None} | RULES
    return con.sql(queries.load(STATS_QUERY).strip().rstrip(";"), params=params).to_arrow_table()


def stats_of_frame(measurements: pd.DataFrame) -> pa.Table:
    """stats_of over a frame of stored measurements (with regency, year and last_in_period)."""
    con = duckdb.connect()
    try:
        con.register("measurements", measurements)
        return stats_of(con)
    finally:
        con.close()


def file_table(table: pa.Table) -> pa.Table:
    """One partition's statistics as stored (the partition keys dropped)."""
    return table.drop_columns(list(KEYS))


def write_partition(sums: pa.Table, folder: Path, regency: str, year: int) -> None:
    """The rows of ``sums`` (stats_of) of one regency x year, as that partition's file in ``folder``."""
    mask = pc.and_(pc.equal(sums.column("regency"), regency), pc.equal(sums.column("year"), year))
    part = folder / f"regency={regency}" / f"year={year}"
    part.mkdir(parents=True, exist_ok=True)
    table = file_table(sums.filter(mask))
    pq.write_table(table, part / layout.PART_FILE, **layout.write_options(table.schema))
