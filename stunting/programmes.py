"""Programme data per village and year: what a regency did, next to what it measured.

Tables (one sheet each in the XLSX template; a CSV holds one of them, recognised by its headers):

=============  =====================================================================================
sheet          one row per
=============  =====================================================================================
lokus          village x year: a priority village (lokus desa) of the stunting programme that year
baas           village x year: children fostered by BAAS (Bapak/Bunda Asuh Anak Stunting), foster
               parents
raga_pantas    village x year: families reached by Raga Pantas
rembuk         village x year: a rembuk stunting (village stunting meeting) was held
konvergensi    village x year x indicator: the village convergence scorecard (8 indicators for pregnant
               women, 10 for children 0-23 months), numerator and denominator
program_lain   programme x village x start: any other programme (name, start, optional end and count)
anak_baas      fostered child (NIK + birth date + sex, as the BKKBN BAAS app holds it): pseudonymised
               with the e-PPGBM key at once, the NIK is never stored
=============  =====================================================================================

Every cell is checked before anything is written; each problem is one message naming sheet, row
(the spreadsheet's row number, the header being row 1) and column. A file with problems stores
nothing unless the user accepts its valid rows (``accept_valid``). Rows of a new file replace the
stored rows with the same key (village and year, and indicator / programme name); other stored rows
stay. Writes go through ``SnapshotStore(data_dir / "programmes")``, so a failed import changes
nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from stunting import config, gazetteer
from stunting.errors import UserError
from stunting.i18n import t
from stunting.snapshots import SnapshotStore

PROGRAMMES = "programmes"
LOG_FILE = "imports.json"
# Village convergence started with the national strategy (Stranas Stunting, 2018); a year after
# this one is allowed because lokus lists are decided the year before.
FIRST_YEAR = 2018
YEARS_AHEAD = 1
# The error list on screen and in the CLI stops here; the full list goes to the report file.
SHOWN_ERRORS = 20
# A programme sheet is a few thousand rows (252 villages x years x 18 indicators); far more means
# the wrong file (an e-PPGBM export, say), refused before it fills the memory.
MAX_ROWS = 200_000

# The village convergence scorecard (Kemendes PDTT, Pedoman Kader Pembangunan Manusia): code ->
# indicator, per target group. Codes are what the sheet's Indikator column holds (the text works too).
SCORECARD = {
    "ibu_hamil": {
        "H1": "Ibu hamil periksa kehamilan minimal 4 kali",
        "H2": "Ibu hamil mendapat dan minum tablet tambah darah (90 tablet)",
        "H3": "Ibu hamil mengikuti konseling gizi atau kelas ibu hamil",
        "H4": "Ibu hamil KEK atau risiko tinggi mendapat kunjungan rumah",
        "H5": "Ibu hamil KEK mendapat makanan tambahan",
        "H6": "Rumah tangga ibu hamil punya akses air minum layak",
        "H7": "Rumah tangga ibu hamil punya jamban layak",
        "H8": "Ibu hamil memiliki jaminan kesehatan",
    },
    "anak_0_23": {
        "A1": "Anak 0-23 bulan mendapat imunisasi dasar lengkap",
        "A2": "Anak 0-23 bulan ditimbang berat badannya setiap bulan",
        "A3": "Anak 0-23 bulan diukur panjang badannya",
        "A4": "Orang tua anak 0-23 bulan mengikuti konseling gizi",
        "A5": "Anak gizi kurang atau buruk mendapat kunjungan rumah",
        "A6": "Rumah tangga anak 0-23 bulan punya akses air minum layak",
        "A7": "Rumah tangga anak 0-23 bulan punya jamban layak",
        "A8": "Anak 0-23 bulan memiliki jaminan kesehatan",
        "A9": "Anak 0-23 bulan memiliki akta kelahiran",
        "A10": "Orang tua anak 0-23 bulan mengikuti kelas parenting (PAUD)",
    },
}
TARGETS = {"ibu_hamil": "Ibu hamil", "anak_0_23": "Anak 0-23 bulan"}


@dataclass(frozen=True)
class Column:
    header: str  # as in the template (matching ignores case, spaces and punctuation)
    name: str  # stored column
    kind: str  # village, year, count, flag, text, indicator, target, date, nik, birth, sex, label
    required: bool = True


@dataclass(frozen=True)
class Table:
    sheet: str
    key: tuple[str, ...]  # stored columns that identify a row; a new row replaces a stored one
    columns: tuple[Column, ...]
    note: str  # the template's explanation (Indonesian: the template is for Indonesian offices)

    @property
    def values(self) -> tuple[Column, ...]:
        """The columns that carry data: a row with none of them filled is an empty template row."""
        return tuple(c for c in self.columns if c.kind not in ("village", "label", "year"))


VILLAGE = Column("Kode Desa", "village_code", "village")
NAME = Column("Nama Desa", "village_name", "label", required=False)
YEAR = Column("Tahun", "year", "year")

TABLES: dict[str, Table] = {
    t.sheet: t
    for t in (
        Table("lokus", ("village_code", "year"), (VILLAGE, NAME, YEAR, Column("Lokus", "lokus", "flag")),
              "Desa lokus (prioritas) stunting per tahun: Ya atau Tidak."),
        Table("baas", ("village_code", "year"),
              (VILLAGE, NAME, YEAR, Column("Anak Diasuh", "children_fostered", "count"),
               Column("Orang Tua Asuh", "foster_parents", "count")),
              "BAAS (Bapak/Bunda Asuh Anak Stunting): jumlah anak yang diasuh dan jumlah orang tua asuh."),
        Table("raga_pantas", ("village_code", "year"),
              (VILLAGE, NAME, YEAR, Column("Keluarga Terjangkau", "families_reached", "count")),
              "Raga Pantas: jumlah keluarga yang dijangkau."),
        Table("rembuk", ("village_code", "year"),
              (VILLAGE, NAME, YEAR, Column("Rembuk Stunting", "held", "flag")),
              "Rembuk stunting desa diadakan tahun itu: Ya atau Tidak."),
        Table("konvergensi", ("village_code", "year", "indicator"),
              (VILLAGE, NAME, YEAR, Column("Sasaran", "target", "target"),
               Column("Indikator", "indicator", "indicator"), Column("Pembilang", "numerator", "count"),
               Column("Penyebut", "denominator", "count")),
              "Scorecard konvergensi desa: per indikator, jumlah sasaran yang menerima layanan (pembilang)"
              " dari seluruh sasaran (penyebut). Sasaran: Ibu hamil (H1-H8) atau Anak 0-23 bulan (A1-A10)."),
        Table("program_lain", ("programme", "village_code", "start"),
              (Column("Nama Program", "programme", "text"), VILLAGE, NAME, Column("Mulai", "start", "date"),
               Column("Selesai", "end", "date", required=False),
               Column("Jumlah", "count", "count", required=False)),
              "Program lain: nama, desa, tanggal atau tahun mulai, selesai (boleh kosong),"
              " jumlah (boleh kosong)."),
        Table("anak_baas", ("child_id", "year"),
              (Column("NIK", "nik", "nik"), Column("Tanggal Lahir", "birth_date", "birth"),
               Column("Jenis Kelamin", "sex", "sex"), VILLAGE, YEAR),
              "Daftar anak asuh BAAS (opsional): NIK, tanggal lahir, jenis kelamin (L/P). NIK tidak disimpan:"
              " diganti kode rahasia yang sama dengan data e-PPGBM."),
    )
}  # fmt: skip

# What the evaluation can take as "the programme": a village has it from the first year this holds.
BUILT_IN = {
    "lokus": ("lokus", "lokus"),
    "baas": ("baas", "children_fostered"),
    "raga_pantas": ("raga_pantas", "families_reached"),
    "rembuk": ("rembuk", "held"),
}

_YES = {"ya", "y", "1", "true", "benar", "yes"}
_NO = {"tidak", "tdk", "t", "0", "false", "salah", "no", "n", ""}


@dataclass
class Problem:
    sheet: str
    row: int  # spreadsheet row number (the header is row 1), 0 for the whole sheet
    column: str
    message: str  # in English: the CLI's, the report's and the log's
    code: str = ""  # the i18n key's last part (programme.problem.CODE): the page's language
    params: dict = field(default_factory=dict)

    def message_in(self, lang: str) -> str:
        """The message in ``lang`` (stunting/i18n.py)."""
        return t(f"{PROBLEM_KEY}.{self.code}", lang, **self.params) if self.code else self.message

    def text(self) -> str:
        where = f"sheet '{self.sheet}'"
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


PROBLEM_KEY = "programme.problem"


def _problem(sheet: str, row: int, column: str, code: str, **params) -> Problem:
    """A Problem whose message is the catalogue's programme.problem.CODE (English kept as message)."""
    return Problem(sheet, row, column, t(f"{PROBLEM_KEY}.{code}", "en", **params), code, params)


