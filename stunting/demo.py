"""The synthetic demo of a province: Kalimantan Timur's ten regencies and 1,038 villages, made up.

Kukar and Bontang (252 villages) come as a made-up e-PPGBM export, imported like a real one; the
other eight regencies (786 villages) as village counts (aggregates), as an office without
child-level rows would send them (``_aggregate_counts``), so the province, national and comparison
views have a whole province to show.

The app builds it on first run (the store is empty) and labels every view of it "data contoh
(sintetis)". It is written as real e-PPGBM individual exports (``;``-separated, comma decimals,
dd/mm/yyyy dates, the header row of issue 3) and imported through ``stunting.ingest``, so the demo
exercises the same reader, WHO z-scores, pseudonymisation and store as a data manager's file.

How the numbers are made (all vectorised numpy; a seed gives the same files byte for byte):

* Children are a birth cohort: each child is born on a day between five years before the first
  weighing month and the last one, in a village drawn in proportion to a plausible population
  (log-normal, kelurahan larger, a few tiny desa), belongs to one posyandu of that village and keeps
  its fake NIK, sex and a persistent growth component for as long as it is under 60 months.
* In each weighing month (February and August, 2019-2025) every posyandu weighs on one day; a child
  aged 0-59 months comes with a probability that falls gently with age, so the age structure is
  roughly uniform by month with slightly fewer older children.
* Stunting: each village and round has a target prevalence (the regency's trend, shifted by a smooth
  field over the village centroids plus a village effect, then calibrated so the regency's expected
  prevalence is exactly its trend), scaled by an age profile that rises steeply from 6 to 24 months.
  A child's HAZ is normal with SD 1.1 and the mean that gives that prevalence; part of the deviation
  is the child's own and persists from round to round.
* Length/height comes from the HAZ through WHO's tables (``who.value_at_z``), recorded 0.7 cm off
  where the child was measured in the other position (the reverse of WHO's correction); weight comes
  from a WHZ ~ N(-0.4, 1.05) at that length/height. The export's own ZS columns hold the true
  z-scores rounded to 2 decimals, so data-quality views have something to compare with.
* Names are drawn from lists of common Indonesian given names (no real person: any likeness is the
  lists' doing), so the duplicate check compares names as it would in a real export.
* The other eight regencies: per weighing month, each village's children weighed (the regency's
  under-fives in proportion to its population, shared by log-normal village sizes) and its cases
  of stunting, severe stunting, wasting and underweight, binomial around a regency trend
  (AGGREGATE_TRENDS, invented but of the size Kaltim's regencies report) with a persistent village
  effect. They are labelled synthetic like the rest (the demo's import source).
* Realistic faults in a few named villages (FAULT_* below), so the "Kualitas data" page and the
  story have something to show: heights rounded to whole centimetres in Handil Baru, a batch of
  children registered twice (no NIK, the name typed again, the birth date a few days off) in Api-api,
  and ZS columns computed by older rules in one posyandu of Tanjung Laut.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from scipy.special import ndtri

from stunting import demo_programmes, gazetteer, programmes, store, who
from stunting.config import data_dir as resolve_data_dir
from stunting.eppgbm import EXPORT_HEADER
from stunting.errors import UserError

Progress = Callable[[float, str], None]

DEMO_SOURCE = store.DEMO_SOURCE
DEMO_LABEL = "data contoh (sintetis)"
DEFAULT_SEED = 2024

YEARS = tuple(range(2019, 2026))
WEIGHING_MONTHS = (2, 8)  # February and August: the national weighing months (bulan timbang)
ROUNDS = tuple((year, month) for year in YEARS for month in WEIGHING_MONTHS)

# Children measured per weighing month, about as many as the two regencies' under-fives who attend.
CHILDREN_PER_ROUND = {"64.02": 60_000, "64.74": 15_000}

# Kalimantan Timur's other eight regencies come as village counts: stunting prevalence in the first
# and last round (a straight line between, plus noise). Invented, of the size the province's
# regencies report (about 20-33% in 2019, falling), so the province map has contrast.
AGGREGATE_TRENDS = {
    "64.01": (0.29, 0.21),  # Paser
    "64.03": (0.25, 0.19),  # Berau
    "64.07": (0.30, 0.22),  # Kutai Barat
    "64.08": (0.31, 0.24),  # Kutai Timur
    "64.09": (0.27, 0.20),  # Penajam Paser Utara
    "64.11": (0.33, 0.26),  # Mahakam Ulu
    "64.71": (0.20, 0.16),  # Kota Balikpapan
    "64.72": (0.26, 0.22),  # Kota Samarinda
}
# Under-fives weighed per round per resident: Kukar's 60,000 of its 806,964 people (gazetteer).
WEIGHED_PER_RESIDENT = 60_000 / 806_964
AGGREGATE_VILLAGE_EFFECT_SD = 0.35  # logit: villages of one regency differ by about +-7 points
# Other indicators in the counted villages, as shares of children weighed (national orders of size).
AGGREGATE_SEVERE_SHARE = 0.3  # of the stunted
AGGREGATE_WASTING = 0.07
AGGREGATE_UNDERWEIGHT = 0.15
# Share of the progress bar for the child-level years; the village counts take the rest.
CHILD_LEVEL_SHARE = 0.97

# Regency stunting prevalence per round (ROUNDS order): Kukar falls steadily from about 27% to about
# 15%; Bontang moves up and down between about 20% and 27%, so trend views show both shapes.
STUNTING_TREND = {
    "64.02": (0.276, 0.270, 0.262, 0.253, 0.242, 0.231, 0.218,
              0.206, 0.194, 0.183, 0.173, 0.164, 0.157, 0.150),
    "64.74": (0.215, 0.232, 0.248, 0.262, 0.255, 0.240, 0.226,
              0.238, 0.250, 0.233, 0.216, 0.206, 0.218, 0.228),
}  # fmt: skip

# Stunting by age relative to the all-ages rate, at the middle month of each age group (Indonesia's
# SSGI 2022 pattern: low in infancy, steep rise from 6 to 24 months, a plateau after).
AGE_PROFILE_MONTHS = np.array([3.0, 9.0, 18.0, 30.0, 42.0, 54.0])
AGE_PROFILE_RISK = np.array([0.54, 0.63, 1.04, 1.21, 1.16, 1.06])
MAX_CELL_PREVALENCE = 0.9  # keeps the HAZ mean finite where a high-risk village meets a high-risk age

HAZ_SD = 1.1  # SD of height-for-age z in Indonesian survey data, wider than WHO's 1.0
HAZ_CHILD_SD = 0.85  # the part of a child's deviation it keeps from round to round
WHZ_MEAN, WHZ_SD = -0.4, 1.05  # wasting (WHZ < -2) about 6%
WHZ_CHILD_SD = 0.6
# WHO counts a child as stunted when its z *rounded to 2 decimals* is below -2, i.e. when the true z
# is below -2.005; aiming the mean at -2.0 would leave every round's prevalence 0.15-0.2 points low.
STUNTING_CUTOFF = -2.005

BOYS_SHARE = 0.51
LAST_AGE_DAYS = 1825  # the oldest child a posyandu weighs as under-five (60 months = 1826.25 days)
ATTENDANCE = 0.85  # chance that an infant is weighed in a weighing month
OLDER_ATTENDANCE_DROP = 0.2  # a child near 5 years comes 20% less often than an infant

VILLAGE_SIZE_SIGMA = 0.6  # log-normal spread of village populations
KELURAHAN_SIZE = 2.0  # urban kelurahan are bigger than rural desa
TINY_VILLAGES = 6  # remote desa with a handful of children, so the app shows "too few children"
TINY_VILLAGE_CHILDREN = (5.0, 9.0)  # expected children per round in such a desa
# Every village gets a few births at any scale, so even a 2% test build has every village.
MIN_BIRTHS_PER_VILLAGE = 4
CHILDREN_PER_POSYANDU = 70  # a posyandu serves some 50-100 under-fives
SPATIAL_FIELD_SD = 0.35  # logit units: villages from about 0.7x to 1.4x the regency's odds
VILLAGE_EFFECT_SD = 0.15
SPATIAL_BUMPS = 8
SPATIAL_BUMP_DEGREES = (0.15, 0.6)

POSITION_SWAPPED = 0.03  # measured in the other position than WHO's for the age
POSITION_BLANK = 0.02  # Cara Ukur left empty
NIK_BLANK = 0.03  # children without NIK: the pipeline keys them on name, birth date and mother

# The export's other columns, which the pipeline does not use, filled plausibly so the file looks real.
SIX_MONTHS_DAYS = 183  # LiLA and vitamin A start at 6 months
MUAC_MEASURED = 0.3  # posyandu measure LiLA (MUAC) for some children only
WEIGHT_GAIN_CODES = ("N", "T", "O")  # KMS: naik, tidak naik, tidak ditimbang bulan lalu
WEIGHT_GAIN_SHARES = (0.72, 0.20, 0.08)
NEW_CHILD_DAYS = 30  # a first weighing is coded B (baru)
PMT_GIVEN = 0.6  # share of wasted children recorded with supplementary food (PMT)
VITAMIN_A_GIVEN = 0.85  # February and August are vitamin A months
KPSP_TEXTS = ("Sesuai", "Meragukan", None)  # developmental screening, often not done
KPSP_SHARES = (0.60, 0.05, 0.35)
KIA_BOOK = 0.8  # the mother-and-child health book was brought

POSYANDU_NAMES = (
    "Melati", "Mawar", "Anggrek", "Kenanga", "Dahlia", "Cempaka", "Flamboyan", "Teratai", "Seroja", "Kamboja",
)  # fmt: skip
PROVINCE = "KALIMANTAN TIMUR"

# Given names of children and mothers (common Indonesian names; combinations, not people).
CHILD_NAMES = (
    "Muhammad Ahmad Aditya Rizki Fajar Dimas Bayu Rafi Arkan Fathir Zidan Alif Raka Satria Galih Yusuf "
    "Ilham Farhan Hafiz Naufal Daffa Reza Arya Bima Kevin Siti Nur Aisyah Putri Dewi Ayu Zahra Nabila "
    "Anisa Salsabila Keisha Aulia Naura Alya Khansa Syifa Rahma Intan Citra Fitri Azkia Kirana Nayla"
).split()
FAMILY_NAMES = (
    "Pratama Saputra Ramadhan Hidayat Setiawan Nugroho Wijaya Kurniawan Firmansyah Maulana Hakim Akbar "
    "Permata Lestari Rahmawati Safitri Anggraini Wulandari Azzahra Khairunnisa Amelia Oktaviani Puspita "
    "Syahputra Gunawan Santoso Hasibuan Siregar Lubis Nasution Pane Daeng Tanjung Ramli"
).split()
MOTHER_NAMES = (
    "Sri Wahyuni Rina Hartati Yuli Susanti Nur Hasanah Siti Aminah Dewi Kartika Erna Wati Lina Marlina "
    "Rosmiati Fatimah Halimah Juliana Nurul Hidayah Sulastri Rukmini Suryani Mariani Kasmawati Hasnah "
    "Masitah Nurlela Rahmatia Hamsiah Samsinar Jumriah Asmawati Mardiana Nuraini Irawati Herlina"
).split()
NAMES_SEED = 7  # the names' own random stream: adding names never changes the measurements

# Planted faults (gazetteer codes; the data-quality page and its tests rely on these villages).
FAULT_ROUNDED_HEIGHTS = "64.02.13.1012"  # Handil Baru: a board without millimetre marks
ROUNDED_SHARE = 0.7  # of its measurements recorded to the whole centimetre
FAULT_DUPLICATES = "64.74.01.1006"  # Api-api: children registered a second time at a new visit
DUPLICATED_SHARE = 0.1  # of its children, every time they are weighed
DUPLICATE_BIRTH_SHIFT_DAYS = 3  # the second registration's birth date, typed a few days off
FAULT_OLD_RULES = "64.74.02.1001"  # Tanjung Laut: its first posyandu's system used older z-score rules
OLD_RULES_SHIFT = 0.3  # z; about what the NCHS/CDC 1977 reference gives against WHO 2006 at 2 years


# Category texts of Permenkes 2/2020 as e-PPGBM prints them: (upper z bound, text), in order.
WFA_CATEGORIES = ((-3, "Berat Badan Sangat Kurang"), (-2, "Berat Badan Kurang"), (1, "Berat Badan Normal"),
                  (np.inf, "Risiko Berat Badan Lebih"))  # fmt: skip
HFA_CATEGORIES = ((-3, "Sangat Pendek"), (-2, "Pendek"), (3, "Normal"), (np.inf, "Tinggi"))
WFH_CATEGORIES = ((-3, "Gizi Buruk"), (-2, "Gizi Kurang"), (1, "Gizi Baik"), (2, "Berisiko Gizi Lebih"),
                  (3, "Gizi Lebih"), (np.inf, "Obesitas"))  # fmt: skip

# Share of each year's stretch of the progress bar spent writing its file; importing it takes the
# rest (it takes about four times as long).
GENERATION_SHARE = 0.25


@dataclass
class DemoSummary:
    """What ``build_demo`` did: counts of the synthetic export and what the import stored."""

    data_dir: Path
    seed: int
    scale: float
    files: int
    rows: int
    children: int
    generate_seconds: float
    ingest_seconds: float
    rows_stored: int
    rows_rejected: int
    imports: list = field(default_factory=list)
    aggregate_villages: int = 0  # villages of the eight regencies sent as village counts
    aggregate_rows: int = 0  # village x month rows of those counts


def build_demo(
    data_dir=None, *, seed: int = DEFAULT_SEED, progress: Progress | None = None, scale: float = 1.0
) -> DemoSummary:
    """Write the synthetic e-PPGBM exports (one file per year) to a temporary folder and import them.

    ``scale`` multiplies the number of children (1.0: about 60,000 per round in Kukar and 15,000 in
    Bontang); tests use a few percent. ``progress(fraction, message)`` is called as work advances.
    Refuses (``UserError``) a store that holds real imports, or a demo built with another seed or
    scale: the demo's children would be counted together with them. A demo store written in an older
    format (store_layout.FORMAT_VERSION) is emptied and built again: the demo rebuilds itself. Each
    year's file is imported and deleted before the next is written, so the temporary folder never
    holds more than one.
    """
    from stunting import ingest  # the pipeline is heavy: import it only when a demo is built

    if scale <= 0:
        raise ValueError("scale must be positive")
    report = _forward_only(progress)
    target = resolve_data_dir(data_dir)
    store.empty_outdated_demo(target)
    _refuse_mixing(target, seed, scale)
    report(0.0, "generating the synthetic e-PPGBM export")
    generating = time.perf_counter()
    model = _model(seed, scale)
    generate_seconds = time.perf_counter() - generating
    ingest_seconds = 0.0
    weighed = np.zeros(len(model.cohort.village), dtype=bool)
    rows = 0
    summaries = []
    with tempfile.TemporaryDirectory(prefix="stunting-demo-") as folder:
        for index, year in enumerate(YEARS):
            start = CHILD_LEVEL_SHARE * index / len(YEARS)
            step = CHILD_LEVEL_SHARE / len(YEARS)
            report(start, f"generating {year}")
            generating = time.perf_counter()
            path, year_rows = _write_year(model, Path(folder), year, weighed)
            generate_seconds += time.perf_counter() - generating
            rows += year_rows

            def scaled(fraction: float, message: str, start: float = start, step: float = step) -> None:
                report(start + step * (GENERATION_SHARE + (1 - GENERATION_SHARE) * fraction), message)

            importing = time.perf_counter()
            summaries += ingest.ingest_files([path], target, source=DEMO_SOURCE, progress=scaled)
            ingest_seconds += time.perf_counter() - importing
            path.unlink()
    programmes.write_tables(model.programmes.tables, target, source=DEMO_LABEL)
    report(CHILD_LEVEL_SHARE, "village counts of the other eight regencies")
    generating = time.perf_counter()
    counts = _aggregate_counts(seed, scale)
    generate_seconds += time.perf_counter() - generating
    importing = time.perf_counter()
    _write_aggregate_counts(target, counts, aggregates_name(seed, scale))
    ingest_seconds += time.perf_counter() - importing
    report(1.0, "demo data imported")
    return DemoSummary(
        data_dir=target,
        seed=seed,
        scale=scale,
        files=len(YEARS),
        rows=rows,
        children=int(weighed.sum()),
        generate_seconds=generate_seconds,
        ingest_seconds=ingest_seconds,
        rows_stored=sum(s.rows_stored for s in summaries),
        rows_rejected=sum(s.rows_rejected for s in summaries),
        imports=summaries,
        aggregate_villages=int(counts["village_code"].nunique()),
        aggregate_rows=len(counts),
    )


def _forward_only(progress: Progress | None) -> Progress:
    """``progress`` that never moves back (the per-file shares add up with rounding errors)."""
    furthest = 0.0

    def report(fraction: float, message: str) -> None:
        nonlocal furthest
        furthest = min(max(furthest, fraction), 1.0)
        if progress is not None:
            progress(furthest, message)

    return report


def export_name(year: int, seed: int, scale: float) -> str:
    """The file name of one year's export; the import log keeps it, so it records seed and scale."""
    suffix = "" if scale == 1.0 else f"-scale{scale:g}"
    return f"demo-eppgbm-{year}-seed{seed}{suffix}.csv"


