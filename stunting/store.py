"""The measurement store: one row per child measurement, hive-partitioned parquet in atomic snapshots.

Layout (see docs/architecture.md and stunting/store_layout.py): ``DATA_DIR/store/snapshots/NAME/``
holds ``measurements/regency=64.02/year=2024/part-0.parquet``, beside each partition its counts
``summary/regency=64.02/year=2024/part-0.parquet`` (queries/summary.sql: one row per period x
village x age group x sex x indicator, the sums of the counting rule queries/counted.sql, what every
prevalence query reads), ``aggregates.parquet``, ``imports.parquet`` and ``format.json``;
``SnapshotStore`` swaps whole snapshots, so a process killed at any moment leaves readers on the
store exactly as it was before the write.

Every write re-reads the touched years (all regencies: a child's same-day measurement may have been
filed under another regency's village before a correction, and a child measured in two regencies in
one month counts once), de-duplicates on ``(child_id, measured_on)`` with the newer import winning,
and, unless ``add``, retracts what earlier imports stored for every (village, period) the new export
holds: an export replaces its scope. Then it recomputes the summary of the touched years.

A store holding the synthetic demo takes no other import, and a store in an older format
(store_layout.FORMAT_VERSION) takes no import at all: both are refused with one sentence.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stunting import queries
from stunting import store_layout as layout
from stunting.errors import UserError
from stunting.quality import stored as quality_stored
from stunting.snapshots import SnapshotStore
from stunting.store_layout import (  # noqa: F401  (re-exported: the store's names for its callers)
    AGGREGATE_COUNTS,
    AGGREGATE_SCHEMA,
    AGGREGATES_FILE,
    DEMO_REMOVED_FILE,
    IMPORTS_FILE,
    MEASUREMENT_SCHEMA,
    MEASUREMENTS,
    PART_FILE,
    QUALITY,
    READ_SCHEMA,
    ROLLUP,
    STORE,
    SUMMARY,
    SUMMARY_FILE_SCHEMA,
    SUMMARY_READ_SCHEMA,
    aggregates_file_in,
    current_snapshot,
    measurement_files_in,
    summary_files_in,
)

SOURCES = ("e-ppgbm", "demo", "aggregate")
DEMO_SOURCE = "demo"

# Test hook: when set, a write creates this file inside the open transaction and then waits, so a
# test can kill -9 the process at the worst moment (new partitions written, nothing swapped yet).
PAUSE_FILE_ENV = "STUNTING_STORE_PAUSE_FILE"

INPUT_COLUMNS = ("regency",) + tuple(n for n in MEASUREMENT_SCHEMA.names if n != "last_in_period")
KEY = ["child_id", "measured_on"]
# Columns that say what was measured: a re-imported row equal in all of these stores nothing new.
CONTENT_COLUMNS = [
    n for n in MEASUREMENT_SCHEMA.names if n not in (*KEY, "import_id", "source_row", "last_in_period")
] + ["regency"]

IMPORT_SCHEMA = pa.schema(
    [
        ("import_id", pa.string()),
        ("file_name", pa.string()),
        ("sha256", pa.string()),
        ("source", pa.string()),
        ("imported_at", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_stored", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("rejected_by_reason", pa.string()),  # JSON object reason -> count
        ("rejects_report", pa.string()),
        ("rows_replaced", pa.int64()),  # earlier rows this import retracted or replaced
        ("village_months_replaced", pa.int64()),
    ]
)


@dataclass
class ImportRecord:
    import_id: str
    file_name: str
    sha256: str
    source: str  # "e-ppgbm" | "demo" | "aggregate"
    imported_at: str  # ISO 8601, UTC
    rows_read: int
    rows_stored: int
    rows_rejected: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    rejects_report: str | None = None
    rows_replaced: int = 0
    village_months_replaced: int = 0


@dataclass(frozen=True)
class Changes:
    """What merging an import into the store does (before the write: ``plan_measurements``)."""

    rows_stored: int  # new, or replacing a different measurement of the child on that date
    rows_replaced: int  # earlier rows removed: retracted by the export's scope, or changed on the key
    village_months_replaced: int  # distinct (village, period) of those rows


def new_import_id() -> str:
    """A sortable, unique import id: UTC time plus a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def _store(data_dir) -> SnapshotStore:
    return layout.snapshot_store(data_dir)


# --- reading -------------------------------------------------------------------------------------


