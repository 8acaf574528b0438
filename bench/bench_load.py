"""Many people at once: N concurrent sessions on `streamlit run app.py`, over the app's own websocket.

    .venv/bin/python bench/bench_load.py --data-dir bench/out/store-10m [--sessions 20] [--seconds 60]

Starts the app on 127.0.0.1 (a free port) with ``--data-dir`` as its store, then drives sessions at the
protocol level: each is one websocket on ``/_stcore/stream`` speaking Streamlit's own protobuf
messages (BackMsg / ForwardMsg from the installed streamlit), as the browser does, without drawing
anything. A session opens the map page, then loops: change the period, change the indicator, click a
village on the map (the st_folium component's value, as the map sends it) — with a pause of about
``--think`` seconds between actions, like a person in a meeting. A rerun's time is from sending the
widget change to the server's ``script_finished`` (the whole script: queries, map build, tables).

Bounded in time and count: the concurrent phase stops at ``--seconds`` (no new action starts after it)
and each session after ``--max-actions``; a rerun that takes over RERUN_TIMEOUT_S counts as an
error. Before the concurrent phase one session runs alone for ``--solo-actions`` actions, so the
figures say what the 20th session costs next to the first. With ``--again`` the concurrent phase runs
a second time with the same seeds (the same clicks): the views are then in the app's shared caches,
so that pass says what a rerun costs when nothing is new to the server. The server runs as the app
does: its map builder builds the views people are likely to ask for next while it is idle (the
other periods and indicators of a view opened); with ``--no-spare-time`` it builds only the views
asked for, so the first pass says what a view new to the server costs. Errors: exception elements in
the page, a script that did not finish, a closed socket. The server's memory (RSS of the streamlit process)
is sampled every half second. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stunting.gazetteer import villages  # noqa: E402

SERVER_START_S = 90  # a cold start on two shared cores
RERUN_TIMEOUT_S = 60
P95_TARGET_S = 2.0
ACTIONS = ("period", "indicator", "village")
MAP_COMPONENT = "streamlit_folium.st_folium"


@dataclass
class Session:
    name: int
    times: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ("open", *ACTIONS)})
    errors: list[str] = field(default_factory=list)
    received: int = 0  # bytes of the server's messages


class Client:
    """One browser tab at the protocol level: the widgets it last saw and the values it has set."""

    def __init__(self, url: str, session: Session, rng: random.Random) -> None:
        self.url = url
        self.session = session
        self.rng = rng
        self.page_hash = ""
        self.query = ""
        self.selectboxes: dict[str, object] = {}  # widget key suffix -> Selectbox proto
        self.map_id: str | None = None
        self.states: dict[str, tuple[str, str]] = {}  # widget id -> (value field, value)
        self.ws = None
        # The browser's message cache (streamlit's ForwardMessageCache, frontend): every cacheable
        # element kept by hash, its hashes sent with each rerun so the server sends an unchanged
        # large element (the map, a chart) as a reference; dropped after max_age finished runs
        # unused. Without it every rerun would be charged the whole map sent again, which a
        # browser never asks for.
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, run last used)
        self.runs = 0
        self.max_age = 2  # the server's new_session message says its own

    async def rerun(self, kind: str) -> None:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        for widget_id, (value_field, value) in self.states.items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            setattr(widget, value_field, value)
        state.cached_message_hashes.extend(self.cache)
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        try:
            await asyncio.wait_for(self._until_finished(), RERUN_TIMEOUT_S)
        except TimeoutError:
            self.session.errors.append(f"{kind}: no script_finished within {RERUN_TIMEOUT_S} s")
            return
        self.session.times[kind].append(time.perf_counter() - started)

    async def _until_finished(self) -> None:
        while True:
            forward = ForwardMsg()
            raw = await self.ws.recv()
            self.session.received += len(raw)
            forward.ParseFromString(raw)
            forward = self._cached(forward)
            kind = forward.WhichOneof("type")
            if kind == "script_finished":
                # A click reruns the script itself (st.rerun): the view is ready after the second run.
                if forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self._expire()
                    return
                if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    self.session.errors.append("script failed to compile")
                    return
            elif kind == "navigation":
                self.page_hash = forward.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = forward.page_info_changed.query_string
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                self._see(forward.delta.new_element)

    def _cached(self, forward: ForwardMsg) -> ForwardMsg:
        """The message a reference stands for, and every cacheable message kept (as the browser)."""
        if forward.WhichOneof("type") == "ref_hash":
            message, _ = self.cache[forward.ref_hash]  # a miss is the server's bug, as in the browser
            self.cache[forward.ref_hash] = (message, self.runs)
            return message
        if forward.WhichOneof("type") == "new_session":
            self.max_age = forward.new_session.config.max_cached_message_age
        if forward.metadata.cacheable and forward.hash:
            self.cache[forward.hash] = (forward, self.runs)
        return forward

    def _expire(self) -> None:
        self.runs += 1
        self.cache = {h: (m, used) for h, (m, used) in self.cache.items() if self.runs - used <= self.max_age}

    def _see(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            error = element.exception
            self.session.errors.append(f"exception: {error.type}: {error.message[:200]}")
        elif kind == "selectbox":
            self.selectboxes[element.selectbox.id.rsplit("-", 1)[-1]] = element.selectbox
        elif kind == "component_instance" and element.component_instance.component_name == MAP_COMPONENT:
            self.map_id = element.component_instance.id

    def choose(self, key: str) -> bool:
        """Pick another option of the selectbox ``view_KEY``; False when there is no other."""
        box = self.selectboxes.get(f"view_{key}")
        if box is None:
            return False
        current = self.states.get(box.id, (None, box.raw_value))[1]
        others = [option for option in box.options if option != current]
        if not others:
            return False
        self.states[box.id] = ("string_value", self.rng.choice(others))
        return True

    def click_village(self, places: list[tuple[str, float, float]]) -> bool:
        if self.map_id is None:
            return False
        code, lat, lng = self.rng.choice(places)
        value = {
            "last_active_drawing": {"type": "Feature", "properties": {"code": code}},
            "last_object_clicked": {"lat": lat, "lng": lng},
        }
        self.states[self.map_id] = ("json_value", json.dumps(value))
        return True


async def run_session(url, session, deadline, max_actions, think, places, seed) -> None:
    rng = random.Random(seed)
    client = Client(url, session, rng)
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(
            stream, subprotocols=["streamlit"], origin=url, max_size=None, open_timeout=RERUN_TIMEOUT_S
        ) as ws:
            client.ws = ws
            await client.rerun("open")
            for index in range(max_actions):
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                if time.monotonic() >= deadline:
                    break
                action = ACTIONS[index % len(ACTIONS)]
                changed = client.click_village(places) if action == "village" else client.choose(action)
                if not changed:
                    session.errors.append(f"{action}: the widget was not on the page")
                    continue
                await client.rerun(action)
    except (OSError, websockets.ConnectionClosed) as error:
        session.errors.append(f"connection: {error!r}"[:200])


async def run_phase(url, sessions, seconds, max_actions, think, places, seed) -> tuple[list[Session], float]:
    crowd = [Session(i) for i in range(sessions)]
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(run_session(url, s, deadline, max_actions, think, places, seed * 1000 + s.name) for s in crowd)
    )
    return crowd, time.perf_counter() - started


class MemoryWatch(threading.Thread):
    """RSS of the server process (and its children) every half second, until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.samples: list[int] = []
        self.halt = threading.Event()

    def rss(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def cpu(self) -> float:
        """CPU seconds the server has used so far (user + system), its running children included
        (the streamlit processes behind ``--processes``' proxy)."""
        times = self.process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in self.process.children(recursive=True):
            try:
                child_times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += child_times.user + child_times.system
        return total

    def run(self) -> None:
        while not self.halt.wait(0.5):
            try:
                self.samples.append(self.rss())
            except psutil.NoSuchProcess:
                return


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    data_dir: Path, log: Path, processes: int = 0, spare_time: bool = True
) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py`, or with ``processes`` that many behind `python -m stunting serve`'s
    sticky proxy (the bench's websockets carry no cookie: the proxy deals them out in turn). Without
    ``spare_time`` its map builder builds only the views asked for ($STUNTING_SPARE_TIME=0)."""
    port = _free_port()
    command = (
        [sys.executable, "-m", "stunting", "serve", "--processes", str(processes), "--port", str(port),
         "--address", "127.0.0.1", "--data-dir", str(data_dir.resolve())]
        if processes
        else [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
              "--server.address", "127.0.0.1", "--server.headless", "true"]
    )  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=REPO,  # .streamlit/config.toml: usage stats off
        env=os.environ
        | {"STUNTING_DATA_DIR": str(data_dir.resolve()), "STUNTING_SPARE_TIME": str(int(spare_time))},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if process.poll() is not None:
            raise SystemExit(f"streamlit exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            if time.monotonic() > deadline:
                process.terminate()
                raise SystemExit(f"streamlit did not answer within {SERVER_START_S} s") from None
            time.sleep(0.2)  # polling the health endpoint


def _quantiles(values: list[float]) -> str:
    if not values:
        return "no reruns"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"p50 {median:5.2f} s  p95 {p95:5.2f} s  max {ordered[-1]:5.2f} s  (n={len(ordered)})"


def report(
    title: str, crowd: list[Session], wall: float, cpu: float, client_cpu: float
) -> dict[str, list[float]]:
    # The clients share the server's cores: their CPU (parsing the server's messages) is said too.
    print(
        f"{title}: {len(crowd)} session(s), {wall:.1f} s, server CPU {cpu:.1f} s, "
        f"the clients' CPU {client_cpu:.1f} s, load average {os.getloadavg()[0]:.1f}"
    )
    merged = {kind: [t for s in crowd for t in s.times[kind]] for kind in ("open", *ACTIONS)}
    for kind, values in merged.items():
        print(f"  {kind:<10} {_quantiles(values)}")
    reruns = [t for kind in ACTIONS for t in merged[kind]]
    runs = len(reruns) + len(merged["open"])
    print(
        f"  {'all':<10} {_quantiles(reruns)}  ({len(reruns) / wall:.1f} reruns/s, "
        f"{cpu / max(runs, 1):.2f} server CPU s per run, "
        f"{sum(s.received for s in crowd) / max(runs, 1) / 1e3:,.0f} kB sent per run, page opens included)"
    )
    errors = [e for s in crowd for e in s.errors]
    print(f"  errors: {len(errors)}" + "".join(f"\n    {e}" for e in sorted(set(errors))[:10]))
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a store, e.g. from bench/make_store.py")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-actions", type=int, default=200, help="per session")
    parser.add_argument("--solo-actions", type=int, default=15, help="one session alone first")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between actions, s")
    parser.add_argument("--regency", default="64.02", help="villages clicked (the page's default regency)")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="run N streamlit processes behind `python -m stunting serve` (0: one `streamlit run`)",
    )
    parser.add_argument(
        "--no-spare-time",
        action="store_true",
        help="the server builds only the views asked for, none ahead while idle (a view new to it)",
    )
    parser.add_argument(
        "--again", action="store_true", help="repeat the concurrent phase with the same clicks (views cached)"
    )
    args = parser.parse_args()

    gaz = villages()
    area = gaz[gaz["regency_code"] == args.regency]
    places = list(zip(area["code"], area["lat"], area["lng"], strict=True))
    log = REPO / "bench" / "out" / "bench_load-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    launched = time.perf_counter()
    server, url = start_server(args.data_dir, log, args.processes, spare_time=not args.no_spare_time)
    watch = MemoryWatch(server.pid)
    try:
        print(
            f"server healthy after {time.perf_counter() - launched:.1f} s at {url}; store {args.data_dir}"
            + (f"; {args.processes} processes behind the sticky proxy" if args.processes else "")
            + ("; no views built ahead (--no-spare-time)" if args.no_spare_time else "")
        )
        print(f"  load average {os.getloadavg()[0]:.1f} (2 cores); think time {args.think:.1f} s")
        rss_idle = watch.rss()
        watch.start()
        cpu, client_cpu = watch.cpu(), time.process_time()
        solo, wall = asyncio.run(
            run_phase(url, 1, args.seconds, args.solo_actions, args.think, places, args.seed)
        )
        solo_times = report("alone", solo, wall, watch.cpu() - cpu, time.process_time() - client_cpu)
        rss_solo = watch.rss()
        cpu, client_cpu = watch.cpu(), time.process_time()
        crowd, wall = asyncio.run(
            run_phase(url, args.sessions, args.seconds, args.max_actions, args.think, places, args.seed + 1)
        )
        crowd_times = report("together", crowd, wall, watch.cpu() - cpu, time.process_time() - client_cpu)
        if args.again:
            # The same sessions' same clicks once more: every view is now in the shared caches, so
            # this pass measures what a rerun costs when nothing is new to the server.
            cpu, client_cpu = watch.cpu(), time.process_time()
            crowd, wall = asyncio.run(
                run_phase(
                    url, args.sessions, args.seconds, args.max_actions, args.think, places, args.seed + 1
                )
            )
            report(
                "together again (the same clicks: views cached)",
                crowd,
                wall,
                watch.cpu() - cpu,
                time.process_time() - client_cpu,
            )
        rss_end = watch.rss()
        print(f"  load average at the end {os.getloadavg()[0]:.1f} (2 cores)")
        peak = max(watch.samples, default=rss_end)
        print(
            f"server RSS: idle {rss_idle / 2**20:,.0f} MB, after one session {rss_solo / 2**20:,.0f} MB, "
            f"peak {peak / 2**20:,.0f} MB, end {rss_end / 2**20:,.0f} MB "
            f"({(rss_end - rss_solo) / 2**20 / max(args.sessions - 1, 1):,.1f} MB per extra session)"
        )
        period = crowd_times["period"]
        if period:
            solo_p50 = statistics.median(solo_times["period"]) if solo_times["period"] else float("nan")
            ordered = sorted(period)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(
                f"period change with {args.sessions} sessions: p95 {p95:.2f} s "
                f"(target < {P95_TARGET_S:.0f} s), "
                f"p50 {statistics.median(period):.2f} s vs {solo_p50:.2f} s alone"
            )
    finally:
        watch.halt.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
