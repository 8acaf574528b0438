"""Accounts (stunting/users.py) and the `users` command: argon2id hashes, lockout, idle sessions, the
audit log, and that no password or token is ever written where it could be read back."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from argon2.low_level import Type, verify_secret

from stunting.cli import main
from stunting.errors import UserError
from stunting.users import (
    LOCKOUT_SECONDS,
    MAX_FAILED_LOGINS,
    SESSION_IDLE_SECONDS,
    LoginRefused,
    UserDB,
)

PASSWORD = "kata-sandi-rahasia-1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def db(tmp_path, clock):
    users = UserDB(tmp_path, clock=clock)
    users.add("ani", "data_manager", PASSWORD, ("64.02",), actor="test")
    return users


def _raw_dump(folder) -> str:
    """Every byte of the database files, as text: what someone with a copy of the data dir reads."""
    return "".join(p.read_bytes().decode("latin-1") for p in folder.glob("users.sqlite3*"))


def test_password_is_stored_as_an_argon2id_hash_that_argon2_itself_verifies(db, tmp_path):
    with sqlite3.connect(tmp_path / "users.sqlite3") as raw:
        (hashed,) = raw.execute("SELECT password_hash FROM users WHERE name='ani'").fetchone()
    assert hashed.startswith("$argon2id$")
    assert verify_secret(hashed.encode(), PASSWORD.encode(), Type.ID)
    with sqlite3.connect(tmp_path / "users.sqlite3") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_login_gives_a_session_that_expires_after_eight_idle_hours(db, clock):
    user, token = db.login("ani", PASSWORD)
    assert (user.name, user.role, user.regencies) == ("ani", "data_manager", ("64.02",))
    clock.now += SESSION_IDLE_SECONDS - 60
    assert db.session(token).name == "ani"  # a request refreshes the idle timer
    clock.now += SESSION_IDLE_SECONDS - 60
    assert db.session(token).name == "ani"
    clock.now += SESSION_IDLE_SECONDS + 1
    assert db.session(token) is None
    assert db.session(token) is None  # gone for good, not just this once
    assert db.audit_log(event="session_expired")[0]["actor"] == "ani"


def test_five_wrong_passwords_lock_for_fifteen_minutes_even_against_the_right_one(db, clock):
    for attempt in range(1, MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused) as refused:
            db.login("ani", f"wrong-{attempt}")
        assert refused.value.reason == "invalid"
    with pytest.raises(LoginRefused) as refused:
        db.login("ani", "wrong-5")
    assert refused.value.reason == "locked"
    assert refused.value.locked_until == clock.now + 15 * 60
    clock.now += LOCKOUT_SECONDS - 1
    with pytest.raises(LoginRefused) as refused:
        db.login("ani", PASSWORD)
    assert refused.value.reason == "locked"
    clock.now += 2
    assert db.login("ani", PASSWORD)[0].name == "ani"


def test_a_good_login_resets_the_count_of_failures(db):
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused):
            db.login("ani", "wrong")
    db.login("ani", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused):
            db.login("ani", "wrong")
    assert db.login("ani", PASSWORD)[0].name == "ani"


def test_unknown_name_and_wrong_password_are_refused_alike(db):
    with pytest.raises(LoginRefused) as unknown:
        db.login("nobody", PASSWORD)
    with pytest.raises(LoginRefused) as wrong:
        db.login("ani", "not-the-password")
    assert unknown.value.reason == wrong.value.reason == "invalid"
    assert str(unknown.value) == str(wrong.value)


def test_disabling_ends_open_sessions_and_refuses_logins(db):
    _, token = db.login("ani", PASSWORD)
    db.set_disabled("ani", actor="admin")
    assert db.session(token) is None
    with pytest.raises(LoginRefused) as refused:
        db.login("ani", PASSWORD)
    assert refused.value.reason == "disabled"


def test_new_password_lifts_a_lockout_and_ends_sessions(db):
    _, token = db.login("ani", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            db.login("ani", "wrong")
    db.set_password("ani", "another-good-password", actor="admin")
    assert db.session(token) is None
    with pytest.raises(LoginRefused):
        db.login("ani", PASSWORD)
    assert db.login("ani", "another-good-password")[0].name == "ani"


def test_roles_and_regency_rights(db):
    db.add("root", "admin", "admin-password-1", actor="test")
    db.add("tamu", "viewer", "viewer-password-1", actor="test")
    ani, root, tamu = db.get("ani"), db.get("root"), db.get("tamu")
    assert ani.may("viewer") and ani.may("data_manager") and not ani.may("admin")
    assert root.may("admin") and not tamu.may("data_manager")
    assert ani.may_change("64.02") and not ani.may_change("64.74")
    assert root.may_change("64.74") and not tamu.may_change("64.02")


@pytest.mark.parametrize(
    ("name", "role", "password", "regencies", "words"),
    [
        ("ani", "viewer", "long-enough-pw", (), "already exists"),
        ("a b", "viewer", "long-enough-pw", (), "not a valid user name"),
        ("budi", "boss", "long-enough-pw", (), "Unknown role"),
        ("budi", "viewer", "short", (), "too short"),
        ("budi", "data_manager", "long-enough-pw", (), "at least one --regency"),
        ("budi", "data_manager", "long-enough-pw", ("6402",), "not a regency code"),
    ],
)
def test_bad_accounts_are_refused_in_one_sentence(db, name, role, password, regencies, words):
    with pytest.raises(UserError, match=words):
        db.add(name, role, password, regencies, actor="test")


def test_audit_log_records_each_event_without_passwords_or_tokens(db, tmp_path):
    _, token = db.login("ani", PASSWORD)
    with pytest.raises(LoginRefused):
        db.login("ani", "wrong-password-typed")
    with pytest.raises(LoginRefused):
        db.login(PASSWORD + "x", PASSWORD)  # a password typed into the name field
    db.logout(token)
    db.set_password("ani", "another-good-password", actor="root")
    db.set_disabled("ani", actor="root")
    events = [(row["actor"], row["event"]) for row in reversed(db.audit_log())]
    assert events == [
        ("test", "user_add"),
        ("ani", "login"),
        ("ani", "login_failed"),
        ("(unknown)", "login_failed"),
        ("ani", "logout"),
        ("root", "user_password"),
        ("root", "user_disable"),
    ]
    dump = _raw_dump(tmp_path)
    for secret in (PASSWORD, "wrong-password-typed", "another-good-password", token):
        assert secret not in dump
    with pytest.raises(ValueError):
        db.audit("ani", "login", password="x")


def _cli(argv, stdin: str = "", monkeypatch=None):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def test_users_command_adds_lists_disables_and_sets_passwords(tmp_path, monkeypatch, capsys):
    d = ["--data-dir", str(tmp_path)]
    assert _cli(["users", "add", "ani", "--role", "data_manager", "--regency", "64.02", "--regency", "64.74",
                 "--password-stdin", *d], PASSWORD + "\n", monkeypatch) == 0  # fmt: skip
    assert _cli(["users", "add", "budi@dinkes.go.id", "--role", "viewer", "--sso", *d], "", monkeypatch) == 0
    assert _cli(["users", "list", *d], "", monkeypatch) == 0
    listing = capsys.readouterr().out
    assert "ani\tdata_manager 64.02 64.74\tpassword" in listing
    assert "budi@dinkes.go.id\tviewer\tsingle sign-on" in listing
    assert UserDB(tmp_path).login("ani", PASSWORD)[0].regencies == ("64.02", "64.74")

    new = "new-password-123\n"
    assert _cli(["users", "set-password", "ani", "--password-stdin", *d], new, monkeypatch) == 0
    assert UserDB(tmp_path).login("ani", "new-password-123")[0].name == "ani"
    assert _cli(["users", "disable", "ani", *d], "", monkeypatch) == 0
    assert _cli(["users", "list", *d], "", monkeypatch) == 0
    assert "[disabled]" in capsys.readouterr().out
    assert _cli(["users", "disable", "nobody", *d], "", monkeypatch) == 1
    assert "no user named 'nobody'" in capsys.readouterr().err
    actors = {row["actor"] for row in UserDB(tmp_path).audit_log(event="user_add")}
    assert actors == {"(cli)"}
    assert PASSWORD not in _raw_dump(tmp_path) and "new-password-123" not in _raw_dump(tmp_path)


def test_the_password_is_never_an_argument(tmp_path):
    from stunting.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["users", "add", "ani", "--role", "viewer", "--password", "x"])
    details = json.dumps([row["detail"] for row in UserDB(tmp_path).audit_log()])
    assert "password" not in details.replace("user_password", "")
