"""Reading e-PPGBM individual exports (one row per child measurement), CSV or XLSX.

What the reader accepts
-----------------------
* CSV separated by ``;``, ``,`` or tab; decimals with a comma or a dot; UTF-8 (with or without BOM)
  or Windows-1252 (the encoding is decided by checking the whole file is valid UTF-8).
* XLSX / XLS through python-calamine (the first sheet).
* The header row may sit below a few title lines (the first ``HEADER_SEARCH_ROWS`` rows are searched).
  Headers are matched by a key of their letters and digits only (case, spaces and punctuation
  ignored): the variant table is ``HEADER_VARIANTS`` below. Columns it does not know are ignored;
  RT, RW and Alamat are never read at all.
* Dates as ``dd/mm/yyyy`` (also with ``-`` or ``.``), ISO ``yyyy-mm-dd`` (time part ignored) or Excel
  serial day numbers; Indonesian exports are day-first, so ``03/04/2024`` is 3 April.
* Numbers: ``8888``, ``9999``, ``888``, ``999``, ``0``, empty and text count as missing weight or height;
  for the ``ZS`` columns only ``8888``/``9999``/text/empty are missing (0 is a valid z-score).
* Refused whole, in one sentence naming the file (and line): empty, binary or UTF-16 files, a BOM in
  the middle (two exports pasted together), a first line over ``SNIFF_BYTES`` (no export row is that
  long), a header naming one column twice, and workbooks that are ZIP bombs, carry macros or declare
  XML entities (stunting/guards.py). No message quotes a cell: a header that is not recognised is
  described by its number of columns and the e-PPGBM names it has (a data row taken for a header
  holds a NIK and a name).
* ``JK``: L / P, also Laki-laki / Perempuan. ``Cara Ukur``: Terlentang (lying) / Berdiri (standing),
  anything else unknown.

Age
---
``age_days`` is always measurement date minus birth date (WHO's rule). ``Usia Saat Ukur``
("X Tahun - Y Bulan - Z Hari") is never used as a fallback (a row without both dates is rejected):
it is only cross-checked, and rows where it differs from the dates by more than
``AGE_TEXT_TOLERANCE_DAYS`` are counted (``age_text_mismatch``), a sign of swapped day and month.

Rows and rejects
----------------
``source_row`` 1 is the first data row after the header; in the rejects, ``file_line`` is the line
of the CSV (or the row of the sheet) where that row is: header line + source_row (for CSV this holds
unless a quoted field spans several lines). Entirely empty rows are skipped, neither read nor rejected.
Each rejected row gets one reason: the first of REJECT_REASONS (in that order) that applies.
A CSV whose first rows mostly have more fields than its header (decimal commas in a comma-separated
file, unquoted) is refused whole: its values would sit under the wrong headers (``SHIFT_SAMPLE_ROWS``).

Memory
------
CSV is read in chunks of ``CHUNK_ROWS`` rows, so a 200 MB export needs memory for one chunk of raw text
plus the slim parsed columns (about 100 bytes a row), whatever its size. XLSX cannot be streamed
(calamine holds the whole decompressed sheet in memory), so XLSX files above ``MAX_XLSX_BYTES`` are
refused with a message asking for the CSV export instead.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stunting import gazetteer
from stunting.errors import UserError
from stunting.guards import check_workbook
from stunting.indicators import DAYS_PER_MONTH
from stunting.pseudonym import normalise_name, normalise_nik
from stunting.villages import VillageMatcher

# Rows parsed at a time. 100,000 rows of raw text is about 60 MB in pandas: the bound on the reader's
# working memory for any CSV size.
CHUNK_ROWS = 100_000
# calamine decompresses the whole sheet into memory, about 30 times the XLSX file's size; 40 MB
# (roughly 400,000 rows) keeps that near 1.2 GB on a laptop. Bigger exports must come as CSV.
MAX_XLSX_BYTES = 40 * 1024 * 1024
# Workbook XML compresses 5 to 15 times: a 40 MB export holds at most about 600 MB of XML. More than
# that, or a far higher ratio, is a ZIP bomb (stunting/guards.py), refused before calamine expands it.
MAX_XLSX_UNZIPPED_BYTES = 16 * MAX_XLSX_BYTES
# Exports often carry a title and a few blank lines above the header.
HEADER_SEARCH_ROWS = 20
# Calendar arithmetic in "X Tahun - Y Bulan - Z Hari" differs from days / 365.25 by a few days;
# a swapped day and month moves it by a month or more.
AGE_TEXT_TOLERANCE_DAYS = 5
# WHO's standards (and this product) stop at 60 completed months.
MAX_AGE_MONTHS = 60
SNIFF_BYTES = 64 * 1024
# Data rows of the sniffed start checked for values beyond the header's last column. When most of them
# have such values the whole file is shifted (typically decimal commas in a comma-separated file): every
# number would be read from the wrong column, so the file is refused rather than read.
SHIFT_SAMPLE_ROWS = 50

MEASURE_SENTINELS = (0.0, 888.0, 999.0, 8888.0, 9999.0)
ZSCORE_SENTINELS = (888.0, 999.0, 8888.0, 9999.0)

# The header row of an e-PPGBM individual export, in order, as the application writes it ("Pukesmas"
# included). The demo and the benchmarks write it; the reader accepts it and the variants below.
EXPORT_HEADER = (
    "NIK", "Nama", "JK", "Tgl Lahir", "BB Lahir", "TB Lahir", "Nama Ortu", "Prov", "Kab/Kota", "Kec",
    "Pukesmas", "Desa/Kel", "Posyandu", "RT", "RW", "Alamat", "Usia Saat Ukur", "Tanggal Pengukuran",
    "Berat", "Tinggi", "Cara Ukur", "LiLA", "BB/U", "ZS BB/U", "TB/U", "ZS TB/U", "BB/TB", "ZS BB/TB",
    "Naik Berat Badan", "PMT Diterima (kg)", "Jml Vit A", "KPSP", "KIA",
)  # fmt: skip

# Canonical column -> header keys (letters and digits only, lower case) seen in exports.
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "nikanak", "nikbalita", "nonik"),
    "name": ("nama", "namaanak", "namabalita"),
    "sex": ("jk", "jeniskelamin", "kelamin", "lp", "sex"),
    "birth_date": ("tgllahir", "tanggallahir", "tgllhr", "tanggallhr"),
    "mother_name": ("namaortu", "namaorangtua", "namaibu", "namaortuwali", "namaibukandung"),
    "regency_name": ("kabkota", "kabupatenkota", "kab", "kabupaten", "kota", "kabkot"),
    "kecamatan_name": ("kec", "kecamatan"),
    "puskesmas": ("pukesmas", "puskesmas"),
    "village_name": ("desakel", "desakelurahan", "kelurahan", "desa", "kel", "kelurahandesa", "keldesa"),
    "posyandu": ("posyandu",),
    "age_text": ("usiasaatukur", "umursaatukur", "usiaukur", "umurukur"),
    "measured_on": ("tanggalpengukuran", "tglpengukuran", "tglukur", "tanggalukur", "tglpengukur"),
    "weight_kg": ("berat", "beratkg", "bb", "bbkg", "beratbadan", "beratbadankg"),
    "height_cm": ("tinggi", "tinggicm", "tb", "tbcm", "tinggibadan", "tinggibadancm", "pbtb", "pbtbcm"),
    "position": ("caraukur", "posisiukur", "posisi", "carapengukuran"),
    "reported_waz": ("zsbbu", "zscorebbu", "zbbu"),
    "reported_haz": ("zstbu", "zscoretbu", "ztbu", "zspbtbu", "zspbu"),
    "reported_whz": ("zsbbtb", "zscorebbtb", "zbbtb", "zsbbpbtb"),
}
# Headers of the export that are known but deliberately never read (personal data or unused).
IGNORED_HEADERS = frozenset(
    "bblahir tblahir pblahir prov provinsi rt rw alamat lila bbu tbu bbtb naikberatbadan "
    "pmtditerimakg jmlvita kpsp kia".split()
)
_HEADER_LOOKUP = {key: canonical for canonical, keys in HEADER_VARIANTS.items() for key in keys}

REQUIRED = ("sex", "birth_date", "measured_on", "weight_kg", "height_cm", "village_name", "kecamatan_name")
# How the issue names each column, for messages when it is missing.
DISPLAY = {
    "nik": "NIK",
    "name": "Nama",
    "sex": "JK",
    "birth_date": "Tgl Lahir",
    "mother_name": "Nama Ortu",
    "regency_name": "Kab/Kota",
    "kecamatan_name": "Kec",
    "puskesmas": "Pukesmas",
    "village_name": "Desa/Kel",
    "posyandu": "Posyandu",
    "age_text": "Usia Saat Ukur",
    "measured_on": "Tanggal Pengukuran",
    "weight_kg": "Berat",
    "height_cm": "Tinggi",
    "position": "Cara Ukur",
    "reported_waz": "ZS BB/U",
    "reported_haz": "ZS TB/U",
    "reported_whz": "ZS BB/TB",
}

# reason code -> (canonical column it concerns, sentence template); checked in this order.
REJECT_REASONS: dict[str, tuple[str, str]] = {
    "birth_date_missing": ("birth_date", "{col} is empty."),
    "birth_date_invalid": ("birth_date", "{col} is not a date (dd/mm/yyyy, yyyy-mm-dd or an Excel date)."),
    "measured_on_missing": ("measured_on", "{col} is empty."),
    "measured_on_invalid": ("measured_on", "{col} is not a date (dd/mm/yyyy, yyyy-mm-dd or an Excel date)."),
    "measured_on_future": ("measured_on", "{col} is later than today."),
    "measured_before_birth": ("measured_on", "{col} is before Tgl Lahir."),
    "age_60_months_or_more": (
        "birth_date",
        "age 60 months or more: {col} is 60 months or more before the "
        "measurement, and only children under five are counted.",
    ),
    "sex_invalid": ("sex", "{col} is neither L (Laki-laki) nor P (Perempuan)."),
    "weight_negative": ("weight_kg", "{col} is negative."),
    "height_negative": ("height_cm", "{col} is negative."),
    "no_measurement": ("weight_kg", "{col} and Tinggi are both missing (empty, 0, 8888, 9999 or text)."),
    "identity_missing": (
        "nik",
        "{col} is not a 16-digit NIK and Nama is empty, so the child cannot be "
        "recognised across measurements.",
    ),
    "regency_unknown": ("regency_name", ""),
    "kecamatan_unknown": ("kecamatan_name", ""),
    "village_unknown": ("village_name", ""),
    "village_ambiguous": ("village_name", ""),
}
REJECT_COLUMNS = ["source_row", "file_line", "column", "reason_code", "reason"]

# The parsed frame's columns (identifying ones are only present when the file has them).
IDENTIFYING = ("nik", "name", "mother_name")
OUTPUT_COLUMNS = [
    "source_row",
    "nik",
    "name",
    "mother_name",
    "birth_date",
    "measured_on",
    "age_days",
    "sex",
    "weight_kg",
    "height_cm",
    "measured_lying",
    "reported_haz",
    "reported_waz",
    "reported_whz",
    "posyandu",
    "puskesmas",
    "village_code",
    "kecamatan_code",
    "regency",
    "age_text_mismatch",
]


def header_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


@dataclass
class Layout:
    """How a file was understood: kind, encoding, separator, where its header is, which columns."""

    path: Path
    kind: str  # "csv" or "excel"
    header_line: int  # 1-based line (CSV) or row (sheet) of the header
    columns: dict[str, int]  # canonical -> 0-based column index
    headers: list[str]  # the header row as written
    encoding: str | None = None
    delimiter: str | None = None

    def header_of(self, canonical: str) -> str:
        index = self.columns.get(canonical)
        return self.headers[index].strip() if index is not None else DISPLAY.get(canonical, canonical)


@dataclass
class ParsedChunk:
    frame: pd.DataFrame  # OUTPUT_COLUMNS for accepted rows
    rejects: pd.DataFrame  # REJECT_COLUMNS
    rows_read: int
    # What the ingest summary tells (accepted rows only): (file spelling, gazetteer name, code) of
    # villages matched fuzzily -> rows; (column header, value as written) of "not measured" sentinels
    # in the weight and height columns -> rows; rows stored without a height, without a weight.
    fuzzy_villages: dict[tuple[str, str, str], int] = field(default_factory=dict)
    sentinels: dict[tuple[str, str], int] = field(default_factory=dict)
    without_height: int = 0
    without_weight: int = 0


@dataclass
class EppgbmExport:
    layout: Layout
    frame: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------
# Opening the file: kind, encoding, header row
# ----------------------------------------------------------------------------------------------
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def open_layout(path: str | Path, *, max_xlsx_bytes: int = MAX_XLSX_BYTES) -> Layout:
    """Decide how to read ``path`` and find its header row, or raise UserError naming the file."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise UserError(f"{path} does not exist or is not a file.")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise UserError(f"{name} is empty: it has no header row and no data.")
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        if head.startswith(_ZIP_MAGIC):
            check_workbook(path, max_unzipped_bytes=MAX_XLSX_UNZIPPED_BYTES)
        if size > max_xlsx_bytes:
            raise UserError(
                f"{name} is a {size / 2**20:.0f} MB Excel file, above the {max_xlsx_bytes / 2**20:.0f} MB "
                "that can be read in memory: export it from e-PPGBM as CSV instead (CSV has no size limit)."
            )
        rows = _excel_rows(path)
        header_rows = []
        for row in rows:
            header_rows.append(row)
            if len(header_rows) >= HEADER_SEARCH_ROWS:
                break
        index, headers = _find_header(name, [[_cell_text(v) for v in row] for row in header_rows])
        return Layout(path, "excel", index + 1, _columns(name, headers, index + 1), headers)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UserError(
            f"{name} is UTF-16 text (as Excel's 'Unicode text' saves it); save it as CSV UTF-8, "
            "or export it again from e-PPGBM as CSV or XLSX."
        )
    if b"\x00" in head:
        raise UserError(
            f"{name} is not a text (CSV) file: it contains binary data; "
            "export it again from e-PPGBM as CSV or XLSX."
        )
    if len(head) == SNIFF_BYTES and b"\n" not in head and b"\r" not in head:
        # 1,000,000 columns or a 100 MB line: no export row is that long, and reading it would mean
        # holding the whole line in memory.
        raise UserError(
            f"{name}, line 1: longer than {SNIFF_BYTES // 1024} KB without a line break (an e-PPGBM row "
            "is a few hundred bytes), so it is not an e-PPGBM export, or its line breaks were lost."
        )
    encoding = _detect_encoding(path, head)
    text = head.decode(encoding, errors="replace")
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    best: tuple[int, int, str, list[str]] | None = None
    for i, line in enumerate(lines):
        for delimiter in (";", ",", "\t"):
            fields = next(csv.reader([line], delimiter=delimiter), [])
            score = sum(header_key(f) in _HEADER_LOOKUP for f in fields)
            if best is None or score > best[0]:
                best = (score, i, delimiter, fields)
    assert best is not None
    score, index, delimiter, fields = best
    if score == 0:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        _raise_unrecognised(name, next(csv.reader([lines[first]], delimiter=delimiter), []), [], first + 1)
    columns = _columns(name, fields, index + 1)
    body = "".join(text.splitlines(keepends=True)[index + 1 :])
    if len(head) == SNIFF_BYTES:
        body = body[: body.rfind("\n") + 1]  # the sniffed block may end inside a row
    _refuse_shifted(name, body, index + 1, delimiter, len(fields))
    return Layout(path, "csv", index + 1, columns, fields, encoding=encoding, delimiter=delimiter)


