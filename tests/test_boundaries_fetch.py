"""``boundaries fetch`` through the real pooch code path, served from ../shared on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stunting.boundaries import installed_source, load_display
from stunting.boundaries.fetch import COMMIT, MIRROR_ENV, REGISTRY
from stunting.cli import main

pytestmark = pytest.mark.shared

BONTANG_FILE = "db/kel/64/wilayah_boundaries_kel_64.74.sql"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def serve():
    """Start an HTTP server on an ephemeral port for a folder; returns its base URL."""
    servers = []

    def start(folder):
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_registry_pins_the_shared_bytes(wilayah_dir):
    for relpath in ("LICENSE", BONTANG_FILE, "db/kel/64/wilayah_boundaries_kel_64.02.sql"):
        assert hashlib.sha256((wilayah_dir / relpath).read_bytes()).hexdigest() == REGISTRY[relpath]
    assert sum(p.startswith("db/kel/33/") for p in REGISTRY) == 35


def test_fetch_over_http_installs_the_pinned_files(wilayah_dir, serve, tmp_path, capsys):
    url = serve(wilayah_dir)
    data_dir = tmp_path / "data"
    args = ["boundaries", "fetch", "--regency", "64.74", "--mirror", url, "--data-dir", str(data_dir)]
    assert main(args) == 0
    assert "Installed 15 villages" in capsys.readouterr().out
    source = installed_source(data_dir)
    assert source["commit"] == COMMIT and source["licence"] == "MIT"
    assert {f["path"] for f in source["files"]} == {BONTANG_FILE, "LICENSE"}
    cached = data_dir / "cache" / "wilayah_boundaries" / COMMIT / BONTANG_FILE
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == REGISTRY[BONTANG_FILE]
    villages = load_display("village", regency="64.74", data_dir=data_dir)
    assert len(villages) == 15 and not villages.attrs["schematic"]


def test_corrupted_download_is_refused_and_nothing_installed(wilayah_dir, serve, tmp_path, capsys):
    mirror = tmp_path / "mirror"
    (mirror / "db" / "kel" / "64").mkdir(parents=True)
    shutil.copy(wilayah_dir / "LICENSE", mirror / "LICENSE")
    data = bytearray((wilayah_dir / BONTANG_FILE).read_bytes())
    data[-20] = ord("9") if data[-20] != ord("9") else ord("8")  # one changed digit in a coordinate
    (mirror / BONTANG_FILE).write_bytes(bytes(data))
    url = serve(mirror)
    data_dir = tmp_path / "data"
    args = ["boundaries", "fetch", "--regency", "64.74", "--mirror", url, "--data-dir", str(data_dir)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "SHA-256" in err and "nothing was installed" in err
    assert "\n" not in err
    assert installed_source(data_dir) is None
    assert load_display("village", data_dir=data_dir).attrs["schematic"]


def test_fetch_from_a_local_folder_named_by_the_environment(wilayah_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(MIRROR_ENV, str(wilayah_dir))
    data_dir = tmp_path / "data"
    assert main(["boundaries", "fetch", "--regency", "64.74", "--data-dir", str(data_dir)]) == 0
    assert installed_source(data_dir)["regencies"] == ["64.74"]
    # A damaged local copy is refused just the same, and the installed boundaries stay.
    mirror = tmp_path / "mirror"
    shutil.copytree(
        wilayah_dir / "db" / "kel" / "64",
        mirror / "db" / "kel" / "64",
        ignore=shutil.ignore_patterns("*64.0[1-9]*", "*64.1*", "*64.7[12]*"),
    )
    shutil.copy(wilayah_dir / "LICENSE", mirror / "LICENSE")
    with open(mirror / BONTANG_FILE, "ab") as fh:
        fh.write(b"\n-- changed\n")
    before = installed_source(data_dir)
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                "64.74",
                "--mirror",
                str(mirror),
                "--data-dir",
                str(data_dir),
            ]
        )
        == 1
    )
    assert "does not match the pinned SHA-256" in capsys.readouterr().err
    assert installed_source(data_dir) == before


def test_unpinned_regency_and_missing_mirror_file(tmp_path, capsys):
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                "99.01",
                "--mirror",
                str(tmp_path),
                "--data-dir",
                str(tmp_path / "d"),
            ]
        )
        == 1
    )
    assert "No pinned boundary file for regency 99.01" in capsys.readouterr().err
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                "64.74",
                "--mirror",
                str(tmp_path),
                "--data-dir",
                str(tmp_path / "d"),
            ]
        )
        == 1
    )
    assert f"has no {BONTANG_FILE}" in capsys.readouterr().err
