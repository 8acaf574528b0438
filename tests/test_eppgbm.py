"""The e-PPGBM reader: encodings, separators, XLSX, header variants, values, rejects, big files."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from stunting import eppgbm
from stunting.errors import UserError

FIXTURES = Path(__file__).parent / "data" / "eppgbm"
EXPORT = FIXTURES / "export.csv"


def _rows() -> tuple[list[str], list[list[str]]]:
    with open(EXPORT, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader)
        return header, list(reader)


def _with_typographic_names(rows: list[list[str]]) -> list[list[str]]:
    # "Ma’ruf" with the typographic apostrophe: one of the characters Windows-1252 stores in one byte
    return [[v.replace("Ma'ruf", "Ma’ruf") for v in row] for row in rows]


def _write_csv(path: Path, header, rows, *, encoding: str, delimiter: str, decimal: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_decimal(v, decimal) for v in row])
    return path


def _decimal(value: str, decimal: str) -> str:
    if decimal == "." and value.replace(",", "").replace("-", "").isdigit() and value.count(",") == 1:
        return value.replace(",", ".")
    return value


def _xlsx_value(header: str, value: str):
    """What Excel would hold: real dates, real numbers, NIK as text."""
    if header in ("Tgl Lahir", "Tanggal Pengukuran") and value:
        try:
            if "/" in value:
                return dt.datetime.strptime(value, "%d/%m/%Y")
            if "-" in value:
                return dt.datetime.fromisoformat(value)
            return int(value)  # an Excel serial typed as a number
        except ValueError:
            return value  # not a date (the row is meant to be rejected): Excel keeps it as text
    if header in ("Berat", "Tinggi", "ZS BB/U", "ZS TB/U", "ZS BB/TB") and value:
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return value
    return value


def _write_xlsx(path: Path, header, rows, title_rows: int = 0) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for i in range(title_rows):
        sheet.append(["LAPORAN HASIL PENGUKURAN (fiktif)" if i == 0 else None])
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(h, v) for h, v in zip(header, row, strict=True)])
    book.save(path)
    return path


def _read(path: Path, **kwargs) -> eppgbm.EppgbmExport:
    return eppgbm.read_export(path, **kwargs)


def _comparable(export: eppgbm.EppgbmExport) -> pd.DataFrame:
    return export.frame.reset_index(drop=True)


def test_windows_1252_comma_separated_and_xlsx_read_exactly_like_utf8(tmp_path: Path) -> None:
    header, rows = _rows()
    rows = _with_typographic_names(rows)
    utf8 = _read(_write_csv(tmp_path / "utf8.csv", header, rows, encoding="utf-8", delimiter=";"))
    assert "Muhammad Ma’ruf Fiktif" in utf8.frame["name"].tolist()
    assert "Sé Fiktif Bontang" in utf8.frame["name"].tolist()
    variants = {
        "cp1252": _write_csv(tmp_path / "cp1252.csv", header, rows, encoding="cp1252", delimiter=";"),
        "bom_comma_dot": _write_csv(
            tmp_path / "bom.csv", header, rows, encoding="utf-8-sig", delimiter=",", decimal="."
        ),
        "tab": _write_csv(tmp_path / "tab.csv", header, rows, encoding="utf-8", delimiter="\t"),
        "xlsx": _write_xlsx(tmp_path / "export.xlsx", header, rows),
    }
    assert b"Ma\x92ruf" in variants["cp1252"].read_bytes() and b"S\xe9 " in variants["cp1252"].read_bytes()
    for name, path in variants.items():
        other = _read(path)
        pd.testing.assert_frame_equal(_comparable(other), _comparable(utf8), obj=name)
        pd.testing.assert_frame_equal(other.rejects, utf8.rejects, obj=name)


def test_header_below_title_rows_and_header_variants(tmp_path: Path) -> None:
    header, rows = _rows()
    renamed = {
        "Nama": "Nama Anak",
        "JK": "Jenis Kelamin",
        "Desa/Kel": "Kelurahan",
        "Berat": "Berat (kg)",
        "Tinggi": "Tinggi (cm)",
        "Tgl Lahir": "TANGGAL LAHIR",
        "Kec": "kecamatan",
        "Pukesmas": "Puskesmas",
        "ZS TB/U": "ZS_TB/U",
        "Tanggal Pengukuran": "Tgl. Pengukuran",
    }
    variant_header = [renamed.get(h, h) for h in header]
    base = _read(EXPORT)
    path = tmp_path / "variants.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["LAPORAN INDIVIDU BALITA"])
    sheet.append([])
    sheet.append(variant_header)
    for row in rows:
        sheet.append([_xlsx_value(h, v) for h, v in zip(header, row, strict=True)])
    book.save(path)
    other = _read(path)
    assert other.layout.header_line == 3
    pd.testing.assert_frame_equal(_comparable(other), _comparable(base))
    # file lines move with the header: row 1 of the data is sheet row 4
    assert (other.rejects["file_line"] == other.rejects["source_row"] + 3).all()
    assert "Kelurahan" in other.rejects["column"].tolist()


def test_unrecognised_headers_are_described_by_size_and_missing_names_not_by_their_cells(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rekap.csv"
    path.write_text("NIK;Nama;Tgl Lahir;Desa/Kel;Keterangan\n1;2;3;4;5\n", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        _read(path)
    assert str(raised.value) == (
        "rekap.csv does not look like an e-PPGBM export: its header row (line 1) has 5 columns, of which "
        "NIK, Nama, Tgl Lahir, Desa/Kel are e-PPGBM's, but these columns are missing: JK, Tanggal "
        "Pengukuran, Berat, Tinggi, Kec."
    )


def test_a_file_without_any_header_is_described_without_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("\n6402015508210001;Siti Aminah;Jl. Mawar 3\n", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        _read(path)
    message = str(raised.value)
    assert message.startswith(
        "data.csv does not look like an e-PPGBM export: no row among its first 20 has an e-PPGBM column "
        "name (line 2 has 3 columns), but these columns are missing: JK, Tgl Lahir"
    )
    assert "6402" not in message and "Siti" not in message and "Mawar" not in message


def test_dates_in_every_export_format() -> None:
    values = pd.Series(
        [
            "15/02/2024",
            "5-2-2024",
            "15.02.2024",
            "2024-02-15",
            "2024-02-15 00:00:00",
            "45337",
            "45337.0",
            "",
            "31/02/2024",
            "kemarin",
            "2/15/2024",
        ]
    )
    dates, invalid = eppgbm.parse_dates(values)
    feb15 = pd.Timestamp("2024-02-15")
    assert dates.iloc[0] == feb15 and dates.iloc[1] == pd.Timestamp("2024-02-05")
    assert dates.iloc[2] == feb15 and dates.iloc[3] == feb15 and dates.iloc[4] == feb15
    # Excel counts 45337 days from 30 December 1899.
    assert dates.iloc[5] == pd.Timestamp(dt.date(1899, 12, 30) + dt.timedelta(days=45337)) == feb15
    assert dates.iloc[6] == feb15
    assert pd.isna(dates.iloc[7]) and not invalid.iloc[7]  # empty: missing, not invalid
    assert invalid.iloc[8:].tolist() == [True, True, True]  # 31 Feb, text, month-first


def test_numbers_sentinels_and_text() -> None:
    weights = eppgbm.parse_numbers(
        pd.Series(["12,5", "12.5", " 9,05 ", "8888", "9999", "0", "", "-", "abc"]), eppgbm.MEASURE_SENTINELS
    )
    assert weights.iloc[:3].tolist() == [12.5, 12.5, 9.05]
    assert weights.iloc[3:].isna().all()
    zs = eppgbm.parse_numbers(pd.Series(["0", "-2,31", "8888", "x"]), eppgbm.ZSCORE_SENTINELS)
    assert zs.iloc[0] == 0.0 and zs.iloc[1] == -2.31 and zs.iloc[2:].isna().all()


def test_sex_position_and_age_text() -> None:
    sexes = eppgbm.parse_sex(pd.Series(["L", "p", "Laki-laki", "PEREMPUAN", "X", ""]))
    assert sexes.tolist()[:4] == ["L", "P", "L", "P"] and sexes.iloc[4:].isna().all()
    positions = eppgbm.parse_position(pd.Series(["Terlentang", "BERDIRI", "telentang", "", "duduk"]))
    assert positions.tolist()[:3] == [True, False, True] and positions.iloc[3:].isna().all()
    days = eppgbm.parse_age_text(
        pd.Series(["2 Tahun - 4 Bulan - 0 Hari", "0 Tahun - 3 Bulan - 12 Hari", "?"])
    )
    assert days.iloc[0] == pytest.approx(2 * 365.25 + 4 * 30.4375)
    assert days.iloc[1] == pytest.approx(3 * 30.4375 + 12) and pd.isna(days.iloc[2])


def test_age_text_disagreeing_with_the_dates_is_counted_not_used(tmp_path: Path) -> None:
    header, rows = _rows()
    age_col = header.index("Usia Saat Ukur")
    rows = [list(r) for r in rows[:5]]
    rows[0][age_col] = "0 Tahun - 1 Bulan - 0 Hari"
    path = _write_csv(tmp_path / "usia.csv", header, rows, encoding="utf-8", delimiter=";")
    export = _read(path)
    base = _read(EXPORT).frame.iloc[:5].reset_index(drop=True)
    assert export.frame["age_text_mismatch"].tolist() == [True, False, False, False, False]
    assert export.frame["age_days"].tolist() == base["age_days"].tolist()


def test_age_days_is_measurement_date_minus_birth_date() -> None:
    export = _read(EXPORT)
    first = export.frame.iloc[0]
    assert first["age_days"] == (first["measured_on"] - first["birth_date"]).days
    assert export.frame["age_days"].between(0, 1826).all()


def test_binary_renamed_csv_and_empty_file_are_refused_by_name(tmp_path: Path) -> None:
    binary = tmp_path / "gambar.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(UserError, match="gambar.csv is not a text"):
        _read(binary)
    blank = tmp_path / "kosong.csv"
    blank.write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(UserError, match="kosong.csv is empty"):
        _read(blank)


def _ascii_export(at_least: int) -> tuple[bytes, list[int]]:
    """An ASCII export of ``at_least`` bytes or more (the fixture's ASCII rows repeated): its bytes
    and the byte offset where each line starts."""
    header, rows = _rows()
    lines = [";".join(header) + "\n"] + [";".join(r) + "\n" for r in rows if all(v.isascii() for v in r)]
    text = lines[0]
    while len(text) < at_least:
        text += "".join(lines[1:])
    data = text.encode("ascii")
    starts = [0, *(i + 1 for i, byte in enumerate(data) if byte == 0x0A)][:-1]
    return data, starts


def test_the_encoding_is_decided_by_every_byte_not_only_the_first_blocks(tmp_path: Path) -> None:
    # The reader skips decoding blocks of plain ASCII: what comes after the first MB still counts.
    data, starts = _ascii_export(3 << 20)
    late = next(i for i, start in enumerate(starts) if start > (5 << 19))  # the first line past 2.5 MB
    name_at = data.index(b"Anak Fiktif", starts[late])

    # One Windows-1252 byte (é) 2.5 MB in: the file is Windows-1252, and the name is read as written.
    cp1252 = tmp_path / "cp1252.csv"
    cp1252.write_bytes(data[:name_at] + b"\xe9" + data[name_at + 1 :])
    assert eppgbm.open_layout(cp1252).encoding == "cp1252"
    assert _read(cp1252).frame["name"].str.startswith("\u00e9nak Fiktif").sum() == 1

    # A UTF-8 é whose two bytes fall on both sides of a 1 MB block boundary: still UTF-8, and read.
    boundary = 2 << 20
    line = max(i for i, start in enumerate(starts) if data.index(b"Anak Fiktif", start) < boundary - 1)
    name_at = data.index(b"Anak Fiktif", starts[line])
    name = b"X" * (boundary - 1 - name_at) + "\u00e9".encode() + b"nak Fiktif"
    split = data[:name_at] + name + data[name_at + len(b"Anak Fiktif") :]
    assert split[boundary - 1 : boundary + 1] == "\u00e9".encode()
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes(split)
    assert eppgbm.open_layout(utf8).encoding == "utf-8"
    assert _read(utf8).frame["name"].str.contains("X\u00e9nak Fiktif").sum() == 1

    # A byte-order mark 2.5 MB in (two exports pasted together): refused at its line.
    joined = tmp_path / "joined.csv"
    joined.write_bytes(data[: starts[late]] + b"\xef\xbb\xbf" + data[starts[late] :])
    with pytest.raises(UserError, match=rf"joined.csv, line {late + 1}: a byte-order mark"):
        eppgbm.open_layout(joined)


def test_xlsx_above_the_memory_limit_is_refused_and_csv_suggested(tmp_path: Path) -> None:
    header, rows = _rows()
    path = _write_xlsx(tmp_path / "besar.xlsx", header, rows)
    with pytest.raises(UserError) as raised:
        _read(path, max_xlsx_bytes=path.stat().st_size - 1)
    assert "besar.xlsx" in str(raised.value) and "as CSV instead" in str(raised.value)
    assert len(_read(path, max_xlsx_bytes=path.stat().st_size).frame) == 137


def test_chunks_give_the_same_rows_and_rejects_as_one_read() -> None:
    whole = _read(EXPORT)
    small = _read(EXPORT, chunk_rows=10)
    pd.testing.assert_frame_equal(_comparable(small), _comparable(whole))
    pd.testing.assert_frame_equal(small.rejects, whole.rejects)
    assert small.rows_read == whole.rows_read == 151


# Peak memory of this process image: VmHWM is reset by exec, whereas getrusage's ru_maxrss keeps
# the high-water mark of the (large) pytest worker that forked it.
_PEAK_SCRIPT = """
import re, sys
from stunting import eppgbm
rows = 0
for chunk in eppgbm.iter_export(sys.argv[1], chunk_rows=int(sys.argv[2])):
    rows += len(chunk.frame)
status = open("/proc/self/status").read()
print(rows, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def _big_export(path: Path, copies: int) -> Path:
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    body = "\n".join(lines[1:138]) + "\n"  # the accepted rows
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(lines[0] + "\n")
        for _ in range(copies):
            fh.write(body)
    return path


@pytest.mark.slow
def test_a_big_csv_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """Chunk by chunk, peak memory does not grow with the file (14 times the rows, about 3 MB -> 46 MB
    of CSV, costs less than one chunk more), while reading the same file in one piece does grow: the
    measurement can tell the two apart."""

    def peak_mb(copies: int, chunk_rows: int) -> float:
        path = tmp_path / f"big{copies}.csv"
        if not path.exists():
            _big_export(path, copies)
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, str(path), str(chunk_rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows, peak_kb = map(int, done.stdout.split())
        assert rows == copies * 137
        return peak_kb / 1024

    small, big = peak_mb(100, 5000), peak_mb(1400, 5000)
    whole = peak_mb(1400, 10**9)
    assert (tmp_path / "big1400.csv").stat().st_size > 40 * 2**20
    assert big - small < 15, f"chunked reading grew by {big - small:.0f} MB"
    # about 130 MB measured: a threshold far above the chunked growth, far below the real one
    assert whole - big > 60, f"reading in one piece only took {whole - big:.0f} MB more"


def test_blank_lines_are_skipped_and_short_rows_rejected_with_their_line(tmp_path: Path) -> None:
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    short = ";".join(lines[2].split(";")[:12])  # cut after Desa/Kel: no dates of measurement, no measures
    path = tmp_path / "berlubang.csv"
    path.write_text("\n".join([lines[0], lines[1], "", short, lines[3], ";;;", ""]) + "\n", encoding="utf-8")
    export = _read(path)
    assert export.rows_read == 3  # the blank line and the row of empty fields are not rows
    assert export.frame["source_row"].tolist() == [1, 4]
    assert export.rejects[["source_row", "file_line", "reason_code"]].values.tolist() == [
        [3, 4, "measured_on_missing"]
    ]
    assert path.read_text(encoding="utf-8").splitlines()[3] == short  # line 4 of the file is that row


def test_a_comma_file_with_unquoted_decimal_commas_is_refused_not_read_shifted(tmp_path: Path) -> None:
    header, rows = _rows()
    column = {h: i for i, h in enumerate(header)}
    unquoted = []
    for row in rows:
        row = list(row)
        row[column["BB Lahir"]] = "3"  # integers up to Berat: the shift starts at the measures
        unquoted.append(",".join(row))
    path = tmp_path / "koma.csv"
    path.write_text("\n".join([",".join(header), *unquoted]) + "\n", encoding="utf-8")
    # Read as is, Berat "11,63" became 11 kg and Tinggi 63 cm, with no word of warning.
    with pytest.raises(UserError) as raised:
        _read(path)
    text = str(raised.value)
    assert text.startswith("koma.csv, line 2: ") and "more values than the header's 33 columns" in text
    assert "decimal commas" in text and "\n" not in text


def test_a_few_long_rows_or_trailing_separators_do_not_refuse_the_file(tmp_path: Path) -> None:
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    lines[3] += ";nilai;lebih"  # one row too long among many: not a shifted file
    trailing = tmp_path / "titik_koma.csv"
    trailing.write_text("\n".join([lines[0], *(line + ";" for line in lines[1:])]) + "\n", encoding="utf-8")
    assert len(_read(trailing).frame) == len(_read(EXPORT).frame)
