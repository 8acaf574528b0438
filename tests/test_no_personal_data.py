"""No message of the reader contains a value of its input file: exports full of NIKs, names and
addresses, in every column and in every way a file can be wrong, are read through the CLI and the
pipeline, and every sentence they produce (errors, rejects report, summary, progress, logs) is
scanned for any of their cells."""

from __future__ import annotations

import csv
import io
import logging
import os
import stat
from pathlib import Path

import pytest
from openpyxl import Workbook

from stunting.cli import main
from stunting.errors import UserError
from stunting.ingest import ingest_files

COLUMNS = (
    "NIK;Nama;JK;Tgl Lahir;BB Lahir;TB Lahir;Nama Ortu;Prov;Kab/Kota;Kec;Pukesmas;Desa/Kel;Posyandu;RT;RW;"
    "Alamat;Usia Saat Ukur;Tanggal Pengukuran;Berat;Tinggi;Cara Ukur"
).split(";")
# Invented people: names no gazetteer place or message word contains.
FIRST = ["Zulkarnaen", "Wiratmajaya", "Sekarwangi", "Kusumawardhani", "Prawirosudiro", "Hadiningrat"]
LAST = ["Tjokroaminoto", "Mangkunegoro", "Soerjopranoto", "Poerbatjaraka", "Djojohadikusumo", "Notonegoro"]


def person(i: int) -> dict[str, str]:
    return {
        "NIK": f"64020{i:011d}",
        "Nama": f"{FIRST[i % 6]} {LAST[(i + 1) % 6]}",
        "Nama Ortu": f"{FIRST[(i + 2) % 6]} {LAST[(i + 3) % 6]}",
        "Alamat": f"Jl. {LAST[(i + 4) % 6]} Gang {FIRST[(i + 5) % 6]} {i}",
    }


def good(i: int, **values: str) -> dict[str, str]:
    return {
        **person(i),
        "JK": "L",
        "Tgl Lahir": "19/10/2021",
        "Kab/Kota": "KUTAI KARTANEGARA",
        "Kec": "Loa Kulu",
        "Pukesmas": "Loa Kulu",
        "Desa/Kel": "DESA SUMBER SARI",
        "Posyandu": "Melati",
        "Tanggal Pengukuran": "19/02/2024",
        "Berat": "11,63",
        "Tinggi": "80,9",
        "Cara Ukur": "Berdiri",
        **values,
    }


def personal(i: int) -> str:
    return person(i)["Nama"]


# One row per way a row can be rejected, with personal data in the very column that is wrong.
ROWS = [
    good(1),
    good(2, **{"Tgl Lahir": ""}),
    good(3, **{"Tgl Lahir": personal(3)}),
    good(4, **{"Tanggal Pengukuran": ""}),
    good(5, **{"Tanggal Pengukuran": person(5)["NIK"]}),
    good(6, **{"Tanggal Pengukuran": "19/02/3024"}),
    good(7, **{"Tgl Lahir": "19/10/2025"}),
    good(8, **{"Tgl Lahir": "19/10/2015"}),
    good(9, JK=personal(9)),
    good(10, Berat="-3", Tinggi=personal(10)),
    good(11, Berat=personal(11), Tinggi=person(11)["Alamat"]),
    good(12, NIK=personal(12), Nama=""),
    good(13, **{"Kab/Kota": personal(13)}),
    good(14, Kec=personal(14)),
    good(15, **{"Desa/Kel": personal(15)}),
    good(16, **{"Desa/Kel": person(16)["Alamat"], "Kec": ""}),
    good(17, **{"Desa/Kel": "Sumber Sari", "Kec": ""}),
    good(18, **{"Usia Saat Ukur": personal(18)}),
]