@dataclass
class ParsedFile:
    path: Path
    tables: dict[str, pd.DataFrame]  # sheet -> valid rows (stored columns)
    problems: list[Problem] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> int:
        return sum(len(frame) for frame in self.tables.values())

    @property
    def rows_to_store(self) -> dict[str, int]:
        """Sheet -> valid rows, for the sheets that have some: what ``import_file`` stores (and reports
        as ``stored``), so the data page's preview says the same numbers before anything is written."""
        return {sheet: len(frame) for sheet, frame in self.tables.items() if len(frame)}


@dataclass
class ImportResult:
    stored: dict[str, int]  # sheet -> rows stored from this file
    problems: list[Problem]
    report: Path | None  # the problem list as CSV, when there were problems


def store(data_dir=None) -> SnapshotStore:
    return SnapshotStore(config.data_dir(data_dir) / PROGRAMMES)


def table_file(sheet: str) -> str:
    return f"{sheet}.parquet"


# --- reading ----------------------------------------------------------------------------------------


def _key(text: object) -> str:
    folded = unicodedata.normalize("NFKD", str(text or ""))
    return re.sub(r"[^a-z0-9]", "", folded.casefold())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheets(path: Path) -> dict[str, list[list[str]]]:
    """Sheet name -> rows of cell texts. A CSV is one sheet, named by the table its headers match."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import load_workbook

        try:
            workbook = load_workbook(str(path))
            out = {}
            for name in workbook.sheet_names:
                rows = []
                for i, row in enumerate(workbook.get_sheet_by_name(name).iter_rows()):
                    if i > MAX_ROWS:
                        raise UserError(_too_many_rows(path, name))
                    rows.append([_cell(v) for v in row])
                out[name] = rows
            return out
        except UserError:
            raise
        except Exception as error:  # calamine raises several types (ZipError, XmlError, CalamineError...)
            raise UserError(
                f"{path.name} cannot be opened as an Excel workbook ({type(error).__name__}); "
                "save it again as .xlsx."
            ) from None
    if suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        first = text.splitlines()[0] if text else ""
        delimiter = ";" if first.count(";") > first.count(",") else ","
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
        if len(rows) > MAX_ROWS:
            raise UserError(f"{path.name}: more than {MAX_ROWS:,} rows; is this the programme file?")
        headers = {_key(h) for h in rows[0]} if rows else set()
        for table in TABLES.values():
            if {_key(c.header) for c in table.columns if c.required} <= headers:
                return {table.sheet: rows}
        raise UserError(
            f"{path.name}: its header row matches none of the programme tables "
            f"({', '.join(TABLES)}); start from python -m stunting programmes template."
        )
    raise UserError(
        f"{path.name}: programme data must be .xlsx or .csv, not {path.suffix or 'no extension'}."
    )


def _too_many_rows(path: Path, sheet: str) -> str:
    return (
        f"{path.name}, sheet '{sheet}': more than {MAX_ROWS:,} rows; is this the programme file "
        "(python -m stunting programmes template)?"
    )


def read_file(path: str | Path, data_dir=None) -> ParsedFile:
    """Every sheet of ``path`` parsed and checked; nothing is written."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} does not exist.")
    parsed = ParsedFile(path, {})
    by_key = {_key(name): name for name in TABLES}
    for name, rows in _sheets(path).items():
        sheet = by_key.get(_key(name))
        if sheet is None:
            parsed.ignored_sheets.append(name)
            continue
        frame, problems = _parse_sheet(TABLES[sheet], rows, data_dir)
        parsed.tables[sheet] = frame
        parsed.problems.extend(problems)
    if not parsed.tables:
        raise UserError(
            f"{path.name} has none of the programme sheets ({', '.join(TABLES)}); "
            "start from python -m stunting programmes template."
        )
    return parsed


