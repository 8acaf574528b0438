"""The data page (pages/data.py, in-process with AppTest) and the upload rules it draws
(stunting/uploads.py): preview before anything is stored, Simpan, summary and the translated rejects
report, history and undo; a renamed or foreign file refused in one sentence; regencies outside a data
manager's own refused; one import at a time; the numbers after an upload equal those of `ingest`."""

from __future__ import annotations

import io
import shutil
import threading
import time
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from stunting import prevalence, store, uploads
from stunting.cli import main
from stunting.config import REPO_ROOT
from stunting.i18n import fmt_month
from stunting.users import User, UserDB

PAGE = str(REPO_ROOT / "pages" / "data.py")
EXPORT = REPO_ROOT / "tests" / "data" / "eppgbm" / "export.csv"
EXPECTED = pd.read_csv(REPO_ROOT / "tests" / "data" / "eppgbm" / "expected.csv", dtype=str)
EXPECTED_REJECTS = pd.read_csv(REPO_ROOT / "tests" / "data" / "eppgbm" / "expected_rejects.csv", dtype=str)
PASSWORD = "manager-password-1"


def build_real_store(folder) -> None:
    """A store holding one earlier real import (the demo's 2024 export, imported as e-PPGBM): the
    upload then lands on top of stored data, as in an office, and has a snapshot to be undone to."""
    from stunting.demo import write_exports
    from stunting.ingest import ingest_files

    exports = folder / "exports"
    exports.mkdir(parents=True)
    (export,) = write_exports(exports, scale=0.03, years=(2024,)).files
    ingest_files([export], folder)
    shutil.rmtree(exports)


@pytest.fixture(scope="session")
def real_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real-store")
    build_real_store(folder)
    return folder


@pytest.fixture
def data_dir(real_store, tmp_path):
    """A writable copy of the store with one earlier import (the shared one stays as it is)."""
    folder = tmp_path / "data"
    shutil.copytree(real_store, folder, ignore=shutil.ignore_patterns("users.sqlite3*"))
    return folder


@pytest.fixture
def manager(data_dir) -> tuple[UserDB, str]:
    db = UserDB(data_dir)
    db.add("ani", "data_manager", PASSWORD, ("64.02", "64.74"), actor="test")
    return db, db.login("ani", PASSWORD)[1]


