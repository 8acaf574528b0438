"""Aggregated input: village counts for offices that have no child-level e-PPGBM export.

A CSV (``;`` or ``,`` separated, UTF-8 or Windows-1252), one row per village x period::

    period;village_code;measured;stunting;severe_stunting;wasting;underweight
    2024-08;64.02.01.2001;57;12;3;4;6

``village_code`` may be replaced by ``kecamatan`` (name or code) + ``village`` (name). Only
``period``, the village, ``measured`` and ``stunting`` are required; the other counts are optional
(an empty cell means "not reported", and that indicator then shows no data for the village).
Indonesian headers are accepted too (periode, kode_desa, desa, diukur, pendek, sangat_pendek,
kurus, gizi_kurang). The file is taken whole or not at all: the first bad row stops the import
with its row number and column, and nothing is stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from stunting import gazetteer, store
from stunting.errors import UserError

# A hand-made table of village counts is small: 252 villages x a few years of months. Anything much
# bigger is a child-level export given to the wrong command.
MAX_BYTES = 20 * 1024 * 1024

HEADER_ALIASES = {
    "period": ("period", "periode", "bulan", "month"),
    "village_code": ("village_code", "kode_desa", "kode_wilayah", "kode_kelurahan", "code"),
    "kecamatan": ("kecamatan", "kec", "kecamatan_code", "kode_kecamatan"),
    "village": ("village", "desa", "desa_kel", "kelurahan", "nama_desa", "village_name"),
    "measured": ("measured", "children_measured", "diukur", "jumlah_diukur", "balita_diukur"),
    "stunting": ("stunting", "stunted", "pendek"),
    "severe_stunting": ("severe_stunting", "severely_stunted", "sangat_pendek"),
    "wasting": ("wasting", "wasted", "kurus"),
    "underweight": ("underweight", "gizi_kurang", "berat_kurang"),
}
OPTIONAL_COUNTS = ("severe_stunting", "wasting", "underweight")
PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _key(text: str) -> str:
    """Header / name key: case, spaces, punctuation and accents do not matter."""
    return re.sub(r"[^0-9a-z]+", "_", str(text).strip().casefold()).strip("_")


def read_aggregates(path: Path) -> pd.DataFrame:
    """Read and validate one aggregated CSV into store.AGGREGATE_SCHEMA columns (import_id empty)."""
    path = Path(path)
    raw = _read_bytes(path)
    text = _decode(raw, path)
    rows = _rows(text, path)
    header = [_key(h) for h in rows[0]]
    columns = _map_header(header, path)
    villages = gazetteer.villages()
    by_code = villages.set_index("code")
    by_kecamatan_name = {
        (row.kecamatan_code, _key(row.name)): row.code for row in villages.itertuples(index=False)
    }
    kecamatan_codes = set(villages["kecamatan_code"])
    kecamatan_by_name: dict[str, set[str]] = {}
    for code, name in zip(villages["kecamatan_code"], villages["kecamatan_name"], strict=True):
        kecamatan_by_name.setdefault(_key(name), set()).add(code)

    records = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(rows[1:], start=1):
        if not any(c.strip() for c in cells):
            continue
        padded = cells + [""] * (len(header) - len(cells))
        values = {field: padded[position].strip() for field, position in columns.items()}

        def cell(field: str, values=values) -> str:
            return values.get(field, "")

        where = f"{path.name}, row {number}"
        period = cell("period")
        if not PERIOD_PATTERN.match(period):
            raise UserError(
                f"{where}, column {rows[0][columns['period']]!r}: period {period!r} is not YYYY-MM."
            )
        if "village_code" in columns and cell("village_code"):
            village = cell("village_code")
            if village not in by_code.index:
                raise UserError(f"{where}: village code {village!r} is not in the gazetteer.")
        else:
            village = _match_village(
                cell("kecamatan"),
                cell("village"),
                where,
                kecamatan_codes,
                kecamatan_by_name,
                by_kecamatan_name,
            )
        counts = {}
        for field in ("measured", "stunting", *OPTIONAL_COUNTS):
            counts[field] = _count(
                cell(field),
                field,
                where,
                rows[0][columns[field]] if field in columns else field,
                required=field in ("measured", "stunting"),
            )
        for field in ("stunting", *OPTIONAL_COUNTS):
            if counts[field] is not None and counts[field] > counts["measured"]:
                raise UserError(
                    f"{where}: {field} ({counts[field]}) is more than the children measured "
                    f"({counts['measured']})."
                )
        if counts["severe_stunting"] is not None and counts["severe_stunting"] > counts["stunting"]:
            raise UserError(
                f"{where}: severe_stunting ({counts['severe_stunting']}) is more than stunting "
                f"({counts['stunting']}); severely stunted children are part of the stunted."
            )
        if (village, period) in seen:
            raise UserError(
                f"{where}: village {village} appears twice for {period} "
                f"(first in row {seen[(village, period)]})."
            )
        seen[(village, period)] = number
        records.append(
            {
                "regency": by_code.at[village, "regency_code"],
                "kecamatan_code": by_code.at[village, "kecamatan_code"],
                "village_code": village,
                "period": period,
                **counts,
                "import_id": "",
                "source_row": number,
            }
        )
    if not records:
        raise UserError(f"{path.name} has a header but no rows of counts.")
    frame = pd.DataFrame.from_records(records)
    for field in ("measured", "stunting", *OPTIONAL_COUNTS):
        frame[field] = frame[field].astype("Int64")
    return frame


def ingest_aggregates(path: Path, data_dir=None) -> tuple[store.ImportRecord, bool]:
    """Read, validate and store one aggregated CSV. Returns (record, already_imported): an identical
    file imported before is not imported again."""
    path = Path(path)
    raw = _read_bytes(path)
    sha256 = hashlib.sha256(raw).hexdigest()
    earlier = store.find_import(data_dir, sha256)
    if earlier is not None:
        return earlier, True
    frame = read_aggregates(path)
    record = store.ImportRecord(
        import_id=store.new_import_id(),
        file_name=path.name,
        sha256=sha256,
        source="aggregate",
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        rows_read=len(frame),
        rows_stored=0,
        rows_rejected=0,
    )
    frame["import_id"] = record.import_id
    return store.write_aggregates(data_dir, frame, record), False


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise UserError(f"{path} does not exist or is not a file.")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UserError(
            f"{path.name} is {size / 1e6:.0f} MB; an aggregated file of village counts is at most "
            f"{MAX_BYTES / 1e6:.0f} MB (is it a child-level export? use `ingest`)."
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise UserError(f"{path.name} is empty.")
    return raw


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096]:
        raise UserError(f"{path.name} is not a text CSV file (it contains binary data).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _rows(text: str, path: Path) -> list[list[str]]:
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _map_header(header: list[str], path: Path) -> dict[str, int]:
    columns: dict[str, int] = {}
    for field, aliases in HEADER_ALIASES.items():
        for position, name in enumerate(header):
            if name in aliases:
                columns[field] = position
                break
    has_village = "village_code" in columns or ("kecamatan" in columns and "village" in columns)
    needed = [f for f in ("period", "measured", "stunting") if f not in columns]
    if needed or not has_village:
        if not has_village:
            needed.append("village_code (or kecamatan + village)")
        raise UserError(
            f"{path.name}: the header lacks {', '.join(needed)}; expected columns like "
            "period;village_code;measured;stunting[;severe_stunting;wasting;underweight]."
        )
    return columns


def _count(text: str, field: str, where: str, column: str, *, required: bool) -> int | None:
    if text == "":
        if required:
            raise UserError(f"{where}, column {column!r}: the count is empty.")
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise UserError(f"{where}, column {column!r}: {text!r} is not a number.") from None
    if value < 0 or value != int(value):
        raise UserError(f"{where}, column {column!r}: {text!r} is not a whole number of children.")
    return int(value)


def _match_village(
    kecamatan: str, name: str, where: str, kecamatan_codes, kecamatan_by_name, by_kecamatan_name
) -> str:
    if not kecamatan or not name:
        raise UserError(f"{where}: give a village_code, or both kecamatan and village.")
    if kecamatan in kecamatan_codes:
        candidates = {kecamatan}
    else:
        candidates = kecamatan_by_name.get(_key(kecamatan), set())
    if not candidates:
        raise UserError(f"{where}: kecamatan {kecamatan!r} is not in the gazetteer.")
    matches = [by_kecamatan_name[(k, _key(name))] for k in candidates if (k, _key(name)) in by_kecamatan_name]
    if len(matches) != 1:
        raise UserError(
            f"{where}: village {name!r} is not a village of kecamatan {kecamatan!r} in the gazetteer."
        )
    return matches[0]
