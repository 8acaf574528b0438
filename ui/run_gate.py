"""A few page runs at a time in this process; the other sessions' runs wait their turn, asleep.

Streamlit runs every session's script in its own thread, and with 20 people clicking, 20 threads
took turns at Python's one lock (the GIL) every few milliseconds, and queued again at Streamlit's
own config lock (``config.get_option``, asked for every element): the switching and the queueing
cost more CPU than the pages themselves (py-spy on the server during bench/bench_load.py; see
docs/scale.md, "Many people at once"). A waiting thread holds nothing and uses no CPU, so each run
finishes sooner and the crowd's reruns are answered in about the order they came.

Two at a time, not one: a view new to the server spends part of its run in DuckDB, which lets go
of the GIL, and another session's cached rerun goes on meanwhile. The data page is not gated: an
import runs for minutes and must not hold back every map in the meeting. A run that waits for another
process (the map builder, ui/builder_process.py) gives its place to the next (``leave``): it holds no
GIL while it waits, and two runs waiting for new maps kept every cached rerun queued behind them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from stunting import app_cache

RUNS_AT_ONCE = 2
# Pages whose runs may take minutes (an import, a rebuild): never queued, never queueing others.
UNGATED_PAGES = frozenset({"data"})

_gate = threading.BoundedSemaphore(RUNS_AT_ONCE)
# Whether this thread's page run holds a place (set by turn, given up by leave).
_holding = threading.local()


@contextmanager
def turn(url_path: str) -> Iterator[None]:
    """Run the page at ``url_path`` when a place is free (at once for an ungated page). Released
    however the run ends: finished, stopped (st.stop, a newer rerun of the same session) or failed.
    A gated page reads the snapshot pointers once for its run (app_cache.one_snapshot); an ungated
    one may write the store and reads them afresh each time."""
    if url_path in UNGATED_PAGES:
        yield
        return
    _gate.acquire()
    _holding.place = True
    try:
        with app_cache.one_snapshot():
            yield
    finally:
        leave()


def leave() -> None:
    """This run gives up its place (it is about to wait for another process): the next run waiting
    goes on, and this one finishes without a place. Not taken back after the wait: a run that
    waits for a new map holds the map cache's lock for that view, and other runs of the same view
    wait on that lock in their places; taking one back could wait on them for ever. What follows
    the wait is the page's cached part (a tenth of a second). Nothing outside a gated run."""
    if getattr(_holding, "place", False):
        _holding.place = False
        _gate.release()
