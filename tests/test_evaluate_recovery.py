"""Children who recovered (queries/recovery.sql, stunting.recovery) against the same question asked
of the raw measurements with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stunting import queries
from stunting.config import MIN_CHILDREN
from stunting.recovery import recovery


def recovered_by_pandas(measurements: pd.DataFrame, villages: set[str]) -> pd.DataFrame:
    # The counting rule (docs/architecture.md): the last measurement with a valid HAZ, under 60 months.
    valid = measurements[
        measurements["haz"].notna()
        & ~measurements["haz_flag"].fillna(False).astype(bool)
        & measurements["age_group"].notna()
    ]
    last = valid.sort_values("measured_on").groupby(["child_id", "period"], as_index=False).last()
    last["month"] = last["period"].str[:4].astype(int) * 12 + last["period"].str[5:7].astype(int)
    last = last.sort_values(["child_id", "month"])
    last["gap"] = last.groupby("child_id")["month"].shift(-1) - last["month"]
    last["next_haz"] = last.groupby("child_id")["haz"].shift(-1)
    stunted = last[last["haz"] < -2].assign(
        group=lambda f: np.where(f["village_code"].isin(villages), "treated", "control")
    )
    rows = []
    for window in (6, 12):
        followed = stunted["gap"] <= window
        for (period, group), part in stunted.groupby(["period", "group"]):
            f = followed[part.index]
            rows.append(
                (period, group, window, len(part), int(f.sum()), int((f & (part["next_haz"] >= -2)).sum()))
            )
    return pd.DataFrame(rows, columns=["period", "group", "window", "stunted", "followed", "recovered"])


def test_recovery_counts_match_pandas_on_the_demo(demo_dir):
    con = queries.connect(demo_dir, views=("measurements",))
    try:
        measurements = con.execute(
            "SELECT child_id, village_code, period, measured_on, haz, haz_flag, age_group FROM measurements "
            "WHERE regency = '64.74'"
        ).df()
    finally:
        con.close()
    villages = sorted(measurements["village_code"].unique())[:5]
    ours = recovery("64.74", villages=villages, data_dir=demo_dir)
    reference = recovered_by_pandas(measurements, set(villages))
    merged = ours.merge(reference, on=["period", "group", "window"], suffixes=("", "_pandas"))
    assert len(merged) == len(reference) == len(ours)
    for column in ("stunted", "followed"):
        assert (merged[column] == merged[f"{column}_pandas"]).all(), column
    # Recovered children are published only from MIN_CHILDREN followed children (the publishing rule).
    shown = merged["followed"] >= MIN_CHILDREN
    assert (merged.loc[shown, "recovered"] == merged.loc[shown, "recovered_pandas"]).all()
    assert merged.loc[~shown, "recovered"].isna().all()
    assert (merged["followed"] <= merged["stunted"]).all()


def test_shares_have_wilson_intervals_and_small_groups_are_suppressed(demo_dir):
    from stunting.stats import wilson_interval

    result = recovery("64.74", villages=["64.74.01.1001"], data_dir=demo_dir)
    shown = result[result["followed"] >= MIN_CHILDREN]
    low, high = wilson_interval(shown["recovered"].astype(float), shown["followed"])
    recovered = shown["recovered"].astype(float)
    assert shown["share"].to_numpy() == pytest.approx((recovered / shown["followed"]).to_numpy())
    assert shown["ci_low"].to_numpy() == pytest.approx(low)
    small = result[(result["followed"] > 0) & (result["followed"] < MIN_CHILDREN)]
    assert len(small) > 0, "the demo's one-village group should fall below the minimum"
    assert small["suppressed"].all() and small["share"].isna().all() and small["ci_low"].isna().all()


def test_fostered_children_are_compared_with_others_of_similar_severity(demo_dir):
    con = queries.connect(demo_dir, views=("measurements",))
    try:
        stunted = (
            con.execute(
                "SELECT DISTINCT child_id FROM measurements WHERE regency = '64.74' AND haz < -2 "
                "AND NOT coalesce(haz_flag, false) ORDER BY child_id LIMIT 40"
            )
            .df()["child_id"]
            .tolist()
        )
    finally:
        con.close()
    by_child = recovery("64.74", children=stunted, data_dir=demo_dir)
    by_village = recovery("64.74", data_dir=demo_dir)
    assert set(by_child["group"]) == {"fostered", "not_fostered"}
    assert set(by_child["severe"]) == {True, False}
    # The same children, split another way: totals per period and window agree.
    totals = by_child.groupby(["period", "window"])[["stunted", "followed"]].sum()
    village_totals = by_village.groupby(["period", "window"])[["stunted", "followed"]].sum()
    assert totals.equals(village_totals)
    fostered = by_child[by_child["group"] == "fostered"]
    assert 0 < fostered["stunted"].sum() and fostered["suppressed"].any()
