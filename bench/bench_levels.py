"""The map's national and province views, measured the way a user meets them. Prints the figures.

    .venv/bin/python bench/bench_levels.py [--data-dir bench/out/levels] [--shared ../shared] [--no-browser]

The bench store (built on first use): the demo (`python -m stunting demo`, Kalimantan Timur), the
national outlines (`boundaries fetch --overview --mirror ../shared/data/boundaries/wilayah_boundaries`)
and Jawa Tengah's villages (`boundaries fetch --province 33 --mirror ...`, about a minute once), so
the polygons are the real kab/prov outlines and Jawa Tengah's kecamatan the real villages' dissolves;
without ../shared the schematic cells are measured (the payload figure then means little). For each
view, national (514 regencies), Jawa Tengah's province view (`?province=33`, 35 regencies) and its
kecamatan (`?province=33&areas=kecamatan`, 576):

1. payload: the bytes st_folium sends to the browser (map script with the outlines, header, html,
   and the regency layer with geometry and data), before compression; target < 600 KB nationally;
2. server build: view_rates query + polygons + folium map + st_folium strings, median of 5;
3. period change: select another period in the sidebar -> every polygon drawn anew in headless
   chromium, median of 5; target < 1 s. Redrawn means every regency path in the map is a new
   element (the old ones are marked before the change): Jawa Tengah has no data in the demo, so
   its colours do not change, but its layer is swapped all the same.

The Jawa Tengah village import (target < 60 s) is bench/bench_boundaries.py's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RUNS = 5
PAYLOAD_TARGET_KB = 600
PERIOD_CHANGE_TARGET_S = 1.0
# (view, province, polygons drawn, what a province view draws)
VIEWS = (
    ("national", None, 514, "regency"),
    ("province", "33", 35, "regency"),
    ("province", "33", 576, "kecamatan"),
)
# Jawa Tengah's villages are installed so its kecamatan view draws their real dissolves.
KECAMATAN_PROVINCE = "33"
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Mark every polygon drawn now; count the unmarked (newly drawn) and all polygons.
MARK_JS = f"""() => {{
    const f = document.querySelector('{IFRAME}');
    f.contentDocument.querySelectorAll('path.leaflet-interactive').forEach(p => p.dataset.old = "1");
}}"""
COUNT_JS = f"""() => {{
    const f = document.querySelector('{IFRAME}');
    if (!f || !f.contentDocument) return [0, 0];
    const paths = [...f.contentDocument.querySelectorAll('path.leaflet-interactive')];
    return [paths.filter(p => !p.dataset.old).length, paths.length];
}}"""


def _ensure_store(data_dir: Path, shared: Path) -> None:
    python = sys.executable
    if not (data_dir / "store" / "CURRENT").exists():
        subprocess.run([python, "-m", "stunting", "demo", "--data-dir", str(data_dir)], cwd=REPO, check=True)
    mirror = shared / "data" / "boundaries" / "wilayah_boundaries"
    from stunting.boundaries import load_outlines

    if mirror.is_dir() and load_outlines("regency", data_dir) is None:
        subprocess.run(
            [python, "-m", "stunting", "boundaries", "fetch", "--overview", "--mirror", str(mirror)]
            + ["--data-dir", str(data_dir)],
            cwd=REPO,
            check=True,
        )
    from stunting.boundaries import installed

    listed = installed(data_dir)
    have = set(listed.loc[listed["what"] == "villages", "code"]) if len(listed) else set()
    if (mirror / "db" / "kel" / KECAMATAN_PROVINCE).is_dir() and not any(
        c[:2] == KECAMATAN_PROVINCE for c in have
    ):
        subprocess.run(
            [python, "-m", "stunting", "boundaries", "fetch", "--province", KECAMATAN_PROVINCE]
            + ["--mirror", str(mirror), "--data-dir", str(data_dir)],
            cwd=REPO,
            check=True,
        )


def _component_strings(data_dir: str, view: str, code: str | None, period: str, drawn: str = "regency"):
    """What st_folium sends for ``view`` (``drawn``: a province's regencies or kecamatan), built as
    ui/map_panel.py builds it: (strings, schematic)."""
    import streamlit_folium as sf

    from geo.choropleth import AREA_DECIMALS, NATIONAL_DECIMALS, MapOptions, build_map
    from stunting.boundaries import load_areas, province_regency_outlines
    from stunting.classes import make_scheme
    from stunting.prevalence import view_rates
    from ui.map_panel import PANEL_WIDTH_PX

    rates = view_rates("stunting", period, view, code, level=drawn, data_dir=data_dir)
    areas = load_areas(drawn, code, zoom=view, data_dir=data_dir)
    choropleth = build_map(
        areas,
        rates,
        make_scheme("who", "stunting"),
        lang="id",
        period=period,
        indicator_label="Stunting",
        options=MapOptions(
            decimals=NATIONAL_DECIMALS if view == "national" else AREA_DECIMALS,
            clear_of_legend=True,
            clear_right_px=0 if view == "national" else PANEL_WIDTH_PX + 16,
        ),
        province_areas=load_areas("province", code, zoom=view, data_dir=data_dir),
        regency_areas=province_regency_outlines(code, data_dir=data_dir) if drawn == "kecamatan" else None,
    )
    base = choropleth.base
    base.get_root().render()
    strings = {"header": sf._get_header(base), "html": sf._get_html(base), "script": sf._get_map_string(base)}
    strings["regencies"] = sf._get_feature_group_string(choropleth.villages, base)
    return strings, bool(areas.attrs.get("schematic"))


def _browser(data_dir: Path, periods: list[str]) -> dict:
    # The browser tests' own server and offline page (tests/browser.py): chromium at 1366x768 with
    # every request that would leave the machine blocked and recorded.
    sys.path.insert(0, str(REPO / "tests"))
    from browser import offline_page, open_choices, streamlit_app

    from ui.sidebar import period_label

    results = {}
    with (
        streamlit_app(data_dir.resolve()) as url,
        offline_page("/usr/bin/chromium", locale=None) as (page, outside),
    ):
        for view, code, count, drawn in VIEWS:
            query = "level=national" if view == "national" else f"province={code}"
            query += "&areas=kecamatan" if drawn == "kecamatan" else ""
            started = time.perf_counter()
            page.goto(f"{url}/?{query}&period={periods[-1]}")
            page.wait_for_function(f"() => ({COUNT_JS})()[1] === {count}", timeout=600_000)
            first = time.perf_counter() - started
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)
            changes = []
            select = page.get_by_label("Periode")
            for i in range(RUNS):
                page.evaluate(MARK_JS)
                target = periods[-2 - i % (len(periods) - 1)]
                option = page.get_by_role("option", name=period_label(target, "id"))
                open_choices(page, select, option)
                started = time.perf_counter()
                option.click()
                page.wait_for_function(
                    f"() => {{ const [fresh, all] = ({COUNT_JS})();"
                    f" return fresh === {count} && all === {count}; }}",
                    timeout=120_000,
                )
                changes.append(time.perf_counter() - started)
                page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)
            results[(view, drawn)] = {"first_draw_s": first, "period_changes_s": changes}
            print(f"  {view} {drawn}: {', '.join(f'{c:.2f}' for c in changes)} s", flush=True)
    results["outside"] = outside
    return results


def _label(view: str, code: str | None, drawn: str) -> str:
    if view == "national":
        return "national"
    return f"province {code}" + (" kecamatan" if drawn == "kecamatan" else "")


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "bench" / "out" / "levels")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--no-browser", action="store_true", help="payload and server build only")
    args = parser.parse_args()
    _ensure_store(args.data_dir, args.shared)

    from stunting.prevalence import periods as store_periods

    periods = store_periods(args.data_dir)
    data_dir = str(args.data_dir)
    print(f"data dir {data_dir}: {len(periods)} periods, load {_load()}")
    for view, code, count, drawn in VIEWS:
        strings, schematic = _component_strings(data_dir, view, code, periods[-1], drawn)
        sizes = {name: len(text.encode()) / 1024 for name, text in strings.items()}
        total = sum(sizes.values())
        target = f" - target < {PAYLOAD_TARGET_KB} KB: {'OK' if total < PAYLOAD_TARGET_KB else 'OVER TARGET'}"
        label = _label(view, code, drawn)
        # The national target is the issue's; a province's kecamatan aim for the same.
        judged = view == "national" or drawn == "kecamatan"
        print(
            f"payload {label} ({count} {drawn}, schematic={schematic}): {total:.0f} KB to the browser "
            f"(base map with outlines {sizes['script'] + sizes['header'] + sizes['html']:.0f} KB, {drawn} "
            f"layer {sizes['regencies']:.0f} KB){target if judged else ''}"
        )
        timings = []
        for i in range(RUNS):
            started, cpu = time.perf_counter(), time.process_time()
            _component_strings(data_dir, view, code, periods[-1 - i % len(periods)], drawn)
            timings.append((time.perf_counter() - started, time.process_time() - cpu))
        print(
            f"  server build, median of {RUNS}: {statistics.median(t[0] for t in timings) * 1000:.0f} ms "
            f"(CPU {statistics.median(t[1] for t in timings) * 1000:.0f} ms), load {_load()}"
        )
    if args.no_browser:
        return
    results = _browser(args.data_dir, periods)
    for view, code, count, drawn in VIEWS:
        figures = results[(view, drawn)]
        changes = figures["period_changes_s"]
        median = statistics.median(changes)
        verdict = "OK" if median < PERIOD_CHANGE_TARGET_S else "OVER TARGET"
        label = _label(view, code, drawn)
        print(
            f"{label}: first draw {figures['first_draw_s']:.1f} s; period change -> {count} polygons "
            f"redrawn, median of {RUNS}: {median:.2f} s ({', '.join(f'{c:.2f}' for c in changes)}) "
            f"- target < {PERIOD_CHANGE_TARGET_S} s: {verdict}"
        )
    print(f"requests that left 127.0.0.1: {len(results['outside'])}; load {_load()}")


if __name__ == "__main__":
    main()
