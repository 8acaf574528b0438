"""Prevalence, trend and breakdown give exactly what a careful analyst counts by hand."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from test_store import measurement, write

from stunting import config, gazetteer
from stunting.aggregates import ingest_aggregates
from stunting.cli import main
from stunting.errors import UserError
from stunting.prevalence import breakdown, periods, prevalence, trend
from stunting.stats import wilson_interval

PERIAN = "64.02.01.2001"  # kecamatan 64.02.01 Muara Muntai, Kukar
MUARA_LEKA = "64.02.01.2002"
MUARA_ALOH = "64.02.01.2003"
MUARA_MUNTAI = "64.02.01"

# Perian, August 2024, by hand (child, sex, age in days, measurements (date, haz, whz), haz_flag, whz_flag):
#   c01 L  400 d (13 mo): 02 Aug haz -2.5, 20 Aug haz -1.8 -> counts once, with the last: not stunted
#   c02 P  200 d ( 6 mo): haz -2.00 -> not stunted (a case is z < -2)
#   c03 L  800 d (26 mo): haz -2.01 -> stunted
#   c04 P 1200 d (39 mo): haz -3.2  -> stunted, severely
#   c05 L  500 d        : haz -6.5 flagged -> not counted for stunting; whz -2.5 counts (wasted)
#   c06 P  600 d        : haz undefined -> not counted for stunting; counted for wasting
#   c07 L 1000 d (32 mo): 30 Jul haz -1.0 (July), 10 Aug haz -2.4 -> stunted in August
#   c08 P  100 d ( 3 mo): haz 0, whz -2.5 -> wasted
#   c09 L 1500 d (49 mo): haz -0.5, whz flagged -> not counted for wasting
#   c10 P 1700 d (55 mo): haz -1.9
#   c11 L  300 d ( 9 mo): haz -2.2 -> stunted
#   c12 P  900 d (29 mo): haz 1.0
# Stunting: measured 10 (c01-c04, c07-c12), cases 4 (c03, c04, c07, c11). Severe: 1 (c04).
# Wasting: measured 11 (all 12 children minus c09), cases 2 (c05, c08). Underweight: 12 measured, 0 cases.
# Boys: measured 5 (c01, c03, c07, c09, c11), cases 3. Ages 24-59: c03, c04, c07, c09, c10, c12 -> 6, cases 3.
# Muara Leka: 9 children, all haz -2.5 -> 9/9, too few to show. Muara Muntai kecamatan: 19 measured, 13 cases.


def perian_rows() -> list[dict]:
    nan = float("nan")
    spec = [
        ("c01", "L", 400, [("2024-08-02", -2.5, -1.0), ("2024-08-20", -1.8, -1.0)], False, False),
        ("c02", "P", 200, [("2024-08-05", -2.0, -1.0)], False, False),
        ("c03", "L", 800, [("2024-08-05", -2.01, -1.0)], False, False),
        ("c04", "P", 1200, [("2024-08-06", -3.2, -1.0)], False, False),
        ("c05", "L", 500, [("2024-08-06", -6.5, -2.5)], True, False),
        ("c06", "P", 600, [("2024-08-07", nan, -1.0)], False, False),
        ("c07", "L", 1000, [("2024-07-30", -1.0, -1.0), ("2024-08-10", -2.4, -1.0)], False, False),
        ("c08", "P", 100, [("2024-08-07", 0.0, -2.5)], False, False),
        ("c09", "L", 1500, [("2024-08-08", -0.5, 5.5)], False, True),
        ("c10", "P", 1700, [("2024-08-08", -1.9, -1.0)], False, False),
        ("c11", "L", 300, [("2024-08-09", -2.2, -1.0)], False, False),
        ("c12", "P", 900, [("2024-08-09", 1.0, -1.0)], False, False),
    ]
    rows = []
    for child, sex, age, visits, haz_flag, whz_flag in spec:
        for day, haz, whz in visits:
            rows.append(
                measurement(
                    child,
                    PERIAN,
                    day,
                    haz=haz,
                    whz=whz,
                    sex=sex,
                    age_days=age,
                    haz_flag=haz_flag,
                    whz_flag=whz_flag,
                )
            )
    return rows


def build_store(data_dir):
    rows = perian_rows() + [measurement(f"m{i}", MUARA_LEKA, "2024-08-12", haz=-2.5) for i in range(9)]
    write(data_dir, rows)
    return data_dir


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The hand-counted store, shared by the tests that only read it."""
    return build_store(tmp_path_factory.mktemp("hand-counted"))


