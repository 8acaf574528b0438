"""What the import finds that the store cannot: probable duplicate children, kept as row numbers.

Kept in their own atomic folder ``DATA_DIR/quality/`` (stunting/snapshots.py), written right after
the measurement store's own write: ``duplicates.parquet`` (one row per pair: import, period,
village, puskesmas, posyandu, the two source row numbers; never a name), ``nik.parquet`` (children
whose NIK fails the structure check or embeds another birth date, counted per posyandu; never a
NIK) and ``scopes.parquet``
(which period x village each import brought). A period x village counts the pairs of the latest
import that brought it and that is in the store's import log, so a corrected export replaces the
pairs of the one before, and a pair whose import never reached the store counts nowhere.
The data manager's list is ``DATA_DIR/reports/IMPORT_ID-duplicates.csv``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stunting import store
from stunting.config import data_dir as resolve_data_dir
from stunting.quality.duplicates import PAIR_COLUMNS
from stunting.snapshots import SnapshotStore

FOLDER = "quality"
DUPLICATES_FILE = "duplicates.parquet"
SCOPES_FILE = "scopes.parquet"
REPORT_SUFFIX = "-duplicates.csv"

DUPLICATE_SCHEMA = pa.schema(
    [
        ("import_id", pa.string()),
        ("period", pa.string()),
        ("village_code", pa.string()),
        ("puskesmas", pa.string()),
        ("posyandu", pa.string()),
        ("source_row", pa.int32()),
        ("other_source_row", pa.int32()),
    ]
)
SCOPE_SCHEMA = pa.schema([("import_id", pa.string()), ("period", pa.string()), ("village_code", pa.string())])
NIK_FILE = "nik.parquet"
NIK_SCHEMA = pa.schema(
    [
        ("import_id", pa.string()),
        ("period", pa.string()),
        ("village_code", pa.string()),
        ("puskesmas", pa.string()),
        ("posyandu", pa.string()),
        ("nik_invalid", pa.int64()),
        ("nik_date_mismatch", pa.int64()),
    ]
)


def _snapshots(data_dir) -> SnapshotStore:
    return SnapshotStore(resolve_data_dir(data_dir) / FOLDER)


def record(
    data_dir, import_id: str, pairs: pd.DataFrame, scopes: pd.DataFrame, nik: pd.DataFrame | None = None
) -> Path | None:
    """Store one import's pairs, scopes and NIK counts (atomically) and write its report; returns the
    report's path (None without pairs)."""
    root = resolve_data_dir(data_dir)
    snapshots = _snapshots(root)
    pairs = pairs[PAIR_COLUMNS].assign(import_id=import_id)
    scopes = scopes[["period", "village_code"]].drop_duplicates().assign(import_id=import_id)
    if nik is None:
        nik = NIK_SCHEMA.empty_table().to_pandas()
    nik = nik.assign(import_id=import_id)
    for column in ("puskesmas", "posyandu"):
        nik[column] = nik[column].fillna("").astype(str)
    with snapshots.transaction() as building:
        current = snapshots.current()
        for name, frame, schema in (
            (DUPLICATES_FILE, pairs, DUPLICATE_SCHEMA),
            (SCOPES_FILE, scopes, SCOPE_SCHEMA),
            (NIK_FILE, nik, NIK_SCHEMA),
        ):
            new = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
            if current is not None and (current / name).exists():
                new = pa.concat_tables([pq.read_table(current / name, schema=schema), new])
            pq.write_table(new, building / name, compression="zstd")
    if pairs.empty:
        return None
    report = root / "reports" / f"{import_id}{REPORT_SUFFIX}"
    report.parent.mkdir(parents=True, exist_ok=True)
    tmp = report.with_name(f".{report.name}.tmp")
    pairs[PAIR_COLUMNS].to_csv(tmp, index=False, encoding="utf-8-sig")
    os.replace(tmp, report)
    return report


def _read(data_dir, name: str, schema: pa.Schema) -> pd.DataFrame:
    current = _snapshots(data_dir).current()
    if current is None or not (current / name).exists():
        return schema.empty_table().to_pandas()
    return pq.read_table(current / name, schema=schema).to_pandas()


def duplicate_pairs(period: str, *, data_dir=None, snapshot=None) -> pd.DataFrame:
    """The pairs that count for ``period`` (see the module docstring)."""
    return _latest(DUPLICATES_FILE, DUPLICATE_SCHEMA, period, data_dir, snapshot)


def nik_counts(period: str, *, data_dir=None, snapshot=None) -> pd.DataFrame:
    """Children whose NIK fails the structure check (nik_invalid) or embeds another birth date
    (nik_date_mismatch) per village x puskesmas x posyandu for ``period``."""
    rows = _latest(NIK_FILE, NIK_SCHEMA, period, data_dir, snapshot)
    keys = ["village_code", "puskesmas", "posyandu"]
    return rows.groupby(keys, as_index=False)[["nik_invalid", "nik_date_mismatch"]].sum()


def _latest(name: str, schema: pa.Schema, period: str, data_dir, snapshot) -> pd.DataFrame:
    pairs = _read(data_dir, name, schema)
    scopes = _read(data_dir, SCOPES_FILE, SCOPE_SCHEMA)
    pairs = pairs[pairs["period"] == period]
    scopes = scopes[scopes["period"] == period]
    if pairs.empty:
        return pairs
    snapshot = snapshot if snapshot is not None else store.current_snapshot(data_dir)
    imports_file = None if snapshot is None else snapshot / store.IMPORTS_FILE
    known = (
        set()
        if imports_file is None or not imports_file.exists()
        else set(pq.read_table(imports_file, columns=["import_id"]).column("import_id").to_pylist())
    )
    scopes = scopes[scopes["import_id"].isin(known)]
    # import ids sort by time (store.new_import_id): the latest per period x village wins.
    latest = scopes.groupby("village_code")["import_id"].max()
    return pairs[pairs["import_id"] == pairs["village_code"].map(latest)].reset_index(drop=True)


def duplicate_counts(period: str, *, data_dir=None, snapshot=None) -> pd.DataFrame:
    """Pairs per village x puskesmas x posyandu for ``period``: column probable_duplicates."""
    pairs = duplicate_pairs(period, data_dir=data_dir, snapshot=snapshot)
    keys = ["village_code", "puskesmas", "posyandu"]
    return pairs.groupby(keys, as_index=False).size().rename(columns={"size": "probable_duplicates"})
