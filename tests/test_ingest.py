"""The import pipeline end to end: e-PPGBM export in, the store's counts out, nothing personal left behind."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from stunting import store
from stunting.cli import main as cli_main
from stunting.errors import UserError
from stunting.ingest import ingest_files

FIXTURES = Path(__file__).parent / "data" / "eppgbm"
EXPORT = FIXTURES / "export.csv"

# WHO's implausible-value limits and the indicators' cut-offs, written out again here on purpose:
# the hand count must not borrow the product's own definitions.
HAND_RULES = {
    "stunting": ("haz", -2.0, (-6.0, 6.0)),
    "severe_stunting": ("haz", -3.0, (-6.0, 6.0)),
    "wasting": ("whz", -2.0, (-5.0, 5.0)),
    "underweight": ("waz", -2.0, (-6.0, 5.0)),
}


def _export_rows() -> list[dict[str, str]]:
    with open(EXPORT, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _hand_count() -> pd.DataFrame:
    """Per village x period x indicator: children (each with its last measurement in the month whose
    z for that indicator is defined and not flagged) and cases, from the fixture's independently
    computed z-scores."""
    expected = pd.read_csv(FIXTURES / "expected.csv", dtype={"village_code": str, "child": str})
    rows = []
    for indicator, (column, cutoff, (low, high)) in HAND_RULES.items():
        z = expected[column].round(2)
        valid = expected[z.notna() & (z >= low) & (z <= high)]
        last = valid.sort_values("measured_on").groupby(["child", "period"]).tail(1)
        for (village, period), group in last.groupby(["village_code", "period"]):
            z_last = group[column].round(2)
            rows.append((village, period, indicator, len(group), int((z_last < cutoff).sum())))
    return pd.DataFrame(rows, columns=["village_code", "period", "indicator", "measured", "cases"])


def _stored_counts(data_dir: Path) -> pd.DataFrame:
    """The store's long summary (what every prevalence query sums), per village x period x indicator."""
    return duckdb.sql(
        """
        select village_code, period, indicator, sum(measured) as measured, sum(cases) as cases
        from read_parquet($files, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'})
        group by all
        """,
        params={"files": store.summary_files_in(store.current_snapshot(data_dir))},
    ).df()


def _store_fingerprint(data_dir: Path) -> dict[str, str]:
    root = data_dir / "store"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One import shared by the tests that only read it (each checks the store is left unchanged)."""
    data_dir = tmp_path_factory.mktemp("imported") / "data"
    ingest_files([EXPORT], data_dir)
    return data_dir


def test_counts_per_village_and_month_equal_a_hand_count(imported: Path) -> None:
    hand = _hand_count()
    stored = _stored_counts(imported)
    merged = hand.merge(
        stored, on=["village_code", "period", "indicator"], how="outer", suffixes=("_hand", "")
    )
    merged = merged.fillna({"measured": 0, "cases": 0, "measured_hand": 0, "cases_hand": 0})
    assert (merged["measured"] == merged["measured_hand"]).all(), merged[
        merged["measured"] != merged["measured_hand"]
    ]
    assert (merged["cases"] == merged["cases_hand"]).all(), merged[merged["cases"] != merged["cases_hand"]]
    # The fixture has cases in several villages and months: the comparison is not between zeros.
    assert merged.loc[merged["indicator"] == "stunting", "cases"].sum() >= 10
    assert hand["period"].nunique() == 2 and hand["village_code"].nunique() == 6


def test_stored_zscores_agree_with_the_independent_reference(imported: Path) -> None:
    expected = pd.read_csv(FIXTURES / "expected.csv").set_index("source_row")
    stored = (
        duckdb.sql(
            "select source_row, haz, waz, whz, haz_flag from read_parquet($f, hive_partitioning = true)",
            params={"f": store.measurement_files(imported)},
        )
        .df()
        .set_index("source_row")
        .sort_index()
    )
    assert list(stored.index) == list(expected.index)
    for column in ("haz", "waz", "whz"):
        both = expected[column].notna()
        assert (stored.loc[both, column] - expected.loc[both, column]).abs().max() <= 0.01
        assert stored.loc[~both, column].isna().all()
    assert stored["haz_flag"].sum() == 1  # the designed implausible height


def test_a_child_measured_twice_in_a_month_counts_once_even_without_nik(imported: Path) -> None:
    frame = pq.read_table(Path(store.current_snapshot(imported)) / "measurements").to_pandas()
    rows = _export_rows()
    maruf = [
        i + 1
        for i, r in enumerate(rows)
        if "fiktif" in r["Nama"].lower() and "maruf" in r["Nama"].lower().replace("'", "")
    ]
    assert len(maruf) == 2
    same = frame[frame["source_row"].isin(maruf)]
    assert same["child_id"].nunique() == 1
    assert same.sort_values("measured_on")["last_in_period"].tolist() == [False, True]


def test_rejects_report_lists_each_rejected_row_with_its_reason_and_no_names(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    [summary] = ingest_files([EXPORT], data_dir)
    expected = pd.read_csv(FIXTURES / "expected_rejects.csv")
    report = pd.read_csv(summary.rejects_report, encoding="utf-8-sig")
    assert list(report.columns) == ["source_row", "file_line", "column", "reason_code", "reason"]
    assert report[["source_row", "reason_code"]].values.tolist() == expected.values.tolist()
    assert (report["file_line"] == report["source_row"] + 1).all()  # header on line 1
    assert summary.rows_read == 151 and summary.rows_rejected == len(expected)
    assert summary.rows_accepted == summary.rows_stored == 151 - len(expected)
    text = Path(summary.rejects_report).read_text(encoding="utf-8-sig")
    for row in _export_rows():
        for column in ("Nama", "NIK", "Nama Ortu", "Alamat"):
            if row[column] and row[column] != "0000000000000000":
                assert row[column] not in text
    # The import log says the same.
    log = store.imports(data_dir).iloc[-1]
    assert log["rows_rejected"] == len(expected) and log["rejects_report"].endswith("-rejects.csv")


def _all_bytes_under(root: Path) -> bytes:
    """Every file's bytes, plus parquet decoded to text and compressed streams inflated."""
    chunks = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        chunks.append(raw)
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            buffer = io.StringIO()
            table.to_pandas().to_csv(buffer)
            chunks.append(buffer.getvalue().encode("utf-8"))
        for inflate in (gzip.decompress, zlib.decompress):
            try:
                chunks.append(inflate(raw))
            except Exception:
                pass
    return b"\n".join(chunks)