def _parse_sheet(table: Table, rows: list[list[str]], data_dir) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    if not rows:
        return _empty(table), problems
    header = [_key(h) for h in rows[0]]
    position: dict[str, int] = {}
    for column in table.columns:
        key = _key(column.header)
        if key in header:
            position[column.name] = header.index(key)
        elif column.required:
            problems.append(_problem(table.sheet, 1, column.header, "header_missing"))
    if problems:
        return _empty(table), problems

    villages = set(gazetteer.villages()["code"])
    last_year = dt.date.today().year + YEARS_AHEAD
    records: list[dict] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {c.name: (row[position[c.name]] if position.get(c.name, len(row)) < len(row) else "")
                 for c in table.columns if c.name in position}  # fmt: skip
        if not any(cells.get(c.name, "") for c in table.values):
            continue  # an empty (or template) row: only the village was filled in
        record: dict = {}
        row_problems = []

        def bad(column: Column, code: str, _row=number, _problems=row_problems, **params) -> None:
            _problems.append(_problem(table.sheet, _row, column.header, code, **params))

        for column in table.columns:
            if column.kind == "label" or column.name not in position:
                record[column.name] = None
                continue
            text = cells[column.name]
            if text == "" and column.required:
                bad(column, "cell_empty")
                continue
            record[column.name] = _value(column, text, villages, last_year, bad)
        if table.sheet == "konvergensi":
            _check_scorecard(table, record, bad)
        if (
            table.sheet == "program_lain"
            and record.get("end") is not None
            and record.get("start") is not None
        ):
            if record["end"] < record["start"]:
                bad(table.columns[4], "end_before_start", end=record["end"], start=record["start"])
        if row_problems:
            problems.extend(row_problems)
            continue
        # A fostered child is keyed by NIK until the whole sheet is pseudonymised at once below.
        key = tuple(record["nik" if k == "child_id" else k] for k in table.key)
        if key in seen:
            problems.append(_problem(table.sheet, number, "", "same_row", other=seen[key]))
            continue
        seen[key] = number
        records.append(record)
    if not records:
        return _empty(table), problems
    frame = pd.DataFrame.from_records(records)
    if table.sheet == "anak_baas":
        frame = _pseudonymised(frame, data_dir)
    return frame[_stored_columns(table)], problems


