"""The bounded-memory import (stunting/staging.py: staged chunks, a DuckDB merge per year) stores what
the in-memory pandas writer (store.write_measurements) stores: the same summary row for row, the same
measurements, and the same counts of rows stored and replaced, through a sequence of imports that
exercises each rule (a new year, a new month of the same year, a replace with dropped and corrected
rows, --add, a re-import that changes nothing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scale_data import edited, one_month, read_measurements, read_rollup, read_summary, summed_per_kecamatan

from stunting import eppgbm, ingest, staging, store, store_layout, uploads
from stunting.demo import write_exports

SCALE = 0.02  # some 1,500 children a weighing month: every rule meets rows, the test stays quick


def pandas_import(data_dir: Path, path: Path, *, add: bool, keep: list[str]) -> store.ImportRecord:
    """The import as it was before staging: every chunk in memory, then store.write_measurements."""
    import_id = store.new_import_id()
    from stunting import pseudonym

    secret = pseudonym.load_secret(data_dir)
    frames = [
        ingest._measurements(ingest._pseudonymise(chunk.frame, secret), import_id)
        for chunk in eppgbm.iter_export(path, chunk_rows=700)
        if len(chunk.frame)
    ]
    frame = pd.concat(frames, ignore_index=True).drop(columns="age_text_mismatch")
    record = store.ImportRecord(import_id, path.name, path.name, "e-ppgbm", "2026-12-01", len(frame), 0, 0)
    return store.write_measurements(data_dir, frame, record, add=add, keep_imports=keep)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    written = write_exports(folder, seed=7, scale=SCALE, years=(2024, 2025)).files
    y2024, y2025 = written
    return {
        "2024": y2024,
        "2025": y2025,
        "2024-corrected": edited(y2024, folder / "corrected-2024.csv", drop_every=9, reweigh_every=5),
        "2025-partial": edited(y2025, folder / "partial-2025.csv", drop_every=2, reweigh_every=3),
        # the 2025 rows in another file (a blank line more: not "already imported" by its SHA-256)
        "2025-again": edited(
            y2025, folder / "again-2025.csv", drop_every=10**9, reweigh_every=10**9, tail="\n"
        ),
        "2024-preview": edited(y2024, folder / "preview-2024.csv", drop_every=3, reweigh_every=7),
        "2025-02": one_month(y2025, folder / "round-2025-02.csv", "02"),
        "2025-08": one_month(y2025, folder / "round-2025-08.csv", "08"),
    }


STEPS = [
    ("2024", False),  # into an empty store
    ("2025", False),  # a new year: 2024's partitions untouched
    ("2024-corrected", False),  # replaces 2024's village-months: dropped rows go, changed rows change
    ("2025-partial", True),  # --add: corrected weights replace on the key, nothing is retracted
    ("2025-again", False),  # the full 2025 export again: the partial file's changes are replaced back
]


def test_staged_import_stores_what_the_pandas_writer_stores(exports, tmp_path: Path) -> None:
    staged, in_memory = tmp_path / "staged", tmp_path / "pandas"
    staged.mkdir()
    in_memory.mkdir()
    from stunting import pseudonym

    pseudonym.load_secret(staged)
    shutil.copy(staged / pseudonym.SECRET_FILE_NAME, in_memory / pseudonym.SECRET_FILE_NAME)
    for name, add in STEPS:
        [summary] = ingest.ingest_files([exports[name]], staged, add=add, chunk_rows=700)
        record = pandas_import(in_memory, exports[name], add=add, keep=[])
        assert (summary.rows_stored, summary.rows_replaced, summary.village_months_replaced) == (
            record.rows_stored,
            record.rows_replaced,
            record.village_months_replaced,
        ), name
        assert summary.rows_stored > 0, f"{name} must change the store for the step to test anything"
        pd.testing.assert_frame_equal(
            read_summary(staged), read_summary(in_memory), obj=f"summary after {name}"
        )
        pd.testing.assert_frame_equal(
            read_measurements(staged), read_measurements(in_memory), obj=f"measurements after {name}"
        )
        for writer in (staged, in_memory):
            pd.testing.assert_frame_equal(
                read_rollup(writer), summed_per_kecamatan(read_summary(writer)), check_dtype=False,
                obj=f"rollup of {writer.name} after {name}",
            )  # fmt: skip
    # --dry-run: the same merge into a throw-away folder gives the pandas writer's plan, writes nothing
    snapshot = store_layout.current_snapshot(staged)
    [preview] = ingest.preview([exports["2024-preview"]], staged, chunk_rows=700).files
    frame = pd.concat(
        ingest._measurements(ingest._pseudonymise(c.frame, pseudonym.load_secret(in_memory)), "preview")
        for c in eppgbm.iter_export(exports["2024-preview"])
    ).drop(columns="age_text_mismatch")
    record = store.ImportRecord("preview", "p.csv", "p", "e-ppgbm", "2026-12-01", len(frame), 0, 0)
    plan = store.plan_measurements(in_memory, frame, record)
    assert (preview.rows_stored, preview.rows_replaced, preview.village_months_replaced) == (
        plan.rows_stored,
        plan.rows_replaced,
        plan.village_months_replaced,
    )
    assert preview.rows_replaced > 0
    assert store_layout.current_snapshot(staged) == snapshot


def test_a_new_round_adds_a_part_file_and_keeps_the_old_ones(exports, tmp_path: Path) -> None:
    """A round of a month the store does not hold hard-links each partition's files and writes one
    more beside them: the cost of a new round does not grow with the store, and the counts are the
    ones the pandas writer gives for the two rounds."""
    staged, in_memory = tmp_path / "staged", tmp_path / "pandas"
    from stunting import pseudonym

    pseudonym.load_secret(staged)
    in_memory.mkdir()
    shutil.copy(staged / pseudonym.SECRET_FILE_NAME, in_memory / pseudonym.SECRET_FILE_NAME)
    ingest.ingest_files([exports["2025-02"]], staged, chunk_rows=700)
    before = store_layout.current_snapshot(staged)
    folders = (store_layout.MEASUREMENTS, store_layout.SUMMARY, store_layout.QUALITY)
    first = {p.relative_to(before): p.stat().st_ino for f in folders for p in (before / f).rglob("*.parquet")}
    ingest.ingest_files([exports["2025-08"]], staged, chunk_rows=700)
    after = store_layout.current_snapshot(staged)
    again = {p.relative_to(after): p.stat().st_ino for f in folders for p in (after / f).rglob("*.parquet")}
    assert {k: again[k] for k in first} == first  # the February files: the same inodes, not copies
    added = set(again) - set(first)
    assert added and {p.parent for p in added} == {p.parent for p in first}  # one more file per partition
    for name in ("2025-02", "2025-08"):
        pandas_import(in_memory, exports[name], add=False, keep=[])
    pd.testing.assert_frame_equal(read_summary(staged), read_summary(in_memory))
    pd.testing.assert_frame_equal(read_measurements(staged), read_measurements(in_memory))
    pd.testing.assert_frame_equal(read_rollup(staged), read_rollup(in_memory))
    assert sorted(read_rollup(staged)["period"].unique()) == ["2025-02", "2025-08"]
    # The data page's preview of August again counts the rows stored for its village-months, which
    # now sit in the added part files.
    august = edited(exports["2025-08"], tmp_path / "august-again.csv", drop_every=10**9, reweigh_every=10**9,
                    tail="\n")  # fmt: skip
    months = uploads.preview_eppgbm([august], staged).village_months
    keys = ["village_code", "period"]
    stored = read_measurements(staged).merge(months[keys], on=keys)
    assert months["period"].unique().tolist() == ["2025-08"]
    assert months["stored_rows"].sum() == len(stored) > 0
    # The whole year exported again replaces both rounds' months: each partition becomes one file.
    ingest.ingest_files([exports["2025-again"]], staged, chunk_rows=700)
    pandas_import(in_memory, exports["2025-again"], add=False, keep=[])
    pd.testing.assert_frame_equal(read_summary(staged), read_summary(in_memory))
    pd.testing.assert_frame_equal(read_measurements(staged), read_measurements(in_memory))
    last = store_layout.current_snapshot(staged)
    for folder in (store_layout.SUMMARY, store_layout.QUALITY):
        partitions = list((last / folder).glob("regency=*/year=2025"))
        assert partitions and all(len(store_layout.part_files(p)) == 1 for p in partitions), folder


def test_a_store_from_before_rollups_gets_its_years_rollup_with_the_next_import(exports, tmp_path: Path):
    """A year stored without a rollup (a store written before them) is read from the summary until
    an import touches it; that import sums the year's whole summary, not only its own months."""
    ingest.ingest_files([exports["2025-02"]], tmp_path, chunk_rows=700)
    shutil.rmtree(store_layout.current_snapshot(tmp_path) / store_layout.ROLLUP)
    ingest.ingest_files([exports["2025-08"]], tmp_path, chunk_rows=700)
    rollup = read_rollup(tmp_path)
    assert sorted(rollup["period"].unique()) == ["2025-02", "2025-08"]
    pd.testing.assert_frame_equal(rollup, summed_per_kecamatan(read_summary(tmp_path)), check_dtype=False)


