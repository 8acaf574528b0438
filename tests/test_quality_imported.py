"""The duplicate check's identities in bounded memory (stunting/quality/imported.py): spilled per chunk,
sealed, searched bucket by bucket, with exactly the findings of the whole-file search.

The reference is ``duplicates.probable_duplicates`` on the whole import at once (tested against
every pair scored by rapidfuzz in tests/test_quality_duplicates.py) and a plain pandas count of the
NIK flags of each child's first row; never the bucketed code itself.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stunting import ingest, staging
from stunting.ingest import ingest_files
from stunting.pseudonym import normalise_name
from stunting.quality import duplicates, imported

FIXTURES = Path(__file__).parent / "data" / "eppgbm"

FIRST = (
    "Muhammad Ahmad Aditya Rizki Rizka Fajar Dimas Bayu Siti Nur Aisyah Putri Dewi Ayu Zahra Nabila".split()
)
LAST = "Pratama Saputra Ramadhan Hidayat Setiawan Lestari Rahmawati Safitri Anggraini Wulandari".split()
MOTHERS = "Sri Wahyuni Rina Hartati Yuli Susanti Nur Hasanah Siti Aminah Dewi Kartika Erna Wati".split()
UNITS = ["period", "village_code", "puskesmas", "posyandu"]


def _typo(text: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(0, 3)
    if kind == 0:
        return text[:i] + ("a" if text[i] != "a" else "e") + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def _import_rows(rng: np.random.Generator) -> pd.DataFrame:
    """An import's identities as stunting.quality.imported.identities gives them: three regencies of
    two provinces whose puskesmas share names, two periods, children re-registered with typos (some
    in another village of the same posyandu), twins, children measured in two villages in one month
    (one identity), rows without a name or a posyandu, NIK flags; in random file order."""
    villages = [f"{regency}.01.20{v:02d}" for regency in ("64.01", "64.02", "72.03") for v in range(1, 13)]
    puskesmas_of = {v: ["Melati", "Sukamaju", "Kota"][i % 3] for i, v in enumerate(villages)}
    n = 3000
    village = rng.choice(villages, n)
    children = pd.DataFrame(
        {
            "child_id": [f"{i:064x}" for i in range(n)],
            "village_code": village,
            "puskesmas": [puskesmas_of[v] for v in village],
            "posyandu": rng.choice(["Mawar", "Anggrek", "Kenanga", None], n, p=[0.3, 0.3, 0.3, 0.1]),
            "sex": rng.choice(["L", "P"], n),
            "birth_date": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "name": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n)],
            "mother_name": [f"{rng.choice(MOTHERS)} {rng.choice(MOTHERS)}" for _ in range(n)],
        }
    )
    rows = [children.assign(period=period) for period in ("2025-07", "2025-08")]
    # Typed again as another identity: in the same village, or in another village of the same
    # puskesmas and posyandu (only the posyandu block pairs those).
    again = children.sample(300, random_state=1).assign(period="2025-08")
    again["child_id"] = [f"a{i:063x}" for i in range(len(again))]
    again["name"] = [_typo(t, rng) for t in again["name"]]
    again["birth_date"] += pd.to_timedelta(rng.integers(-4, 5, len(again)), unit="D")
    moved = rng.random(len(again)) < 0.5
    same_puskesmas = {p: [v for v in villages if puskesmas_of[v] == p] for p in set(puskesmas_of.values())}
    again.loc[moved, "village_code"] = [rng.choice(same_puskesmas[p]) for p in again.loc[moved, "puskesmas"]]
    # Twins: one mother, one birth date, two names.
    twins = children.sample(80, random_state=2).assign(period="2025-07")
    twins["child_id"] = [f"t{i:063x}" for i in range(len(twins))]
    twins["name"] = [t.replace("Rizki", "Rizka") if "Rizki" in t else t + "h" for t in twins["name"]]
    # One identity measured in two villages in one month (each visit's row in its own bucket), with
    # a typed-again registration next to each second visit: only the first visit is compared.
    travelled = children.sample(150, random_state=3).assign(period="2025-07")
    travelled["village_code"] = rng.choice(villages, len(travelled))
    travelled["puskesmas"] = [puskesmas_of[v] for v in travelled["village_code"]]
    shadow = travelled.copy()
    shadow["child_id"] = [f"s{i:063x}" for i in range(len(shadow))]
    shadow["name"] = [_typo(t, rng) for t in shadow["name"]]
    frame = pd.concat([*rows, again, twins, travelled, shadow], ignore_index=True)
    nameless = rng.random(len(frame)) < 0.03
    frame.loc[nameless, "mother_name"] = None
    frame = frame.sample(frac=1.0, random_state=4).reset_index(drop=True)
    frame["source_row"] = np.arange(2, len(frame) + 2)
    # A child's rows are shuffled, so its first row comes anywhere; their flags differ row by row.
    frame["nik_invalid"] = rng.random(len(frame)) < 0.1
    frame["nik_date_mismatch"] = rng.random(len(frame)) < 0.1
    for column in ("name", "mother_name"):
        frame[column] = normalise_name(frame[column].fillna("")).to_numpy(dtype=object)
        frame.loc[nameless & (column == "mother_name"), column] = None
    return frame[[*imported.COLUMNS, "nik_invalid", "nik_date_mismatch"]]


def _spilled(rows: pd.DataFrame, folder: Path, buckets: int, chunk_rows: int = 400):
    spill = imported.Spill(str(folder), AESGCM.generate_key(bit_length=256), buckets)
    chunks = [
        imported.spill_chunk(rows.iloc[start : start + chunk_rows].reset_index(drop=True), spill, index)
        for index, start in enumerate(range(0, len(rows), chunk_rows))
    ]
    # As from a Dask cluster: in the order the chunks finished, not the file's.
    order = np.random.default_rng(9).permutation(len(chunks))
    return spill, [chunks[i] for i in order]


def _pair_set(pairs: pd.DataFrame) -> list[tuple]:
    return sorted(map(tuple, pairs[duplicates.PAIR_COLUMNS].astype(str).itertuples(index=False)))


def _first_row_nik_counts(rows: pd.DataFrame) -> pd.DataFrame:
    first = rows.sort_values("source_row").drop_duplicates(["child_id", "period"])
    first = first.assign(**{c: first[c].fillna("") for c in UNITS})
    counts = first.groupby(UNITS, as_index=False)[["nik_invalid", "nik_date_mismatch"]].sum()
    return counts.astype({"nik_invalid": "int64", "nik_date_mismatch": "int64"})


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return _import_rows(np.random.default_rng(2025))


def test_the_bucketed_search_finds_exactly_the_whole_file_pairs_nik_counts_and_scope(rows, tmp_path):
    expected = duplicates.probable_duplicates(rows, normalised=True)
    assert len(expected) > 200
    # Posyandu pairs across villages and pairs across regencies' shared puskesmas names are there.
    assert (expected["village_code"] != rows.set_index("source_row").loc[expected["other_source_row"],
            "village_code"].to_numpy()).sum() > 50  # fmt: skip
    spill, chunks = _spilled(rows, tmp_path / "identities", buckets=7)
    found, scopes, nik = imported.find_duplicates(spill, chunks).result()

    assert _pair_set(found) == _pair_set(expected)
    assert list(found.columns[: len(duplicates.PAIR_COLUMNS)]) == duplicates.PAIR_COLUMNS
    reference = _first_row_nik_counts(rows).sort_values(UNITS).reset_index(drop=True)
    pd.testing.assert_frame_equal(nik.sort_values(UNITS).reset_index(drop=True), reference, check_dtype=False)
    assert reference["nik_invalid"].sum() > 100
    assert sorted(map(tuple, scopes.itertuples(index=False))) == sorted(
        set(map(tuple, rows[["period", "village_code"]].itertuples(index=False)))
    )


def test_identities_streamed_to_the_search_process_give_the_whole_file_findings(rows, tmp_path):
    # The import's own chunks go through the pipe and are sealed in the search's process; a Dask
    # worker's are sealed where they were staged: a mix of both finds the whole file's pairs.
    expected = duplicates.probable_duplicates(rows, normalised=True)
    folder = tmp_path / "identities"
    folder.mkdir()
    key = AESGCM.generate_key(bit_length=256)
    spill = imported.Spill(str(folder), key, 5, os.getpid())
    worker = imported.Spill(str(folder), key, 5)  # as a worker gets it: another process's spill
    imported._open_stream(spill)
    chunks = [
        imported.spill_chunk(rows.iloc[at : at + 400].reset_index(drop=True), worker if i % 3 else spill, i)
        for i, at in enumerate(range(0, len(rows), 400))
    ]
    assert sum(c.streamed for c in chunks) >= 2 and sum(not c.streamed for c in chunks) >= 2
    found, _, nik = imported.find_duplicates(spill, chunks).result(timeout=120)
    assert _pair_set(found) == _pair_set(expected)
    reference = _first_row_nik_counts(rows).sort_values(UNITS).reset_index(drop=True)
    pd.testing.assert_frame_equal(nik.sort_values(UNITS).reset_index(drop=True), reference, check_dtype=False)


def test_a_stream_ended_without_a_search_removes_what_its_process_sealed(rows, tmp_path):
    # An import that fails while reading never asks for its search: its process ends with the
    # stream and takes the parts it sealed with it.
    folder = tmp_path / "identities"
    folder.mkdir()
    spill = imported.Spill(str(folder), AESGCM.generate_key(bit_length=256), 3, os.getpid())
    imported._open_stream(spill)
    for index, at in enumerate(range(0, 1200, 400)):
        assert imported.spill_chunk(rows.iloc[at : at + 400].reset_index(drop=True), spill, index).streamed
    stream = imported._take_stream(spill)
    stream.close()
    assert stream.process.wait(timeout=120) == 0
    assert not folder.exists()


def test_the_first_row_of_a_child_in_two_buckets_is_decided_over_the_whole_import(
    rows, tmp_path, monkeypatch
):
    # Without the whole-import first rows, each bucket would compare its own first row of a child
    # measured in two villages, and count its own first row's NIK: the findings would differ.
    spill, chunks = _spilled(rows, tmp_path / "identities", buckets=7)
    nothing = np.empty(0, dtype=np.int64)
    monkeypatch.setattr(imported, "_repeated_rows", lambda _spill: (nothing, nothing))
    # In this process: find_duplicates runs the search in a process of its own, without the patch.
    found, _, nik = imported._search(spill, chunks)
    assert _pair_set(found) != _pair_set(duplicates.probable_duplicates(rows, normalised=True))
    assert nik["nik_invalid"].sum() != _first_row_nik_counts(rows)["nik_invalid"].sum()


def test_one_bucket_and_many_buckets_give_the_same_pairs(rows, tmp_path):
    results = []
    for buckets in (1, 3, 64):
        spill, chunks = _spilled(rows, tmp_path / f"b{buckets}", buckets=buckets, chunk_rows=997)
        results.append(_pair_set(imported.find_duplicates(spill, chunks).result()[0]))
    assert results[0] == results[1] == results[2]


def test_a_spilled_part_is_sealed_under_the_import_key(rows, tmp_path):
    spill, chunks = _spilled(rows.iloc[:400], tmp_path / "identities", buckets=2)
    names = [n for n in rows["name"].iloc[:400].dropna().unique() if len(n) >= 8]
    raw = b"".join(p.read_bytes() for p in (tmp_path / "identities").glob("chunk-*.bin"))
    assert len(raw) > 1000 and names
    for name in names:
        assert name.encode() not in raw
    (kind, bucket), (offset, length) = next(iter(chunks[0].parts.items()))
    sealed = raw[offset : offset + length]  # one chunk: its file is all of ``raw``
    assert len(chunks) == 1
    with pytest.raises((OSError, pa.ArrowInvalid)):  # not an Arrow stream without the key
        pa.ipc.open_stream(sealed).read_all()
    other = imported.Spill(spill.folder, AESGCM.generate_key(bit_length=256), spill.buckets)
    with pytest.raises(InvalidTag):
        imported._read_bucket(other, chunks, kind, bucket)
    opened = imported._read_bucket(spill, chunks, kind, bucket).to_pandas()
    assert set(opened["name"].dropna()) <= set(rows["name"].dropna()) and len(opened)
    assert "key" not in repr(spill) and repr(spill.key) not in repr(spill)


def test_an_import_leaves_no_readable_name_in_its_staging_folder(tmp_path, monkeypatch):
    # What a killed import would leave behind: the staging folder as the merge starts, once the
    # search's process has sealed every part (the import streams them to it: the last may still be
    # in the pipe when the merge starts).
    seen, searches = {}, []
    write_staged, find_duplicates = staging.write_staged, imported.find_duplicates

    def kept(*args):
        searches.append(find_duplicates(*args))
        return searches[-1]

    def look_then_write(root, staged, *args, **kwargs):
        searches[-1].exception(timeout=120)  # sealed, searched; the parts are still there
        # The whole staging root: the import's staging folder and its identities beside it.
        everything = Path(staged).parent
        seen["spill"] = imported.spill_folder(staged).relative_to(everything)
        files = [p for p in everything.rglob("*") if p.is_file()]
        seen["files"] = {p.relative_to(everything): p.read_bytes() for p in files}
        shutil.copytree(everything, tmp_path / "left")
        return write_staged(root, staged, *args, **kwargs)

    monkeypatch.setattr(imported, "find_duplicates", kept)
    monkeypatch.setattr(staging, "write_staged", look_then_write)
    [summary] = ingest_files([FIXTURES / "export.csv"], tmp_path / "data")
    assert summary.rows_stored > 100
    parts = {p: b for p, b in seen["files"].items() if p.parts[0] == seen["spill"].name}
    assert any(p.suffix == ".bin" for p in parts) and any(p.suffix == ".parquet" for p in parts)
    blob = b"\n".join(seen["files"].values()).lower()
    keys = pd.concat([pd.read_parquet(tmp_path / "left" / p) for p in parts if p.suffix == ".parquet"])
    blob += keys.to_csv().encode().lower()
    # Every child of the demo-like export is "Anak Fiktif N" and every mother "Ibu Fiktif N".
    assert b"fiktif" not in blob
    assert not (tmp_path / "data" / "staging").exists()  # removed once the import ends


def test_an_import_whose_store_write_fails_stops_its_search_and_leaves_no_staging(tmp_path, monkeypatch):
    searches = []
    find_duplicates = imported.find_duplicates

    def kept(*args):
        searches.append(find_duplicates(*args))
        return searches[-1]

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(imported, "find_duplicates", kept)
    monkeypatch.setattr(staging, "write_staged", fail)
    with pytest.raises(OSError, match="disk full"):
        ingest_files([FIXTURES / "export.csv"], tmp_path / "data")
    assert len(searches) == 1 and searches[0].done()  # ended before its folder was removed
    assert not (tmp_path / "data" / "staging").exists()
    assert not (tmp_path / "data" / "quality").exists()  # nothing recorded for a failed import


def test_an_import_that_fails_while_reading_ends_its_search_process_at_once(tmp_path, monkeypatch):
    # Not at the next import: a server that saw one bad file would keep an idle process until then.
    launched = []
    launch, stage_chunk = imported._launch, ingest.stage_chunk

    def recorded():
        launched.append(launch())
        return launched[-1]

    def third_chunk_fails(raw, *, index, **kwargs):
        if index == 2:
            raise OSError("disk full")
        return stage_chunk(raw, index=index, **kwargs)

    monkeypatch.setattr(imported, "_launch", recorded)
    monkeypatch.setattr(ingest, "stage_chunk", third_chunk_fails)
    with pytest.raises(OSError, match="disk full"):
        ingest_files([FIXTURES / "export.csv"], tmp_path / "data", chunk_rows=40)
    assert len(launched) == 1
    assert launched[0].wait(timeout=120) == 0
    assert not (tmp_path / "data" / "staging").exists()


def test_a_search_still_reading_when_the_store_is_written_finds_its_parts(tmp_path, monkeypatch):
    # The merge of a small file can end before the search: its staging folder is removed then, and
    # the identities must not be in it (test_scale failed now and then on a part gone from under the
    # search). Here the search (in its own process, as always) starts only once the store is written
    # and the staging folder is gone, so every part it reads is read after the merge.
    deferred: dict = {}
    find_duplicates, write_staged = imported.find_duplicates, staging.write_staged

    def later(*args):
        deferred["args"], deferred["search"] = args, Future()
        return deferred["search"]

    def write_then_search(root, staged, *args, **kwargs):
        record = write_staged(root, staged, *args, **kwargs)
        deferred["staging gone"] = not Path(staged).exists()
        started = find_duplicates(*deferred["args"])
        try:
            deferred["search"].set_result(started.result(timeout=120))
        except BaseException as error:  # noqa: BLE001 - handed to the import as the search's own
            deferred["search"].set_exception(error)
        return record

    monkeypatch.setattr(imported, "find_duplicates", later)
    monkeypatch.setattr(staging, "write_staged", write_then_search)
    [summary] = ingest_files([FIXTURES / "export.csv"], tmp_path / "data")
    assert deferred["staging gone"]
    assert summary.duplicates_report is not None
    assert not (tmp_path / "data" / "staging").exists()  # the spill folder went with the import
