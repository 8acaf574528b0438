"""The import pipeline: e-PPGBM export -> read -> match villages -> pseudonymise -> z-scores -> store.

Per file: its SHA-256 is looked up in the import log first (the same file imported again stores
nothing and says when it was imported). The export is read in chunks; each chunk's names and NIK are
turned into ``child_id`` and dropped at once, so personal data never leaves the chunk being parsed,
except the normalised child's and mother's names the duplicate check compares: each chunk writes them,
encrypted under a key held only in the import's memory, in buckets to the staging folder, and the
search reads them back bucket by bucket (stunting/quality/imported.py; only source row numbers of
probable duplicates are stored). WHO z-scores are computed here (the export's own ``ZS`` values are kept only
as ``reported_*``), and each chunk's rows are staged as parquet at once (``stage_chunk``), so memory
holds one chunk, not the file. Rejected rows go to ``DATA_DIR/reports/IMPORT_ID-rejects.csv`` (row
numbers, column, reason; never a name), then stunting.staging merges the staged rows into the store in
one atomic write. The chunk and year work runs here or on a Dask cluster (``runner``,
stunting.cluster; docs/scale.md). A file whose every row is rejected stores nothing and raises
``UserError`` (its rejects report is still written).

An export replaces its scope: for every (village, period) it holds, what earlier imports stored
there goes (a child missing from the new export is gone, a corrected NIK replaces the mistyped one);
the files of one call form one export and never retract each other. ``add=True`` merges without
retracting (a partial file, e.g. one posyandu). ``preview`` computes the same summary without
changing anything. Real exports never go into a store holding the demo (``store.refuse_import``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stunting import cluster, eppgbm, pseudonym, staging, store, who
from stunting import villages as villages_module
from stunting.config import PRIVATE_FILE_MODE, private_dir
from stunting.config import data_dir as resolve_data_dir
from stunting.errors import UserError
from stunting.gazetteer import villages
from stunting.indicators import age_group_labels, completed_months
from stunting.quality import imported as quality_import
from stunting.villages import VillageMatcher

REPORTS = "reports"
REPORT_SUFFIX = "-rejects.csv"
REPORT_COLUMNS = ["source_row", "file_line", "column", "reason_code", "reason"]
# Share of a file's progress bar spent reading; z-scores and the store write take the rest.
READ_SHARE = 0.75
# The chunks' village-months are de-duplicated together every this many chunks.
SCOPE_FOLD_CHUNKS = 8
# An Excel file's rows are not counted before reading: its size over this estimates them (for the
# duplicate check's bucket count only).
XLSX_BYTES_PER_ROW = 60

Progress = Callable[[float, str], None]


@dataclass
class ImportSummary:
    """What one file's import did, for the CLI and the app."""

    file_name: str
    sha256: str
    import_id: str | None  # None when the file had been imported before
    rows_read: int = 0
    rows_accepted: int = 0  # handed to the store
    rows_stored: int = 0  # new, or replacing a different measurement of the child on that date
    rows_rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    rejects_report: Path | None = None
    already_imported_on: str | None = None
    age_text_mismatches: int = 0  # "Usia Saat Ukur" disagreeing with the two dates (see eppgbm)
    header_line: int = 1
    nik_disagreements: int = 0  # accepted rows whose NIK's embedded birth date is not theirs
    periods: list[str] = field(default_factory=list)  # periods of the accepted rows
    villages: int = 0  # villages of the accepted rows
    village_months: int = 0  # (village, period) pairs the export holds: its scope
    rows_replaced: int = 0  # earlier rows retracted by the scope or changed on the key
    village_months_replaced: int = 0  # village-months those rows were in
    add: bool = False  # merged without retracting (--add)
    dry_run: bool = False  # nothing was written (--dry-run)
    duplicates_report: Path | None = None  # source rows of probable duplicate children (quality)
    # Accepted rows whose village name matched only fuzzily: (file spelling, gazetteer name, code) -> rows.
    fuzzy_villages: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # "Not measured" values (8888, 9999, 0, ...) of accepted rows: (column header, value) -> rows.
    sentinels: dict[tuple[str, str], int] = field(default_factory=dict)
    rows_without_height: int = 0  # stored with a weight only (no length/height z-score)
    rows_without_weight: int = 0  # stored with a height only


