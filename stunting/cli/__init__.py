"""The command line: ``python -m stunting COMMAND ...``.

Each module in COMMAND_MODULES adds its sub-commands with ``register(subparsers)`` and sets
``run=`` on each parser; heavy imports happen inside the run functions so ``--help`` is instant.
A ``UserError`` becomes one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from stunting.errors import UserError

COMMAND_MODULES = (
    "stunting.cli.areas",  # areas
    "stunting.cli.boundaries",  # boundaries fetch | import | export | list
    "stunting.cli.ingest",  # ingest FILE...
    "stunting.cli.demo",  # demo
    "stunting.cli.prevalence",  # prevalence
    "stunting.cli.compare",  # compare
    "stunting.cli.story",  # story export
    "stunting.cli.quality",  # quality | quality-targets | quality-report
    "stunting.cli.users",  # users add | list | disable | enable | set-password
    "stunting.cli.programmes",  # programmes import | template | list
    "stunting.cli.evaluate",  # evaluate
    "stunting.cli.serve",  # serve --processes N
)


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """The ``--data-dir`` option every command shares (default: $STUNTING_DATA_DIR or data/)."""
    parser.add_argument(
        "--data-dir",
        default=None,
        help="data folder (default: $STUNTING_DATA_DIR, else data/ in the repository)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stunting",
        description="Peta Stunting: boundaries, e-PPGBM measurements and prevalence from the command line.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was changed.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `... | head` closed the pipe: the reader has what it wanted. Point stdout at devnull so
        # the interpreter's final flush does not print a second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
