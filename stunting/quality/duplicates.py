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

Cost (the import runs this on every file): the rows are sorted once by block and birth day and each
row is compared with the rows after it inside the window, offset by offset, so the candidate pairs
are never held all at once. A name column with few distinct names is scored all against all once and
looked up while the pairs are enumerated; a column with many is scored pair by pair with rapidfuzz,
after a bound on the characters the two names share has set aside the pairs that cannot reach
NAME_SIMILARITY (``_may_be_similar``: exact, so the same pairs are found as by scoring every pair).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from stunting.pseudonym import normalise_name

# A birth date typed a few days off (or day and month swapped within the first days) still pairs.
BIRTH_DATE_WINDOW_DAYS = 5
# Jaro-Winkler 0.88: "Muhammad Rizki" / "Muh. Rizky" pair, "Rizki" / "Rizka" (twins) stay apart
# only through the mother's name being required as well; the threshold.
NAME_SIMILARITY = 0.88

# Up to this many distinct names a column's names are scored all against all once (a 2,000 x 2,000
# float32 matrix is 16 MB) and pairs looked up; beyond, each candidate pair of names is scored.
DENSE_NAMES = 2_000
# Pairs bounded and scored this many at a time: the character counts of a slice's names are a few
# tens of MB.
PAIR_SLICE = 500_000
# Winkler's bonus (rapidfuzz, as Winkler 1990): Jaro + prefix x 0.1 x (1 - Jaro) for a common prefix
# of up to 4 characters, added only above Jaro 0.7. So Jaro-Winkler >= NAME_SIMILARITY needs at
# least this Jaro (0.8 for 0.88): _may_be_similar's bound.
_WINKLER_MAX_BONUS, _WINKLER_FROM = 4 * 0.1, 0.7
JARO_NEEDED = min(
    NAME_SIMILARITY, max(_WINKLER_FROM, (NAME_SIMILARITY - _WINKLER_MAX_BONUS) / (1 - _WINKLER_MAX_BONUS))
)

PAIR_COLUMNS = ["period", "village_code", "puskesmas", "posyandu", "source_row", "other_source_row"]


BLOCKS = ("village", "posyandu")