@dataclass
class Preview:
    """What importing ``files`` would do (``preview``): one ImportSummary per file, each computed
    against the store as it is now; nothing is written, no rejects report is kept."""

    files: list[ImportSummary]

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.files)

    @property
    def rows_accepted(self) -> int:
        return sum(s.rows_accepted for s in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(s.rows_rejected for s in self.files)

    @property
    def rows_replaced(self) -> int:
        return sum(s.rows_replaced for s in self.files)

    @property
    def village_months_replaced(self) -> int:
        return sum(s.village_months_replaced for s in self.files)

    @property
    def periods(self) -> list[str]:
        return sorted({p for s in self.files for p in s.periods})


def ingest_files(
    paths: Iterable[str | os.PathLike[str]],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    source: str = "e-ppgbm",
    progress: Progress | None = None,
    chunk_rows: int = eppgbm.CHUNK_ROWS,
    max_xlsx_bytes: int = eppgbm.MAX_XLSX_BYTES,
    add: bool = False,
    keep_imports: Iterable[str] = (),
    runner=None,
) -> list[ImportSummary]:
    """Import each file in turn; a ``UserError`` in one file stops there (earlier files stay imported).

    The files together replace their scope (unless ``add``): a later file never retracts what an
    earlier one of the same call stored, nor what the imports in ``keep_imports`` stored."""
    root = resolve_data_dir(data_dir)
    paths = [Path(p) for p in paths]
    store.refuse_import(root, source)  # before reading a big file: the write would refuse it anyway
    ours = set(keep_imports)
    summaries = []
    for index, path in enumerate(paths):

        def scaled(fraction: float, message: str, index: int = index) -> None:
            if progress is not None:
                progress((index + min(max(fraction, 0.0), 1.0)) / len(paths), message)

        summary = ingest_file(
            path,
            root,
            source=source,
            progress=scaled,
            chunk_rows=chunk_rows,
            max_xlsx_bytes=max_xlsx_bytes,
            add=add,
            keep_imports=frozenset(ours),
            runner=runner,
        )
        if summary.import_id is not None:
            ours.add(summary.import_id)
        summaries.append(summary)
    return summaries


def preview(
    files: Iterable[str | os.PathLike[str]],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    add: bool = False,
    source: str = "e-ppgbm",
    chunk_rows: int = eppgbm.CHUNK_ROWS,
    max_xlsx_bytes: int = eppgbm.MAX_XLSX_BYTES,
    runner=None,
) -> Preview:
    """The import summary of each file (rows read, accepted, rejected by reason, periods, villages,
    rows replaced in how many village-months) without changing the store or writing any report."""
    root = resolve_data_dir(data_dir)
    store.refuse_import(root, source)
    return Preview(
        [
            ingest_file(
                Path(path),
                root,
                source=source,
                progress=lambda _fraction, _message: None,
                chunk_rows=chunk_rows,
                max_xlsx_bytes=max_xlsx_bytes,
                add=add,
                dry_run=True,
                runner=runner,
            )
            for path in files
        ]
    )


def ingest_file(
    path: Path,
    root: Path,
    *,
    source: str,
    progress: Progress,
    chunk_rows: int,
    max_xlsx_bytes: int,
    add: bool = False,
    keep_imports: frozenset[str] = frozenset(),
    dry_run: bool = False,
    runner=None,
) -> ImportSummary:
    if not path.is_file():
        raise UserError(f"{path} does not exist or is not a file.")
    ours = runner is None
    if ours:  # for a big file a helper process starts now, so its start overlaps the checks
        runner = cluster.for_file(path.stat().st_size, warm=_matcher)
    try:
        return _ingest_file(path, root, source=source, progress=progress, chunk_rows=chunk_rows,
                            max_xlsx_bytes=max_xlsx_bytes, add=add, keep_imports=keep_imports,
                            dry_run=dry_run, runner=runner)  # fmt: skip
    finally:
        if ours:
            runner.close()


def _ingest_file(
    path: Path, root: Path, *, source: str, progress: Progress, chunk_rows: int, max_xlsx_bytes: int,
    add: bool, keep_imports: frozenset[str], dry_run: bool, runner,
) -> ImportSummary:  # fmt: skip
    name = path.name
    progress(0.0, f"{name}: checking")
    digest = file_sha256(path)
    earlier = store.find_import(root, digest)
    if earlier is not None:
        progress(1.0, f"{name}: already imported")
        return ImportSummary(
            name, digest, None, already_imported_on=earlier.imported_at, add=add, dry_run=dry_run
        )

    progress(0.0, f"{name}: 0 rows read")
    layout = eppgbm.open_layout(path, max_xlsx_bytes=max_xlsx_bytes)
    import_id = store.new_import_id()
    if dry_run and not root.exists():
        # A preview changes nothing, not even by creating the data dir: stage in a temporary folder.
        staged = Path(tempfile.mkdtemp(prefix="stunting-preview-")) / import_id
    else:
        staged = staging.staging_dir(root, import_id)
    # Created once here, before any worker reads it; a preview without one hands a throwaway key.
    secret = _secret(root, dry_run)
    throwaway = secret if not pseudonym.secret_path(root).exists() else None
    try:
        return _stage_and_write(
            path, root, layout, staged, import_id, digest, source, progress, chunk_rows, runner,
            add=add, keep_imports=keep_imports, dry_run=dry_run, secret=throwaway,
        )  # fmt: skip
    finally:
        quality_import.end_stream(staged)  # an import that failed while reading: its search's process
        shutil.rmtree(staged, ignore_errors=True)
        # The duplicate search has ended here (_stage_and_write waits for it on every path).
        shutil.rmtree(quality_import.spill_folder(staged), ignore_errors=True)
        with contextlib.suppress(OSError):
            staged.parent.rmdir()  # the staging folder itself, once no import uses it


def _stage_and_write(
    path, root, layout, staged, import_id, digest, source, progress, chunk_rows, runner, *, add, keep_imports,
    dry_run, secret,
) -> ImportSummary:  # fmt: skip
    name = path.name
    size = max(path.stat().st_size, 1)
    bytes_per_row = _bytes_per_row(path, layout)
    chunks: list[StagedChunk] = []
    scopes: list[pd.DataFrame] = []  # the chunks' distinct (village_code, period)
    rows_read = 0
    # The duplicate check's identities, spilled encrypted in buckets (a preview searches none).
    estimated_rows = size / bytes_per_row if bytes_per_row else size / XLSX_BYTES_PER_ROW
    spill = None if dry_run else quality_import.Spill.new(staged, estimated_rows)
    fuzzy_villages: Counter = Counter()
    sentinels: Counter = Counter()
    without_height = without_weight = 0
    spans = eppgbm.csv_spans(layout, chunk_rows) if runner.reads_spans else None
    if runner.reads_spans and spans is None:  # a workbook, or a CSV whose line breaks may be quoted
        runner.close()
        runner = cluster.LOCAL
    for chunk in runner.map_chunks(
        stage_chunk,
        spans if spans is not None else eppgbm._raw_chunks(layout, chunk_rows),
        layout=layout,
        staging_dir=str(staged),
        import_id=import_id,
        root=str(root),
        today=dt.date.today(),
        secret=secret,
        identity_spill=spill,
    ):
        if chunk.village_months is not None:
            # Folded as they come: a national chunk holds some 60,000 village-months, and 200 chunks'
            # lists held to the end would be 1.3 GB of text for a scope of 83,000.
            scopes.append(chunk.village_months)
            chunk.village_months = None
            if len(scopes) >= SCOPE_FOLD_CHUNKS:
                scopes = [pd.concat(scopes, ignore_index=True).drop_duplicates()]
        chunks.append(chunk)
        rows_read += chunk.rows_read
        fuzzy_villages.update(chunk.fuzzy_villages)
        sentinels.update(chunk.sentinels)
        without_height += chunk.without_height
        without_weight += chunk.without_weight
        estimate = size / bytes_per_row if bytes_per_row else rows_read
        progress(READ_SHARE * min(rows_read / max(estimate, 1), 0.99), f"{name}: {rows_read:,} rows read")

    # Every chunk is read: the matcher with the triples it remembered, and the name keys cached on
    # the way, would otherwise sit under the merge's peak (125 MB returned after a national file's
    # chunks, 85 MB of it name keys). The next file builds them again (the matcher in 0.2 s).
    _matchers.clear()
    villages_module.forget_names()
    rejects = [c.rejects for c in chunks if len(c.rejects)]
    rejected = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REPORT_COLUMNS)
    by_reason = {str(k): int(v) for k, v in rejected["reason_code"].value_counts().items()}
    report = root / REPORTS / f"{import_id}{REPORT_SUFFIX}"
    accepted = sum(c.rows_accepted for c in chunks)
    summary = ImportSummary(
        name,
        digest,
        import_id,
        rows_read=rows_read,
        rows_accepted=accepted,
        rows_rejected=len(rejected),
        rejected_by_reason=by_reason,
        header_line=layout.header_line,
        nik_disagreements=sum(c.nik_disagreements for c in chunks),
        age_text_mismatches=sum(c.age_text_mismatches for c in chunks),
        add=add,
        dry_run=dry_run,
        fuzzy_villages=dict(fuzzy_villages),
        sentinels=dict(sentinels),
        rows_without_height=without_height,
        rows_without_weight=without_weight,
    )
    if rows_read == 0:
        raise UserError(f"{name} has a header row but no data rows.")
    if not accepted:
        if dry_run:
            raise UserError(
                f"Every one of the {rows_read:,} rows of {name} would be rejected, so nothing would be "
                "stored; run without --dry-run to get the reasons per row in a report."
            )
        _write_report(rejected, report)
        top = ", ".join(
            f"{code.replace('_', ' ')}: {n:,}"
            for code, n in sorted(by_reason.items(), key=lambda kv: -kv[1])[:3]
        )
        raise UserError(
            f"Every one of the {rows_read:,} rows of {name} was rejected ({top}), so nothing was stored; "
            f"the reasons per row are in {report}."
        )
    scope = pd.concat(scopes).drop_duplicates()
    summary.periods = sorted(scope["period"].unique().tolist())
    summary.villages = int(scope["village_code"].nunique())
    summary.village_months = len(scope)

    progress(READ_SHARE + (1 - READ_SHARE) / 2, f"{name}: writing the store")
    if dry_run:
        record = store.ImportRecord(import_id, name, digest, source, "", rows_read, 0, len(rejected))
        changes = staging.plan_staged(root, staged, record, add=add, map_years=runner.map_years)
        summary.import_id = None
        summary.rows_stored = changes.rows_stored
        summary.rows_replaced = changes.rows_replaced
        summary.village_months_replaced = changes.village_months_replaced
        progress(1.0, f"{name}: previewed")
        return summary

    tmp_report = report.with_name(f".{report.name}.tmp") if len(rejected) else None
    if tmp_report is not None:
        _write_report(rejected, tmp_report)
    record = store.ImportRecord(
        import_id=import_id,
        file_name=name,
        sha256=digest,
        source=source,
        imported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        rows_read=rows_read,
        rows_stored=0,
        rows_rejected=len(rejected),
        rejected_by_reason=by_reason,
        rejects_report=f"{REPORTS}/{report.name}" if tmp_report is not None else None,
    )
    spilled = [c.identities for c in chunks if c.identities is not None]
    duplicate_search = quality_import.find_duplicates(spill, spilled)  # runs while the store writes
    try:
        try:
            record = staging.write_staged(
                root, staged, record, add=add, keep_imports=keep_imports, map_years=runner.map_years
            )
        except BaseException:
            if tmp_report is not None:
                tmp_report.unlink(missing_ok=True)
            raise
        if tmp_report is not None:
            os.replace(tmp_report, report)
            summary.rejects_report = report
        summary.rows_stored = record.rows_stored
        summary.rows_replaced = record.rows_replaced
        summary.village_months_replaced = record.village_months_replaced
        summary.duplicates_report = quality_import.record_duplicates(root, import_id, duplicate_search)
    except BaseException:
        quality_import.abandon(duplicate_search)  # it reads the spill folder, removed next
        raise
    progress(1.0, f"{name}: done")
    return summary


