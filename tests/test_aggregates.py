"""Aggregated village counts: tolerant headers and names, whole-file refusal with row and column."""

from __future__ import annotations

import pytest

from stunting import store
from stunting.aggregates import ingest_aggregates, read_aggregates
from stunting.cli import main
from stunting.errors import UserError

HEADER = "period;village_code;measured;stunting;severe_stunting;wasting;underweight\n"


def test_indonesian_headers_names_and_windows_1252(tmp_path):
    path = tmp_path / "rekap.csv"
    text = (
        "Periode;Kecamatan;Desa/Kel;Diukur;Pendek;Sangat Pendek;Kurus;Keterangan\n"
        "2024-08;Muara Muntai;PERIAN;57;12;3;4;dicek Sé – Ma’ruf\n"
        "2024-08;64.02.01;muara  leka;8;2;;;\n"
        "2024-08;Bontang Utara;Bontang-Kuala;40;9;2;1;\n"
    )
    path.write_bytes(text.encode("cp1252"))  # the dash and quote are not valid UTF-8 in this encoding
    frame = read_aggregates(path).set_index("village_code")
    assert list(frame.index) == ["64.02.01.2001", "64.02.01.2002", "64.74.01.1001"]
    assert frame.loc["64.02.01.2001", ["measured", "stunting", "severe_stunting", "wasting"]].tolist() == [
        57,
        12,
        3,
        4,
    ]
    assert frame.loc["64.02.01.2002", "severe_stunting"] is pd_na()
    assert frame.loc["64.02.01.2001", "underweight"] is pd_na()  # column absent -> not reported
    assert frame.loc["64.74.01.1001", "regency"] == "64.74"
    assert list(frame["source_row"]) == [1, 2, 3]


def pd_na():
    import pandas as pd

    return pd.NA


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2024-13;64.02.01.2001;10;2;;;", r"row 2, column 'period': period '2024-13' is not YYYY-MM"),
        ("2024-08;64.02.99.9999;10;2;;;", r"row 2: village code '64.02.99.9999' is not in the gazetteer"),
        (
            "2024-08;64.02.01.2002;10;12;;;",
            r"row 2: stunting \(12\) is more than the children measured \(10\)",
        ),
        ("2024-08;64.02.01.2002;10;2;3;;", r"row 2: severe_stunting \(3\) is more than stunting \(2\)"),
        ("2024-08;64.02.01.2002;ten;2;;;", r"row 2, column 'measured': 'ten' is not a number"),
        ("2024-08;64.02.01.2002;10;2.5;;;", r"row 2, column 'stunting': '2.5' is not a whole number"),
        (
            "2024-08;64.02.01.2001;10;2;;;",
            r"row 2: village 64.02.01.2001 appears twice for 2024-08 \(first in row 1\)",
        ),
    ],
)
def test_a_bad_row_refuses_the_whole_file_and_leaves_the_store_unchanged(tmp_path, line, message):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "2024-02;64.02.01.2001;10;2;;;\n", encoding="utf-8")
    ingest_aggregates(good, tmp_path)
    pointer = (tmp_path / "store" / "CURRENT").read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2024-08;64.02.01.2001;10;2;;;\n" + line + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"bad.csv, {message}"):
        ingest_aggregates(bad, tmp_path)
    assert (tmp_path / "store" / "CURRENT").read_text() == pointer
    assert len(store.imports(tmp_path)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02PK\x03\x04 binary", "not a text CSV"),
        (
            b"tanggal;nama;berat\n2024-08-01;Siti;10\n",
            "the header lacks period, measured, stunting, village_code",
        ),
        (HEADER.encode(), "has a header but no rows"),
        (
            b"periode;kecamatan;desa;diukur;pendek\n2024-08;Muara Muntai;Atlantis;10;2\n",
            "village 'Atlantis' is not a village of kecamatan 'Muara Muntai'",
        ),
    ],
)
def test_unusable_files_get_one_clear_sentence(tmp_path, content, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        ingest_aggregates(path, tmp_path)
    assert store.current_snapshot(tmp_path) is None


def test_reimport_is_skipped_and_an_update_replaces_counts(tmp_path, capsys):
    first = tmp_path / "a.csv"
    first.write_text(
        HEADER + "2024-08;64.02.01.2001;10;2;;;\n2024-08;64.02.01.2002;20;4;;;\n", encoding="utf-8"
    )
    record, already = ingest_aggregates(first, tmp_path)
    assert (record.rows_stored, already) == (2, False)
    again, already = ingest_aggregates(first, tmp_path)
    assert already and again.import_id == record.import_id
    update = tmp_path / "b.csv"
    update.write_text(
        HEADER + "2024-08;64.02.01.2001;10;2;;;\n2024-08;64.02.01.2002;22;5;;;\n", encoding="utf-8"
    )
    record, _ = ingest_aggregates(update, tmp_path)
    assert record.rows_stored == 1  # only Muara Leka changed
    assert main(["ingest-aggregates", str(first), "--data-dir", str(tmp_path)]) == 0
    assert "already imported" in capsys.readouterr().out
    from stunting.prevalence import prevalence

    frame = prevalence("stunting", "2024-08", "village", data_dir=tmp_path).set_index("code")
    assert frame.loc["64.02.01.2002", ["measured", "cases"]].tolist() == [22, 5]
    assert frame.loc["64.02.01.2002", "source"] == "aggregate"
