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
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from stunting.pseudonym import normalise_name

# A birth date typed a few days off (or day and month swapped within the first days) still pairs.
BIRTH_DATE_WINDOW_DAYS = 5
# Jaro-Winkler 0.88: "Muhammad Rizki" / "Muh. Rizky" pair, "Rizki" / "Rizka" (twins) stay apart
# only through the mother's name being required as well; the threshold.
NAME_SIMILARITY = 0.88

# Up to this many distinct names a column's names are scored all against all once (a 2,000 x 2,000
# float32 matrix is 16 MB) and pairs looked up; beyond, each distinct pair of names is scored.
DENSE_NAMES = 2_000

PAIR_COLUMNS = ["period", "village_code", "puskesmas", "posyandu", "source_row", "other_source_row"]


def probable_duplicates(frame: pd.DataFrame, *, normalised: bool = False) -> pd.DataFrame:
    """Pairs of source rows that are probably one child registered twice (PAIR_COLUMNS).

    ``frame``: parsed, accepted rows with child_id, period, village_code, posyandu, sex, birth_date,
    name, mother_name and source_row. One representative row per identity and period (its first
    row) is compared; rows without a child's or mother's name cannot pair. ``normalised``: the names
    are already pseudonym.normalise_name's keys (stunting.quality.imported keeps them so).
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
    fold = (
        (lambda names: names.to_numpy(dtype=object))
        if normalised
        else (lambda n: normalise_name(n).to_numpy())
    )
    rows["child"] = fold(frame["name"])
    rows["mother"] = fold(frame["mother_name"])
    rows = rows[(rows["child"] != "") & (rows["mother"] != "")]
    if not rows["source_row"].is_monotonic_increasing:  # the import's rows come in file order already
        rows = rows.sort_values("source_row", kind="stable")
    rows = rows.drop_duplicates(["child_id", "period"])
    rows["day"] = (pd.to_datetime(rows["birth_date"]) - pd.Timestamp("1970-01-01")).dt.days.astype("int64")
    for column in ("puskesmas", "posyandu"):
        rows[column] = rows[column].fillna("").astype(str)
    rows = rows.reset_index(drop=True)
    # Every column as integer codes once: the blocks and pairs below then never touch a string, and
    # each distinct pair of names is scored once (names repeat: "Muhammad Rizki", "Siti Aminah").
    code = {column: pd.factorize(rows[column])[0].astype(np.int64) for column in ("period", "village_code",
            "puskesmas", "posyandu", "sex", "child_id")}  # fmt: skip
    day = rows["day"].to_numpy(dtype=np.int64)
    # Block on village and on posyandu: a posyandu may serve two villages, a village have several.
    # Posyandu names repeat across a regency ("Melati 1"), so a posyandu is one within its puskesmas.
    has_posyandu = (rows["posyandu"] != "").to_numpy()
    by_village = _candidates(_block(code, ["period", "village_code", "sex"]), day)
    by_posyandu = _candidates(_block(code, ["period", "puskesmas", "posyandu", "sex"]), day, has_posyandu)
    # A pair of one posyandu within one village is already a pair of the village block (each block
    # gives each pair once): only the posyandu pairs across villages are added.
    village = code["village_code"]
    across = village[by_posyandu[0]] != village[by_posyandu[1]]
    pairs = np.stack(
        [
            np.concatenate([by_village[0], by_posyandu[0][across]]),
            np.concatenate([by_village[1], by_posyandu[1][across]]),
        ],
        axis=1,
    ).astype(np.int64)
    ids = code["child_id"]
    pairs = pairs[ids[pairs[:, 0]] != ids[pairs[:, 1]]]
    # Both names must agree, so the second is scored only on the pairs the first let through: first
    # the one with fewer distinct names (fewer distinct pairs to score; the same pairs either way).
    names = {column: pd.factorize(rows[column]) for column in ("child", "mother")}
    for column in sorted(names, key=lambda c: len(names[c][1])):
        if not len(pairs):
            break
        pairs = pairs[_similar(*names[column], pairs)]
    if not len(pairs):
        return pd.DataFrame(columns=PAIR_COLUMNS)
    source = rows["source_row"].to_numpy()
    a, b = source[pairs[:, 0]], source[pairs[:, 1]]
    picked = rows.iloc[np.where(a <= b, pairs[:, 0], pairs[:, 1])]
    out = pd.DataFrame(
        {
            "period": picked["period"].to_numpy(dtype=object),
            "village_code": picked["village_code"].to_numpy(dtype=object),
            "puskesmas": picked["puskesmas"].to_numpy(dtype=object),
            "posyandu": picked["posyandu"].to_numpy(dtype=object),
            "source_row": np.minimum(a, b).astype("int64"),
            "other_source_row": np.maximum(a, b).astype("int64"),
        }
    )
    out = out.drop_duplicates(["source_row", "other_source_row"])
    return out.sort_values(["period", "source_row", "other_source_row"], kind="stable").reset_index(drop=True)


def _block(code: dict[str, np.ndarray], columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (their codes, combined)."""
    block = np.zeros(len(code[columns[0]]), dtype=np.int64)
    for column in columns:
        block = pd.factorize(block * (int(code[column].max()) + 1) + code[column])[0].astype(np.int64)
    return block


def _similar(codes: np.ndarray, uniques, pairs: np.ndarray) -> np.ndarray:
    """Whether each pair's two names (``codes`` into ``uniques``, pd.factorize's) are NAME_SIMILARITY
    alike (Jaro-Winkler), each distinct pair of names scored once (Jaro-Winkler is symmetric, so a
    pair is keyed by its names' codes in order)."""
    a, b = codes[pairs[:, 0]].astype(np.int64), codes[pairs[:, 1]].astype(np.int64)
    texts = np.asarray(uniques, dtype=object)
    if len(texts) <= DENSE_NAMES:  # few distinct names: every pair of them scored once, looked up
        matrix = process.cdist(texts.tolist(), texts.tolist(), scorer=JaroWinkler.normalized_similarity,
                               score_cutoff=NAME_SIMILARITY, dtype=np.float32)  # fmt: skip
        return matrix[a, b] >= np.float32(NAME_SIMILARITY)
    low, high = np.minimum(a, b), np.maximum(a, b)
    which, distinct = pd.factorize(low * len(uniques) + high)
    score = process.cpdist(
        texts[distinct // len(uniques)].tolist(),
        texts[distinct % len(uniques)].tolist(),
        scorer=JaroWinkler.normalized_similarity,
        score_cutoff=NAME_SIMILARITY,
    )
    return score[which] >= NAME_SIMILARITY


def _candidates(
    block: np.ndarray, day: np.ndarray, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every pair of rows (among ``keep``) in one block whose birth dates lie within the
    window: one sort by block and birth day, then each row against the rows after it up to day +
    window."""
    positions = np.arange(len(block)) if keep is None else np.flatnonzero(keep)
    if len(positions) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    day = day[positions]
    span = int(day.max() - day.min()) + BIRTH_DATE_WINDOW_DAYS + 1  # blocks never overlap on this key
    key = block[positions] * span + (day - day.min())
    order = np.argsort(key, kind="stable")
    key = key[order]
    ends = np.searchsorted(key, key + BIRTH_DATE_WINDOW_DAYS, side="right")
    counts = ends - np.arange(len(key)) - 1
    first = np.repeat(np.arange(len(key)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    return positions[order[first]], positions[order[second]]
