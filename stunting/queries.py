"""Runs ``queries/NAME.sql`` on the current store with bound parameters, returning pandas.

Each call gets its own cursor (a connection of its own: connections are not thread-safe, and the
app serves several sessions at once) on one in-memory database opened once per process (opening a
database costs about 100 ms here; a cursor costs nothing). The cursor defines temporary views on
one snapshot: ``measurements`` (one row per measurement, hive-partitioned parquet), ``counted``
(queries/counted.sql: the counting rule, one row per child x period x indicator), ``summary`` (the
per-partition sums of ``counted``, written with each partition: what the prevalence queries sum),
``rollup`` (the summary's sums per kecamatan, one file per year: what the national and province views
sum) and ``aggregates`` (long form). When the store has none of one kind, the view is an empty table of
the same schema, so every query file runs unchanged on an empty or partial store.
Values are always bound (``$name``); nothing from a user is ever formatted into SQL text.

Paths and schemas come from stunting.store_layout, so this module never imports stunting.store.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from stunting import store_layout as layout
from stunting.config import QUERIES_DIR
from stunting.errors import UserError
from stunting.indicators import INDICATORS

MEASUREMENTS_VIEW = "view_measurements"
SUMMARY_VIEW = "view_summary"
ROLLUP_VIEW = "view_rollup"
AGGREGATES_VIEW = "view_aggregates"
COUNTED_VIEW = "counted"
SUMMARY_QUERY = "summary"
ROLLUP_QUERY = "rollup"
# The indicators as a table the counting rule joins (name, z-score column, cut-off): the rule in
# queries/counted.sql is written once for all of them, from stunting.indicators' one definition.
INDICATOR_TABLE = pa.table(
    {
        "indicator": [i.name for i in INDICATORS.values()],
        "zscore": [i.zscore for i in INDICATORS.values()],
        "cutoff": [i.cutoff for i in INDICATORS.values()],
    }
)


_database: duckdb.DuckDBPyConnection | None = None
_database_lock = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    global _database
    with _database_lock:
        if _database is None:
            _database = duckdb.connect(":memory:")
        return _database.cursor()


@cache
def load(name: str) -> str:
    """The text of ``queries/NAME.sql`` (names are fixed in code, never taken from a user)."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file() or path.parent != QUERIES_DIR:
        raise ValueError(f"no query named {name!r} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


VIEWS = ("measurements", "counted", "summary", "rollup", "aggregates")


def connect(
    data_dir=None, *, snapshot: Path | None = None, views=VIEWS, summary_regencies=None
) -> duckdb.DuckDBPyConnection:
    """A fresh cursor with the ``views`` (measurements, counted, summary, rollup, aggregates) of one
    snapshot (by default the current one, resolved once, so all views see the same import even if
    another lands meanwhile). ``summary_regencies``: the summary view holds only these regencies'
    files (listing all 514 regencies' files costs some 30 ms a query). A snapshot in an older format
    is refused (UserError): its numbers are wrong."""
    import weakref

    from stunting.snapshots import pin_snapshot

    con = _cursor()
    # The snapshot stays on disk while this cursor lives, though imports land meanwhile (a commit
    # deletes only unpinned snapshots): DuckDB lists and opens the files at each execute.
    pin = layout.snapshot_store(data_dir).pin_current() if snapshot is None else pin_snapshot(snapshot)
    snapshot = pin.path
    weakref.finalize(con, pin.release)
    try:
        if layout.is_outdated(snapshot):
            raise UserError(layout.outdated_message(snapshot))
        files = layout.measurement_files_in(snapshot)
        if "measurements" in views or "counted" in views:
            if files is None:
                con.register("measurements", layout.READ_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE measurement_files = $files", {"files": files})
                con.execute(load(MEASUREMENTS_VIEW))
        if "counted" in views:
            define_counted(con)
        if "summary" in views:
            summary = layout.summary_files_in(snapshot)
            if summary is None and files is not None:
                raise UserError(
                    f"The store in {snapshot} was written by an older Peta Stunting without its summary "
                    "tables; rebuild it (python -m stunting demo, or re-import the exports into a new "
                    "data dir)."
                )
            if summary is not None and summary_regencies is not None:
                summary = layout.summary_files_of(snapshot, summary_regencies) or None
            if summary is None:
                con.register("summary", layout.SUMMARY_READ_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE summary_files = $files", {"files": summary})
                con.execute(load(SUMMARY_VIEW))
        if "rollup" in views:
            rollup = layout.rollup_files_in(snapshot)
            if rollup is None:
                con.register("rollup", layout.ROLLUP_READ_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE rollup_files = $files", {"files": rollup})
                con.execute(load(ROLLUP_VIEW))
        if "aggregates" in views:
            aggregates = layout.aggregates_file_in(snapshot)
            if aggregates is None:
                con.register("aggregates", layout.AGGREGATE_VIEW_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE aggregates_file = $file", {"file": aggregates})
                con.execute(load(AGGREGATES_VIEW))
    except BaseException:
        con.close()
        raise
    return con


def define_counted(con: duckdb.DuckDBPyConnection) -> None:
    """The view ``counted`` (queries/counted.sql) over the cursor's ``measurements``."""
    con.register("indicators", INDICATOR_TABLE)
    con.execute(load(COUNTED_VIEW))


def views_used(sql: str) -> tuple[str, ...]:
    """The views a query's text reads (comments aside): each view costs a file listing to define."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    body = re.sub(r"'[^']*'", "''", body)  # a literal such as 'measurements' is no table
    return tuple(view for view in VIEWS if re.search(rf"\b{view}\b", body))


def summarise(measurements: pd.DataFrame) -> pd.DataFrame:
    """queries/summary.sql over the measurements being written (a frame with the stored columns plus
    regency and year, every regency of the years it holds: a child measured in two regencies in one
    month counts once): the counts every prevalence query sums, with regency and year columns."""
    con = _cursor()
    try:
        con.register("measurements", measurements)
        define_counted(con)
        return con.execute(load(SUMMARY_QUERY)).df()
    finally:
        con.close()


def roll_up(summary) -> pa.Table:
    """queries/rollup.sql over ``summary`` (summary.sql's rows with regency and year: a frame, an arrow
    table or a DuckDB relation): the summary's sums per kecamatan, in ROLLUP_READ_SCHEMA order."""
    con = _cursor()
    try:
        con.register("summary", summary)
        return con.sql(load(ROLLUP_QUERY).strip().rstrip(";")).to_arrow_table()
    finally:
        con.close()


def run(
    name: str, params: dict, *, data_dir=None, snapshot: Path | None = None, summary_regencies=None
) -> pd.DataFrame:
    """Run one query file with its bound parameters and return the result as a DataFrame
    (``summary_regencies``: as in ``connect``)."""
    sql = load(name)
    con = connect(data_dir, snapshot=snapshot, views=views_used(sql), summary_regencies=summary_regencies)
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()
