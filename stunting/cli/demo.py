"""``python -m stunting demo [--data-dir DIR] [--seed N] [--remove]``: build (or remove) the demo store."""

from __future__ import annotations

import argparse
import sys

from stunting.cli import add_data_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "demo",
        help="build the synthetic demo data (data contoh (sintetis)) for Kalimantan Timur: Kukar and "
        "Bontang child by child, village counts for its other eight regencies (1,038 villages)",
        description="Write a synthetic e-PPGBM export (February and August 2019-2025, about 75,000 "
        "children per weighing month) and import it through the same pipeline as a real export. "
        "Every page labels it 'data contoh (sintetis)'. Refuses a store that holds real imports. "
        "With --remove, empties a store that holds the demo, so real exports can be imported into it.",
    )
    add_data_dir(parser)
    parser.add_argument(
        "--remove",
        action="store_true",
        help="empty the store of the synthetic demo (refused when it holds real imports)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed; the same seed gives the same data (default 2024)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stunting.config import data_dir
    from stunting.demo import DEFAULT_SEED, DEMO_LABEL, build_demo

    if args.remove:
        from stunting import store

        folder = data_dir(args.data_dir)
        removed = store.remove_demo(folder)
        print(
            f"{DEMO_LABEL}: removed ({removed} import(s)); the store in {folder} is empty. Load real "
            f"data with: python -m stunting ingest FILE --data-dir {folder}"
        )
        return 0

    def progress(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%} {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    seed = DEFAULT_SEED if args.seed is None else args.seed
    summary = build_demo(
        data_dir(args.data_dir), seed=seed, progress=progress if sys.stderr.isatty() else None
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    already = sum(1 for s in summary.imports if s.already_imported_on)
    print(
        f"{DEMO_LABEL}: {summary.rows:,} measurements of {summary.children:,} children in {summary.files} "
        f"files (seed {summary.seed}); {summary.rows_stored:,} stored, {summary.rows_rejected:,} rejected"
        + (f", {already} file(s) already imported" if already else "")
        + f"; village counts for {summary.aggregate_villages:,} more villages ({summary.aggregate_rows:,} "
        "village-months) of Kalimantan Timur's other eight regencies."
    )
    print(
        f"generated in {summary.generate_seconds:.1f} s, imported in {summary.ingest_seconds:.1f} s "
        f"into {summary.data_dir}"
    )
    return 0
