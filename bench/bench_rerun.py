"""CPU of one map-page rerun whose view is already cached: the app's own part of what a busy server pays.

    .venv/bin/python bench/bench_rerun.py --data-dir bench/out/store-10m [--village 64.02.01.2001] [--cold]
    .venv/bin/python bench/bench_rerun.py --data-dir bench/out/store-10m --parts [--periods 8]

Runs app.py in-process (streamlit's AppTest: no websocket, no browser) on the map page of
``--regency``, visits the last ``--periods`` periods twice to fill the caches, then times one more
visit of each: CPU seconds (``time.process_time``, the whole process: AppTest's own bookkeeping
included) and wall seconds per rerun. bench/bench_load.py measures the same reruns through a real
server, where Streamlit's work per rerun (protobuf, websocket) comes on top.

``--parts`` times the largest parts of a view new to the process instead, called directly (no
AppTest), each period once: the village quality table of the warning marks, the map model (queries,
classes, build_map, marks, programme layers and hot spots; its quality table included) and the
render to what streamlit-folium's component receives. Medians of CPU seconds: steadier than a whole
rerun's on shared cores, and they say which part a change moved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a store, e.g. from bench/make_store.py")
    parser.add_argument("--regency", default="64.02")
    parser.add_argument("--village", default=None, help="a village whose panel stays open")
    parser.add_argument("--periods", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="timed visits of each period")
    parser.add_argument("--cold", action="store_true", help="time each period's first visit instead")
    parser.add_argument("--parts", action="store_true", help="time a cold view's parts, called directly")
    args = parser.parse_args()
    os.environ["STUNTING_DATA_DIR"] = str(args.data_dir.resolve())
    if args.parts:
        _parts(args)
        return

    from streamlit.testing.v1 import AppTest

    from stunting import prevalence

    periods = sorted(prevalence.periods(args.data_dir))[-args.periods :]
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    app.query_params["regency"] = args.regency
    if args.village:
        app.query_params["village"] = args.village
    app.run()
    if args.cold:
        opened = app.sidebar.selectbox(key="view_period").value
        _report("cold", args, _timed(app, [p for p in periods if p != opened]))
        return
    for period in periods * 2:  # the caches filled: every later visit finds its view
        app.sidebar.selectbox(key="view_period").set_value(period).run()
    _report("cached", args, _timed(app, periods * args.rounds))


def _parts(args) -> None:
    import logging

    from stunting import prevalence
    from stunting.quality.table import quality_table
    from stunting.viewstate import ViewState
    from ui import folium_view, map_panel

    logging.disable(logging.WARNING)  # streamlit's "no ScriptRunContext" outside a run, once per cache call
    periods = sorted(prevalence.periods(args.data_dir))

    def view(period: str) -> ViewState:
        return ViewState(period=period, level="regency", regency=args.regency)

    def render(model) -> None:
        folium_view.rendered(
            model.choropleth.base,
            feature_group_to_add=model.choropleth.villages,
            returned_objects=map_panel.RETURNED_OBJECTS,
        )

    render(map_panel._village_model(view(periods[0]), False))  # imports and process-wide caches
    times: dict[str, list[float]] = {"quality table": [], "map model": [], "render": []}
    for period in periods[-args.periods :]:
        used = time.process_time()
        quality_table(period, "village", regency=args.regency, data_dir=args.data_dir)
        times["quality table"].append(time.process_time() - used)
        used = time.process_time()
        model = map_panel._village_model(view(period), False)
        times["map model"].append(time.process_time() - used)
        used = time.process_time()
        render(model)
        times["render"].append(time.process_time() - used)
    parts = ", ".join(f"{name} {statistics.median(cpu):.3f} s" for name, cpu in times.items())
    print(
        f"cold view's parts ({args.regency}, {len(times['render'])} periods), CPU medians: {parts}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def _timed(app, periods: list[str]) -> tuple[list[float], list[float]]:
    """CPU and wall seconds of one period change to each of ``periods``, in turn."""
    cpu, wall = [], []
    for period in periods:
        started, used = time.perf_counter(), time.process_time()
        app.sidebar.selectbox(key="view_period").set_value(period).run()
        cpu.append(time.process_time() - used)
        wall.append(time.perf_counter() - started)
        if app.exception:
            raise SystemExit(f"the page failed: {app.exception[0].value}")
    return cpu, wall


def _report(kind: str, args, timings: tuple[list[float], list[float]]) -> None:
    cpu, wall = timings
    print(
        f"{kind} map-page rerun ({args.regency}{', village ' + args.village if args.village else ''}, "
        f"{len(cpu)} reruns): CPU median {statistics.median(cpu):.3f} s, "
        f"wall median {statistics.median(wall):.3f} s; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
