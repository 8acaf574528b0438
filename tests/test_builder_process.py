"""ui/builder_process.py: a server's new maps are built in a process of its own, the same map as
built in the server's process; tests, AppTest and the command line build in their own process."""

from __future__ import annotations

import os
import sys
import threading
import time
import types
from dataclasses import replace

from stunting import app_cache, prevalence
from stunting.config import REPO_ROOT
from stunting.indicators import INDICATORS
from stunting.viewstate import ViewState
from ui import builder_process, map_panel


def _view_fields(demo_dir) -> tuple:
    period = prevalence.periods(demo_dir)[-1]
    view = ViewState(period=period, level="regency", regency="64.74", indicator="stunting")
    return map_panel.shared_fields(view)


def test_outside_a_server_the_map_is_built_in_this_process(demo_dir):
    # AppTest's runtime is a mock: the tests' patches and environment must reach the build.
    assert not builder_process.on_a_server()
    assert builder_process.build(str(demo_dir), os.getpid) == os.getpid()


def test_the_builder_process_builds_the_same_map_as_this_process(demo_dir, monkeypatch):
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    view_fields = _view_fields(demo_dir)
    assert builder_process.in_builder(str(demo_dir), os.getpid) != os.getpid()
    built = builder_process.in_builder(str(demo_dir), map_panel.shared_model, view_fields, False)
    here = map_panel.shared_model(view_fields, False)
    # The component's key is derived from the map's script without its random element names: the
    # same key means the same map, layers, colours and tooltips.
    assert built.hashed_key == here.hashed_key
    assert built.frame.drop(columns="geometry").equals(here.frame.drop(columns="geometry"))
    assert built.frame.geometry.geom_equals(here.frame.geometry).all()
    assert built.quality.equals(here.quality)
    assert built.choropleth is None and here.choropleth is None


def test_a_dead_builder_is_replaced_and_the_view_still_built(demo_dir):
    first = builder_process.in_builder(str(demo_dir), os.getpid)
    # Were the view built here (no builder started), the kill would take this test's own process,
    # and the whole test run, down with it.
    assert first != os.getpid(), "the builder process did not start"
    os.kill(first, 9)
    # The view that met the dead worker is built here; the next one in a new worker.
    assert builder_process.in_builder(str(demo_dir), os.getpid) == os.getpid()
    again = builder_process.in_builder(str(demo_dir), os.getpid)
    assert again not in (first, os.getpid())


def _recorder(done: list, name: str, last: threading.Event | None = None):
    def work() -> None:
        done.append(name)
        if last is not None and name == "last":
            last.set()

    return work


def test_spare_time_builds_the_newest_wishes_first_and_nothing_while_a_view_is_waited_for():
    spare = builder_process.SpareTime(limit=4)
    done: list[str] = []
    last = threading.Event()
    with spare.held():
        spare.add([("a", _recorder(done, "a")), ("b", _recorder(done, "b"))])
        spare.add(
            [
                ("c", _recorder(done, "c")),
                ("a", _recorder(done, "a again")),
                ("last", _recorder(done, "last", last)),
            ]
        )
        spare.add([("d", _recorder(done, "d"))])
        time.sleep(0.3)
        assert done == []  # a person's view never queues behind a wish
        # The newest first; "a" moved up, not doubled; the oldest ("b") forgotten beyond the limit.
        assert spare.queued() == ["d", "c", "a", "last"]
    assert last.wait(10)
    assert done == ["d", "c", "a again", "last"]


def test_spare_time_goes_on_after_a_failure_and_takes_no_wish_from_its_own_work(caplog):
    spare = builder_process.SpareTime(limit=8)
    done: list[str] = []
    last = threading.Event()

    def fail() -> None:
        raise RuntimeError("the store moved")

    def wish_more() -> None:
        spare.add([("more", _recorder(done, "more"))])

    spare.add([("fail", fail), ("wish", wish_more), ("last", _recorder(done, "last", last))])
    assert last.wait(10)
    time.sleep(0.2)
    assert done == ["last"] and spare.queued() == []
    assert "a view built in spare time failed" in caplog.text


