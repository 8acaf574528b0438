"""Files uploaded in the browser, from bytes to the store: checked, staged, previewed, imported, undone.

No streamlit here (the data page, pages/data.py, calls these). The rules of issue 11:

* **Size.** ``MAX_UPLOAD_MB`` per file (``server.maxUploadSize`` in .streamlit/config.toml matches it).
* **Type by content, not by name.** ``sniff`` reads the first bytes: a ZIP renamed ``.csv``, an HTML
  page saved as ``.csv`` or an old binary ``.xls`` is refused with one sentence (``UploadRefused``,
  a code plus the values its translated sentence needs).
* **One import at a time.** ``import_lock`` is an ``fcntl.flock`` on ``DATA_DIR/.import.lock`` held for
  the whole import (reading, z-scores, the store's write, the history line), so a second data manager
  waits ("import lain sedang berjalan") and then runs, never interleaved. The kernel drops the lock
  when a process dies, so a killed import blocks nobody.
* **Nothing half-done.** An upload is staged in a private temporary folder that is deleted afterwards
  whatever happens; every store write is one atomic snapshot (stunting/snapshots.py), and a batch of
  several files whose later file fails is rolled back to the snapshot before the batch.
* **Undo.** The history (users database, table ``import_history``) remembers the snapshot before each
  import; undo restores it (``SnapshotStore.restore``), allowed only while no later import changed
  the same store.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stunting import eppgbm, store
from stunting import store_layout as layout
from stunting.config import data_dir as resolve_data_dir
from stunting.errors import UserError
from stunting.snapshots import SnapshotStore
from stunting.users import User, UserDB

# A province's monthly e-PPGBM export (about a million rows, 150-200 MB as CSV) fits; the import of
# a million rows peaks near 1.8 GB of memory (FACTS.md), which a 4 GB office server still has. Larger
# files go through `python -m stunting ingest` on the server. server.maxUploadSize matches (MB).
MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
# Enough of a file's start to tell its type (a ZIP's central directory is read separately).
SNIFF_BYTES = 8192
IMPORT_LOCK = ".import.lock"
STAGING = "uploads"
# A staging folder older than this was left by a killed server: removed at the next upload.
STALE_STAGING_SECONDS = 24 * 60 * 60

# What each kind of upload accepts, by content.
KINDS = {
    "eppgbm": ("csv", "xlsx"),
    "aggregates": ("csv",),
    "boundaries": ("geojson", "gpkg", "shapefile_zip", "wilayah_sql"),
    "programmes": ("csv", "xlsx"),
}
SOURCE_STORE = {
    "eppgbm": "store",
    "aggregates": "store",
    "boundaries": "boundaries",
    "programmes": "programmes",
}


class UploadRefused(UserError):
    """One clear sentence, translated on the page: ``code`` names it, ``values`` fill it."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(f"{code}: {values}")
        self.code = code
        self.values = values


# --- checking --------------------------------------------------------------------------------------


def sniff(name: str, data: bytes) -> str:
    """The file's type from its content: csv, xlsx, geojson, gpkg, shapefile_zip, wilayah_sql, or one
    of zip, html, xls, pdf, binary, empty for what no upload accepts."""
    head = data[:SNIFF_BYTES]
    if not head.strip():
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m.lower() for m in archive.namelist()]
        except zipfile.BadZipFile:
            return "zip"
        if "xl/workbook.xml" in members:
            return "xlsx"
        if any(m.endswith(".shp") for m in members):
            return "shapefile_zip"
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel 97-2003 .xls
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in head:
        return "binary"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n").lower()
    if text.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in text[:512]:
        return "html"
    if text.startswith("{"):
        return "geojson"
    if re.search(r"\b(insert\s+into|create\s+table)\b", text):
        return "wilayah_sql"
    return "csv"


