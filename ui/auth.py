"""Who is looking, checked on every rerun: a password session (stunting/users.py) or single sign-on.

A password login keeps a random session token in this browser tab's session state (never in the URL
or a cookie); every rerun asks the users database whether it is still live (8 hours idle at most, the
account not disabled), so a revoked account loses its pages at its next click. A reload of the tab
starts a new session: log in again.

Single sign-on (``st.login``, OIDC) is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section.
Its cookie lives 30 days and Streamlit keeps no server-side session, so the identity it vouches for
is checked against the local allow-list (the users database: an enabled account with that e-mail) on
every rerun, and the role comes from a claim of the provider's token (``[stunting_sso]`` in the same
file: ``role_claim``, default ``groups``; ``identity_claim``, default ``email``; and optionally
``role_values``, a table from claim value to role; by default the values are the role names).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from stunting import app_cache
from stunting.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from stunting.users import ROLES, LoginRefused, User, UserDB, auth_mode, role_rank

SESSION_KEY = "_auth_token"
_SSO_SEEN = "_auth_sso_seen"  # the SSO identity whose login is already in the audit log
_NOTICE = "_auth_notice"  # a message for the next run (session expired, not allowed)
SSO_SECTION = "stunting_sso"
DEFAULT_ROLE_CLAIM = "groups"
DEFAULT_IDENTITY_CLAIM = "email"


@dataclass(frozen=True)
class Visitor:
    user: User | None  # None: not logged in
    role: str | None  # the role the pages see; None: logged out where nothing is public
    method: str | None = None  # "password" | "sso"

    @property
    def logged_in(self) -> bool:
        return self.user is not None

    @property
    def name(self) -> str:
        return self.user.name if self.user else "(anonymous)"


def language() -> str:
    chosen = st.session_state.get("view_lang") or st.query_params.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


@st.cache_resource(show_spinner=False)
def _database(folder: str) -> UserDB:
    # UserDB opens a connection per call, so one instance may serve every session's thread.
    return UserDB(folder)


def database() -> UserDB:
    return _database(str(app_cache.data_dir()))


def sso_settings() -> dict | None:
    """The single sign-on settings, or None when secrets.toml has no [auth] section."""
    try:
        # load_if_toml_exists: a probe that never raises nor prints when there is no secrets file.
        if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
            return None
        extra = dict(st.secrets.get(SSO_SECTION, {}))
    except (FileNotFoundError, KeyError):
        return None
    return {
        "role_claim": extra.get("role_claim", DEFAULT_ROLE_CLAIM),
        "identity_claim": extra.get("identity_claim", DEFAULT_IDENTITY_CLAIM),
        "role_values": dict(extra.get("role_values", {role: role for role in ROLES})),
    }


def role_from_claim(value: object, role_values: dict[str, str]) -> str | None:
    """The highest role any of the claim's values maps to (a claim is a string or a list of them)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    roles = [role_values.get(str(v)) for v in values if v is not None]
    roles = [r for r in roles if r in ROLES]
    return max(roles, key=role_rank) if roles else None


def _sso_user(settings: dict) -> User | None:
    if not st.user.get("is_logged_in", False):
        return None
    identity = str(st.user.get(settings["identity_claim"]) or "")
    allowed = database().get(identity) if identity else None
    role = role_from_claim(st.user.get(settings["role_claim"]), settings["role_values"])
    if allowed is None or allowed.disabled or role is None:
        if st.session_state.get(_SSO_SEEN) != ("refused", identity):
            database().audit(
                "(unknown)" if allowed is None else identity,
                "login_failed",
                method="sso",
                reason="not_allowed" if allowed is None or allowed.disabled else "no_role_claim",
            )
            st.session_state[_SSO_SEEN] = ("refused", identity)
        st.session_state[_NOTICE] = "auth.sso_refused"
        return None
    user = User(name=identity, role=role, regencies=allowed.regencies, has_password=False)
    if st.session_state.get(_SSO_SEEN) != ("in", identity):
        database().audit(identity, "login", method="sso", role=role)
        st.session_state[_SSO_SEEN] = ("in", identity)
    return user


def visitor() -> Visitor:
    """Who is looking now (checked against the users database on every call)."""
    mode = auth_mode()
    token = st.session_state.get(SESSION_KEY)
    if token:
        user = database().session(token)
        if user is not None:
            return Visitor(user, user.role, "password")
        del st.session_state[SESSION_KEY]
        st.session_state[_NOTICE] = "auth.session_ended"
    settings = sso_settings()
    if settings is not None:
        user = _sso_user(settings)
        if user is not None:
            return Visitor(user, user.role, "sso")
    return Visitor(None, "viewer" if mode == "viewers-public" else None)


def require(min_role: str) -> Visitor:
    """Call at the top of a page: stop here unless the visitor's role is ``min_role`` or above."""
    current = visitor()
    if role_rank(current.role) < role_rank(min_role):
        st.warning(t("auth.forbidden", language()))
        st.stop()
    return current


def log_in(name: str, password: str) -> str | None:
    """Check a password; on success keep the session and return None, else the message to show."""
    lang = language()
    try:
        _user, token = database().login(name.strip(), password)
    except LoginRefused as refused:
        if refused.reason == "locked":
            return t("auth.locked", lang, minutes=15)
        return t(f"auth.{refused.reason}", lang)
    st.session_state[SESSION_KEY] = token
    st.session_state.pop(_NOTICE, None)
    return None


def log_out(current: Visitor) -> None:
    if current.method == "password":
        database().logout(st.session_state.pop(SESSION_KEY, None))
    elif current.method == "sso":
        database().audit(current.name, "logout", method="sso")
        st.session_state.pop(_SSO_SEEN, None)
        st.logout()


def pop_notice() -> str | None:
    """A message left by the last check (session expired, single sign-on refused), shown once."""
    return st.session_state.pop(_NOTICE, None)


def sidebar_account(current: Visitor) -> None:
    """Who is logged in and a logout button, in the sidebar (nothing for an anonymous viewer)."""
    lang = language()
    notice = pop_notice()
    if notice:
        st.sidebar.info(t(notice, lang))
    if not current.logged_in:
        return
    st.sidebar.caption(t("auth.logged_in_as", lang, name=current.name, role=t(f"role.{current.role}", lang)))
    if st.sidebar.button(t("auth.logout", lang), key="auth_logout"):
        log_out(current)
        st.rerun()