def _refuse_shifted(name: str, body: str, header_line: int, delimiter: str, width: int) -> None:
    """UserError when most sampled data rows have more fields than the header's ``width``."""
    # newline=None: rows end at \r too, as the parser reads them (files saved by old Mac software)
    reader = csv.reader(io.StringIO(body, newline=None), delimiter=delimiter)
    rows, shifted, first = 0, 0, None
    for row in reader:
        if not any(v.strip() for v in row):
            continue
        rows += 1
        # Decimal commas in a comma-separated file often shift only empty trailing columns past the
        # end; with another separator, empty extra fields are just trailing separators.
        if len(row) > width and (delimiter == "," or any(v.strip() for v in row[width:])):
            shifted += 1
            first = first or (header_line + reader.line_num, len(row))
        if rows >= SHIFT_SAMPLE_ROWS:
            break
    if first is not None and 2 * shifted > rows:
        line, count = first
        raise UserError(
            f"{name}, line {line}: {shifted} of the first {rows} rows have more values than the "
            f"header's {width} columns (this one has {count}), so values would sit under the wrong "
            f"headers, as happens when values such as decimal commas contain the separator "
            f"'{delimiter}' unquoted: export the file again separated by ';' or with quoted values."
        )


def _detect_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            offset, tail = 0, b""
            while block := fh.read(1 << 20):
                # An ASCII block is valid UTF-8 and holds no byte-order mark (every byte is below
                # 0x80), so it is neither decoded nor searched, unless the block before ended inside
                # a character (the decoder holds its first bytes). Most exports are ASCII throughout;
                # decoding and searching every block was most of the checks before reading (0.35 s
                # of a 256 MB file, 9 s of a 5 GB one).
                if not block.isascii() or decoder.getstate()[0]:
                    decoder.decode(block)
                    _refuse_inner_bom(path, tail + block, offset - len(tail))
                offset += len(block)
                tail = block[-2:]
            decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                decoder.decode(block)
    except UnicodeDecodeError as error:
        raise UserError(
            f"{path.name} is neither UTF-8 nor Windows-1252 text (byte {error.start} of a block cannot be "
            "read): export it again from e-PPGBM as CSV or XLSX."
        ) from None
    return "cp1252"