@dataclass
class StagedChunk:
    """What staging one chunk did (small: no row of the file travels back to the caller)."""

    rows_read: int
    rejects: pd.DataFrame  # REPORT_COLUMNS: row numbers and reasons, never a name
    rows_accepted: int = 0
    age_text_mismatches: int = 0
    nik_disagreements: int = 0
    village_months: pd.DataFrame | None = None  # distinct (village_code, period) staged
    # What the summary tells (eppgbm.ParsedChunk): fuzzy village matches, "not measured" sentinels,
    # rows stored without a height or a weight.
    fuzzy_villages: dict[tuple[str, str, str], int] = field(default_factory=dict)
    sentinels: dict[tuple[str, str], int] = field(default_factory=dict)
    without_height: int = 0
    without_weight: int = 0
    # Where the duplicate check's identities of this chunk went (encrypted parts in the staging
    # folder, stunting/quality/imported.py): offsets only, no name travels back.
    identities: quality_import.SpilledChunk | None = None


def stage_chunk(
    raw: pd.DataFrame | eppgbm.Span, *, index: int, layout: eppgbm.Layout, staging_dir: str,
    import_id: str, root: str, today: dt.date, secret: bytes | None = None,
    identity_spill: quality_import.Spill | None = None,
) -> StagedChunk:  # fmt: skip
    """One chunk of raw text -> parsed and matched -> pseudonymised -> WHO z-scores -> staged parquet.

    The same function runs here chunk after chunk and on Dask workers side by side (stunting.cluster):
    plain arguments, the secret read from the data dir (shared storage; ``secret`` only for a preview's
    throwaway key), nothing personal returned. ``identity_spill``: where the duplicate check's
    identities go, sealed with the import's key (None: not kept, as in a preview). ``raw`` may be
    the chunk's span of the file instead (cluster.TwoProcessRunner), read here."""
    if isinstance(raw, eppgbm.Span):
        raw = eppgbm.read_span(layout, raw)
    parsed = eppgbm.parse_chunk(raw, layout, _matcher(), today)
    result = StagedChunk(
        parsed.rows_read,
        parsed.rejects,
        fuzzy_villages=parsed.fuzzy_villages,
        sentinels=parsed.sentinels,
        without_height=parsed.without_height,
        without_weight=parsed.without_weight,
    )
    frame = parsed.frame
    if not len(frame):
        return result
    disagrees = None
    if "nik" in frame:
        disagrees = pseudonym.nik_disagrees(frame["nik"], frame["birth_date"], frame["sex"])
        result.nik_disagreements = int(disagrees.sum())
    key = secret if secret is not None else pseudonym.load_secret(Path(root))
    pseudonymised = _pseudonymise(frame, key)
    if identity_spill is not None:
        rows = quality_import.identities(frame, pseudonymised["child_id"], disagrees)
        if rows is not None:  # bench/bench_ingest.py switches the checks off by returning None
            result.identities = quality_import.spill_chunk(rows, identity_spill, index)
        del rows
    measurements = _measurements(pseudonymised, import_id)
    result.age_text_mismatches = int(measurements.pop("age_text_mismatch").sum())
    result.rows_accepted = len(measurements)
    result.village_months = measurements[["village_code", "period"]].drop_duplicates().reset_index(drop=True)
    staging.stage_chunk(Path(staging_dir), index, measurements)
    return result


