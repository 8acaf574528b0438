"""``python -m stunting compare``: the comparison page's headline numbers, for citation.

    python -m stunting compare --a 64.02 --b 64.74 --indicator stunting --format json

prints both sides (code, name, period, measured, cases, prevalence, ci_low, ci_high, source), the
children counted on both sides (``children_in_both``: one area in two periods, or an area and a
larger one containing it) with a sentence saying so (``note``), the difference a - b (value,
ci_low, ci_high, p_value; allowing for the shared children), the age-sex standardised
comparison (a, b, difference) and, for a province side, both of its totals (``weighting``: the
child-weighted one is its prevalence, the sum of its regencies' children; the population-weighted
one weighs its regencies' rates by their population) with a sentence saying which is which.
Proportions are fractions 0-1; a number that is not possible (too few children) is null in JSON and
empty in CSV.
"""

from __future__ import annotations

import csv
import json
import sys

from stunting.cli import add_data_dir

FORMATS = ("json", "csv")


def register(commands) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare two areas (or one area in two periods): difference with its 95%% interval",
        description=(
            "Compare two areas, or one area in two periods. The level follows from the code: "
            "province 64, regency 64.02, kecamatan 64.02.01, village 64.02.01.2001. Periods default "
            "to the latest."
        ),
    )
    parser.add_argument("--a", required=True, metavar="CODE", help="first area (its prevalence minus b's)")
    parser.add_argument("--b", required=True, metavar="CODE", help="second area")
    parser.add_argument("--period-a", metavar="YYYY-MM", default=None, help="period of a (default: latest)")
    parser.add_argument("--period-b", metavar="YYYY-MM", default=None, help="period of b (default: latest)")
    parser.add_argument(
        "--indicator", required=True, help="stunting, severe_stunting, wasting or underweight"
    )
    parser.add_argument("--format", choices=FORMATS, default="json", help="json (default) or csv")
    parser.add_argument("--lang", choices=("en", "id"), default="en", help="language of the note")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def flat(record: dict) -> dict:
    """The nested record as one CSV row: a_code, ..., children_in_both, note, difference_value, ...,
    standardised_a, ..."""
    row = {"indicator": record["indicator"]}
    for part in ("a", "b"):
        for key, value in record[part].items():
            row[f"{part}_{key}"] = value
    row["children_in_both"] = record["children_in_both"]
    row["note"] = record["note"]
    for part in ("a", "b"):
        weighted = record["weighting"][part] or {}
        row[f"{part}_population_weighted"] = weighted.get("population_weighted")
    row["weighting_note"] = record["weighting"]["note"]
    for part in ("difference", "standardised"):
        for key, value in record[part].items():
            row[f"{part}_{key}"] = value
    return row


def run(args) -> int:
    from stunting.compare import headline
    from stunting.config import data_dir

    record = headline(
        args.indicator, args.a, args.b, args.period_a, args.period_b, data_dir=data_dir(args.data_dir)
    ).record(args.lang)
    if args.format == "json":
        json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        row = flat(record)
        writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        # repr keeps every digit of a float, so the CSV reproduces the JSON exactly.
        writer.writerow(
            {k: "" if v is None else (repr(v) if isinstance(v, float) else v) for k, v in row.items()}
        )
    return 0