def probable_duplicates(
    frame: pd.DataFrame, *, normalised: bool = False, blocks: tuple[str, ...] = BLOCKS
) -> pd.DataFrame:
    """Pairs of source rows that are probably one child registered twice (PAIR_COLUMNS).

    ``frame``: parsed, accepted rows with child_id, period, village_code, posyandu, sex, birth_date,
    name, mother_name and source_row. One representative row per identity and period (its first
    row) is compared; rows without a child's or mother's name, or without a birth date, cannot pair.
    ``normalised``: the names are already pseudonym.normalise_name's keys (stunting.quality.imported
    keeps them so).
    ``blocks``: which of the two blockings to search (both by default). The village block pairs
    rows of one village; the posyandu block adds the pairs of one puskesmas x posyandu across two
    villages. stunting.quality.imported searches each over its own buckets of rows.
    """
    if frame.empty or "name" not in frame or "mother_name" not in frame:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    fold = (lambda names: names) if normalised else normalise_name
    child, mother = factorized(fold(frame["name"])), factorized(fold(frame["mother_name"]))
    born = pd.to_datetime(frame["birth_date"]).to_numpy(dtype="datetime64[D]")
    source = frame["source_row"].to_numpy(dtype=np.int64)
    named = (child[1] != "")[child[0]] & (mother[1] != "")[mother[0]]
    usable = np.flatnonzero(named & ~np.isnat(born))
    if np.any(source[usable][1:] < source[usable][:-1]):  # the import's rows come in file order already
        usable = usable[np.argsort(source[usable], kind="stable")]
    # One representative per identity and period: its first usable row.
    periods_all = factorized(frame["period"])
    ids, periods = factorized(frame["child_id"])[0][usable], periods_all[0][usable]
    first = ~pd.Series(ids * (int(periods.max(initial=0)) + 1) + periods).duplicated().to_numpy()
    rows = usable[first]
    if len(rows) < 2:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    # Every column as integer codes once: the blocks and pairs below never touch a string.
    code = {"period": periods[first], "child_id": ids[first]}
    villages_all, puskesmas_all = factorized(frame["village_code"]), factorized(frame["puskesmas"])
    code["village_code"], code["puskesmas"] = villages_all[0][rows], puskesmas_all[0][rows]
    code["sex"] = factorized(frame["sex"])[0][rows]
    posyandu_codes, posyandu_names = factorized(frame["posyandu"])
    code["posyandu"] = posyandu_codes[rows]
    day = born[rows].astype(np.int64)
    names = {column: _subset(*coded, rows) for column, coded in (("child", child), ("mother", mother))}
    # Both names must agree. A column of few distinct names is looked up while the pairs are
    # enumerated; the others are scored afterwards, the one with fewer distinct names first.
    dense = [c for c in names if len(names[c][1]) <= DENSE_NAMES]
    lookups = [(names[c][0], _dense_similar(names[c][1])) for c in dense]
    # Block on village and on posyandu: a posyandu may serve two villages, a village have several.
    # Posyandu names repeat across a regency ("Melati 1"), so a posyandu is one within its puskesmas.
    # A pair of one posyandu within one village is already a pair of the village block: only the
    # posyandu pairs across villages are added.
    has_posyandu = (posyandu_names != "")[code["posyandu"]]
    identity, village = code["child_id"], code["village_code"]
    found = []
    if "village" in blocks:
        found.append(
            _window_pairs(_block(code, ["period", "village_code", "sex"]), day, None, [identity], lookups)
        )
    if "posyandu" in blocks:
        found.append(
            _window_pairs(
                _block(code, ["period", "puskesmas", "posyandu", "sex"]),
                day,
                has_posyandu,
                [identity, village],
                lookups,
            )
        )
    first_of, second_of = (np.concatenate(pair) for pair in zip(*found, strict=True))
    for column in sorted(set(names) - set(dense), key=lambda c: len(names[c][1])):
        codes, uniques = names[column]
        keep = _similar(codes[first_of], codes[second_of], uniques)
        first_of, second_of = first_of[keep], second_of[keep]
    if not len(first_of):
        return pd.DataFrame(columns=PAIR_COLUMNS)
    rows_a, rows_b = rows[first_of], rows[second_of]
    a, b = source[rows_a], source[rows_b]
    picked = np.where(a <= b, rows_a, rows_b)
    labels = {"period": periods_all, "village_code": villages_all, "puskesmas": puskesmas_all,
              "posyandu": (posyandu_codes, posyandu_names)}  # fmt: skip
    out = pd.DataFrame(
        {column: uniques[codes[picked]] for column, (codes, uniques) in labels.items()}
        | {"source_row": np.minimum(a, b), "other_source_row": np.maximum(a, b)}
    )
    out = out.drop_duplicates(["source_row", "other_source_row"])
    return out.sort_values(["period", "source_row", "other_source_row"], kind="stable").reset_index(drop=True)