def csv_text(rows, header=COLUMNS, sep=";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue()


def xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    for values in rows:
        book.active.append(values)
    book.save(path)
    return path


def files(folder: Path) -> list[Path]:
    """Exports full of personal data, each wrong in its own way (and one right but for its rows)."""
    made = {
        "rows.csv": csv_text(ROWS),
        "all_rejected.csv": csv_text(ROWS[1:]),
        "no_header.csv": csv_text(ROWS, header=None),
        "people_as_header.csv": csv_text(
            ROWS[2:], header=[personal(40), person(41)["NIK"], "Tgl Lahir", "Kec"]
        ),
        "shifted.csv": csv_text([dict(r, Berat="11,5") for r in ROWS], sep=",").replace(
            ",".join(COLUMNS), ",".join(COLUMNS[:-1])
        ),
        "unterminated.csv": csv_text(ROWS).replace(personal(4), '"' + personal(4), 1),
        "duplicated.csv": csv_text(ROWS, header=[*COLUMNS[:-1], "Nama"]),
        "bom.csv": csv_text(ROWS[:3]) + "\ufeff" + csv_text(ROWS[3:], header=None),
        "header_only.csv": csv_text([]),
    }
    paths = []
    for name, text in made.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    as_rows = [[r.get(c, "") for c in COLUMNS] for r in ROWS]
    paths.append(xlsx(folder / "rows.xlsx", [COLUMNS, *as_rows]))
    paths.append(xlsx(folder / "no_header.xlsx", as_rows))
    paths.append(xlsx(folder / "people_as_header.xlsx", [[personal(50), person(51)["NIK"], "Kec"], *as_rows]))
    return paths


def cells(path: Path) -> set[str]:
    """Every personal value written into the file (NIKs, names, addresses), as the scan looks for them."""
    values = set()
    for i in range(0, 60):
        values |= set(person(i).values())
    return {v for v in values if v}


def test_no_message_of_the_reader_holds_a_value_of_its_file(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    data = tmp_path / "data"
    said: list[str] = []

    def hear(_fraction: float, message: str) -> None:
        said.append(message)

    for path in files(tmp_path):
        status = main(["ingest", str(path), "--data-dir", str(data)])
        captured = capsys.readouterr()
        said += [captured.out, captured.err]
        assert status in (0, 1), path.name
        try:
            ingest_files([path], tmp_path / f"data-{path.stem}", progress=hear)
        except UserError as error:
            said.append(str(error))
    reports = sorted((data / "reports").glob("*.csv")) + sorted(tmp_path.glob("data-*/reports/*.csv"))
    assert reports, "the row file's rejects must have been reported"
    said += [report.read_text(encoding="utf-8-sig") for report in reports]
    said += [record.getMessage() for record in caplog.records]
    text = "\n".join(said)
    assert "rejected" in text and "does not look like an e-PPGBM export" in text  # the scan saw real messages
    leaked = sorted(value for value in cells(tmp_path) if value in text)
    assert not leaked, leaked
    # And no single name part either (a message quoting half a cell is a leak as well).
    parts = {word for value in cells(tmp_path) for word in value.split() if len(word) > 6 and word.isalpha()}
    assert not [word for word in parts if word in text]


@pytest.mark.parametrize(
    "reason", ["birth_date_invalid", "sex_invalid", "kecamatan_unknown", "village_unknown"]
)
def test_every_row_reason_of_the_row_file_is_produced(tmp_path, reason):
    """The scan above is only as good as the messages it sees: the row file really yields these."""
    (tmp_path / "rows.csv").write_text(csv_text(ROWS), encoding="utf-8")
    (summary,) = ingest_files([tmp_path / "rows.csv"], tmp_path / "data")
    assert summary.rejected_by_reason.get(reason), summary.rejected_by_reason


def test_the_data_dir_is_created_private(tmp_path):
    """Folders 0700 and files 0600 whatever the umask: the store allows birth dates to be derived."""
    old = os.umask(0o022)
    try:
        (tmp_path / "rows.csv").write_text(csv_text(ROWS), encoding="utf-8")
        ingest_files([tmp_path / "rows.csv"], tmp_path / "data")
    finally:
        os.umask(old)
    data = tmp_path / "data"
    made = [data, *data.rglob("*")]
    assert {p.name for p in made} >= {"data", "secret.key", "reports", "store", "CURRENT", "imports.parquet"}
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in made}
    assert {p: m for p, m in modes.items() if p.is_dir() and m != 0o700} == {}
    assert {p: m for p, m in modes.items() if p.is_file() and m != 0o600} == {}
