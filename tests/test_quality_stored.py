"""The quality checks' sums stored at import (stunting/quality/stored.py) are the sums computed from
the measurements (queries/quality_stats.sql on reading), for both store writers, after imports that
replace a village-month, leave a year untouched or add a regency; a store written before the sums
were stored is read the old way."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from test_store import VILLAGE_BONTANG, VILLAGE_KUKAR, measurement

from stunting import staging, store
from stunting import store_layout as layout
from stunting.quality import table


def _assert_stored_equals_computed(data_dir, regency=None) -> int:
    """Every period's stored sums against the computed ones; the periods compared."""
    snapshot = store.current_snapshot(data_dir)
    periods = store.periods(data_dir)
    for period in periods:
        assert layout.quality_files_for(snapshot, int(period[:4])) is not None, period
        got = table.stats(period, regency, data_dir=data_dir, snapshot=snapshot)
        computed = table.computed_stats(period, regency, snapshot=snapshot)
        pd.testing.assert_frame_equal(got[list(computed.columns)], computed, check_exact=False, rtol=1e-12)
    return len(periods)


def test_stored_sums_equal_the_computed_ones_on_the_demo(demo_dir):
    assert _assert_stored_equals_computed(demo_dir) >= 2
    assert _assert_stored_equals_computed(demo_dir, "64.02") >= 2


def _record(import_id: str, rows: int) -> store.ImportRecord:
    return store.ImportRecord(
        import_id=import_id,
        file_name=f"{import_id}.csv",
        sha256=f"sha-{import_id}",
        source="e-ppgbm",
        imported_at=pd.Timestamp.now(tz="UTC").isoformat(),
        rows_read=rows,
        rows_stored=0,
        rows_rejected=0,
        rejected_by_reason={},
        rejects_report=None,
    )


def _import(data_dir, rows: list[dict], writer: str) -> None:
    import_id = store.new_import_id()
    frame = pd.DataFrame(rows).assign(import_id=import_id)
    frame["source_row"] = range(1, len(frame) + 1)
    record = _record(import_id, len(frame))
    if writer == "memory":
        store.write_measurements(data_dir, frame, record)
        return
    folder = staging.staging_dir(data_dir, import_id)
    staging.stage_chunk(folder, 0, frame)
    staging.write_staged(data_dir, folder, record)


def _children(prefix: str, village: str, day: str, n: int, *, flagged_every=7) -> list[dict]:
    return [
        measurement(
            f"{prefix}{k}",
            village,
            day,
            haz=-3 + 0.05 * k,
            waz=-2 + 0.03 * k,
            whz=0.5 - 0.02 * k,
            sex="LP"[k % 2],
            age_days=200 + 17 * k,
            haz_flag=k % flagged_every == 0,
        )
        for k in range(n)
    ]


@pytest.mark.parametrize("writer", ["memory", "staged"])
def test_both_writers_keep_the_stored_sums_equal_to_the_computed_ones_across_imports(tmp_path, writer):
    other_village = "64.02.01.2002"
    _import(
        tmp_path,
        _children("a", VILLAGE_KUKAR, "2024-08-03", 30)
        + _children("b", other_village, "2024-08-05", 20)
        + _children("c", VILLAGE_KUKAR, "2023-08-03", 25),
        writer,
    )
    _assert_stored_equals_computed(tmp_path)
    # The village-month is replaced (a smaller export), 2023 and the other village untouched.
    _import(tmp_path, _children("a", VILLAGE_KUKAR, "2024-08-04", 12, flagged_every=3), writer)
    assert _assert_stored_equals_computed(tmp_path) == 2
    # Another regency, and a later weighing of five children of the other village (an export
    # replaces its village-months: that village now holds those five).
    _import(
        tmp_path,
        _children("d", VILLAGE_BONTANG, "2024-08-10", 15) + _children("b", other_village, "2024-08-20", 5),
        writer,
    )
    _assert_stored_equals_computed(tmp_path)
    _assert_stored_equals_computed(tmp_path, "64.74")
    children = table.quality_table("2024-08", "regency", data_dir=tmp_path).set_index("code")["children"]
    assert children["64.02"] == 12 + 5 and children["64.74"] == 15
    # A new month of the same year: the staged writer keeps August's sums and adds a part file for
    # September; then September exported again, smaller: that partition is rewritten as one file.
    _import(tmp_path, _children("e", VILLAGE_KUKAR, "2024-09-02", 18), writer)
    assert _assert_stored_equals_computed(tmp_path) == 3
    partition = store.current_snapshot(tmp_path) / layout.QUALITY / "regency=64.02" / "year=2024"
    assert len(layout.part_files(partition)) == (2 if writer == "staged" else 1)
    _import(tmp_path, _children("e", VILLAGE_KUKAR, "2024-09-03", 9, flagged_every=2), writer)
    assert _assert_stored_equals_computed(tmp_path) == 3
    partition = store.current_snapshot(tmp_path) / layout.QUALITY / "regency=64.02" / "year=2024"
    assert len(layout.part_files(partition)) == 1
    september = table.quality_table("2024-09", "village", regency="64.02", data_dir=tmp_path)
    assert september.set_index("code").loc[VILLAGE_KUKAR, "children"] == 9


@pytest.mark.parametrize("writer", ["memory", "staged"])
def test_a_store_written_before_the_sums_were_stored_is_computed_on_reading(tmp_path, writer):
    _import(tmp_path, _children("a", VILLAGE_KUKAR, "2023-08-03", 25), writer)
    before = table.quality_table("2023-08", "village", regency="64.02", data_dir=tmp_path)
    shutil.rmtree(store.current_snapshot(tmp_path) / layout.QUALITY)  # as an older Peta Stunting wrote it
    _import(tmp_path, _children("b", VILLAGE_KUKAR, "2024-08-03", 30), writer)
    snapshot = store.current_snapshot(tmp_path)
    # 2024 was stored by this import, 2023 not: the store's sums are not complete, none is trusted.
    assert layout.quality_files_for(snapshot, 2023) is None
    assert layout.quality_files_for(snapshot, 2024) is None
    after = table.quality_table("2023-08", "village", regency="64.02", data_dir=tmp_path)
    pd.testing.assert_frame_equal(after, before)
    assert (
        table.quality_table("2024-08", "regency", data_dir=tmp_path)
        .set_index("code")
        .loc["64.02", "children"]
        == 30
    )