def test_no_nik_name_or_address_anywhere_under_the_data_dir(imported: Path) -> None:
    blob = _all_bytes_under(imported).lower()
    assert len(blob) > 10_000  # the store really is there
    secrets_seen = set()
    for row in _export_rows():
        for column in ("NIK", "Nama", "Nama Ortu", "Alamat"):
            value = row[column].strip()
            if value and value != "0000000000000000":
                secrets_seen.add(value)
    assert len(secrets_seen) > 100
    for value in secrets_seen:
        for encoded in {value.lower().encode("utf-8"), value.lower().encode("utf-16-le")}:
            assert encoded not in blob, value
    assert b"fiktif" not in blob  # every invented name and address carries this word


def test_reimporting_the_same_file_adds_nothing_and_says_when(imported: Path) -> None:
    before = _store_fingerprint(imported)
    [summary] = ingest_files([EXPORT], imported)
    assert summary.already_imported_on is not None and summary.rows_stored == 0
    assert _store_fingerprint(imported) == before


def test_an_updated_export_replaces_a_measurement_instead_of_duplicating_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ingest_files([EXPORT], data_dir)
    text = EXPORT.read_text(encoding="utf-8").splitlines()
    header, first = text[0], text[1]
    fields = first.split(";")
    fields[18] = "12,00"  # Berat corrected, same child and date
    updated = tmp_path / "updated.csv"
    updated.write_text(header + "\n" + ";".join(fields) + "\n", encoding="utf-8")
    # A one-row correction is a partial file: --add (a plain import would replace its village-month).
    [summary] = ingest_files([updated], data_dir, add=True)
    assert summary.rows_stored == 1 and summary.rows_replaced == 1
    frame = pq.read_table(Path(store.current_snapshot(data_dir)) / "measurements").to_pandas()
    assert len(frame) == 137
    assert frame.loc[frame["source_row"] == 1, "weight_kg"].tolist() == [12.0]


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    bad = {}
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    bad["empty"] = (empty, "is empty")
    headers = tmp_path / "laporan.csv"
    headers.write_text("Nomor;Keterangan;Jumlah\n1;posyandu;3\n", encoding="utf-8")
    bad["headers"] = (headers, "missing: JK, Tgl Lahir")
    binary = tmp_path / "foto.csv"
    binary.write_bytes(bytes(range(256)) * 50)
    bad["binary"] = (binary, "binary data")
    rows = _export_rows()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    truncated = tmp_path / "terpotong.xlsx"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    bad["truncated"] = (truncated, "damaged or incomplete")
    rejected_only = tmp_path / "ditolak.csv"
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    rejected_rows = pd.read_csv(FIXTURES / "expected_rejects.csv")["source_row"].tolist()
    rejected_only.write_text(
        "\n".join([lines[0]] + [lines[i] for i in rejected_rows]) + "\n", encoding="utf-8"
    )
    bad["all_rejected"] = (rejected_only, "Every one of the 14 rows")
    header_only = tmp_path / "kepala.csv"
    header_only.write_text(lines[0] + "\n", encoding="utf-8")
    bad["header_only"] = (header_only, "no data rows")
    shifted = tmp_path / "koma.csv"  # ';' swapped for ',' by hand: the decimal commas split the measures
    shifted.write_text("\n".join(line.replace(";", ",") for line in lines) + "\n", encoding="utf-8")
    bad["shifted"] = (shifted, "more values than the header's 33 columns")
    return bad


