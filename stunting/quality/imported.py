"""The import's side of the quality checks: what needs the rows before names are dropped.

``identities`` keeps, per parsed chunk, only what the duplicate check compares (normalised child's
and mother's names, sex, birth date, village, posyandu, period, child_id, source row) and only
until the file's import ends; ``record_import`` finds the probable duplicates among them and stores
row numbers only (stunting/quality/findings.py). Nothing here is ever written with a name.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from stunting.pseudonym import normalise_name
from stunting.quality import duplicates, findings

# One worker: imports run one file at a time; a second search would only compete for the same cores.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality-duplicates")

COLUMNS = ["child_id", "source_row", "period", "village_code", "puskesmas", "posyandu", "sex", "birth_date",
           "name", "mother_name"]  # fmt: skip


def identities(parsed: pd.DataFrame, child_ids: pd.Series) -> pd.DataFrame:
    """The comparison columns of one parsed chunk (``child_ids`` aligned with its rows)."""
    empty = pd.Series("", index=parsed.index, dtype=object)
    measured = pd.to_datetime(parsed["measured_on"])
    # "YYYY-MM" formatted once per distinct month (strftime per row is slow on a million rows).
    months, labels = pd.factorize(measured.dt.year.to_numpy() * 100 + measured.dt.month.to_numpy())
    periods = pd.Index([f"{m // 100:04d}-{m % 100:02d}" for m in labels], dtype=object)[months]
    return pd.DataFrame(
        {
            "child_id": child_ids.to_numpy(),
            "source_row": parsed["source_row"].to_numpy(),
            "period": periods.to_numpy(),
            "village_code": parsed["village_code"].to_numpy(),
            "puskesmas": parsed["puskesmas"].to_numpy(),
            "posyandu": parsed["posyandu"].to_numpy(),
            "sex": parsed["sex"].to_numpy(),
            "birth_date": pd.to_datetime(parsed["birth_date"]).to_numpy(),
            "name": normalise_name(parsed["name"] if "name" in parsed else empty).to_numpy(),
            "mother_name": normalise_name(
                parsed["mother_name"] if "mother_name" in parsed else empty
            ).to_numpy(),
        }
    )


def find_duplicates(chunks: list[pd.DataFrame]) -> Future:
    """Start the duplicate search of one import in a background thread and return its future:
    the import runs it while the store writes (parquet writing and rapidfuzz release the GIL, so on
    two cores most of it costs the user no waiting). The result is (pairs, scopes) or None."""
    return _EXECUTOR.submit(_search, chunks)


def _search(chunks: list[pd.DataFrame]):
    if not chunks:
        return None
    rows = pd.concat(chunks, ignore_index=True)
    pairs = duplicates.probable_duplicates(rows, normalised=True)
    return pairs, rows[["period", "village_code"]]


def record_duplicates(root, import_id: str, search: Future):
    """Store what ``find_duplicates`` found, once the import's measurements are stored; returns the
    duplicates report's path or None."""
    found = search.result()
    if found is None:
        return None
    pairs, scopes = found
    return findings.record(root, import_id, pairs, scopes)


def record_import(root, import_id: str, chunks: list[pd.DataFrame]):
    """find_duplicates and record_duplicates in one step (callers without a store write to overlap)."""
    return record_duplicates(root, import_id, find_duplicates(chunks))
