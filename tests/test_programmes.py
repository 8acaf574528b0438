"""Programme data: template, import with row-level problems, the store, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from stunting import programmes
from stunting.cli import main
from stunting.config import REPO_ROOT
from stunting.errors import UserError

VILLAGE, OTHER = "64.02.01.2001", "64.02.01.2002"


def workbook(path, sheets: dict[str, list[list]]):
    """An XLSX written with openpyxl (as an office's spreadsheet program would), header first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


BAAS_HEADER = ["Kode Desa", "Nama Desa", "Tahun", "Anak Diasuh", "Orang Tua Asuh"]
SCORE_HEADER = ["Kode Desa", "Nama Desa", "Tahun", "Sasaran", "Indikator", "Pembilang", "Penyebut"]


def test_template_has_one_sheet_per_table_with_indonesian_headers_and_the_villages(tmp_path):
    path = programmes.write_template(tmp_path / "template.xlsx", regency="64.74")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Petunjuk", *programmes.TABLES]
    assert [c.value for c in book["baas"][1]] == BAAS_HEADER
    assert [c.value for c in book["konvergensi"][1]] == SCORE_HEADER
    codes = [row[0].value for row in book["lokus"].iter_rows(min_row=2)]
    assert len(codes) == 15 and all(code.startswith("64.74.") for code in codes)
    # The untouched template imports as "nothing to store", not as hundreds of errors.
    with pytest.raises(UserError, match="no rows to store"):
        programmes.import_file(path, data_dir=tmp_path)


def test_filled_template_round_trips_through_the_store(tmp_path):
    path = programmes.write_template(tmp_path / "template.xlsx", regency="64.02")
    book = openpyxl.load_workbook(path)
    book["baas"]["C2"], book["baas"]["D2"], book["baas"]["E2"] = 2022, 12, 5
    book["lokus"]["C3"], book["lokus"]["D3"] = 2023, "Ya"
    sheet = book["konvergensi"]
    sheet.append([VILLAGE, "", 2023, "Ibu hamil", "H1", 8, 10])
    sheet.append([VILLAGE, "", 2023, "Anak 0-23 bulan", "a10", 3, 9])
    book["program_lain"].append(["PMT Lokal", OTHER, "", "01/03/2023", "", 40])
    book.save(path)
    result = programmes.import_file(path, data_dir=tmp_path)
    assert result.stored == {"lokus": 1, "baas": 1, "konvergensi": 2, "program_lain": 1}
    assert not result.problems
    baas = programmes.read_table("baas", tmp_path)
    assert baas.to_dict("records") == [
        {"village_code": VILLAGE, "year": 2022, "children_fostered": 12, "foster_parents": 5}
    ]
    assert list(programmes.read_table("konvergensi", tmp_path)["indicator"]) == ["H1", "A10"]
    assert programmes.names(tmp_path) == ["lokus", "baas", "PMT Lokal"]
    starts = programmes.first_start("PMT Lokal", data_dir=tmp_path)
    assert starts.to_dict() == {OTHER: pd.Timestamp("2023-03-01")}
    assert programmes.first_start("baas", data_dir=tmp_path).to_dict() == {
        VILLAGE: pd.Timestamp("2022-01-01")
    }


def test_each_bad_row_is_named_by_sheet_row_and_column_and_nothing_is_stored(tmp_path):
    path = workbook(
        tmp_path / "bad.xlsx",
        {
            "baas": [BAAS_HEADER, [VILLAGE, "", 2022, 3, 1], ["64.02.99.9999", "", 2022, 3, 1],
                     [OTHER, "", 2009, 3, 1], [OTHER, "", 2023, -2, 1]],
            "konvergensi": [SCORE_HEADER, [VILLAGE, "", 2023, "Ibu hamil", "H1", 12, 10],
                            [VILLAGE, "", 2023, "Ibu hamil", "H9", 1, 10]],
        },
    )  # fmt: skip
    with pytest.raises(UserError) as refused:
        programmes.import_file(path, data_dir=tmp_path)
    message = str(refused.value)
    assert "nothing was stored" in message and "--accept-valid" in message
    assert "sheet 'baas', row 3, column 'Kode Desa': unknown village code '64.02.99.9999'" in message
    assert "sheet 'baas', row 4, column 'Tahun': year 2009 is out of range" in message
    assert "sheet 'baas', row 5, column 'Anak Diasuh'" in message
    assert (
        "sheet 'konvergensi', row 2, column 'Pembilang': the numerator (12) is above the denominator (10)"
        in message
    )
    assert "sheet 'konvergensi', row 3, column 'Indikator'" in message
    assert programmes.store(tmp_path).current() is None
    report = sorted((tmp_path / "reports").glob("programmes-*-problems.csv"))
    assert len(pd.read_csv(report[-1])) == 5


def test_accept_valid_stores_only_the_good_rows_and_keeps_earlier_data(tmp_path):
    first = workbook(tmp_path / "first.xlsx", {"baas": [BAAS_HEADER, [OTHER, "", 2021, 4, 2]]})
    programmes.import_file(first, data_dir=tmp_path)
    path = workbook(
        tmp_path / "mixed.xlsx",
        {"baas": [BAAS_HEADER, [VILLAGE, "", 2022, 3, 1], ["nope", "", 2022, 3, 1], [OTHER, "", 2021, 6, 3]]},
    )
    result = programmes.import_file(path, accept_valid=True, data_dir=tmp_path)
    assert result.stored == {"baas": 2} and len(result.problems) == 1
    stored = programmes.read_table("baas", tmp_path).sort_values("village_code")
    # The new row for (OTHER, 2021) replaced the old one; nothing was duplicated.
    assert stored[["village_code", "year", "children_fostered"]].values.tolist() == [
        [VILLAGE, 2022, 3],
        [OTHER, 2021, 6],
    ]
    assert [entry["file"] for entry in programmes.imports(tmp_path)] == ["first.xlsx", "mixed.xlsx"]


def test_duplicate_rows_and_missing_columns_are_problems(tmp_path):
    path = workbook(
        tmp_path / "dup.xlsx",
        {"baas": [BAAS_HEADER, [VILLAGE, "", 2022, 3, 1], [VILLAGE, "", 2022, 4, 1]],
         "lokus": [["Kode Desa", "Tahun"], [VILLAGE, 2022]]},
    )  # fmt: skip
    parsed = programmes.read_file(path, tmp_path)
    texts = [p.text() for p in parsed.problems]
    assert "sheet 'baas', row 3: the same row as row 2 (same key)" in texts
    assert "sheet 'lokus', row 1, column 'Lokus': this column is missing from the header row" in texts


def test_a_csv_holds_one_table_recognised_by_its_headers(tmp_path):
    path = tmp_path / "rembuk.csv"
    path.write_text(f"Kode Desa;Tahun;Rembuk Stunting\n{VILLAGE};2023;Ya\n{OTHER};2023;tidak\n", "utf-8")
    programmes.import_file(path, data_dir=tmp_path)
    assert programmes.read_table("rembuk", tmp_path)["held"].tolist() == [True, False]
    strange = tmp_path / "strange.csv"
    strange.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(UserError, match="matches none of the programme tables"):
        programmes.import_file(strange, data_dir=tmp_path)


def test_fostered_children_are_stored_as_the_e_ppgbm_key_never_as_nik(tmp_path):
    from stunting import pseudonym

    nik = "6402011203210001"
    path = workbook(
        tmp_path / "anak.xlsx",
        {"anak_baas": [["NIK", "Tanggal Lahir", "Jenis Kelamin", "Kode Desa", "Tahun"],
                       [nik, "12/03/2021", "P", VILLAGE, 2022], ["98765", "12/03/2021", "L", VILLAGE, 2022]]},
    )  # fmt: skip
    with pytest.raises(UserError) as refused:
        programmes.import_file(path, data_dir=tmp_path)
    # The bad NIK is not repeated. Its digits cannot occur in the problems file's timestamp either
    # (minutes and seconds never start with 8 or 9), which "123" did at 12:35:14.
    assert "98765" not in str(refused.value)
    programmes.import_file(path, accept_valid=True, data_dir=tmp_path)
    stored = programmes.read_table("anak_baas", tmp_path)
    expected = pseudonym.child_ids(
        pd.Series([nik]), pd.Series([""]), pd.Series([pd.Timestamp("2021-03-12")]), None,
        pseudonym.load_secret(tmp_path), sex=pd.Series(["P"]),
    )[0]  # fmt: skip
    assert stored["child_id"].tolist() == [expected]
    snapshot = programmes.store(tmp_path).current()
    for file in snapshot.iterdir():
        assert nik.encode() not in file.read_bytes()


def test_cli_import_refuses_then_accepts_and_template_writes(tmp_path, capsys):
    path = workbook(
        tmp_path / "p.xlsx", {"baas": [BAAS_HEADER, [VILLAGE, "", 2022, 3, 1], ["x", "", 2022, 1, 1]]}
    )
    assert main(["programmes", "import", str(path), "--data-dir", str(tmp_path)]) == 1
    assert "sheet 'baas', row 3, column 'Kode Desa'" in capsys.readouterr().err
    assert main(["programmes", "import", str(path), "--accept-valid", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "baas 1" in out and "row 3" in out
    # One regency's villages: the whole country's 83,403 on four sheets took 80 s to write and read.
    assert main(["programmes", "template", "--out", str(tmp_path / "t.xlsx"), "--regency", "64.74"]) == 0
    assert openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True).sheetnames[1] == "lokus"


def test_evaluate_cli_on_the_demo_prints_the_required_keys(demo_dir):
    completed = subprocess.run(
        [sys.executable, "-m", "stunting", "evaluate", "--programme", "baas", "--regency", "64.02",
         "--format", "json", "--data-dir", str(demo_dir)],
        capture_output=True, text=True, cwd=REPO_ROOT, check=True,
    )  # fmt: skip
    record = json.loads(completed.stdout)
    for key in ("estimate", "ci_low", "ci_high", "p_value", "villages_treated", "villages_control",
                "periods_before", "periods_after", "warnings"):  # fmt: skip
        assert key in record
    assert record["ci_low"] <= record["estimate"] <= record["ci_high"]
    # BAAS starts in 2022; the demo weighs in February and August from 2019: 6 periods before.
    assert record["periods_before"] == 6 and record["periods_after"] == 8
    assert record["villages_treated"] + record["villages_control"] <= 237
    assert record["verdict"] in ("cannot_conclude", "lower", "higher")


def test_evaluate_start_year_keeps_one_cohort_and_csv_has_the_headline(demo_dir, capsys):
    assert main(["evaluate", "--programme", "lokus", "--regency", "64.02", "--start", "2023",
                 "--data-dir", str(demo_dir)]) == 0  # fmt: skip
    record = json.loads(capsys.readouterr().out)
    assert list(record["cohorts"]) == ["2023-02"] and record["start"] == 2023
    assert main(["evaluate", "--programme", "lokus", "--regency", "64.02", "--format", "csv",
                 "--data-dir", str(demo_dir)]) == 0  # fmt: skip
    header, row = capsys.readouterr().out.strip().splitlines()
    assert header.split(",")[:4] == ["estimate", "ci_low", "ci_high", "p_value"]
    assert main(["evaluate", "--programme", "nope", "--regency", "64.02", "--data-dir", str(demo_dir)]) == 1
    assert "No programme called 'nope'" in capsys.readouterr().err
    assert main(["evaluate", "--programme", "lokus", "--regency", "64.02", "--start", "2019",
                 "--data-dir", str(demo_dir)]) == 1  # fmt: skip
    assert "started 'lokus' in 2019; start years: 2022, 2023" in capsys.readouterr().err


def test_village_starts_mark_the_trend_at_each_programme_start(tmp_path):
    from charts.trend import trend_figure

    path = workbook(
        tmp_path / "p.xlsx",
        {"baas": [BAAS_HEADER, [VILLAGE, "", 2023, 0, 0], [VILLAGE, "", 2024, 5, 2]],
         "lokus": [["Kode Desa", "Tahun", "Lokus"], [VILLAGE, 2022, "Ya"], [OTHER, 2021, "Ya"]]},
    )  # fmt: skip
    programmes.import_file(path, data_dir=tmp_path)
    periods = ["2021-08", "2022-02", "2022-08", "2023-02", "2024-02", "2024-08"]
    marks = programmes.village_starts(VILLAGE, periods, tmp_path)
    assert marks == [("2022-02", "lokus"), ("2024-02", "baas")]  # BAAS counts from its first child
    trend = pd.DataFrame({"period": periods, "measured": 20, "prevalence": 0.2, "ci_low": 0.1, "ci_high": 0.3,
                          "suppressed": False})  # fmt: skip
    figure = trend_figure(trend, "id", title="x", markers=marks)
    assert [a.text for a in figure.layout.annotations] == ["lokus", "baas"]
    assert len(figure.layout.shapes) == 2


def test_demo_remove_takes_the_demo_programmes_but_never_imported_ones(tmp_path):
    from stunting import store

    baas = pd.DataFrame(
        {"village_code": [VILLAGE], "year": [2022], "children_fostered": [3], "foster_parents": [1]}
    )
    programmes.write_tables({"baas": baas}, tmp_path, source="demo")
    store.remove_demo(tmp_path)
    assert programmes.read_table("baas", tmp_path).empty and programmes.names(tmp_path) == []
    path = workbook(tmp_path / "real.xlsx", {"baas": [BAAS_HEADER, [VILLAGE, "", 2022, 3, 1]]})
    programmes.import_file(path, data_dir=tmp_path)
    assert programmes.remove_demo(tmp_path) is False
    assert len(programmes.read_table("baas", tmp_path)) == 1