def row(frame: pd.DataFrame, code: str) -> pd.Series:
    return frame.set_index("code").loc[code]


def test_village_counts_match_the_hand_count(data):
    frame = prevalence("stunting", "2024-08", "village", data_dir=data)
    # every village of the regencies shown (Kukar and Bontang: the home area), with or without data
    assert len(frame) == 252
    perian = row(frame, PERIAN)
    assert (perian["measured"], perian["cases"]) == (10, 4)
    assert perian["prevalence"] == pytest.approx(0.4)
    low, high = wilson_interval(4, 10)
    assert (perian["ci_low"], perian["ci_high"]) == pytest.approx((float(low), float(high)))
    assert not perian["suppressed"] and perian["source"] == "measurements"


def test_too_few_children_and_no_data_are_told_apart(data):
    frame = prevalence("stunting", "2024-08", "village", data_dir=data)
    leka = row(frame, MUARA_LEKA)
    # Published numbers: below the minimum no case count either (9 of 9 would give the rate back).
    assert (leka["measured"], bool(leka["suppressed"])) == (9, True) and pd.isna(leka["cases"])
    assert math.isnan(leka["prevalence"]) and math.isnan(leka["ci_low"]) and math.isnan(leka["ci_high"])
    empty = row(frame, MUARA_ALOH)
    assert (empty["measured"], bool(empty["suppressed"])) == (0, False) and pd.isna(empty["cases"])
    assert math.isnan(empty["prevalence"]) and empty["source"] is None


@pytest.mark.parametrize(
    ("indicator", "measured", "cases"),
    [("stunting", 10, 4), ("severe_stunting", 10, 1), ("wasting", 11, 2), ("underweight", 12, 0)],
)
def test_each_indicator_uses_its_own_z_score_flag_and_cutoff(data, indicator, measured, cases):
    perian = row(prevalence(indicator, "2024-08", "village", data_dir=data), PERIAN)
    assert (perian["measured"], perian["cases"]) == (measured, cases)


@pytest.fixture
def every_rate_shown(monkeypatch):
    """The hand counts of small groups, as counted: with a minimum of one child, publishing withholds
    nothing (what it withholds is tests/test_publish.py's subject)."""
    monkeypatch.setattr(config, "MIN_CHILDREN", 1)


def test_sex_and_age_filters(data):
    boys = row(prevalence("stunting", "2024-08", "village", sex="L", data_dir=data), PERIAN)
    assert (boys["measured"], bool(boys["suppressed"])) == (5, True) and pd.isna(boys["cases"])


def test_sex_and_age_filters_count_by_hand(data, every_rate_shown):
    boys = row(prevalence("stunting", "2024-08", "village", sex="L", data_dir=data), PERIAN)
    assert (boys["measured"], boys["cases"]) == (5, 3)
    older = row(prevalence("stunting", "2024-08", "village", age_group="24-59", data_dir=data), PERIAN)
    assert (older["measured"], older["cases"]) == (6, 3)
    infants = row(prevalence("stunting", "2024-08", "village", age_group="6-11", data_dir=data), PERIAN)
    assert (infants["measured"], infants["cases"]) == (2, 1)


def test_kecamatan_and_regency_levels_sum_their_villages(data):
    kecamatan = prevalence("stunting", "2024-08", "kecamatan", regency="64.02", data_dir=data)
    assert len(kecamatan) == gazetteer.areas("kecamatan", "64.02").shape[0]
    muntai = row(kecamatan, MUARA_MUNTAI)
    assert (muntai["measured"], muntai["cases"]) == (19, 13)
    assert muntai["prevalence"] == pytest.approx(13 / 19)
    regencies = prevalence("stunting", "2024-08", "regency", data_dir=data)
    assert list(regencies["code"]) == ["64.02", "64.74"]
    assert (row(regencies, "64.02")["measured"], row(regencies, "64.74")["measured"]) == (19, 0)
    within = prevalence("stunting", "2024-08", "village", kecamatan=MUARA_MUNTAI, data_dir=data)
    assert set(within["code"]) == set(gazetteer.villages().query("kecamatan_code == @MUARA_MUNTAI")["code"])
    bontang = prevalence("stunting", "2024-08", "village", regency="64.74", data_dir=data)
    assert len(bontang) == 15 and (bontang["measured"] == 0).all()


