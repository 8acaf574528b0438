"""ui/builder_process.py: a server's new maps are built in a process of its own, the same map as
built in the server's process; tests, AppTest and the command line build in their own process."""

from __future__ import annotations

import os

from stunting import prevalence
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
    os.kill(first, 9)
    # The view that met the dead worker is built here; the next one in a new worker.
    assert builder_process.in_builder(str(demo_dir), os.getpid) == os.getpid()
    again = builder_process.in_builder(str(demo_dir), os.getpid)
    assert again not in (first, os.getpid())