def _refuse_inner_bom(path: Path, block: bytes, offset: int) -> None:
    """UserError at a UTF-8 byte-order mark after the file's first bytes (``block`` starts at byte
    ``offset`` of ``path``): two exports were joined into one (each with its own BOM and, usually,
    its own header row)."""
    at = block.find(codecs.BOM_UTF8, 1 if offset <= 0 else 0)
    if at < 0 or offset + at == 0:
        return
    raise UserError(
        f"{path.name}, line {_line_at(path, offset + at)}: a byte-order mark (BOM) in the middle of the "
        "file, as when two exports are pasted into one; import each export as its own file."
    )


def _line_at(path: Path, position: int) -> int:
    """The line (from 1) that byte ``position`` of ``path`` is on."""
    lines = 0
    with open(path, "rb") as fh:
        while position > 0 and (block := fh.read(min(1 << 20, position))):
            lines += block.count(b"\n")
            position -= len(block)
    return lines + 1


def _find_header(name: str, rows: list[list[str]]) -> tuple[int, list[str]]:
    scored = [(sum(header_key(v) in _HEADER_LOOKUP for v in row), -i, row) for i, row in enumerate(rows)]
    if not scored:
        raise UserError(f"{name} is empty: its first sheet has no header row and no data.")
    score, minus_index, row = max(scored, key=lambda t: (t[0], t[1]))
    if score == 0:
        first = next((i for i, r in enumerate(rows) if any(str(v).strip() for v in r)), 0)
        _raise_unrecognised(name, rows[first], [], first + 1)
    return -minus_index, row