def measurement_files(data_dir=None) -> str | None:
    """Glob of the current measurement partitions for ``read_parquet(..., hive_partitioning=true)``.

    Read ``regency`` as VARCHAR (``hive_types``): auto-detection would turn ``64.02`` into a number.
    None when no measurement was ever stored.
    """
    return measurement_files_in(current_snapshot(data_dir))


def aggregates_file(data_dir=None) -> str | None:
    """Path of the current aggregated-counts table, None when no aggregate was ever imported."""
    return aggregates_file_in(current_snapshot(data_dir))


def imports(data_dir=None) -> pd.DataFrame:
    """The import log, oldest first: one row per import (``rejected_by_reason`` as a dict)."""
    return _imports_in(current_snapshot(data_dir))


def _imports_in(snapshot: Path | None) -> pd.DataFrame:
    if snapshot is None or not (snapshot / IMPORTS_FILE).exists():
        frame = IMPORT_SCHEMA.empty_table().to_pandas()
    else:
        frame = pq.read_table(snapshot / IMPORTS_FILE).to_pandas()
    frame["rejected_by_reason"] = [json.loads(v) if v else {} for v in frame["rejected_by_reason"]]
    return frame.sort_values("imported_at", kind="stable").reset_index(drop=True)


def find_import(data_dir, sha256: str) -> ImportRecord | None:
    """The latest import of a file with this SHA-256 in the current store, or None."""
    log = imports(data_dir)
    hits = log[log["sha256"] == sha256]
    if hits.empty:
        return None
    row = hits.iloc[-1].to_dict()
    return ImportRecord(
        import_id=row["import_id"],
        file_name=row["file_name"],
        sha256=row["sha256"],
        source=row["source"],
        imported_at=row["imported_at"],
        rows_read=int(row["rows_read"]),
        rows_stored=int(row["rows_stored"]),
        rows_rejected=int(row["rows_rejected"]),
        rejected_by_reason=dict(row["rejected_by_reason"]),
        rejects_report=row["rejects_report"] if isinstance(row["rejects_report"], str) else None,
        rows_replaced=int(row.get("rows_replaced") or 0),
        village_months_replaced=int(row.get("village_months_replaced") or 0),
    )


def is_demo(data_dir=None) -> bool:
    """True when the current store holds any synthetic demo import (pages label it as such)."""
    return bool((imports(data_dir)["source"] == DEMO_SOURCE).any())


def is_empty(data_dir=None) -> bool:
    """True when the store holds no measurement and no aggregated count (never written, or emptied)."""
    snapshot = current_snapshot(data_dir)
    return measurement_files_in(snapshot) is None and aggregates_file_in(snapshot) is None


def demo_removed(data_dir=None) -> bool:
    """True when the store was emptied by ``remove_demo`` and nothing was imported since: the app
    then says how to load data instead of building the demo again."""
    snapshot = current_snapshot(data_dir)
    return snapshot is not None and (snapshot / DEMO_REMOVED_FILE).exists()


def is_outdated(data_dir=None) -> bool:
    """True when the store was written in an older format and must be rebuilt (store_layout)."""
    return layout.is_outdated(current_snapshot(data_dir))


def demo_store_message(data_dir) -> str:
    folder = layout.snapshot_store(data_dir).root.parent
    return (
        f"The store in {folder} holds the synthetic demo (data contoh), and real children must never be "
        "counted with synthetic ones, so nothing was imported: import into a separate data dir "
        f"(--data-dir DIR) or remove the demo first (python -m stunting demo --remove --data-dir {folder})."
    )


def refuse_import(data_dir, source: str) -> None:
    """UserError when an import of ``source`` must not go into the store: an outdated store, or real
    data into a store holding the demo. Checked before reading a file and again under the write lock."""
    refuse_import_in(current_snapshot(data_dir), source, data_dir)


def refuse_import_in(snapshot: Path | None, source: str, data_dir) -> None:
    """refuse_import for one given snapshot (a writer checks the one it holds the lock on)."""
    if layout.is_outdated(snapshot):
        raise UserError(layout.outdated_message(snapshot))
    if source != DEMO_SOURCE and bool((_imports_in(snapshot)["source"] == DEMO_SOURCE).any()):
        raise UserError(demo_store_message(data_dir))


