"""Imports in bounded memory: each chunk's rows are staged as parquet, then DuckDB merges them into a
new snapshot year by year, streaming, with the rules of ``store.write_measurements``.

``store.write_measurements`` (pandas) reads every touched year of every regency into memory and
copies it a few times, so its peak grows with the file and with the store. Here:

1. **stage** (``stage_chunk``): each chunk's measurements (``store.INPUT_COLUMNS``, checked and typed by
   ``store.normalise``) go to ``DATA_DIR/staging/IMPORT_ID/year=YYYY/chunk-NNNNNN.parquet`` as soon as
   the chunk is parsed; nothing of the file stays in memory. One file per chunk and year (not per
   regency-year): a national chunk holds all 514 regencies, and a file per regency-year and chunk
   would be some 100,000 tiny files for one 20M-row round, while DuckDB reads one year's staged
   files in one scan.
2. **merge** (``merge_year``, one call per year; years are independent, so a Dask cluster runs them
   side by side): DuckDB reads the staged rows and, from the store, only the rows of the periods they
   hold (partitions are sorted by period, so row-group statistics skip the rest), and applies the
   store's rules: the newest import wins on ``(child_id, measured_on)`` unless identical in content;
   unless ``add``, the (village, period)s the export holds lose the earlier rows it does not carry
   (rows of ``keep_imports`` excepted). The year is the unit because these rules cross regencies: a
   child's same-day row may sit under another regency, and a child measured in two regencies in one
   month counts once (queries/counted.sql). Then per regency-year partition:

   - nothing lost or changed: its files are hard-linked and the new rows become one more part file,
     so adding a new round costs the same on an empty store and on one holding 20M rows;
   - rows lost, or ``last_in_period`` changed, or MAX_PARTS files already: rewritten as one part
     (``COPY ... TO parquet``, streaming);
   - summary and quality sums: for the periods the import holds, recomputed with queries/counted.sql
     and summary.sql (quality_stats.sql) over every regency's rows of those periods; the rows of
     other periods are kept. A partition holding none of those periods keeps its files (hard links)
     and gains the fresh rows as one more part file, like the measurements; one that holds some of
     them, or MAX_PARTS files already, is rewritten as one.
3. **commit**: partitions of other years are hard-linked, the import log appended, and the snapshot
   swapped atomically (``SnapshotStore``), as the pandas writer does.

DuckDB holds at most ``merge_memory_limit`` and spills the rest to the staging folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stunting import queries, store
from stunting import store_layout as layout
from stunting.config import data_dir as resolve_data_dir
from stunting.quality import stored as quality_stored

STAGING = "staging"
# DuckDB's working memory for one year's merge: its tables live in a database file in the staging
# folder and whatever exceeds the limit is spilled there. The limit grows with the year's staged rows
# (MERGE_MEMORY_PER_STAGED_BYTE times their parquet size) between MERGE_MEMORY_MIN and
# MERGE_MEMORY_MAX: 400 MB beside the pipeline's 420-520 MB when the merge begins (libraries, the
# national gazetteer; docs/scale.md) for a 1M-row import (50 MB staged), while a 20M-row round
# (about 1 GB staged) gets 1.5 GB and spills less.
# $STUNTING_MERGE_MEMORY (e.g. "2GB") fixes it instead, for every step of the merge.
MERGE_MEMORY_MIN = 400 * 2**20
MERGE_MEMORY_MAX = 2 * 2**30
MERGE_MEMORY_PER_STAGED_BYTE = 1.5
# The sorted streams that write the measurement files run under this share of that limit (at least
# WRITE_MEMORY_MIN): DuckDB's sort and its Arrow export of the result hold memory beyond the limit in
# proportion to it (measured on a 1M-row partition: 450 MB over the baseline at 400 MB, 245 MB at
# 200 MB, in the same time), and this was the merge's peak.
WRITE_MEMORY_SHARE = 0.5
WRITE_MEMORY_MIN = 200 * 2**20
# A partition gains a part file per import that only adds rows; at this many it is compacted into one,
# so monthly rounds never leave a reader opening dozens of small files per regency-year.
MAX_PARTS = 12
STAGED_SCHEMA = pa.schema(
    [pa.field("regency", pa.string())] + [f for f in layout.MEASUREMENT_SCHEMA if f.name != "last_in_period"]
)
STORED = layout.MEASUREMENT_SCHEMA.names  # column order of a measurement part file
SUMMARY_ORDER = layout.SUMMARY_ORDER
ROW_GROUP_ROWS = 256_000  # as the pandas writer: a one-month query skips most row groups


@dataclass(frozen=True)
class YearChanges:
    year: int
    rows_stored: int
    rows_replaced: int
    village_months_replaced: int


# --- staging -------------------------------------------------------------------------------------


def staging_dir(data_dir, import_id: str) -> Path:
    return resolve_data_dir(data_dir) / STAGING / import_id


def stage_chunk(staging: Path, chunk: int, measurements: pd.DataFrame) -> list[int]:
    """Write one chunk's measurements (INPUT_COLUMNS) as one staged file per year; the years."""
    # Straight from the checked Arrow table: a round trip through pandas cost more than the writing.
    table = store.normalised_table(measurements)
    years = pc.cast(pc.utf8_slice_codeunits(table["period"], 0, 4), pa.int32())
    written = []
    every_year = sorted(pc.unique(years).to_pylist())
    for year in every_year:
        folder = staging / f"year={int(year)}"
        folder.mkdir(parents=True, exist_ok=True)
        # A monthly round's chunk is one year: filtering would only copy it.
        part = table if len(every_year) == 1 else table.filter(pc.equal(years, year))
        path = folder / f"chunk-{chunk:06d}.parquet"
        pq.write_table(part.select(STAGED_SCHEMA.names), path, compression="zstd")
        written.append(int(year))
    return written