def _page(monkeypatch, data_dir, token) -> AppTest:
    monkeypatch.setenv("STUNTING_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["_auth_token"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at, name: str, data: bytes, kind: str = "eppgbm") -> AppTest:
    (uploader,) = [u for u in at.get("file_uploader") if u.key == f"data_upload_{kind}_0"]
    uploader.upload(name, data, "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _village_numbers(folder, periods) -> pd.DataFrame:
    frames = [
        prevalence.prevalence("stunting", p, "village", data_dir=folder).assign(period=p) for p in periods
    ]
    return pd.concat(frames, ignore_index=True).sort_values(["period", "code"], ignore_index=True)


def _thousands(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def _stored_rows_in_the_files_months(folder) -> int:
    """Counted by pyarrow over the whole store, apart from the page's own partition-by-partition count."""
    stored = pd.read_parquet(
        store.current_snapshot(folder) / store.MEASUREMENTS, columns=["village_code", "period"]
    )
    pairs = EXPECTED[["village_code", "period"]].drop_duplicates()
    return len(stored.merge(pairs, on=["village_code", "period"]))


def test_preview_then_save_then_rejects_then_undo(monkeypatch, data_dir, manager, tmp_path):
    db, token = manager
    before_snapshot = store.current_snapshot(data_dir).name
    periods = sorted(EXPECTED["period"].unique())
    before = _village_numbers(data_dir, periods)

    at = _upload(_page(monkeypatch, data_dir, token), "eppgbm_kukar.csv", EXPORT.read_bytes())
    # The preview counts what the fixture's maker wrote down row by row.
    assert _metrics(at) == {
        "Baris dibaca": f"{len(EXPECTED) + len(EXPECTED_REJECTS)}",
        "Diterima": f"{len(EXPECTED)}",
        "Ditolak": f"{len(EXPECTED_REJECTS)}",
        "Baris tersimpan yang diganti": _thousands(_stored_rows_in_the_files_months(data_dir)),
    }
    assert store.current_snapshot(data_dir).name == before_snapshot  # nothing stored by a preview
    assert not list((data_dir / uploads.STAGING).glob("tmp-*"))  # and nothing left in staging

    (save,) = [b for b in at.button if b.key == "save_eppgbm"]
    save.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.current_snapshot(data_dir).name != before_snapshot
    (saved,) = [s.value for s in at.success]
    assert saved.startswith("Tersimpan: eppgbm_kukar.csv — 137 baris baru atau berubah, 14 ditolak")

    # The rejects: one row per rejected line, reasons in Indonesian, no name or NIK anywhere.
    (download,) = [d for d in at.get("download_button")]
    report = next((data_dir / "reports").glob("*-rejects.csv"))
    csv = uploads.rejects_csv(report, "id").decode("utf-8-sig")
    rejects = pd.read_csv(io.StringIO(csv), dtype=str)
    assert list(rejects.columns) == ["baris", "baris_berkas", "kolom", "kode_alasan", "alasan"]
    assert sorted(zip(rejects["baris"], rejects["kode_alasan"], strict=True)) == sorted(
        zip(EXPECTED_REJECTS["source_row"], EXPECTED_REJECTS["reason_code"], strict=True)
    )
    assert rejects.loc[rejects["kode_alasan"] == "sex_invalid", "alasan"].item() == (
        "JK bukan L (Laki-laki) atau P (Perempuan)."
    )
    raw = EXPORT.read_text(encoding="utf-8")
    for identity in ("Anak Fiktif", "Ibu Fiktif", "6402011000017001", "Jl. Fiktif"):
        assert identity in raw and identity not in csv
    assert download.proto.label == "Unduh laporan baris ditolak (CSV)"

    # History: who, when, which file, its SHA-256, rows; the audit log has the import.
    (entry,) = db.import_history("eppgbm")
    assert (entry["actor"], entry["file_name"], entry["rows_read"]) == ("ani", "eppgbm_kukar.csv", 151)
    import hashlib

    assert entry["sha256"] == hashlib.sha256(EXPORT.read_bytes()).hexdigest()
    assert db.audit_log(event="import")[0]["actor"] == "ani"

    after = _village_numbers(data_dir, periods)
    assert not after.equals(before)
    (undo,) = [b for b in at.button if b.key.startswith("undo_eppgbm_")]
    undo.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Impor eppgbm_kukar.csv dibatalkan; data kembali seperti sebelumnya." in [
        s.value for s in at.success
    ]
    pd.testing.assert_frame_equal(_village_numbers(data_dir, periods), before)
    assert db.import_history("eppgbm")[0]["undone_by"] == "ani"
    assert db.audit_log(event="undo")[0]["detail"]["file"] == "eppgbm_kukar.csv"


def test_numbers_after_upload_equal_those_after_ingest(monkeypatch, data_dir, manager, tmp_path, real_store):
    _db, token = manager
    at = _upload(_page(monkeypatch, data_dir, token), "export.csv", EXPORT.read_bytes())
    [b for b in at.button if b.key == "save_eppgbm"][0].click().run()
    assert not at.exception
    by_cli = tmp_path / "cli"
    shutil.copytree(real_store, by_cli, ignore=shutil.ignore_patterns("users.sqlite3*"))
    assert main(["ingest", str(EXPORT), "--data-dir", str(by_cli)]) == 0
    periods = sorted(EXPECTED["period"].unique())
    pd.testing.assert_frame_equal(_village_numbers(data_dir, periods), _village_numbers(by_cli, periods))
    columns = ["file_name", "sha256", "rows_read", "rows_stored", "rows_rejected"]
    pd.testing.assert_frame_equal(store.imports(data_dir)[columns], store.imports(by_cli)[columns])


def _zip(member: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, content)
    return buffer.getvalue()


NOT_EPPGBM = "rekap.csv bukan CSV atau XLSX ekspor e-PPGBM: isinya "
OLD_XLS = "Excel lama (.xls); simpan sebagai XLSX atau CSV."


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (_zip("export.csv", b"a;b\n1;2\n"), NOT_EPPGBM + "arsip ZIP (diganti namanya?)."),
        (b"<!DOCTYPE html><html><body>Login</body></html>", NOT_EPPGBM + "halaman web (HTML)."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), NOT_EPPGBM + OLD_XLS),
    ],
)  # fmt: skip
def test_a_file_is_judged_by_its_content_not_its_name(monkeypatch, data_dir, manager, data, sentence):
    _db, token = manager
    before = store.current_snapshot(data_dir).name
    at = _upload(_page(monkeypatch, data_dir, token), "rekap.csv", data)
    assert [e.value for e in at.error] == [sentence]
    assert not [b for b in at.button if b.key == "save_eppgbm"]
    assert store.current_snapshot(data_dir).name == before


