"""Boundary import at scale: all 8,563 Jawa Tengah villages (35 SQL dumps), then Kukar's overview size.

Prints seconds per stage (read + validate, coverage clean, simplify overview, simplify detail,
dissolve into kecamatan/regency outlines, write the snapshot) and the overview GeoJSON size of
Kutai Kartanegara's 237 villages. Reads ../shared (never copied), writes only to a temp dir.
Besides wall-clock seconds it prints the process's CPU seconds: the import runs on one core, so on
a machine shared with other work (the agents' 2 cores) CPU seconds are the figure an idle machine
would show as wall time.

    .venv/bin/python bench/bench_boundaries.py [--shared ../shared] [--skip-jateng]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stunting.boundaries import load_display  # noqa: E402
from stunting.boundaries.display import to_geojson  # noqa: E402
from stunting.boundaries.install import import_files  # noqa: E402

KUKAR_OVERVIEW_TARGET_KB = 350


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--skip-jateng", action="store_true", help="only the Kukar + Bontang figures")
    args = parser.parse_args()
    db = args.shared / "data" / "boundaries" / "wilayah_boundaries" / "db" / "kel"
    with tempfile.TemporaryDirectory(prefix="bench-boundaries-") as tmp:
        if not args.skip_jateng:
            files = sorted((db / "33").glob("wilayah_boundaries_kel_33.*.sql"))
            report = run(f"Jawa Tengah ({len(files)} files)", files, Path(tmp) / "jateng")
            print(
                f"  villages {report.villages}, kecamatan {report.kecamatan}, "
                f"regencies {len(report.regencies)}"
            )
            print(f"  villages the source overlaps with neighbours (> 3% of area): {report.overlapped}")
            for detail, figures in report.source["tolerances_deg"].items():
                print(
                    f"  {detail}: nominal {figures['nominal']:g} deg, "
                    f"smallest {figures['smallest']:.6f} deg, "
                    f"{figures['villages_below_nominal']} villages below nominal, worst area change "
                    f"{report.source['worst_area_change'][detail]:.2%}"
                )
        files = [db / "64" / f"wilayah_boundaries_kel_{code}.sql" for code in ("64.02", "64.74")]
        data_dir = Path(tmp) / "kaltim"
        report = run("Kutai Kartanegara + Bontang", files, data_dir)
        for detail in ("overview", "detail", "full"):
            frame = load_display("village", detail, regency="64.02", data_dir=data_dir)
            size_kb = len(to_geojson(frame).encode("utf-8")) / 1024
            print(f"  Kukar village GeoJSON, {detail}: {size_kb:.0f} KB ({len(frame)} villages)")
        print(
            f"  target for overview: <= {KUKAR_OVERVIEW_TARGET_KB} KB; worst area change "
            f"{report.source['worst_area_change']['overview']:.2%}"
        )


def run(label: str, files, data_dir: Path):
    started, cpu = time.perf_counter(), time.process_time()
    report = import_files(files, data_dir=data_dir)
    total = time.perf_counter() - started
    print(f"{label}: {total:.1f} s in total (CPU {time.process_time() - cpu:.1f} s)")
    for stage, seconds in report.seconds.items():
        print(f"  {stage:<18} {seconds:7.2f} s")
    return report


if __name__ == "__main__":
    main()