def staged_years(staging: Path) -> list[int]:
    return sorted(int(p.name.split("=", 1)[1]) for p in staging.glob("year=*") if any(p.glob("*.parquet")))


# --- merging -------------------------------------------------------------------------------------


def write_staged(
    data_dir,
    staging: Path,
    record: store.ImportRecord,
    *,
    add: bool = False,
    keep_imports: Iterable[str] = (),
    map_years: Callable | None = None,
) -> store.ImportRecord:
    """Merge the staged rows into the store in one atomic snapshot swap; ``record`` with the counts.

    ``map_years(function, years, **kwargs)`` runs ``merge_year`` for each year (default: one after
    another here; stunting.cluster passes a Dask client's map). The staging folder is removed after."""
    root = resolve_data_dir(data_dir)
    years = staged_years(staging)
    snapshots = layout.snapshot_store(root)
    try:
        with snapshots.transaction() as building:
            current = snapshots.current()
            store.refuse_import_in(current, record.source, root)
            arguments = dict(
                current=str(current) if current else None,
                building=str(building),
                staging=str(staging),
                import_id=record.import_id,
                add=add,
                keep_imports=sorted(set(keep_imports)),
            )
            if map_years is None:
                changes = [merge_year(year, **arguments) for year in years]
            else:
                changes = list(map_years(merge_year, years, **arguments))
            if current is not None:
                for folder in (layout.MEASUREMENTS, layout.SUMMARY, layout.QUALITY):
                    for partition in sorted((current / folder).glob("regency=*/year=*")):
                        if int(partition.name.split("=", 1)[1]) not in years:
                            snapshots.carry_over(building, str(partition.relative_to(current)))
                for rollup in sorted((current / layout.ROLLUP).glob("year=*")):
                    if int(rollup.name.split("=", 1)[1]) not in years:
                        snapshots.carry_over(building, str(rollup.relative_to(current)))
                snapshots.carry_over(building, layout.AGGREGATES_FILE)
            layout.mark_quality_complete(current, building)
            record = replace(
                record,
                rows_stored=sum(c.rows_stored for c in changes),
                rows_replaced=sum(c.rows_replaced for c in changes),
                village_months_replaced=sum(c.village_months_replaced for c in changes),
            )
            store.append_import(current, building, record)
            layout.write_format(building)
            store.pause_for_tests(building)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return record


