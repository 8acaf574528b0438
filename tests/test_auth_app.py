"""Pages by role, in-process (AppTest): every page x every role (and logged out, in both settings of
STUNTING_AUTH). An allowed page renders; a forbidden one is absent from the navigation, so
``switch_page`` cannot reach it; a revoked account loses its pages at the next rerun; single sign-on
takes its role from the token's claim and is checked against the local allow-list on every rerun."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from stunting.config import REPO_ROOT
from stunting.users import UserDB
from ui.pages_registry import PAGES, allowed

APP = str(REPO_ROOT / "app.py")
PASSWORDS = {"viewer": "viewer-password-1", "data_manager": "manager-password-1", "admin": "admin-password-1"}
# What a page shows first when it runs (the login page forwards a logged-in visitor on).
HEADINGS = {
    "pages/map.py": "### Peta Stunting (pendek)",
    "pages/data.py": "### Kelola data",
    "pages/users.py": "### Pengguna",
    "pages/login.py": "### Masuk",
}
# Who is looking: (STUNTING_AUTH, role logged in as or None).
VISITORS = {
    "anonymous, viewers-public": ("viewers-public", None),
    "anonymous, required": ("required", None),
    "viewer": ("viewers-public", "viewer"),
    "data_manager": ("viewers-public", "data_manager"),
    "admin": ("required", "admin"),
}


@pytest.fixture
def users(demo_dir) -> UserDB:
    """Accounts in the shared demo dir (its users file only; the store stays untouched)."""
    db = UserDB(demo_dir)
    for role, password in PASSWORDS.items():
        if db.get(f"test-{role}") is None:
            db.add(f"test-{role}", role, password, ("64.02",) if role == "data_manager" else (), actor="test")
    return db


def _app(monkeypatch, demo_dir, users, mode: str, role: str | None) -> AppTest:
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("STUNTING_AUTH", mode)
    at = AppTest.from_file(APP, default_timeout=120)
    if role is not None:
        _user, token = users.login(f"test-{role}", PASSWORDS[role])
        at.session_state["_auth_token"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _headings(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("### ")]


@pytest.mark.parametrize("who", list(VISITORS))
def test_every_page_for_every_role(who, monkeypatch, demo_dir, users):
    mode, role = VISITORS[who]
    at = _app(monkeypatch, demo_dir, users, mode, role)
    effective = role or ("viewer" if mode == "viewers-public" else None)
    landing = next(p for p in PAGES if allowed(p, effective, role is not None))
    if landing.path in HEADINGS:
        assert HEADINGS[landing.path] in _headings(at)
    for page in PAGES:
        if allowed(page, effective, role is not None):
            at.switch_page(page.path)
            at.run()
            assert not at.exception, (page.path, [e.value for e in at.exception])
            assert not [w for w in at.warning if "hak akses" in w.value], page.path
            if page.path in HEADINGS and not page.logged_out_only:
                assert HEADINGS[page.path] in _headings(at), page.path
        elif page.logged_out_only:
            # Logged in: the login page only forwards on (never shows a form).
            at.switch_page(page.path)
            at.run()
            assert not at.text_input, page.path
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(page.path)


def test_the_matrix_itself(users):
    """The roles the registry grants, written out by hand (the test above follows the registry)."""
    table = {
        (page.path, who): allowed(
            page, role or ("viewer" if mode == "viewers-public" else None), role is not None
        )
        for page in PAGES
        for who, (mode, role) in VISITORS.items()
    }
    assert [who for who in VISITORS if table[("pages/map.py", who)]] == [
        "anonymous, viewers-public", "viewer", "data_manager", "admin"]  # fmt: skip
    assert [who for who in VISITORS if table[("pages/data.py", who)]] == ["data_manager", "admin"]
    assert [who for who in VISITORS if table[("pages/users.py", who)]] == ["admin"]
    assert [who for who in VISITORS if table[("pages/login.py", who)]] == [
        "anonymous, viewers-public", "anonymous, required"]  # fmt: skip


def test_required_shows_only_the_login_form(monkeypatch, demo_dir, users):
    at = _app(monkeypatch, demo_dir, users, "required", None)
    assert _headings(at) == ["### Masuk"]
    with pytest.raises(ValueError):
        at.switch_page("pages/map.py")


def _login_form(monkeypatch, demo_dir, name: str, password: str) -> AppTest:
    # The page on its own: through app.py AppTest reruns once per run (ui/navigation.through_app),
    # which drops a form's submit; the browser test logs in through the whole app.
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    at = AppTest.from_file(str(REPO_ROOT / "pages" / "login.py"), default_timeout=120)
    at.run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_login_form_opens_a_session_that_the_app_then_honours(monkeypatch, demo_dir, users):
    at = _login_form(monkeypatch, demo_dir, "test-data_manager", PASSWORDS["data_manager"])
    assert [s.value for s in at.success] == ["Berhasil masuk sebagai test-data_manager."]
    token = at.session_state["_auth_token"]
    assert users.session(token).name == "test-data_manager"
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_auth_token"] = token
    app.run()
    app.switch_page("pages/data.py")
    app.run()
    assert "### Kelola data" in _headings(app)
    assert "Masuk sebagai test-data_manager (pengelola data)" in [c.value for c in app.sidebar.caption]


def test_a_wrong_password_says_so_and_shows_nothing_of_it(monkeypatch, demo_dir, users):
    at = _login_form(monkeypatch, demo_dir, "test-viewer", "not-my-password-at-all")
    assert [e.value for e in at.error] == ["Nama pengguna atau kata sandi salah."]
    assert "_auth_token" not in at.session_state
    shown = " ".join(str(element.value) for element in [*at.markdown, *at.error, *at.caption])
    assert "not-my-password-at-all" not in shown


def test_five_wrong_passwords_lock_the_form(monkeypatch, demo_dir, users):
    users.add("test-locked", "viewer", "locked-password-1", actor="test")
    for attempt in range(4):
        at = _login_form(monkeypatch, demo_dir, "test-locked", f"wrong-{attempt}")
        assert [e.value for e in at.error] == ["Nama pengguna atau kata sandi salah."]
    for password in ("wrong-4", "locked-password-1"):
        at = _login_form(monkeypatch, demo_dir, "test-locked", password)
        assert [e.value for e in at.error] == [
            "Akun ini terkunci 15 menit setelah 5 kali kata sandi salah; coba lagi nanti."
        ]


def test_a_disabled_account_loses_its_pages_at_the_next_rerun(monkeypatch, demo_dir, users):
    users.add("test-revoked", "data_manager", "revoked-password-1", ("64.02",), actor="test")
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("STUNTING_AUTH", "viewers-public")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_auth_token"] = users.login("test-revoked", "revoked-password-1")[1]
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert "### Kelola data" in _headings(at)
    users.set_disabled("test-revoked", actor="test")
    at.run()  # the stale tab's next click
    assert not at.exception
    assert "### Kelola data" not in _headings(at)
    with pytest.raises(ValueError):
        at.switch_page("pages/data.py")


def test_a_mistyped_setting_is_one_sentence_and_no_page(monkeypatch, demo_dir):
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("STUNTING_AUTH", "viewers-publik")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert [e.value for e in at.error] == [
        "STUNTING_AUTH='viewers-publik' is not a setting: use one of viewers-public, required."
    ]
    assert _headings(at) == []


SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "peta",
        "client_secret": "peta-secret",
        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
    },
    "stunting_sso": {
        "role_claim": "groups",
        "role_values": {"dinkes-data": "data_manager", "tamu": "viewer"},
    },
}


def _sso_app(monkeypatch, demo_dir, claims: dict) -> AppTest:
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    monkeypatch.setenv("STUNTING_AUTH", "required")
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": True, **claims}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_single_sign_on_role_comes_from_the_claim_and_the_allow_list_decides(monkeypatch, demo_dir, users):
    if users.get("sso-ani@dinkes.go.id") is None:
        users.add("sso-ani@dinkes.go.id", "viewer", None, ("64.02",), actor="test")
    at = _sso_app(monkeypatch, demo_dir, {"email": "sso-ani@dinkes.go.id", "groups": ["staf", "dinkes-data"]})
    at.switch_page("pages/data.py")
    at.run()
    assert "### Kelola data" in _headings(at)
    assert "Masuk sebagai sso-ani@dinkes.go.id (pengelola data)" in [c.value for c in at.sidebar.caption]
    with pytest.raises(ValueError):
        at.switch_page("pages/users.py")

    # Revoked locally: the provider's cookie still says logged in, the app no longer lets them in.
    users.set_disabled("sso-ani@dinkes.go.id", actor="test")
    at.run()
    assert _headings(at) == ["### Masuk"]
    assert any("belum diizinkan" in i.value for i in at.sidebar.info)
    users.set_disabled("sso-ani@dinkes.go.id", False, actor="test")


def test_single_sign_on_outside_the_allow_list_or_without_a_role_gets_nothing(monkeypatch, demo_dir, users):
    at = _sso_app(monkeypatch, demo_dir, {"email": "stranger@example.org", "groups": ["dinkes-data"]})
    assert _headings(at) == ["### Masuk"]
    if users.get("sso-tamu@dinkes.go.id") is None:
        users.add("sso-tamu@dinkes.go.id", "viewer", None, actor="test")
    at = _sso_app(monkeypatch, demo_dir, {"email": "sso-tamu@dinkes.go.id", "groups": ["unknown-group"]})
    assert _headings(at) == ["### Masuk"]
    at = _sso_app(monkeypatch, demo_dir, {"email": "sso-tamu@dinkes.go.id", "groups": "tamu"})
    assert "### Peta Stunting (pendek)" in _headings(at)
    with pytest.raises(ValueError):
        at.switch_page("pages/data.py")


def test_an_emptied_store_stops_viewers_but_lets_a_data_manager_reach_the_data_page(monkeypatch, tmp_path):
    from stunting import store
    from stunting.demo import build_demo

    folder = tmp_path / "data"
    build_demo(folder, scale=0.005)
    store.remove_demo(folder)
    users = UserDB(folder)
    users.add("pengelola", "data_manager", PASSWORDS["data_manager"], ("64.02",), actor="test")
    monkeypatch.setenv("STUNTING_DATA_DIR", str(folder))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and _headings(at) == []
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_auth_token"] = users.login("pengelola", PASSWORDS["data_manager"])[1]
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "### Kelola data" in _headings(at)
