"""``python -m stunting evaluate``: did a programme help? Villages with it against villages without.

    python -m stunting evaluate --programme baas --regency 64.02 --format json

prints estimate, ci_low, ci_high, p_value (the difference-in-differences in prevalence, a fraction:
-0.02 is 2 percentage points lower), villages_treated, villages_control, periods_before,
periods_after, warnings (codes), verdict (cannot_conclude, lower, higher), the group means per
period and the event study. See stunting/evaluate.py for the method and its limits.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from stunting.cli import add_data_dir

FORMATS = ("json", "csv")
CSV_FIELDS = ("estimate", "ci_low", "ci_high", "p_value", "villages_treated", "villages_control",
              "periods_before", "periods_after", "verdict")  # fmt: skip


def register(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="did a programme help? difference-in-differences of villages with and without it",
        description="Compare the prevalence of villages with a programme against villages without it, "
        "before and after it started (difference-in-differences with village and period effects, "
        "95%% interval clustered by village), with warnings on what could mislead.",
    )
    parser.add_argument("--programme", required=True, help="lokus, baas, raga_pantas, rembuk or another name")
    parser.add_argument("--regency", required=True, metavar="CODE", help="regency code, e.g. 64.02")
    parser.add_argument("--start", type=int, default=None, metavar="YEAR",
                        help="only villages that started in this year are the programme group")  # fmt: skip
    parser.add_argument("--indicator", default="stunting", help="stunting (default), severe_stunting, ...")
    parser.add_argument("--format", choices=FORMATS, default="json", help="json (default) or csv")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stunting.config import data_dir
    from stunting.evaluate import evaluate_programme
    from stunting.indicators import INDICATORS

    if args.indicator not in INDICATORS:
        from stunting.errors import UserError

        raise UserError(f"--indicator must be one of {', '.join(INDICATORS)}, not {args.indicator!r}.")
    result, context = evaluate_programme(
        args.programme,
        args.regency,
        start=args.start,
        indicator=args.indicator,
        data_dir=data_dir(args.data_dir),
    )
    record = {**context, **result.record()}
    if args.format == "json":
        json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        row = {key: record[key] for key in CSV_FIELDS} | {"warnings": " ".join(record["warnings"])}
        writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(
            {k: "" if v is None else (repr(v) if isinstance(v, float) else v) for k, v in row.items()}
        )
    return 0