def aggregates_name(seed: int, scale: float) -> str:
    """The import log's name for the eight regencies' village counts (seed and scale, as above)."""
    suffix = "" if scale == 1.0 else f"-scale{scale:g}"
    return f"demo-village-counts-seed{seed}{suffix}.csv"


def _aggregate_counts(seed: int, scale: float) -> pd.DataFrame:
    """Village counts (store.AGGREGATE_SCHEMA's columns but the import's) for the regencies of
    AGGREGATE_TRENDS, every weighing month of ROUNDS; villages with nobody weighed have no row."""
    rng = np.random.default_rng([seed, 1])  # its own stream: the child-level export stays as it was
    villages = gazetteer.villages()
    villages = villages[villages["regency_code"].isin(list(AGGREGATE_TRENDS))].reset_index(drop=True)
    regency = villages["regency_code"].to_numpy()
    population = gazetteer.table().set_index("code")["population"]
    size = rng.lognormal(0.0, VILLAGE_SIZE_SIGMA, len(villages)) * np.where(
        villages["type"] == "kelurahan", KELURAHAN_SIZE, 1.0
    )
    expected = np.zeros(len(villages))
    for code in AGGREGATE_TRENDS:
        mine = regency == code
        expected[mine] = size[mine] / size[mine].sum() * population[code] * WEIGHED_PER_RESIDENT * scale
    effect = rng.normal(0.0, AGGREGATE_VILLAGE_EFFECT_SD, len(villages))
    first, last = (np.array([AGGREGATE_TRENDS[c][i] for c in regency]) for i in (0, 1))
    frames = []
    for r, (year, month) in enumerate(ROUNDS):
        trend = first + (last - first) * r / (len(ROUNDS) - 1) + rng.normal(0.0, 0.004, len(villages))
        prevalence = 1 / (1 + np.exp(-(np.log(trend / (1 - trend)) + effect)))
        measured = rng.poisson(expected)
        stunted = rng.binomial(measured, prevalence)
        frames.append(
            pd.DataFrame(
                {
                    "regency": regency,
                    "kecamatan_code": villages["kecamatan_code"].to_numpy(),
                    "village_code": villages["code"].to_numpy(),
                    "period": f"{year}-{month:02d}",
                    "measured": measured,
                    "stunting": stunted,
                    "severe_stunting": rng.binomial(stunted, AGGREGATE_SEVERE_SHARE),
                    "wasting": rng.binomial(measured, AGGREGATE_WASTING),
                    "underweight": rng.binomial(measured, AGGREGATE_UNDERWEIGHT),
                }
            )[measured > 0]
        )
    counts = pd.concat(frames, ignore_index=True)
    counts["source_row"] = np.arange(1, len(counts) + 1, dtype=np.int32)
    return counts