def _stored_columns(table: Table) -> list[str]:
    if table.sheet == "anak_baas":
        return ["child_id", "village_code", "year"]
    return [c.name for c in table.columns if c.kind != "label"]


def _empty(table: Table) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in _stored_columns(table)})


def _value(column: Column, text: str, villages: set[str], last_year: int, bad):
    kind = column.kind
    if kind == "village":
        if text not in villages:
            bad(column, "village_unknown", text=text[:20])
        return text
    if kind == "year":
        number = _integer(text)
        if number is None:
            bad(column, "not_a_year", text=text[:12])
        elif not FIRST_YEAR <= number <= last_year:
            bad(column, "year_out_of_range", year=number, first=FIRST_YEAR, last=last_year)
        return number
    if kind == "count":
        if text == "":
            return None
        number = _integer(text)
        if number is None or number < 0:
            bad(column, "not_a_count", text=text[:12])
        return number
    if kind == "flag":
        folded = _key(text)
        if folded in _YES:
            return True
        if folded in _NO:
            return False
        bad(column, "not_a_flag", text=text[:12])
        return None
    if kind == "target":
        folded = _key(text)
        for code, label in TARGETS.items():
            if folded in (_key(code), _key(label)):
                return code
        bad(column, "not_a_target", text=text[:30])
        return None
    if kind == "date":
        if text == "":
            return None
        parsed = _date(text)
        if parsed is None:
            bad(column, "not_a_year_or_date", text=text[:20])
        elif not FIRST_YEAR <= parsed.year <= last_year:
            bad(column, "year_out_of_range", year=parsed.year, first=FIRST_YEAR, last=last_year)
        return parsed
    if kind == "nik":
        digits = re.sub(r"\D", "", text)
        if len(digits) != 16:
            bad(column, "nik_digits")
        return digits
    if kind == "birth":
        parsed = _date(text, year_alone=False)
        if parsed is None:
            bad(column, "not_a_date")
        return parsed
    if kind == "sex":
        folded = _key(text)
        sex = {"l": "L", "lakilaki": "L", "p": "P", "perempuan": "P"}.get(folded)
        if sex is None:
            bad(column, "not_a_sex")
        return sex
    return text  # text, indicator: checked with the row


