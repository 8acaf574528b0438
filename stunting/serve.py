"""Several ``streamlit run app.py`` processes on one data dir behind one address, sticky by cookie.

    python -m stunting serve --processes 2 [--port 8501] [--address 127.0.0.1] [--data-dir DIR]

One Streamlit process answers on one core (Python's GIL), about 5 cached map reruns a second
(docs/scale.md, "Many people at once"). For more people at once this starts N processes on free
loopback ports and a small reverse proxy on the app's address. A session lives on one process: its
websocket (``/_stcore/stream``), its reconnects, the files it uploads (``/_stcore/upload_file``) and
the ones its download buttons serve (``/media``). So the proxy sticks by a cookie it sets with the
first page (``peta_backend``): by cookie, not by address, because the laptops of a meeting room
behind one NAT share an address. A websocket that comes without the cookie (a client that never
loaded the page) is given the next process in turn.

Every process reads the same data dir (imports swap in whole snapshots: stunting/snapshots.py) and
keeps its own caches. The backends listen on 127.0.0.1 only; the proxy on ``server.address`` of
.streamlit/config.toml (127.0.0.1 here) unless ``--address`` says otherwise. No network is needed.
Tornado (pinned in requirements.txt, and installed with distributed anyway) does the proxying.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import tornado.httpclient
import tornado.web
import tornado.websocket

from stunting.errors import UserError

REPO = Path(__file__).resolve().parent.parent
COOKIE = "peta_backend"
STREAM = "/_stcore/stream"
# A backend's cold start on two shared cores (the demo store, Leaflet's files) stays under this.
START_TIMEOUT_S = 120
# The largest request the proxy takes: an upload of stunting/uploads.py's MAX_UPLOAD_MB (the same
# number as .streamlit/config.toml's maxUploadSize), with room for the form's own bytes.
MAX_BODY_BYTES = 201 * 2**20
# Hop-by-hop headers (RFC 9110 section 7.6.1) and the ones tornado writes itself: never copied.
_HOP_BY_HOP = frozenset(
    h.lower()
    for h in (
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Content-Length",
    )
)  # fmt: skip


class Backends:
    """The processes behind the proxy (their base URLs) and who is next for a session without one."""

    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("at least one backend")
        self.urls = list(urls)
        self._turn = itertools.cycle(range(len(self.urls)))

    def chosen(self, cookie: str | None) -> int | None:
        """The backend a session's cookie names, None when it names none of them."""
        if cookie is not None and cookie.isdigit() and int(cookie) < len(self.urls):
            return int(cookie)
        return None

    def next(self) -> int:
        return next(self._turn)


def _backend(handler: tornado.web.RequestHandler) -> tuple[str, bool]:
    """The session's backend URL, and whether it was chosen now (the request named none)."""
    backends: Backends = handler.application.settings["backends"]
    index = backends.chosen(handler.get_cookie(COOKIE))
    chosen_now = index is None
    if chosen_now:
        index = backends.next()
    handler.backend_index = index
    return backends.urls[index], chosen_now


def _forwarded_headers(request) -> dict[str, str]:
    # The browser's own Host and Origin go on: Streamlit checks the origin of the websocket and of
    # uploads against the address the browser used.
    return {k: v for k, v in request.headers.get_all() if k.lower() not in _HOP_BY_HOP}


def _handshake_headers(request) -> dict[str, str]:
    # The handshake's own Sec-WebSocket-* headers are the client connection's to write.
    return {k: v for k, v in _forwarded_headers(request).items() if not k.lower().startswith("sec-")}