def _write_aggregate_counts(target: Path, counts: pd.DataFrame, name: str) -> None:
    """Store the village counts as one demo import (a rebuild of the same demo writes nothing)."""
    from datetime import UTC, datetime

    if name in set(store.imports(target)["file_name"]):
        return
    record = store.ImportRecord(
        import_id=store.new_import_id(),
        file_name=name,
        sha256=f"synthetic-{name}",
        source=DEMO_SOURCE,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        rows_read=len(counts),
        rows_stored=0,
        rows_rejected=0,
    )
    store.write_aggregates(target, counts.assign(import_id=record.import_id), record)


def _refuse_mixing(target: Path, seed: int, scale: float) -> None:
    log = store.imports(target)
    real = log[log["source"] != DEMO_SOURCE]
    if len(real):
        raise UserError(
            f"The store in {target} already holds {len(real)} real import(s) (first: "
            f"{real['file_name'].iloc[0]}); the synthetic demo would be counted with them, so it was "
            "not built. Use an empty --data-dir for the demo."
        )
    ours = {export_name(year, seed, scale) for year in YEARS} | {aggregates_name(seed, scale)}
    other = sorted(set(log["file_name"]) - ours)
    if other:
        raise UserError(
            f"The store in {target} already holds a demo built with another seed or scale ({other[0]}); "
            "use an empty --data-dir for this one."
        )