def test_outside_a_server_no_wish_is_taken(monkeypatch):
    spare = builder_process.SpareTime(limit=8)
    monkeypatch.setattr(builder_process, "_spare", spare)
    builder_process.when_idle([("a", os.getpid)])
    assert spare.queued() == []


def test_a_view_opened_on_a_server_has_its_other_periods_and_indicators_built_in_spare_time(
    demo_dir, monkeypatch
):
    monkeypatch.setenv("STUNTING_DATA_DIR", str(demo_dir))
    monkeypatch.setattr(builder_process, "on_a_server", lambda: True)
    monkeypatch.setattr(builder_process, "_spare", builder_process.SpareTime(builder_process.SPARE_QUEUED))
    built: list[tuple] = []

    def in_this_process(folder, function, *args):
        built.append(args[0])
        return function(*args)

    monkeypatch.setattr(builder_process, "in_builder", in_this_process)
    map_panel._shared_model.clear()
    app_cache._prevalence.clear()  # another test's numbers must not pass for the spare time's
    periods = prevalence.periods(demo_dir)
    view = ViewState(period=periods[-1], level="regency", regency="64.74", indicator="stunting")
    map_panel.build_model(view, basemap=False)
    wished = len(periods) - 1 + len(INDICATORS) - 1
    deadline = time.monotonic() + 120
    while len(built) < 1 + wished and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(built) == 1 + wished
    by_name = {name: index for index, name in enumerate(map_panel._SHARED_FIELDS)}
    assert {fields[by_name["period"]] for fields in built} == set(periods)
    assert {fields[by_name["indicator"]] for fields in built} == set(INDICATORS)
    # The nearest period first: a presenter steps back one round at a time.
    assert built[1][by_name["period"]] == periods[-2]
    # Asked for now, the year before is ready: no new build, and the headline cards' numbers, which
    # the page reads in the server's process, not the builder's, are cached there too.
    queried: list[tuple] = []
    monkeypatch.setattr(app_cache.prevalence_api, "prevalence", lambda *args, **kwargs: queried.append(args))
    map_panel.build_model(replace(view, period=periods[0]), basemap=False)
    map_panel.build_model(replace(view, indicator="wasting"), basemap=False)
    assert len(built) == 1 + wished
    for village_open in (False, True):
        rows = map_panel._headline_frame(
            "regency", "stunting", periods[0], None, "64.74", None, village_open, None, None
        )
        assert len(rows) and queried == []
    map_panel._shared_model.clear()


def test_the_builder_process_starts_without_warnings_in_the_server_log(demo_dir, capfd):
    # The worker writes to the server's stderr (its log): its start once logged "No runtime found"
    # and "missing ScriptRunContext" some 40 times, from the app's modules imported before the
    # logging was quieted.
    builder_process._forget(builder_process._builder())
    view_fields = _view_fields(demo_dir)
    model = builder_process.in_builder(str(demo_dir), map_panel.shared_model, view_fields, False)
    assert model.rendered is not None
    builder_process._forget(builder_process._builder())
    logged = capfd.readouterr().err
    assert "WARNING" not in logged, logged[:500]


def test_a_builder_started_by_a_page_run_does_not_run_the_app(demo_dir, capfd, monkeypatch):
    # A page run's main module is app.py (Streamlit names the script's module "__main__"), and a
    # spawned process imports its parent's main module again, as "__mp_main__": the builder ran
    # the whole app there in bare mode, its page included, logging a warning per element.
    page_run_main = types.ModuleType("__main__")
    page_run_main.__file__ = str(REPO_ROOT / "app.py")
    builder_process._forget(builder_process._builder())
    with monkeypatch.context() as patched:
        patched.setitem(sys.modules, "__main__", page_run_main)
        imported_app = builder_process.in_builder(
            str(demo_dir), eval, "vars(__import__('sys').modules['__mp_main__']).get('__file__')"
        )
        ran_app = builder_process.in_builder(
            str(demo_dir), eval, "'navigation' in vars(__import__('sys').modules['__mp_main__'])"
        )
    builder_process._forget(builder_process._builder())
    assert imported_app == str(REPO_ROOT / "app.py")  # the case this test is about
    assert not ran_app
    logged = capfd.readouterr().err
    assert "WARNING" not in logged, logged[:500]
