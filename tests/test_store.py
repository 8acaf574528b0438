"""The measurement store: schema, de-duplication, last_in_period, the import log, and atomicity
under a real kill -9 in the middle of a write."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from stunting import store
from stunting.errors import UserError
from stunting.gazetteer import villages
from stunting.indicators import age_group_labels

REPO_ROOT = Path(__file__).resolve().parent.parent
# How long the kill test waits for the writer to reach its pause point before failing (it only
# polls for a file; a healthy write of a few rows gets there in about a second).
WRITER_READY_TIMEOUT_S = 60


def measurement(
    child: str,
    village: str,
    measured_on: str,
    *,
    haz=-1.0,
    waz=-1.0,
    whz=-1.0,
    sex="L",
    age_days=700,
    haz_flag=False,
    waz_flag=False,
    whz_flag=False,
    source_row=1,
    import_id="test",
) -> dict:
    """One pipeline row as ingest hands it to write_measurements (codes from the gazetteer)."""
    regency, kecamatan = _regency_and_kecamatan(village)
    return {
        "regency": regency,
        "child_id": child,
        "village_code": village,
        "kecamatan_code": kecamatan,
        "period": measured_on[:7],
        "measured_on": date.fromisoformat(measured_on),
        "age_days": age_days,
        "age_months": int(np.floor(age_days / 30.4375)),
        "age_group": age_group_labels(np.array([age_days]))[0],
        "sex": sex,
        "weight_kg": 10.0,
        "height_cm": 80.0,
        "measured_lying": True,
        "haz": haz,
        "waz": waz,
        "whz": whz,
        "haz_flag": haz_flag,
        "waz_flag": waz_flag,
        "whz_flag": whz_flag,
        "reported_haz": haz,
        "reported_waz": waz,
        "reported_whz": whz,
        "posyandu": "Posyandu Melati",
        "puskesmas": "Puskesmas Muara Muntai",
        "import_id": import_id,
        "source_row": source_row,
    }


@functools.cache
def _regency_and_kecamatan(village: str) -> tuple[str, str]:
    # Looked up once a village: indexing the national gazetteer afresh for every row made a
    # fixture of a few hundred children take 10 s (most of tests/test_compare.py's time).
    row = villages().set_index("code").loc[village]
    return row["regency_code"], row["kecamatan_code"]


def write(
    data_dir: Path, rows: list[dict], *, file_name="export.csv", source="e-ppgbm", add=False
) -> store.ImportRecord:
    """Write rows as one import, the way the pipeline does (``add``: merge without retracting)."""
    import_id = store.new_import_id()
    frame = pd.DataFrame(rows).assign(import_id=import_id)
    frame["source_row"] = np.arange(1, len(frame) + 1)
    record = store.ImportRecord(
        import_id=import_id,
        file_name=file_name,
        sha256=f"sha-{import_id}",
        source=source,
        imported_at=pd.Timestamp.now(tz="UTC").isoformat(),
        rows_read=len(frame),
        rows_stored=0,
        rows_rejected=0,
        rejected_by_reason={},
        rejects_report=None,
    )
    return store.write_measurements(data_dir, frame, record, add=add)


def stored(data_dir: Path) -> pd.DataFrame:
    files = store.measurement_files(data_dir)
    if files is None:
        return pd.DataFrame()
    sql = "SELECT * FROM read_parquet($f, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'})"
    return (
        duckdb.execute(sql, {"f": files}).df().sort_values(["child_id", "measured_on"]).reset_index(drop=True)
    )


VILLAGE_KUKAR = "64.02.01.2001"
VILLAGE_BONTANG = "64.74.01.1001"


def test_write_creates_partitions_with_the_documented_schema(tmp_path):
    record = write(
        tmp_path,
        [
            measurement("a", VILLAGE_KUKAR, "2024-08-03"),
            measurement("b", VILLAGE_BONTANG, "2024-08-04"),
            measurement("a", VILLAGE_KUKAR, "2023-02-10"),
        ],
    )
    assert record.rows_stored == 3
    snapshot = store.current_snapshot(tmp_path)
    parts = sorted(p.relative_to(snapshot).as_posix() for p in snapshot.glob("measurements/*/*/*.parquet"))
    assert parts == [
        "measurements/regency=64.02/year=2023/part-0.parquet",
        "measurements/regency=64.02/year=2024/part-0.parquet",
        "measurements/regency=64.74/year=2024/part-0.parquet",
    ]
    summaries = sorted(p.relative_to(snapshot).as_posix() for p in snapshot.glob("summary/*/*/*.parquet"))
    assert summaries == [p.replace("measurements/", "summary/") for p in parts]
    meta = pq.ParquetFile(snapshot / parts[1]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    schema = pq.read_schema(snapshot / parts[1])
    assert str(schema.field("measured_on").type) == "date32[day]"
    assert str(schema.field("age_days").type) == "int32"
    assert str(schema.field("age_months").type) == "int16"
    assert "regency" not in schema.names and "year" not in schema.names  # hive partitions only
    rows = stored(tmp_path)
    assert len(rows) == 3 and rows["last_in_period"].all()
    assert set(rows["regency"]) == {"64.02", "64.74"}


def test_missing_column_is_a_programming_error(tmp_path):
    frame = pd.DataFrame([measurement("a", VILLAGE_KUKAR, "2024-08-03")]).drop(columns=["whz_flag"])
    record = store.ImportRecord("x", "f.csv", "s", "e-ppgbm", "2024-01-01T00:00:00+00:00", 1, 0, 0, {}, None)
    with pytest.raises(ValueError, match="whz_flag"):
        store.write_measurements(tmp_path, frame, record)
    assert store.current_snapshot(tmp_path) is None


def test_identical_reimport_stores_nothing_and_keeps_the_first_import(tmp_path):
    rows = [measurement(c, VILLAGE_KUKAR, "2024-08-03") for c in "abc"]
    first = write(tmp_path, rows)
    again = write(tmp_path, rows)
    assert (first.rows_stored, again.rows_stored) == (3, 0)
    after = stored(tmp_path)
    assert len(after) == 3
    assert set(after["import_id"]) == {first.import_id}
    assert list(store.imports(tmp_path)["rows_stored"]) == [3, 0]


def test_updated_export_replaces_the_same_day_measurement_instead_of_duplicating(tmp_path):
    write(
        tmp_path,
        [
            measurement("a", VILLAGE_KUKAR, "2024-08-03", haz=-2.5),
            measurement("b", VILLAGE_KUKAR, "2024-08-03", haz=-1.0),
        ],
    )
    corrected = write(
        tmp_path,
        [
            measurement("a", VILLAGE_KUKAR, "2024-08-03", haz=-1.5),
            measurement("b", VILLAGE_KUKAR, "2024-08-03", haz=-1.0),
            measurement("c", VILLAGE_KUKAR, "2024-08-05", haz=-3.1),
        ],
    )
    assert corrected.rows_stored == 2  # a replaced, c new, b identical
    after = stored(tmp_path).set_index("child_id")
    assert len(after) == 3
    assert after.loc["a", "haz"] == -1.5
    assert after.loc["a", "import_id"] == corrected.import_id


def test_a_child_moved_to_another_regency_on_the_same_day_is_not_counted_twice(tmp_path):
    write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2024-08-03")])
    write(tmp_path, [measurement("a", VILLAGE_BONTANG, "2024-08-03")])
    after = stored(tmp_path)
    assert list(after["village_code"]) == [VILLAGE_BONTANG]


def test_last_in_period_is_recomputed_when_a_later_measurement_arrives(tmp_path):
    write(
        tmp_path,
        [measurement("a", VILLAGE_KUKAR, "2024-08-03"), measurement("a", VILLAGE_KUKAR, "2024-07-30")],
    )
    # --add: a follow-up file with only the re-weigh (without it, the file would replace its scope).
    write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2024-08-20")], add=True)
    after = stored(tmp_path).set_index("measured_on")["last_in_period"]
    assert after.to_dict() == {
        pd.Timestamp("2024-07-30"): True,  # the only one in July
        pd.Timestamp("2024-08-03"): False,
        pd.Timestamp("2024-08-20"): True,
    }


def test_same_child_twice_on_one_date_in_one_file_keeps_the_later_row(tmp_path):
    record = write(
        tmp_path,
        [
            measurement("a", VILLAGE_KUKAR, "2024-08-03", haz=-2.5),
            measurement("a", VILLAGE_KUKAR, "2024-08-03", haz=-0.5),
        ],
    )
    after = stored(tmp_path)
    assert record.rows_stored == 1 and list(after["haz"]) == [-0.5] and list(after["source_row"]) == [2]


def test_untouched_years_are_hard_linked_not_rewritten(tmp_path):
    write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2019-02-03")])
    before = store.current_snapshot(tmp_path) / "measurements/regency=64.02/year=2019/part-0.parquet"
    inode = before.stat().st_ino
    summary = "summary/regency=64.02/year=2019/part-0.parquet"
    summary_inode = (store.current_snapshot(tmp_path) / summary).stat().st_ino
    write(tmp_path, [measurement("b", VILLAGE_KUKAR, "2024-08-03")])
    after = store.current_snapshot(tmp_path) / "measurements/regency=64.02/year=2019/part-0.parquet"
    assert after.stat().st_ino == inode
    assert (store.current_snapshot(tmp_path) / summary).stat().st_ino == summary_inode
    assert len(stored(tmp_path)) == 2


def test_log_lookups_demo_flag_and_periods(tmp_path):
    assert store.measurement_files(tmp_path) is None
    assert store.periods(tmp_path) == [] and not store.is_demo(tmp_path)
    record = write(
        tmp_path,
        [measurement("a", VILLAGE_KUKAR, "2024-08-03"), measurement("b", VILLAGE_KUKAR, "2019-02-03")],
        source="demo",
    )
    found = store.find_import(tmp_path, record.sha256)
    assert found == record
    assert store.find_import(tmp_path, "0" * 64) is None
    assert store.is_demo(tmp_path)
    assert store.periods(tmp_path) == ["2019-02", "2024-08"]
    log = store.imports(tmp_path)
    assert list(log.columns[:4]) == ["import_id", "file_name", "sha256", "source"]
    assert log.loc[0, "rejected_by_reason"] == {}


WRITER = """
import sys
sys.path.insert(0, {repo!r})
sys.path.insert(0, {tests!r})
from test_store import measurement, write
write({data!r}, [measurement(c, "64.02.01.2001", "2024-08-05", haz=-3.0) for c in "xyz"])
"""


def test_kill_9_in_mid_write_leaves_the_store_as_before(tmp_path):
    data = tmp_path / "data"
    write(
        data, [measurement("a", VILLAGE_KUKAR, "2024-08-03"), measurement("b", VILLAGE_KUKAR, "2019-02-01")]
    )
    pointer_before = (data / "store" / "CURRENT").read_text()
    rows_before = stored(data)
    pause = tmp_path / "paused"
    env = dict(os.environ, **{store.PAUSE_FILE_ENV: str(pause)})
    script = WRITER.format(repo=str(REPO_ROOT), tests=str(REPO_ROOT / "tests"), data=str(data))
    writer = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + WRITER_READY_TIMEOUT_S
        while not pause.exists():
            assert writer.poll() is None, "the writer exited before reaching its pause point"
            assert time.monotonic() < deadline, "the writer never reached its pause point"
            time.sleep(0.05)
        building = Path(pause.read_text())
        assert any(building.glob("measurements/*/*/*.parquet"))  # new partitions really were written
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert (data / "store" / "CURRENT").read_text() == pointer_before
    pd.testing.assert_frame_equal(stored(data), rows_before)
    assert len(store.imports(data)) == 1

    # The dead writer's lock and half-built snapshot do not block or leak into the next import.
    record = write(data, [measurement("c", VILLAGE_KUKAR, "2024-08-06")], add=True)
    assert record.rows_stored == 1 and len(stored(data)) == 3
    assert not building.exists()
    assert (
        json.loads((data / "store" / "CURRENT").read_text())["snapshot"]
        != json.loads(pointer_before)["snapshot"]
    )


def test_inconsistent_period_or_codes_are_programming_errors(tmp_path):
    wrong_month = pd.DataFrame([measurement("a", VILLAGE_KUKAR, "2024-08-03")]).assign(period="2024-07")
    wrong_regency = pd.DataFrame([measurement("a", VILLAGE_KUKAR, "2024-08-03")]).assign(regency="64.74")
    record = store.ImportRecord("x", "f.csv", "s", "e-ppgbm", "2024-01-01T00:00:00+00:00", 1, 0, 0, {}, None)
    with pytest.raises(ValueError, match="calendar month"):
        store.write_measurements(tmp_path, wrong_month, record)
    with pytest.raises(ValueError, match="village_code must lie"):
        store.write_measurements(tmp_path, wrong_regency, record)
    wrong_kecamatan = pd.DataFrame([measurement("a", VILLAGE_KUKAR, "2024-08-03")]).assign(
        kecamatan_code="64.02.02"
    )
    with pytest.raises(ValueError, match="village_code must lie"):
        store.write_measurements(tmp_path, wrong_kecamatan, record)
    assert store.current_snapshot(tmp_path) is None


def test_a_staged_chunk_is_one_file_per_year_holding_that_years_rows(tmp_path):
    from stunting import staging

    rows = [
        measurement("a", VILLAGE_KUKAR, "2024-12-30", source_row=1),
        measurement("b", VILLAGE_BONTANG, "2025-01-02", source_row=2, sex="P"),
        measurement("c", VILLAGE_KUKAR, "2025-01-31", source_row=3),
    ]
    assert staging.stage_chunk(tmp_path, 7, pd.DataFrame(rows)) == [2024, 2025]
    by_year = {
        year: pq.read_table(tmp_path / f"year={year}" / "chunk-000007.parquet").to_pylist()
        for year in (2024, 2025)
    }
    assert [r["child_id"] for r in by_year[2024]] == ["a"]
    assert [(r["child_id"], r["regency"], r["sex"], r["measured_on"]) for r in by_year[2025]] == [
        ("b", "64.74", "P", date(2025, 1, 2)),
        ("c", "64.02", "L", date(2025, 1, 31)),
    ]
    assert list(by_year[2025][0]) == staging.STAGED_SCHEMA.names
    assert staging.stage_chunk(tmp_path / "one", 8, pd.DataFrame(rows[1:])) == [2025]
    assert pq.read_table(tmp_path / "one" / "year=2025" / "chunk-000008.parquet").num_rows == 2


# --- an export replaces its scope; demo and real data never mix; the format version ----------------


def test_an_export_replaces_what_earlier_imports_stored_in_its_village_months(tmp_path):
    other_village = "64.02.01.2002"
    write(
        tmp_path,
        [
            measurement("a", VILLAGE_KUKAR, "2024-08-03"),
            measurement("b", VILLAGE_KUKAR, "2024-08-03"),
            measurement("c", VILLAGE_KUKAR, "2024-02-03"),  # another month: outside the new scope
            measurement("d", other_village, "2024-08-03"),  # another village: outside the new scope
        ],
    )
    again = write(
        tmp_path,
        [measurement("a", VILLAGE_KUKAR, "2024-08-03"), measurement("e", VILLAGE_KUKAR, "2024-08-04")],
    )
    assert sorted(stored(tmp_path)["child_id"]) == [
        "a",
        "c",
        "d",
        "e",
    ]  # b, missing from the new export, is gone
    assert (again.rows_stored, again.rows_replaced, again.village_months_replaced) == (1, 1, 1)
    logged = store.imports(tmp_path).iloc[-1]
    assert (logged["rows_replaced"], logged["village_months_replaced"]) == (1, 1)


def test_add_merges_without_retracting_and_one_commands_files_keep_each_other(tmp_path):
    first = write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2024-08-03")])
    added = write(tmp_path, [measurement("b", VILLAGE_KUKAR, "2024-08-20")], add=True)
    assert sorted(stored(tmp_path)["child_id"]) == ["a", "b"] and added.rows_replaced == 0
    # A second file of the same command (keep_imports) does not retract the first one's rows.
    frame = pd.DataFrame([measurement("c", VILLAGE_KUKAR, "2024-08-21")])
    record = store.ImportRecord("y", "g.csv", "sha-y", "e-ppgbm", "2024-09-01T00:00:00+00:00", 1, 0, 0)
    kept = store.write_measurements(
        tmp_path, frame.assign(import_id="y"), record, keep_imports=[first.import_id]
    )
    assert sorted(stored(tmp_path)["child_id"]) == ["a", "c"]  # b's import was not in keep_imports
    assert kept.rows_replaced == 1


def test_a_plan_says_what_the_write_then_does(tmp_path):
    write(tmp_path, [measurement(c, VILLAGE_KUKAR, "2024-08-03") for c in "abc"])
    frame = pd.DataFrame([measurement(c, VILLAGE_KUKAR, "2024-08-03") for c in "ad"]).assign(import_id="z")
    record = store.ImportRecord("z", "h.csv", "sha-z", "e-ppgbm", "2024-09-01T00:00:00+00:00", 2, 0, 0)
    before = stored(tmp_path)
    plan = store.plan_measurements(tmp_path, frame, record)
    pd.testing.assert_frame_equal(stored(tmp_path), before)  # planning writes nothing
    done = store.write_measurements(tmp_path, frame, record)
    assert plan == store.Changes(rows_stored=1, rows_replaced=2, village_months_replaced=1)
    assert (done.rows_stored, done.rows_replaced, done.village_months_replaced) == (1, 2, 1)


def test_real_rows_into_a_demo_store_are_refused_and_remove_demo_empties_it(tmp_path):
    write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2024-08-03")], source="demo")
    before = stored(tmp_path)
    with pytest.raises(UserError, match=r"--data-dir DIR.*python -m stunting demo --remove"):
        write(tmp_path, [measurement("b", VILLAGE_KUKAR, "2024-08-03")])
    pd.testing.assert_frame_equal(stored(tmp_path), before)
    assert store.remove_demo(tmp_path) == 1
    assert store.is_empty(tmp_path) and store.demo_removed(tmp_path) and not store.is_demo(tmp_path)
    assert store.measurement_files(tmp_path) is None and store.periods(tmp_path) == []
    write(tmp_path, [measurement("b", VILLAGE_KUKAR, "2024-08-03")])
    assert list(stored(tmp_path)["child_id"]) == ["b"] and not store.demo_removed(tmp_path)
    with pytest.raises(UserError, match="real import"):
        store.remove_demo(tmp_path)  # never deletes real data
    assert list(stored(tmp_path)["child_id"]) == ["b"]


def test_a_store_in_the_old_format_is_refused_for_reading_and_writing(tmp_path):
    from stunting import queries, store_layout

    write(tmp_path, [measurement("a", VILLAGE_KUKAR, "2024-08-03")])
    (store.current_snapshot(tmp_path) / store_layout.FORMAT_FILE).unlink()  # as an older version wrote it
    assert store.is_outdated(tmp_path)
    with pytest.raises(UserError, match="older Peta Stunting.*rebuild it"):
        queries.run("periods", {}, data_dir=tmp_path)
    with pytest.raises(UserError, match="older Peta Stunting"):
        write(tmp_path, [measurement("b", VILLAGE_KUKAR, "2024-08-03")])