def _columns(name: str, headers: list[str], header_line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, header in enumerate(headers):
        canonical = _HEADER_LOOKUP.get(header_key(header))
        if canonical and canonical in columns:
            # Two columns for one value (say two "Tgl Lahir"): which one holds the child's is a guess.
            raise UserError(
                f"{name}, line {header_line}: {DISPLAY[canonical]} appears twice, in columns "
                f"{columns[canonical] + 1} and {i + 1}; keep one of them and import the file again."
            )
        if canonical:
            columns[canonical] = i
    missing = [c for c in REQUIRED if c not in columns]
    if "nik" not in columns and "name" not in columns:
        missing.append("nik")
    if missing:
        _raise_unrecognised(name, headers, missing, header_line)
    return columns


def _raise_unrecognised(name: str, found: list[str], missing: list[str], line: int) -> None:
    """The header is described by its size and the e-PPGBM names it has, never by its other cells:
    the row taken for a header may be a child's data row (NIK, name, address)."""
    # Up to the last filled cell: a sheet's row and a CSV line then count alike.
    columns = max((i + 1 for i, h in enumerate(found) if str(h).strip()), default=0)
    known = [DISPLAY[c] for c in dict.fromkeys(_HEADER_LOOKUP.get(header_key(h)) for h in found) if c]
    if not missing:
        missing = list(REQUIRED) + ["nik"]
    wanted = ", ".join("NIK or Nama" if c == "nik" else DISPLAY[c] for c in missing)
    if known:
        has = f"its header row (line {line}) has {columns} columns, of which {', '.join(known)} are e-PPGBM's"
    else:
        has = (
            f"no row among its first {HEADER_SEARCH_ROWS} has an e-PPGBM column name "
            f"(line {line} has {columns} columns)"
        )
    raise UserError(
        f"{name} does not look like an e-PPGBM export: {has}, but these columns are missing: {wanted}."
    )


# ----------------------------------------------------------------------------------------------
# Raw chunks of text
# ----------------------------------------------------------------------------------------------
def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    return str(value)


def _excel_rows(path: Path) -> Iterator[list[object]]:
    from python_calamine import load_workbook

    try:
        workbook = load_workbook(str(path))
        sheet = workbook.get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except UserError:
        raise
    except Exception as error:  # calamine raises several types (ZipError, XmlError, CalamineError...)
        raise UserError(
            f"{path.name} is damaged or incomplete: it cannot be opened as an Excel workbook "
            f"({type(error).__name__}); export it again from e-PPGBM."
        ) from None


def _raw_chunks(layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of the wanted columns as text, with ``source_row``; entirely empty rows dropped."""
    wanted = dict(sorted(layout.columns.items(), key=lambda kv: kv[1]))
    names = list(wanted)
    indexes = list(wanted.values())
    if layout.kind == "excel":
        rows = _excel_rows(layout.path)
        for _ in range(layout.header_line):
            next(rows, None)
        buffer: list[list[str]] = []
        start = 1
        for row in rows:
            buffer.append([_cell_text(row[i]) if i < len(row) else "" for i in indexes])
            if len(buffer) >= chunk_rows:
                yield _raw_frame(buffer, names, start)
                start += len(buffer)
                buffer = []
        if buffer:
            yield _raw_frame(buffer, names, start)
        return
    try:
        reader = pd.read_csv(
            layout.path, skiprows=layout.header_line, chunksize=chunk_rows, **_csv_options(layout)
        )
        start = 1
        for chunk in reader:
            yield _raw_text(chunk, layout, start)
            start += len(chunk)
    except pd.errors.EmptyDataError:
        return  # a header and nothing after it: no rows (the caller says so)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise UserError(f"{layout.path.name} cannot be read as CSV: {_parser_detail(error)}.") from None


def _csv_options(layout: Layout) -> dict:
    return dict(
        sep=layout.delimiter,
        encoding=layout.encoding,
        header=None,
        usecols=sorted(layout.columns.values()),
        dtype=object,  # plain Python strings: 3x faster to parse than Arrow-backed str here
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
    )


def _raw_text(chunk: pd.DataFrame, layout: Layout, first_row: int) -> pd.DataFrame:
    """A parsed block of CSV rows as _raw_chunks yields it: the wanted columns by name, with
    ``source_row`` from ``first_row``, entirely empty rows dropped."""
    wanted = dict(sorted(layout.columns.items(), key=lambda kv: kv[1]))
    names = list(wanted)
    chunk = chunk.reindex(columns=list(wanted.values()))  # short rows and blank lines leave NaN: ""
    chunk.columns = names
    chunk.insert(0, "source_row", np.arange(first_row, first_row + len(chunk), dtype="int64"))
    return _drop_empty(chunk, names)


# --- chunks as byte ranges: read where they are staged (stunting.cluster.TwoProcessRunner) ----------
# Bytes scanned at a time for line ends: 1 MB blocks reuse the memory freed by the last one (16 MB
# blocks were each fresh pages from the system: half the scan's time).
_SCAN_BYTES = 1 << 20


@dataclass(frozen=True)
class Span:
    """Chunk ``index`` of a CSV export as the bytes of its lines, ``start`` to ``end``: rows
    ``first_row``.. (source_row), read by whichever process stages it (``read_span``). Only offsets
    travel between processes, never a row's text. ``first_line``: where the file's first data row
    ends (it starts where span 0 does)."""

    index: int
    start: int
    end: int
    first_row: int
    data_start: int
    first_line: int


def csv_spans(layout: Layout, chunk_rows: int) -> list[Span] | None:
    """The chunks _raw_chunks would yield, as byte ranges; None where a line break in the bytes may
    not end a row: a workbook, a file with a quote character (a quoted field may hold a line break)
    or a carriage return not followed by a line feed (the parser ends a row there too).

    Without those, each row of the file is one line ended by b"\\n" (UTF-8 and Windows-1252 never
    use that byte inside a character), so counting them finds every chunk's first byte."""
    if layout.kind != "csv":
        return None
    size = layout.path.stat().st_size
    ends: list[int] = []  # offsets just after the header's last line, then each chunk's
    wanted = layout.header_line
    seen = carriage = paired = 0
    with open(layout.path, "rb") as fh:
        offset, previous = 0, b""
        while block := fh.read(_SCAN_BYTES):
            if b'"' in block:
                return None
            if b"\r" in block or previous == b"\r":  # counted only where there is one: Windows files
                carriage += block.count(b"\r")
                paired += block.count(b"\r\n") + (previous == b"\r" and block[:1] == b"\n")
            # numpy counts a block's line ends in a third of the time bytes.count takes (one
            # comparison per byte, not a search per line).
            line_ends = np.frombuffer(block, dtype=np.uint8) == 0x0A
            count = int(np.count_nonzero(line_ends))
            if seen + count >= wanted:  # a chunk ends in this block: where its line ends
                lines = np.flatnonzero(line_ends)
                while seen + count >= wanted:
                    ends.append(offset + int(lines[wanted - seen - 1]) + 1)
                    wanted += chunk_rows
            seen += count
            previous = block[-1:]
            offset += len(block)
        if carriage != paired or not ends:
            return None  # a bare carriage return, or no line after the header
        fh.seek(ends[0])
        first_line = ends[0] + len(fh.readline())
    bounds = [*(end for end in ends if end < size), size]
    return [
        Span(index, start, end, 1 + index * chunk_rows, bounds[0], first_line)
        for index, (start, end) in enumerate(itertools.pairwise(bounds))
    ]


def read_span(layout: Layout, span: Span) -> pd.DataFrame:
    """The rows of ``span`` exactly as _raw_chunks yields chunk ``span.index``.

    The parser takes the number of columns from the first row it reads (a short first row makes
    later columns unknown); so the file's first data row is read before a later span's own rows and
    dropped, as if the reader had come through the whole file."""
    with open(layout.path, "rb") as fh:
        first = b""
        if span.index:
            fh.seek(span.data_start)
            first = fh.read(span.first_line - span.data_start)
        fh.seek(span.start)
        body = fh.read(span.end - span.start)
    try:
        rows = pd.read_csv(io.BytesIO(first + body), **_csv_options(layout))
    except pd.errors.EmptyDataError:  # blank lines only: _raw_chunks reads no row either
        rows = pd.DataFrame(columns=sorted(layout.columns.values()), dtype=object)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise UserError(f"{layout.path.name} cannot be read as CSV: {_parser_detail(error)}.") from None
    if first:
        rows = rows.iloc[1:]
    # Numbered on from the rows before, as the chunked reader numbers them.
    rows.index = pd.RangeIndex(span.first_row - 1, span.first_row - 1 + len(rows))
    return _raw_text(rows, layout, span.first_row)


_PARSER_WHERE = re.compile(r"(Expected \d+ fields in line \d+, saw \d+|line \d+|row \d+)")


def _parser_detail(error: Exception) -> str:
    """Where pandas' parser stopped (line and field counts), without the text it quotes: a parser
    message may carry a piece of the row, and rows hold names and NIKs."""
    where = _PARSER_WHERE.search(str(error))
    return f"{type(error).__name__} at {where.group(0)}" if where else type(error).__name__


def _raw_frame(buffer: list[list[str]], names: list[str], start: int) -> pd.DataFrame:
    frame = pd.DataFrame(buffer, columns=names, dtype=object)
    frame.insert(0, "source_row", np.arange(start, start + len(frame), dtype="int64"))
    return _drop_empty(frame, names)


def _drop_empty(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    first = frame[names[0]]
    blank = ((first == "") | first.isna()).to_numpy()
    if not blank.any():
        return frame
    candidates = frame.loc[blank, names]
    empty = ((candidates == "") | candidates.isna()).all(axis=1)
    return frame.drop(index=empty[empty].index)


# ----------------------------------------------------------------------------------------------
# Parsing values
# ----------------------------------------------------------------------------------------------
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: .*)?$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EARLIEST_DATE = pd.Timestamp("1678-01-01")  # within datetime64[ns]
_LATEST_DATE = pd.Timestamp("2262-04-01")  # Excel's day 0, counting its fictional 29 Feb 1900


def _per_unique(parse: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Run ``parse`` once per distinct text: exports repeat dates, weights and words on many rows,
    and pandas' regex parsing is a Python loop (10x faster on a 1,000,000-row export)."""

    def wrapper(text: pd.Series) -> pd.Series:
        # Missing values (code -1) are parsed as "", appended as the last distinct value.
        codes, uniques = pd.factorize(text.to_numpy(dtype=object))
        uniques = np.append(np.asarray(uniques, dtype=object), "")
        codes = np.where(codes < 0, len(uniques) - 1, codes)
        parsed = parse(pd.Series(uniques, dtype=object))
        return pd.Series(parsed.to_numpy()[codes], index=text.index, dtype=parsed.dtype)

    wrapper.__doc__ = parse.__doc__
    return wrapper


@_per_unique
def _stripped(text: pd.Series) -> pd.Series:
    return text.str.strip().astype(object)


@_per_unique
def _dates(text: pd.Series) -> pd.Series:
    s = text.str.strip()
    iso = s.str.extract(_ISO)
    dmy = s.str.extract(_DMY)
    year = iso[0].fillna(dmy[2])
    month = iso[1].fillna(dmy[1])
    day = iso[2].fillna(dmy[0])
    joined = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    dates = pd.to_datetime(joined, format="%Y-%m-%d", errors="coerce")
    serial = pd.to_numeric(s.str.extract(_SERIAL)[0], errors="coerce")
    from_serial = _EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")
    # A typo such as 3024 for 2024 is a date nanosecond timestamps cannot hold: clipped to their range,
    # it is still rejected for what it is (later than today, or before the birth date).
    return dates.fillna(from_serial).clip(_EARLIEST_DATE, _LATEST_DATE).astype("datetime64[ns]")


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates as datetime64, mask of non-empty values that are not dates)."""
    dates = _dates(text)
    invalid = dates.isna() & ~_blank(text)
    return dates, invalid


@_per_unique
def _blank(text: pd.Series) -> pd.Series:
    return (text.str.strip() == "").astype(bool)


@_per_unique
def _decimal_numbers(text: pd.Series) -> pd.Series:
    s = text.str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def parse_numbers(text: pd.Series, sentinels: tuple[float, ...]) -> pd.Series:
    """Comma or dot decimals; sentinels, text and empty become NaN."""
    values = _decimal_numbers(text)
    return values.mask(values.isin(sentinels))


_SEX = {"l": "L", "lakilaki": "L", "laki": "L", "pria": "L", "p": "P", "perempuan": "P", "wanita": "P"}
_POSITION = {"terlentang": True, "telentang": True, "berbaring": True, "berdiri": False}
_AGE_TEXT = re.compile(r"(\d+)\s*tahun\D*?(\d+)\s*bulan\D*?(\d+)\s*hari", re.IGNORECASE)


@_per_unique
def parse_sex(text: pd.Series) -> pd.Series:
    """L or P (None when the JK value is neither)."""
    return text.str.lower().str.replace(r"[^a-z]", "", regex=True).map(_SEX).astype(object)


def parse_position(text: pd.Series) -> pd.Series:
    """True lying (Terlentang), False standing (Berdiri), missing otherwise."""
    return _position_words(text).astype("boolean")


@_per_unique
def _position_words(text: pd.Series) -> pd.Series:
    return text.str.lower().str.replace(r"[^a-z]", "", regex=True).map(_POSITION).astype(object)


@_per_unique
def parse_age_text(text: pd.Series) -> pd.Series:
    """Approximate days of "X Tahun - Y Bulan - Z Hari" (NaN when it is not in that form)."""
    parts = text.str.extract(_AGE_TEXT).astype("float64")
    return parts[0] * 365.25 + parts[1] * DAYS_PER_MONTH + parts[2]


def parse_chunk(
    raw: pd.DataFrame, layout: Layout, matcher: VillageMatcher, today: dt.date | None = None
) -> ParsedChunk:
    """Canonical values and rejects for one chunk of raw text (see OUTPUT_COLUMNS, REJECT_COLUMNS)."""
    today = today or dt.date.today()
    n = len(raw)

    def col(name: str) -> pd.Series:
        return raw[name] if name in raw else pd.Series("", index=raw.index, dtype=object)

    out = pd.DataFrame(index=raw.index)
    out["source_row"] = raw["source_row"]
    for c in IDENTIFYING:
        if c in raw:
            out[c] = raw[c]
    out["birth_date"], birth_invalid = parse_dates(raw["birth_date"])
    out["measured_on"], measured_invalid = parse_dates(raw["measured_on"])
    age = (out["measured_on"] - out["birth_date"]).dt.days
    out["age_days"] = age
    out["sex"] = parse_sex(raw["sex"])
    out["weight_kg"] = parse_numbers(raw["weight_kg"], MEASURE_SENTINELS)
    out["height_cm"] = parse_numbers(raw["height_cm"], MEASURE_SENTINELS)
    out["measured_lying"] = parse_position(col("position"))
    for c in ("reported_haz", "reported_waz", "reported_whz"):
        out[c] = parse_numbers(col(c), ZSCORE_SENTINELS)
    for c in ("posyandu", "puskesmas"):
        out[c] = _stripped(col(c))
    age_text_days = parse_age_text(col("age_text"))
    out["age_text_mismatch"] = (age_text_days - age).abs() > AGE_TEXT_TOLERANCE_DAYS

    # One reason per row: the first that applies, in REJECT_REASONS order.
    reason = pd.Series(None, index=raw.index, dtype=object)

    def flag(code: str, mask: pd.Series) -> None:
        reason.loc[mask.to_numpy() & reason.isna().to_numpy()] = code

    flag("birth_date_missing", out["birth_date"].isna() & ~birth_invalid)
    flag("birth_date_invalid", birth_invalid)
    flag("measured_on_missing", out["measured_on"].isna() & ~measured_invalid)
    flag("measured_on_invalid", measured_invalid)
    flag("measured_on_future", out["measured_on"] > pd.Timestamp(today))
    flag("measured_before_birth", age < 0)
    flag("age_60_months_or_more", np.floor(age / DAYS_PER_MONTH) >= MAX_AGE_MONTHS)
    flag("sex_invalid", out["sex"].isna())
    flag("weight_negative", out["weight_kg"] < 0)
    flag("height_negative", out["height_cm"] < 0)
    flag("no_measurement", out["weight_kg"].isna() & out["height_cm"].isna())
    # A name is only needed without a NIK (nearly every row has one): only those names are folded.
    without_nik = (normalise_nik(col("nik")) == "").to_numpy()
    names = col("name")[without_nik]
    no_identity = np.zeros(len(without_nik), dtype=bool)
    no_identity[without_nik] = (normalise_name(names) == "").to_numpy()
    flag("identity_missing", pd.Series(no_identity, index=raw.index))

    pending = reason.isna()
    matched = matcher.match_frame(raw.loc[pending])
    out["village_code"] = matched["village_code"]
    out["kecamatan_code"] = matched["kecamatan_code"]
    out["regency"] = matched["regency"]
    village_status = matched["status"]
    bad_village = village_status != "ok"
    reason.loc[bad_village[bad_village].index] = village_status[bad_village]

    rejected = reason.notna()
    rejects = pd.DataFrame(
        {
            "source_row": raw.loc[rejected, "source_row"].to_numpy(),
            "file_line": raw.loc[rejected, "source_row"].to_numpy() + layout.header_line,
            "reason_code": reason[rejected].to_numpy(),
        }
    )
    village_reasons = matched.loc[matched.index.intersection(reason[rejected].index), "reason"]
    texts = []
    for row_index, code in zip(reason[rejected].index, rejects["reason_code"], strict=True):
        canonical, template = REJECT_REASONS[code]
        if template:
            texts.append(template.format(col=layout.header_of(canonical)))
        else:
            texts.append(village_reasons.get(row_index, ""))
    rejects["column"] = [layout.header_of(REJECT_REASONS[c][0]) for c in rejects["reason_code"]]
    rejects["reason"] = texts
    frame = out.loc[~rejected].reindex(
        columns=[c for c in OUTPUT_COLUMNS if c in out or c not in IDENTIFYING]
    )
    frame["age_days"] = frame["age_days"].astype("int32")
    for c in ("village_code", "kecamatan_code", "regency"):
        frame[c] = frame[c].astype(object)  # one dtype whatever the chunk (all rows matched here)
    accepted = ~rejected
    return ParsedChunk(
        frame,
        rejects[REJECT_COLUMNS],
        n,
        fuzzy_villages=_fuzzy_counts(matched, accepted),
        sentinels={
            (layout.header_of(c), value): count
            for c in ("weight_kg", "height_cm")
            for value, count in _sentinel_counts(raw.loc[accepted, c], MEASURE_SENTINELS).items()
        },
        without_height=int(frame["height_cm"].isna().sum()),
        without_weight=int(frame["weight_kg"].isna().sum()),
    )


def _fuzzy_counts(matched: pd.DataFrame, accepted: pd.Series) -> dict[tuple[str, str, str], int]:
    rows = matched.loc[matched.index.intersection(accepted[accepted].index)]
    rows = rows[rows["fuzzy_from"].notna()]
    if not len(rows):
        return {}
    counts = rows.groupby(["fuzzy_from", "village_code"]).size()
    names = gazetteer.villages().set_index("code")["name"]
    return {(spelling, str(names.get(code, code)), code): int(n) for (spelling, code), n in counts.items()}


def _sentinel_counts(text: pd.Series, sentinels: tuple[float, ...]) -> dict[str, int]:
    """Rows per "not measured" value as written ("8888", "0"): the summary says what was dropped."""
    values = _decimal_numbers(text)
    hits = text[values.isin(sentinels)].astype(str).str.strip()
    return {str(k): int(v) for k, v in hits.value_counts().items()}


def iter_export(
    path: str | Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    max_xlsx_bytes: int = MAX_XLSX_BYTES,
    matcher: VillageMatcher | None = None,
    today: dt.date | None = None,
    on_layout: Callable[[Layout], None] | None = None,
) -> Iterator[ParsedChunk]:
    """Parsed chunks of an export, in file order: the way to read a big file in bounded memory."""
    layout = open_layout(path, max_xlsx_bytes=max_xlsx_bytes)
    if on_layout is not None:
        on_layout(layout)
    matcher = matcher or VillageMatcher()
    for raw in _raw_chunks(layout, chunk_rows):
        yield parse_chunk(raw, layout, matcher, today)


def read_export(
    path: str | Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    max_xlsx_bytes: int = MAX_XLSX_BYTES,
    today: dt.date | None = None,
) -> EppgbmExport:
    """The whole export as one frame of OUTPUT_COLUMNS plus its rejects (identifying columns included:
    callers pseudonymise and drop them before anything is written)."""
    layouts: list[Layout] = []
    chunks = list(
        iter_export(
            path, chunk_rows=chunk_rows, max_xlsx_bytes=max_xlsx_bytes, today=today, on_layout=layouts.append
        )
    )
    frames = [c.frame for c in chunks]
    rejects = [c.rejects for c in chunks if len(c.rejects)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    rejected = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    by_reason = rejected["reason_code"].value_counts().to_dict() if len(rejected) else {}
    return EppgbmExport(layouts[0], frame, rejected, sum(c.rows_read for c in chunks), by_reason)
