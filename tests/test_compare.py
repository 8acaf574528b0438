"""The comparison's numbers, checked against references computed independently of stunting.stats.

Store fixtures are written with the store's own writer (tests/test_store.py's helpers), so the
numbers go through the same queries as the page and the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd
import pytest
from test_store import measurement, write

from stunting import compare
from stunting.cli import main
from stunting.errors import UserError
from stunting.prevalence import prevalence

PERIAN = "64.02.01.2001"  # Kukar, kecamatan Muara Muntai
MUARA_LEKA = "64.02.01.2002"  # Kukar, kecamatan Muara Muntai
BONTANG_VILLAGE = "64.74.01.1001"  # Bontang
KUKAR, BONTANG = "64.02", "64.74"

INFANT_DAYS = 100  # 3 months: age group 0-5
TODDLER_DAYS = 800  # 26 months: age group 24-35
STUNTED, NOT_STUNTED = -2.5, -1.0


def children(
    prefix: str, village: str, day: str, n: int, cases: int, *, age_days: int, sex: str = "L"
) -> list:
    """n children measured once on ``day``, the first ``cases`` of them stunted."""
    return [
        measurement(
            f"{prefix}{i}",
            village,
            day,
            haz=STUNTED if i < cases else NOT_STUNTED,
            age_days=age_days,
            sex=sex,
        )
        for i in range(n)
    ]


@pytest.fixture
def newcombe_store(tmp_path):
    """Newcombe (1998b) Table II example (a): 56/70 vs 48/80, one age-sex group on both sides.

    Kukar: Perian, 56 of 70 stunted; Bontang: 48 of 80 (August 2024). Also 2019-08 in Perian for the
    village change: 30 of 60.
    """
    rows = (
        children("k", PERIAN, "2024-08-05", 70, 56, age_days=TODDLER_DAYS)
        + children("b", BONTANG_VILLAGE, "2024-08-06", 80, 48, age_days=TODDLER_DAYS)
        + children("o", PERIAN, "2019-08-05", 60, 30, age_days=TODDLER_DAYS)
    )
    write(tmp_path, rows)
    return tmp_path


@pytest.fixture
def reversal_store(tmp_path):
    """Hand-made: crude and age-standardised differences point in opposite directions.

    Kukar weighs mostly toddlers, Bontang mostly infants (August 2024, boys only):
        group   Kukar            Bontang          pooled children
        0-5     1/10  = 10%      15/100 = 15%     110
        24-35   27/90 = 30%      7/20   = 35%     110
        crude   28/100 = 28%     22/120 = 18.3%
    Bontang is worse in every age group, yet its crude rate is lower. Standardised to the pooled
    structure (half and half): Kukar 0.5*10% + 0.5*30% = 20%, Bontang 0.5*15% + 0.5*35% = 25%.
    """
    rows = (
        children("ki", PERIAN, "2024-08-05", 10, 1, age_days=INFANT_DAYS)
        + children("kt", PERIAN, "2024-08-05", 90, 27, age_days=TODDLER_DAYS)
        + children("bi", BONTANG_VILLAGE, "2024-08-06", 100, 15, age_days=INFANT_DAYS)
        + children("bt", BONTANG_VILLAGE, "2024-08-06", 20, 7, age_days=TODDLER_DAYS)
    )
    write(tmp_path, rows)
    return tmp_path


def pearson_chi_square_p(table: list[list[int]]) -> float:
    """Two-sided p of Pearson's chi-square on a 2x2 table (1 df), from observed vs expected counts:
    an independent route to the pooled two-proportion z test (chi-square = z squared)."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    total = sum(rows)
    chi2 = sum(
        (table[i][j] - rows[i] * cols[j] / total) ** 2 / (rows[i] * cols[j] / total)
        for i in range(2)
        for j in range(2)
    )
    return math.erfc(math.sqrt(chi2 / 2))