def merge_year(
    year: int,
    *,
    current: str | None,
    building: str,
    staging: str,
    import_id: str,
    add: bool,
    keep_imports: list[str],
) -> YearChanges:
    """Merge the staged rows of ``year`` into the snapshot being built (module docstring, step 2).

    Plain arguments only (paths as text): it runs in this process or on a Dask worker that sees the
    same storage."""
    _release_memory()
    building_path = Path(building)
    current_path = Path(current) if current else None
    staged = sorted(str(p) for p in (Path(staging) / f"year={year}").glob("*.parquet"))
    spill = Path(staging) / f"spill-{year}"
    spill.mkdir(parents=True, exist_ok=True)
    # An in-memory database: its tables (paired, merged) stay in memory up to the limit and spill
    # to ``spill`` beyond it, like the joins; a database file wrote every table to disk once more.
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": merge_memory_limit(staged),
            "temp_directory": str(spill),
            "preserve_insertion_order": False,
        },
    )
    try:
        old_parts = _partitions(current_path, layout.MEASUREMENTS, year)
        con.execute("SET VARIABLE staged_files = $files", {"files": staged})
        con.execute(queries.load("staging_incoming"))
        periods = [p for (p,) in con.execute(queries.load("staging_periods"), {"files": staged}).fetchall()]
        old_files = [str(f) for files in old_parts.values() for f in files]
        if old_files:
            bounds = {"first": periods[0], "last": periods[-1], "periods": periods}
            con.execute(queries.load("staging_store_rows"), {"files": old_files} | bounds)
        else:
            con.execute("CREATE TABLE old AS SELECT *, true AS last_in_period FROM inc LIMIT 0")
        changes = _merge(con, year, add, keep_imports)
        rewrite, append = _plan(con, old_parts)
        con.execute("SET memory_limit = $limit", {"limit": write_memory_limit(staged)})
        _write_measurements(con, building_path, year, periods, old_parts, rewrite, append, import_id)
        con.execute("SET memory_limit = $limit", {"limit": merge_memory_limit(staged)})
        _write_summary(con, current_path, building_path, year, periods, import_id)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return changes


def merge_memory_limit(staged: list[str]) -> str:
    """DuckDB's memory limit for merging these staged files (see MERGE_MEMORY_MIN)."""
    return os.environ.get("STUNTING_MERGE_MEMORY") or f"{_merge_memory_bytes(staged) // 2**20}MB"


def write_memory_limit(staged: list[str]) -> str:
    """DuckDB's memory limit while the measurement files are written (see WRITE_MEMORY_SHARE)."""
    fixed = os.environ.get("STUNTING_MERGE_MEMORY")
    if fixed:
        return fixed
    return f"{int(max(_merge_memory_bytes(staged) * WRITE_MEMORY_SHARE, WRITE_MEMORY_MIN)) // 2**20}MB"


def _merge_memory_bytes(staged: list[str]) -> int:
    size = sum(os.path.getsize(path) for path in staged) * MERGE_MEMORY_PER_STAGED_BYTE
    return int(min(max(size, MERGE_MEMORY_MIN), MERGE_MEMORY_MAX))


