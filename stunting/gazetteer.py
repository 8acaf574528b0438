"""The gazetteer (geo/gazetteer.csv): the one source of village, kecamatan and regency codes and names."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from stunting.config import GAZETTEER_CSV

LEVELS = ("village", "kecamatan", "regency")


@lru_cache(maxsize=1)
def villages() -> pd.DataFrame:
    """One row per desa/kelurahan: code, name, type, kecamatan_code/name, regency_code/name, lat, lng."""
    frame = pd.read_csv(GAZETTEER_CSV, dtype=str, keep_default_na=False)
    frame["lat"] = frame["lat"].astype(float)
    frame["lng"] = frame["lng"].astype(float)
    return frame


def areas(level: str, regency: str | None = None) -> pd.DataFrame:
    """One row per area of ``level`` (village, kecamatan or regency): code, name, kecamatan_code,
    regency_code (a kecamatan's own code is its kecamatan_code), optionally within one regency."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    frame = villages()
    if regency is not None:
        frame = frame[frame["regency_code"] == regency]
    if level == "village":
        out = frame[["code", "name", "kecamatan_code", "kecamatan_name", "regency_code", "regency_name"]]
    elif level == "kecamatan":
        out = frame.drop_duplicates("kecamatan_code")[
            ["kecamatan_code", "kecamatan_name", "regency_code", "regency_name"]
        ].assign(code=lambda f: f["kecamatan_code"], name=lambda f: f["kecamatan_name"])
    else:
        out = frame.drop_duplicates("regency_code")[["regency_code", "regency_name"]].assign(
            code=lambda f: f["regency_code"], name=lambda f: f["regency_name"]
        )
    return out.reset_index(drop=True)


def regencies() -> dict[str, str]:
    """Regency code -> name, in code order."""
    frame = villages().drop_duplicates("regency_code")
    return dict(zip(frame["regency_code"], frame["regency_name"], strict=True))
