"""Writes the bad-input corpus of this folder (run: .venv/bin/python tests/data/bad/make_corpus.py).

Each file is one way an input can be wrong (empty, binary, wrong encoding, truncated, hostile...);
manifest.csv beside them says which command reads it and the one sentence it must get. The large
hostile files (1M columns, a 100 MB line, a ZIP bomb, 10M vertices, an oversized story) are built at
test time by ``LARGE`` into a temporary folder, never committed. All names and NIKs are invented.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = (
    "NIK;Nama;JK;Tgl Lahir;BB Lahir;TB Lahir;Nama Ortu;Prov;Kab/Kota;Kec;Pukesmas;Desa/Kel;Posyandu;RT;RW;"
    "Alamat;Usia Saat Ukur;Tanggal Pengukuran;Berat;Tinggi;Cara Ukur;LiLA;BB/U;ZS BB/U;TB/U;ZS TB/U;BB/TB;"
    "ZS BB/TB;Naik Berat Badan;PMT Diterima (kg);Jml Vit A;KPSP;KIA"
)
COLUMNS = HEADER.split(";")


def row(number: int, **values: str) -> str:
    """One export row of an invented child of Desa Sumber Sari (Loa Kulu), measured 19/02/2024."""
    cells = {
        "NIK": f"640201100001{number:04d}",
        "Nama": f"Anak Fiktif {number:03d}",
        "JK": "P",
        "Tgl Lahir": "19/10/2021",
        "Nama Ortu": f"Ibu Fiktif {number:03d}",
        "Prov": "KALIMANTAN TIMUR",
        "Kab/Kota": "KUTAI KARTANEGARA",
        "Kec": "Loa Kulu",
        "Pukesmas": "Loa Kulu",
        "Desa/Kel": "DESA SUMBER SARI",
        "Posyandu": "Melati",
        "Alamat": f"Jl. Fiktif Nomor {number}",
        "Tanggal Pengukuran": "19/02/2024",
        "Berat": "11,63",
        "Tinggi": "80,9",
        "Cara Ukur": "Berdiri",
    } | values
    return ";".join(cells.get(column, "") for column in COLUMNS)


def csv_text(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


GOOD_ROWS = [row(n) for n in range(1, 4)]


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_rows(n: int = 3) -> list[list[object]]:
    return [COLUMNS, *[r.split(";") for r in (row(i) for i in range(1, n + 1))]]


def _rewrite_zip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def entity_expansion_xlsx() -> bytes:
    """A workbook whose sheet declares "billion laughs" entities (Excel never writes a DTD)."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    data = _xlsx(_xlsx_rows())
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    bomb = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>' + sheet.replace(
        ">Melati<", ">&lol9;<", 1
    )
    return _rewrite_zip(data, {"xl/worksheets/sheet1.xml": bomb.encode("utf-8")})


def macro_xlsm() -> bytes:
    """A macro-enabled workbook: a VBA project and the macro-enabled content type."""
    data = _xlsx(_xlsx_rows())
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        types = book.read("[Content_Types].xml").decode("utf-8")
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return _rewrite_zip(
        data, {"[Content_Types].xml": types.encode("utf-8")}, {"xl/vbaProject.bin": b"\xd0\xcf" * 512}
    )


def wilayah_sql(rows: list[str], end: str = ";") -> str:
    head = "INSERT INTO wilayah_boundaries (kode, nama, lat, lng, path) VALUES\n"
    return head + ",\n".join(rows) + end + "\n"


# The wilayah_boundaries dump's format (`boundaries import` reads it) with one invented row: a
# made-up triangle near Kukar, not a border of the source, which stays in ../shared.
WILAYAH_ROW = (
    "('64.02.01.2001','Sumber Sari',-0.5,117.0,'[[[-0.5,117.0],[-0.5,117.1],[-0.6,117.1],[-0.5,117.0]]]')"
)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


# A minimal Shapefile main file header (file code 9994, version 1000, polygon type): enough to be
# taken for one, not enough to be read without its index and attributes.
SHP_HEADER = (
    (9994).to_bytes(4, "big") + b"\x00" * 20 + (50).to_bytes(4, "big") + (1000).to_bytes(4, "little")
    + (5).to_bytes(4, "little") + b"\x00" * 64
)  # fmt: skip

STORY_GOOD_SLIDE = (
    '  - page: map\n    view: {indicator: stunting, period: latest, regency: "64.74"}\n'
    "    title: {id: Judul, en: Title}\n"
)
ALIAS_BOMB = (
    "a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "title: {id: a, en: b}\nslides: *i\n"
)

