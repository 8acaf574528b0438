"""``python -m stunting programmes import FILE | template --out FILE | list``: programme data per village.

    python -m stunting programmes template --out program.xlsx --regency 64.02
    python -m stunting programmes import program.xlsx             # refuses a file with problems
    python -m stunting programmes import program.xlsx --accept-valid
    python -m stunting programmes list

A file with problems stores nothing and prints each problem (sheet, row, column); ``--accept-valid``
stores the rows without problems and still lists the others.
"""

from __future__ import annotations

import argparse

from stunting.cli import add_data_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "programmes",
        help="programme data per village and year (lokus, BAAS, Raga Pantas, rembuk, scorecard, others)",
        description="Import programme data per village and year from the XLSX template (or a CSV of "
        "one of its sheets), write the template, or list what is stored.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    importing = actions.add_parser("import", help="check a programme file and store it")
    importing.add_argument("file", help="the filled-in template (.xlsx) or a CSV of one of its sheets")
    importing.add_argument(
        "--accept-valid",
        action="store_true",
        help="store the rows without problems even when other rows have some (default: store nothing)",
    )
    add_data_dir(importing)
    importing.set_defaults(run=run_import)

    template = actions.add_parser("template", help="write the XLSX template (Indonesian headers)")
    template.add_argument("--out", required=True, metavar="FILE", help="where to write it (.xlsx)")
    template.add_argument("--regency", default=None, metavar="CODE", help="fill in this regency's villages")
    template.set_defaults(run=run_template)

    listing = actions.add_parser("list", help="the stored tables and programmes")
    add_data_dir(listing)
    listing.set_defaults(run=run_list)


def run_import(args: argparse.Namespace) -> int:
    from stunting import programmes

    result = programmes.import_file(args.file, accept_valid=args.accept_valid, data_dir=args.data_dir)
    stored = ", ".join(f"{sheet} {rows}" for sheet, rows in result.stored.items())
    print(f"stored rows: {stored}")
    if result.problems:
        print(f"{len(result.problems)} row problem(s), those rows were not stored (list: {result.report}):")
        for problem in result.problems[: programmes.SHOWN_ERRORS]:
            print(f"  {problem.text()}")
    return 0


def run_template(args: argparse.Namespace) -> int:
    from stunting import programmes

    path = programmes.write_template(args.out, regency=args.regency)
    print(f"template written to {path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from stunting import programmes

    print(programmes.summary(args.data_dir).to_string(index=False))
    print("programmes:", ", ".join(programmes.names(args.data_dir)) or "none")
    return 0
