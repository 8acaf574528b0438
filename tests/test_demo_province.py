"""The demo shows a province: Kalimantan Timur's ten regencies, Kukar and Bontang child by child,
the other eight as village counts, all of it labelled synthetic."""

from __future__ import annotations

import math

import pyarrow.parquet as pq
import pytest

from stunting import demo, gazetteer, store
from stunting.prevalence import national_rates, province_rates

pytestmark = pytest.mark.slow

SEED = 2024
SCALE = 0.02  # Samarinda about 1,300 children per weighing month, Mahakam Ulu about 60
KALTIM = "64"


@pytest.fixture(scope="module")
def province_demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("province-demo")
    calls: list[tuple[float, str]] = []
    summary = demo.build_demo(data_dir, seed=SEED, scale=SCALE, progress=lambda f, m: calls.append((f, m)))
    return data_dir, summary, calls


def test_the_demo_covers_all_ten_regencies_and_1038_villages(province_demo):
    data_dir, summary, _ = province_demo
    regencies = gazetteer.areas("regency", within=KALTIM)
    assert len(regencies) == 10
    villages = gazetteer.villages().query("province_code == @KALTIM")
    assert len(villages) == 1038
    child_level = set(demo.CHILDREN_PER_ROUND)
    counted = set(demo.AGGREGATE_TRENDS)
    assert child_level | counted == set(regencies["code"]) and not child_level & counted
    # The eight regencies' villages (1,038 - 252) all come as village counts.
    aggregates = pq.read_table(store.current_snapshot(data_dir) / "aggregates.parquet").to_pandas()
    assert set(aggregates["village_code"]) == set(villages.query("regency_code in @counted")["code"])
    assert summary.aggregate_villages == 1038 - 252 and summary.aggregate_rows == len(aggregates)
    assert set(aggregates["period"]) == {f"{y}-{m:02d}" for y, m in demo.ROUNDS}
    rates = province_rates("stunting", "2025-08", KALTIM, data_dir=data_dir).set_index("code")
    assert (rates["measured"] > 0).all()
    assert set(rates.loc[list(counted), "source"]) == {"aggregate"}
    assert set(rates.loc[list(child_level), "source"]) == {"measurements"}


def test_village_counts_are_synthetic_and_plausible(province_demo):
    data_dir, _, _ = province_demo
    log = store.imports(data_dir)
    assert set(log["source"]) == {store.DEMO_SOURCE} and store.is_demo(data_dir)
    assert demo.aggregates_name(SEED, SCALE) in set(log["file_name"])
    aggregates = pq.read_table(store.current_snapshot(data_dir) / "aggregates.parquet").to_pandas()
    assert (aggregates["stunting"] <= aggregates["measured"]).all()
    assert (aggregates["severe_stunting"] <= aggregates["stunting"]).all()
    for period, which in (("2019-02", 0), ("2025-08", 1)):
        month = aggregates[aggregates["period"] == period].groupby("regency")[["measured", "stunting"]].sum()
        for regency, row in month.iterrows():
            target = demo.AGGREGATE_TRENDS[regency][which]
            # 4 binomial standard errors, plus 2 points for the village effect's slack (logit-normal).
            slack = 4 * math.sqrt(target * (1 - target) / row["measured"]) + 0.02
            assert abs(row["stunting"] / row["measured"] - target) < slack, (regency, period)
    # Children weighed follow population: Samarinda (881,225 people) weighs more than Bontang's
    # child-level 15,000 per round scaled, Mahakam Ulu (39,715) least of all.
    per_regency = aggregates[aggregates["period"] == "2025-08"].groupby("regency")["measured"].sum()
    assert per_regency.idxmax() == "64.72" and per_regency.idxmin() == "64.11"
    expected = 881_225 * demo.WEIGHED_PER_RESIDENT * SCALE
    assert abs(per_regency["64.72"] / expected - 1) < 0.05


def test_the_province_is_the_sum_of_its_regencies_and_the_national_view_shows_it(province_demo):
    data_dir, _, _ = province_demo
    regencies = province_rates("stunting", "2025-08", KALTIM, data_dir=data_dir)
    national = national_rates("stunting", "2025-08", data_dir=data_dir).set_index("code")
    assert national.at[KALTIM, "measured"] == regencies["measured"].sum()
    assert (national.drop(index=KALTIM)["measured"] == 0).all()


def test_progress_reaches_the_village_counts_then_1(province_demo):
    _, _, calls = province_demo
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    step = next(f for f, m in calls if m.startswith("village counts"))
    assert step == pytest.approx(demo.CHILD_LEVEL_SHARE)


def test_rebuilding_writes_nothing_new(province_demo):
    data_dir, _, _ = province_demo
    before, imports = store.current_snapshot(data_dir), len(store.imports(data_dir))
    demo.build_demo(data_dir, seed=SEED, scale=SCALE)
    assert store.current_snapshot(data_dir) == before and len(store.imports(data_dir)) == imports
