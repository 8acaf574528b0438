"""The national gazetteer's cost on every app start: read geo/gazetteer/*.csv (91,599 areas) and build
the village frame, the kecamatan list and a village matcher, each in a fresh process (median of 5).

    .venv/bin/python bench/bench_gazetteer.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, time
t0 = time.perf_counter()
from stunting import gazetteer
from stunting.villages import VillageMatcher
t1 = time.perf_counter()
gazetteer.villages()
t2 = time.perf_counter()
gazetteer.areas("kecamatan"); gazetteer.regencies()
t3 = time.perf_counter()
VillageMatcher().match("KAB. MALANG", "TUREN", "SEDAYU")
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "villages": t2 - t1, "areas": t3 - t2, "matcher": t4 - t3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", CHILD], cwd=REPO, check=True, capture_output=True,
                                  text=True).stdout)
        for _ in range(args.runs)
    ]  # fmt: skip
    for stage in runs[0]:
        print(f"{stage:<9} median {statistics.median(r[stage] for r in runs) * 1000:7.0f} ms")
    print("(imports: pandas, pyarrow, rapidfuzz and the modules themselves; the rest is the gazetteer's own)")


if __name__ == "__main__":
    main()
