"""The rollup (queries/rollup.sql: the summary's sums per kecamatan, one file per year) answers the
kecamatan, regency and province levels exactly as the summary does.

Each stored rollup file is checked against the summary summed per kecamatan in pandas, and every
answer prevalence_by_area_rollup.sql (and prevalence_trend_rollup.sql) gives against the one
prevalence_by_area.sql (prevalence_trend.sql) gives from the summary, row for row: every period and
indicator of the demo at every level and scope, with and without sex and age filters, and with
aggregated village counts, some of them in villages that also have child-level rows (those must not
be added). The hand counts at every level are in
tests/test_levels.py; the staged writer's rollups are checked in tests/test_scale.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from stunting import gazetteer, prevalence, queries, store, store_layout
from stunting.indicators import INDICATORS

SCOPES = [  # (province, regency, kecamatan) filters as prevalence() binds them
    (None, None, None),  # the national view
    ("64", None, None),  # a province view
    (None, "64.02", None),  # a regency's kecamatan
    (None, "64.02", "64.02.01"),  # one kecamatan
]
FILTERS = [(None, None), ("P", None), (None, "24-59"), ("L", "0-5")]


def summary_of(data_dir: Path) -> pd.DataFrame:
    return duckdb.sql(
        "select * from read_parquet($f, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'})",
        params={"f": store.summary_files_in(store.current_snapshot(data_dir))},
    ).df()


def rollup_of(data_dir: Path) -> pd.DataFrame:
    snapshot = store.current_snapshot(data_dir)
    return pd.concat(
        pd.read_parquet(path).assign(year=int(path.parent.name.split("=")[1]))
        for path in sorted((snapshot / store_layout.ROLLUP).glob("year=*/part-0.parquet"))
    )


def kecamatan_sums(summary: pd.DataFrame) -> pd.DataFrame:
    keys = ["year", "period", "regency", "kecamatan_code", "age_group", "sex", "indicator"]
    return summary.groupby(keys, as_index=False)[["measured", "cases"]].sum()


def assert_rollup_is_the_summary_summed(data_dir: Path) -> None:
    keys = ["year", "period", "regency", "kecamatan_code", "age_group", "sex", "indicator"]
    expected = kecamatan_sums(summary_of(data_dir)).sort_values(keys).reset_index(drop=True)
    got = rollup_of(data_dir)[[*keys, "measured", "cases"]].sort_values(keys).reset_index(drop=True)
    expected["year"] = expected["year"].astype("int64")
    got["year"] = got["year"].astype("int64")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def params_for(indicator, period, level, sex, age_group, scope) -> dict:
    province, regency, kecamatan = scope
    return prevalence._filters(indicator, level, sex, age_group) | {
        "period": period,
        "year": int(period[:4]),
        "province": province,
        "regency": regency,
        "kecamatan": kecamatan,
    }


def both_answers(data_dir: Path, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(from the summary, from the rollup as prevalence() asks it) for one set of bound values; the
    rollup's answer is the same whether its summary view holds every regency or only those with
    aggregated counts in the period."""
    snapshot = store.current_snapshot(data_dir)
    from_summary = queries.run("prevalence_by_area", params, snapshot=snapshot)
    aggregated = queries.run("aggregate_regencies", {"period": params["period"]}, snapshot=snapshot)
    from_rollup = queries.run(
        "prevalence_by_area_rollup",
        params,
        snapshot=snapshot,
        summary_regencies=aggregated["regency"].tolist(),
    )
    whole_summary = queries.run("prevalence_by_area_rollup", params, snapshot=snapshot)
    pd.testing.assert_frame_equal(whole_summary, from_rollup)
    return from_summary, from_rollup


def test_the_stored_rollup_is_the_summary_summed_per_kecamatan(demo_dir):
    assert_rollup_is_the_summary_summed(demo_dir)


@pytest.mark.parametrize("level", prevalence.ROLLUP_LEVELS)
@pytest.mark.parametrize("scope", SCOPES, ids=["national", "province", "regency", "kecamatan"])
def test_every_period_and_indicator_from_the_rollup_equals_the_summary(demo_dir, level, scope):
    compared = 0
    for period in store.periods(demo_dir):
        for indicator in INDICATORS:
            from_summary, from_rollup = both_answers(
                demo_dir, params_for(indicator, period, level, None, None, scope)
            )
            pd.testing.assert_frame_equal(from_rollup, from_summary)
            compared += len(from_summary)
    assert compared > 0


@pytest.mark.parametrize("level", prevalence.ROLLUP_LEVELS)
@pytest.mark.parametrize(("sex", "age_group"), FILTERS[1:])
def test_filtered_answers_from_the_rollup_equal_the_summary(demo_dir, level, sex, age_group):
    for period in ("2019-08", "2024-08", "2025-02"):
        for scope in SCOPES:
            from_summary, from_rollup = both_answers(
                demo_dir, params_for("stunting", period, level, sex, age_group, scope)
            )
            assert len(from_summary) > 0
            pd.testing.assert_frame_equal(from_rollup, from_summary)


TREND_AREAS = [("province", "64"), ("regency", "64.02"), ("regency", "64.72"), ("kecamatan", "64.02.01")]


