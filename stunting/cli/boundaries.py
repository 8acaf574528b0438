"""``python -m stunting boundaries fetch | import | list | export``: village boundaries in and out."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from stunting.cli import add_data_dir
from stunting.errors import UserError

LEVEL_CHOICES = ("village", "kecamatan", "regency")
DETAIL_CHOICES = ("overview", "detail", "full")
EXPORT_SUFFIXES = (".geojson", ".gpkg")


def register(commands) -> None:
    parser = commands.add_parser(
        "boundaries",
        help="village boundaries: fetch the pinned open data, import your own files, export for GIS",
        description="Install village boundaries for the map (replacing the schematic cells), by regency: "
        "an import replaces the regencies it brings and keeps the others; or list or export them.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    fetch = actions.add_parser(
        "fetch",
        help="download the pinned cahyadsn/wilayah_boundaries files (MIT) and install them",
        description="Download the pinned village files of cahyadsn/wilayah_boundaries, check each "
        "against its pinned SHA-256, and install them (replacing those regencies, keeping the others).",
    )
    fetch.add_argument(
        "--regency",
        nargs="+",
        default=None,
        metavar="CODE",
        help="regency codes, any of the 514 (default: the home area, $STUNTING_HOME_AREA, else 64.02 64.74)",
    )
    fetch.add_argument(
        "--province",
        nargs="+",
        default=None,
        metavar="CODE",
        help="province codes: every regency of each (e.g. 64 for Kalimantan Timur's 10)",
    )
    fetch.add_argument(
        "--overview",
        action="store_true",
        help="also install the national regency (514) and province (38) outlines for national zoom",
    )
    fetch.add_argument(
        "--mirror",
        default=None,
        metavar="URL_OR_DIR",
        help="a folder or HTTP server with the repository's layout (default: $STUNTING_BOUNDARY_MIRROR, "
        "else raw.githubusercontent.com at the pinned commit)",
    )
    add_data_dir(fetch)
    fetch.set_defaults(run=run_fetch)

    imp = actions.add_parser(
        "import",
        help="install boundaries from SQL dumps, GeoJSON, GeoPackage or Shapefile (also .zip)",
        description="Validate the files and install their villages atomically (replacing the boundaries "
        "installed now); on any error nothing changes.",
    )
    imp.add_argument(
        "paths", nargs="+", metavar="PATH", help="boundary files (.sql .geojson .gpkg .shp .zip)"
    )
    imp.add_argument(
        "--code-field",
        default=None,
        help="the field holding the village code (default: KDEPUM, KDEBPS, code, kode, ...)",
    )
    imp.add_argument(
        "--name-field",
        default=None,
        help="the field holding the village name (default: WADMKD, name, nama, ...)",
    )
    add_data_dir(imp)
    imp.set_defaults(run=run_import)

    listing = actions.add_parser(
        "list", help="what is installed: each regency's villages, source and import time"
    )
    add_data_dir(listing)
    listing.set_defaults(run=run_list)

    export = actions.add_parser(
        "export",
        help="write installed boundaries of one regency to GeoJSON or GeoPackage (for QGIS)",
    )
    export.add_argument("--regency", required=True, metavar="CODE", help="regency code, e.g. 64.02")
    export.add_argument("--level", choices=LEVEL_CHOICES, default="village")
    export.add_argument("--detail", choices=DETAIL_CHOICES, default="overview")
    export.add_argument("--out", required=True, metavar="FILE", help="FILE.geojson or FILE.gpkg")
    add_data_dir(export)
    export.set_defaults(run=run_export)


def run_fetch(args: argparse.Namespace) -> int:
    from stunting.boundaries import fetch

    if args.regency or args.province or not args.overview:
        report = fetch.fetch(
            args.regency, mirror=args.mirror, data_dir=args.data_dir, provinces=args.province or ()
        )
        print("\n".join(report.lines()))
    if args.overview:
        meta = fetch.fetch_overview(mirror=args.mirror, data_dir=args.data_dir)
        counts = meta["overview"]["outlines"]
        print(
            f"Installed the national outlines: {counts['regency']} regencies and {counts['province']} "
            f"provinces from {meta['overview']['source']}."
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    from stunting.boundaries import installed

    frame = installed(args.data_dir)
    if frame.empty:
        print("No boundaries are installed: the map shows schematic cells (not official borders).")
        return 0
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        when = row["imported_at"] or "unknown time"
        commit = f" at {row['commit'][:7]}" if row["commit"] else ""
        origin = f"{row['source']}{commit} ({row['licence']}), imported {when}"
        if row["what"] == "villages":
            missing = f", {row['unavailable']} without a boundary" if row["unavailable"] else ""
            count = "?" if row["villages"] is None else int(row["villages"])
            print(f"{row['code']}  {row['name']}: {count} villages{missing}; {origin}")
        else:
            print(f"{row['what']}: {int(row['outlines'])}; {origin}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from stunting.boundaries import install

    report = install.import_files(
        [Path(p) for p in args.paths],
        data_dir=args.data_dir,
        code_field=args.code_field,
        name_field=args.name_field,
    )
    print("\n".join(report.lines()))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from stunting.boundaries import installed_source, load_display
    from stunting.boundaries.display import to_geojson

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise UserError(
            f"{out.name}: export writes .geojson or .gpkg, not {suffix or 'a file without suffix'}."
        )
    if installed_source(args.data_dir) is None:
        raise UserError(
            "No boundaries are installed (the map shows schematic cells, which are not borders); "
            "run 'boundaries fetch' or 'boundaries import' first."
        )
    frame = load_display(args.level, args.detail, regency=args.regency, data_dir=args.data_dir)
    if frame.empty or frame.attrs["schematic"]:
        # The map draws schematic cells for a regency the import lacked; they are no borders to export.
        raise UserError(f"The installed boundaries have no regency {args.regency}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.part{out.suffix}")
    if suffix == ".geojson":
        partial.write_text(to_geojson(frame), encoding="utf-8")
    else:
        partial.unlink(missing_ok=True)
        frame.to_file(partial, driver="GPKG", layer=f"{args.level}_{args.detail}")
    os.replace(partial, out)
    print(f"Wrote {len(frame)} {args.level} polygons ({args.detail}) of {args.regency} to {out}.")
    return 0
