"""ui/run_gate.py: at most RUNS_AT_ONCE page runs at a time, the data page never queued, a place
given back however a run ends."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from ui import run_gate


def _crowd(url_path: str, runs: int) -> int:
    """``runs`` threads each run "a page" (a short sleep) through the gate; the most seen at once."""
    inside, most = 0, 0
    count = threading.Lock()

    def page() -> None:
        nonlocal inside, most
        with run_gate.turn(url_path):
            with count:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)  # a run long enough for every thread to arrive while others are inside
            with count:
                inside -= 1

    threads = [threading.Thread(target=page) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return most


def _places_free() -> int:
    """How many places can be taken without waiting (taken and given back at once)."""
    taken = [run_gate._gate.acquire(blocking=False) for _ in range(run_gate.RUNS_AT_ONCE + 1)]
    for got in taken:
        if got:
            run_gate._gate.release()
    return sum(taken)


def test_twenty_sessions_run_at_most_the_gates_places_at_once():
    assert _crowd("map", 20) == run_gate.RUNS_AT_ONCE


def test_the_data_page_is_never_queued_behind_the_maps():
    assert _crowd("data", 8) == 8


def test_a_full_gate_holds_the_maps_but_not_an_import():
    entered = threading.Event()

    def map_run() -> None:
        with run_gate.turn("map"):
            entered.set()

    for _ in range(run_gate.RUNS_AT_ONCE):
        run_gate._gate.acquire()
    try:
        queued = threading.Thread(target=map_run)
        queued.start()
        assert not entered.wait(0.3), "a map run started while every place was taken"
        with run_gate.turn("data"):
            pass  # would hang here if the data page waited for a place
    finally:
        for _ in range(run_gate.RUNS_AT_ONCE):
            run_gate._gate.release()
    assert entered.wait(5), "the queued map run did not start once places were free"
    queued.join(timeout=5)


@pytest.mark.parametrize("ending", [StopException, ValueError])
def test_a_stopped_or_failed_run_gives_its_place_back(ending):
    for _ in range(3 * run_gate.RUNS_AT_ONCE):
        with pytest.raises(ending):
            with run_gate.turn("map"):
                raise ending()
    # Every place free again: as many acquired without waiting as the gate has, and no more.
    assert _places_free() == run_gate.RUNS_AT_ONCE


def test_a_run_waiting_for_another_process_gives_its_place_to_the_next():
    left, done = threading.Barrier(run_gate.RUNS_AT_ONCE + 1), threading.Event()

    def waits_for_the_builder() -> None:
        with run_gate.turn("map"):
            run_gate.leave()
            left.wait(5)
            done.wait(10)  # as a run waiting for its new map

    waiters = [threading.Thread(target=waits_for_the_builder) for _ in range(run_gate.RUNS_AT_ONCE)]
    for thread in waiters:
        thread.start()
    try:
        left.wait(5)  # every place given up
        assert _crowd("map", 4) == run_gate.RUNS_AT_ONCE, "the cached reruns did not get the places"
    finally:
        done.set()
        for thread in waiters:
            thread.join(timeout=10)
    # The runs that left end without giving a place back twice: every place free, no more.
    assert _places_free() == run_gate.RUNS_AT_ONCE
