"""``python -m stunting users add|list|disable|enable|set-password``: the app's accounts (stunting/users.py).

Passwords come only from standard input (``--password-stdin``), never from an argument: arguments
end up in the shell history and in ``ps`` for every user of the machine to read.
"""

from __future__ import annotations

import argparse
import sys

from stunting.cli import add_data_dir

# The CLI is run by whoever administers the machine; the audit log names it so.
CLI_ACTOR = "(cli)"


def register(commands) -> None:
    parser = commands.add_parser(
        "users",
        help="manage the app's accounts (add, list, disable, set-password)",
        description="Accounts for the app's login: roles viewer, data_manager (per regency) and admin.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("viewer", "data_manager", "admin"))
    add.add_argument(
        "--regency", action="append", default=[], metavar="CODE", help="a regency they may change (repeat)"
    )
    secret = add.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    secret.add_argument(
        "--sso", action="store_true", help="no password: allow this e-mail to log in by single sign-on"
    )
    add_data_dir(add)
    add.set_defaults(run=run_add)

    listing = actions.add_parser("list", help="list the accounts")
    add_data_dir(listing)
    listing.set_defaults(run=run_list)

    for action, helptext, runner in (
        ("disable", "disable an account (its open sessions end)", run_disable),
        ("enable", "enable a disabled account", run_enable),
    ):
        sub = actions.add_parser(action, help=helptext)
        sub.add_argument("name")
        add_data_dir(sub)
        sub.set_defaults(run=runner)

    password = actions.add_parser("set-password", help="set a new password (lifts a lockout)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", required=True)
    add_data_dir(password)
    password.set_defaults(run=run_set_password)


def _password_from_stdin() -> str:
    # One line: `echo secret | ...` and a typed line both work; the newline is not part of it.
    return sys.stdin.readline().rstrip("\r\n")


def _db(args):
    from stunting.users import UserDB

    return UserDB(args.data_dir)


def run_add(args: argparse.Namespace) -> int:
    password = None if args.sso else _password_from_stdin()
    user = _db(args).add(args.name, args.role, password, tuple(args.regency), actor=CLI_ACTOR)
    print(f"added {user.name} ({user.role}{_regencies(user)})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    users = _db(args).list()
    if not users:
        print("no accounts yet: `python -m stunting users add NAME --role ROLE --password-stdin` adds one")
    for user in users:
        state = " [disabled]" if user.disabled else ""
        login = "password" if user.has_password else "single sign-on"
        print(f"{user.name}\t{user.role}{_regencies(user)}\t{login}{state}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    _db(args).set_disabled(args.name, True, actor=CLI_ACTOR)
    print(f"disabled {args.name}")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    _db(args).set_disabled(args.name, False, actor=CLI_ACTOR)
    print(f"enabled {args.name}")
    return 0


def run_set_password(args: argparse.Namespace) -> int:
    _db(args).set_password(args.name, _password_from_stdin(), actor=CLI_ACTOR)
    print(f"new password set for {args.name}")
    return 0


def _regencies(user) -> str:
    return f" {' '.join(user.regencies)}" if user.regencies else ""
