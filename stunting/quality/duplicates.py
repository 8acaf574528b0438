"""Probable duplicate children: one child registered twice under two identities.

A child whose NIK was mistyped, missing once, or who was registered again at another visit gets a
second ``child_id`` and is counted twice (one district's coverage fell to 28.6% this way). The
store cannot find them afterwards, because names never enter it, so this runs in the import on the
parsed rows, while the names are still in memory, and keeps only source row numbers.

A pair is two different identities (no matching NIK) in one period that agree on village or
posyandu and sex, whose birth dates lie within ``BIRTH_DATE_WINDOW_DAYS`` of each other, and whose
child's and mother's names are both at least ``NAME_SIMILARITY`` alike by Jaro-Winkler (rapidfuzz).
Pairs are counted and listed for the data manager, never merged: only a person can tell twins
from a double registration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

from stunting.pseudonym import normalise_name

# A birth date typed a few days off (or day and month swapped within the first days) still pairs.
BIRTH_DATE_WINDOW_DAYS = 5
# Jaro-Winkler 0.88: "Muhammad Rizki" / "Muh. Rizky" pair, "Rizki" / "Rizka" (twins) stay apart
# only through the mother's name being required as well; the threshold.
NAME_SIMILARITY = 0.88

PAIR_COLUMNS = ["period", "village_code", "puskesmas", "posyandu", "source_row", "other_source_row"]


def probable_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs of source rows that are probably one child registered twice (PAIR_COLUMNS).

    ``frame``: parsed, accepted rows with child_id, period, village_code, posyandu, sex, birth_date,
    name, mother_name and source_row. One representative row per identity and period (its first
    row) is compared; rows without a child's or mother's name cannot pair.
    """
    needed = [
        "child_id",
        "period",
        "village_code",
        "puskesmas",
        "posyandu",
        "sex",
        "birth_date",
        "source_row",
    ]
    if frame.empty or "name" not in frame or "mother_name" not in frame:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    rows = frame[needed].copy()
    rows["child"] = normalise_name(frame["name"]).to_numpy()
    rows["mother"] = normalise_name(frame["mother_name"]).to_numpy()
    rows = rows[(rows["child"] != "") & (rows["mother"] != "")]
    rows = rows.sort_values("source_row", kind="stable").drop_duplicates(["child_id", "period"])
    rows["day"] = (pd.to_datetime(rows["birth_date"]) - pd.Timestamp("1970-01-01")).dt.days
    for column in ("puskesmas", "posyandu"):
        rows[column] = rows[column].fillna("").astype(str)
    found: dict[tuple[int, int], tuple] = {}
    # Block on village and on posyandu: a posyandu may serve two villages, a village have several.
    # Posyandu names repeat across a regency ("Melati 1"), so a posyandu is one within its puskesmas.
    for block in (["period", "village_code", "sex"], ["period", "puskesmas", "posyandu", "sex"]):
        for _, group in rows.groupby(block, sort=False):
            if len(group) < 2:
                continue
            if "posyandu" in block and group["posyandu"].iat[0] == "":
                continue
            _pairs_in_block(group.sort_values("day", kind="stable"), found)
    if not found:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    out = pd.DataFrame(list(found.values()), columns=PAIR_COLUMNS)
    return out.sort_values(["period", "source_row", "other_source_row"], kind="stable").reset_index(drop=True)


def _pairs_in_block(group: pd.DataFrame, found: dict) -> None:
    days = group["day"].to_numpy()
    ids = group["child_id"].to_numpy()
    children = group["child"].to_numpy()
    mothers = group["mother"].to_numpy()
    source = group["source_row"].to_numpy()
    # Candidates: each row against the later rows whose birth date is within the window.
    ends = np.searchsorted(days, days + BIRTH_DATE_WINDOW_DAYS, side="right")
    for i in range(len(group)):
        for j in range(i + 1, ends[i]):
            if ids[i] == ids[j]:
                continue
            if JaroWinkler.normalized_similarity(children[i], children[j]) < NAME_SIMILARITY:
                continue
            if JaroWinkler.normalized_similarity(mothers[i], mothers[j]) < NAME_SIMILARITY:
                continue
            a, b = sorted((int(source[i]), int(source[j])))
            if (a, b) not in found:
                found[(a, b)] = (
                    group["period"].iat[i],
                    group["village_code"].iat[i],
                    group["puskesmas"].iat[i],
                    group["posyandu"].iat[i],
                    a,
                    b,
                )