def trend_answers(data_dir: Path, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(from the summary, from the rollup as prevalence.trend asks it) for one area's trend."""
    snapshot = store.current_snapshot(data_dir)
    from_summary = queries.run("prevalence_trend", params, snapshot=snapshot)
    aggregated = queries.run("aggregate_regencies", {"period": None}, snapshot=snapshot)
    from_rollup = queries.run(
        "prevalence_trend_rollup", params, snapshot=snapshot, summary_regencies=aggregated["regency"].tolist()
    )
    whole_summary = queries.run("prevalence_trend_rollup", params, snapshot=snapshot)
    pd.testing.assert_frame_equal(whole_summary, from_rollup)
    return from_summary, from_rollup


@pytest.mark.parametrize(("level", "code"), TREND_AREAS)
@pytest.mark.parametrize(("sex", "age_group"), FILTERS)
def test_trends_from_the_rollup_equal_the_summary(demo_dir, level, code, sex, age_group):
    """Every period at once; 64.72 (Samarinda) has aggregated village counts only."""
    for indicator in INDICATORS:
        params = prevalence._filters(indicator, level, sex, age_group)
        params |= {"code": code, "regency": prevalence._regency_of(code)}
        from_summary, from_rollup = trend_answers(demo_dir, params)
        pd.testing.assert_frame_equal(from_rollup, from_summary)
        aggregated_only = code == "64.72"  # its counts have no sex or age: nothing once filtered
        assert len(from_summary) > 0 or (aggregated_only and params["filtered"])


def test_the_views_above_the_village_are_read_from_the_rollup(demo_dir, tmp_path):
    """With one year's summary files gone, the regency and province views of that year still give
    their numbers (read from the rollup), while the village view has nothing left to read."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy, symlinks=True)
    before = {
        level: prevalence.view_rates("stunting", "2024-08", "province", "64", level=level, data_dir=copy)
        for level in ("regency", "kecamatan")
    }
    national = prevalence.national_rates("stunting", "2024-08", level="province", data_dir=copy)
    trends = {code: prevalence.trend("stunting", level, code, data_dir=copy) for level, code in
              (("province", "64"), ("regency", "64.02"))}  # fmt: skip
    snapshot = store.current_snapshot(copy)
    for folder in (snapshot / store_layout.SUMMARY).glob("regency=*/year=2024"):
        shutil.rmtree(folder)
    for level, frame in before.items():
        after = prevalence.view_rates("stunting", "2024-08", "province", "64", level=level, data_dir=copy)
        pd.testing.assert_frame_equal(after, frame)
        assert after["measured"].sum() > 0
    after = prevalence.national_rates("stunting", "2024-08", level="province", data_dir=copy)
    pd.testing.assert_frame_equal(after, national)
    for level, code in (("province", "64"), ("regency", "64.02")):  # every year from the rollup
        after = prevalence.trend("stunting", level, code, data_dir=copy)
        pd.testing.assert_frame_equal(after, trends[code])
    assert trends["64.02"].set_index("period").loc["2024-08", "measured"] > 0
    villages = prevalence.regency_rates("stunting", "2024-08", "64.02", data_dir=copy)
    assert villages["measured"].sum() == 0


def test_a_year_without_a_rollup_is_read_from_the_summary(demo_dir, tmp_path):
    """A store written before rollups existed: the same numbers, from the summary."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy, symlinks=True)
    expected = prevalence.view_rates("wasting", "2025-02", "province", "64", data_dir=copy)
    shutil.rmtree(store.current_snapshot(copy) / store_layout.ROLLUP)
    got = prevalence.view_rates("wasting", "2025-02", "province", "64", data_dir=copy)
    pd.testing.assert_frame_equal(got, expected)


def test_aggregated_counts_count_only_where_no_child_level_row_is(demo_dir, tmp_path):
    """Village counts for a Kukar village that has measured children in the period (left out at
    every level, as in the summary's answer) and for one without (added)."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy, symlinks=True)
    period = "2024-08"
    summary = summary_of(copy)
    measured = summary[(summary["period"] == period) & (summary["regency"] == "64.02")]
    with_children = sorted(measured["village_code"].unique())[0]
    villages = gazetteer.areas("village", "64.02")
    without = sorted(set(villages["code"]) - set(measured["village_code"]))[0]
    counts = pd.DataFrame(
        {
            "regency": "64.02",
            "kecamatan_code": [with_children[:8], without[:8]],
            "village_code": [with_children, without],
            "period": period,
            "measured": [400, 300],
            "stunting": [200, 90],
            "severe_stunting": [50, 20],
            "wasting": [40, 30],
            "underweight": [60, 45],
            "import_id": "aggregate-test",
            "source_row": [2, 3],
        }
    )
    record = store.ImportRecord("aggregate-test", "counts.csv", "x", "demo", "2026-12-01", 2, 0, 0)
    store.write_aggregates(copy, counts, record)
    for level, code in TREND_AREAS:
        params = prevalence._filters("stunting", level, None, None)
        params |= {"code": code, "regency": prevalence._regency_of(code)}
        from_summary, from_rollup = trend_answers(copy, params)
        pd.testing.assert_frame_equal(from_rollup, from_summary)
    compared = 0
    for level in prevalence.ROLLUP_LEVELS:
        for scope in SCOPES:
            for indicator in INDICATORS:
                from_summary, from_rollup = both_answers(
                    copy, params_for(indicator, period, level, None, None, scope)
                )
                pd.testing.assert_frame_equal(from_rollup, from_summary)
                compared += 1
    assert compared == len(prevalence.ROLLUP_LEVELS) * len(SCOPES) * len(INDICATORS)
    # The village without children adds its 300 to Kukar; the one with children adds nothing.
    kukar = prevalence.prevalence("stunting", period, "regency", within="64", data_dir=copy)
    original = prevalence.prevalence("stunting", period, "regency", within="64", data_dir=demo_dir)
    added = kukar.set_index("code")["measured"] - original.set_index("code")["measured"]
    assert added.to_dict() == {code: (300 if code == "64.02" else 0) for code in added.index}
    assert kukar.set_index("code").loc["64.02", "source"] == "aggregate"
