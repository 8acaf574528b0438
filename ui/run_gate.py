"""A few page runs at a time in this process; the other sessions' runs wait their turn, asleep.

Streamlit runs every session's script in its own thread, and with 20 people clicking, 20 threads
took turns at Python's one lock (the GIL) every few milliseconds, and queued again at Streamlit's
own config lock (``config.get_option``, asked for every element): the switching and the queueing
cost more CPU than the pages themselves (py-spy on the server during bench/bench_load.py; see
docs/scale.md, "Many people at once"). A waiting thread holds nothing and uses no CPU, so each run
finishes sooner and the crowd's reruns are answered in about the order they came.

Two at a time, not one: a view new to the server spends part of its run in DuckDB, which lets go
of the GIL, and another session's cached rerun goes on meanwhile. The data page is not gated: an
import runs for minutes and must not hold back every map in the meeting.
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


@contextmanager
def turn(url_path: str) -> Iterator[None]:
    """Run the page at ``url_path`` when a place is free (at once for an ungated page). Released
    however the run ends: finished, stopped (st.stop, a newer rerun of the same session) or failed.
    A gated page reads the snapshot pointers once for its run (app_cache.one_snapshot); an ungated
    one may write the store and reads them afresh each time."""
    if url_path in UNGATED_PAGES:
        yield
        return
    with _gate, app_cache.one_snapshot():
        yield