def test_difference_reproduces_newcombe_table_ii(newcombe_store):
    top = compare.headline("stunting", KUKAR, BONTANG, data_dir=newcombe_store)
    assert (top.a.measured, top.a.cases, top.b.measured, top.b.cases) == (70, 56, 80, 48)
    assert top.a.period == top.b.period == "2024-08"  # the latest period by default
    assert top.possible
    assert top.difference == pytest.approx(0.2)
    # Newcombe RG (1998), Stat Med 17:873-890, Table II, example (a) 56/70 - 48/80, method 10:
    # 0.0524 to 0.3339.
    assert top.ci_low == pytest.approx(0.0524, abs=5e-5)
    assert top.ci_high == pytest.approx(0.3339, abs=5e-5)
    assert top.p_value == pytest.approx(pearson_chi_square_p([[56, 14], [48, 32]]), rel=1e-9)
    assert top.p_value == pytest.approx(0.00805, abs=5e-5)
    # One age-sex group on both sides: standardisation changes nothing, and there is no verdict.
    assert top.standardised_a == pytest.approx(0.8)
    assert top.standardised_b == pytest.approx(0.6)
    assert top.verdict is None


def test_sides_equal_the_map_pages_numbers(newcombe_store):
    top = compare.headline("stunting", KUKAR, BONTANG, data_dir=newcombe_store)
    regencies = prevalence("stunting", "2024-08", "regency", data_dir=newcombe_store).set_index("code")
    for side in (top.a, top.b):
        row = regencies.loc[side.code]
        assert (side.measured, side.cases) == (row["measured"], row["cases"])
        assert (side.prevalence, side.ci_low, side.ci_high) == (
            row["prevalence"],
            row["ci_low"],
            row["ci_high"],
        )


def test_standardisation_reverses_the_crude_difference(reversal_store):
    top = compare.headline("stunting", KUKAR, BONTANG, data_dir=reversal_store)
    assert top.a.prevalence == pytest.approx(0.28)
    assert top.b.prevalence == pytest.approx(22 / 120)
    assert top.difference == pytest.approx(0.28 - 22 / 120)  # crude: Kukar 9.7 points worse
    assert top.standardised_a == pytest.approx(0.20)
    assert top.standardised_b == pytest.approx(0.25)
    assert top.standardised_difference == pytest.approx(-0.05)  # standardised: Kukar 5 points better
    assert top.verdict == "compare.verdict.reversed"
    by_group = top.strata.set_index(["age_group", "sex"])
    assert by_group.loc[("0-5", "L"), ["cases_a", "n_a", "cases_b", "n_b"]].tolist() == [1, 10, 15, 100]
    assert by_group.loc[("24-35", "L"), ["cases_a", "n_a", "cases_b", "n_b"]].tolist() == [27, 90, 7, 20]
    assert by_group.drop([("0-5", "L"), ("24-35", "L")])[["n_a", "n_b"]].to_numpy().sum() == 0


def test_standardisation_is_not_possible_when_a_group_has_children_on_one_side_only(tmp_path):
    rows = (
        children("k", PERIAN, "2024-08-05", 40, 10, age_days=TODDLER_DAYS)
        + children("ki", PERIAN, "2024-08-05", 5, 1, age_days=INFANT_DAYS)
        + children("b", BONTANG_VILLAGE, "2024-08-06", 40, 8, age_days=TODDLER_DAYS)
    )
    write(tmp_path, rows)
    top = compare.headline("stunting", KUKAR, BONTANG, data_dir=tmp_path)
    assert top.possible and not math.isnan(top.difference)
    assert not top.standardised_possible
    assert math.isnan(top.standardised_a) and math.isnan(top.standardised_difference)
    assert top.record()["standardised"] == {"a": None, "b": None, "difference": None}


def test_too_few_children_make_the_comparison_not_possible(tmp_path):
    few = compare.MIN_CHILDREN_TO_COMPARE - 1
    write(
        tmp_path,
        children("k", PERIAN, "2024-08-05", 50, 20, age_days=TODDLER_DAYS)
        + children("b", BONTANG_VILLAGE, "2024-08-06", few, 10, age_days=TODDLER_DAYS),
    )
    top = compare.headline("stunting", KUKAR, BONTANG, data_dir=tmp_path)
    assert not top.possible and not top.standardised_possible
    # The side itself still shows its rate (it has at least MIN_CHILDREN children) ...
    assert top.b.prevalence == pytest.approx(10 / few)
    # ... but no difference is printed.
    assert top.record()["difference"] == {"value": None, "ci_low": None, "ci_high": None, "p_value": None}


