"""A synthetic national weighing round as one e-PPGBM export: N rows over every village, in bounded memory.

    .venv/bin/python bench/make_national_export.py --rows 20000000 --period 2025-08 --out bench/out/n20m.csv
    .venv/bin/python bench/make_national_export.py --rows 1000000 --villages centroids --out ...
    .venv/bin/python bench/make_national_export.py --rows 1000000 --province 64 --out ...   # Kaltim only

Written as e-PPGBM writes it (stunting.eppgbm.EXPORT_HEADER, ``;``-separated, comma decimals,
dd/mm/yyyy, names combined from the demo's lists, invented NIKs and addresses) with the demo's text
helpers and WHO's tables (``who.value_at_z``), in chunks of CHUNK_CHILDREN children, so memory stays
at one chunk whatever the file's size. Not run in CI.

Villages (``--villages``): ``gazetteer`` (default) is the gazetteer the ingest matches against, so
the file always ingests; ``centroids`` is every village of ../shared/data/boundaries/village_centroids.csv
(83,403) named from ../shared/data/wilayah/wilayah.sql, for a national file before the national
gazetteer is installed (it ingests only where the gazetteer knows its villages).

The same seed gives the same file byte for byte, and the same children from round to round: child i
has one NIK, sex, village, birth date and growth for life; births are spread evenly over
WINDOW_DAYS, so each monthly round measures the N children then under five, the oldest ageing out
and the newest born in as the months pass (a round a month later shares about 98% of its children).
About REPEAT_SHARE of the rows are a child's second measurement a few days after its first.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stunting import gazetteer, who  # noqa: E402
from stunting.demo import (  # noqa: E402  (the demo's text helpers and name lists)
    CHILD_NAMES,
    FAMILY_NAMES,
    MOTHER_NAMES,
    _date_text,
    _decimal_text,
    _padded,
    _pick,
)
from stunting.eppgbm import EXPORT_HEADER  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
CENTROIDS_CSV = SHARED / "boundaries" / "village_centroids.csv"
WILAYAH_SQL = SHARED / "wilayah" / "wilayah.sql"

# Children per random stream. Fixed, not an option: the seed alone must fix the file's bytes.
CHUNK_CHILDREN = 200_000
# Births spread over 1,800 days: measured on days 1-22 of its round (plus a repeat up to 3 days
# later), every child of a round's window is 1-1,824 days old, under WHO's 1,826-day limit.
WINDOW_DAYS = 1800
MEASURE_DAYS = 22
REPEAT_SHARE = 0.05  # weighed again a few days later (a posyandu visit and a puskesmas check)
REPEAT_STRIDE = 7919  # a prime: (j * stride) mod N spreads the repeated children over the window
EPOCH_PERIOD = "2024-01"  # round 0; any later month is a round of the same population
VILLAGE_SIZE_SIGMA = 0.8  # log-normal spread of village sizes (children per village)
VILLAGE_EFFECT_SD = 0.35  # HAZ shift per village: prevalence from about 10% to 45%
HAZ_MEAN, HAZ_SD, HAZ_CHILD_SHARE = -1.0, 1.1, 0.8
WHZ_MEAN, WHZ_SD = -0.4, 1.05
# Children per posyandu: the June 2024 simultaneous measurement weighed 16.4 million children at
# 300,188 posyandu (issue 14), about 55 each. Each village gets its own posyandu at that size: the
# import's duplicate search blocks on the posyandu, and five posyandu shared by a whole kecamatan
# (this generator's old names) made blocks of thousands no real export has.
CHILDREN_PER_POSYANDU = 55


@lru_cache(maxsize=1)
def _wilayah_names() -> dict[str, str]:
    """Code -> name of every area in wilayah.sql (``('64.02','Kabupaten Kutai Kartanegara'),`` lines);
    empty without ../shared (the province column is then left blank: the reader ignores it)."""
    if not WILAYAH_SQL.exists():
        return {}
    text = WILAYAH_SQL.read_text(encoding="utf-8")
    rows = re.findall(r"\('([0-9.]+)','((?:[^']|'')*)'\)", text)
    return {code: name.replace("''", "'") for code, name in rows}


def national_villages(source: str, province: str | None = None) -> pd.DataFrame:
    """code, name, kecamatan_code, kecamatan_name, regency_code, regency_name of every village, in
    code order, from the ingest's gazetteer or from the shared centroids (named from wilayah.sql)."""
    if source == "gazetteer":
        frame = gazetteer.villages()[
            ["code", "name", "kecamatan_code", "kecamatan_name", "regency_code", "regency_name"]
        ]
    elif source == "centroids":
        centroids = pd.read_csv(CENTROIDS_CSV, dtype=str, keep_default_na=False)
        names = _wilayah_names()
        kecamatan = centroids["kode"].str.slice(0, 8)
        regency = centroids["kode"].str.slice(0, 5)
        frame = pd.DataFrame(
            {
                "code": centroids["kode"],
                "name": centroids["nama"],
                "kecamatan_code": kecamatan,
                "kecamatan_name": kecamatan.map(names),
                "regency_code": regency,
                "regency_name": regency.map(names),
            }
        ).dropna()
    else:
        raise ValueError(f"villages must be 'gazetteer' or 'centroids', not {source!r}")
    if province is not None:
        frame = frame[frame["regency_code"].str.startswith(province + ".")]
    if frame.empty:
        raise SystemExit(f"no villages in {source} for province {province}")
    return frame.sort_values("code").reset_index(drop=True)