SMALL: dict[str, bytes | str | Callable[[], bytes]] = {
    # --- e-PPGBM exports (python -m stunting ingest) ---
    "empty.csv": b"",
    "only_whitespace.csv": b" \r\n\t\r\n \n",
    "binary.csv": bytes(range(256)) * 8,
    "png_named_csv.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
    "gzip_named_csv.csv": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 40,
    "utf16.csv": csv_text(GOOD_ROWS).encode("utf-16"),
    "wrong_encoding.csv": csv_text(GOOD_ROWS).encode("utf-8").replace(b"Melati", b"Mel\x81ti\x8d"),
    "bom_in_the_middle.csv": (csv_text(GOOD_ROWS[:2]) + "\ufeff" + csv_text(GOOD_ROWS[2:])).encode("utf-8"),
    "header_only.csv": HEADER + "\n",
    "no_header.csv": "\n".join(GOOD_ROWS) + "\n",
    "rekap_not_an_export.csv": "Desa;Jumlah Balita;Stunting\nSumber Sari;120;14\n",
    "duplicated_headers.csv": csv_text([r + ";19/10/2021" for r in GOOD_ROWS], HEADER + ";Tgl Lahir"),
    "decimal_commas_in_comma_csv.csv": csv_text(
        [r.replace(";", ",") for r in GOOD_ROWS], HEADER.replace(";", ",")
    ),
    "unterminated_quote.csv": csv_text(GOOD_ROWS[:1] + [row(2, Nama='"Anak Fiktif 002')] + GOOD_ROWS[2:]),
    "dates_in_3024.csv": csv_text([row(n, **{"Tanggal Pengukuran": "19/02/3024"}) for n in range(1, 4)]),
    "negative_weights.csv": csv_text([row(n, Berat="-11,63", Tinggi="-80,9") for n in range(1, 4)]),
    "every_row_rejected.csv": csv_text([row(n, JK="X") for n in range(1, 4)]),
    "unknown_villages.csv": csv_text([row(n, **{"Desa/Kel": "Desa Antah Berantah"}) for n in range(1, 4)]),
    "truncated.xlsx": lambda: _xlsx(_xlsx_rows())[:1500],
    "entity_expansion.xlsx": entity_expansion_xlsx,
    "macro_enabled.xlsm": macro_xlsm,
    "zip_not_a_workbook.xlsx": lambda: _zip({"readme.txt": b"not a workbook"}),
    "ole_garbage.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    "xlsx_header_only.xlsx": lambda: _xlsx([COLUMNS]),
    "xlsx_no_header.xlsx": lambda: _xlsx(_xlsx_rows()[1:]),
    "xlsx_empty_sheet.xlsx": lambda: _xlsx([]),
    # --- boundary files (python -m stunting boundaries import) ---
    "empty.geojson": b"",
    "not_json.geojson": "{this is not json",
    "no_features.geojson": '{"type": "FeatureCollection", "features": []}',
    "boundaries.kml": "<kml></kml>",
    "truncated.gpkg": b"SQLite format 3\x00" + b"\x00" * 200,
    "shapefile_without_shx_dbf.zip": lambda: _zip({"desa.shp": SHP_HEADER}),
    "lone.shp": SHP_HEADER,
    "wilayah_unterminated_string.sql": wilayah_sql(
        [WILAYAH_ROW, WILAYAH_ROW.replace("'Sumber Sari'", "'Sumber Sari")]
    ),
    "wilayah_truncated.sql": wilayah_sql([WILAYAH_ROW], end=","),
    "wilayah_no_insert.sql": "-- just a comment\nSELECT 1;\n",
    # --- stories (python -m stunting story export --story FILE) ---
    "alias_bomb.yaml": ALIAS_BOMB,
    "anchor.yaml": "title: &t {id: a, en: b}\nslides:\n" + STORY_GOOD_SLIDE,
    "ten_thousand_slides.yaml": "title: {id: a, en: b}\nslides:\n" + "  - {}\n" * 10_000,
    "deep_nesting.yaml": "title: {id: a, en: b}\nslides:\n  - view: " + "[" * 60 + "]" * 60 + "\n",
    "not_yaml.yaml": "title: [unclosed\nslides: {\n",
    "story_is_a_list.yaml": "- page: map\n- page: compare\n",
    "story_empty.yaml": b"",
    "story_binary.yaml": b"\xff\xfe\x00\x01" * 64,
    "python_tag.yaml": "title: !!python/object/apply:os.system ['echo owned']\nslides: []\n",
    "no_slides.yaml": "title: {id: a, en: b}\nslides: []\n",
    "unknown_top_field.yaml": "title: {id: a, en: b}\nslides:\n" + STORY_GOOD_SLIDE + "script: x\n",
}


def large_files(folder: Path) -> dict[str, Path]:
    """The large hostile inputs, written into ``folder`` (a temporary folder of the test)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}

    def path(name: str) -> Path:
        made[name] = folder / name
        return made[name]

    # 1,000,000 columns: one header line of 2 MB.
    path("million_columns.csv").write_bytes(b";".join([b"K"] * 1_000_000) + b"\n1\n")
    # 100 MB without a line break.
    with open(path("single_line_100mb.csv"), "wb") as fh:
        block = b"6402011000010001;Anak Fiktif;" * 4096
        for _ in range(100 * 2**20 // len(block)):
            fh.write(block)
    # A ZIP bomb posing as a zipped Shapefile: a 512 MB .shp of zeros in 2 MB (compression level 1,
    # about 230 to 1: quick to build, and still far beyond real data's ratio).
    with zipfile.ZipFile(
        path("zip_bomb_shapefile.zip"), "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        with archive.open("desa.shp", "w", force_zip64=True) as fh:
            zeros = b"\x00" * 2**24
            for _ in range(32):
                fh.write(zeros)
        archive.writestr("desa.shx", SHP_HEADER)
        archive.writestr("desa.dbf", b"\x03" + b"\x00" * 31)
    # 10,000,000 vertices in one village ring.
    with open(path("ten_million_vertices.geojson"), "w", encoding="ascii") as fh:
        fh.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":')
        fh.write(
            '{"KDEPUM":"64.02.01.2001","WADMKD":"Sumber Sari"},"geometry":{"type":"Polygon","coordinates":[['
        )
        step = "[117.0,-0.5],[117.1,-0.5],[117.1,-0.6],[117.0,-0.6],"
        fh.write(step * 2_500_000)
        fh.write("[117.0,-0.5]]]}}]}")
    # A story of 300 KB (a story file is at most 256 KB).
    path("story_too_large.yaml").write_text(
        "title: {id: a, en: b}\nslides:\n" + STORY_GOOD_SLIDE + "# " + "x" * 300_000 + "\n", encoding="utf-8"
    )
    return made


def write_small() -> None:
    for name, content in SMALL.items():
        data = content() if callable(content) else content
        (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


if __name__ == "__main__":
    write_small()
