"""Every queries/*.sql is loaded by the code and run by a test; headers say what one row is."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from test_store import measurement, write

from render.quality_report import report_bytes
from stunting import compare, pseudonym, queries, recovery, staging, store
from stunting import prevalence as prevalence_module
from stunting.aggregates import ingest_aggregates
from stunting.config import QUERIES_DIR
from stunting.quality import imported
from stunting.quality.table import quality_table

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_FILES = sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


@pytest.mark.parametrize("name", SQL_FILES)
def test_each_query_file_says_what_one_row_is(name):
    first = queries.load(name).splitlines()[0]
    assert re.match(r"-- One row per \w", first), f"{name}.sql must start with '-- One row per ...'"


def test_every_query_file_is_loaded_and_run(tmp_path, monkeypatch):
    """Write and read through every public entry point, recording the query files loaded."""
    loaded: set[str] = set()
    original = queries.load

    def recording_load(name):
        loaded.add(name)
        return original(name)

    monkeypatch.setattr(queries, "load", recording_load)
    write(tmp_path, [measurement("a", "64.02.01.2001", "2024-08-03", haz=-2.5)])
    csv = tmp_path / "counts.csv"
    csv.write_text("period,village_code,measured,stunting\n2024-08,64.02.01.2002,12,3\n", encoding="utf-8")
    ingest_aggregates(csv, tmp_path)
    assert store.periods(tmp_path) == ["2024-08"]
    prevalence_module.prevalence("stunting", "2024-08", "village", data_dir=tmp_path)
    prevalence_module.trend("stunting", "regency", "64.02", data_dir=tmp_path)  # from the rollup
    prevalence_module.trend("stunting", "village", "64.02.01.2001", data_dir=tmp_path)  # the summary
    prevalence_module.breakdown("stunting", "2024-08", "regency", "64.02", "sex", data_dir=tmp_path)
    compare.summary(tmp_path)  # the comparison page's one query (its module owns the file)
    both = prevalence_module.overlap_counts(
        "stunting",
        ("village", "64.02.01.2001", "2024-08"),
        ("kecamatan", "64.02.01", "2024-08"),
        data_dir=tmp_path,
    )
    assert (both.n11, both.children_in_both) == (1, 1)  # child a, stunted, in a village of that kecamatan
    # Two periods: the child-level query (no child is in February here).
    months = prevalence_module.overlap_counts(
        "stunting",
        ("village", "64.02.01.2001", "2024-08"),
        ("village", "64.02.01.2001", "2024-02"),
        data_dir=tmp_path,
    )
    assert months.children_in_both == 0
    quality_table("2024-08", "village", data_dir=tmp_path)  # queries/quality_stats.sql
    # quality_age_sex.sql and quality_zscore_histogram.sql: the data-quality report's charts
    assert report_bytes("2024-08", "64.02", data_dir=tmp_path).startswith(b"%PDF")
    recovery.recovery("64.02", data_dir=tmp_path)  # children who recovered (the evaluation page)
    # The row-level view, for questions the summary cannot answer (e.g. reported vs computed z).
    con = queries.connect(tmp_path, views=("measurements",))
    try:
        assert con.execute("SELECT count(*), min(regency) FROM measurements").fetchone() == (1, "64.02")
    finally:
        con.close()
    # The bounded-memory writer (stunting/staging.py, what ingest uses): a new month (a part file is
    # added), then the same child and date with another z-score (the partition is rewritten).
    for row in (
        measurement("b", "64.02.01.2001", "2024-09-05", haz=-1.0),
        measurement("b", "64.02.01.2001", "2024-09-05", haz=-2.5),
    ):
        staged = staging.staging_dir(tmp_path, f"staged-{row['haz']}")
        staging.stage_chunk(staged, 0, pd.DataFrame([row]))
        record = store.ImportRecord(staged.name, "staged.csv", staged.name, "e-ppgbm", "2026-12-01", 1, 0, 0)
        staging.write_staged(tmp_path, staged, record, add=True)
    frame = prevalence_module.prevalence("stunting", "2024-09", "regency", data_dir=tmp_path)
    assert int(frame.set_index("code").loc["64.02", "measured"]) == 1  # b once (its cases hidden: < 10)
    summary = pd.read_parquet(store.current_snapshot(tmp_path) / "summary")
    september = summary[(summary["period"] == "2024-09") & (summary["indicator"] == "stunting")]
    assert september[["measured", "cases"]].sum().tolist() == [1, 1]  # with the newer z, -2.5
    # The import's pseudonyms (queries/pseudonym_hmac.sql; tests/test_pseudonym.py checks the values).
    ids = pseudonym.child_ids(
        pd.Series(["6402011234560001"]), pd.Series(["Anak"]), pd.Series(pd.to_datetime(["2022-01-01"])),
        None, bytes(32), sex=pd.Series(["L"]),
    )  # fmt: skip
    assert len(ids[0]) == 64
    # The duplicate check decides each child x period's first row over the whole import
    # (queries/quality_repeated_rows.sql). An import runs it in the search's own process, which this
    # recorder does not see: here a chunk is sealed and decided in this one (a Spill of no origin
    # seals where it is). Child "a" twice in August (rows 7 and 3, the second without a mother's
    # name), child "b" once: a's row 7 is not its first, and row 3, not comparable, is not compared.
    identity = {"village_code": "64.02.01.2001", "puskesmas": "P", "posyandu": "Q", "sex": "L",
                "birth_date": pd.Timestamp("2022-01-01"), "name": "Anak", "nik_invalid": False,
                "nik_date_mismatch": False}  # fmt: skip
    rows = pd.DataFrame(
        [
            identity | {"child_id": "a", "source_row": 7, "period": "2024-08", "mother_name": "Ibu"},
            identity | {"child_id": "a", "source_row": 3, "period": "2024-08", "mother_name": None},
            identity | {"child_id": "b", "source_row": 5, "period": "2024-08", "mother_name": "Ibu"},
        ]
    )
    spill = imported.Spill(str(tmp_path / "identities"), bytes(32), 1)
    imported.spill_chunk(rows, spill, 0)
    not_first, not_compared = imported._repeated_rows(spill)
    assert not_first.tolist() == [7] and not_compared.tolist() == [3]
    assert loaded == set(SQL_FILES)
    assert {"periods", "prevalence_by_area", "prevalence_trend", "prevalence_by_age_sex", "summary"} <= loaded
    assert {"counted", "overlap_counts"} <= loaded


def test_queries_run_on_an_empty_or_partial_store(tmp_path):
    assert queries.run("periods", {}, data_dir=tmp_path).empty
    csv = tmp_path / "counts.csv"
    csv.write_text("period,village_code,measured,stunting\n2025-02,64.74.01.1001,40,8\n", encoding="utf-8")
    ingest_aggregates(csv, tmp_path)  # aggregates only, no measurement partition at all
    assert store.measurement_files(tmp_path) is None
    frame = prevalence_module.prevalence("stunting", "2025-02", "regency", data_dir=tmp_path)
    assert frame.set_index("code").loc["64.74", ["measured", "cases"]].tolist() == [40, 8]


def test_code_never_formats_values_into_sql():
    """SQL text reaches DuckDB only from queries/*.sql; Python passes values as bound parameters."""
    for path in (REPO_ROOT / "stunting").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(
            r"\.execute\(\s*(f[\"']|[\"'][^\"']*[\"']\s*%|[\"'][^\"']*[\"']\s*\.format)", text
        ):
            pytest.fail(f"{path.relative_to(REPO_ROOT)} formats SQL text: {call.group(0)!r}")


def test_unknown_query_name_is_refused():
    with pytest.raises(ValueError):
        queries.load("../stunting/store")


def test_queries_does_not_import_the_store():
    """No import circle: queries takes paths and schemas from store_layout; store imports queries."""
    import ast

    tree = ast.parse((REPO_ROOT / "stunting" / "queries.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert "stunting.store" not in imported and "stunting.store_layout" in imported