def _release_memory() -> None:
    """Hand the memory the staging left free back to the system before DuckDB takes its share:
    Python's and Arrow's allocators keep freed pages (measured: some 110 MB after a 1M-row file)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc only; elsewhere nothing to do


def _partitions(snapshot: Path | None, folder: str, year: int) -> dict[str, list[Path]]:
    """regency -> part files of ``folder``/regency=*/year=``year`` in ``snapshot``."""
    if snapshot is None:
        return {}
    found: dict[str, list[Path]] = {}
    for partition in sorted((snapshot / folder).glob(f"regency=*/year={year}")):
        files = layout.part_files(partition)
        if files:
            found[partition.parent.name.split("=", 1)[1]] = files
    return found


def _merge(con: duckdb.DuckDBPyConnection, year: int, add: bool, keep_imports: list[str]) -> YearChanges:
    """The tables ``paired``, ``old_state`` (each stored row of the import's months with ``removed``)
    and ``merged`` (those months after the import), and the counts store.write_measurements gives."""
    con.execute(queries.load("staging_paired"))
    con.execute(queries.load("staging_fresh"))
    con.execute(queries.load("staging_old_state"), {"add": add, "keep": keep_imports})
    con.execute(queries.load("staging_merged"))
    stored, replaced, village_months = con.execute(queries.load("staging_changes")).fetchone()
    return YearChanges(year, int(stored), int(replaced), int(village_months))


def _plan(con: duckdb.DuckDBPyConnection, old_parts: dict[str, list[Path]]) -> tuple[set[str], set[str]]:
    """Regencies whose partition is rewritten (rows lost, last_in_period changed, or too many parts)
    and those that only gain a part file."""
    rows = con.execute(queries.load("staging_plan")).fetchall()
    changed = {regency for regency, _gains, flips in rows if flips}
    gaining = {regency for regency, gains, _flips in rows if gains}
    crowded = {regency for regency in gaining if len(old_parts.get(regency, ())) >= MAX_PARTS}
    rewrite = (changed | crowded) & set(old_parts)
    return rewrite, gaining - rewrite


def _write_measurements(
    con, building: Path, year: int, periods, old_parts, rewrite, append, import_id
) -> None:
    def folder_of(regency: str) -> Path:
        folder = building / layout.MEASUREMENTS / f"regency={regency}" / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    for regency, files in old_parts.items():
        if regency not in rewrite:
            for source in files:  # unchanged rows: hard links, no copy
                _link(source, folder_of(regency) / source.name)
    for regency in sorted(rewrite):
        folder = folder_of(regency)
        rows = con.sql(
            queries.load("staging_partition"),
            params={"files": [str(f) for f in old_parts[regency]], "periods": periods, "regency": regency},
        )
        if not _stream(rows.to_arrow_reader(ROW_GROUP_ROWS), folder / layout.PART_FILE):
            shutil.rmtree(folder)  # every row of the partition retracted: no partition, as in pandas
    if not append:
        return
    # One sorted stream for every gaining partition, cut where the regency changes: a statement per
    # regency would scan `merged` 514 times for a national round.
    rows = con.sql(queries.load("staging_new_rows"), params={"gaining": sorted(append)})
    writer: pq.ParquetWriter | None = None
    writing = None
    # The files are written in a thread beside this one (in order: one thread), so DuckDB sorts and
    # hands over the next batch while pyarrow encodes the last (each took some 2.7 s of a national
    # 1M-row import, one after the other).
    with _writes_beside(threads=1) as later:
        for batch in rows.to_arrow_reader(ROW_GROUP_ROWS):
            regencies = batch.column("regency")
            start = 0
            while start < batch.num_rows:
                regency = regencies[start].as_py()
                same = pc.equal(regencies.slice(start), regency)
                run = batch.num_rows - start if pc.all(same).as_py() else pc.index(same, False).as_py()
                if regency != writing:
                    if writer is not None:
                        later(writer.close)
                    folder = folder_of(regency)
                    # A partition's first file keeps the store's name; later imports add part-IMPORT_ID.
                    first = not (folder / layout.PART_FILE).exists()
                    name = layout.PART_FILE if first else f"part-{import_id}.parquet"
                    writer = pq.ParquetWriter(
                        folder / name,
                        layout.MEASUREMENT_SCHEMA,
                        **layout.write_options(layout.MEASUREMENT_SCHEMA),
                    )
                    writing = regency
                later(writer.write_table, _stored(pa.Table.from_batches([batch.slice(start, run)])))
                start += run
        if writer is not None:
            later(writer.close)


@contextmanager
def _writes_beside(threads: int, waiting: int = 2) -> Iterator[Callable[..., None]]:
    """``later(function, *args, **kwargs)`` runs file writes in ``threads`` threads beside this one (pyarrow
    encodes and writes without holding Python's lock), with at most ``waiting`` per thread not yet
    done, so what waits to be written stays a few tables. With one thread they run in the order
    given. All have finished when the block ends; a write's error is raised here, and on an error
    in the block the writes not yet started are dropped."""
    pool = ThreadPoolExecutor(threads, thread_name_prefix="store-write")
    pending: deque[Future] = deque()

    def later(function: Callable[..., object], *args, **kwargs) -> None:
        pending.append(pool.submit(function, *args, **kwargs))
        while len(pending) > threads * waiting:
            pending.popleft().result()

    try:
        yield later
        while pending:
            pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stored(table: pa.Table) -> pa.Table:
    return table.select(STORED).cast(layout.MEASUREMENT_SCHEMA)


def _stream(reader, path: Path, schema: pa.Schema = layout.MEASUREMENT_SCHEMA, group_rows=None) -> int:
    """Write a stream of record batches as one parquet file of ``schema``; the rows written (the file
    is removed when 0)."""
    rows = 0
    with pq.ParquetWriter(path, schema, **layout.write_options(schema)) as writer:
        for batch in reader:
            table = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
            writer.write_table(table, row_group_size=group_rows)
            rows += batch.num_rows
    if not rows:
        path.unlink()
    return rows


def _write_summary(
    con, current: Path | None, building: Path, year: int, periods: list[str], import_id
) -> None:
    """Summary, rollup and quality partitions of ``year``: the import's periods recomputed
    (counted.sql, summary.sql; rollup.sql; quality_stats.sql) over every regency's rows of those
    periods, the other periods' rows kept. The fresh summary stays in DuckDB (it spills) and reaches
    the files one regency at a time: a national round's is some 2M rows."""
    con.execute("CREATE OR REPLACE VIEW measurements AS SELECT * FROM merged")
    queries.define_counted(con)
    con.sql(queries.load(queries.SUMMARY_QUERY).strip().rstrip(";")).create("fresh_summary")
    where = (current, building, year, periods)
    ordered = con.table("fresh_summary").order(", ".join(("regency", *SUMMARY_ORDER)))
    runs = _regency_runs(ordered.to_arrow_reader(ROW_GROUP_ROWS))
    _write_derived(runs, layout.SUMMARY, layout.SUMMARY_FILE_SCHEMA, SUMMARY_ORDER, *where, import_id)
    _write_rollup(con, *where)
    sums = quality_stored.stats_of(con)
    schema = quality_stored.file_table(sums).schema
    _write_derived(_by_regency(sums), layout.QUALITY, schema, quality_stored.ORDER, *where, import_id)


def _write_rollup(con, current: Path | None, building: Path, year: int, periods) -> None:
    """The rollup of ``year`` (queries/rollup.sql, store_layout.ROLLUP): the stored file's rows of
    other periods kept, the import's periods summed from table ``fresh_summary`` (their whole
    summary, every regency). A year stored before rollups existed has no file to keep rows from: its
    whole summary, as just written, is summed instead."""
    stored = layout.rollup_file_for(current, year)
    if stored is None and _partitions(current, layout.SUMMARY, year):
        files = sorted(str(f) for f in (building / layout.SUMMARY).glob(f"regency=*/year={year}/*.parquet"))
        con.execute("SET VARIABLE summary_files = $files", {"files": files})
        con.execute(queries.load(queries.SUMMARY_VIEW))
    else:
        con.table("fresh_summary").create_view("summary")
    con.sql(queries.load(queries.ROLLUP_QUERY).strip().rstrip(";")).create("fresh_rollup")
    if stored is None:
        con.register("stored_rollup", layout.ROLLUP_FILE_SCHEMA.empty_table())
    else:
        con.read_parquet(str(stored)).create_view("stored_rollup")
    rows = con.sql(queries.load("rollup_year"), params={"periods": periods})
    folder = building / layout.ROLLUP / f"year={year}"
    folder.mkdir(parents=True, exist_ok=True)
    if not _stream(rows.to_arrow_reader(layout.ROLLUP_ROW_GROUP_ROWS), folder / layout.PART_FILE,
                   layout.ROLLUP_FILE_SCHEMA, layout.ROLLUP_ROW_GROUP_ROWS):  # fmt: skip
        shutil.rmtree(folder)  # no child counted in the year: no rollup, like no summary


def _write_derived(fresh, name: str, schema: pa.Schema, order, current, building, year, periods, import_id):
    """Partitions of the derived table ``name`` for ``year``: ``fresh`` ((regency, rows of the
    import's periods in ``order``) per regency, as _by_regency gives them) beside the stored rows of
    the other periods. As with the measurements, a partition holding none of the import's periods
    keeps its files (hard links) and gains the fresh rows as one more part file, so a new month costs
    the same on an empty store and on one holding 20M rows (reading and re-sorting every stored month
    of 514 regencies' summaries and quality sums was most of the difference, py-spy: docs/scale.md);
    one that holds some of them, or MAX_PARTS files already, is rewritten as one file."""
    old = _partitions(current, name, year)
    wanted = pa.array(periods, pa.string())

    def folder_of(regency: str) -> Path:
        folder = building / name / f"regency={regency}" / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write(regency: str, tables: list[pa.Table], *, resort: bool, file=layout.PART_FILE) -> None:
        table = pa.concat_tables([t.select(schema.names).cast(schema) for t in tables])
        if table.num_rows == 0:
            return
        if resort:  # stored rows of other periods and the fresh ones interleave
            table = table.sort_by([(c, "ascending") for c in order])
        later(pq.write_table, table, folder_of(regency) / file, **layout.write_options(schema))

    def link(regency: str, files: list[Path]) -> None:
        for source in files:
            _link(source, folder_of(regency) / source.name)

    def holds_periods(files: list[Path]) -> bool:
        return any(_holds_periods(file, periods) for file in files)

    def kept(files: list[Path]) -> pa.Table:
        table = pq.read_table(files, schema=schema)
        return table.filter(pc.invert(pc.is_in(table.column("period"), wanted)))

    # Each partition's file is written by one of two threads while the next one's rows are read.
    with _writes_beside(threads=2) as later:
        written = set()
        for regency, rows in fresh:
            files = old.get(regency, [])
            if not files:
                write(regency, [rows], resort=False)
            elif len(files) < MAX_PARTS and not holds_periods(files):
                link(regency, files)
                write(regency, [rows], resort=False, file=f"part-{import_id}.parquet")
            else:
                write(regency, [kept(files), rows], resort=True)
            written.add(regency)
        for regency, files in old.items():
            if regency in written:
                continue
            if not holds_periods(files):
                link(regency, files)
            else:  # every row of its import's periods retracted: only the other periods' rows stay
                write(regency, [kept(files)], resort=False)


def _holds_periods(file: Path, periods: list[str]) -> bool:
    """Whether the parquet ``file`` has a row of one of ``periods``. Its row groups' min and max of
    period answer for most files (the derived files are sorted by period): reading the column of
    1,000 small files through pyarrow's dataset took 3 s of a 1M-row national import; the column is
    read only where a row group's range spans one of the periods."""
    metadata = pq.read_metadata(file)
    column = metadata.schema.names.index("period")
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(column).statistics
        if statistics is None or not statistics.has_min_max:
            break
        if any(statistics.min <= period <= statistics.max for period in periods):
            break
    else:
        return False
    stored = pq.read_table(file, columns=["period"]).column("period")
    return bool(pc.any(pc.is_in(stored, pa.array(periods, pa.string()))).as_py())


def _by_regency(table: pa.Table):
    """(regency, its rows) for each regency of ``table``, in one pass (stably sorted by regency
    first when it is not): one filter per regency costs 514 scans of a national table (measured: a
    sixth of a 1M-row national import)."""
    if table.num_rows == 0:
        return
    regencies = table.column("regency")
    if pc.any(pc.less(regencies.slice(1), regencies.slice(0, table.num_rows - 1))).as_py():
        table = table.take(pc.sort_indices(table, [("regency", "ascending")]))  # stable
        regencies = table.column("regency")
    runs = pc.run_end_encode(regencies.combine_chunks())
    start = 0
    for value, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        yield value, table.slice(start, end - start)
        start = end


def _regency_runs(reader):
    """(regency, its rows) from a stream of record batches sorted by regency: one regency's rows in
    memory at a time."""
    pending: list[pa.Table] = []
    current = None
    for batch in reader:
        for regency, rows in _by_regency(pa.Table.from_batches([batch])):
            if regency != current and pending:
                yield current, pa.concat_tables(pending)
                pending = []
            current = regency
            pending.append(rows)
    if pending:
        yield current, pa.concat_tables(pending)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def plan_staged(
    data_dir,
    staging: Path,
    record: store.ImportRecord,
    *,
    add: bool = False,
    keep_imports: Iterable[str] = (),
    map_years: Callable | None = None,
) -> YearChanges:
    """What ``write_staged`` would change (--dry-run): the same merge into a throw-away folder."""
    root = resolve_data_dir(data_dir)
    current = layout.current_snapshot(root)
    store.refuse_import_in(current, record.source, root)
    scratch = staging / "plan"
    scratch.mkdir(parents=True, exist_ok=True)
    arguments = dict(
        current=str(current) if current else None,
        building=str(scratch),
        staging=str(staging),
        import_id=record.import_id,
        add=add,
        keep_imports=sorted(set(keep_imports)),
    )
    years = staged_years(staging)
    try:
        if map_years is None:
            changes = [merge_year(year, **arguments) for year in years]
        else:
            changes = list(map_years(merge_year, years, **arguments))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return YearChanges(
        0,
        sum(c.rows_stored for c in changes),
        sum(c.rows_replaced for c in changes),
        sum(c.village_months_replaced for c in changes),
    )
