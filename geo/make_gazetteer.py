"""Write geo/gazetteer.csv from the wilayah_boundaries SQL dumps (names, codes and centroids only).

Run once by a developer; the CSV is committed and is the one source of names and codes.
No polygon is written: the centroids are the dump's own ``lat``/``lng`` columns.

    .venv/bin/python geo/make_gazetteer.py ../shared/data/boundaries/wilayah_boundaries/db
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stunting.boundaries.wilayah_sql import iter_rows  # noqa: E402

REGENCIES = ("64.02", "64.74")
COLUMNS = (
    "code",
    "name",
    "type",
    "kecamatan_code",
    "kecamatan_name",
    "regency_code",
    "regency_name",
    "lat",
    "lng",
)


def main(db: Path) -> None:
    prov = "64"  # Kalimantan Timur: both regencies are in it
    names = {}
    for level in ("kab", "kec"):
        text = (db / level / f"wilayah_boundaries_{level}_{prov}.sql").read_text(encoding="utf-8")
        names.update({row.kode: row.nama for row in iter_rows(text)})
    rows = []
    for regency in REGENCIES:
        text = (db / "kel" / prov / f"wilayah_boundaries_kel_{regency}.sql").read_text(encoding="utf-8")
        for row in iter_rows(text):
            kecamatan = row.kode[:8]
            rows.append(
                {
                    "code": row.kode,
                    "name": row.nama,
                    "type": "kelurahan" if row.kode[9] == "1" else "desa",
                    "kecamatan_code": kecamatan,
                    "kecamatan_name": names[kecamatan],
                    "regency_code": regency,
                    "regency_name": names[regency],
                    "lat": f"{row.lat:.5f}",
                    "lng": f"{row.lng:.5f}",
                }
            )
    rows.sort(key=lambda r: r["code"])
    out = Path(__file__).resolve().parent / "gazetteer.csv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} villages written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