def test_a_child_counts_in_the_month_of_each_measurement(data, every_rate_shown):
    july = row(prevalence("stunting", "2024-07", "village", data_dir=data), PERIAN)
    assert (july["measured"], july["cases"]) == (1, 0)  # c07's July measurement


def test_unknown_period_lists_the_available_ones(data, tmp_path_factory):
    with pytest.raises(UserError, match="2024-07, 2024-08"):
        prevalence("stunting", "2023-01", "village", data_dir=data)
    with pytest.raises(UserError, match="no data yet"):
        prevalence("stunting", "2024-08", "village", data_dir=tmp_path_factory.mktemp("empty"))


def test_bad_arguments_are_programming_errors(data):
    with pytest.raises(ValueError):
        prevalence("stunting'; DROP TABLE x; --", "2024-08", "village", data_dir=data)
    with pytest.raises(ValueError):
        prevalence("stunting", "2024-08", "desa", data_dir=data)
    with pytest.raises(ValueError):
        prevalence("stunting", "2024-08", "village", sex="X", data_dir=data)


def test_trend_has_one_row_per_store_period(data, monkeypatch):
    frame = trend("stunting", "village", PERIAN, data_dir=data)
    assert list(frame["period"]) == periods(data) == ["2024-07", "2024-08"]
    august = frame.set_index("period").loc["2024-08"]
    assert (august["measured"], august["cases"], august["prevalence"]) == (10, 4, pytest.approx(0.4))
    assert bool(frame.set_index("period").loc["2024-07", "suppressed"])
    monkeypatch.setattr(config, "MIN_CHILDREN", 1)  # the small group below, as counted
    kecamatan = trend("stunting", "kecamatan", MUARA_MUNTAI, sex="P", data_dir=data).set_index("period")
    # Girls in August: c02, c04, c08, c10, c12 (c06 undefined) = 5, cases c04 = 1.
    assert (kecamatan.loc["2024-08", "measured"], kecamatan.loc["2024-08", "cases"]) == (5, 1)
    empty = trend("stunting", "regency", "64.74", data_dir=data)
    assert (empty["measured"] == 0).all() and empty["source"].isna().all()


def test_breakdown_by_age_and_sex(data, every_rate_shown):
    by_age = breakdown("stunting", "2024-08", "village", PERIAN, "age_group", data_dir=data)
    assert list(by_age["age_group"]) == ["0-5", "6-11", "12-23", "24-35", "36-47", "48-59"]
    assert list(zip(by_age["measured"], by_age["cases"], strict=True)) == [
        (1, 0),
        (2, 1),
        (1, 0),
        (3, 2),
        (1, 1),
        (2, 0),
    ]
    by_sex = breakdown("stunting", "2024-08", "village", PERIAN, "sex", data_dir=data)
    assert list(zip(by_sex["sex"], by_sex["measured"], by_sex["cases"], strict=True)) == [
        ("L", 5, 3),
        ("P", 5, 1),
    ]
    both = breakdown("stunting", "2024-08", "kecamatan", MUARA_MUNTAI, "age_group_sex", data_dir=data)
    assert len(both) == 12 and both["measured"].sum() == 19 and both["cases"].sum() == 13
    assert list(both.columns) == [
        "age_group",
        "sex",
        "measured",
        "cases",
        "prevalence",
        "ci_low",
        "ci_high",
        "suppressed",
    ]


def test_aggregated_counts_fill_villages_without_child_rows_only(tmp_path):
    data = build_store(tmp_path / "data")
    csv = tmp_path / "counts.csv"
    csv.write_text(
        "period;village_code;measured;stunting;wasting\n"
        f"2024-08;{MUARA_ALOH};20;5;\n"
        f"2024-08;{PERIAN};100;50;10\n"  # Perian has child-level rows: these counts are not used
        f"2024-02;{MUARA_ALOH};30;9;3\n",
        encoding="utf-8",
    )
    ingest_aggregates(csv, data)
    frame = prevalence("stunting", "2024-08", "village", data_dir=data)
    aloh, perian = row(frame, MUARA_ALOH), row(frame, PERIAN)
    assert (aloh["measured"], aloh["cases"], aloh["source"]) == (20, 5, "aggregate")
    assert (perian["measured"], perian["cases"], perian["source"]) == (10, 4, "measurements")
    muntai = row(prevalence("stunting", "2024-08", "kecamatan", data_dir=data), MUARA_MUNTAI)
    assert (muntai["measured"], muntai["cases"], muntai["source"]) == (39, 18, "aggregate")
    wasting = row(prevalence("wasting", "2024-08", "village", data_dir=data), MUARA_ALOH)
    assert wasting["measured"] == 0 and wasting["source"] is None  # not reported -> no data
    girls = row(prevalence("stunting", "2024-08", "village", sex="P", data_dir=data), MUARA_ALOH)
    assert girls["measured"] == 0  # aggregated counts have no sex breakdown
    assert periods(data) == ["2024-02", "2024-07", "2024-08"]
    aloh_trend = trend("stunting", "village", MUARA_ALOH, data_dir=data).set_index("period")
    assert aloh_trend.loc["2024-02", "measured"] == 30 and aloh_trend.loc["2024-07", "measured"] == 0


