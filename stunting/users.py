"""Accounts, roles, sessions and the audit log, in one SQLite file in the data dir (``users.sqlite3``).

Offline first: a meeting-room laptop has no identity provider, so the app keeps its own accounts.
Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended set). Five
wrong passwords in a row lock an account for 15 minutes; a session ends after 8 hours without a
request. Session tokens are random and only their SHA-256 is stored, so a copy of the database opens
no session. The audit log records who did what and when (logins, failed logins, imports, undos, user
changes); it never holds a password, a token or anything about a child.

The database runs in WAL mode: the app's readers (every rerun checks its session) do not block the
one writer. No streamlit here: the CLI (``python -m stunting users``) and the app share this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from stunting.config import data_dir as resolve_data_dir
from stunting.errors import UserError

DATABASE = "users.sqlite3"
# Lowest to highest: each role may do what the roles before it may.
ROLES = ("viewer", "data_manager", "admin")
# Five tries cover a typo or a caps-lock; a guesser gets 20 tries an hour, never a dictionary.
MAX_FAILED_LOGINS = 5
LOCKOUT_SECONDS = 15 * 60
# One working day: a laptop left open overnight in a meeting room asks again in the morning.
SESSION_IDLE_SECONDS = 8 * 60 * 60
# Long enough that a guess within the lockout budget is hopeless, short enough to type in a meeting.
MIN_PASSWORD_LENGTH = 10
NAME_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{2,64}$")
REGENCY_PATTERN = re.compile(r"^\d{2}\.\d{2}$")

# Events the audit log knows (tests/test_auth.py checks each one is written where it happens).
EVENTS = (
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "session_expired",
    "import",
    "import_failed",
    "undo",
    "user_add",
    "user_disable",
    "user_enable",
    "user_password",
)

_HASHER = PasswordHasher()  # argon2id
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password and
# the response time does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    regencies TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users(name),
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS import_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    import_id TEXT,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_stored INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    regencies TEXT NOT NULL,
    snapshot_before TEXT,
    snapshot_after TEXT,
    undone_at TEXT,
    undone_by TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
"""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    regencies: tuple[str, ...] = ()
    disabled: bool = False
    has_password: bool = True

    def may(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return role_rank(self.role) >= role_rank(role)

    def may_change(self, regency: str) -> bool:
        """Admins change every regency; a data manager only the regencies assigned to them."""
        if self.role == "admin":
            return True
        return self.role == "data_manager" and regency in self.regencies


class LoginRefused(UserError):
    """A login that did not succeed; ``reason`` is ``invalid``, ``locked`` or ``disabled``."""

    def __init__(self, reason: str, locked_until: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locked_until = locked_until


def role_rank(role: str | None) -> int:
    """-1 for nobody (logged out), 0 viewer, 1 data manager, 2 admin."""
    return ROLES.index(role) if role in ROLES else -1


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    return role


class UserDB:
    """The users database of one data dir. ``clock`` (seconds since the epoch) is for tests."""

    def __init__(self, data_dir=None, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(resolve_data_dir(data_dir)) / DATABASE
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short-lived connection per call: Streamlit reruns on many threads, and a sqlite3
        # connection must not cross threads. busy_timeout lets a reader wait out the writer.
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA foreign_keys=ON")
            db.row_factory = sqlite3.Row
            yield db
        finally:
            db.close()

    # --- accounts -------------------------------------------------------------------------------

    def add(
        self, name: str, role: str, password: str | None, regencies: tuple[str, ...] = (), *, actor: str
    ) -> User:
        """A new account. ``password=None`` makes a single-sign-on account (allow-list entry only)."""
        _check_name(name)
        check_role(role)
        regencies = _check_regencies(role, regencies)
        hashed = _hash(password) if password is not None else None
        with self._connect() as db:
            try:
                db.execute(
                    "INSERT INTO users (name, role, regencies, password_hash, created_at) VALUES (?,?,?,?,?)",
                    (name, role, json.dumps(list(regencies)), hashed, self._now_iso()),
                )
            except sqlite3.IntegrityError:
                raise UserError(f"A user named {name!r} already exists.") from None
        self.audit(actor, "user_add", user=name, role=role, regencies=list(regencies))
        return self.get(name)

    def get(self, name: str) -> User | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def list(self) -> list[User]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM users ORDER BY name").fetchall()
        return [_user(row) for row in rows]

    def set_disabled(self, name: str, disabled: bool = True, *, actor: str) -> None:
        """Disable (or enable) an account; a disabled account's open sessions end at their next request."""
        with self._connect() as db:
            changed = db.execute(
                "UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name)
            ).rowcount
            if disabled:
                db.execute("DELETE FROM sessions WHERE name = ?", (name,))
        if not changed:
            raise UserError(f"There is no user named {name!r}.")
        self.audit(actor, "user_disable" if disabled else "user_enable", user=name)

    def set_password(self, name: str, password: str, *, actor: str) -> None:
        """A new password also lifts a lockout and ends the account's open sessions."""
        hashed = _hash(password)
        with self._connect() as db:
            changed = db.execute(
                "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE name = ?",
                (hashed, name),
            ).rowcount
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
        if not changed:
            raise UserError(f"There is no user named {name!r}.")
        self.audit(actor, "user_password", user=name)

    # --- logging in -----------------------------------------------------------------------------

    def login(self, name: str, password: str) -> tuple[User, str]:
        """Check a password; on success return the user and a new session token.

        Raises LoginRefused: ``locked`` while an account is locked (even with the right password, so
        a guesser learns nothing), ``disabled``, or ``invalid`` (unknown name or wrong password)."""
        now = self.clock()
        with self._connect() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or row["password_hash"] is None:
            _verify(_DUMMY_HASH, password)
            # Not the typed name: it is sometimes the password typed into the wrong field.
            self.audit("(unknown)", "login_failed", reason="unknown_user")
            raise LoginRefused("invalid")
        if row["locked_until"] > now:
            self.audit(name, "login_locked")
            raise LoginRefused("locked", row["locked_until"])
        if not _verify(row["password_hash"], password):
            failed = row["failed_logins"] + 1
            locked_until = now + LOCKOUT_SECONDS if failed >= MAX_FAILED_LOGINS else 0.0
            with self._connect() as db:
                db.execute(
                    "UPDATE users SET failed_logins = ?, locked_until = ? WHERE name = ?",
                    (0 if locked_until else failed, locked_until, name),
                )
            self.audit(name, "login_failed", reason="wrong_password", attempt=failed)
            if locked_until:
                self.audit(name, "login_locked", minutes=LOCKOUT_SECONDS // 60)
                raise LoginRefused("locked", locked_until)
            raise LoginRefused("invalid")
        if row["disabled"]:
            self.audit(name, "login_failed", reason="disabled")
            raise LoginRefused("disabled")
        if _HASHER.check_needs_rehash(row["password_hash"]):
            rehashed = _hash(password)
        else:
            rehashed = row["password_hash"]
        token = secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute(
                "UPDATE users SET failed_logins = 0, locked_until = 0, password_hash = ? WHERE name = ?",
                (rehashed, name),
            )
            db.execute("DELETE FROM sessions WHERE last_seen < ?", (now - SESSION_IDLE_SECONDS,))
            db.execute(
                "INSERT INTO sessions (token_sha256, name, created_at, last_seen) VALUES (?,?,?,?)",
                (_token_key(token), name, now, now),
            )
        self.audit(name, "login", method="password")
        return _user(row), token

    def session(self, token: str | None) -> User | None:
        """The user of a live session, refreshed (role, regencies, disabled) on every call; None when
        the token is unknown, idle for more than SESSION_IDLE_SECONDS, or its account is disabled."""
        if not token:
            return None
        now = self.clock()
        key = _token_key(token)
        with self._connect() as db:
            row = db.execute(
                "SELECT s.last_seen, u.* FROM sessions s JOIN users u ON u.name = s.name "
                "WHERE s.token_sha256 = ?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            if row["last_seen"] < now - SESSION_IDLE_SECONDS or row["disabled"]:
                db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (key,))
                expired = not row["disabled"]
            else:
                db.execute("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", (now, key))
                return _user(row)
        if expired:
            self.audit(row["name"], "session_expired")
        return None

    def logout(self, token: str | None) -> None:
        if not token:
            return
        key = _token_key(token)
        with self._connect() as db:
            row = db.execute("SELECT name FROM sessions WHERE token_sha256 = ?", (key,)).fetchone()
            db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (key,))
        if row:
            self.audit(row["name"], "logout")

    # --- the import history (who imported which file, and the snapshot before it, for undo) ----------

    def record_import(
        self,
        *,
        actor: str,
        kind: str,
        import_id: str | None,
        file_name: str,
        sha256: str,
        rows_read: int,
        rows_stored: int,
        rows_rejected: int,
        regencies: list[str],
        snapshot_before: str | None,
        snapshot_after: str | None,
    ) -> str:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO import_history (at, actor, kind, import_id, file_name, sha256, rows_read, "
                "rows_stored, rows_rejected, regencies, snapshot_before, snapshot_after) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (self._now_iso(), actor, kind, import_id, file_name, sha256, rows_read, rows_stored,
                 rows_rejected, json.dumps(list(regencies)), snapshot_before, snapshot_after),
            )  # fmt: skip
        return str(cursor.lastrowid)

    def import_entry(self, history_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM import_history WHERE id = ?", (int(history_id),)).fetchone()
        return _history(row) if row else None

    def import_history(self, kind: str | None = None, limit: int = 100) -> list[dict]:
        """Newest first."""
        query, params = "SELECT * FROM import_history", ()
        if kind is not None:
            query, params = query + " WHERE kind = ?", (kind,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
        return [_history(row) for row in rows]

    def retarget_snapshot(self, kinds: list[str], old: str, new: str | None) -> None:
        """Imports (of ``kinds``) whose result was snapshot ``old`` now have ``new``, an identical copy."""
        marks = ",".join("?" * len(kinds))
        with self._connect() as db:
            db.execute(
                "UPDATE import_history SET snapshot_after = ? "
                f"WHERE snapshot_after = ? AND kind IN ({marks})",  # marks: one ? per kind, all bound
                (new, old, *kinds),
            )

    def mark_undone(self, history_id: str, *, actor: str) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE import_history SET undone_at = ?, undone_by = ? WHERE id = ?",
                (self._now_iso(), actor, int(history_id)),
            )

    # --- the audit log --------------------------------------------------------------------------

    def audit(self, actor: str, event: str, **detail: object) -> None:
        """One line of the audit log. ``detail`` holds codes, counts, file names and hashes only."""
        if event not in EVENTS:
            raise ValueError(f"unknown audit event {event!r}")
        forbidden = {"password", "token", "nik", "name_of_child"} & set(detail)
        if forbidden:
            raise ValueError(f"the audit log never holds {sorted(forbidden)}")
        with self._connect() as db:
            db.execute(
                "INSERT INTO audit (at, actor, event, detail) VALUES (?,?,?,?)",
                (self._now_iso(), actor, event, json.dumps(detail, ensure_ascii=False, sort_keys=True)),
            )

    def audit_log(self, limit: int = 200, event: str | None = None) -> list[dict]:
        """Newest first: dicts with at, actor, event, detail (a dict)."""
        query = "SELECT at, actor, event, detail FROM audit"
        params: tuple = ()
        if event is not None:
            query += " WHERE event = ?"
            params = (event,)
        query += " ORDER BY id DESC LIMIT ?"
        with self._connect() as db:
            rows = db.execute(query, (*params, limit)).fetchall()
        return [dict(row) | {"detail": json.loads(row["detail"])} for row in rows]

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")


def _user(row: sqlite3.Row) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        regencies=tuple(json.loads(row["regencies"])),
        disabled=bool(row["disabled"]),
        has_password=row["password_hash"] is not None,
    )


def _history(row: sqlite3.Row) -> dict:
    return dict(row) | {"id": str(row["id"]), "regencies": json.loads(row["regencies"])}


def _check_name(name: str) -> None:
    if not NAME_PATTERN.match(name or ""):
        raise UserError(
            f"{name!r} is not a valid user name: use 2-64 letters, digits or . _ @ + - (no spaces)."
        )


def _check_regencies(role: str, regencies) -> tuple[str, ...]:
    regencies = tuple(dict.fromkeys(regencies or ()))
    for code in regencies:
        if not REGENCY_PATTERN.match(code):
            raise UserError(f"{code!r} is not a regency code like 64.02.")
    if role == "data_manager" and not regencies:
        raise UserError("A data_manager needs at least one --regency CODE (the regencies they may change).")
    return regencies


def _hash(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters.")
    return _HASHER.hash(password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- who may view without logging in -----------------------------------------------------------

AUTH_ENV = "STUNTING_AUTH"
# viewers-public: anyone in the room views, a login is asked only to change data (a meeting room's
# laptop on a projector). required: every page asks for a login first (a server on an office network).
AUTH_MODES = ("viewers-public", "required")


def auth_mode(value: str | None = None) -> str:
    """``$STUNTING_AUTH`` checked: a mistyped value is an error, never a silent fall back to public."""
    chosen = (value if value is not None else os.environ.get(AUTH_ENV, "")).strip() or AUTH_MODES[0]
    if chosen not in AUTH_MODES:
        raise UserError(f"{AUTH_ENV}={chosen!r} is not a setting: use one of {', '.join(AUTH_MODES)}.")
    return chosen