def _integer(text: str) -> int | None:
    cleaned = text.replace(".", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", text) else text
    try:
        number = float(cleaned.replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _date(text: str, year_alone: bool = True) -> dt.date | None:
    text = text.strip()
    if year_alone and re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _check_scorecard(table: Table, record: dict, bad) -> None:
    target, indicator = record.get("target"), record.get("indicator")
    column = {c.name: c for c in table.columns}
    if target is not None and indicator is not None:
        codes = SCORECARD[target]
        by_text = {_key(label): code for code, label in codes.items()}
        code = indicator.upper() if indicator.upper() in codes else by_text.get(_key(indicator))
        if code is None:
            bad(column["indicator"], "unknown_indicator", text=indicator[:30], target=TARGETS[target],
                codes=", ".join(codes))  # fmt: skip
        record["indicator"] = code
    numerator, denominator = record.get("numerator"), record.get("denominator")
    if numerator is None and "numerator" in record:
        bad(column["numerator"], "cell_empty")
    if denominator is None and "denominator" in record:
        bad(column["denominator"], "cell_empty")
    if numerator is not None and denominator is not None and numerator > denominator:
        bad(column["numerator"], "numerator_above", numerator=numerator, denominator=denominator)


def _pseudonymised(frame: pd.DataFrame, data_dir) -> pd.DataFrame:
    """The fostered children as the keyed hash e-PPGBM rows get (NIK + birth date + sex, the same
    function and secret), so they can be followed in the measurements; NIK, birth date and sex are
    then dropped."""
    from stunting import pseudonym

    ids = pseudonym.child_ids(
        frame["nik"],
        pd.Series([""] * len(frame), index=frame.index),
        pd.to_datetime(frame["birth_date"]),
        None,
        pseudonym.load_secret(data_dir),
        sex=frame["sex"],
    )
    return pd.DataFrame({"child_id": ids, "village_code": frame["village_code"], "year": frame["year"]})


# --- storing ------------------------------------------------------------------------------------------


def import_file(path: str | Path, *, accept_valid: bool = False, data_dir=None) -> ImportResult:
    """Check ``path`` and store its rows; with problems, store nothing unless ``accept_valid``."""
    parsed = read_file(path, data_dir)
    report = _write_report(parsed, data_dir) if parsed.problems else None
    if parsed.problems and not accept_valid:
        raise UserError(_refusal(parsed, report))
    stored = parsed.rows_to_store
    if not stored:
        raise UserError(f"{parsed.path.name} has no rows to store (every row is empty or has a problem).")
    programmes = store(data_dir)
    with programmes.transaction() as folder:
        for sheet, table in TABLES.items():
            new = parsed.tables.get(sheet)
            if new is None or new.empty:
                programmes.carry_over(folder, table_file(sheet))
                continue
            old = read_table(sheet, data_dir)
            if not old.empty:
                replaced = old.set_index(list(table.key)).index.isin(new.set_index(list(table.key)).index)
                new = pd.concat([old[~replaced], new], ignore_index=True)
            _typed(new, sheet).to_parquet(folder / table_file(sheet), index=False)
        log = _log(data_dir)
        log.append(
            {
                "file": parsed.path.name,
                "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "rows": stored,
                "problems": len(parsed.problems),
                "accepted_valid_rows": bool(parsed.problems),
            }
        )
        (folder / LOG_FILE).write_text(json.dumps(log, indent=2, ensure_ascii=False), "utf-8")
    return ImportResult(stored, parsed.problems, report)


def _refusal(parsed: ParsedFile, report: Path | None) -> str:
    shown = "; ".join(p.text() for p in parsed.problems[:SHOWN_ERRORS])
    more = len(parsed.problems) - SHOWN_ERRORS
    tail = f"; and {more} more" if more > 0 else ""
    where = f" (all listed in {report})" if report else ""
    return (
        f"{parsed.path.name} has {len(parsed.problems)} problem(s){where}, so nothing was stored: "
        f"{shown}{tail}. "
        f"Correct the file, or store its {parsed.valid_rows} valid row(s) with --accept-valid."
    )


def _write_report(parsed: ParsedFile, data_dir) -> Path:
    folder = config.data_dir(data_dir) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = folder / f"programmes-{stamp}-problems.csv"
    frame = pd.DataFrame([p.__dict__ for p in parsed.problems], columns=["sheet", "row", "column", "message"])
    frame.to_csv(path, index=False)
    return path


def _typed(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column in ("year", "children_fostered", "foster_parents", "families_reached", "numerator",
                      "denominator", "count"):  # fmt: skip
            out[column] = pd.array(out[column], dtype="Int64")
        elif column in ("lokus", "held"):
            out[column] = out[column].astype(bool)
        elif column in ("start", "end"):
            out[column] = pd.to_datetime(out[column]).astype("datetime64[s]")
        else:
            out[column] = out[column].astype("string")
    return out


def _log(data_dir) -> list[dict]:
    current = store(data_dir).current()
    if current is None or not (current / LOG_FILE).exists():
        return []
    return json.loads((current / LOG_FILE).read_text("utf-8"))


def imports(data_dir=None) -> list[dict]:
    """The import log: file, time, rows per sheet, problems."""
    return _log(data_dir)


def read_table(sheet: str, data_dir=None) -> pd.DataFrame:
    """The stored rows of one table (empty, with its columns, when nothing was imported)."""
    if sheet not in TABLES:
        raise ValueError(f"sheet must be one of {tuple(TABLES)}, not {sheet!r}")
    current = store(data_dir).current()
    if current is None or not (current / table_file(sheet)).exists():
        return _empty(TABLES[sheet])
    return pd.read_parquet(current / table_file(sheet))


def write_tables(tables: dict[str, pd.DataFrame], data_dir=None, *, source: str) -> None:
    """Replace the whole programme store with ``tables`` (the demo's programmes; already valid;
    logged as the demo, so ``remove_demo`` can take them away again)."""
    programmes = store(data_dir)
    with programmes.transaction() as folder:
        for sheet, frame in tables.items():
            if sheet not in TABLES:
                raise ValueError(f"unknown programme table {sheet!r}")
            _typed(frame[_stored_columns(TABLES[sheet])], sheet).to_parquet(
                folder / table_file(sheet), index=False
            )
        log = [{"file": source, "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "rows": {k: len(v) for k, v in tables.items()}, "problems": 0, "demo": True}]  # fmt: skip
        (folder / LOG_FILE).write_text(json.dumps(log, indent=2, ensure_ascii=False), "utf-8")


def remove_demo(data_dir=None) -> bool:
    """Empty the programme store when it holds only the demo's programmes (the measurement store's
    demo --remove calls this); True if it did. Programme data a user imported are never removed."""
    programmes = store(data_dir)
    log = _log(data_dir)
    if programmes.current() is None or not log or not all(entry.get("demo") for entry in log):
        return False
    with programmes.transaction() as folder:
        (folder / LOG_FILE).write_text("[]", "utf-8")
    return True


# --- what the evaluation and the map ask ---------------------------------------------------------------


def names(data_dir=None) -> list[str]:
    """Programmes with stored data: the built-in ones first, then the other programmes by name."""
    out = [
        name
        for name, (sheet, _) in BUILT_IN.items()
        if _has_any(read_table(sheet, data_dir), BUILT_IN[name][1])
    ]
    other = read_table("program_lain", data_dir)
    out += sorted(set(other["programme"].dropna().astype(str)))
    return out


def _has_any(frame: pd.DataFrame, column: str) -> bool:
    if frame.empty:
        return False
    values = frame[column]
    return bool((values.fillna(0).astype("int64") > 0).any())


def first_start(programme: str, *, regency: str | None = None, data_dir=None) -> pd.Series:
    """Village code -> the first day it had ``programme`` (a Timestamp), for villages that ever had it.

    Built-in programmes count from 1 January of the first year with the flag set or a count above 0
    (a village that stops being lokus stays "treated": the evaluation asks what followed the start).
    """
    if programme in BUILT_IN:
        sheet, column = BUILT_IN[programme]
        frame = read_table(sheet, data_dir)
        frame = frame[frame[column].fillna(0).astype("int64") > 0]
        years = frame.groupby("village_code")["year"].min()
        starts = pd.to_datetime(years.astype(int).astype(str) + "-01-01")
    else:
        frame = read_table("program_lain", data_dir)
        frame = frame[frame["programme"] == programme]
        if frame.empty:
            raise UserError(
                f"No programme called {programme!r}; known: {', '.join(names(data_dir)) or 'none yet'} "
                "(import them with python -m stunting programmes import FILE)."
            )
        starts = pd.to_datetime(frame.groupby("village_code")["start"].min())
    starts.index = starts.index.astype(str)
    if regency is not None:
        starts = starts[starts.index.str.startswith(regency + ".")]
    return starts.sort_index()


def per_village_year(programme: str, data_dir=None) -> pd.DataFrame:
    """village_code, year, value: the programme's count (or 1 for a flag) per village and year."""
    if programme in BUILT_IN:
        sheet, column = BUILT_IN[programme]
        frame = read_table(sheet, data_dir)
        value = frame[column].fillna(0).astype("int64")
        return pd.DataFrame({"village_code": frame["village_code"].astype(str),
                             "year": frame["year"].astype("int64"), "value": value})  # fmt: skip
    frame = read_table("program_lain", data_dir)
    frame = frame[frame["programme"] == programme]
    rows = []
    last = dt.date.today().year
    for record in frame.itertuples():
        end = record.end.year if pd.notna(record.end) else last
        for year in range(record.start.year, end + 1):
            rows.append((record.village_code, year, int(record.count) if pd.notna(record.count) else 1))
    return pd.DataFrame(rows, columns=["village_code", "year", "value"])


# --- the template ------------------------------------------------------------------------------------


def write_template(path: str | Path, *, regency: str | None = None) -> Path:
    """An XLSX with one sheet per table, Indonesian headers, the villages filled in and a Petunjuk
    (instructions) sheet; a row with only the village filled in is skipped on import."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"The template is an Excel workbook: name it .xlsx, not {path.name}.")
    villages = gazetteer.villages()
    if regency is not None:
        if regency not in set(villages["regency_code"]):
            raise UserError(f"{regency!r} is not a regency code of the gazetteer (e.g. 64.02).")
        villages = villages[villages["regency_code"] == regency]
    book = Workbook()
    guide = book.active
    guide.title = "Petunjuk"
    lines = [
        "Data program per desa dan tahun untuk Peta Stunting.",
        "Isi satu lembar per program; baris yang hanya berisi kode dan nama desa dilewati.",
        "Kode Desa mengikuti kode wilayah Kemendagri (contoh 64.02.01.2001). Tahun 2018 atau sesudahnya.",
        "Muat dengan: python -m stunting programmes import FILE.xlsx (atau dari halaman Data).",
        "",
        *[f"{t.sheet}: {t.note}" for t in TABLES.values()],
        "",
        "Indikator scorecard konvergensi:",
        *[f"{code} ({TARGETS[target]}): {label}"
          for target, codes in SCORECARD.items() for code, label in codes.items()],
    ]  # fmt: skip
    for line in lines:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    bold = Font(bold=True)
    for table in TABLES.values():
        sheet = book.create_sheet(table.sheet)
        sheet.append([c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        for i, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(14, len(column.header) + 4)
        headers = [c.name for c in table.columns]
        if table.sheet in ("lokus", "baas", "raga_pantas", "rembuk"):
            for code, name in zip(villages["code"], villages["name"], strict=True):
                row = [""] * len(headers)
                row[headers.index("village_code")] = code
                row[headers.index("village_name")] = name
                sheet.append(row)
        flags = [i for i, c in enumerate(table.columns, start=1) if c.kind in ("flag", "target", "sex")]
        for i in flags:
            kind = table.columns[i - 1].kind
            options = {"flag": '"Ya,Tidak"', "target": '"Ibu hamil,Anak 0-23 bulan"', "sex": '"L,P"'}[kind]
            validation = DataValidation(type="list", formula1=options, allow_blank=True)
            letter = sheet.cell(1, i).column_letter
            validation.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def summary(data_dir=None) -> pd.DataFrame:
    """Per table: rows stored, villages, first and last year (for the data page and the CLI)."""
    rows = []
    for sheet in TABLES:
        frame = read_table(sheet, data_dir)
        years = frame["year"] if "year" in frame else pd.Series(dtype="Int64")
        if sheet == "program_lain" and not frame.empty:
            years = pd.to_datetime(frame["start"]).dt.year
        rows.append(
            {
                "sheet": sheet,
                "rows": len(frame),
                "villages": int(frame["village_code"].nunique()) if len(frame) else 0,
                "first_year": int(years.min()) if len(years.dropna()) else None,
                "last_year": int(years.max()) if len(years.dropna()) else None,
            }
        )
    return pd.DataFrame(rows)


def village_starts(code: str, periods: list[str], data_dir=None) -> list[tuple[str, str]]:
    """(first period, programme name) for each programme ``code`` ever had, in start order: the
    village panel's trend marks them. The period is the first of ``periods`` on or after the start."""
    out = []
    for name in names(data_dir):
        starts = first_start(name, data_dir=data_dir)
        if code not in starts.index:
            continue
        begun = starts[code].strftime("%Y-%m")
        first = next((p for p in sorted(periods) if p >= begun), None)
        if first is not None:
            out.append((first, name))
    return sorted(out)
