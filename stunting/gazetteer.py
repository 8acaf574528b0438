"""The national gazetteer (geo/gazetteer/*.csv): the one source of area codes and names.

38 provinces, 514 regencies, 7,285 kecamatan and 83,762 desa/kelurahan (Kepmendagri 2025, via
cahyadsn/wilayah, MIT; see geo/gazetteer/NOTICE.md), one CSV per province written by
geo/make_gazetteer.py. Each row is one area (``code,name,lat,lng,population,aliases``); the level
and the parent follow from the code's form (``64``, ``64.02``, ``64.02.06``, ``64.02.06.2001``).

The app reads this on every start, so it is read once per process (``table()``) with pyarrow's
multi-threaded CSV reader; every other frame is derived from it and cached.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from stunting.config import GAZETTEER_DIR

# Levels below the province (every one has a village's columns); AREA_LEVELS adds the province.
# The prevalence queries' allow-list is stunting.prevalence.LEVELS.
LEVELS = ("village", "kecamatan", "regency")
AREA_LEVELS = ("province", "regency", "kecamatan", "village")
CODE_LENGTH = {"province": 2, "regency": 5, "kecamatan": 8, "village": 13}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
ALIAS_SEPARATOR = "|"


def level_of(code: str) -> str | None:
    """The level a code's form says (``64.02`` -> regency), or None for a malformed code."""
    return LEVEL_OF_LENGTH.get(len(code)) if isinstance(code, str) else None


def parent_of(code: str) -> str:
    """The code of the area containing ``code`` ('' for a province)."""
    return {13: code[:8], 8: code[:5], 5: code[:2]}.get(len(code), "")


@lru_cache(maxsize=1)
def _arrow():
    """Every area as one pyarrow Table (code, name, level, parent_code, lat, lng, population,
    aliases): pyarrow reads and slices 91,599 rows in C++, pandas' string methods would not."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv

    files = sorted(GAZETTEER_DIR.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no gazetteer files in {GAZETTEER_DIR}")
    types = {"code": pa.string(), "name": pa.string(), "lat": pa.float64(), "lng": pa.float64()}
    types |= {"population": pa.int64(), "aliases": pa.string()}
    options = csv.ConvertOptions(
        column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
    )
    raw = pa.concat_tables([csv.read_csv(path, convert_options=options) for path in files])
    length = pc.utf8_length(raw["code"])
    levels = pa.array(["province", "regency", "kecamatan", "village"])
    rank = pc.index_in(length, pa.array([2, 5, 8, 13], pa.int32()))
    parent = pa.scalar("")
    for size, cut in ((5, 2), (8, 5), (13, 8)):
        parent = pc.if_else(pc.equal(length, size), pc.utf8_slice_codeunits(raw["code"], 0, cut), parent)
    return pa.table(
        {
            "code": raw["code"],
            "name": raw["name"],
            "level": pc.take(levels, rank),
            "parent_code": parent,
            "lat": raw["lat"],
            "lng": raw["lng"],
            "population": raw["population"],
            "aliases": raw["aliases"],
        }
    )


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    """Every area: code, name, level, parent_code, lat, lng, population (regency/province, else NA),
    aliases (other spellings joined by ``|``, usually '')."""
    frame = _arrow().to_pandas()
    frame["population"] = frame["population"].astype("Int64")
    return frame


@lru_cache(maxsize=1)
def villages() -> pd.DataFrame:
    """One row per desa/kelurahan, in code order: code, name, type, kecamatan_code/name,
    regency_code/name, province_code/name, lat, lng."""
    import pyarrow as pa
    import pyarrow.compute as pc

    areas = _arrow()
    rows = areas.filter(pc.equal(areas["level"], "village"))
    code = rows["code"]
    columns = {"code": code, "name": rows["name"]}
    kind = pc.utf8_slice_codeunits(code, 9, 10)
    # 1xxx kelurahan, 2xxx desa, 3xxx desa adat (14 in Jayapura, 91.03): a desa too.
    columns["type"] = pc.if_else(pc.equal(kind, "1"), "kelurahan", "desa")
    for level, cut in (("kecamatan", 8), ("regency", 5), ("province", 2)):
        parents = pc.utf8_slice_codeunits(code, 0, cut)
        columns[f"{level}_code"] = parents
        columns[f"{level}_name"] = pc.take(areas["name"], pc.index_in(parents, areas["code"]))
    columns["lat"] = rows["lat"]
    columns["lng"] = rows["lng"]
    return pa.table(columns).to_pandas()


def aliases() -> dict[str, list[str]]:
    """Area code -> other spellings of its name (the boundary source's), for name matching."""
    areas = table()
    spelt = areas[areas["aliases"] != ""]
    return {
        code: text.split(ALIAS_SEPARATOR)
        for code, text in zip(spelt["code"].tolist(), spelt["aliases"].tolist(), strict=True)
    }


def areas(level: str, regency: str | None = None, *, within: str | None = None) -> pd.DataFrame:
    """One row per area of ``level`` (village, kecamatan, regency or province): code, name and the
    codes (and names) of the areas containing it (a kecamatan's own code is its kecamatan_code),
    optionally within one regency, or ``within`` any area code."""
    if level not in AREA_LEVELS:
        raise ValueError(f"level must be one of {AREA_LEVELS}, not {level!r}")
    if level == "province":
        frame = table()[table()["level"] == "province"]
        if within:
            frame = frame[frame["code"] == within[:2]]
        out = frame[["code", "name"]].assign(province_code=frame["code"], province_name=frame["name"])
        return out.reset_index(drop=True)
    frame = _by_level(level)
    if regency is not None:
        frame = frame[frame["regency_code"] == regency]
    if within:
        frame = frame[frame["code"].str.startswith(within)]
    return frame.reset_index(drop=True)


@lru_cache(maxsize=len(LEVELS))
def _by_level(level: str) -> pd.DataFrame:
    frame = villages()
    upper = ["regency_code", "regency_name", "province_code", "province_name"]
    if level == "village":
        return frame[["code", "name", "kecamatan_code", "kecamatan_name", *upper]]
    if level == "kecamatan":
        out = table()[table()["level"] == "kecamatan"][["code", "name"]].reset_index(drop=True)
        out["kecamatan_code"], out["kecamatan_name"] = out["code"], out["name"]
    else:
        out = table()[table()["level"] == "regency"][["code", "name"]].reset_index(drop=True)
    out["regency_code"] = out["code"].str[:5]
    out["province_code"] = out["code"].str[:2]
    names = dict(zip(table()["code"].tolist(), table()["name"].tolist(), strict=True))
    out["regency_name"] = out["regency_code"].map(names)
    out["province_name"] = out["province_code"].map(names)
    return out


def regencies() -> dict[str, str]:
    """Regency code -> name, in code order (all 514)."""
    frame = _by_level("regency")
    return dict(zip(frame["code"].tolist(), frame["name"].tolist(), strict=True))


def provinces() -> dict[str, str]:
    """Province code -> name, in code order (all 38)."""
    frame = areas("province")
    return dict(zip(frame["code"].tolist(), frame["name"].tolist(), strict=True))


def name_of(code: str) -> str | None:
    """The name of any area code, None when the gazetteer has no such area."""
    return _names().get(code)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return dict(zip(table()["code"].tolist(), table()["name"].tolist(), strict=True))
