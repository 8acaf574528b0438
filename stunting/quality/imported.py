"""The import's side of the quality checks: what needs the rows before names are dropped.

``identities`` keeps, per parsed chunk, only what the duplicate check compares (normalised child's
and mother's names, sex, birth date, village, posyandu, period, child_id, source row) and whether
the row's NIK fails the structure check or embeds another birth date (pseudonym.nik_disagrees),
and only until the file's import ends; ``find_duplicates`` / ``record_duplicates`` find the probable
duplicates among them and store row numbers and NIK counts only (stunting/quality/findings.py).
Nothing here is ever written with a name or a NIK.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

from stunting.pseudonym import normalise_name, normalise_nik
from stunting.quality import duplicates, findings

# One worker: imports run one file at a time; a second search would only compete for the same cores.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality-duplicates")

COLUMNS = ["child_id", "source_row", "period", "village_code", "puskesmas", "posyandu", "sex", "birth_date",
           "name", "mother_name"]  # fmt: skip


def identities(parsed: pd.DataFrame, child_ids: pd.Series, nik_disagrees=None) -> pd.DataFrame:
    """The comparison columns of one parsed chunk (``child_ids`` and the ingest's ``nik_disagrees``
    aligned with its rows). The text columns stay Python objects, as parsed: turning each into an
    Arrow string column costs more than everything the duplicate search does with it."""
    empty = pd.Series("", index=parsed.index, dtype=object)
    nik = parsed["nik"] if "nik" in parsed else empty
    typed = nik.fillna("").astype(str).str.strip() != ""
    # A NIK typed but not 16 digits (or one digit repeated): the structure check of pseudonym.
    nik_invalid = typed.to_numpy() & (normalise_nik(nik) == "").to_numpy()
    measured = pd.to_datetime(parsed["measured_on"])
    # "YYYY-MM" formatted once per distinct month (strftime per row is slow on a million rows).
    months, labels = pd.factorize(measured.dt.year.to_numpy() * 100 + measured.dt.month.to_numpy())
    periods = np.array([f"{m // 100:04d}-{m % 100:02d}" for m in labels], dtype=object)[months]
    names = {
        column: normalise_name(parsed[column] if column in parsed else empty).to_numpy(dtype=object)
        for column in ("name", "mother_name")
    }
    return pd.DataFrame(
        {
            "child_id": child_ids.reset_index(drop=True),
            "source_row": parsed["source_row"].to_numpy(),
            "period": _objects(periods),
            **{
                column: _objects(parsed[column])
                for column in ("village_code", "puskesmas", "posyandu", "sex")
            },
            "birth_date": pd.to_datetime(parsed["birth_date"]).to_numpy(),
            **{column: _objects(values) for column, values in names.items()},
            "nik_invalid": nik_invalid,
            "nik_date_mismatch": False if nik_disagrees is None else nik_disagrees,
        }
    )


def _objects(values) -> pd.Series:
    """``values`` as a column of Python objects (positional, whatever the index)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)


def find_duplicates(chunks: list[pd.DataFrame]) -> Future:
    """Start the duplicate search of one import in a background thread and return its future:
    the import runs it while the store writes (parquet writing and rapidfuzz release the GIL, so on
    two cores most of it costs the user no waiting). The result is (pairs, scopes) or None."""
    return _EXECUTOR.submit(_search, chunks)


def _search(chunks: list[pd.DataFrame]):
    if not chunks:
        return None
    rows = pd.concat(chunks, ignore_index=True)
    # The text columns hashed once here, as integer codes: the keyed hash (64 characters) and the
    # unit columns, which both the duplicate search and the NIK counts below group by.
    rows["child_id"] = pd.factorize(rows["child_id"])[0]
    units = ["period", "village_code", "puskesmas", "posyandu"]
    labels = {}
    for column in [*units, "sex"]:
        rows[column], labels[column] = duplicates.factorized(rows[column])
    pairs = duplicates.probable_duplicates(rows, normalised=True)
    for column in units:  # the pairs' units back as text
        pairs[column] = labels[column][pairs[column].to_numpy(dtype=np.int64)]
    # NIK problems per child and period (its first row), per period x village x puskesmas x posyandu.
    period = rows["period"].to_numpy()
    first = ~pd.Series(
        rows["child_id"].to_numpy(dtype=np.int64) * (int(period.max()) + 1) + period
    ).duplicated()
    where = np.flatnonzero(first.to_numpy())
    unit = np.zeros(len(where), dtype=np.int64)
    for column in units:  # renumbered at each step: the combined code never overflows
        code = rows[column].to_numpy()[where]
        unit = pd.factorize(unit * (int(code.max()) + 1) + code)[0].astype(np.int64)
    unit_codes, unit_keys = pd.factorize(unit)
    representative = where[np.unique(unit_codes, return_index=True)[1]]  # a row of each unit, in code order
    nik = pd.DataFrame({column: labels[column][rows[column].to_numpy()[representative]] for column in units})
    for column in ("nik_invalid", "nik_date_mismatch"):
        flags = rows[column].to_numpy(dtype=bool)[where]
        nik[column] = np.bincount(unit_codes, weights=flags, minlength=len(unit_keys)).astype(np.int64)
    # Which period x village the import brought: the distinct code pairs, then their text.
    scope = rows[["period", "village_code"]].drop_duplicates()
    scopes = pd.DataFrame({c: labels[c][scope[c].to_numpy()] for c in ("period", "village_code")})
    return pairs, scopes, nik


def record_duplicates(root, import_id: str, search: Future):
    """Store what ``find_duplicates`` found, once the import's measurements are stored; returns the
    duplicates report's path or None."""
    found = search.result()
    if found is None:
        return None
    pairs, scopes, nik = found
    return findings.record(root, import_id, pairs, scopes, nik)


def record_import(root, import_id: str, chunks: list[pd.DataFrame]):
    """find_duplicates and record_duplicates in one step (callers without a store write to overlap)."""
    return record_duplicates(root, import_id, find_duplicates(chunks))
