"""``python -m stunting areas``: the national gazetteer's areas, as CSV or JSON."""

from __future__ import annotations

import argparse
import json
import sys

from stunting.errors import UserError

LEVEL_CHOICES = ("province", "regency", "kecamatan", "village")
FORMAT_CHOICES = ("csv", "json")
COLUMNS = ["code", "name", "level", "parent_code", "lat", "lng", "population"]


def register(commands) -> None:
    parser = commands.add_parser(
        "areas",
        help="list the gazetteer's provinces, regencies, kecamatan or villages (codes, names, parents)",
        description="One row per area of the national gazetteer (Kepmendagri 2025 via cahyadsn/wilayah, "
        "MIT): code, name, level, parent_code, lat, lng (centroid), population (regencies and provinces).",
    )
    parser.add_argument("--level", choices=LEVEL_CHOICES, default="regency")
    parser.add_argument(
        "--within", default=None, metavar="CODE", help="only areas inside this area, e.g. 64 or 64.02"
    )
    parser.add_argument("--format", choices=FORMAT_CHOICES, default="csv")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stunting import gazetteer

    table = gazetteer.table()
    within = (args.within or "").strip()
    if within and gazetteer.name_of(within) is None:
        raise UserError(f"--within {within!r} is not an area code of the gazetteer (e.g. 64 or 64.02).")
    if within and len(within) >= gazetteer.CODE_LENGTH[args.level]:
        raise UserError(f"--within {within} is a {gazetteer.level_of(within)}: it contains no {args.level}.")
    frame = table[table["level"] == args.level]
    if within:
        frame = frame[frame["code"].str.startswith(within + ".")]
    frame = frame[COLUMNS]
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        # Population is known for regencies and provinces only: null elsewhere, never 0.
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 0