def test_one_area_in_two_periods(newcombe_store):
    top = compare.headline("stunting", PERIAN, PERIAN, "2024-08", "2019-08", data_dir=newcombe_store)
    assert top.a.level == "village"
    assert (top.a.cases, top.a.measured, top.b.cases, top.b.measured) == (56, 70, 30, 60)
    assert top.difference == pytest.approx(0.8 - 0.5)


@pytest.mark.parametrize(
    ("a", "b", "periods", "message"),
    [
        ("64.02.1", BONTANG, (None, None), r"is not a province \(64\), regency"),
        ("64.99", BONTANG, (None, None), "is not a regency of the gazetteer"),
        ("64.02.01.9999", BONTANG, (None, None), "is not a village of the gazetteer"),
        (KUKAR, BONTANG, ("2023-01", None), "available periods: 2019-08, 2024-08"),
        (KUKAR, KUKAR, (None, None), "choose two areas, or one area in two periods"),
    ],
)
def test_bad_choices_are_told_in_one_sentence(newcombe_store, a, b, periods, message):
    with pytest.raises(UserError, match=message):
        compare.headline("stunting", a, b, *periods, data_dir=newcombe_store)


@pytest.mark.parametrize(
    ("crude", "standardised", "key"),
    [
        (0.097, -0.05, "compare.verdict.reversed"),
        (0.08, 0.03, "compare.verdict.explained_by_age"),
        (0.08, 0.001, "compare.verdict.explained_by_age"),
        (0.002, 0.04, "compare.verdict.hidden_by_age"),
        (0.03, 0.07, "compare.verdict.hidden_by_age"),
        (0.05, 0.04, None),
        (0.001, -0.002, None),  # both within rounding: no story to tell
        (-0.004, -0.010, None),  # age structure moves the gap by under a point: no sentence
    ],
)
def test_verdict(crude, standardised, key):
    assert compare.verdict(crude, standardised) == key


def test_whole_page_data(newcombe_store):
    page = compare.build_comparison("stunting", KUKAR, BONTANG, data_dir=newcombe_store)
    # Trends: every store period for both sides; 2019-08 has no Bontang children ("no data", not 0%).
    trends = page.trends.set_index(["side", "period"])
    assert trends.loc[("a", "2019-08"), "prevalence"] == pytest.approx(0.5)
    assert trends.loc[("b", "2019-08"), "measured"] == 0 and math.isnan(
        trends.loc[("b", "2019-08"), "prevalence"]
    )
    assert set(page.small_multiples["indicator"]) == {"stunting", "wasting", "underweight"}
    # Villages: all 237 Kukar and 15 Bontang gazetteer villages, classed by WHO thresholds.
    assert page.villages.groupby("side").size().to_dict() == {"a": 237, "b": 15}
    perian = page.villages.set_index("code").loc[PERIAN]
    assert perian["class_index"] == 4  # 80% >= 30%: "very high"
    shares = page.class_shares.set_index(["side", "state", "class_index"])["villages"]
    assert shares[("a", "class", 4)] == 1 and shares[("a", "no_data", -1)] == 236
    assert page.class_shares.groupby("side")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    # Ranking: only villages with a rate, highest first.
    assert page.ranking[["side", "rank", "code"]].values.tolist() == [
        ["a", 1, PERIAN],
        ["b", 1, BONTANG_VILLAGE],
    ]
    # Change since the same month of 2019: Perian 30/60 -> 56/70 = +30 points, Newcombe interval.
    change = page.change.set_index("code").loc[PERIAN]
    assert change["baseline_period"] == "2019-08" and change["change"] == pytest.approx(0.3)
    reference = compare.headline("stunting", PERIAN, PERIAN, "2024-08", "2019-08", data_dir=newcombe_store)
    assert (change["ci_low"], change["ci_high"]) == pytest.approx((reference.ci_low, reference.ci_high))
    assert not page.change.set_index("code").loc[BONTANG_VILLAGE, "possible"]  # no 2019 children
    # Age profile: everyone is 24-35 months.
    profile = page.age_profile.set_index(["side", "age_group"])
    assert profile.loc[("a", "24-35"), "prevalence"] == pytest.approx(0.8)
    assert profile["measured"].sum() == 150
    # Survey estimates, as fractions, for both regencies.
    surveys = page.surveys.set_index(["region_code", "year"])["prevalence"]
    assert surveys[(KUKAR, 2022)] == pytest.approx(0.271) and surveys[(BONTANG, 2023)] == pytest.approx(0.274)