_matchers: dict[int, VillageMatcher] = {}


def _matcher() -> VillageMatcher:
    """One matcher per gazetteer per process: it remembers every name triple it has matched."""
    gazetteer = villages()
    key = id(gazetteer)
    if key not in _matchers:
        _matchers.clear()
        _matchers[key] = VillageMatcher(gazetteer)
    return _matchers[key]


def _secret(root: Path, dry_run: bool) -> bytes:
    """The installation's secret; a dry run on an installation without one uses a throwaway key
    instead of creating it (no child is stored yet, so no id it computes can match a stored one)."""
    if dry_run and not pseudonym.secret_path(root).exists():
        return secrets.token_bytes(pseudonym.SECRET_BYTES)
    return pseudonym.load_secret(root)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _bytes_per_row(path: Path, layout: eppgbm.Layout) -> float | None:
    """Average size of a CSV line, from the first MB: turns rows read into a fraction of the file."""
    if layout.kind != "csv":
        return None
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    lines = head.count(b"\n")
    return len(head) / lines if lines else None


def _pseudonymise(frame: pd.DataFrame, secret: bytes) -> pd.DataFrame:
    """child_id in, NIK / names / birth date out: what remains may be written."""
    empty = pd.Series("", index=frame.index, dtype=object)
    ids = pseudonym.child_ids(
        frame["nik"] if "nik" in frame else empty,
        frame["name"] if "name" in frame else empty,
        frame["birth_date"],
        frame["mother_name"] if "mother_name" in frame else None,
        secret,
        sex=frame["sex"],
    )
    # The reader rejects rows with neither NIK nor name, and rows without a birth date.
    assert not pd.isna(ids).any(), "a row without identity reached pseudonymisation"
    slim = frame.drop(columns=[c for c in (*eppgbm.IDENTIFYING, "birth_date") if c in frame])
    slim.insert(0, "child_id", ids)
    return slim


