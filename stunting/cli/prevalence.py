"""``prevalence`` (one row per area, machine-readable) and ``ingest-aggregates`` (village counts)."""

from __future__ import annotations

import json
import sys

import pandas as pd

from stunting.cli import add_data_dir

INDICATOR_CHOICES = ("stunting", "severe_stunting", "wasting", "underweight")
AGE_CHOICES = ("0-5", "6-11", "12-23", "24-35", "36-47", "48-59", "24-59")
# period and source last: scripts reading the older eight columns by position keep working.
OUTPUT_COLUMNS = [
    "code",
    "name",
    "measured",
    "cases",
    "prevalence",
    "ci_low",
    "ci_high",
    "suppressed",
    "period",
    "source",
]


def register(commands) -> None:
    parser = commands.add_parser(
        "prevalence",
        help="prevalence per area for one period (CSV or JSON, fractions 0-1)",
        description="One row per gazetteer area (areas without data included): code, name, measured, "
        "cases, prevalence, ci_low, ci_high (Wilson 95%%), suppressed, period, source (measurements, "
        "aggregate, or demo for the synthetic demo store; empty without data). Cases, prevalence and "
        "interval are empty when suppressed (too few children) or when there is no data.",
    )
    parser.add_argument("--indicator", required=True, choices=INDICATOR_CHOICES)
    parser.add_argument("--period", required=True, metavar="YYYY-MM")
    parser.add_argument("--level", required=True, choices=("province", "regency", "kecamatan", "village"))
    parser.add_argument(
        "--regency", default=None, metavar="CODE", help="only areas in this regency (64.02, 64.74)"
    )
    parser.add_argument(
        "--within",
        default=None,
        metavar="CODE",
        help="only areas within this province, regency or kecamatan (64, 64.02, 64.02.06), or "
        "'national' for every area of Indonesia (all 514 regencies); without it and --regency, "
        "the regencies the app shows (all 38 provinces for --level province)",
    )
    parser.add_argument("--sex", default=None, choices=("L", "P"))
    parser.add_argument("--age-group", default=None, choices=AGE_CHOICES)
    parser.add_argument("--format", default="csv", choices=("csv", "json"))
    add_data_dir(parser)
    parser.set_defaults(run=run_prevalence)

    aggregates = commands.add_parser(
        "ingest-aggregates",
        help="import village counts (period, village, measured, stunting, ...) for villages "
        "without child-level data",
    )
    aggregates.add_argument("files", nargs="+", metavar="FILE")
    add_data_dir(aggregates)
    aggregates.set_defaults(run=run_ingest_aggregates)


def run_prevalence(args) -> int:
    from stunting import gazetteer, store
    from stunting.errors import UserError
    from stunting.prevalence import prevalence
    from stunting.publish import publish

    if args.regency is not None and args.regency not in gazetteer.regencies():
        # 514 regencies are too many to list in one sentence: point to the command that lists them.
        raise UserError(
            f"--regency {args.regency!r} is not a regency of the gazetteer "
            "(codes like 64.02; python -m stunting areas lists them)."
        )
    if args.within is not None and args.regency is not None:
        raise UserError("Give --within or --regency, not both (--within 64.02 is --regency 64.02).")
    counted = prevalence(
        args.indicator,
        args.period,
        args.level,
        regency=args.regency,
        within=args.within,
        sex=args.sex,
        age_group=args.age_group,
        data_dir=args.data_dir,
    )
    frame = publish(counted, period=args.period, demo=store.is_demo(args.data_dir))[OUTPUT_COLUMNS]
    if args.format == "json":
        records = [
            {
                k: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v)
                for k, v in row.items()
            }
            for row in frame.astype(object).to_dict(orient="records")
        ]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1, default=_plain)
        sys.stdout.write("\n")
    else:
        out = frame.copy()
        out["suppressed"] = out["suppressed"].map({True: "true", False: "false"})
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _plain(value):
    """numpy scalars -> Python numbers for json."""
    return value.item() if hasattr(value, "item") else str(value)


def run_ingest_aggregates(args) -> int:
    from pathlib import Path

    from stunting.aggregates import ingest_aggregates

    for name in args.files:
        record, already = ingest_aggregates(Path(name), args.data_dir)
        if already:
            print(
                f"{Path(name).name}: already imported on {record.imported_at} (import {record.import_id}); "
                "nothing changed."
            )
        else:
            print(
                f"{record.file_name}: {record.rows_read} village-month rows read, {record.rows_stored} "
                f"new or changed (import {record.import_id})."
            )
    return 0