@pytest.mark.parametrize(
    "case", ["empty", "headers", "binary", "truncated", "all_rejected", "header_only", "shifted"]
)
def test_bad_inputs_get_their_message_and_leave_the_store_unchanged(
    case: str, imported: Path, tmp_path: Path
) -> None:
    path, message = _bad_files(tmp_path)[case]
    before = _store_fingerprint(imported)
    current = (imported / "store" / "CURRENT").read_bytes()
    with pytest.raises(UserError) as raised:
        ingest_files([path], imported)
    text = str(raised.value)
    assert path.name in text and message in text
    assert "\n" not in text
    assert (imported / "store" / "CURRENT").read_bytes() == current
    assert _store_fingerprint(imported) == before


def test_every_row_rejected_still_leaves_a_report_to_fix_them(tmp_path: Path) -> None:
    path, _ = _bad_files(tmp_path)["all_rejected"]
    data_dir = tmp_path / "data"
    with pytest.raises(UserError):
        ingest_files([path], data_dir)
    assert not (data_dir / "store").exists()
    [report] = (data_dir / "reports").glob("*-rejects.csv")
    assert len(pd.read_csv(report)) == 14


def test_cli_prints_a_summary_with_the_report_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert cli_main(["ingest", str(EXPORT), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "151 rows read, 137 accepted" in out and "14 rejected" in out
    assert "rejected, no measurement: 2" in out
    [report] = (data_dir / "reports").glob("*-rejects.csv")
    assert str(report) in out
    assert cli_main(["ingest", str(EXPORT), "--data-dir", str(data_dir)]) == 0
    assert "already imported on" in capsys.readouterr().out
    bad = tmp_path / "kosong.csv"
    bad.write_bytes(b"")
    assert cli_main(["ingest", str(bad), "--data-dir", str(data_dir)]) == 1
    assert "kosong.csv is empty" in capsys.readouterr().err


def test_progress_reaches_one_and_never_goes_back(tmp_path: Path) -> None:
    seen: list[float] = []
    ingest_files([EXPORT], tmp_path / "data", progress=lambda fraction, message: seen.append(fraction))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


def test_chunked_import_stores_the_same_rows(tmp_path: Path, imported: Path) -> None:
    chunked = tmp_path / "chunked"
    ingest_files([EXPORT], chunked, chunk_rows=7)
    columns = (
        "village_code, period, age_days, sex, weight_kg, height_cm, haz, waz, whz, source_row, last_in_period"
    )

    def stored(data_dir: Path) -> pd.DataFrame:
        return duckdb.sql(
            f"select {columns} from read_parquet($f, hive_partitioning = true) order by source_row",
            params={"f": store.measurement_files(data_dir)},
        ).df()

    pd.testing.assert_frame_equal(stored(chunked), stored(imported))


def test_the_summary_tells_fuzzy_village_matches_sentinels_and_rows_without_a_measure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows the import guessed at or stored half-measured are counted in the summary: "Sumber Sar"
    matched to Sumber Sari, a height of 8888 and a weight of 9999 ("not measured" in e-PPGBM)."""
    rows = [r for r in _export_rows() if r["Desa/Kel"] == "DESA SUMBER SARI" and r["Kec"] == "Loa Kulu"]
    rows = rows[:6]
    assert len(rows) == 6
    rows[0]["Desa/Kel"] = rows[1]["Desa/Kel"] = "DESA SUMBER SAR"  # one letter lost
    rows[2]["Tinggi"] = "8888"
    rows[3]["Berat"] = "9999"
    path = tmp_path / "salah-eja.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    from stunting.gazetteer import villages

    gaz = villages()
    (code,) = gaz.loc[(gaz["name"] == "Sumber Sari") & (gaz["kecamatan_name"] == "Loa Kulu"), "code"]
    [summary] = ingest_files([path], tmp_path / "data")
    assert summary.rows_accepted == 6
    assert summary.fuzzy_villages == {("DESA SUMBER SAR", "Sumber Sari", code): 2}
    assert summary.sentinels == {("Tinggi", "8888"): 1, ("Berat", "9999"): 1}
    assert (summary.rows_without_height, summary.rows_without_weight) == (1, 1)
    assert cli_main(["ingest", str(path), "--dry-run", "--data-dir", str(tmp_path / "other")]) == 0
    out = capsys.readouterr().out
    assert f"Desa/Kel 'DESA SUMBER SAR' matched to Sumber Sari ({code}) by its spelling: 2 rows" in out
    assert "Tinggi = 8888 ('not measured') read as missing: 1 rows" in out
    assert "1 rows stored without a height (weight only)" in out