def round_index(period: str) -> int:
    year, month = (int(p) for p in period.split("-"))
    epoch_year, epoch_month = (int(p) for p in EPOCH_PERIOD.split("-"))
    index = (year - epoch_year) * 12 + month - epoch_month
    if index < 0:
        raise SystemExit(f"--period must be {EPOCH_PERIOD} or later")
    return index


class Population:
    """Everything about the villages and the children that does not depend on the round."""

    def __init__(self, villages: pd.DataFrame, children: int, seed: int) -> None:
        self.villages = villages
        self.children = children  # per round
        self.seed = seed
        rng = np.random.default_rng([seed, 0])
        size = rng.lognormal(0.0, VILLAGE_SIZE_SIGMA, len(villages))
        self.village_cdf = np.cumsum(size) / size.sum()
        self.village_effect = rng.normal(0.0, VILLAGE_EFFECT_SD, len(villages))
        expected = children * size / size.sum()
        self.posyandu_count = np.maximum(1, np.rint(expected / CHILDREN_PER_POSYANDU)).astype(np.int64)
        kelurahan = villages["code"].str.slice(9, 10).eq("1").to_numpy()
        regency_digits = villages["regency_code"].str.replace(".", "", regex=False)
        # Text per village, picked per row through dictionary arrays: no string copied per row.
        self.texts = {
            "Prov": (villages["code"].str.slice(0, 2).map(_wilayah_names()).fillna("")).str.upper().tolist(),
            "Kab/Kota": villages["regency_name"].tolist(),
            "Kec": villages["kecamatan_name"].str.upper().tolist(),
            "Pukesmas": ("Puskesmas " + villages["kecamatan_name"]).tolist(),
            "Desa/Kel": (np.where(kelurahan, "Kel. ", "Desa ") + villages["name"]).tolist(),
            "nik_prefix": (regency_digits + "00").tolist(),
            "posyandu_prefix": ("Posyandu " + villages["name"]).tolist(),
        }
        self.day0 = np.datetime64(EPOCH_PERIOD + "-01", "D")
        self.first_birth = self.day0 - np.timedelta64(WINDOW_DAYS, "D")

    def chunk(self, c: int) -> dict[str, np.ndarray]:
        """Lifetime attributes of children c*CHUNK .. (c+1)*CHUNK-1 (one random stream per chunk)."""
        rng = np.random.default_rng([self.seed, 1, c])
        index = np.arange(c * CHUNK_CHILDREN, (c + 1) * CHUNK_CHILDREN, dtype=np.int64)
        village = np.searchsorted(self.village_cdf, rng.random(len(index)), side="right")
        village = np.minimum(village, len(self.village_cdf) - 1)
        return {
            "index": index,
            "village": village,
            "sex": rng.integers(1, 3, len(index)),
            "birth": self.first_birth + (index * WINDOW_DAYS // self.children).astype("timedelta64[D]"),
            "haz_child": rng.normal(0.0, 1.0, len(index)),
            # Drawn where the old 1..5 was, so every other column keeps its random stream.
            "posyandu": (rng.random(len(index)) * self.posyandu_count[village]).astype(np.int64) + 1,
        }

    def round_tables(self, period: str):
        """The round's export rows as pyarrow tables of EXPORT_HEADER text columns, chunk by chunk."""
        r = round_index(period)
        start_day = np.datetime64(period + "-01", "D")
        offset_days = int((start_day - self.day0).astype(np.int64))
        # Children born in [start - WINDOW_DAYS, start): index i is born on first_birth + i*W // N.
        first = -(-offset_days * self.children // WINDOW_DAYS)
        last = first + self.children
        repeats = int(self.children * REPEAT_SHARE)
        for c in range(first // CHUNK_CHILDREN, -(-last // CHUNK_CHILDREN)):
            kids = self.chunk(c)
            keep = (kids["index"] >= first) & (kids["index"] < last)
            kids = {k: v[keep] for k, v in kids.items()}
            if not len(kids["index"]):
                continue
            rng = np.random.default_rng([self.seed, 2, r, c])
            n = len(kids["index"])
            day = rng.integers(0, MEASURE_DAYS, n)
            again = (kids["index"] - first) * REPEAT_STRIDE % self.children < repeats
            rows = np.concatenate([np.arange(n), np.flatnonzero(again)])
            day = np.concatenate([day, day[again] + rng.integers(1, 4, int(again.sum()))])
            yield self._table({k: v[rows] for k, v in kids.items()}, start_day + day, rng)

    def _table(self, kids: dict[str, np.ndarray], measured: np.ndarray, rng) -> pa.Table:
        n = len(kids["index"])
        age = (measured - kids["birth"]).astype(np.int64)
        sex, village = kids["sex"], kids["village"]
        haz = (
            HAZ_MEAN
            + self.village_effect[village]
            + HAZ_SD
            * (HAZ_CHILD_SHARE * kids["haz_child"] + np.sqrt(1 - HAZ_CHILD_SHARE**2) * rng.normal(size=n))
        )
        whz = rng.normal(WHZ_MEAN, WHZ_SD, n)
        lying = age < 731
        height = who.value_at_z("lhfa", sex, age, haz)
        weight = np.where(
            lying, who.value_at_z("wfl", sex, height, whz), who.value_at_z("wfh", sex, height, whz)
        )
        # Outside the weight-for-length/height tables: weight from weight-for-age instead.
        missing = np.isnan(weight)
        weight[missing] = who.value_at_z("wfa", sex[missing], age[missing], (haz[missing] + whz[missing]) / 2)
        serial = _padded(kids["index"], 10)
        # Names combined from the demo's lists, fixed per child: numbered names ("Anak Fiktif 0001",
        # "... 0002") would all look alike to the import's duplicate check and pair every neighbour.
        index = kids["index"].astype(np.int64)
        names = pc.binary_join_element_wise(
            _pick(CHILD_NAMES, index % len(CHILD_NAMES)).cast(pa.string()),
            _pick(CHILD_NAMES, (index // len(CHILD_NAMES) * 7 + 3) % len(CHILD_NAMES)).cast(pa.string()),
            _pick(FAMILY_NAMES, (index * 31 + index // 97) % len(FAMILY_NAMES)).cast(pa.string()),
            " ",
        )
        mothers = pc.binary_join_element_wise(
            _pick(MOTHER_NAMES, (index * 13 + 5) % len(MOTHER_NAMES)).cast(pa.string()),
            _pick(MOTHER_NAMES, (index // 11) % len(MOTHER_NAMES)).cast(pa.string()),
            " ",
        )
        columns = {
            "NIK": pc.binary_join_element_wise(
                _pick(self.texts["nik_prefix"], village).cast(pa.string()), serial, ""
            ),
            "Nama": names,
            "JK": _pick(["L", "P"], sex - 1),
            "Tgl Lahir": _date_text(kids["birth"]),
            "BB Lahir": _pick(["3,1"], np.zeros(n)),
            "TB Lahir": _pick(["49"], np.zeros(n)),
            "Nama Ortu": mothers,
            **{
                column: _pick(self.texts[column], village)
                for column in ("Prov", "Kab/Kota", "Kec", "Pukesmas", "Desa/Kel")
            },
            "Posyandu": pc.binary_join_element_wise(
                _pick(self.texts["posyandu_prefix"], village).cast(pa.string()),
                pa.array(kids["posyandu"]).cast(pa.string()),
                " ",
            ),
            "RT": _pick(["001"], np.zeros(n)),
            "RW": _pick(["002"], np.zeros(n)),
            "Alamat": pc.binary_join_element_wise("Jl. Fiktif No. ", serial, ""),
            "Tanggal Pengukuran": _date_text(measured),
            "Berat": _decimal_text(weight, 1),
            "Tinggi": _decimal_text(height, 1),
            "Cara Ukur": _pick(["Berdiri", "Terlentang"], lying.astype(np.int8)),
        }
        empty = pa.nulls(n, pa.string())
        return pa.table({column: columns.get(column, empty) for column in EXPORT_HEADER})


def write_export(path: Path, rows: int, period: str, villages: pd.DataFrame, seed: int) -> int:
    """Write the round to ``path``; returns the rows written (``rows``, to within rounding of 0.001%)."""
    children = round(rows / (1 + REPEAT_SHARE))
    population = Population(villages, children, seed)
    written = 0
    options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as sink:
        sink.write((";".join(EXPORT_HEADER) + "\n").encode("utf-8"))  # unquoted, as e-PPGBM writes it
        for table in population.round_tables(period):
            pacsv.write_csv(table, sink, options)
            written += table.num_rows
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--period", default="2025-08", help="the weighing month (YYYY-MM)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--villages", choices=("gazetteer", "centroids"), default="gazetteer")
    parser.add_argument("--province", help="only this province's villages (e.g. 64 for Kaltim)")
    args = parser.parse_args()
    villages = national_villages(args.villages, args.province)
    started = time.perf_counter()
    written = write_export(args.out, args.rows, args.period, villages, args.seed)
    print(
        f"{written:,} rows over {len(villages):,} villages ({villages['regency_code'].nunique()} regencies) "
        f"for {args.period}: {args.out} ({args.out.stat().st_size / 2**20:,.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
