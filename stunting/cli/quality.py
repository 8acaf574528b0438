"""``quality`` (one row per unit with every data-quality check), ``quality-targets`` (sasaran per
village: load a file or write the template) and ``quality-report`` (the PDF per regency and period)."""

from __future__ import annotations

import json
import math
import sys

from stunting.cli import add_data_dir

LEVEL_CHOICES = ("posyandu", "puskesmas", "village", "kecamatan", "regency")


def register(commands) -> None:
    parser = commands.add_parser(
        "quality",
        help="data-quality checks per unit for one period (CSV or JSON)",
        description="One row per posyandu, puskesmas, village, kecamatan or regency: children (each "
        "counted once, last measurement in the period), then each check (see stunting/quality/table.py "
        "for their sources). Columns ending in _pct are percentages 0-100; a value is empty when the "
        "unit has too few children for that check or no data; 'failed' names the checks beyond their "
        "threshold, 'too_few' those below their minimum of children.",
    )
    parser.add_argument("--period", required=True, metavar="YYYY-MM")
    parser.add_argument("--level", required=True, choices=LEVEL_CHOICES)
    parser.add_argument("--regency", default=None, metavar="CODE", help="only units in this regency")
    parser.add_argument("--format", default="csv", choices=("csv", "json"))
    add_data_dir(parser)
    parser.set_defaults(run=run_quality)

    targets = commands.add_parser(
        "quality-targets",
        help="load per-village targets (sasaran balita, baduta) from CSV/XLSX, or write the template",
    )
    group = targets.add_mutually_exclusive_group(required=True)
    group.add_argument("--load", metavar="FILE", help="a filled template (.csv or .xlsx)")
    group.add_argument("--template", metavar="OUT", help="write the empty template (.csv or .xlsx)")
    targets.add_argument("--regency", default=None, metavar="CODE", help="template: only this regency")
    targets.add_argument("--year", type=int, default=None, help="template: the year to fill in")
    add_data_dir(targets)
    targets.set_defaults(run=run_targets)

    report = commands.add_parser(
        "quality-report", help="the data-quality report (PDF) of a regency and period"
    )
    report.add_argument("--period", required=True, metavar="YYYY-MM")
    report.add_argument("--regency", required=True, metavar="CODE")
    report.add_argument("--lang", default="id", choices=("id", "en"))
    report.add_argument("--out", required=True, metavar="FILE.pdf")
    add_data_dir(report)
    report.set_defaults(run=run_report)


def _check_regency(code: str | None) -> None:
    from stunting import gazetteer
    from stunting.errors import UserError

    if code is not None and code not in gazetteer.regencies():
        known = ", ".join(gazetteer.regencies())
        raise UserError(f"--regency {code!r} is not a regency of the gazetteer ({known}).")


def output_frame(period: str, level: str, regency: str | None, data_dir=None):
    """The command's table: the issue's columns first, then the other checks, failed and too_few."""
    from stunting.quality.table import CHECK_NAMES, CORE_COLUMNS, quality_table

    table = quality_table(period, level, regency=regency, data_dir=data_dir)
    statuses = table[[f"status_{c}" for c in CHECK_NAMES]]
    table["too_few"] = [
        ";".join(c for c in CHECK_NAMES if row[f"status_{c}"] == "too_few")
        for row in statuses.to_dict(orient="records")
    ]
    table["probable_duplicates"] = table["probable_duplicates"].astype("Int64")  # a count: 3, not 3.0
    rest = [c for c in CHECK_NAMES if c not in CORE_COLUMNS]
    return table[[*CORE_COLUMNS, *rest, "target_children", "failed", "too_few"]]


def run_quality(args) -> int:
    import pandas as pd

    _check_regency(args.regency)
    frame = output_frame(args.period, args.level, args.regency, args.data_dir)
    if args.format == "json":
        records = [
            {
                k: (None if v is pd.NA or (isinstance(v, float) and not math.isfinite(v)) else v)
                for k, v in row.items()
            }
            for row in frame.astype(object).to_dict(orient="records")
        ]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1, default=_plain)
        sys.stdout.write("\n")
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
    return 0


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)


def run_targets(args) -> int:
    from pathlib import Path

    from stunting.errors import UserError
    from stunting.quality import targets

    if args.load:
        rows = targets.load_targets(Path(args.load), args.data_dir)
        print(f"{Path(args.load).name}: targets of {rows} village-years loaded.")
        return 0
    _check_regency(args.regency)
    out = Path(args.template)
    template = targets.template(args.regency, args.year)
    if out.suffix.lower() == ".xlsx":
        template.to_excel(out, index=False)
    elif out.suffix.lower() == ".csv":
        template.to_csv(out, index=False, encoding="utf-8-sig")
    else:
        raise UserError(f"--template {out}: the template is written as .csv or .xlsx.")
    print(f"template with {len(template)} villages written to {out}")
    return 0


def run_report(args) -> int:
    from pathlib import Path

    from render.quality_report import write_report

    _check_regency(args.regency)
    path = write_report(args.period, args.regency, Path(args.out), lang=args.lang, data_dir=args.data_dir)
    print(f"data-quality report written to {path}")
    return 0