def check_upload(kind: str, name: str, data: bytes) -> str:
    """Refuse a file that is too big or of the wrong type for ``kind``; return its type."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_big", name=name, mb=round(len(data) / 1024 / 1024), limit=MAX_UPLOAD_MB)
    found = sniff(name, data)
    if found not in KINDS[kind]:
        raise UploadRefused(f"wrong_type.{kind}", name=name, found=found)
    if found == "xlsx" and len(data) > eppgbm.MAX_XLSX_BYTES:
        raise UploadRefused("xlsx_too_big", name=name, limit=eppgbm.MAX_XLSX_BYTES // (1024 * 1024))
    return found


def safe_name(name: str) -> str:
    """The uploaded file's own name without folders or odd characters (kept for the history)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._() -]", "_", base).strip(" .")
    return cleaned[:120] or "upload"


@contextlib.contextmanager
def staged(root: Path, files: list[tuple[str, bytes]]) -> Iterator[list[Path]]:
    """Write uploads to a private temporary folder for the readers; delete it afterwards, always."""
    folder = Path(root) / STAGING
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_stale_staging(folder)
    stage = Path(tempfile.mkdtemp(prefix="tmp-", dir=folder))
    try:
        paths = []
        used: set[str] = set()
        for name, data in files:
            clean = safe_name(name)
            while clean in used:
                clean = f"_{clean}"
            used.add(clean)
            path = stage / clean
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _remove_stale_staging(folder: Path) -> None:
    now = time.time()
    for child in folder.glob("tmp-*"):
        with contextlib.suppress(OSError):
            if now - child.stat().st_mtime > STALE_STAGING_SECONDS:
                shutil.rmtree(child, ignore_errors=True)


# --- one import at a time ----------------------------------------------------------------------------


@contextlib.contextmanager
def import_lock(root, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the data dir's import lock; when another import holds it, call ``on_wait`` once and wait."""
    path = Path(resolve_data_dir(root)) / IMPORT_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the lock


# --- preview -------------------------------------------------------------------------------------------


@dataclass
class Preview:
    """What an import of these files would do: the numbers of ``ingest --dry-run``."""

    files: list[str]
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)
    villages: int = 0
    regencies: list[str] = field(default_factory=list)
    # One row per village x period in the files: rows in the file, rows already stored for it.
    village_months: pd.DataFrame = field(default_factory=pd.DataFrame)
    already_imported: list[str] = field(default_factory=list)  # file names imported before (same SHA-256)
    replaced: int | None = None  # stored rows the import retracts (ingest --dry-run); None: not counted
    village_months_replaced: int = 0
    rows_per_sheet: dict[str, int] = field(default_factory=dict)  # programme data: what would be stored
    problems: list = field(default_factory=list)  # programme data: programmes.Problem, sheet/row/column

    @property
    def rows_replaced(self) -> int:
        if self.replaced is not None:
            return self.replaced
        return int(self.village_months["stored_rows"].sum()) if len(self.village_months) else 0


def preview_eppgbm(paths: list[Path], root) -> Preview:
    """What storing the exports would do, without storing anything: the numbers are those of
    ``ingest --dry-run`` (stunting.ingest.preview); one more pass lists each village-month with the
    rows the store holds for it now, and the regencies (a data manager may change only their own)."""
    from stunting import ingest
    from stunting.villages import VillageMatcher

    root = resolve_data_dir(root)
    numbers = ingest.preview(paths, root)
    result = Preview([p.name for p in paths])
    result.rows_read, result.rows_accepted = numbers.rows_read, numbers.rows_accepted
    result.rows_rejected, result.periods = numbers.rows_rejected, numbers.periods
    result.replaced = numbers.rows_replaced
    result.village_months_replaced = numbers.village_months_replaced
    reasons: Counter[str] = Counter()
    per_village_month: Counter[tuple[str, str, str]] = Counter()
    for path, summary in zip(paths, numbers.files, strict=True):
        if summary.already_imported_on:
            result.already_imported.append(path.name)
            continue
        reasons.update(summary.rejected_by_reason)
        for chunk in eppgbm.iter_export(path, matcher=VillageMatcher()):
            frame = chunk.frame
            if len(frame):
                months = frame["measured_on"].dt.strftime("%Y-%m")
                per_village_month.update(zip(frame["regency"], frame["village_code"], months, strict=True))
    result.rejected_by_reason = dict(reasons.most_common())
    months = pd.DataFrame(
        [(r, v, p, n) for (r, v, p), n in per_village_month.items()],
        columns=["regency", "village_code", "period", "file_rows"],
    )
    months["stored_rows"] = _stored_rows(root, months)
    result.village_months = months.sort_values(["period", "village_code"], ignore_index=True)
    result.villages = int(months["village_code"].nunique())
    result.regencies = sorted(months["regency"].unique().tolist())
    return result


