"""``python -m stunting ingest FILE... [--data-dir DIR]``: import e-PPGBM exports into the store."""

from __future__ import annotations

import argparse

from stunting.cli import add_data_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "ingest",
        help="import e-PPGBM exports (CSV or XLSX) into the measurement store",
        description="Read e-PPGBM individual exports, compute WHO z-scores, pseudonymise the children "
        "and add the measurements to the store. Rejected rows are listed in a report "
        "(row numbers and reasons, never a name).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="e-PPGBM export (.csv or .xlsx)")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stunting.config import data_dir
    from stunting.ingest import ingest_files

    root = data_dir(args.data_dir)
    for path in args.files:
        # One file at a time, printed as it finishes: if a later file fails, the earlier ones are
        # already in the store and the user has seen their summaries.
        for summary in ingest_files([path], root):
            print(format_summary(summary))
    return 0


def format_summary(summary) -> str:
    if summary.already_imported_on:
        return (
            f"{summary.file_name}: already imported on {summary.already_imported_on[:10]} "
            f"(same SHA-256); nothing was added."
        )
    lines = [
        f"{summary.file_name}: {summary.rows_read:,} rows read, {summary.rows_accepted:,} accepted "
        f"({summary.rows_stored:,} new or changed in the store), {summary.rows_rejected:,} rejected."
    ]
    for code, count in sorted(summary.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  rejected, {code.replace('_', ' ')}: {count:,}")
    if summary.age_text_mismatches:
        lines.append(
            f"  note: on {summary.age_text_mismatches:,} rows 'Usia Saat Ukur' disagrees with the two dates "
            "(the dates were used; check for swapped day and month)."
        )
    if summary.rejects_report is not None:
        lines.append(f"  rejects report: {summary.rejects_report}")
    return "\n".join(lines)
