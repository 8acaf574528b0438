"""Maps new to the server are built in a process of their own, so they use the machine's second core.

A Streamlit server is one Python process: every session's script runs in a thread of it, and
Python's one lock (the GIL) lets only one of them compute at a time. With 20 people clicking, a
view new to the server (its queries, classes, folium map and render: about 0.6 s of CPU for a
regency of 10M rows) held that lock while the other sessions' cached reruns queued behind it, and
the second core stood almost idle (py-spy of the server during bench/bench_load.py: 1.1 cores used
of 2). Built here, in one worker process, the new view waits only for the builder, and the server
goes on answering the reruns that find their view cached (docs/scale.md, "Many people at once").

Only under a real server (``streamlit run``): a test's AppTest, the benches' in-process runs and
the command line build in their own process, as before, so a test's patches and environment hold.
The worker is started with ``spawn`` (never ``fork``: it would copy the server's heap and its
DuckDB threads' locks) on the first view to build; its start (importing the libraries, 2-3 s) is
paid once. Like every ``spawn``, it imports the main module of the thread that started it again,
as ``__mp_main__``: that thread is a page run, whose main module is app.py, so app.py runs its page
only under the name ``__main__``. If the worker dies (killed, out of memory), the view is built
here and the next one starts a new worker.

Between the views people wait for, the builder is idle. ``when_idle`` gives it the views they are
likely to ask for next (the map page: the same map in the store's other periods and for the other
indicators), built one at a time and only while no run waits for the builder, so a person's new
view waits for at most one of them. The newest wishes go first; the oldest beyond ``SPARE_QUEUED``
are forgotten.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

from streamlit.runtime import Runtime

from stunting import config
from ui import builder_worker, run_gate

Result = TypeVar("Result")

# One worker: with two cores, the server's own thread of reruns and one builder fill them.
WORKERS = 1
# Views wished for and not yet built: a regency's 14 periods x 4 indicators is 56; more than a few
# regencies' worth would be built after people have moved on.
SPARE_QUEUED = 64

_pool: concurrent.futures.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def on_a_server() -> bool:
    """True inside `streamlit run`'s server; False under AppTest (whose runtime is a mock) and
    outside Streamlit."""
    return type(Runtime._instance) is Runtime  # noqa: SLF001 - AppTest's MagicMock passes isinstance


def build(folder: str, function: Callable[..., Result], *args) -> Result:
    """``function(*args)`` for the app's data dir ``folder``: in the builder process under a real
    server, here otherwise. ``function`` is a module-level function (sent by name) whose arguments
    and result pickle."""
    if not on_a_server():
        return function(*args)
    return in_builder(folder, function, *args)


def in_builder(folder: str, function: Callable[..., Result], *args) -> Result:
    """``function(*args)`` in the builder process, with ``folder`` as its data dir."""
    pool = _builder()
    with _spare.held():
        try:
            future = pool.submit(_call, folder, function, args)
            run_gate.leave()  # waiting holds no GIL: another session's rerun may run meanwhile
            return future.result()
        except BrokenProcessPool:
            _forget(pool)
            logging.getLogger(__name__).warning("the map builder process ended; this view is built here")
            return function(*args)


def when_idle(wishes: Iterable[tuple[Hashable, Callable[[], object]]]) -> None:
    """Call each ``(key, work)``'s ``work()`` in this process's spare-time thread, one at a time and
    only while no build is waited for, ahead of the wishes already queued (a key queued already is
    moved up, not doubled). Nothing outside a real server: a test or a command line has no idle
    time to fill. A wish made by spare-time work itself is dropped: only what people looked at
    says what they will look at next. Not at all with $STUNTING_SPARE_TIME=0."""
    if config.SPARE_TIME and on_a_server():
        _spare.add(wishes)


class SpareTime:
    """Work done in one daemon thread while nobody waits (``held``): newest wishes first, at most
    ``limit`` queued. A work that fails is logged and the next one goes on."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._wishes: OrderedDict[Hashable, Callable[[], object]] = OrderedDict()
        self._waited_for = 0
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Somebody waits for the builder within this block: no new spare-time work starts."""
        with self._changed:
            self._waited_for += 1
        try:
            yield
        finally:
            with self._changed:
                self._waited_for -= 1
                self._changed.notify_all()

    def add(self, wishes: Iterable[tuple[Hashable, Callable[[], object]]]) -> None:
        if threading.current_thread() is self._thread:
            return
        with self._changed:
            for key, work in reversed(list(wishes)):
                self._wishes[key] = work
                self._wishes.move_to_end(key, last=False)
            while len(self._wishes) > self.limit:
                self._wishes.popitem(last=True)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="builder-spare-time", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def queued(self) -> list[Hashable]:
        with self._changed:
            return list(self._wishes)

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._wishes or self._waited_for:
                    self._changed.wait()
                _key, work = self._wishes.popitem(last=False)
            try:
                work()
            except Exception:  # noqa: BLE001 - a wish is an optimisation: the view is built when asked
                logging.getLogger(__name__).warning("a view built in spare time failed", exc_info=True)


_spare = SpareTime(SPARE_QUEUED)


def _builder() -> concurrent.futures.ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=builder_worker.quiet,
            )
        return _pool


def _forget(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _call(folder: str, function: Callable[..., Result], args: tuple) -> Result:
    # The server's data dir as this worker's (app_cache.data_dir() reads the variable): the worker
    # started with the server's environment, but the view names its folder.
    os.environ[config.DATA_DIR_ENV] = folder
    return function(*args)
