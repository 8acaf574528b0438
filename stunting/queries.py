"""Runs ``queries/NAME.sql`` on the current store with bound parameters, returning pandas.

Each call gets its own cursor (a connection of its own: connections are not thread-safe, and the
app serves several sessions at once) on one in-memory database opened once per process (opening a
database costs about 100 ms here; a cursor costs nothing). The cursor defines three temporary views
on one snapshot: ``measurements`` (one row per measurement, hive-partitioned parquet), ``summary``
(the per-partition counts of queries/summary.sql, written with each partition: what the prevalence
queries sum) and ``aggregates``. When the store has none of one kind, the view is an empty table of
the same schema, so every query file runs unchanged on an empty or partial store.
Values are always bound (``$name``); nothing from a user is ever formatted into SQL text.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from stunting import store
from stunting.config import QUERIES_DIR
from stunting.errors import UserError
from stunting.indicators import INDICATORS

MEASUREMENTS_VIEW = "view_measurements"
SUMMARY_VIEW = "view_summary"
AGGREGATES_VIEW = "view_aggregates"
SUMMARY_QUERY = "summary"


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


VIEWS = ("measurements", "summary", "aggregates")


def connect(data_dir=None, *, snapshot: Path | None = None, views=VIEWS) -> duckdb.DuckDBPyConnection:
    """A fresh cursor with the ``views`` (measurements, summary, aggregates) of one snapshot (by
    default the current one, resolved once, so all views see the same import even if another lands
    meanwhile)."""
    con = _cursor()
    if snapshot is None:
        snapshot = store.current_snapshot(data_dir)
    try:
        files = store.measurement_files_in(snapshot)
        if "measurements" in views:
            if files is None:
                con.register("measurements", store.READ_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE measurement_files = $files", {"files": files})
                con.execute(load(MEASUREMENTS_VIEW))
        if "summary" in views:
            summary = store.summary_files_in(snapshot)
            if summary is None and files is not None:
                raise UserError(
                    f"The store in {snapshot} was written by an older Peta Stunting without its summary "
                    "tables; rebuild it (python -m stunting demo, or re-import the exports into a new "
                    "data dir)."
                )
            if summary is None:
                con.register("summary", store.SUMMARY_READ_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE summary_files = $files", {"files": summary})
                con.execute(load(SUMMARY_VIEW))
        if "aggregates" in views:
            aggregates = store.aggregates_file_in(snapshot)
            if aggregates is None:
                con.register("aggregates", store.AGGREGATE_SCHEMA.empty_table())
            else:
                con.execute("SET VARIABLE aggregates_file = $file", {"file": aggregates})
                con.execute(load(AGGREGATES_VIEW))
    except BaseException:
        con.close()
        raise
    return con


def views_used(sql: str) -> tuple[str, ...]:
    """The views a query's text reads (comments aside): each view costs a file listing to define."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    body = re.sub(r"'[^']*'", "''", body)  # a literal such as 'measurements' is no table
    return tuple(view for view in VIEWS if re.search(rf"\b{view}\b", body))


def summarise(measurements: pd.DataFrame) -> pd.DataFrame:
    """queries/summary.sql over one partition being written (a frame with the stored columns plus
    regency and year): the counts every prevalence query sums."""
    con = _cursor()
    try:
        con.register("measurements", measurements)
        cutoffs = {f"{name}_cutoff": indicator.cutoff for name, indicator in INDICATORS.items()}
        return con.execute(load(SUMMARY_QUERY), cutoffs).df()
    finally:
        con.close()


def run(name: str, params: dict, *, data_dir=None, snapshot: Path | None = None) -> pd.DataFrame:
    """Run one query file with its bound parameters and return the result as a DataFrame."""
    sql = load(name)
    con = connect(data_dir, snapshot=snapshot, views=views_used(sql))
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()