def _measurements(frame: pd.DataFrame, import_id: str) -> pd.DataFrame:
    """The store's input columns (see docs/architecture.md) from accepted, pseudonymised rows."""
    sex_code = frame["sex"].map({"L": 1, "P": 2}).astype("int8")
    z = who.zscores(
        pd.DataFrame(
            {
                "sex": sex_code,
                "age_days": frame["age_days"],
                "weight_kg": frame["weight_kg"],
                "lenhei_cm": frame["height_cm"],
                "measured_lying": frame["measured_lying"],
            },
            index=frame.index,
        )
    )
    age_days = frame["age_days"].to_numpy()
    out = pd.DataFrame(
        {
            "regency": frame["regency"],
            "child_id": frame["child_id"],
            "village_code": frame["village_code"],
            "kecamatan_code": frame["kecamatan_code"],
            "period": _periods(frame["measured_on"]),
            "measured_on": frame["measured_on"],
            "age_days": frame["age_days"].astype("int32"),
            "age_months": completed_months(age_days).astype("int16"),
            "age_group": age_group_labels(age_days),
            "sex": frame["sex"],
            "weight_kg": frame["weight_kg"],
            "height_cm": frame["height_cm"],
            "measured_lying": frame["measured_lying"],
            "haz": z["haz"],
            "waz": z["waz"],
            "whz": z["whz"],
            "haz_flag": z["haz_flag"].astype(bool),
            "waz_flag": z["waz_flag"].astype(bool),
            "whz_flag": z["whz_flag"].astype(bool),
            "reported_haz": frame["reported_haz"],
            "reported_waz": frame["reported_waz"],
            "reported_whz": frame["reported_whz"],
            "posyandu": frame["posyandu"],
            "puskesmas": frame["puskesmas"],
            "import_id": import_id,
            "source_row": frame["source_row"].astype("int32"),
            "age_text_mismatch": frame["age_text_mismatch"].to_numpy(dtype=bool),
        },
        index=frame.index,
    )
    return out.reset_index(drop=True)


def _periods(measured_on: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each date, formatted once per distinct month (strftime per row is slow)."""
    months = measured_on.dt.year.to_numpy() * 100 + measured_on.dt.month.to_numpy()
    codes, uniques = pd.factorize(months)
    labels = np.array([f"{m // 100:04d}-{m % 100:02d}" for m in uniques], dtype=object)
    return pd.Series(labels[codes], index=measured_on.index, dtype=object)


def _write_report(rejected: pd.DataFrame, path: Path) -> None:
    """The rejects report: row numbers, column and reason only (utf-8 with BOM, so Excel opens it)."""
    private_dir(path.parent)
    ordered = rejected[REPORT_COLUMNS].sort_values("source_row", kind="stable")
    ordered.to_csv(path, index=False, encoding="utf-8-sig")
    os.chmod(path, PRIVATE_FILE_MODE)