def test_cli_prints_one_row_per_area_with_empty_rates_when_suppressed(data, capsys):
    assert (
        main(
            [
                "prevalence",
                "--indicator",
                "stunting",
                "--period",
                "2024-08",
                "--level",
                "village",
                "--regency",
                "64.02",
                "--data-dir",
                str(data),
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "code,name,measured,cases,prevalence,ci_low,ci_high,suppressed,period,source"
    assert len(lines) == 1 + 237
    by_code = {line.split(",")[0]: line for line in lines[1:]}
    assert by_code[PERIAN].startswith(f"{PERIAN},Perian,10,4,0.4,")
    assert by_code[PERIAN].endswith(",false,2024-08,measurements")
    # Too few children: no case count either (9 of 9 would give the rate back); no data: no source.
    assert by_code[MUARA_LEKA] == f"{MUARA_LEKA},Muara Leka,9,,,,,true,2024-08,measurements"
    assert by_code[MUARA_ALOH] == f"{MUARA_ALOH},Muara Aloh,0,,,,,false,2024-08,"


def test_cli_json_and_errors(data, capsys):
    assert (
        main(
            [
                "prevalence",
                "--indicator",
                "stunting",
                "--period",
                "2024-08",
                "--level",
                "village",
                "--format",
                "json",
                "--sex",
                "L",
                "--data-dir",
                str(data),
            ]
        )
        == 0
    )
    records = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(records) == 252
    assert records[PERIAN] == {
        "code": PERIAN,
        "name": "Perian",
        "measured": 5,
        "cases": None,
        "prevalence": None,
        "ci_low": None,
        "ci_high": None,
        "suppressed": True,
        "period": "2024-08",
        "source": "measurements",
    }
    assert (
        main(
            [
                "prevalence",
                "--indicator",
                "stunting",
                "--period",
                "2024-08",
                "--level",
                "kecamatan",
                "--format",
                "json",
                "--sex",
                "L",
                "--data-dir",
                str(data),
            ]
        )
        == 0
    )
    muntai = next(r for r in json.loads(capsys.readouterr().out) if r["code"] == MUARA_MUNTAI)
    # Boys: Perian's 5 (3 stunted) and Muara Leka's 9 (all stunted).
    assert (muntai["measured"], muntai["cases"], muntai["suppressed"]) == (14, 12, False)
    assert muntai["prevalence"] == pytest.approx(12 / 14)
    assert (
        main(
            [
                "prevalence",
                "--indicator",
                "stunting",
                "--period",
                "2031-01",
                "--level",
                "village",
                "--data-dir",
                str(data),
            ]
        )
        == 1
    )
    assert "available periods: 2024-07, 2024-08" in capsys.readouterr().err


def test_age_filters_are_whole_age_groups():
    """Filters sum the stored per-age-group counts, so each choice must be a union of whole groups."""
    from stunting.indicators import AGE_FILTERS, AGE_GROUPS

    for label, (lo, hi) in AGE_FILTERS.items():
        inside = [(first, last) for _, first, last in AGE_GROUPS if lo <= first and last <= hi]
        assert inside and min(f for f, _ in inside) == lo and max(la for _, la in inside) == hi, label


def test_a_store_without_its_summary_is_refused_not_shown_empty(tmp_path):
    import shutil

    from stunting import store

    write(tmp_path, [measurement("a", PERIAN, "2024-08-03")])
    shutil.rmtree(store.current_snapshot(tmp_path) / store.SUMMARY)
    with pytest.raises(UserError, match="older Peta Stunting"):
        prevalence("stunting", "2024-08", "village", data_dir=tmp_path)