def test_sniffing_recognises_every_accepted_kind(tmp_path):
    xlsx = tmp_path / "x.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(xlsx, index=False)
    assert uploads.sniff("x", xlsx.read_bytes()) == "xlsx"
    assert uploads.sniff("x", _zip("desa.shp", b"\x00\x00\x27\x0a")) == "shapefile_zip"
    assert uploads.sniff("x", b'{"type": "FeatureCollection", "features": []}') == "geojson"
    assert uploads.sniff("x", b"SQLite format 3\x00" + bytes(100)) == "gpkg"
    assert uploads.sniff("x", b"INSERT INTO wilayah_boundaries VALUES ('64.02', ...);") == "wilayah_sql"
    assert uploads.sniff("x", "\ufeffNIK;Nama\n1;2\n".encode()) == "csv"
    assert uploads.sniff("x", b"%PDF-1.7") == "pdf"
    assert uploads.sniff("x", b"  \n ") == "empty"


def test_the_size_limit_matches_the_server_setting():
    import tomllib

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == uploads.MAX_UPLOAD_MB
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_upload("eppgbm", "big.csv", b"x" * (uploads.MAX_UPLOAD_BYTES + 1))
    assert refused.value.code == "too_big"


def test_a_file_outside_the_managers_regencies_is_refused(monkeypatch, data_dir):
    db = UserDB(data_dir)
    db.add("budi", "data_manager", PASSWORD, ("64.74",), actor="test")
    before = store.current_snapshot(data_dir).name
    at = _upload(
        _page(monkeypatch, data_dir, db.login("budi", PASSWORD)[1]), "export.csv", EXPORT.read_bytes()
    )
    assert [e.value for e in at.error] == [
        "Berkas ini memuat data 64.02, di luar wilayah Anda (64.74); tidak ada yang disimpan."
    ]
    assert not [b for b in at.button if b.key == "save_eppgbm"]
    assert store.current_snapshot(data_dir).name == before


def test_a_second_import_waits_for_the_first_and_never_interleaves(data_dir):
    events: list[str] = []
    first_holds = threading.Event()
    release = threading.Event()

    def first() -> None:
        with uploads.import_lock(data_dir):
            events.append("first in")
            first_holds.set()
            release.wait(30)
            events.append("first out")

    def second() -> None:
        with uploads.import_lock(data_dir, on_wait=lambda: events.append("second waits")):
            events.append("second in")

    a = threading.Thread(target=first)
    a.start()
    first_holds.wait(30)
    b = threading.Thread(target=second)
    b.start()
    deadline = time.monotonic() + 30
    while "second waits" not in events and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for the event under test, not a guessed duration
    release.set()
    a.join(30)
    b.join(30)
    assert events == ["first in", "second waits", "first out", "second in"]


def test_a_batch_whose_second_file_fails_leaves_the_store_as_it_was(data_dir):
    db = UserDB(data_dir)
    user = User("ani", "data_manager", ("64.02", "64.74"))
    before = _village_numbers(data_dir, sorted(EXPECTED["period"].unique()))
    imports_before = len(store.imports(data_dir))
    header = EXPORT.read_text(encoding="utf-8").splitlines()[0]
    with uploads.staged(
        data_dir, [("a.csv", EXPORT.read_bytes()), ("b.csv", (header + "\n").encode())]
    ) as paths:
        with pytest.raises(Exception, match="no data rows"):
            uploads.run_import("eppgbm", paths, data_dir, user, db, ["64.02", "64.74"])
    pd.testing.assert_frame_equal(_village_numbers(data_dir, sorted(EXPECTED["period"].unique())), before)
    assert len(store.imports(data_dir)) == imports_before
    assert db.audit_log(event="import_failed")[0]["detail"]["file"] == "b.csv"


