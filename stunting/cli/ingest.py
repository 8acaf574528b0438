"""``python -m stunting ingest FILE... [--add] [--dry-run] [--data-dir DIR]``: import e-PPGBM exports.

An export replaces what earlier imports stored for every (village, month) it holds; ``--add`` merges
a partial file (one posyandu) without retracting; ``--dry-run`` prints the summary and changes nothing.
"""

from __future__ import annotations

import argparse

from stunting.cli import add_data_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "ingest",
        help="import e-PPGBM exports (CSV or XLSX) into the measurement store",
        description="Read e-PPGBM individual exports, compute WHO z-scores, pseudonymise the children "
        "and store the measurements. An export replaces what earlier imports stored for every village "
        "and month it contains (a child missing from it is gone, a corrected NIK replaces the mistyped "
        "one); the files of one command count as one export. Rejected rows are listed in a report "
        "(row numbers and reasons, never a name).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="e-PPGBM export (.csv or .xlsx)")
    parser.add_argument(
        "--add",
        action="store_true",
        help="merge without retracting anything (a partial file, e.g. one posyandu's rows)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what the import would do (rows, periods, villages, rows replaced) and change nothing",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run the work on a local Dask cluster of N worker processes (docs/scale.md)",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run the work on this running Dask cluster; every worker must see --data-dir at the same path",
    )
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stunting import cluster
    from stunting.config import data_dir
    from stunting.errors import UserError
    from stunting.ingest import ingest_files, preview

    root = data_dir(args.data_dir)
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be 1 or more, not {args.workers}.")
    with cluster.runner(args.workers, args.scheduler) as runner:
        if args.dry_run:
            for summary in preview(args.files, root, add=args.add, runner=runner).files:
                print(format_summary(summary))
            print("dry run: nothing was changed.")
            return 0
        ours: list[str] = []
        for path in args.files:
            # One file at a time, printed as it finishes: if a later file fails, the earlier ones are
            # already in the store and the user has seen their summaries. The files still form one
            # export: a later one never retracts what an earlier one stored (keep_imports).
            for summary in ingest_files([path], root, add=args.add, keep_imports=ours, runner=runner):
                print(format_summary(summary))
                if summary.import_id is not None:
                    ours.append(summary.import_id)
    return 0


def format_summary(summary) -> str:
    if summary.already_imported_on:
        return (
            f"{summary.file_name}: already imported on {summary.already_imported_on[:10]} "
            f"(same SHA-256); nothing was added."
        )
    would = "would be " if summary.dry_run else ""
    lines = [
        f"{summary.file_name}: {summary.rows_read:,} rows read, {summary.rows_accepted:,} accepted "
        f"({summary.rows_stored:,} {would}new or changed in the store), {summary.rows_rejected:,} rejected."
    ]
    for code, count in sorted(summary.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  rejected, {code.replace('_', ' ')}: {count:,}")
    if summary.periods:
        lines.append(
            f"  periods: {', '.join(summary.periods)}; villages: {summary.villages:,} "
            f"({summary.village_months:,} village-months)"
        )
    verb = "would replace" if summary.dry_run else "replaced"
    if summary.add:
        lines.append(
            f"  --add: nothing retracted; {summary.rows_replaced:,} earlier rows {verb} on the same child "
            f"and date, in {summary.village_months_replaced:,} village-months"
        )
    else:
        lines.append(
            f"  {verb} {summary.rows_replaced:,} rows of earlier imports in "
            f"{summary.village_months_replaced:,} village-months"
        )
    if summary.nik_disagreements:
        lines.append(
            f"  note: on {summary.nik_disagreements:,} rows the NIK's birth date (digits 7-12, +40 on the "
            "day for girls) is not the child's Tgl Lahir/JK, probably a parent's or the family card's "
            "number; the rows were kept, the child told apart by birth date and sex."
        )
    if summary.age_text_mismatches:
        lines.append(
            f"  note: on {summary.age_text_mismatches:,} rows 'Usia Saat Ukur' disagrees with the two dates "
            "(the dates were used; check for swapped day and month)."
        )
    # Where the import guessed or dropped something, counted: a data manager checks these first.
    for (spelling, name, code), count in sorted(summary.fuzzy_villages.items(), key=lambda kv: -kv[1]):
        lines.append(
            f"  note: Desa/Kel '{spelling}' matched to {name} ({code}) by its spelling: {count:,} rows"
        )
    for (column, value), count in sorted(summary.sentinels.items()):
        lines.append(f"  note: {column} = {value} ('not measured') read as missing: {count:,} rows")
    if summary.rows_without_height:
        lines.append(f"  note: {summary.rows_without_height:,} rows stored without a height (weight only)")
    if summary.rows_without_weight:
        lines.append(f"  note: {summary.rows_without_weight:,} rows stored without a weight (height only)")
    if summary.rejects_report is not None:
        lines.append(f"  rejects report: {summary.rejects_report}")
    return "\n".join(lines)
