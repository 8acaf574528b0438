"""Write the national gazetteer (geo/gazetteer/*.csv, one file per province) from ../shared.

Run by a developer when the pinned sources change; the CSVs are committed and are the one source
of codes and names. tests/test_gazetteer.py proves the committed files are exactly what this makes.

- Codes and names: cahyadsn/wilayah ``db/wilayah.sql`` (MIT, Kepmendagri 2025): 38 provinces,
  514 regencies, 7,285 kecamatan, 83,762 villages.
- Population (regencies and provinces only): the same repository's ``db/wilayah_penduduk.sql``.
- Centroids: villages from ``village_centroids.csv`` (cahyadsn/wilayah_boundaries, MIT); a village
  without a boundary row takes its kecamatan's centroid; kecamatan, regencies and provinces take
  the ``lat``/``lng`` of their own kec/kab/prov rows (the mean of their villages where none).
- Aliases: the boundary source's spelling where it differs from the code list's (24 villages,
  e.g. 35.07.09.2006 "Gedok Wetan" / "Gedog Wetan"), for name matching only.

No polygon is written. Each CSV row is one area: ``code,name,lat,lng,population,aliases``
(``aliases`` joined by ``|``); the level and the parent follow from the code's form.

    .venv/bin/python geo/make_gazetteer.py [--shared ../shared] [--out geo/gazetteer]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stunting.boundaries.wilayah_sql import iter_rows  # noqa: E402

COLUMNS = ("code", "name", "lat", "lng", "population", "aliases")
ALIAS_SEPARATOR = "|"
NOTICE = "NOTICE.md"
# ('kode','nama') in wilayah.sql; ('kode','nama','pria','wanita','total') in wilayah_penduduk.sql.
CODE_ROW = re.compile(r"\('(?P<kode>[\d.]+)','(?P<nama>(?:[^']|'')*)'(?P<rest>(?:,'[^']*')*)\)[,;]?")


def sql_rows(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        match = CODE_ROW.fullmatch(line.strip())
        if match:
            rest = re.findall(r"'([^']*)'", match["rest"])
            # A few names carry a trailing space ("Jurang Jaler "): never part of the name.
            yield match["kode"], match["nama"].replace("''", "'").strip(), rest


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def boundary_centroids(db: Path) -> dict[str, tuple[float, float]]:
    """kecamatan, regency and province centroids: the lat/lng columns of their own rows."""
    out = {}
    for level in ("kec", "kab", "prov"):
        for path in sorted((db / level).glob("*.sql")):
            for row in iter_rows(path.read_text(encoding="utf-8")):
                out[row.kode] = (row.lat, row.lng)
    return out


def build(shared: Path) -> dict[str, str]:
    """File name -> text of every file of geo/gazetteer/ (CSV per province, NOTICE.md)."""
    wilayah = shared / "data" / "wilayah"
    boundaries = shared / "data" / "boundaries"
    names: dict[str, str] = {}
    for code, name, _ in sql_rows(wilayah / "wilayah.sql"):
        if code in names:
            raise SystemExit(f"wilayah.sql: code {code} appears twice")
        names[code] = name
    population = {code: rest[2] for code, _, rest in sql_rows(wilayah / "wilayah_penduduk.sql")}
    centroid: dict[str, tuple[float, float]] = {}
    aliases: dict[str, str] = {}
    with open(boundaries / "village_centroids.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["kode"] not in names:
                raise SystemExit(f"village_centroids.csv: {row['kode']} is not in wilayah.sql")
            centroid[row["kode"]] = (float(row["lat"]), float(row["lng"]))
            # Case alone ("Kuta Buloh Ii" for "Kuta Buloh II") is no other spelling: matching ignores it.
            if row["nama"].strip().casefold() != names[row["kode"]].casefold():
                aliases[row["kode"]] = row["nama"].strip()
    outlines = boundary_centroids(boundaries / "wilayah_boundaries" / "db")
    # Areas above the village: their own row's centroid, else the mean of their villages'.
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for code, point in centroid.items():
        for cut in (8, 5, 2):
            members[code[:cut]].append(point)
    for code in names:
        if len(code) == 13:
            continue
        if code in outlines:
            centroid[code] = outlines[code]
        elif members[code]:
            points = members[code]
            centroid[code] = (
                sum(p[0] for p in points) / len(points),
                sum(p[1] for p in points) / len(points),
            )
    for code in names:
        if code not in centroid:
            # A village without a boundary row takes its kecamatan's (then regency's) centroid.
            parent = next((code[:cut] for cut in (8, 5, 2) if code[:cut] in centroid), None)
            if parent is None:
                raise SystemExit(f"no centroid for {code} or any area above it")
            centroid[code] = centroid[parent]
    by_province: dict[str, list[str]] = defaultdict(list)
    for code in sorted(names):
        by_province[code[:2]].append(code)
    files = {}
    for province, codes in sorted(by_province.items()):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for code in codes:
            lat, lng = centroid[code]
            writer.writerow(
                [
                    code,
                    names[code],
                    f"{lat:.5f}",
                    f"{lng:.5f}",
                    population.get(code, "") if len(code) <= 5 else "",
                    aliases.get(code, ""),
                ]
            )
        files[f"{province}-{slug(names[province])}.csv"] = buffer.getvalue()
    files[NOTICE] = notice(wilayah / "LICENSE", boundaries / "wilayah_boundaries" / "LICENSE")
    return files


def notice(codes_licence: Path, boundaries_licence: Path) -> str:
    return (
        "# Sources of the gazetteer\n\n"
        "The CSV files in this folder (one per province: one row per province, regency, kecamatan and\n"
        "desa/kelurahan) are a substantial portion of two MIT-licensed works; their notices follow.\n"
        "They are written by `geo/make_gazetteer.py` from `../shared`; edit that script, not the CSVs.\n\n"
        "- Codes, names and population: github.com/cahyadsn/wilayah, commit\n"
        "  b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7 (`db/wilayah.sql`, `db/wilayah_penduduk.sql`;\n"
        "  Kepmendagri No 300.2.2-2430 Tahun 2025).\n"
        "- Centroids and alternate spellings (aliases): github.com/cahyadsn/wilayah_boundaries, commit\n"
        "  3c5a7960f4d227a38489094d84252bdbb3f978a5 (the `lat`/`lng` and `nama` columns; no polygon).\n\n"
        "## cahyadsn/wilayah\n\n"
        + codes_licence.read_text(encoding="utf-8").strip()
        + "\n\n## cahyadsn/wilayah_boundaries\n\n"
        + boundaries_licence.read_text(encoding="utf-8").strip()
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--out", type=Path, default=REPO / "geo" / "gazetteer")
    args = parser.parse_args()
    files = build(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.iterdir():
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="")
    print(f"{len(files) - 1} province files and {NOTICE} written to {args.out}")


if __name__ == "__main__":
    main()