@dataclass
class DemoExport:
    files: list[Path]  # one e-PPGBM export per year
    rows: int  # data rows in all files
    children: int  # children weighed at least once


def write_exports(
    folder: Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    years: tuple[int, ...] = YEARS,
    progress: Progress | None = None,
) -> DemoExport:
    """Write one e-PPGBM export per year (both weighing months) into ``folder``.

    The same seed and scale give byte-identical files, whichever ``years`` are asked for: each
    weighing month draws from its own random stream.
    """
    report = progress or (lambda fraction, message: None)
    model = _model(seed, scale)
    weighed = np.zeros(len(model.cohort.village), dtype=bool)
    files, rows = [], 0
    for index, year in enumerate(years):
        path, year_rows = _write_year(model, Path(folder), year, weighed)
        files.append(path)
        rows += year_rows
        report((index + 1) / len(years), f"wrote {path.name}")
    return DemoExport(files=files, rows=rows, children=int(weighed.sum()))


def _write_year(model: Model, folder: Path, year: int, weighed: np.ndarray) -> tuple[Path, int]:
    """Write one year's export; mark its children in ``weighed``. Returns (path, data rows)."""
    table, children = _year_table(model, year)
    weighed[children] = True
    path = folder / export_name(year, model.seed, model.scale)
    with open(path, "wb") as sink:
        sink.write((";".join(EXPORT_HEADER) + "\n").encode("utf-8"))  # unquoted, as e-PPGBM writes it
        options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
        pacsv.write_csv(table, sink, options)
    return path, table.num_rows


# --- the population --------------------------------------------------------------------------------


@dataclass
class Villages:
    frame: pd.DataFrame  # gazetteer rows, in gazetteer order
    regency: np.ndarray  # regency code per village
    share: np.ndarray  # share of its regency's children
    logit_effect: np.ndarray  # spatial field + village effect, logit units, before calibration
    posyandu_count: np.ndarray  # posyandu per village
    posyandu_first: np.ndarray  # index of the village's first posyandu in the global posyandu list
    posyandu_names: np.ndarray  # global posyandu list (names)