def test_village_counts_upload_preview_save(monkeypatch, data_dir, manager):
    db, token = manager
    counts = (
        b"period,village_code,measured,stunting\n2018-08,64.02.01.2001,40,9\n2018-08,64.02.01.2002,25,4\n"
    )
    # 2018-08: a month the demo store does not have
    at = _upload(_page(monkeypatch, data_dir, token), "rekap.csv", counts, kind="aggregates")
    assert _metrics(at)["Baris dibaca"] == "2"
    assert "2018-08" not in store.periods(data_dir)  # the preview stored nothing
    [b for b in at.button if b.key == "save_aggregates"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Tersimpan: rekap.csv." in [s.value for s in at.success]
    assert "2018-08" in store.periods(data_dir)
    village = prevalence.prevalence("stunting", "2018-08", "village", data_dir=data_dir).set_index("code")
    assert (village.loc["64.02.01.2001", "cases"], village.loc["64.02.01.2001", "measured"]) == (9, 40)
    assert db.import_history("aggregates")[0]["file_name"] == "rekap.csv"


def test_boundary_upload_preview_save(monkeypatch, data_dir, manager, wilayah_dir):
    from stunting.boundaries import installed_source

    db, token = manager
    dump = wilayah_dir / "db" / "kel" / "64" / "wilayah_boundaries_kel_64.74.sql"
    at = _upload(_page(monkeypatch, data_dir, token), dump.name, dump.read_bytes(), kind="boundaries")
    assert _metrics(at)["Baris dibaca"] == "15"  # Bontang's 15 villages (FACTS.md)
    [b for b in at.button if b.key == "save_boundaries"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert installed_source(data_dir) is not None
    assert db.import_history("boundaries")[0]["rows_read"] == 15


def _import(data_dir, db, user, name: str, data: bytes) -> str:
    with uploads.staged(data_dir, [(name, data)]) as paths:
        preview = uploads.preview_eppgbm(paths, data_dir)
        (history_id,) = uploads.run_import("eppgbm", paths, data_dir, user, db, preview.regencies).history_ids
    return history_id


def test_undo_only_the_last_import_and_only_within_ones_regencies(data_dir):
    db = UserDB(data_dir)
    ani = User("ani", "data_manager", ("64.02", "64.74"))
    budi = User("budi", "data_manager", ("64.74",))
    periods = sorted(EXPECTED["period"].unique())
    original = _village_numbers(data_dir, periods)
    first = _import(data_dir, db, ani, "export.csv", EXPORT.read_bytes())
    after_first = _village_numbers(data_dir, periods)
    kukar_only = "\n".join(
        line for line in EXPORT.read_text(encoding="utf-8").splitlines() if "BONTANG" not in line
    )
    second = _import(data_dir, db, ani, "kukar.csv", (kukar_only.replace("11,63", "11,70") + "\n").encode())

    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.undo(first, data_dir, ani, db)
    assert refused.value.code == "undo_not_last"
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.undo(second, data_dir, budi, db)  # Kukar's data: not budi's
    assert refused.value.code == "not_your_regency"

    uploads.undo(second, data_dir, ani, db)
    pd.testing.assert_frame_equal(_village_numbers(data_dir, periods), after_first)
    uploads.undo(first, data_dir, ani, db)
    pd.testing.assert_frame_equal(_village_numbers(data_dir, periods), original)
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.undo(first, data_dir, ani, db)
    assert refused.value.code == "undo_gone"
    assert [row["actor"] for row in db.audit_log(event="undo")] == ["ani", "ani"]


def test_every_reject_reason_of_the_reader_has_both_languages():
    from stunting.eppgbm import REJECT_REASONS
    from stunting.i18n import CATALOGUE

    assert [code for code in REJECT_REASONS if f"reject.{code}" not in CATALOGUE] == []
    assert uploads.reason_text("sex_invalid", "JK", "en") == "JK is neither L (Laki-laki) nor P (Perempuan)."
    assert uploads.reason_text("a_new_code", "JK", "id") == "Ditolak (a_new_code)."


def test_the_preview_shows_the_numbers_of_ingest_dry_run(monkeypatch, data_dir, manager, capsys):
    import re

    assert main(["ingest", "--dry-run", str(EXPORT), "--data-dir", str(data_dir)]) == 0
    printed = capsys.readouterr().out
    read, accepted, rejected = (int(n.replace(",", "")) for n in re.search(
        r"([\d,]+) rows read, ([\d,]+) accepted .*?, ([\d,]+) rejected", printed).groups())  # fmt: skip
    replaced = int(re.search(r"would replace ([\d,]+) rows", printed).group(1).replace(",", ""))
    periods = re.search(r"periods: ([\d, -]+);", printed).group(1).split(", ")
    _db, token = manager
    at = _upload(_page(monkeypatch, data_dir, token), "export.csv", EXPORT.read_bytes())
    assert _metrics(at) == {
        "Baris dibaca": _thousands(read),
        "Diterima": _thousands(accepted),
        "Ditolak": _thousands(rejected),
        "Baris tersimpan yang diganti": _thousands(replaced),
    }
    shown = [c.value for c in at.caption if c.value.startswith("Periode:")]
    assert shown == ["Periode: " + ", ".join(fmt_month(p, "id") for p in periods)]


# --- programme data (the "Program" tab) --------------------------------------------------------------

BAAS_HEADER = ["Kode Desa", "Nama Desa", "Tahun", "Anak Diasuh", "Orang Tua Asuh"]
SCORE_HEADER = ["Kode Desa", "Nama Desa", "Tahun", "Sasaran", "Indikator", "Pembilang", "Penyebut"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    """An XLSX written by openpyxl, as an office's spreadsheet program would write the template."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Two valid baas rows, one with an unknown village, one valid scorecard row, one numerator above its
# denominator: 3 rows to store, 2 rows with a problem.
MIXED = _workbook(
    {
        "baas": [BAAS_HEADER, ["64.02.01.2001", "", 2022, 3, 1], ["64.02.99.9999", "", 2022, 3, 1],
                 ["64.02.01.2002", "", 2023, 5, 2]],
        "konvergensi": [SCORE_HEADER, ["64.02.01.2001", "", 2023, "Ibu hamil", "H1", 8, 10],
                        ["64.02.01.2002", "", 2023, "Ibu hamil", "H2", 12, 10]],
    }
)  # fmt: skip


def _upload_programmes(at, name: str, data: bytes) -> AppTest:
    (uploader,) = [u for u in at.get("file_uploader") if u.key == "data_upload_programmes_0"]
    uploader.upload(name, data, XLSX)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _programme_tables(folder) -> dict[str, list]:
    from stunting import programmes

    return {
        sheet: programmes.read_table(sheet, folder).astype(str).sort_values(list(table.key)).values.tolist()
        for sheet, table in programmes.TABLES.items()
    }


def test_programme_preview_equals_the_cli_and_a_bad_row_stores_nothing_unless_accepted(
    monkeypatch, data_dir, manager, tmp_path, capsys
):
    import hashlib
    import re

    from stunting import programmes

    db, token = manager
    # The CLI on the same file, into a copy of the store: the rows it stores and the problems it lists.
    cli_dir = tmp_path / "cli"
    shutil.copytree(data_dir, cli_dir)
    (tmp_path / "program.xlsx").write_bytes(MIXED)
    assert main(["programmes", "import", str(tmp_path / "program.xlsx"), "--data-dir", str(cli_dir)]) == 1
    assert programmes.store(cli_dir).current() is None  # the CLI too stores nothing without --accept-valid
    capsys.readouterr()
    argv = [
        "programmes",
        "import",
        str(tmp_path / "program.xlsx"),
        "--accept-valid",
        "--data-dir",
        str(cli_dir),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    cli_rows = {s: int(n) for s, n in re.findall(r"(\w+) (\d+)", printed.split("\n")[0].split(": ", 1)[1])}
    cli_problems = int(re.search(r"(\d+) row problem", printed).group(1))

    at = _upload_programmes(_page(monkeypatch, data_dir, token), "program.xlsx", MIXED)
    sheets = [d.value for d in at.dataframe if "baris yang akan disimpan" in d.value.columns]
    assert dict(zip(sheets[0]["lembar"], sheets[0]["baris yang akan disimpan"], strict=True)) == cli_rows
    (problems,) = [d.value for d in at.dataframe if "masalah" in d.value.columns]
    assert len(problems) == cli_problems
    assert sorted(zip(problems["lembar"], problems["baris"], problems["kolom"], strict=True)) == [
        ("baas", 3, "Kode Desa"),
        ("konvergensi", 3, "Pembilang"),
    ]
    assert _metrics(at) == {"Baris dibaca": "5", "Diterima": "3", "Ditolak": "2"}
    # With a problem and the box not ticked there is no Simpan, and nothing was stored.
    assert not [b for b in at.button if b.key == "save_programmes"]
    assert programmes.store(data_dir).current() is None
    at.checkbox(key="accept_programmes").check().run()
    [b for b in at.button if b.key == "save_programmes"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _programme_tables(data_dir) == _programme_tables(cli_dir)  # the same rows as the CLI stored
    (entry,) = db.import_history("programmes")
    assert (entry["actor"], entry["file_name"], entry["rows_stored"]) == ("ani", "program.xlsx", 3)
    assert entry["sha256"] == hashlib.sha256(MIXED).hexdigest()
    assert db.audit_log(event="import")[0]["detail"]["kind"] == "programmes"
    # The report after Simpan: the problems table and its CSV, with the sheet/row/column headers.
    download = [d for d in at.get("download_button") if d.proto.label == "Unduh daftar masalah (CSV)"]
    assert download, "the problem list to download"


def test_programme_undo_returns_the_programme_store_to_the_snapshot_before(monkeypatch, data_dir, manager):
    from stunting import programmes

    db, token = manager
    first = _workbook({"baas": [BAAS_HEADER, ["64.02.01.2001", "", 2022, 3, 1]]})
    at = _upload_programmes(_page(monkeypatch, data_dir, token), "first.xlsx", first)
    [b for b in at.button if b.key == "save_programmes"][0].click().run()
    before = _programme_tables(data_dir)
    snapshot_before = programmes.store(data_dir).current().name
    # A second file replaces the first's row (same village and year) and adds a scorecard row.
    second = _workbook(
        {
            "baas": [BAAS_HEADER, ["64.02.01.2001", "", 2022, 9, 4]],
            "konvergensi": [SCORE_HEADER, ["64.02.01.2002", "", 2023, "Anak 0-23 bulan", "A1", 4, 6]],
        }
    )
    (uploader,) = [u for u in at.get("file_uploader") if u.key == "data_upload_programmes_1"]
    uploader.upload("second.xlsx", second, XLSX)
    at.run()
    [b for b in at.button if b.key == "save_programmes"][0].click().run()
    assert programmes.read_table("baas", data_dir)["children_fostered"].tolist() == [9]
    assert _programme_tables(data_dir) != before
    (undo,) = [b for b in at.button if b.key.startswith("undo_programmes_")]
    undo.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _programme_tables(data_dir) == before
    kept = {s.name for s in programmes.store(data_dir).snapshots()}
    assert snapshot_before in kept
    assert db.import_history("programmes")[0]["undone_by"] == "ani"
    assert db.audit_log(event="undo")[0]["detail"]["file"] == "second.xlsx"


def test_programme_data_outside_the_managers_regencies_is_refused(monkeypatch, data_dir):
    from stunting import programmes

    db = UserDB(data_dir)
    db.add("budi", "data_manager", PASSWORD, ("64.74",), actor="test")
    at = _upload_programmes(
        _page(monkeypatch, data_dir, db.login("budi", PASSWORD)[1]), "program.xlsx", MIXED
    )
    assert any("64.02" in e.value and "tidak ada yang disimpan" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "save_programmes"]
    assert programmes.store(data_dir).current() is None
