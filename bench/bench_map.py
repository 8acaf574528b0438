"""The map's speed and size, measured the way a user meets them. Prints the figures.

    .venv/bin/python bench/bench_map.py --data-dir bench/out/map-10m

1. payload: the bytes st_folium sends to the browser for Kukar (map script with geometry and data,
   header, html), before compression; target < 400 KB;
2. server build: prevalence query + display geometry + folium map + st_folium string, median of 5
   (queries warm and cold-cached separately);
3. cold start: `streamlit run` launched -> health answers -> all Kukar polygons drawn in headless
   chromium;
4. period change: select another period in the sidebar -> the map redrawn with the new colours,
   median of 5; target < 1 s with a 10-million-row store (bench/make_store.py).

The data dir needs a measurement store (bench/make_store.py or the demo) and, for realistic payloads,
real boundaries (`python -m stunting boundaries import ... --data-dir DIR`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RUNS = 5
KUKAR = "64.02"
PAYLOAD_TARGET_KB = 400
PERIOD_CHANGE_TARGET_S = 1.0
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# The fills of every village path: changes when the map is redrawn for another period.
FILLS_JS = f"""() => {{
    const f = document.querySelector('{IFRAME}');
    if (!f || !f.contentDocument) return null;
    const paths = f.contentDocument.querySelectorAll('path.leaflet-interactive');
    return Array.from(paths, p => p.getAttribute('fill')).join(',') + '|' + paths.length;
}}"""


def _component_strings(data_dir: str, indicator: str, period: str) -> tuple[int, dict[str, str], float]:
    """What st_folium sends for Kukar, built as the map page builds it: (villages, strings, query s)."""
    import streamlit_folium as sf

    from geo.choropleth import build_map
    from stunting.boundaries import load_display
    from stunting.classes import make_scheme
    from stunting.prevalence import prevalence

    started = time.perf_counter()
    rates = prevalence(indicator, period, "village", regency=KUKAR, data_dir=data_dir)
    queried = time.perf_counter() - started
    areas = load_display("village", "overview", regency=KUKAR, data_dir=data_dir)
    choropleth = build_map(
        areas,
        rates,
        make_scheme("who", indicator),
        lang="id",
        period=period,
        indicator_label=indicator,
        kecamatan_areas=load_display("kecamatan", "overview", regency=KUKAR, data_dir=data_dir),
        regency_areas=load_display("regency", "overview", regency=KUKAR, data_dir=data_dir),
    )
    base = choropleth.base
    base.get_root().render()
    strings = {"header": sf._get_header(base), "html": sf._get_html(base), "script": sf._get_map_string(base)}
    strings["villages"] = sf._get_feature_group_string(choropleth.villages, base)
    strings["_schematic"] = "1" if areas.attrs.get("schematic") else ""
    return len(areas), strings, queried


def _payload(data_dir: str, indicator: str, period: str) -> dict:
    villages, strings, _ = _component_strings(data_dir, indicator, period)
    sizes = {k: len(v.encode()) / 1024 for k, v in strings.items() if not k.startswith("_")}
    return {
        "villages": villages,
        "schematic": bool(strings["_schematic"]),
        "base_kb": sizes["script"] + sizes["header"] + sizes["html"],
        "villages_kb": sizes["villages"],
        "total_kb": sum(sizes.values()),
    }


def _server_build(data_dir: str, indicator: str, periods: list[str]) -> tuple[float, float]:
    timings = []
    for i in range(RUNS):
        started = time.perf_counter()
        _, _, queried = _component_strings(data_dir, indicator, periods[-1 - i % len(periods)])
        timings.append((queried, time.perf_counter() - started - queried))
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def _browser(data_dir: str, periods: list[str], villages: int) -> dict:
    # The browser tests' own server and offline page (tests/browser.py): chromium at 1366x768 with
    # every request that would leave the machine blocked and recorded.
    sys.path.insert(0, str(REPO / "tests"))
    from browser import offline_page, open_choices, streamlit_app

    launched = time.perf_counter()
    with (
        streamlit_app(Path(data_dir).resolve()) as url,
        offline_page("/usr/bin/chromium", locale=None) as (page, outside),
    ):
        healthy = time.perf_counter()  # streamlit_app yields once the server answers its health check
        page.goto(f"{url}/?regency={KUKAR}&period={periods[-1]}")
        page.wait_for_function(
            f"() => ({FILLS_JS})() && ({FILLS_JS})().endsWith('|' + {villages})", timeout=600_000
        )
        drawn = time.perf_counter()
        changes = []
        select = page.get_by_label("Periode")
        for i in range(RUNS):
            before = page.evaluate(FILLS_JS)
            target = periods[-2 - i % (len(periods) - 1)]
            option = page.get_by_role("option", name=target_label(target))
            open_choices(page, select, option)
            started = time.perf_counter()
            option.click()
            page.wait_for_function(
                f"""before => {{ const now = ({FILLS_JS})();
                               return now && now !== before && now.endsWith('|' + {villages}); }}""",
                arg=before,
                timeout=120_000,
            )
            changes.append(time.perf_counter() - started)
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)
    return {
        "health_s": healthy - launched,
        "first_draw_s": drawn - launched,
        "period_changes_s": changes,
        "outside_requests": outside,
    }


def target_label(period: str) -> str:
    from ui.sidebar import period_label

    return period_label(period, "id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--indicator", default="stunting")
    parser.add_argument("--no-browser", action="store_true", help="skip cold start and period change")
    args = parser.parse_args()

    from stunting import store
    from stunting.prevalence import periods as store_periods

    periods = store_periods(args.data_dir)
    rows = None
    files = store.measurement_files(args.data_dir)
    if files:
        import duckdb

        rows = (
            duckdb.connect()
            .execute("select count(*) from read_parquet($files)", {"files": files})
            .fetchall()[0][0]
        )
    print(f"data dir {args.data_dir}: {rows:,} measurement rows, {len(periods)} periods")

    payload = _payload(args.data_dir, args.indicator, periods[-1])
    verdict = "OK" if payload["total_kb"] < PAYLOAD_TARGET_KB else "OVER TARGET"
    print(
        f"payload Kukar ({payload['villages']} villages, schematic={payload['schematic']}): "
        f"{payload['total_kb']:.0f} KB to the browser (base map {payload['base_kb']:.0f} KB, village "
        f"layer {payload['villages_kb']:.0f} KB) "
        f"- target < {PAYLOAD_TARGET_KB} KB: {verdict}"
    )

    query_s, build_s = _server_build(args.data_dir, args.indicator, periods)
    print(
        f"server build, median of {RUNS}: prevalence query {query_s * 1000:.0f} ms, "
        f"geometry + folium map + st_folium string {build_s * 1000:.0f} ms"
    )

    if args.no_browser:
        return
    result = _browser(args.data_dir, periods, payload["villages"])
    changes = result["period_changes_s"]
    median = statistics.median(changes)
    verdict = "OK" if median < PERIOD_CHANGE_TARGET_S else "OVER TARGET"
    print(
        f"cold start: server healthy {result['health_s']:.1f} s, Kukar polygons drawn "
        f"{result['first_draw_s']:.1f} s after `streamlit run`"
    )
    print(
        f"period change -> polygons redrawn, median of {RUNS}: {median:.2f} s "
        f"({', '.join(f'{c:.2f}' for c in changes)}) - target < {PERIOD_CHANGE_TARGET_S} s: {verdict}"
    )
    print(f"requests that left 127.0.0.1: {len(result['outside_requests'])}")


if __name__ == "__main__":
    main()