def _stored_rows(root: Path, months: pd.DataFrame) -> list[int]:
    """Rows the store holds now for each village x period (read from the touched partitions only)."""
    snapshot = store.current_snapshot(root)
    if snapshot is None or months.empty:
        return [0] * len(months)
    counts: Counter[tuple[str, str]] = Counter()
    for regency, year in {(r, p[:4]) for r, p in zip(months["regency"], months["period"], strict=True)}:
        partition = snapshot / store.MEASUREMENTS / f"regency={regency}" / f"year={year}"
        for part in layout.part_files(partition):
            stored = pd.read_parquet(part, columns=["village_code", "period"])
            counts.update(zip(stored["village_code"], stored["period"], strict=True))
    return [counts[(v, p)] for v, p in zip(months["village_code"], months["period"], strict=True)]


def preview_aggregates(paths: list[Path]) -> Preview:
    from stunting.aggregates import read_aggregates

    result = Preview([p.name for p in paths])
    frames = [read_aggregates(path) for path in paths]
    frame = pd.concat(frames, ignore_index=True)
    result.rows_read = result.rows_accepted = len(frame)
    result.periods = sorted(frame["period"].unique().tolist())
    result.villages = int(frame["village_code"].nunique())
    result.regencies = sorted(frame["regency"].unique().tolist())
    return result


def preview_boundaries(paths: list[Path]) -> Preview:
    from stunting.boundaries.install import read_all

    villages, _names, _is_wilayah, no_geometry = read_all(paths)
    result = Preview([p.name for p in paths])
    result.rows_read = result.rows_accepted = len(villages)
    if no_geometry:  # imported all the same, drawn as "batas tidak tersedia": said, not refused
        result.rejected_by_reason = {"boundary_unavailable": len(no_geometry)}
    result.villages = int(villages["code"].nunique())
    result.regencies = sorted(villages["regency"].unique().tolist())
    return result


def preview_programmes(paths: list[Path], root) -> Preview:
    """Programme data: every file checked as ``programmes import`` checks it, nothing written; the rows
    per sheet are those the import would store (with "simpan baris yang valid" when there are problems)."""
    from stunting import programmes

    result = Preview([p.name for p in paths])
    per_sheet: Counter[str] = Counter()
    codes: set[str] = set()
    for path in paths:
        parsed = programmes.read_file(path, resolve_data_dir(root))
        per_sheet.update(parsed.rows_to_store)
        result.problems.extend(parsed.problems)
        for frame in parsed.tables.values():
            if "village_code" in frame and len(frame):
                codes.update(frame["village_code"].astype(str))
    result.rows_per_sheet = dict(per_sheet)
    result.rows_accepted = sum(per_sheet.values())
    result.rows_rejected = len({(p.sheet, p.row) for p in result.problems})
    result.rows_read = result.rows_accepted + result.rows_rejected
    result.villages = len(codes)
    # A village code is PP.KK.CC.DDDD: its first five characters are the regency's code.
    result.regencies = sorted({code[:5] for code in codes})
    return result


def check_rights(user: User, regencies: list[str]) -> None:
    """A data manager changes only the regencies assigned to them."""
    outside = [code for code in regencies if not user.may_change(code)]
    if outside:
        raise UploadRefused("not_your_regency", regencies=", ".join(outside), yours=", ".join(user.regencies))


# --- import and undo ----------------------------------------------------------------------------------


@dataclass
class Imported:
    history_ids: list[str]
    summaries: list  # ingest.ImportSummary (e-PPGBM), or dicts for the other kinds


def _store_for(kind: str, root: Path):
    if SOURCE_STORE[kind] == "boundaries":
        from stunting.boundaries import install

        return install.store(root)
    if SOURCE_STORE[kind] == "programmes":
        from stunting import programmes

        return programmes.store(root)
    return SnapshotStore(root / store.STORE)


