"""Where the store's files are and what they hold: the one module both store.py (the writer) and
queries.py (the reader) take paths and schemas from, so neither imports the other to find them.

It also owns the store's format version. Each snapshot carries ``format.json``; a snapshot without it
(or with an older number) was written by an earlier Peta Stunting whose child key or counting rule
differs, and every reader and writer refuses it with the sentence of ``outdated_message``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from stunting.config import data_dir as resolve_data_dir
from stunting.snapshots import SnapshotStore

STORE = "store"
MEASUREMENTS = "measurements"
SUMMARY = "summary"  # per-partition counts (queries/summary.sql), the source of every prevalence query
# rollup/year=YYYY/part-0.parquet: the summary's sums per kecamatan (queries/rollup.sql), one file per
# year for all regencies, so a national or province view opens one file instead of one per regency.
# A year's file is complete when present; a year without one (a store written before rollups) is
# read from the summary.
ROLLUP = "rollup"
QUALITY = "quality"  # per-partition sums of the data-quality checks (queries/quality_stats.sql)
# In quality/: every write since the store began stored the checks (a store from before they were
# stored lacks some, so its checks are computed from the measurements on reading).
QUALITY_COMPLETE_FILE = "complete"
AGGREGATES_FILE = "aggregates.parquet"
IMPORTS_FILE = "imports.parquet"
# A partition's first file. An import that only adds rows to a partition (a new month) writes its rows
# as one more file, part-IMPORT_ID.parquet, beside hard links to the others (stunting/staging.py), so
# a reader takes every *.parquet of the partition: part_files.
PART_FILE = "part-0.parquet"
FORMAT_FILE = "format.json"
DEMO_REMOVED_FILE = "demo_removed.json"  # an empty store whose demo was removed on purpose

# 2: child_id = HMAC of NIK + birth date + sex (1 keyed the NIK alone, so siblings sharing a parent's
# NIK were one child); the summary is long (one row per ... x indicator) and counts each child with its
# last *valid* measurement per indicator (1 used its last measurement, valid or not).
FORMAT_VERSION = 2
FORMAT = {"format": FORMAT_VERSION, "child_id": "hmac-sha256(nik|birth_date|sex or name|birth_date|mother)"}

# Columns the pipeline hands over, in the order stored. regency and year become hive partitions.
MEASUREMENT_SCHEMA = pa.schema(
    [
        ("child_id", pa.string()),
        ("village_code", pa.string()),
        ("kecamatan_code", pa.string()),
        ("period", pa.string()),
        ("measured_on", pa.date32()),
        ("age_days", pa.int32()),
        ("age_months", pa.int16()),
        ("age_group", pa.string()),
        ("sex", pa.string()),
        ("weight_kg", pa.float64()),
        ("height_cm", pa.float64()),
        ("measured_lying", pa.bool_()),
        ("haz", pa.float64()),
        ("waz", pa.float64()),
        ("whz", pa.float64()),
        ("haz_flag", pa.bool_()),
        ("waz_flag", pa.bool_()),
        ("whz_flag", pa.bool_()),
        ("reported_haz", pa.float64()),
        ("reported_waz", pa.float64()),
        ("reported_whz", pa.float64()),
        ("posyandu", pa.string()),
        ("puskesmas", pa.string()),
        ("import_id", pa.string()),
        ("source_row", pa.int32()),
        ("last_in_period", pa.bool_()),
    ]
)
# What a reader sees: the stored columns plus the two hive partition columns.
READ_SCHEMA = MEASUREMENT_SCHEMA.append(pa.field("regency", pa.string())).append(pa.field("year", pa.int32()))

# summary/regency=.../year=.../part-0.parquet: one row per period x village x age group x sex x
# indicator with children counted (queries/counted.sql), written from queries/summary.sql.
SUMMARY_FILE_SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("kecamatan_code", pa.string()),
        ("village_code", pa.string()),
        ("age_group", pa.string()),
        ("sex", pa.string()),
        ("indicator", pa.string()),
        ("measured", pa.int64()),
        ("cases", pa.int64()),
    ]
)
# How the rows of a summary file are sorted (by both writers; summary.sql leaves them unordered).
SUMMARY_ORDER = ("period", "village_code", "age_group", "sex", "indicator")
SUMMARY_READ_SCHEMA = SUMMARY_FILE_SCHEMA.append(pa.field("regency", pa.string())).append(
    pa.field("year", pa.int32())
)

# rollup/year=.../part-0.parquet: one row per period x regency x kecamatan x age group x sex x
# indicator, the sums of the summary's rows (queries/rollup.sql: it adds summary rows, it never counts
# children again), sorted by period so a one-period read skips the other periods' row groups.
ROLLUP_FILE_SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("regency", pa.string()),
        ("kecamatan_code", pa.string()),
        ("age_group", pa.string()),
        ("sex", pa.string()),
        ("indicator", pa.string()),
        ("measured", pa.int64()),
        ("cases", pa.int64()),
    ]
)
ROLLUP_READ_SCHEMA = ROLLUP_FILE_SCHEMA.append(pa.field("year", pa.int32()))
ROLLUP_ORDER = ("period", "regency", "kecamatan_code", "age_group", "sex", "indicator")
# Rows per row group: about a province-period of kecamatan (48 rows each), so reading one period
# of a national year skips the others.
ROLLUP_ROW_GROUP_ROWS = 64_000

AGGREGATE_COUNTS = ("measured", "stunting", "severe_stunting", "wasting", "underweight")
AGGREGATE_SCHEMA = pa.schema(
    [
        ("regency", pa.string()),
        ("kecamatan_code", pa.string()),
        ("village_code", pa.string()),
        ("period", pa.string()),
        ("measured", pa.int64()),
        ("stunting", pa.int64()),
        ("severe_stunting", pa.int64()),
        ("wasting", pa.int64()),
        ("underweight", pa.int64()),
        ("import_id", pa.string()),
        ("source_row", pa.int32()),
    ]
)
# The view `aggregates` (queries/view_aggregates.sql): the file in long form, one row per village x
# period x indicator the office reported.
AGGREGATE_VIEW_SCHEMA = pa.schema(
    [
        ("regency", pa.string()),
        ("kecamatan_code", pa.string()),
        ("village_code", pa.string()),
        ("period", pa.string()),
        ("indicator", pa.string()),
        ("measured", pa.int64()),
        ("cases", pa.int64()),
    ]
)


def snapshot_store(data_dir=None) -> SnapshotStore:
    return SnapshotStore(resolve_data_dir(data_dir) / STORE)


def current_snapshot(data_dir=None) -> Path | None:
    """The snapshot folder readers should use now (None when nothing was ever written)."""
    return snapshot_store(data_dir).current()


def part_files(partition: Path) -> list[Path]:
    """Every part file of one partition folder (regency=R/year=Y, or a rollup's year=Y), in name order."""
    return sorted(partition.glob("*.parquet"))


def measurement_files_in(snapshot: Path | None) -> str | None:
    """Glob of one snapshot's measurement partitions for ``read_parquet(..., hive_partitioning=true)``
    (read ``regency`` as VARCHAR: auto-detection would turn ``64.02`` into a number); None when absent."""
    if snapshot is None or not any((snapshot / MEASUREMENTS).glob(f"regency=*/year=*/{PART_FILE}")):
        return None
    return str(snapshot / MEASUREMENTS / "*" / "*" / "*.parquet")


def summary_files_in(snapshot: Path | None) -> str | None:
    """Glob of one snapshot's summary partitions (hive, like the measurements), None when absent."""
    if snapshot is None or not any((snapshot / SUMMARY).glob(f"regency=*/year=*/{PART_FILE}")):
        return None
    return str(snapshot / SUMMARY / "*" / "*" / "*.parquet")


def summary_files_of(snapshot: Path, regencies) -> list[str]:
    """The summary part files of these regencies (every year) in ``snapshot``."""
    folder = snapshot / SUMMARY
    return [str(f) for r in sorted(regencies) for f in sorted(folder.glob(f"regency={r}/year=*/*.parquet"))]


def rollup_file_for(snapshot: Path | None, year: int) -> Path | None:
    """The rollup of ``year`` in ``snapshot``; None when that year has none (read the summary)."""
    if snapshot is None:
        return None
    path = snapshot / ROLLUP / f"year={year}" / PART_FILE
    return path if path.exists() else None


def rollup_covers(snapshot: Path | None, years) -> bool:
    """True when each of ``years`` has a rollup or no summary at all (aggregated counts only)."""
    if snapshot is None:
        return False
    summary = snapshot / SUMMARY
    return all(
        rollup_file_for(snapshot, year) is not None or not any(summary.glob(f"regency=*/year={year}"))
        for year in years
    )


def rollup_files_in(snapshot: Path | None) -> str | None:
    """Glob of one snapshot's rollup files (hive: year), None when absent."""
    if snapshot is None or not any((snapshot / ROLLUP).glob(f"year=*/{PART_FILE}")):
        return None
    return str(snapshot / ROLLUP / "*" / "*.parquet")


def quality_files_for(snapshot: Path | None, year: int) -> list[str] | None:
    """The stored quality partitions of ``year`` when every measurement partition of that year has
    one, else None (a store written before the checks were stored: they are computed on reading)."""
    if snapshot is None or not (snapshot / QUALITY / QUALITY_COMPLETE_FILE).exists():
        return None
    measured = {p.parent.name for p in (snapshot / MEASUREMENTS).glob(f"regency=*/year={year}")}
    partitions = sorted((snapshot / QUALITY).glob(f"regency=*/year={year}"))
    files = [f for partition in partitions for f in part_files(partition)]
    if not files or {f.parent.parent.name for f in files} != measured:
        return None
    return [str(f) for f in files]


def mark_quality_complete(current: Path | None, building: Path) -> None:
    """Called by a writer that stored the checks of the partitions it wrote: the new snapshot's
    quality tables are complete when the current one's were (or there was none)."""
    if current is None or (current / QUALITY / QUALITY_COMPLETE_FILE).exists():
        (building / QUALITY).mkdir(exist_ok=True)
        (building / QUALITY / QUALITY_COMPLETE_FILE).touch()


def aggregates_file_in(snapshot: Path | None) -> str | None:
    if snapshot is None or not (snapshot / AGGREGATES_FILE).exists():
        return None
    return str(snapshot / AGGREGATES_FILE)


def format_of(snapshot: Path) -> int:
    """The format version a snapshot was written in (1: before format.json existed)."""
    try:
        return int(json.loads((snapshot / FORMAT_FILE).read_text(encoding="utf-8"))["format"])
    except FileNotFoundError:
        return 1


def is_outdated(snapshot: Path | None) -> bool:
    """True when ``snapshot`` holds data written in an older format (it must be rebuilt)."""
    return snapshot is not None and format_of(snapshot) < FORMAT_VERSION


def outdated_message(snapshot: Path) -> str:
    return (
        f"The store in {snapshot.parents[2]} was written by an older Peta Stunting (format "
        f"{format_of(snapshot)}, now {FORMAT_VERSION}: children and counts are keyed differently), so its "
        "numbers would be wrong; rebuild it: import the e-PPGBM exports again into a new --data-dir, or "
        "for the demo run python -m stunting demo."
    )


def write_format(building: Path) -> None:
    """Mark a snapshot being built as written in the current format."""
    (building / FORMAT_FILE).write_text(json.dumps(FORMAT, sort_keys=True), encoding="utf-8")


# Measurement columns with few distinct values per row group. Z-scores, measures and child ids are
# nearly all distinct: trying a dictionary for them only slows writing and reading (~15% each).
MEASUREMENT_DICTIONARY = [
    "village_code",
    "kecamatan_code",
    "period",
    "measured_on",
    "age_months",
    "age_group",
    "sex",
    "posyandu",
    "puskesmas",
    "import_id",
]


def write_options(schema: pa.Schema) -> dict:
    """How every partition file of the store is written: zstd, dictionaries only where values
    repeat (the measurements' MEASUREMENT_DICTIONARY, the derived tables' text columns). A dictionary
    tried on every numeric column was most of the cost of a small file: a national import writes
    514 regencies' quality files of 76 numeric columns (7.2 -> 4.1 ms a file, docs/scale.md)."""
    if schema.names == MEASUREMENT_SCHEMA.names:
        dictionary = MEASUREMENT_DICTIONARY
    else:
        dictionary = [f.name for f in schema if pa.types.is_string(f.type)]
    return {"compression": "zstd", "use_dictionary": dictionary}