def _villages(rng: np.random.Generator) -> Villages:
    # The demo covers its own regencies (CHILDREN_PER_ROUND), not the national gazetteer.
    frame = gazetteer.villages()
    frame = frame[frame["regency_code"].isin(list(CHILDREN_PER_ROUND))].reset_index(drop=True)
    n = len(frame)
    regency = frame["regency_code"].to_numpy()
    size = rng.lognormal(0.0, VILLAGE_SIZE_SIGMA, n) * np.where(
        frame["type"] == "kelurahan", KELURAHAN_SIZE, 1.0
    )
    share = np.zeros(n)
    for code in CHILDREN_PER_ROUND:
        mine = regency == code
        share[mine] = size[mine] / size[mine].sum()
    tiny_candidates = np.flatnonzero((regency == "64.02") & (frame["type"] == "desa").to_numpy())
    tiny = np.zeros(n, dtype=bool)
    tiny[rng.choice(tiny_candidates, TINY_VILLAGES, replace=False)] = True
    share[tiny] = rng.uniform(*TINY_VILLAGE_CHILDREN, TINY_VILLAGES) / CHILDREN_PER_ROUND["64.02"]
    for code in CHILDREN_PER_ROUND:
        mine = regency == code
        share[mine & ~tiny] *= (1.0 - share[mine & tiny].sum()) / share[mine & ~tiny].sum()

    lat, lng = frame["lat"].to_numpy(), frame["lng"].to_numpy()
    centres = np.column_stack(
        [rng.uniform(lat.min(), lat.max(), SPATIAL_BUMPS), rng.uniform(lng.min(), lng.max(), SPATIAL_BUMPS)]
    )
    widths = rng.uniform(*SPATIAL_BUMP_DEGREES, SPATIAL_BUMPS)
    heights = rng.normal(0.0, 1.0, SPATIAL_BUMPS)
    distance2 = (lat[:, None] - centres[None, :, 0]) ** 2 + (lng[:, None] - centres[None, :, 1]) ** 2
    field_ = (heights * np.exp(-distance2 / (2 * widths**2))).sum(axis=1)
    field_ = (field_ - field_.mean()) / field_.std() * SPATIAL_FIELD_SD
    logit_effect = field_ + rng.normal(0.0, VILLAGE_EFFECT_SD, n)

    expected = share * np.array([CHILDREN_PER_ROUND[c] for c in regency])
    posyandu_count = np.maximum(1, np.round(expected / CHILDREN_PER_POSYANDU)).astype(np.int64)
    posyandu_first = np.concatenate([[0], np.cumsum(posyandu_count)[:-1]])
    village_of_posyandu = np.repeat(np.arange(n), posyandu_count)
    number_in_village = np.arange(posyandu_count.sum()) - posyandu_first[village_of_posyandu]
    flower = (village_of_posyandu * 3 + number_in_village) % len(POSYANDU_NAMES)
    names = np.char.add(
        np.char.add("Posyandu ", np.asarray(POSYANDU_NAMES)[flower]),
        np.char.add(" ", (number_in_village // len(POSYANDU_NAMES) + 1).astype(str)),
    )
    return Villages(frame, regency, share, logit_effect, posyandu_count, posyandu_first, names.astype(object))


def _round_starts() -> np.ndarray:
    return np.array([f"{year}-{month:02d}-01" for year, month in ROUNDS], dtype="datetime64[D]")


def _attendance(age_days: np.ndarray) -> np.ndarray:
    return ATTENDANCE * (1.0 - OLDER_ATTENDANCE_DROP * age_days / LAST_AGE_DAYS)


def _age_risk(age_days: np.ndarray) -> np.ndarray:
    """Stunting risk by age relative to all ages, normalised over the measured age structure."""
    months = age_days / who.DAYS_PER_MONTH
    raw = np.interp(months, AGE_PROFILE_MONTHS, AGE_PROFILE_RISK)
    all_days = np.arange(LAST_AGE_DAYS + 1)
    weights = _attendance(all_days)
    mean = np.average(
        np.interp(all_days / who.DAYS_PER_MONTH, AGE_PROFILE_MONTHS, AGE_PROFILE_RISK), weights=weights
    )
    return raw / mean


def _village_prevalence(villages: Villages, offset: np.ndarray | None = None) -> np.ndarray:
    """Target stunting prevalence per village (rows) and round (columns).

    Each regency's rounds are shifted on the logit scale so that its villages, weighted by their
    expected children, average exactly the regency's trend. ``offset`` (village x round, logit
    units) is the demo programmes' built-in effect (stunting.demo_programmes).
    """
    prevalence = np.zeros((len(villages.share), len(ROUNDS)))
    for code, trend in STUNTING_TREND.items():
        mine = villages.regency == code
        weights = villages.share[mine]
        for r, target in enumerate(trend):
            effect = villages.logit_effect[mine] + (0.0 if offset is None else offset[mine, r])
            shift = np.log(target / (1 - target))
            for _ in range(50):  # Newton on a smooth monotone function: converges in a few steps
                p = 1 / (1 + np.exp(-(shift + effect)))
                gap = (weights * p).sum() - target
                if abs(gap) < 1e-12:
                    break
                shift -= gap / (weights * p * (1 - p)).sum()
            prevalence[mine, r] = 1 / (1 + np.exp(-(shift + effect)))
    return prevalence


@dataclass
class Cohort:
    village: np.ndarray
    posyandu: np.ndarray
    birth: np.ndarray  # datetime64[D]
    sex: np.ndarray  # 1 boy, 2 girl
    serial: np.ndarray  # 1.. within the whole demo: the fake NIK and names
    has_nik: np.ndarray
    haz_child: np.ndarray
    whz_child: np.ndarray
    birth_weight: np.ndarray
    birth_length: np.ndarray
    rt: np.ndarray
    rw: np.ndarray
    house: np.ndarray


def _cohort(rng: np.random.Generator, villages: Villages, scale: float) -> Cohort:
    starts = _round_starts()
    first_birth = starts[0] - LAST_AGE_DAYS
    last_birth = starts[-1] + 27  # the latest posyandu day of the last round
    window_days = int((last_birth - first_birth).astype(int)) + 1
    mean_attendance = _attendance(np.arange(LAST_AGE_DAYS + 1)).mean()
    counts = np.zeros(len(villages.share), dtype=np.int64)
    for code, per_round in CHILDREN_PER_ROUND.items():
        mine = villages.regency == code
        births_per_day = per_round / ((LAST_AGE_DAYS + 1) * mean_attendance)
        total = rng.poisson(births_per_day * window_days * scale)
        counts[mine] = rng.multinomial(total, villages.share[mine])
    counts = np.maximum(counts, MIN_BIRTHS_PER_VILLAGE)
    village = np.repeat(np.arange(len(counts)), counts)
    n = len(village)
    birth = first_birth + rng.integers(0, window_days, n).astype("timedelta64[D]")
    order = np.lexsort((birth, village))  # serials run by village and birth, like a register
    village, birth = village[order], birth[order]
    posyandu = villages.posyandu_first[village] + (rng.random(n) * villages.posyandu_count[village]).astype(
        np.int64
    )
    sex = np.where(rng.random(n) < BOYS_SHARE, 1, 2)
    return Cohort(
        village=village,
        posyandu=posyandu,
        birth=birth,
        sex=sex,
        serial=np.arange(1, n + 1),
        has_nik=rng.random(n) >= NIK_BLANK,
        haz_child=rng.normal(0.0, HAZ_CHILD_SD, n),
        whz_child=rng.normal(0.0, WHZ_CHILD_SD, n),
        birth_weight=np.clip(rng.normal(3.1, 0.45, n) - 0.1 * (sex == 2), 1.5, 5.0),
        birth_length=np.clip(rng.normal(48.7, 2.0, n) - 0.5 * (sex == 2), 40.0, 56.0),
        rt=rng.integers(1, 30, n),
        rw=rng.integers(1, 10, n),
        house=rng.integers(1, 250, n),
    )


# --- one weighing month ------------------------------------------------------------------------------


def _measure_round(rng, villages: Villages, cohort: Cohort, prevalence: np.ndarray, r: int) -> pd.DataFrame:
    """The measurements of round ``r``: one row per child weighed, numeric columns (not yet text)."""
    start = _round_starts()[r]
    posyandu_day = rng.integers(0, 28, len(villages.posyandu_names))  # 1st-28th: fits every month
    measured_on = start + posyandu_day[cohort.posyandu].astype("timedelta64[D]")
    age_days = (measured_on - cohort.birth).astype(np.int64)
    chance = rng.random(len(age_days))
    weighed = (age_days >= 0) & (age_days <= LAST_AGE_DAYS)
    weighed &= chance < _attendance(np.clip(age_days, 0, LAST_AGE_DAYS))
    child = np.flatnonzero(weighed)
    n = len(child)
    age = age_days[child]
    sex = cohort.sex[child]

    p = np.minimum(prevalence[cohort.village[child], r] * _age_risk(age), MAX_CELL_PREVALENCE)
    haz_mean = STUNTING_CUTOFF - HAZ_SD * ndtri(p)  # P(HAZ < STUNTING_CUTOFF) = p
    round_sd = np.sqrt(HAZ_SD**2 - HAZ_CHILD_SD**2)
    haz = haz_mean + cohort.haz_child[child] + rng.normal(0.0, round_sd, n)
    whz = WHZ_MEAN + cohort.whz_child[child] + rng.normal(0.0, np.sqrt(WHZ_SD**2 - WHZ_CHILD_SD**2), n)

    young = age < who.LENGTH_HEIGHT_SWITCH_DAYS
    lying = young ^ (rng.random(n) < POSITION_SWAPPED)
    position_known = rng.random(n) >= POSITION_BLANK
    # The reverse of WHO's correction: what the tape showed in the position actually used.
    standing_counts = position_known & ~lying & (age / who.DAYS_PER_MONTH >= who.STANDING_IMPLAUSIBLE_MONTHS)
    correction = np.where(young & standing_counts, who.LYING_STANDING_CM, 0.0)
    correction -= np.where(~young & position_known & lying, who.LYING_STANDING_CM, 0.0)
    lenhei = who.value_at_z("lhfa", sex, age, haz)  # length under 731 days, height from there
    weight = np.where(young, who.value_at_z("wfl", sex, lenhei, whz), who.value_at_z("wfh", sex, lenhei, whz))
    # Outside the weight-for-length/height tables (very short children) WHO defines no WHZ: their
    # weight follows weight-for-age instead, at a z between their HAZ and WHZ.
    no_whz = np.isnan(weight)
    weight[no_whz] = who.value_at_z("wfa", sex[no_whz], age[no_whz], (haz[no_whz] + whz[no_whz]) / 2)
    whz[no_whz] = np.nan
    true_z = who.zscores(
        pd.DataFrame(
            {"sex": sex, "age_days": age, "weight_kg": weight, "lenhei_cm": lenhei, "measured_lying": young}
        )
    )  # lying exactly when WHO expects it: no correction, so these are the z of the true body

    return pd.DataFrame(
        {
            "village": cohort.village[child],
            "posyandu": cohort.posyandu[child],
            "child": child,
            "measured_on": measured_on[child],
            "age_days": age,
            "haz": np.round(haz, 2),
            "waz": true_z["waz"].to_numpy(),
            "whz": np.round(whz, 2),
            "height": np.round(lenhei - correction, 1),
            "weight": np.round(weight, 1),
            "position": np.where(position_known, np.where(lying, 1, 2), 0),
            "muac": np.where(
                (age >= SIX_MONTHS_DAYS) & (rng.random(n) < MUAC_MEASURED),
                np.round(14.6 + 0.5 * np.nan_to_num(whz) + rng.normal(0, 0.8, n), 1),
                np.nan,
            ),
            "weight_gain": np.where(
                age < NEW_CHILD_DAYS, len(WEIGHT_GAIN_CODES), rng.choice(3, n, p=WEIGHT_GAIN_SHARES)
            ),
            "pmt": np.where(
                (whz < -2) & (rng.random(n) < PMT_GIVEN), np.round(rng.uniform(0.5, 2.0, n), 1), np.nan
            ),
            "vitamin_a": (age >= SIX_MONTHS_DAYS) & (rng.random(n) < VITAMIN_A_GIVEN),
            "kpsp": rng.choice(len(KPSP_TEXTS), n, p=KPSP_SHARES),
            "kia": rng.random(n) < KIA_BOOK,
        }
    )


# --- text, as e-PPGBM writes it --------------------------------------------------------------------
# A column holds few distinct values (weights to 0.1 kg, a few thousand dates): each distinct value
# is formatted once and the column is a take() of those texts, which is fast on a million rows.


def _pick(texts: list[str | None], index: np.ndarray) -> pa.Array:
    """``texts[index]`` as a dictionary array: no string is copied per row."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(index, dtype=np.int32)), pa.array(texts, type=pa.string())
    )


def _texts(values: np.ndarray, format_one: Callable[[object], str | None]) -> pa.Array:
    distinct, inverse = np.unique(values, return_inverse=True)
    return _pick([format_one(value) for value in distinct.tolist()], inverse.ravel())


def _decimal_text(values: np.ndarray, decimals: int) -> pa.Array:
    """Numbers as Indonesian exports write them: comma decimal separator, empty where missing."""

    def one(value: float) -> str | None:
        # + 0.0 turns -0.0 into 0.0: a z of -0.001 is printed "0,00", never "-0,00"
        return None if value != value else f"{value + 0.0:.{decimals}f}".replace(".", ",")

    return _texts(np.round(np.asarray(values, dtype="float64"), decimals), one)


def _date_text(dates: np.ndarray) -> pa.Array:
    return _texts(np.asarray(dates, dtype="datetime64[D]"), lambda day: f"{day:%d/%m/%Y}")


def _category_text(z: np.ndarray, categories) -> pa.Array:
    bounds = np.array([b for b, _ in categories[:-1]], dtype="float64")
    # Permenkes 2/2020 puts a z on a bound on the side of normal: -2.00 is not "Pendek", +1.00 is
    # "Gizi Baik". So below zero a bound belongs to the class above it, above zero to the one below.
    with np.errstate(invalid="ignore"):
        above_low_bound = (z[:, None] >= bounds) & (bounds < 0)
        above_high_bound = (z[:, None] > bounds) & (bounds > 0)
    index = above_low_bound.sum(axis=1) + above_high_bound.sum(axis=1)
    index[np.isnan(z)] = len(categories)
    return _pick([t for _, t in categories] + [None], index)


def _padded(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")


def _age_text(birth: np.ndarray, measured_on: np.ndarray) -> pa.Array:
    """Calendar age as e-PPGBM prints it: "X Tahun - Y Bulan - Z Hari"."""
    birth = np.asarray(birth, dtype="datetime64[D]")
    measured_on = np.asarray(measured_on, dtype="datetime64[D]")
    birth_month = birth.astype("datetime64[M]")
    measured_month = measured_on.astype("datetime64[M]")
    birth_day = (birth - birth_month).astype(np.int64)  # 0-based day of the month
    measured_day = (measured_on - measured_month).astype(np.int64)
    months = (measured_month - birth_month).astype(np.int64) - (measured_day < birth_day)
    # The last monthly birthday: the same day of the month, or the month's last day (born on the 31st).
    anniversary_month = birth_month + months.astype("timedelta64[M]")
    month_days = ((anniversary_month + 1).astype("datetime64[D]") - anniversary_month).astype(np.int64)
    anniversary = anniversary_month.astype("datetime64[D]") + np.minimum(birth_day, month_days - 1)
    days = (measured_on - anniversary).astype(np.int64)
    return _texts(
        months * 100 + days,
        lambda code: f"{code // 1200} Tahun - {code // 100 % 12} Bulan - {code % 100} Hari",
    )


def _export_table(
    rows: pd.DataFrame, villages: Villages, cohort: Cohort, names: tuple[list[str], list[str]] | None = None
) -> pa.Table:
    """The export's 33 text columns (EXPORT_HEADER order) for ``rows`` of ``_measure_round``."""
    child = rows["child"].to_numpy()
    village = rows["village"].to_numpy()
    n = len(child)
    frame = villages.frame

    def per_village(names: pd.Series) -> pa.Array:
        return _pick(names.tolist(), village)

    serial = cohort.serial[child]
    duplicate = rows["duplicate"].to_numpy() if "duplicate" in rows else np.zeros(n, dtype=bool)
    child_names, mother_names = names if names is not None else _names(cohort)
    typed = [
        child_names[c] if not d else _retyped(child_names[c])
        for c, d in zip(child.tolist(), duplicate, strict=True)
    ]
    mothers = [mother_names[c] for c in child.tolist()]
    # Typed a few days early (a few days late for the oldest: the child must stay under five).
    late = rows["age_days"].to_numpy() + DUPLICATE_BIRTH_SHIFT_DAYS > LAST_AGE_DAYS
    shift = np.where(duplicate, np.where(late, DUPLICATE_BIRTH_SHIFT_DAYS, -DUPLICATE_BIRTH_SHIFT_DAYS), 0)
    birth = cohort.birth[child] + shift.astype("timedelta64[D]")
    nik_prefix = per_village(frame["regency_code"].str.replace(".", "", regex=False) + "00").cast(pa.string())
    nik = pc.binary_join_element_wise(nik_prefix, _padded(serial, 10), "")
    no_text = pa.nulls(n, pa.string())
    measured_on = rows["measured_on"].to_numpy().astype("datetime64[D]")
    return pa.table(
        {
            "NIK": pc.if_else(pa.array(cohort.has_nik[child] & ~duplicate), nik, no_text),
            "Nama": pa.array(typed, type=pa.string()),
            "JK": _pick(["L", "P"], cohort.sex[child] - 1),
            "Tgl Lahir": _date_text(birth),
            "BB Lahir": _decimal_text(cohort.birth_weight[child], 1),
            "TB Lahir": _decimal_text(cohort.birth_length[child], 1),
            "Nama Ortu": pa.array(mothers, type=pa.string()),
            "Prov": _pick([PROVINCE], np.zeros(n)),
            "Kab/Kota": per_village(
                frame["regency_name"].str.replace("Kabupaten ", "", regex=False).str.upper()
            ),
            "Kec": per_village(frame["kecamatan_name"].str.upper()),
            "Pukesmas": per_village("Puskesmas " + frame["kecamatan_name"]),
            "Desa/Kel": per_village(frame["name"].str.upper()),
            "Posyandu": _pick(villages.posyandu_names.tolist(), rows["posyandu"].to_numpy()),
            "RT": _padded(cohort.rt[child], 3),
            "RW": _padded(cohort.rw[child], 3),
            "Alamat": pc.binary_join_element_wise(
                "Jl. Contoh No. ", pa.array(cohort.house[child]).cast(pa.string()), ""
            ),
            "Usia Saat Ukur": _age_text(birth, measured_on),
            "Tanggal Pengukuran": _date_text(measured_on),
            "Berat": _decimal_text(rows["weight"].to_numpy(), 1),
            "Tinggi": _decimal_text(rows["height"].to_numpy(), 1),
            "Cara Ukur": _pick([None, "Terlentang", "Berdiri"], rows["position"].to_numpy()),
            "LiLA": _decimal_text(rows["muac"].to_numpy(), 1),
            "BB/U": _category_text(rows["waz"].to_numpy(), WFA_CATEGORIES),
            "ZS BB/U": _decimal_text(rows["waz"].to_numpy(), 2),
            "TB/U": _category_text(rows["haz"].to_numpy(), HFA_CATEGORIES),
            "ZS TB/U": _decimal_text(rows["haz"].to_numpy(), 2),
            "BB/TB": _category_text(rows["whz"].to_numpy(), WFH_CATEGORIES),
            "ZS BB/TB": _decimal_text(rows["whz"].to_numpy(), 2),
            "Naik Berat Badan": _pick([*WEIGHT_GAIN_CODES, "B"], rows["weight_gain"].to_numpy()),
            "PMT Diterima (kg)": _decimal_text(rows["pmt"].to_numpy(), 1),
            "Jml Vit A": _pick([None, "1"], rows["vitamin_a"].to_numpy()),
            "KPSP": _pick(list(KPSP_TEXTS), rows["kpsp"].to_numpy()),
            "KIA": _pick(["Tidak", "Ya"], rows["kia"].to_numpy()),
        }
    )


@dataclass
class Model:
    villages: Villages
    prevalence: np.ndarray  # village x round
    cohort: Cohort
    seed: int
    scale: float
    programmes: demo_programmes.DemoProgrammes | None = None
    names: tuple[list[str], list[str]] | None = None  # each cohort child's and mother's name (_names)


def _model(seed: int, scale: float) -> Model:
    """Villages, their target prevalence and the birth cohort: everything but the weighing months."""
    rng = np.random.default_rng([seed, 0])
    villages = _villages(rng)
    expected = villages.share * np.array([CHILDREN_PER_ROUND[c] for c in villages.regency]) * scale
    planned = demo_programmes.plan(villages.frame, _village_prevalence(villages), ROUNDS, expected, seed)
    prevalence = _village_prevalence(villages, planned.log_odds)
    cohort = _cohort(rng, villages, scale)
    return Model(villages, prevalence, cohort, seed, scale, planned, _names(cohort))


def _year_table(model: Model, year: int) -> tuple[pa.Table, np.ndarray]:
    """One year's export (both weighing months) as text columns, and the children weighed in it."""
    parts = []
    for month in WEIGHING_MONTHS:
        r = ROUNDS.index((year, month))
        rng = np.random.default_rng([model.seed, 1 + r])
        parts.append(_measure_round(rng, model.villages, model.cohort, model.prevalence, r))
    rows = _plant_faults(pd.concat(parts, ignore_index=True), model)
    rows = rows.sort_values(["village", "posyandu", "measured_on", "child"], kind="stable", ignore_index=True)
    return _export_table(rows, model.villages, model.cohort, model.names), rows["child"].to_numpy()


def _village_index(villages: Villages, code: str) -> int:
    return int(np.flatnonzero(villages.frame["code"].to_numpy() == code)[0])


def _plant_faults(rows: pd.DataFrame, model: Model) -> pd.DataFrame:
    """The FAULT_* villages' faults (see the module docstring); a ``duplicate`` column marks the second
    registrations, which _export_table writes without NIK, with a retyped name and birth date."""
    villages = model.villages
    rows = rows.assign(duplicate=False)
    rounded = rows["village"].to_numpy() == _village_index(villages, FAULT_ROUNDED_HEIGHTS)
    rounded &= _fraction_of(rows["child"].to_numpy(), 11) < ROUNDED_SHARE
    rows.loc[rounded, "height"] = np.round(rows.loc[rounded, "height"])
    # e-PPGBM computes its ZS from the heights as entered: the rounded ones get their own z-scores.
    entered = rows[rounded]
    position = entered["position"].to_numpy()
    recomputed = who.zscores(
        pd.DataFrame(
            {
                "sex": model.cohort.sex[entered["child"].to_numpy()],
                "age_days": entered["age_days"].to_numpy(),
                "weight_kg": entered["weight"].to_numpy(),
                "lenhei_cm": entered["height"].to_numpy(),
                "measured_lying": pd.array(np.where(position == 0, None, position == 1), dtype="boolean"),
            }
        )
    )
    rows.loc[rounded, "haz"] = np.round(recomputed["haz"].to_numpy(), 2)
    rows.loc[rounded, "whz"] = np.round(recomputed["whz"].to_numpy(), 2)
    old = rows["posyandu"].to_numpy() == villages.posyandu_first[_village_index(villages, FAULT_OLD_RULES)]
    for column in ("haz", "waz", "whz"):
        rows.loc[old, column] = np.round(rows.loc[old, column] + OLD_RULES_SHIFT, 2)
    again = rows["village"].to_numpy() == _village_index(villages, FAULT_DUPLICATES)
    again &= _fraction_of(rows["child"].to_numpy(), 13) < DUPLICATED_SHARE
    return pd.concat([rows, rows[again].assign(duplicate=True)], ignore_index=True)


def _fraction_of(child: np.ndarray, salt: int) -> np.ndarray:
    """A fixed number in [0, 1) per child (the same in every round): which children a fault touches."""
    return ((child.astype(np.int64) * 2654435761 + salt * 40503) % 1000003) / 1000003


def _names(cohort: Cohort) -> tuple[list[str], list[str]]:
    """Each cohort child's name and mother's name (its own seeded stream, see NAMES_SEED)."""
    rng = np.random.default_rng(NAMES_SEED)
    n = len(cohort.serial)
    first, middle = rng.integers(0, len(CHILD_NAMES), (2, n))
    family = rng.integers(0, len(FAMILY_NAMES), n)
    mother_first, mother_last = rng.integers(0, len(MOTHER_NAMES), (2, n))
    children = [
        f"{CHILD_NAMES[a]} {CHILD_NAMES[b]} {FAMILY_NAMES[c]}"
        for a, b, c in zip(first, middle, family, strict=True)
    ]
    mothers = [f"{MOTHER_NAMES[a]} {MOTHER_NAMES[b]}" for a, b in zip(mother_first, mother_last, strict=True)]
    return children, mothers


def _retyped(name: str) -> str:
    """The name as typed at a second registration: one letter doubled in its second word."""
    words = name.split(" ")
    word = words[1]
    words[1] = word[:2] + word[1] + word[2:]
    return " ".join(words)