def test_the_merge_compares_exactly_the_stores_content_columns() -> None:
    """queries/staging_paired.sql spells out the columns an identical re-import must match: the same
    list as store.CONTENT_COLUMNS, which the pandas writer compares."""
    import re

    from stunting import queries

    compared = re.findall(r"i\.(\w+) IS NOT DISTINCT FROM o\.(\w+)", queries.load("staging_paired"))
    assert all(a == b for a, b in compared)
    assert sorted(a for a, _ in compared) == sorted(store.CONTENT_COLUMNS)


@pytest.mark.parametrize("statistics", [True, False])
def test_a_partition_holds_a_month_only_when_one_of_its_rows_is_of_that_month(tmp_path, statistics):
    # A file of February and August spans May in its row group's min and max, but holds no May row:
    # a May round must add a part file to it, not rewrite it; without statistics the column decides.
    path = tmp_path / "part-0.parquet"
    table = pa.table({"period": ["2025-02", "2025-02", "2025-08"], "cases": [1, 2, 3]})
    pq.write_table(table, path, write_statistics=statistics)
    assert not staging._holds_periods(path, ["2025-05"])
    assert not staging._holds_periods(path, ["2025-01", "2025-10"])
    assert staging._holds_periods(path, ["2025-05", "2025-08"])
    assert staging._holds_periods(path, ["2025-02"])
