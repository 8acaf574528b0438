"""Every prevalence path sums the one long summary: a query that counted some other way would differ.

The summary itself is checked against the counting rule computed from the raw rows in
tests/test_field_situations.py; here every way a number reaches a page or the CLI (prevalence by
area at each level, with and without filters, trend, breakdown by age and sex, the comparison
loader and its headline) must equal plain sums of that table on the demo store. Case counts are
compared where a rate is published (MIN_CHILDREN children or more): below it they may be withheld.
The demo's other eight regencies of Kalimantan Timur come as village counts, which are not in the
summary: the areas compared here are those of its two child-level regencies (tests/test_levels.py
counts the village counts and the province by hand).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from stunting import compare, demo, store
from stunting.config import MIN_CHILDREN
from stunting.indicators import AGE_FILTERS, INDICATORS
from stunting.prevalence import breakdown, prevalence, trend

LEVEL_COLUMN = {"village": "village_code", "kecamatan": "kecamatan_code", "regency": "regency"}
CHILD_LEVEL_REGENCIES = list(demo.CHILDREN_PER_ROUND)  # Kukar and Bontang: every number from the summary


@pytest.fixture(scope="module")
def long_summary(demo_dir) -> pd.DataFrame:
    return duckdb.sql(
        "select * from read_parquet($f, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'})",
        params={"f": store.summary_files_in(store.current_snapshot(demo_dir))},
    ).df()


def sums(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.groupby(by, as_index=False)[["measured", "cases"]].sum()


def assert_agrees(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    merged = got.merge(expected, on=keys, how="left", suffixes=("", "_summary"))
    merged[["measured_summary", "cases_summary"]] = merged[["measured_summary", "cases_summary"]].fillna(0)
    assert (merged["measured"] == merged["measured_summary"]).all(), merged
    published = merged["measured"] >= MIN_CHILDREN
    assert (merged.loc[published, "cases"] == merged.loc[published, "cases_summary"]).all(), merged
    # Every child of the summary reaches the path (nothing is dropped on the way).
    assert merged["measured"].sum() == expected["measured"].sum()


@pytest.mark.parametrize("indicator", list(INDICATORS))
@pytest.mark.parametrize("level", ["village", "kecamatan", "regency"])
def test_prevalence_by_area_is_a_sum_of_the_summary(demo_dir, long_summary, indicator, level):
    period = "2024-08"
    rows = long_summary[(long_summary["period"] == period) & (long_summary["indicator"] == indicator)]
    expected = sums(rows, [LEVEL_COLUMN[level]]).rename(columns={LEVEL_COLUMN[level]: "code"})
    got = prevalence(indicator, period, level, data_dir=demo_dir)
    got = got[got["code"].str.slice(0, 5).isin(CHILD_LEVEL_REGENCIES)]
    assert_agrees(got[got["measured"] > 0], expected, ["code"])


def test_filtered_prevalence_is_a_sum_of_the_summary(demo_dir, long_summary):
    lo, hi = AGE_FILTERS["24-59"]
    groups = [g for g in long_summary["age_group"].unique() if lo <= int(g.split("-")[0]) <= hi]
    rows = long_summary[
        (long_summary["period"] == "2025-02")
        & (long_summary["indicator"] == "stunting")
        & (long_summary["sex"] == "P")
        & long_summary["age_group"].isin(groups)
    ]
    expected = sums(rows, ["kecamatan_code"]).rename(columns={"kecamatan_code": "code"})
    got = prevalence("stunting", "2025-02", "kecamatan", sex="P", age_group="24-59", data_dir=demo_dir)
    assert_agrees(got[got["measured"] > 0], expected, ["code"])


@pytest.mark.parametrize(("level", "code"), [("regency", "64.74"), ("kecamatan", "64.02.01")])
def test_trend_is_a_sum_of_the_summary(demo_dir, long_summary, level, code):
    rows = long_summary[
        (long_summary["indicator"] == "wasting") & (long_summary[LEVEL_COLUMN[level]] == code)
    ]
    got = trend("wasting", level, code, data_dir=demo_dir)
    assert len(got) == long_summary["period"].nunique()
    assert_agrees(got, sums(rows, ["period"]), ["period"])


def test_breakdown_by_age_and_sex_is_a_sum_of_the_summary(demo_dir, long_summary):
    rows = long_summary[
        (long_summary["period"] == "2024-08")
        & (long_summary["indicator"] == "underweight")
        & (long_summary["regency"] == "64.02")
    ]
    got = breakdown("underweight", "2024-08", "regency", "64.02", "age_group_sex", data_dir=demo_dir)
    assert_agrees(got, sums(rows, ["age_group", "sex"]), ["age_group", "sex"])


def test_the_comparison_loader_and_headline_are_sums_of_the_summary(demo_dir, long_summary):
    loaded = compare.summary(demo_dir)
    loaded = loaded[loaded["age_group"].notna()]  # village counts have no age group (not in the summary)
    keys = ["period", "village_code", "age_group", "sex"]
    for indicator in INDICATORS:
        rows = long_summary[long_summary["indicator"] == indicator]
        got = loaded[[*keys, f"{indicator}_measured", f"{indicator}_cases"]].rename(
            columns={f"{indicator}_measured": "measured", f"{indicator}_cases": "cases"}
        )
        merged = got.merge(sums(rows, keys), on=keys, how="outer", suffixes=("", "_summary")).fillna(0)
        assert np.array_equal(merged["measured"], merged["measured_summary"]), indicator
        assert np.array_equal(merged["cases"], merged["cases_summary"]), indicator
    top = compare.headline("stunting", "64.02", "64.02", "2024-08", "2025-08", data_dir=demo_dir)
    for side, period in ((top.a, "2024-08"), (top.b, "2025-08")):
        rows = long_summary[
            (long_summary["period"] == period)
            & (long_summary["indicator"] == "stunting")
            & (long_summary["regency"] == "64.02")
        ]
        assert side.measured == rows["measured"].sum() and side.cases == rows["cases"].sum()