def _snapshot_name(kind: str, root: Path) -> str | None:
    current = _store_for(kind, root).current()
    return current.name if current else None


def run_import(
    kind: str,
    paths: list[Path],
    root,
    user: User,
    db: UserDB,
    regencies: list[str],
    *,
    progress: Callable[[float, str], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    accept_valid: bool = False,
) -> Imported:
    """Import staged files under the import lock, record who did it, roll a failed batch back.
    ``accept_valid`` (programme data only): store a file's valid rows although others have problems."""
    root = resolve_data_dir(root)
    check_rights(user, regencies)
    with import_lock(root, on_wait), _store_wait_message(on_wait):
        batch_before = _snapshot_name(kind, root)
        done: list[str] = []
        summaries: list = []
        try:
            for index, path in enumerate(paths):
                before = _snapshot_name(kind, root)

                def scaled(fraction: float, message: str, index: int = index) -> None:
                    if progress is not None:
                        progress((index + min(max(fraction, 0.0), 1.0)) / len(paths), message)

                summary, entry = _import_one(kind, path, root, scaled, accept_valid)
                summaries.append(summary)
                after = _snapshot_name(kind, root)
                if entry is None or after == before:  # imported before: nothing changed
                    continue
                history_id = db.record_import(
                    actor=user.name,
                    kind=kind,
                    regencies=regencies,
                    snapshot_before=before,
                    snapshot_after=after,
                    **entry,
                )
                done.append(history_id)
                db.audit(user.name, "import", kind=kind, file=path.name, sha256=entry["sha256"],
                         rows=entry["rows_stored"])  # fmt: skip
        except BaseException as error:
            if done and batch_before is not None:
                _restore(kind, root, batch_before)  # the whole batch, or none of it
                for history_id in done:
                    db.mark_undone(history_id, actor=user.name)
            db.audit(user.name, "import_failed", kind=kind, file=paths[len(summaries)].name
                     if len(summaries) < len(paths) else "", error=type(error).__name__)  # fmt: skip
            raise
    return Imported(done, summaries)


@contextlib.contextmanager
def _store_wait_message(on_wait: Callable[[], None] | None) -> Iterator[None]:
    """A CLI import holds the store's own writer lock: say "import lain sedang berjalan" then too."""
    from stunting.snapshots import on_writer_wait

    if on_wait is None:
        yield
        return
    token = on_writer_wait.set(lambda _message: on_wait())
    try:
        yield
    finally:
        on_writer_wait.reset(token)


# What the history keeps of a stored import (e-PPGBM or village counts: both records carry these).
_HISTORY_FIELDS = ("import_id", "file_name", "sha256", "rows_read", "rows_stored", "rows_rejected")


def _history_entry(record) -> dict:
    return {name: getattr(record, name) for name in _HISTORY_FIELDS}


def _import_one(
    kind: str, path: Path, root: Path, progress, accept_valid: bool
) -> tuple[object, dict | None]:
    if kind == "eppgbm":
        from stunting.ingest import ingest_files

        (summary,) = ingest_files([path], root, progress=progress)
        return summary, None if summary.import_id is None else _history_entry(summary)
    if kind == "aggregates":
        from stunting.aggregates import ingest_aggregates

        progress(0.0, path.name)
        record, already = ingest_aggregates(path, root)
        progress(1.0, path.name)
        return record, None if already else _history_entry(record)
    from stunting.ingest import file_sha256

    if kind == "programmes":
        from stunting import programmes

        progress(0.0, path.name)
        result = programmes.import_file(path, accept_valid=accept_valid, data_dir=root)
        progress(1.0, path.name)
        rejected = len({(p.sheet, p.row) for p in result.problems})
        return result, {
            "import_id": store.new_import_id(),
            "file_name": path.name,
            "sha256": file_sha256(path),
            "rows_read": sum(result.stored.values()) + rejected,
            "rows_stored": sum(result.stored.values()),
            "rows_rejected": rejected,
        }
    from stunting.boundaries.install import import_files

    progress(0.0, path.name)
    report = import_files([path], root)
    progress(1.0, path.name)
    return report, {
        "import_id": store.new_import_id(),
        "file_name": path.name,
        "sha256": file_sha256(path),
        "rows_read": report.villages,
        "rows_stored": report.villages,
        "rows_rejected": 0,
    }


def _restore(kind: str, root: Path, snapshot: str) -> None:
    _store_for(kind, root).restore(snapshot)


def undo(history_id: str, root, user: User, db: UserDB) -> dict:
    """Put the store back to the snapshot before import ``history_id``; returns its history entry."""
    root = resolve_data_dir(root)
    with import_lock(root):
        entry = db.import_entry(history_id)
        if entry is None or entry["undone_at"]:
            raise UploadRefused("undo_gone")
        check_rights(user, entry["regencies"])
        if _snapshot_name(entry["kind"], root) != entry["snapshot_after"]:
            raise UploadRefused("undo_not_last", name=entry["file_name"])
        if entry["snapshot_before"] is None:
            raise UploadRefused("undo_first")
        kept = {s.name for s in _store_for(entry["kind"], root).snapshots()}
        if entry["snapshot_before"] not in kept:
            raise UploadRefused("undo_not_kept", name=entry["file_name"])
        _restore(entry["kind"], root, entry["snapshot_before"])
        db.mark_undone(history_id, actor=user.name)
        # The restored copy is a new snapshot with the same content as the one before: the import that
        # made that one is the last again, and may be undone in turn.
        sharing = [k for k, name in SOURCE_STORE.items() if name == SOURCE_STORE[entry["kind"]]]
        db.retarget_snapshot(sharing, entry["snapshot_before"], _snapshot_name(entry["kind"], root))
        db.audit(user.name, "undo", kind=entry["kind"], file=entry["file_name"], sha256=entry["sha256"])
    return entry


# --- the rejects report, in the reader's language -------------------------------------------------

REPORT_COLUMNS = ("source_row", "file_line", "column", "reason_code", "reason")


def reason_text(code: str, column: str, lang: str) -> str:
    from stunting.i18n import CATALOGUE, t

    key = f"reject.{code}"
    return t(key, lang, col=column) if key in CATALOGUE else t("reject.other", lang, code=code)


def usual_header(code: str) -> str:
    """The e-PPGBM column a reason concerns, as exports usually name it (the preview has no file's own)."""
    canonical = eppgbm.REJECT_REASONS.get(code, ("", ""))[0]
    return eppgbm.DISPLAY.get(canonical, canonical)


def rejects_table(report: Path, lang: str) -> pd.DataFrame:
    """The rejects report (row, file line, column, reason; never a name or NIK), reasons translated."""
    from stunting.i18n import t

    frame = pd.read_csv(report, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    frame = frame.reindex(columns=list(REPORT_COLUMNS), fill_value="")
    frame["reason"] = [
        reason_text(code, column, lang)
        for code, column in zip(frame["reason_code"], frame["column"], strict=True)
    ]
    return frame.rename(columns={c: t(f"data.col.{c}", lang) for c in REPORT_COLUMNS})


def rejects_csv(report: Path, lang: str) -> bytes:
    """rejects_table as CSV bytes (UTF-8 with BOM, so Excel opens it with the accents right)."""
    return rejects_table(report, lang).to_csv(index=False).encode("utf-8-sig")


PROBLEM_COLUMNS = ("sheet", "row", "column", "message")


def problems_table(problems: list, lang: str) -> pd.DataFrame:
    """Programme problems by sheet, row (the spreadsheet's number) and column. The messages name the
    cell's fault, never its value when that is personal (a NIK is "not repeated here")."""
    from stunting.i18n import t

    frame = pd.DataFrame(
        [[p.sheet, p.row, p.column, p.message_in(lang)] for p in problems], columns=list(PROBLEM_COLUMNS)
    )
    return frame.rename(columns={c: t(f"data.col.problem_{c}", lang) for c in PROBLEM_COLUMNS})


def problems_csv(problems: list, lang: str) -> bytes:
    """problems_table as CSV bytes (UTF-8 with BOM, like the rejects report)."""
    return problems_table(problems, lang).to_csv(index=False).encode("utf-8-sig")
