"""What the scale tests share: small e-PPGBM exports edited the way offices re-export them, and the
store read back in a comparable order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from stunting import pseudonym, store, store_layout
from stunting.quality import findings


def read_summary(data_dir: Path) -> pd.DataFrame:
    table = pd.read_parquet(store_layout.current_snapshot(data_dir) / store_layout.SUMMARY)
    table["regency"] = table["regency"].astype(str)
    table["year"] = table["year"].astype(int)
    return table.sort_values(list(table.columns)).reset_index(drop=True)


def read_rollup(data_dir: Path) -> pd.DataFrame:
    """The rollup files (one per year) with their year, in a comparable order."""
    snapshot = store_layout.current_snapshot(data_dir)
    table = pd.concat(
        pd.read_parquet(path).assign(year=int(path.parent.name.split("=", 1)[1]))
        for path in sorted((snapshot / store_layout.ROLLUP).glob("year=*/part-0.parquet"))
    )
    return table.sort_values(list(table.columns)).reset_index(drop=True)


def summed_per_kecamatan(summary: pd.DataFrame) -> pd.DataFrame:
    """What the rollup must hold: the summary's rows summed per kecamatan, in pandas."""
    keys = ["period", "regency", "kecamatan_code", "age_group", "sex", "indicator"]
    sums = summary.groupby([*keys, "year"], as_index=False)[["measured", "cases"]].sum()
    sums = sums[[*keys, "measured", "cases", "year"]]
    return sums.sort_values(list(sums.columns)).reset_index(drop=True)


def read_findings(data_dir: Path, name: str, schema) -> pd.DataFrame:
    """One of the quality findings' files, import ids aside (each store's imports have their own)."""
    frame = findings._read(data_dir, name, schema).drop(columns="import_id")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def read_measurements(data_dir: Path) -> pd.DataFrame:
    table = pd.read_parquet(store_layout.current_snapshot(data_dir) / store_layout.MEASUREMENTS)
    table["regency"] = table["regency"].astype(str)
    table["year"] = table["year"].astype(int)
    table["measured_lying"] = table["measured_lying"].astype("boolean")  # one dtype over part files
    # import ids are minted per write: the two stores name the same import differently
    return table.drop(columns="import_id").sort_values(store.KEY).reset_index(drop=True)


def stores_with_one_secret(first: Path, second: Path) -> None:
    """Two empty data dirs that pseudonymise alike: the same children get the same keys in both."""
    pseudonym.load_secret(first)
    second.mkdir()
    shutil.copy(first / pseudonym.SECRET_FILE_NAME, second / pseudonym.SECRET_FILE_NAME)


def assert_same_import(alone: list, together: list, single: Path, other: Path) -> None:
    """Two ways of running the same imports told their users the same and wrote the same store: the
    reports' counts, the summary, the measurements and the quality findings, row for row."""
    for a, b in zip(alone, together, strict=True):
        assert (a.rows_read, a.rows_accepted, a.rows_rejected, a.rows_stored, a.rows_replaced) == (
            b.rows_read, b.rows_accepted, b.rows_rejected, b.rows_stored, b.rows_replaced,
        )  # fmt: skip
        assert (a.fuzzy_villages, a.sentinels, a.nik_disagreements) == (
            b.fuzzy_villages, b.sentinels, b.nik_disagreements,
        )  # fmt: skip
    pd.testing.assert_frame_equal(read_summary(single), read_summary(other))
    pd.testing.assert_frame_equal(read_measurements(single), read_measurements(other))
    for name, schema in ((findings.DUPLICATES_FILE, findings.DUPLICATE_SCHEMA),
                         (findings.NIK_FILE, findings.NIK_SCHEMA)):  # fmt: skip
        pd.testing.assert_frame_equal(read_findings(single, name, schema), read_findings(other, name, schema))


def edited(source: Path, target: Path, *, drop_every: int, reweigh_every: int, tail: str = "") -> Path:
    """``source`` with every ``drop_every``-th row left out and every ``reweigh_every``-th weight
    changed: a corrected re-export of the same village-months."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    weight = header.rstrip("\n").split(";").index("Berat")
    kept = []
    for number, row in enumerate(rows, start=1):
        if number % drop_every == 0:
            continue
        if number % reweigh_every == 0:
            cells = row.rstrip("\n").split(";")
            cells[weight] = "13,3"
            row = ";".join(cells) + "\n"
        kept.append(row)
    target.write_text(header + "".join(kept) + tail, encoding="utf-8")
    return target


def one_month(source: Path, target: Path, month: str) -> Path:
    """The rows of ``source`` measured in ``month`` ("02", "08"): one weighing round of the export."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    measured = lines[0].rstrip("\n").split(";").index("Tanggal Pengukuran")
    rows = [row for row in lines[1:] if row.split(";")[measured][3:5] == month]
    target.write_text(lines[0] + "".join(rows), encoding="utf-8")
    return target