def test_ranking_marks_small_numbers(tmp_path):
    write(
        tmp_path,
        children("p", PERIAN, "2024-08-05", 12, 6, age_days=TODDLER_DAYS)
        + children("l", MUARA_LEKA, "2024-08-05", 40, 8, age_days=TODDLER_DAYS)
        + children("b", BONTANG_VILLAGE, "2024-08-06", 40, 8, age_days=TODDLER_DAYS),
    )
    page = compare.build_comparison("stunting", "64.02.01", BONTANG, data_dir=tmp_path)
    ranking = page.ranking[page.ranking["side"] == "a"]
    assert ranking["code"].tolist() == [PERIAN, MUARA_LEKA]  # 50% before 20%
    assert ranking["small_numbers"].tolist() == [True, False]  # 12 children < SMALL_NUMBERS
    assert set(page.surveys["region_code"]) == {BONTANG}  # a kecamatan is never set against a survey


def test_survey_file_errors_name_the_row(tmp_path):
    bad = tmp_path / "surveys.csv"
    bad.write_text(
        "region_code,region,year,survey,indicator,prevalence,source\n"
        "64.02,Kukar,2021,SSGI,stunting,26.4,x\n"
        "64.74,Bontang,2021,SSGI,stunting,263,x\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"row 3, column prevalence"):
        compare.survey_estimates(bad)


def test_shipped_survey_estimates():
    estimates = compare.survey_estimates().set_index(["region_code", "survey", "year"])["prevalence"]
    assert estimates.to_dict() == pytest.approx(
        {
            (KUKAR, "SSGI", 2021): 0.264,
            (BONTANG, "SSGI", 2021): 0.263,
            (KUKAR, "SSGI", 2022): 0.271,
            (BONTANG, "SSGI", 2022): 0.210,
            (KUKAR, "SKI", 2023): 0.176,
            (BONTANG, "SKI", 2023): 0.274,
        }
    )
    assert compare.survey_estimates()["source"].str.contains("Kementerian Kesehatan").all()


def test_cli_json(newcombe_store, capsys):
    code = main(
        [
            "compare",
            "--a",
            KUKAR,
            "--b",
            BONTANG,
            "--indicator",
            "stunting",
            "--data-dir",
            str(newcombe_store),
            "--format",
            "json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "indicator",
        "a",
        "b",
        "children_in_both",
        "note",
        "weighting",
        "difference",
        "standardised",
    }
    assert out["weighting"] == {"a": None, "b": None, "note": None}  # two regencies: no province total
    # Two regencies in one month share no child, and nothing is said about it.
    assert out["children_in_both"] == 0 and out["note"] is None
    assert out["a"] == {
        "code": KUKAR,
        "name": "Kabupaten Kutai Kartanegara",
        "period": "2024-08",
        "measured": 70,
        "cases": 56,
        "prevalence": pytest.approx(0.8),
        "ci_low": pytest.approx(0.6918, abs=5e-5),
        "ci_high": pytest.approx(0.8770, abs=5e-5),  # Wilson 56/70, by hand: (57.92 -+ 6.835) / 73.84
        "source": "measurements",
    }
    assert out["b"]["name"] == "Kota Bontang" and out["b"]["measured"] == 80
    assert out["difference"]["value"] == pytest.approx(0.2)
    assert out["difference"]["ci_low"] == pytest.approx(0.0524, abs=5e-5)
    assert set(out["difference"]) == {"value", "ci_low", "ci_high", "p_value"}
    assert out["standardised"] == {
        "a": pytest.approx(0.8),
        "b": pytest.approx(0.6),
        "difference": pytest.approx(0.2),
    }


def test_cli_csv_and_periods(newcombe_store, capsys):
    code = main(
        [
            "compare",
            "--a",
            PERIAN,
            "--b",
            PERIAN,
            "--period-a",
            "2024-08",
            "--period-b",
            "2019-08",
            "--indicator",
            "stunting",
            "--data-dir",
            str(newcombe_store),
            "--format",
            "csv",
        ]
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1
    row = rows[0]
    assert (row["a_period"], row["b_period"], row["a_cases"], row["b_measured"]) == (
        "2024-08",
        "2019-08",
        "56",
        "60",
    )
    assert float(row["difference_value"]) == pytest.approx(0.3)
    expected = compare.headline("stunting", PERIAN, PERIAN, "2024-08", "2019-08", data_dir=newcombe_store)
    assert float(row["difference_p_value"]) == expected.p_value  # every digit survives the CSV


def test_cli_not_possible_prints_empty_cells_and_errors_exit_1(tmp_path, capsys):
    write(
        tmp_path,
        children("k", PERIAN, "2024-08-05", 50, 20, age_days=TODDLER_DAYS)
        + children("b", BONTANG_VILLAGE, "2024-08-06", 12, 3, age_days=TODDLER_DAYS),
    )
    assert (
        main(
            [
                "compare",
                "--a",
                KUKAR,
                "--b",
                BONTANG,
                "--indicator",
                "stunting",
                "--data-dir",
                str(tmp_path),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    row = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["difference_value"] == "" and row["standardised_a"] == "" and row["b_prevalence"] != ""
    assert (
        main(["compare", "--a", "64.02", "--b", "99", "--indicator", "stunting", "--data-dir", str(tmp_path)])
        == 1
    )
    assert "'99' is not a province of the gazetteer" in capsys.readouterr().err  # 99: a province's form
    assert (
        main(["compare", "--a", KUKAR, "--b", BONTANG, "--indicator", "stunted", "--data-dir", str(tmp_path)])
        == 1
    )
    assert "Indicator 'stunted' is unknown" in capsys.readouterr().err


@pytest.fixture(scope="module")
def awkward_store(tmp_path_factory):
    """The hand-counted store of tests/test_prevalence.py (repeat measurements, flags, undefined
    z-scores, a village under MIN_CHILDREN), plus a child past 60 months, Bontang children in two
    months, and aggregated counts: one village without child rows, one with (ignored), one
    indicator left empty."""
    from test_prevalence import build_store

    from stunting.aggregates import ingest_aggregates

    folder = tmp_path_factory.mktemp("awkward")
    data = build_store(folder / "data")
    write(
        data,
        [measurement("old", PERIAN, "2024-08-15", haz=-2.6, age_days=1900)]  # 62 months: no age group
        + children("bt", BONTANG_VILLAGE, "2024-08-06", 35, 9, age_days=TODDLER_DAYS, sex="P")
        + children("bo", BONTANG_VILLAGE, "2019-08-06", 33, 12, age_days=INFANT_DAYS),
    )
    counts = folder / "counts.csv"
    counts.write_text(
        "period;village_code;measured;stunting;wasting\n"
        "2024-08;64.02.01.2003;20;5;\n"
        f"2024-08;{PERIAN};100;50;10\n"
        "2024-02;64.02.01.2003;30;9;3\n",
        encoding="utf-8",
    )
    ingest_aggregates(counts, data)
    return data


# stunting: the usual case; wasting: the aggregated row that leaves it empty counts no child.
@pytest.mark.parametrize("indicator", ["stunting", "wasting"])
def test_the_summary_gives_the_prevalence_apis_numbers(awkward_store, indicator):
    from stunting.prevalence import breakdown, periods, trend

    counts = compare.Counts(compare.summary(awkward_store), indicator)
    assert counts.periods == periods(awkward_store)
    columns = ["measured", "cases", "prevalence", "ci_low", "ci_high", "suppressed", "source"]
    areas = [compare.area(code) for code in (KUKAR, "64.02.01", "64.02.01.2003", PERIAN, BONTANG_VILLAGE)]
    for where in areas:
        expected_trend = trend(indicator, where.level, where.code, data_dir=awkward_store)
        pd.testing.assert_frame_equal(counts.trend(where), expected_trend[["period", *columns]])
    for period in ("2024-02", "2024-08"):
        by_level = {
            level: prevalence(indicator, period, level, data_dir=awkward_store).set_index("code")
            for level in ("regency", "kecamatan", "village")
        }
        for where in areas:
            side = counts.side(where, period)
            # A withheld case count is <NA> in a frame and None on a Side.
            expected = [None if v is pd.NA else v for v in by_level[where.level].loc[where.code, columns]]
            assert [getattr(side, c) for c in columns] == pytest.approx(expected, nan_ok=True)
            mine = counts.villages(where, period).set_index("code")
            pd.testing.assert_frame_equal(mine[columns], by_level["village"].loc[mine.index, columns])
        expected = breakdown(indicator, period, "village", PERIAN, "age_group_sex", data_dir=awkward_store)
        pd.testing.assert_frame_equal(counts.breakdown(areas[3], period, ["age_group", "sex"]), expected)
        expected = breakdown(indicator, period, "regency", KUKAR, "age_group", data_dir=awkward_store)
        pd.testing.assert_frame_equal(counts.breakdown(areas[0], period, ["age_group"]), expected)


def test_a_new_import_is_seen_at_once(newcombe_store):
    compare.headline("stunting", KUKAR, BONTANG, data_dir=newcombe_store)  # the summary is now in memory
    # --add: 20 more children in a village-month the store already holds (a plain import would
    # replace that village-month's earlier rows).
    write(
        newcombe_store, children("n", BONTANG_VILLAGE, "2024-08-20", 20, 20, age_days=TODDLER_DAYS), add=True
    )
    top = compare.headline("stunting", KUKAR, BONTANG, data_dir=newcombe_store)
    assert (top.b.measured, top.b.cases) == (100, 68)


def test_charts_never_draw_missing_rates_as_zero_and_csvs_blank_suppressed_cases(tmp_path):
    from charts import compare as charts

    write(
        tmp_path,
        children("k", PERIAN, "2024-08-05", 40, 10, age_days=TODDLER_DAYS)
        + children("l", MUARA_LEKA, "2024-08-05", 6, 3, age_days=TODDLER_DAYS)  # too few children
        + children("b", BONTANG_VILLAGE, "2024-08-06", 40, 8, age_days=TODDLER_DAYS)
        + children("o", PERIAN, "2019-08-05", 40, 20, age_days=TODDLER_DAYS),
    )
    page = compare.build_comparison("stunting", KUKAR, BONTANG, data_dir=tmp_path)
    labels = charts.side_labels(page.headline, "en")
    trend = charts.trend_figure(page, labels, "en", indicator_label="Stunting")
    bontang_line = next(trace for trace in trend.data if trace.name == "Kota Bontang")
    assert math.isnan(bontang_line.y[0]) and bontang_line.y[1] == pytest.approx(0.2)  # 2019-08: no data
    age = charts.age_profile_figure(page, labels, "en")
    assert [math.isnan(y) for y in age.data[0].y] == [True, True, True, False, True, True]
    villages = charts.chart_data(page, "distribution", labels, "en").set_index("Code")
    assert pd.isna(villages.loc[MUARA_LEKA, "Cases"]) and pd.isna(villages.loc[MUARA_LEKA, "Prevalence (%)"])
    assert villages.loc[PERIAN, "Prevalence (%)"] == 25.0 and villages.loc[PERIAN, "Cases"] == 10
    change = charts.chart_data(page, "change", labels, "en").set_index("Code")
    assert change.loc[PERIAN, "Change (percentage points)"] == pytest.approx(-25.0)


# --- sides that share children ------------------------------------------------------------------


@pytest.fixture
def paired_store(tmp_path):
    """The same 161 children of Perian weighed in August 2024 and August 2025, stunted as in Cavo et
    al. (2012)'s paired table (Fagerland, Lydersen & Laake 2014): 59 stunted both times, 6 in 2024
    only, 16 in 2025 only, 80 neither. Bontang has 40 other children in August 2024."""
    cells = [("both", 59, STUNTED, STUNTED), ("first", 6, STUNTED, NOT_STUNTED)]
    cells += [("second", 16, NOT_STUNTED, STUNTED), ("neither", 80, NOT_STUNTED, NOT_STUNTED)]
    rows = []
    for name, n, first, second in cells:
        for i in range(n):
            rows.append(measurement(f"{name}{i}", PERIAN, "2024-08-05", haz=first, age_days=TODDLER_DAYS))
            rows.append(
                measurement(f"{name}{i}", PERIAN, "2025-08-05", haz=second, age_days=TODDLER_DAYS + 365)
            )
    write(tmp_path, rows + children("b", BONTANG_VILLAGE, "2024-08-06", 40, 8, age_days=TODDLER_DAYS))
    return tmp_path


def test_one_area_in_two_periods_is_compared_as_paired_children(paired_store):
    from statsmodels.stats.contingency_tables import mcnemar

    top = compare.headline("stunting", PERIAN, PERIAN, "2024-08", "2025-08", data_dir=paired_store)
    assert (top.a.cases, top.a.measured, top.b.cases, top.b.measured) == (65, 161, 75, 161)
    assert top.children_in_both == 161 and top.relation == "same"
    # Newcombe's paired interval (1998c, method 10) as published for this table: -0.1186 to -0.0046.
    assert round(top.difference, 4) == -0.0621
    assert (round(top.ci_low, 4), round(top.ci_high, 4)) == (-0.1186, -0.0046)
    assert top.p_value == pytest.approx(
        mcnemar([[59, 6], [16, 80]], exact=False, correction=False).pvalue, rel=1e-9
    )
    note = compare.overlap_note(top, "id")
    assert "161 anak ditimbang pada kedua periode" in note and "Perian" in note
    assert "161 children were weighed in both periods" in compare.overlap_note(top, "en")


def test_an_area_inside_the_other_says_so_and_shares_its_children(paired_store):
    top = compare.headline("stunting", PERIAN, KUKAR, "2024-08", "2024-08", data_dir=paired_store)
    assert top.relation == "a_in_b" and top.children_in_both == 161  # Perian's children are Kukar's
    # Every child of a is in b: the difference with the whole region, not two independent samples.
    record = top.record("en")
    assert record["children_in_both"] == 161
    assert record["note"].startswith("Perian lies within Kabupaten Kutai Kartanegara")
    reverse = compare.headline(
        "stunting", BONTANG, BONTANG_VILLAGE, "2024-08", "2024-08", data_dir=paired_store
    )
    assert reverse.relation == "b_in_a" and reverse.children_in_both == 40
    assert "termasuk dalam Kota Bontang" in compare.overlap_note(reverse, "id")
    apart = compare.headline("stunting", KUKAR, BONTANG, data_dir=paired_store)
    assert apart.children_in_both == 0 and compare.overlap_note(apart, "id") is None


def _children_counted_by_hand(data_dir, regency: str, period: str) -> set[str]:
    """The children counted for stunting in ``regency`` in ``period``, from the stored measurements
    with pandas: each child's last measurement of the month with a defined, unflagged height-for-age
    z-score (the counting rule of docs/architecture.md), under 60 months."""
    import duckdb

    from stunting import store

    # Plain rows out of the parquet files; the counting itself is done below in pandas.
    frame = duckdb.sql(
        "SELECT child_id, village_code, period, measured_on, age_group, haz, haz_flag "
        "FROM read_parquet($files, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'})",
        params={"files": store.measurement_files(data_dir)},
    ).df()
    frame = frame[(frame["period"] == period) & frame["age_group"].notna()]
    frame = frame[frame["haz"].notna() & ~frame["haz_flag"].fillna(False).astype(bool)]
    last = frame.sort_values("measured_on").groupby("child_id").tail(1)
    return set(last.loc[last["village_code"].str.startswith(regency + "."), "child_id"])


def test_cli_reports_the_children_the_store_holds_in_both_periods(demo_dir, capsys):
    args = ["compare", "--a", KUKAR, "--b", KUKAR, "--period-a", "2024-08", "--period-b", "2025-08"]
    assert main([*args, "--indicator", "stunting", "--format", "json", "--data-dir", str(demo_dir)]) == 0
    out = json.loads(capsys.readouterr().out)
    both = _children_counted_by_hand(demo_dir, KUKAR, "2024-08") & _children_counted_by_hand(
        demo_dir, KUKAR, "2025-08"
    )
    assert len(both) > 0 and out["children_in_both"] == len(both)
    assert "weighed in both periods" in out["note"]
