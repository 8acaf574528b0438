"""How fast stunting.who.zscores() scores a large import: HAZ + WAZ + WHZ and flags together.

Target: >= 1,000,000 rows/s, so that a year of e-PPGBM exports for both regencies scores in seconds.
Run: .venv/bin/python bench/bench_zscores.py [rows]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stunting.who import value_at_z, zscores  # noqa: E402

DEFAULT_ROWS = 1_000_000
REPEATS = 3  # median of three runs: one slow run (page cache, CPU contention) does not decide
TARGET_ROWS_PER_SECOND = 1_000_000


def synthetic_children(rows: int, seed: int = 2026) -> pd.DataFrame:
    """Plausible measurements: ages 0-59 months, sizes around WHO's median, a few positions unknown."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, rows)
    age = rng.integers(0, 1827, rows)
    height = value_at_z("lhfa", sex, age, rng.normal(-1.0, 1.2, rows))
    weight = value_at_z("wfa", sex, age, rng.normal(-0.8, 1.1, rows))
    lying = pd.array(age < 731, dtype="boolean")
    lying[rng.random(rows) < 0.05] = pd.NA  # the export leaves the position blank now and then
    return pd.DataFrame(
        {
            "sex": sex,
            "age_days": age.astype("int32"),
            "weight_kg": np.round(weight, 1),
            "lenhei_cm": np.round(height, 1),
            "measured_lying": lying,
        }
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROWS
    frame = synthetic_children(rows)
    zscores(frame.head(1000))  # load the tables outside the timing
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = zscores(frame)
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(f"zscores(): {rows:,} rows, median of {REPEATS}: {median:.3f} s = {rows / median:,.0f} rows/s")
    print(f"  runs: {', '.join(f'{s:.3f} s' for s in seconds)}")
    defined = result[["haz", "waz", "whz"]].notna().mean()
    print(f"  defined: HAZ {defined['haz']:.1%}, WAZ {defined['waz']:.1%}, WHZ {defined['whz']:.1%}")
    verdict = "meets" if rows / median >= TARGET_ROWS_PER_SECOND else "MISSES"
    print(f"  {verdict} the target of {TARGET_ROWS_PER_SECOND:,} rows/s")


if __name__ == "__main__":
    main()