def remove_demo(data_dir=None) -> int:
    """Empty a store that holds the synthetic demo (and nothing real): measurements, summaries and the
    import log go, a marker stays that the demo was removed on purpose. Returns the demo imports
    removed (0 when the store was already empty). A store with real imports is refused: this never
    deletes real data."""
    store = _store(data_dir)
    with store.transaction() as building:
        log = _imports_in(store.current())
        real = log[log["source"] != DEMO_SOURCE]
        if len(real):
            raise UserError(
                f"The store in {store.root.parent} holds {len(real)} real import(s) (first: "
                f"{real['file_name'].iloc[0]}); demo --remove only empties a store holding the demo, so "
                "nothing was removed."
            )
        layout.write_format(building)
        (building / DEMO_REMOVED_FILE).write_text(
            json.dumps({"removed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}), encoding="utf-8"
        )
    from stunting import programmes  # the demo's programmes go with its measurements

    programmes.remove_demo(data_dir)
    return int(len(log))


def empty_outdated_demo(data_dir=None) -> bool:
    """Empty an outdated store that holds only the demo (the demo rebuilds itself); True if it did."""
    if not is_outdated(data_dir) or len(imports(data_dir)) == 0:
        return False
    log = imports(data_dir)
    if (log["source"] != DEMO_SOURCE).any():
        return False
    store = _store(data_dir)
    with store.transaction() as building:
        layout.write_format(building)
    return True


def periods(data_dir=None) -> list[str]:
    """Periods (``YYYY-MM``) with measurements or aggregated counts, sorted."""
    snapshot = current_snapshot(data_dir)
    if snapshot is None:
        return []
    return list(periods_in(str(snapshot)))


@lru_cache(maxsize=16)
def periods_in(snapshot: str) -> tuple[str, ...]:
    """periods() of one given snapshot folder (as a string: the cache key)."""
    # A committed snapshot never changes (a write makes a new one), so its periods can be cached by
    # its path: every page asks for them, and scanning 10M rows for them costs a noticeable moment.
    frame = queries.run("periods", {}, data_dir=None, snapshot=Path(snapshot))
    return tuple(sorted(frame["period"].tolist()))


def read_partition(path: Path) -> pd.DataFrame:
    return pq.read_table(path, schema=MEASUREMENT_SCHEMA).to_pandas(date_as_object=False)


# --- writing -------------------------------------------------------------------------------------


def write_measurements(
    data_dir, frame: pd.DataFrame, record: ImportRecord, *, add: bool = False, keep_imports=()
) -> ImportRecord:
    """Merge ``frame`` (one row per measurement, INPUT_COLUMNS) into the store atomically.

    Unless ``add``, the import replaces its scope: every earlier row in a (village, period) that
    ``frame`` holds is removed unless the frame carries it unchanged, except rows of ``keep_imports``
    (the earlier files of the same command, which together form one export). Returns ``record`` with
    ``rows_stored`` = rows that were new or replaced a different earlier measurement of the same child
    on the same date (an identical re-import stores 0) and the rows replaced.
    """
    incoming = _incoming(frame, record)
    years = sorted(incoming["year"].unique().tolist())
    store = _store(data_dir)
    with store.transaction() as building:
        current = store.current()
        refuse_import_in(current, record.source, data_dir)
        old = _read_years(current, years)
        merged, changes = _merge(old, incoming, add=add, keep_imports=frozenset(keep_imports))
        summary = queries.summarise(merged)
        summary_parts = dict(iter(summary.groupby(["regency", "year"], sort=True)))
        quality_sums = quality_stored.stats_of_frame(merged)
        for (regency, year), part in merged.groupby(["regency", "year"], sort=True):
            counts = summary_parts.get((regency, year), summary.iloc[0:0])
            _write_partition(building, regency, int(year), part, counts)
            quality_stored.write_partition(quality_sums, building / QUALITY, regency, int(year))
        _write_rollups(building, queries.roll_up(summary))
        layout.mark_quality_complete(current, building)
        if current is not None:
            for folder in (MEASUREMENTS, SUMMARY, QUALITY):
                for partition in sorted((current / folder).glob("regency=*/year=*")):
                    if int(partition.name.split("=", 1)[1]) not in years:
                        store.carry_over(building, str(partition.relative_to(current)))
            for rollup in sorted((current / ROLLUP).glob("year=*")):
                if int(rollup.name.split("=", 1)[1]) not in years:
                    store.carry_over(building, str(rollup.relative_to(current)))
            store.carry_over(building, AGGREGATES_FILE)
        record = replace(
            record,
            rows_stored=changes.rows_stored,
            rows_replaced=changes.rows_replaced,
            village_months_replaced=changes.village_months_replaced,
        )
        append_import(current, building, record)
        layout.write_format(building)
        pause_for_tests(building)
    return record


def plan_measurements(
    data_dir, frame: pd.DataFrame, record: ImportRecord, *, add: bool = False, keep_imports=()
) -> Changes:
    """What ``write_measurements`` would change, computed the same way without writing (--dry-run)."""
    incoming = _incoming(frame, record)
    current = current_snapshot(data_dir)
    refuse_import_in(current, record.source, data_dir)
    old = _read_years(current, sorted(incoming["year"].unique().tolist()))
    return _merge(old, incoming, add=add, keep_imports=frozenset(keep_imports))[1]


def _incoming(frame: pd.DataFrame, record: ImportRecord) -> pd.DataFrame:
    missing = [column for column in INPUT_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"write_measurements: missing columns {missing}")
    if record.source not in SOURCES:
        raise ValueError(f"unknown import source {record.source!r}")
    incoming = normalise(frame[list(INPUT_COLUMNS)])
    # One file may hold the same child twice on one date (a corrected row further down): the later row wins.
    incoming = incoming.sort_values("source_row", kind="stable").drop_duplicates(KEY, keep="last")
    incoming["year"] = incoming["period"].str.slice(0, 4).astype("int32")
    return incoming


def write_aggregates(data_dir, frame: pd.DataFrame, record: ImportRecord) -> ImportRecord:
    """Merge village counts (AGGREGATE_SCHEMA columns) into the store; a village x period replaces its
    earlier counts. ``rows_stored`` counts rows that were new or changed."""
    missing = [column for column in AGGREGATE_SCHEMA.names if column not in frame.columns]
    if missing:
        raise ValueError(f"write_aggregates: missing columns {missing}")
    incoming = pa.Table.from_pandas(
        frame[AGGREGATE_SCHEMA.names], schema=AGGREGATE_SCHEMA, preserve_index=False
    )
    incoming = incoming.to_pandas()
    key = ["village_code", "period"]
    store = _store(data_dir)
    with store.transaction() as building:
        current = store.current()
        refuse_import_in(current, record.source, data_dir)
        if current is not None and (current / AGGREGATES_FILE).exists():
            old = pq.read_table(current / AGGREGATES_FILE).to_pandas()
        else:
            old = AGGREGATE_SCHEMA.empty_table().to_pandas()
        counts = ["regency", "kecamatan_code", *AGGREGATE_COUNTS]
        joined = incoming.merge(old[key + counts], on=key, how="left", suffixes=("", "_old"), indicator=True)
        same = pd.Series(True, index=joined.index)
        for column in counts:
            same &= (joined[column] == joined[f"{column}_old"]) | (
                joined[column].isna() & joined[f"{column}_old"].isna()
            )
        unchanged = (joined["_merge"] == "both") & same
        kept_old = old.merge(incoming[key], on=key, how="left", indicator=True)
        kept_old = old[(kept_old["_merge"] == "left_only").to_numpy()]
        # An unchanged row keeps its original import id (the first import that brought it).
        unchanged_keys = joined.loc[unchanged, key]
        unchanged_old = old.merge(unchanged_keys, on=key, how="inner")
        changed_new = incoming[~unchanged.to_numpy()]
        merged = pd.concat([kept_old, unchanged_old, changed_new], ignore_index=True)
        merged = merged.sort_values(["period", "village_code"], kind="stable")
        table = pa.Table.from_pandas(
            merged[AGGREGATE_SCHEMA.names], schema=AGGREGATE_SCHEMA, preserve_index=False
        )
        pq.write_table(table, building / AGGREGATES_FILE, compression="zstd")
        if current is not None:
            for folder in (MEASUREMENTS, SUMMARY, ROLLUP, QUALITY):
                if (current / folder).is_dir():
                    store.carry_over(building, folder)
        # Aggregated counts are one row per village x period, so a row's key is its whole scope.
        replaced = int(((joined["_merge"] == "both") & ~same).sum())
        record = replace(
            record,
            rows_stored=int(len(changed_new)),
            rows_replaced=replaced,
            village_months_replaced=replaced,
        )
        append_import(current, building, record)
        layout.write_format(building)
        pause_for_tests(building)
    return record


def normalised_table(frame: pd.DataFrame) -> pa.Table:
    """The pipeline's frame (INPUT_COLUMNS) as Arrow in the stored types, ``regency`` first (a wrong
    type fails here, not in a query). Columns are converted one by one, not through a copy of the
    frame, and the code checks run in Arrow: both were most of staging a chunk."""
    # datetime64, not Python dates: grouping millions of date objects falls back to a Python loop.
    measured_on = pd.to_datetime(frame["measured_on"]).dt.normalize()
    for column in ("regency", "child_id", "village_code", "kecamatan_code", "period", "sex"):
        if frame[column].isna().any():
            raise ValueError(f"write_measurements: {column} must not be empty")
    # Queries trust these to agree (a month filter, a regency partition): a mismatch is a pipeline bug.
    # Compared as numbers, each distinct period parsed once: strftime per row costs seconds a chunk.
    codes, distinct = pd.factorize(frame["period"])
    wanted = np.array([int(p[:4]) * 100 + int(p[5:7]) if _is_month(p) else -1 for p in distinct])
    months = (measured_on.dt.year * 100 + measured_on.dt.month).to_numpy()
    if (wanted[codes] != months).any():
        raise ValueError("write_measurements: period must be the calendar month of measured_on")
    stored = MEASUREMENT_SCHEMA.remove(MEASUREMENT_SCHEMA.get_field_index("last_in_period"))
    arrays = [
        pa.array(measured_on if f.name == "measured_on" else frame[f.name], type=f.type, from_pandas=True)
        for f in stored
    ]
    regency = pa.array(frame["regency"].astype(str).to_numpy(), type=pa.string())
    table = pa.Table.from_arrays([regency, *arrays], schema=pa.schema([("regency", pa.string()), *stored]))
    # Gazetteer codes RR.RR.KK.VVVV: the village lies in its kecamatan and regency.
    village = table["village_code"].cast(pa.string())
    inside = pc.and_(
        pc.equal(pc.utf8_slice_codeunits(village, 0, 8), table["kecamatan_code"].cast(pa.string())),
        pc.equal(pc.utf8_slice_codeunits(village, 0, 5), regency),
    )
    if not pc.all(inside).as_py():
        raise ValueError("write_measurements: village_code must lie in kecamatan_code and regency")
    return table


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce the pipeline's frame to the stored types (see normalised_table)."""
    table = normalised_table(frame)
    normalised = table.drop_columns(["regency"]).to_pandas(date_as_object=False)
    normalised["regency"] = table["regency"].to_numpy(zero_copy_only=False).astype(object)
    return normalised


def _read_years(current: Path | None, years: list[int]) -> pd.DataFrame:
    parts = []
    if current is not None:
        for year in years:
            partitions = sorted((current / MEASUREMENTS).glob(f"regency=*/year={year}"))
            for path in (f for partition in partitions for f in layout.part_files(partition)):
                part = read_partition(path)
                part["regency"] = path.parent.parent.name.split("=", 1)[1]
                part["year"] = np.int32(year)
                parts.append(part)
    if not parts:
        empty = MEASUREMENT_SCHEMA.empty_table().to_pandas(date_as_object=False)
        empty["regency"] = pd.Series(dtype=object)
        empty["year"] = pd.Series(dtype="int32")
        return empty
    return pd.concat(parts, ignore_index=True)


def _merge(
    old: pd.DataFrame, incoming: pd.DataFrame, *, add: bool, keep_imports: frozenset
) -> tuple[pd.DataFrame, Changes]:
    """Old rows plus incoming ones, the incoming winning on the key unless identical in content;
    unless ``add``, old rows in the incoming (village, period)s that the import does not carry
    unchanged are retracted (rows of ``keep_imports`` excepted)."""
    old = old.drop(columns=["last_in_period"])
    paired = incoming[KEY].merge(
        old[KEY + CONTENT_COLUMNS].assign(_old_pos=np.arange(len(old))), on=KEY, how="left"
    )
    has_old = paired["_old_pos"].notna().to_numpy()
    identical = has_old.copy()
    for column in CONTENT_COLUMNS:
        new_values = incoming[column].reset_index(drop=True)
        old_values = paired[column]
        equal = (new_values == old_values) | (new_values.isna() & old_values.isna())
        identical &= equal.fillna(False).to_numpy(dtype=bool)
    stored = int((~identical).sum())
    # Identical rows keep the old row (and its original import id); the rest of the incoming replace.
    drop = np.zeros(len(old), dtype=bool)
    drop[paired.loc[has_old & ~identical, "_old_pos"].astype("int64").to_numpy()] = True
    if not add and len(old):
        kept = np.zeros(len(old), dtype=bool)
        kept[paired.loc[identical, "_old_pos"].astype("int64").to_numpy()] = True
        scope = pd.MultiIndex.from_frame(incoming[["village_code", "period"]].drop_duplicates())
        in_scope = pd.MultiIndex.from_frame(old[["village_code", "period"]]).isin(scope)
        ours = old["import_id"].isin(list(keep_imports)).to_numpy()
        drop |= in_scope & ~kept & ~ours
    removed = old.loc[drop, ["village_code", "period"]]
    changes = Changes(
        rows_stored=stored,
        rows_replaced=int(drop.sum()),
        village_months_replaced=int(len(removed.drop_duplicates())),
    )
    merged = pd.concat([old[~drop], incoming[~identical]], ignore_index=True)
    # queries/counted.sql counts the row flagged here without grouping (docs/architecture.md).
    last = merged.groupby(["child_id", "period"], sort=False)["measured_on"].transform("max")
    merged["last_in_period"] = (merged["measured_on"] == last).to_numpy()
    return merged, changes


def _write_partition(
    building: Path, regency: str, year: int, part: pd.DataFrame, summary: pd.DataFrame
) -> None:
    folder = building / MEASUREMENTS / f"regency={regency}" / f"year={year}"
    folder.mkdir(parents=True, exist_ok=True)
    # Sorted by period and village: row-group statistics then let a one-month query skip most pages.
    ordered = part.sort_values(["period", "village_code"], kind="stable")
    table = pa.Table.from_pandas(
        ordered[MEASUREMENT_SCHEMA.names], schema=MEASUREMENT_SCHEMA, preserve_index=False
    )
    pq.write_table(
        table,
        folder / PART_FILE,
        row_group_size=256_000,
        **layout.write_options(MEASUREMENT_SCHEMA),
    )
    summary_folder = building / SUMMARY / f"regency={regency}" / f"year={year}"
    summary_folder.mkdir(parents=True, exist_ok=True)
    ordered = summary.sort_values(list(layout.SUMMARY_ORDER), kind="stable")
    summary_table = pa.Table.from_pandas(
        ordered[SUMMARY_FILE_SCHEMA.names], schema=SUMMARY_FILE_SCHEMA, preserve_index=False
    )
    pq.write_table(summary_table, summary_folder / PART_FILE, **layout.write_options(SUMMARY_FILE_SCHEMA))


def _write_rollups(building: Path, rollup: pa.Table) -> None:
    """One rollup file per year of ``rollup`` (queries/rollup.sql over the whole summary of the
    years written): store_layout.ROLLUP."""
    for year in sorted(set(rollup.column("year").to_pylist())):
        rows = rollup.filter(pc.equal(rollup.column("year"), year)).select(layout.ROLLUP_FILE_SCHEMA.names)
        rows = rows.cast(layout.ROLLUP_FILE_SCHEMA).sort_by([(c, "ascending") for c in layout.ROLLUP_ORDER])
        folder = building / ROLLUP / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            rows, folder / PART_FILE, row_group_size=layout.ROLLUP_ROW_GROUP_ROWS,
            **layout.write_options(layout.ROLLUP_FILE_SCHEMA),
        )  # fmt: skip


def _is_month(text: object) -> bool:
    return isinstance(text, str) and len(text) == 7 and text[4] == "-" and text.replace("-", "", 1).isdigit()


def append_import(current: Path | None, building: Path, record: ImportRecord) -> None:
    if current is not None and (current / IMPORTS_FILE).exists():
        log = pq.read_table(current / IMPORTS_FILE)
    else:
        log = IMPORT_SCHEMA.empty_table()
    row = asdict(record)
    row["rejected_by_reason"] = json.dumps(row["rejected_by_reason"] or {}, sort_keys=True)
    log = pa.concat_tables([log, pa.Table.from_pylist([row], schema=IMPORT_SCHEMA)])
    pq.write_table(log, building / IMPORTS_FILE, compression="zstd")


def pause_for_tests(building: Path) -> None:
    pause_file = os.environ.get(PAUSE_FILE_ENV)
    if not pause_file:
        return
    Path(pause_file).write_text(str(building), encoding="utf-8")
    while True:  # only ever ended by the test's kill -9
        time.sleep(0.05)
