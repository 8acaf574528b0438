"""Target children ("sasaran") per village and year: the denominator of coverage.

Dinas Kesehatan receive yearly targets per village (balita: children 0-59 months; baduta: 0-23
months). The data manager fills ``template()`` (one row per village of the gazetteer) and loads it
as CSV or XLSX (``python -m stunting quality targets FILE``); a village x year replaces its earlier
targets. Kept in their own atomic folder ``DATA_DIR/targets/`` (stunting/snapshots.py).
Coverage = distinct children measured in the month ÷ sasaran balita, named so on every screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stunting import gazetteer
from stunting.config import data_dir as resolve_data_dir
from stunting.errors import UserError
from stunting.snapshots import SnapshotStore

FOLDER = "targets"
FILE = "targets.parquet"
TEMPLATE_COLUMNS = ["kode_desa", "nama_desa", "kecamatan", "kabupaten_kota", "tahun", "sasaran_balita",
                    "sasaran_baduta"]  # fmt: skip
REQUIRED = ("kode_desa", "tahun", "sasaran_balita")
SCHEMA = pa.schema(
    [("village_code", pa.string()), ("year", pa.int32()), ("balita", pa.int64()), ("baduta", pa.int64())]
)


def template(regency: str | None = None, year: int | None = None) -> pd.DataFrame:
    """One row per village (of ``regency``) with the targets left empty, for the data manager."""
    villages = gazetteer.areas("village", regency)
    return pd.DataFrame(
        {
            "kode_desa": villages["code"],
            "nama_desa": villages["name"],
            "kecamatan": villages["kecamatan_name"],
            "kabupaten_kota": villages["regency_name"],
            "tahun": year if year is not None else "",
            "sasaran_balita": "",
            "sasaran_baduta": "",
        }
    )[TEMPLATE_COLUMNS]


def read_targets(path: Path) -> pd.DataFrame:
    """The file's rows as (village_code, year, balita, baduta); a bad cell is one UserError naming
    file, row and column."""
    name = path.name
    if not path.is_file():
        raise UserError(f"{path} does not exist or is not a file.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            raw = pd.read_excel(path, dtype=str, engine="calamine")
        elif suffix == ".csv":
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python",
                              encoding="utf-8-sig")  # fmt: skip
        else:
            raise UserError(f"{name}: targets must be a .csv or .xlsx file (the template's columns).")
    except (ValueError, OSError) as error:
        raise UserError(f"{name} could not be read as a table ({error.__class__.__name__}).") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise UserError(f"{name} has no column {', '.join(missing)} (download the template for its columns).")
    raw = raw.fillna("").astype(str).apply(lambda col: col.str.strip())
    known = set(gazetteer.villages()["code"])
    out = {"village_code": [], "year": [], "balita": [], "baduta": []}
    for position, row in enumerate(raw.to_dict(orient="records"), start=2):  # line 1 is the header
        if not row["sasaran_balita"] and not row.get("sasaran_baduta", ""):
            continue  # a template row left empty: no target for that village
        code = row["kode_desa"]
        if code not in known:
            raise UserError(f"{name}, row {position}, column kode_desa: {code!r} is not a village code.")
        out["village_code"].append(code)
        out["year"].append(_integer(name, position, "tahun", row["tahun"], low=2000, high=2100))
        out["balita"].append(_integer(name, position, "sasaran_balita", row["sasaran_balita"]))
        baduta = row.get("sasaran_baduta", "")
        out["baduta"].append(_integer(name, position, "sasaran_baduta", baduta) if baduta else None)
    frame = pd.DataFrame(out)
    if frame.duplicated(["village_code", "year"]).any():
        first = frame[frame.duplicated(["village_code", "year"])].iloc[0]
        raise UserError(f"{name}: village {first['village_code']} appears twice for {first['year']}.")
    if frame.empty:
        raise UserError(f"{name} has no filled sasaran_balita: nothing to load.")
    return frame


def _integer(name: str, row: int, column: str, text: str, low: int = 0, high: int = 10**7) -> int:
    """A whole number as typed in Indonesia or elsewhere: 1234, 1.234 or 1,234."""
    digits = re.sub(r"(?<=\d)[.,](?=\d{3}(?:[.,]|$))", "", text.replace(" ", ""))
    if not re.fullmatch(r"\d+", digits) or not (low <= int(digits) <= high):
        raise UserError(
            f"{name}, row {row}, column {column}: {text!r} is not a whole number from {low} to {high}."
        )
    return int(digits)


def load_targets(path: Path, data_dir=None) -> int:
    """Read ``path`` and merge it into the stored targets atomically; returns the rows loaded."""
    frame = read_targets(Path(path))
    snapshots = SnapshotStore(resolve_data_dir(data_dir) / FOLDER)
    with snapshots.transaction() as building:
        old = stored(data_dir)
        kept = old.merge(
            frame[["village_code", "year"]], on=["village_code", "year"], how="left", indicator=True
        )
        merged = pd.concat([old[(kept["_merge"] == "left_only").to_numpy()], frame], ignore_index=True)
        table = pa.Table.from_pandas(merged[SCHEMA.names], schema=SCHEMA, preserve_index=False)
        pq.write_table(table, building / FILE)
    return len(frame)


def stored(data_dir=None) -> pd.DataFrame:
    """Every stored target: village_code, year, balita, baduta."""
    current = SnapshotStore(resolve_data_dir(data_dir) / FOLDER).current()
    if current is None or not (current / FILE).exists():
        return SCHEMA.empty_table().to_pandas()
    return pq.read_table(current / FILE, schema=SCHEMA).to_pandas()


def for_level(level: str, period: str, regency: str | None, data_dir=None) -> pd.Series | None:
    """Sasaran balita per unit code for ``period``'s year: villages as loaded; a kecamatan or regency
    only when every one of its villages has a target (a partial sum would inflate coverage).
    None for posyandu and puskesmas (targets are per village)."""
    if level not in ("village", "kecamatan", "regency"):
        return None
    year = int(period[:4])
    targets = stored(data_dir)
    targets = targets[targets["year"] == year].set_index("village_code")["balita"]
    if level == "village":
        return targets
    villages = gazetteer.areas("village", regency)
    column = "kecamatan_code" if level == "kecamatan" else "regency_code"
    values = villages["code"].map(targets)
    complete = values.notna().groupby(villages[column]).all()
    sums = values.groupby(villages[column]).sum()
    return sums[complete]