def factorized(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column and its distinct values, a missing value taken as "" (without
    fillna, which costs a pass over every row to look for what is usually not there)."""
    codes, uniques = pd.factorize(values)
    codes, uniques = codes.astype(np.int64), np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        empty = np.flatnonzero(uniques == "")
        if len(empty):
            codes[missing] = empty[0]
        else:
            codes[missing] = len(uniques)
            uniques = np.append(uniques, np.array([""], dtype=object))
    return codes, uniques


def _subset(codes: np.ndarray, uniques: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes of ``rows`` renumbered over the distinct values they use."""
    renumbered, used = pd.factorize(codes[rows])
    return renumbered.astype(np.int64), uniques[used]


def _block(code: dict[str, np.ndarray], columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (their codes, combined)."""
    block = np.zeros(len(code[columns[0]]), dtype=np.int64)
    for column in columns:
        block = pd.factorize(block * (int(code[column].max()) + 1) + code[column])[0].astype(np.int64)
    return block


def _window_pairs(
    block: np.ndarray,
    day: np.ndarray,
    keep: np.ndarray | None,
    differ: list[np.ndarray],
    lookups: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the pairs of rows (among ``keep``) of one block whose birth dates lie within the
    window, that differ in each array of ``differ`` and whose codes are alike in each (codes, matrix)
    of ``lookups``. One sort by block and birth day, then every row against the row ``step`` places
    after it, step by step while some row's window reaches that far: the candidate pairs are filtered
    as they come, never all held at once, on arrays laid out in the sorted order (each step reads
    them in sequence)."""
    positions = np.arange(len(block)) if keep is None else np.flatnonzero(keep)
    found_a, found_b = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    if len(positions) < 2:
        return found_a[0], found_b[0]
    day = day[positions]
    span = int(day.max() - day.min()) + BIRTH_DATE_WINDOW_DAYS + 1  # blocks never overlap on this key
    key = block[positions] * span + (day - day.min())
    order = np.argsort(key, kind="stable")
    key, at = key[order], positions[order]
    reach = np.searchsorted(key, key + BIRTH_DATE_WINDOW_DAYS, side="right") - np.arange(len(key)) - 1
    differ = [values[at] for values in differ]
    # A matrix looked up flat: the first name's row offset once, the second name's column.
    lookups = [(codes[at] * len(matrix), codes[at], matrix.ravel()) for codes, matrix in lookups]
    # How many rows reach at least each step: while most do, a step compares the arrays shifted by
    # it (contiguous slices); once few do, only those rows (gathered).
    reaching = np.cumsum(np.bincount(reach)[::-1])[::-1]
    active = None
    for step in range(1, len(reaching)):
        if active is None and reaching[step] * 4 >= len(key) - step:
            end = len(key) - step
            ok = reach[:end] >= step
            for values in differ:
                ok &= values[:end] != values[step:]
            pairs = np.flatnonzero(ok)
        else:
            active = np.flatnonzero(reach >= step) if active is None else active[reach[active] >= step]
            pairs = active
            for values in differ:
                pairs = pairs[values[pairs] != values[pairs + step]]
        for offsets, codes, flat in lookups:
            pairs = pairs[flat[offsets[pairs] + codes[pairs + step]]]
        found_a.append(at[pairs])
        found_b.append(at[pairs + step])
    return np.concatenate(found_a), np.concatenate(found_b)


def _dense_similar(uniques: np.ndarray) -> np.ndarray:
    """Whether each two of ``uniques`` are NAME_SIMILARITY alike: all against all, once."""
    texts = uniques.tolist()
    matrix = process.cdist(texts, texts, scorer=JaroWinkler.normalized_similarity,
                           score_cutoff=NAME_SIMILARITY, dtype=np.float32)  # fmt: skip
    return matrix >= np.float32(NAME_SIMILARITY)


def _similar(a: np.ndarray, b: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Whether each pair of names (codes ``a`` and ``b`` into ``uniques``) is NAME_SIMILARITY alike
    (Jaro-Winkler): equal names are; the others are scored by rapidfuzz where the characters they
    share allow the score at all."""
    similar = a == b
    counts, lengths = _character_counts(uniques)
    for start in range(0, len(a), PAIR_SLICE):
        part = slice(start, start + PAIR_SLICE)
        part_a, part_b = a[part], b[part]
        candidate = ~similar[part] & _may_be_similar(counts, lengths, part_a, part_b)
        which = np.flatnonzero(candidate)
        if len(which):
            score = process.cpdist(
                uniques[part_a[which]].tolist(),
                uniques[part_b[which]].tolist(),
                scorer=JaroWinkler.normalized_similarity,
                score_cutoff=NAME_SIMILARITY,
            )
            similar[start + which] = score >= NAME_SIMILARITY
    return similar


def _character_counts(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How often each character occurs in each name (names x the characters that occur), and the
    names' lengths."""
    # Lengths in code points, counted by Arrow (a Python len() per name was a third of this).
    lengths = pc.utf8_length(pa.array(uniques, pa.string())).to_numpy(zero_copy_only=False).astype(np.int64)
    characters = np.frombuffer("".join(uniques.tolist()).encode("utf-32-le"), dtype=np.uint32)
    # The characters that occur, numbered 0..k-1 (a lookup over code points: no sort of every letter).
    occurs = np.bincount(characters) > 0 if len(characters) else np.zeros(1, dtype=bool)
    number = np.cumsum(occurs) - 1
    width = int(occurs.sum())
    owner = np.repeat(np.arange(len(uniques)), lengths)
    counts = np.bincount(owner * width + number[characters], minlength=len(uniques) * width)
    dtype = np.uint8 if lengths.max(initial=0) < 256 else np.int64
    return counts.reshape(len(uniques), width).astype(dtype), lengths


def _may_be_similar(counts: np.ndarray, lengths: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """False only where names ``a`` and ``b`` cannot be NAME_SIMILARITY alike by Jaro-Winkler.

    Jaro = (m/|a| + m/|b| + (m - t)/m) / 3 with m matching characters (t transpositions), so at most
    (m/|a| + m/|b| + 1) / 3; and m is at most the characters the two names have in common, counted
    with repetition. Jaro-Winkler reaches NAME_SIMILARITY only from Jaro >= JARO_NEEDED."""
    m = np.minimum(counts[a], counts[b]).sum(axis=1, dtype=np.int64)
    la, lb = lengths[a], lengths[b]
    # m/|a| + m/|b| >= 3 Jaro - 1, in products (a hair of slack for the float's rounding).
    return m * (la + lb) >= (3 * JARO_NEEDED - 1 - 1e-9) * la * lb
