"""Login, roles and the data page in a real browser (Debian's chromium, every outside request blocked)
against `streamlit run app.py`: a viewer has no "Kelola data" and /data by URL shows the map; a data
manager uploads an e-PPGBM export, sees the preview, saves, sees the summary, downloads the rejects
CSV and undoes the import, and the map is as before; five wrong passwords lock an account; a single
sign-on login against a local OpenID provider (oidc-provider-mock) takes its role from a claim. No
password or session token appears in the server's log or on a page."""

from __future__ import annotations

import json
import re
import urllib.request

import pandas as pd
import pytest
from browser import free_port, offline_page, streamlit_app
from test_data_page import build_real_store

from stunting.config import REPO_ROOT
from stunting.users import UserDB

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPORT = REPO_ROOT / "tests" / "data" / "eppgbm" / "export.csv"
EXPECTED_REJECTS = pd.read_csv(REPO_ROOT / "tests" / "data" / "eppgbm" / "expected_rejects.csv", dtype=str)
VIEWER_PASSWORD = "viewer-password-1"
MANAGER_PASSWORD = "manager-password-1"
# Generous: a cold streamlit start and the first map build on 2 shared cores.
TIMEOUT_MS = 90_000


def _log_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Nama pengguna").fill(name)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def _nav_links(page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def _kpis(page) -> list[str]:
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=TIMEOUT_MS)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=TIMEOUT_MS)
    return page.locator('[data-testid="stMetricValue"]').all_inner_texts()


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    build_real_store(folder)
    db = UserDB(folder)
    db.add("tamu", "viewer", VIEWER_PASSWORD, actor="test")
    db.add("ani", "data_manager", MANAGER_PASSWORD, ("64.02", "64.74"), actor="test")
    return folder


def test_roles_upload_preview_save_rejects_undo_and_lockout(data_dir, chromium_executable, tmp_path):
    log = tmp_path / "streamlit.log"
    with (
        streamlit_app(data_dir, log=log) as url,
        offline_page(chromium_executable, accept_downloads=True) as (page, left_the_machine),
    ):
        page.set_default_timeout(TIMEOUT_MS)

        # A viewer: logged in, the map, no "Kelola data"; /data typed by hand shows the map.
        _log_in(page, url, "tamu", VIEWER_PASSWORD)
        page.get_by_text("Masuk sebagai tamu (pemirsa)").wait_for()
        page.get_by_text("Peta Stunting (pendek)").first.wait_for()
        assert "Kelola data" not in _nav_links(page)
        page.goto(url + "/data")
        page.get_by_text("Peta Stunting (pendek)").first.wait_for()
        assert page.get_by_text("Kelola data").count() == 0

        # A data manager: the map's numbers first, to compare after the undo.
        page.goto(url + "/?regency=64.02&period=2024-08")
        before = _kpis(page)
        _log_in(page, url, "ani", MANAGER_PASSWORD)
        page.get_by_role("heading", name="Kelola data").wait_for()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(EXPORT))
        page.get_by_text("Pratinjau (belum disimpan)").wait_for()
        rejected = page.locator('[data-testid="stMetric"]', has_text="Ditolak")
        rejected.wait_for()
        assert rejected.locator('[data-testid="stMetricValue"]').inner_text().strip() == str(
            len(EXPECTED_REJECTS)
        )
        page.get_by_role("button", name="Simpan").click()
        page.get_by_text(
            re.compile(r"Tersimpan: export\.csv — .* baris baru atau berubah, 14 ditolak")
        ).wait_for()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Unduh laporan baris ditolak (CSV)").click()
        rejects = pd.read_csv(download_info.value.path(), dtype=str, encoding="utf-8-sig")
        assert list(rejects.columns) == ["baris", "baris_berkas", "kolom", "kode_alasan", "alasan"]
        assert sorted(rejects["kode_alasan"]) == sorted(EXPECTED_REJECTS["reason_code"])
        assert "Anak Fiktif" not in rejects.to_csv()

        page.get_by_role("button", name=re.compile("Batalkan impor terakhir: export.csv")).click()
        page.get_by_text("Impor export.csv dibatalkan; data kembali seperti sebelumnya.").wait_for()
        page.locator('[data-testid="stSidebarNav"] a', has_text="Peta").click()
        page.get_by_text("Peta Stunting (pendek)").first.wait_for()
        assert _kpis(page) == before

        # Five wrong passwords lock the account, even against the right one.
        for attempt in range(5):
            _log_in(page, url, "tamu", f"wrong-password-{attempt}")
            page.locator('[data-testid="stAlertContentError"]').wait_for()
        _log_in(page, url, "tamu", VIEWER_PASSWORD)
        page.get_by_text("Akun ini terkunci 15 menit setelah 5 kali kata sandi salah").wait_for()
        body = page.content()
    assert left_the_machine == []
    server_log = log.read_text(encoding="utf-8", errors="replace")
    for secret in (VIEWER_PASSWORD, MANAGER_PASSWORD, "wrong-password-"):
        assert secret not in server_log and secret not in body
    events = [row["event"] for row in UserDB(data_dir).audit_log(limit=100)]
    assert {"login", "login_failed", "login_locked", "import", "undo"} <= set(events)


def test_single_sign_on_role_comes_from_the_providers_claim(data_dir, chromium_executable, tmp_path):
    from oidc_provider_mock import run_server_in_thread

    UserDB(data_dir).add("sso-ani@dinkes.go.id", "viewer", None, ("64.02",), actor="test")
    port = free_port()
    with run_server_in_thread() as provider:
        issuer = f"http://127.0.0.1:{provider.server_port}"
        request = urllib.request.Request(
            f"{issuer}/users/sso-ani",
            data=json.dumps({"email": "sso-ani@dinkes.go.id", "groups": ["staf", "dinkes-data"]}).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        urllib.request.urlopen(request, timeout=10).close()
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-enough-length"
client_id = "peta-stunting"
client_secret = "peta-stunting-secret"
server_metadata_url = "{issuer}/.well-known/openid-configuration"

[stunting_sso]
role_claim = "groups"
role_values = {{ "dinkes-data" = "data_manager", "tamu" = "viewer" }}
""",
            encoding="utf-8",
        )
        log = tmp_path / "streamlit.log"
        with (
            streamlit_app(data_dir, port=port, args=("--secrets.files", str(secrets)), log=log) as url,
            offline_page(chromium_executable, accept_downloads=True) as (page, left_the_machine),
        ):
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url + "/login")
            page.get_by_role("button", name="Masuk dengan akun kantor (SSO)").click()
            page.locator('input[name="sub"]').fill("sso-ani")
            page.get_by_role("button", name="Authorize").click()
            page.get_by_text("Masuk sebagai sso-ani@dinkes.go.id (pengelola data)").wait_for()
            assert "Kelola data" in _nav_links(page)
            assert "Pengguna" not in _nav_links(page)

            # Revoked here, still logged in at the provider: the next rerun has no data page.
            UserDB(data_dir).set_disabled("sso-ani@dinkes.go.id", actor="test")
            page.reload()
            page.get_by_text("belum diizinkan").first.wait_for()
            assert "Kelola data" not in _nav_links(page)
    # The mock provider's own login form (not the app) links Pico CSS from a CDN: blocked, and the
    # only request that tried to leave.
    assert [u for u in left_the_machine if "/@picocss/" not in u] == []
    server_log = log.read_text(encoding="utf-8", errors="replace")
    assert "peta-stunting-secret" not in server_log and "a-test-cookie-secret" not in server_log