class HttpProxy(tornado.web.RequestHandler):
    """Every HTTP request (pages, static files, health, uploads, downloads) to the session's backend."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")

    async def _forward(self) -> None:
        base, chosen_now = _backend(self)
        method = self.request.method
        body = self.request.body if method in ("POST", "PUT", "PATCH", "DELETE") else None
        request = tornado.httpclient.HTTPRequest(
            base + self.request.uri,
            method=method,
            headers=_forwarded_headers(self.request),
            body=body if method != "DELETE" else (body or None),
            allow_nonstandard_methods=True,
            follow_redirects=False,
            decompress_response=False,  # the bytes as the backend sent them, encoding header and all
            request_timeout=3600,
        )
        try:
            response = await tornado.httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except OSError:  # no answer at all: the backend is down or restarting
            response = None
        if response is None or response.code == 599:
            self.set_status(502)
            self.finish("backend unavailable")
            return
        self.set_status(response.code, response.reason)
        for own in ("Content-Type", "Server", "Date"):  # tornado's defaults: the backend's go instead
            self.clear_header(own)
        if chosen_now and response.headers.get("Content-Type", "").startswith("text/html"):
            # The cookie comes with a page only: the scripts and styles a page asks for in parallel
            # (before any cookie) would each deal another backend, the last one to answer winning.
            # httponly: page scripts have no business with it; SameSite=Lax like Streamlit's own.
            self.set_cookie(COOKIE, str(self.backend_index), path="/", httponly=True, samesite="Lax")
        for name, value in response.headers.get_all():
            if name.lower() not in _HOP_BY_HOP:
                self.add_header(name, value)
        if response.body and method != "HEAD" and response.code not in (204, 304):
            self.write(response.body)
        self.finish()

    get = head = post = put = delete = options = patch = _forward

    def compute_etag(self) -> None:
        return None  # the backend's ETag goes through as it is


class StreamProxy(tornado.websocket.WebSocketHandler):
    """A session's websocket, message for message, to its backend's ``/_stcore/stream``."""

    upstream: tornado.websocket.WebSocketClientConnection | None = None
    offered: list[str] = []

    def check_origin(self, origin: str) -> bool:
        return True  # the backend checks the Origin, which goes on unchanged

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        # Streamlit sends its XSRF token and the session to resume as extra "subprotocols": all of
        # them go to the backend; the browser is answered with the first, as Streamlit answers.
        self.offered = list(subprotocols)
        return subprotocols[0] if subprotocols else None

    async def open(self) -> None:
        base, _chosen_now = _backend(self)
        request = tornado.httpclient.HTTPRequest(
            base.replace("http://", "ws://", 1) + self.request.uri,
            headers={
                k: v for k, v in _forwarded_headers(self.request).items() if not k.lower().startswith("sec-")
            },
        )
        try:
            self.upstream = await tornado.websocket.websocket_connect(
                request,
                subprotocols=self.offered or None,
                on_message_callback=self._from_backend,
                max_message_size=MAX_BODY_BYTES,
            )
        except (OSError, tornado.httpclient.HTTPClientError, tornado.websocket.WebSocketError):
            self.close(1011, "backend unavailable")

    def on_message(self, message: str | bytes) -> None:
        if self.upstream is not None:
            self.upstream.write_message(message, binary=isinstance(message, bytes))

    def _from_backend(self, message: str | bytes | None) -> None:
        if message is None:  # the backend closed the socket
            self.close()
            return
        try:
            self.write_message(message, binary=isinstance(message, bytes))
        except tornado.websocket.WebSocketClosedError:
            pass  # the browser left meanwhile; on_close closes the backend's side

    def on_close(self) -> None:
        if self.upstream is not None:
            self.upstream.close()


def proxy_app(backend_urls: Sequence[str]) -> tornado.web.Application:
    """The sticky proxy over ``backend_urls`` (``http://127.0.0.1:PORT``)."""
    return tornado.web.Application(
        [(STREAM, StreamProxy), (r".*", HttpProxy)],
        backends=Backends(backend_urls),
        websocket_max_message_size=MAX_BODY_BYTES,
    )


def configured_address() -> str:
    """``server.address`` of the repository's .streamlit/config.toml, else 127.0.0.1."""
    path = REPO / ".streamlit" / "config.toml"
    if path.exists():
        with path.open("rb") as handle:
            address = tomllib.load(handle).get("server", {}).get("address")
        if address:
            return str(address)
    return "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_backends(count: int, data_dir: Path | None, log_dir: Path | None = None) -> list[tuple]:
    """``count`` streamlit processes on free loopback ports; returns (process, url) once each is healthy."""
    env = dict(os.environ)
    if data_dir is not None:
        env["STUNTING_DATA_DIR"] = str(Path(data_dir).resolve())
    started = []
    for index in range(count):
        port = free_port()
        log = (log_dir / f"serve-backend-{index}.log").open("wb") if log_dir else subprocess.DEVNULL
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append((process, f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + START_TIMEOUT_S
    for process, url in started:
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                stop_backends(started)
                raise UserError(f"a streamlit process did not start on {url} (exit status {process.poll()})")
            time.sleep(0.2)  # polling its health endpoint
    return started


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop_backends(started: list[tuple]) -> None:
    for process, _url in started:
        if process.poll() is None:
            process.terminate()
    for process, _url in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def serve(processes: int, port: int, address: str | None, data_dir: Path | None, ready=None) -> None:
    """Start the backends and the proxy; run until interrupted, then stop the backends."""
    if processes < 1:
        raise UserError(f"--processes must be at least 1, not {processes}")
    started = start_backends(processes, data_dir)
    address = address or configured_address()
    try:
        asyncio.run(_run_proxy([url for _p, url in started], port, address, ready))
    finally:
        stop_backends(started)


async def _run_proxy(urls: list[str], port: int, address: str, ready) -> None:
    server = proxy_app(urls).listen(port, address=address, max_body_size=MAX_BODY_BYTES, xheaders=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"Peta Stunting on http://{address}:{port} ({len(urls)} processes: {', '.join(urls)})", flush=True)
    if ready is not None:
        ready()
    await stop.wait()
    server.stop()
