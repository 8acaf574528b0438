"""stunting/serve.py's sticky proxy, over two small tornado backends that say who they are: two
sessions land on different backends, and each session's page, upload and websocket stay on its own."""

from __future__ import annotations

import asyncio

import pytest
import tornado.httpclient
import tornado.httpserver
import tornado.testing
import tornado.web
import tornado.websocket

from stunting import serve


def _backend(name: str) -> tornado.web.Application:
    """What the proxy needs of a Streamlit process: a page, an upload (PUT with a body) and the
    websocket with its subprotocols, each answer naming the backend."""

    class Page(tornado.web.RequestHandler):
        def get(self):
            self.set_cookie("_streamlit_xsrf", f"token-of-{name}")  # a backend's own cookie goes through
            self.write(f"page from {name}")

        def put(self, *_parts):
            self.write(f"{name} stored {len(self.request.body)} bytes for {self.get_cookie(serve.COOKIE)}")

    class Stream(tornado.websocket.WebSocketHandler):
        def select_subprotocol(self, subprotocols):
            self.offered = subprotocols
            return subprotocols[0]

        def on_message(self, message):
            self.write_message(f"{name} heard {message} offered {','.join(self.offered)}")

    class Script(tornado.web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "text/javascript")
            self.write(f"// script from {name}")

    return tornado.web.Application(
        [
            (serve.STREAM, Stream),
            (r"/_stcore/upload_file/(.*)/(.*)", Page),
            (r"/static/app.js", Script),
            (r"/", Page),
        ]
    )


@pytest.fixture
def proxy_url():
    """The proxy on a free loopback port over backends "a" and "b", in this test's own event loop."""
    loop = asyncio.new_event_loop()
    servers, urls = [], []

    async def start():
        for name in ("a", "b"):
            sock, port = tornado.testing.bind_unused_port()
            server = tornado.httpserver.HTTPServer(_backend(name))
            server.add_sockets([sock])
            servers.append(server)
            urls.append(f"http://127.0.0.1:{port}")
        sock, port = tornado.testing.bind_unused_port()
        server = tornado.httpserver.HTTPServer(serve.proxy_app(urls), max_body_size=serve.MAX_BODY_BYTES)
        server.add_sockets([sock])
        servers.append(server)
        return f"http://127.0.0.1:{port}"

    url = loop.run_until_complete(start())
    yield loop, url
    for server in servers:
        server.stop()
    loop.close()


async def _open_page(url: str) -> tuple[str, str]:
    """A browser's first visit: the page's text and the proxy's cookie it was given."""
    response = await tornado.httpclient.AsyncHTTPClient().fetch(url + "/")
    cookies = response.headers.get_list("Set-Cookie")
    sticky = [c.split(";")[0] for c in cookies if c.startswith(serve.COOKIE + "=")]
    assert len(sticky) == 1, cookies
    assert any(c.startswith("_streamlit_xsrf=") for c in cookies)
    assert len(response.headers.get_list("Date")) == 1  # the backend's, not a second one of the proxy's
    return response.body.decode(), sticky[0]


async def _session(url: str) -> dict[str, str]:
    page, cookie = await _open_page(url)
    client = tornado.httpclient.AsyncHTTPClient()
    again = await client.fetch(url + "/", headers={"Cookie": cookie})
    upload = await client.fetch(
        url + "/_stcore/upload_file/session/file",
        method="PUT",
        body=b"x" * 300_000,
        headers={"Cookie": cookie},
    )
    request = tornado.httpclient.HTTPRequest(
        url.replace("http", "ws") + serve.STREAM, headers={"Cookie": cookie}
    )
    socket = await tornado.websocket.websocket_connect(request, subprotocols=["streamlit", "xsrf", "session"])
    await socket.write_message("rerun")
    heard = await socket.read_message()
    socket.close()
    return {"page": page, "again": again.body.decode(), "upload": upload.body.decode(), "stream": heard}


def test_two_sessions_land_on_different_backends_and_each_stays_on_its_own(proxy_url):
    loop, url = proxy_url
    first = loop.run_until_complete(_session(url))
    second = loop.run_until_complete(_session(url))
    owners = []
    for session in (first, second):
        owner = session["page"].removeprefix("page from ")
        owners.append(owner)
        assert session["again"] == f"page from {owner}"
        # The upload reached the session's own backend whole, with the cookie that chose it.
        assert session["upload"].startswith(f"{owner} stored 300000 bytes for ")
        # The websocket too, with every subprotocol Streamlit offers (its XSRF token, its session).
        assert session["stream"] == f"{owner} heard rerun offered streamlit,xsrf,session"
    assert sorted(owners) == ["a", "b"]


def test_a_cookie_naming_no_backend_is_replaced(proxy_url):
    loop, url = proxy_url

    async def visit():
        return await tornado.httpclient.AsyncHTTPClient().fetch(
            url + "/", headers={"Cookie": f"{serve.COOKIE}=7"}
        )

    response = loop.run_until_complete(visit())
    assert any(c.startswith(f"{serve.COOKIE}=0;") or c.startswith(f"{serve.COOKIE}=1;")
               for c in response.headers.get_list("Set-Cookie"))  # fmt: skip


def test_only_a_page_sets_the_cookie_not_the_scripts_it_asks_for_at_once(proxy_url):
    """A page's scripts, asked for in parallel before any cookie, must not each deal a backend (the
    last answer's cookie would win, and the session's websocket could sit on another process)."""
    loop, url = proxy_url

    async def script():
        return await tornado.httpclient.AsyncHTTPClient().fetch(url + "/static/app.js")

    response = loop.run_until_complete(script())
    assert response.body.decode().startswith("// script from ")
    assert not any(c.startswith(serve.COOKIE + "=") for c in response.headers.get_list("Set-Cookie"))


def test_a_backend_that_does_not_answer_is_a_502_not_a_hang():
    loop = asyncio.new_event_loop()
    dead = f"http://127.0.0.1:{serve.free_port()}"  # nothing listens there

    async def visit():
        sock, port = tornado.testing.bind_unused_port()
        server = tornado.httpserver.HTTPServer(serve.proxy_app([dead]))
        server.add_sockets([sock])
        try:
            return await tornado.httpclient.AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{port}/", raise_error=False, request_timeout=30
            )
        finally:
            server.stop()

    try:
        assert loop.run_until_complete(visit()).code == 502
    finally:
        loop.close()


def test_the_proxy_listens_where_the_app_is_configured_to():
    assert serve.configured_address() == "127.0.0.1"  # .streamlit/config.toml: bound to this machine
