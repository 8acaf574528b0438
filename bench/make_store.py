"""Build a synthetic measurement store of N rows with the store's own writer, for the benches.

Realistic in the ways that cost time: the 252 gazetteer villages, 14 weighing rounds (February and
August 2019-2025), children followed from round to round while under five, about 8% measured twice
in a round (so ``last_in_period`` matters), a few flagged and undefined z-scores.

    .venv/bin/python bench/make_store.py --rows 1000000 --out bench/out/store-1m
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stunting import gazetteer, store  # noqa: E402
from stunting.indicators import DAYS_PER_MONTH, age_group_labels  # noqa: E402

YEARS = range(2019, 2026)
MONTHS = (2, 8)
REPEAT_SHARE = 0.08  # measured twice in one round (a posyandu visit and a puskesmas check)


def build(out: Path, rows: int, seed: int = 2026) -> None:
    rng = np.random.default_rng(seed)
    villages = gazetteer.villages()
    villages = villages[villages["regency_code"].isin(["64.02", "64.74"])].reset_index(drop=True)
    periods = [(year, month) for year in YEARS for month in MONTHS]
    per_round = rows // len(periods)
    first = per_round / (1 + REPEAT_SHARE)
    # Each round sees about a tenth of the under-fives newly born since the last: a pool of children
    # born over ten years, each measured in every round while under 60 months (thinned to the target).
    pool = int(first * 2.2)
    births = np.datetime64("2014-03-01") + rng.integers(0, 365 * 11, pool).astype("timedelta64[D]")
    child_village = rng.integers(0, len(villages), pool)
    child_sex = rng.choice(np.array(["L", "P"]), pool)
    village_effect = rng.normal(0.0, 0.35, len(villages))
    child_ids = np.array(
        [hashlib.sha256(f"bench-{i}".encode()).hexdigest() for i in range(pool)], dtype=object
    )

    for year in YEARS:
        frames = []
        for month in MONTHS:
            start = np.datetime64(f"{year}-{month:02d}-01")
            age_at_start = (start - births).astype("int64")
            eligible = np.flatnonzero((age_at_start >= 0) & (age_at_start < 59 * DAYS_PER_MONTH))
            take = rng.choice(eligible, size=min(int(first), len(eligible)), replace=False)
            repeats = rng.choice(take, size=int(len(take) * REPEAT_SHARE), replace=False)
            kids = np.concatenate([take, repeats])
            day = np.concatenate([rng.integers(0, 14, len(take)), rng.integers(14, 28, len(repeats))]).astype(
                "timedelta64[D]"
            )
            frames.append(
                _round(
                    rng,
                    kids,
                    start + day,
                    births,
                    child_village,
                    child_sex,
                    child_ids,
                    villages,
                    village_effect,
                    year,
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame["source_row"] = np.arange(1, len(frame) + 1, dtype="int32")
        record = store.ImportRecord(
            import_id=store.new_import_id(),
            file_name=f"bench-{year}.csv",
            sha256=hashlib.sha256(f"bench-{year}-{rows}-{seed}".encode()).hexdigest(),
            source="demo",
            imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            rows_read=len(frame),
            rows_stored=0,
            rows_rejected=0,
        )
        frame["import_id"] = record.import_id
        store.write_measurements(out, frame, record)


def _round(
    rng, kids, measured_on, births, child_village, child_sex, child_ids, villages, village_effect, year
):
    n = len(kids)
    age_days = (measured_on - births[kids]).astype("int64")
    village = villages.iloc[child_village[kids]]
    improvement = 0.08 * (year - 2019)  # prevalence falls over the years
    months = np.floor(age_days / DAYS_PER_MONTH)
    age_effect = -0.9 * np.clip(months, 0, 24) / 24  # stunting rises steeply from 6 to 24 months
    haz = rng.normal(-1.0 + village_effect[child_village[kids]] + improvement + age_effect, 1.1)
    waz = rng.normal(-0.9, 1.0, n)
    whz = rng.normal(-0.5, 1.0, n)
    undefined = rng.random(n) < 0.01
    for z in (haz, waz, whz):
        z[undefined] = np.nan
        z[rng.random(n) < 0.002] = -7.5
    return pd.DataFrame(
        {
            "regency": village["regency_code"].to_numpy(),
            "child_id": child_ids[kids],
            "village_code": village["code"].to_numpy(),
            "kecamatan_code": village["kecamatan_code"].to_numpy(),
            "period": pd.to_datetime(measured_on).strftime("%Y-%m"),
            "measured_on": measured_on,
            "age_days": age_days.astype("int32"),
            "age_months": months.astype("int16"),
            "age_group": age_group_labels(age_days),
            "sex": child_sex[kids],
            "weight_kg": np.round(rng.normal(11.5, 2.5, n), 1),
            "height_cm": np.round(rng.normal(86.0, 10.0, n), 1),
            "measured_lying": age_days < 731,
            "haz": haz,
            "waz": waz,
            "whz": whz,
            "haz_flag": np.abs(haz) > 6,
            "waz_flag": (waz < -6) | (waz > 5),
            "whz_flag": np.abs(whz) > 5,
            "reported_haz": np.round(haz, 2),
            "reported_waz": np.round(waz, 2),
            "reported_whz": np.round(whz, 2),
            "posyandu": "Posyandu " + village["name"].to_numpy(),
            "puskesmas": "Puskesmas " + village["kecamatan_name"].to_numpy(),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if store.current_snapshot(args.out) is not None:
        sys.exit(f"{args.out} already holds a store; remove it first")
    started = time.perf_counter()
    build(args.out, args.rows, args.seed)
    print(f"{args.rows:,} rows requested, store built in {time.perf_counter() - started:.1f} s at {args.out}")


if __name__ == "__main__":
    main()
