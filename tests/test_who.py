"""WHO 2006 z-scores against references that do not come from our own L, M, S tables.

Sources (see tests/data/who/README.md):
- WHO's published SD tables (*_z_exp.txt), a sample in tests/data/who/who_sd_sample.csv;
- WHO's R package anthro, tests/testthat/*.R (github.com/WorldHealthOrganization/anthro);
- AnthStat, tests/WHO2006_Tests.cs (github.com/erik1066/anthstat-statistics): hand-computed z-scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stunting.who import lms_tables, value_at_z, zscores

WHO_SD_SAMPLE = Path(__file__).parent / "data" / "who" / "who_sd_sample.csv"
PUBLISHED_ROUNDING = 0.0005 + 1e-9  # WHO prints the SD tables with 3 decimals
Z_TOLERANCE = 0.01
BOY, GIRL = 1, 2
LYING, STANDING, UNKNOWN = True, False, None


def published_sd(indicator: str, sex: int, x: float, sd: int) -> float:
    table = pd.read_csv(WHO_SD_SAMPLE)
    row = table[(table.indicator == indicator) & (table.sex == sex) & (table.x == x) & (table.sd == sd)]
    assert len(row) == 1, f"no published {indicator} SD{sd} for sex {sex} at {x} in the sample"
    return float(row.value.iloc[0])


def children(*rows: tuple) -> pd.DataFrame:
    """Rows of (sex, age_days, weight_kg, lenhei_cm, measured_lying)."""
    frame = pd.DataFrame(rows, columns=["sex", "age_days", "weight_kg", "lenhei_cm", "measured_lying"])
    frame["measured_lying"] = frame["measured_lying"].astype("boolean")
    frame["age_days"] = frame["age_days"].astype("Int64")
    return frame


def one(sex, age_days, weight_kg, lenhei_cm, measured_lying) -> pd.Series:
    return zscores(children((sex, age_days, weight_kg, lenhei_cm, measured_lying))).iloc[0]


# --- 1. Our tables reproduce WHO's published SD tables ------------------------------------------


@pytest.mark.parametrize("row", list(pd.read_csv(WHO_SD_SAMPLE).itertuples(index=False)), ids=str)
def test_tables_reproduce_who_published_sd_values(row):
    ours = value_at_z(row.indicator, np.array([row.sex]), np.array([row.x]), np.array([float(row.sd)]))[0]
    assert ours == pytest.approx(row.value, abs=PUBLISHED_ROUNDING)


def test_tables_cover_day_0_to_1826_and_45_to_120_cm():
    tables = lms_tables()
    assert tables["lhfa"].size == tables["wfa"].size == 1827
    assert (tables["wfl"].first, tables["wfl"].size) == (450, 651)  # 45.0 .. 110.0 cm
    assert (tables["wfh"].first, tables["wfh"].size) == (650, 551)  # 65.0 .. 120.0 cm


# --- 2. A worked hand computation --------------------------------------------------------------


def test_worked_example_length_for_age_boy_44_days():
    # anthro's test-zscore-length-for-age.R reads L=1, M=56.4833, S=0.03492 for a boy of 44 days.
    t = lms_tables()["lhfa"]
    l, m, s = t.l[0, 44], t.m[0, 44], t.s[0, 44]  # noqa: E741
    assert (l, m, s) == (1.0, 56.4833, 0.03492)
    by_hand = ((50 / m) ** l - 1) / (s * l)  # z = ((y/M)^L - 1) / (S L) = -3.2873...
    assert round(by_hand, 2) == -3.29
    assert one(BOY, 44, np.nan, 50.0, LYING)["haz"] == -3.29


def test_worked_example_weight_for_age_girl_1522_days():
    # anthro's test-zscore-weight-for-age.R: a girl of 1522 days weighing 17 kg has WAZ 0.24.
    t = lms_tables()["wfa"]
    l, m, s = t.l[1, 1522], t.m[1, 1522], t.s[1, 1522]  # noqa: E741
    assert (l, m, s) == (-0.3387, 16.433, 0.14051)
    by_hand = ((17 / m) ** l - 1) / (s * l)
    assert round(by_hand, 2) == 0.24
    assert one(GIRL, 1522, 17.0, np.nan, UNKNOWN)["waz"] == 0.24


# --- 3. WHO anthro's own expected z-scores -----------------------------------------------------


def test_anthro_lying_from_24_months_loses_0_7_cm_and_is_flagged():
    # test-zscores.R "length for age uses adjusted lenhei": 987 days, 72.86 cm lying -> -6.09, flagged.
    result = one(BOY, 987, np.nan, 72.86, LYING)
    assert result["haz"] == pytest.approx(-6.09, abs=Z_TOLERANCE)
    assert result["haz_flag"]


def test_anthro_standing_under_9_months_counts_as_unknown_position():
    # test-zscores.R "young children with measured standing": 8 and 9 months (244, 274 days),
    # 60 cm standing -> -4.81 (no correction: position treated as unknown) and -5.02 (+0.7 cm).
    result = zscores(children((BOY, 244, np.nan, 60.0, STANDING), (BOY, 274, np.nan, 60.0, STANDING)))
    assert result["haz"].tolist() == pytest.approx([-4.81, -5.02], abs=Z_TOLERANCE)
    assert one(BOY, 244, np.nan, 60.0, UNKNOWN)["haz"] == result["haz"].iloc[0]


def test_anthro_day_273_is_under_9_months_and_day_274_is_not():
    # 273 / 30.4375 = 8.97 months: standing is implausible; 274 days = 9.002 months.
    assert one(BOY, 273, np.nan, 62.0, STANDING)["haz"] == one(BOY, 273, np.nan, 62.0, UNKNOWN)["haz"]
    assert one(BOY, 274, np.nan, 62.0, STANDING)["haz"] == one(BOY, 274, np.nan, 62.7, LYING)["haz"]


def test_anthro_height_at_24_months_standing_or_unknown():
    # test-zscores.R: a girl of 24 months (731 days), 77.5 cm, standing or unknown -> -2.55.
    result = zscores(children((GIRL, 731, 8.8, 77.5, STANDING), (GIRL, 731, 8.8, 77.5, UNKNOWN)))
    assert result["haz"].tolist() == pytest.approx([-2.55, -2.55], abs=Z_TOLERANCE)


def test_anthro_weight_for_age_flag_above_5():
    # test-zscore-weight-for-age.R: a girl of 1 day weighing 10.37 kg is flagged.
    result = one(GIRL, 1, 10.37, np.nan, UNKNOWN)
    assert result["waz"] > 5
    assert result["waz_flag"]


# --- 4. The 0.7 cm correction, both ways, against the published SD tables ---------------------


def test_standing_under_731_days_gains_0_7_cm():
    minus3 = published_sd("lhfa", BOY, 600, -3)  # 75.535 cm
    standing = one(BOY, 600, np.nan, round(minus3 - 0.7, 3), STANDING)
    unknown = one(BOY, 600, np.nan, round(minus3 - 0.7, 3), UNKNOWN)
    assert standing["haz"] == pytest.approx(-3.0, abs=Z_TOLERANCE)
    assert unknown["haz"] < -3.2  # the 0.7 cm is worth about a quarter of an SD here


def test_lying_from_731_days_loses_0_7_cm():
    plus2 = published_sd("lhfa", GIRL, 1200, 2)  # 105.285 cm
    lying = one(GIRL, 1200, np.nan, round(plus2 + 0.7, 3), LYING)
    unknown = one(GIRL, 1200, np.nan, round(plus2 + 0.7, 3), UNKNOWN)
    assert lying["haz"] == pytest.approx(2.0, abs=Z_TOLERANCE)
    assert unknown["haz"] > 2.15


def test_weight_for_height_uses_the_corrected_height():
    # 800 days lying at 100.7 cm is 100.0 cm standing: weight at WHO's +3 SD there gives WHZ 3.
    plus3 = published_sd("wfh", BOY, 100.0, 3)
    assert one(BOY, 800, plus3, 100.7, LYING)["whz"] == pytest.approx(3.0, abs=Z_TOLERANCE)


# --- 5. Weight-for-length/height: AnthStat's hand computations, interpolation, edges ----------


@pytest.mark.parametrize(
    ("sex", "age_days", "position", "cm", "kg", "expected"),
    [
        (GIRL, 100, LYING, 45.0, 3.0, 2.1134935536),  # first row of the length table
        (GIRL, 700, LYING, 110.0, 16.0, -1.4859353052),  # last row of the length table
        (BOY, 100, LYING, 49.9, 3.5, 0.6296164294),
        (BOY, 100, LYING, 48.11, 3.0, 0.1208645642),  # interpolated between 48.1 and 48.2 cm
        (BOY, 100, LYING, 48.165, 3.0, 0.0844198807),
        (GIRL, 800, STANDING, 65.0, 8.0, 1.0743800295),  # first row of the height table
        (BOY, 800, STANDING, 65.365, 7.6, 0.1307221031),  # interpolated
        (BOY, 800, STANDING, 120.0, 21.0, -0.6698800265),  # last row of the height table
    ],
)
def test_weight_for_length_height_matches_anthstat(sex, age_days, position, cm, kg, expected):
    assert one(sex, age_days, kg, cm, position)["whz"] == pytest.approx(expected, abs=Z_TOLERANCE)


@pytest.mark.parametrize(
    ("age_days", "position", "cm", "defined"),
    [
        (400, LYING, 45.0, True),
        (400, LYING, 44.9, False),
        (400, LYING, 110.0, True),
        (400, LYING, 110.1, False),
        (400, STANDING, 44.3, True),  # + 0.7 cm -> 45.0
        (400, STANDING, 44.2, False),  # + 0.7 cm -> 44.9
        (400, STANDING, 109.3, True),  # + 0.7 cm -> 110.0
        (400, STANDING, 109.4, False),  # + 0.7 cm -> 110.1
        (800, STANDING, 65.0, True),
        (800, STANDING, 64.9, False),
        (800, STANDING, 120.0, True),
        (800, STANDING, 120.1, False),
        (800, LYING, 65.7, True),  # - 0.7 cm -> 65.0
        (800, LYING, 65.6, False),  # - 0.7 cm -> 64.9
        (800, LYING, 120.7, True),  # - 0.7 cm -> 120.0
        (800, LYING, 120.8, False),  # - 0.7 cm -> 120.1
    ],
)
def test_weight_for_length_height_table_edges(age_days, position, cm, defined):
    whz = one(BOY, age_days, 10.0, cm, position)["whz"]
    assert np.isnan(whz) != defined


def test_weight_for_length_not_height_under_731_days_even_above_110_cm():
    # A 700-day child of 112 cm has no WHZ (the length table ends at 110), though the height
    # table would have one: anthro picks the table by age, not by size.
    assert np.isnan(one(BOY, 700, 19.0, 112.0, LYING)["whz"])
    assert not np.isnan(one(BOY, 731, 19.0, 112.0, STANDING)["whz"])


# --- 6. WHO's restricted z beyond +/-3 SD, both sides --------------------------------------------


def test_restricted_waz_above_3_matches_anthstat():
    # AnthStat: a boy of 0 days weighing 5.7 kg, restricted formula -> 4.0950052023.
    assert one(BOY, 0, 5.7, np.nan, UNKNOWN)["waz"] == pytest.approx(4.0950052023, abs=Z_TOLERANCE)


def test_restricted_waz_below_minus_3_from_published_sds():
    sd3, sd2 = published_sd("wfa", BOY, 1200, -3), published_sd("wfa", BOY, 1200, -2)
    half_beyond = sd3 - 0.5 * (sd2 - sd3)  # WHO: z = -3 + (y - SD3neg) / (SD2neg - SD3neg) = -3.5
    whole_beyond = sd3 - (sd2 - sd3)  # = -4
    result = zscores(
        children((BOY, 1200, half_beyond, np.nan, UNKNOWN), (BOY, 1200, whole_beyond, np.nan, UNKNOWN))
    )
    assert result["waz"].tolist() == pytest.approx([-3.5, -4.0], abs=Z_TOLERANCE)


@pytest.mark.parametrize(("sd", "expected"), [(3, 3.5), (-3, -3.5)])
def test_restricted_whz_both_sides_from_published_sds(sd, expected):
    sd3 = published_sd("wfh", BOY, 100.0, sd)
    sd2 = published_sd("wfh", BOY, 100.0, 2 if sd > 0 else -2)
    weight = sd3 + 0.5 * (sd3 - sd2)  # half the 2-3 SD distance beyond 3 SD
    whz = one(BOY, 800, weight, 100.0, STANDING)["whz"]
    assert whz == pytest.approx(expected, abs=Z_TOLERANCE)  # the plain LMS z would be 3.46 / -3.54


def test_restricted_inverse_gives_whos_4_sd_line():
    sd3, sd2 = published_sd("wfh", BOY, 110.0, 3), published_sd("wfh", BOY, 110.0, 2)
    four = value_at_z("wfh", np.array([BOY]), np.array([110.0]), np.array([4.0]))[0]
    assert four == pytest.approx(sd3 + (sd3 - sd2), abs=3 * PUBLISHED_ROUNDING)


def test_haz_is_not_restricted():
    # L = 1 for length: the plain z, far out, is linear in the length.
    t = lms_tables()["lhfa"]
    m, s = t.m[0, 500], t.s[0, 500]
    assert one(BOY, 500, np.nan, m * (1 - 5 * s), LYING)["haz"] == -5.0


# --- 7. The 60-month edge, missing and bad values --------------------------------------------


def test_day_1826_is_the_last_scored_day_and_1827_the_first_without():
    result = zscores(children((GIRL, 1826, 18.2, 109.4, STANDING), (GIRL, 1827, 18.2, 109.4, STANDING)))
    assert result.loc[0, ["haz", "waz", "whz"]].notna().all()
    assert result.loc[1, ["haz", "waz", "whz"]].isna().all()
    assert not result.loc[1, ["haz_flag", "waz_flag", "whz_flag"]].any()


@pytest.mark.parametrize("sex", [0, 3, np.nan])
def test_unknown_sex_gives_no_z_score(sex):
    result = zscores(children((sex, 400, 9.0, 75.0, LYING)))
    assert result[["haz", "waz", "whz"]].isna().all(axis=None)
    assert not result[["haz_flag", "waz_flag", "whz_flag"]].any(axis=None)


def test_negative_age_zero_weight_and_zero_length_give_no_z_score():
    result = zscores(
        children(
            (BOY, -1, 9.0, 75.0, LYING),
            (BOY, 400, 0.0, 75.0, LYING),
            (BOY, 400, 9.0, 0.0, LYING),
        )
    )
    assert result.loc[0, ["haz", "waz", "whz"]].isna().all()
    assert (
        np.isnan(result.loc[1, "waz"])
        and np.isnan(result.loc[1, "whz"])
        and not np.isnan(result.loc[1, "haz"])
    )
    assert (
        np.isnan(result.loc[2, "haz"])
        and np.isnan(result.loc[2, "whz"])
        and not np.isnan(result.loc[2, "waz"])
    )


def test_missing_age_keeps_whz_from_the_position_as_anthro_does():
    result = zscores(
        children(
            (BOY, None, 3.0, 48.11, LYING),  # length table
            (BOY, None, 7.6, 65.365, STANDING),  # height table
            (BOY, None, 12.0, 86.9, UNKNOWN),  # unknown: length table under 87 cm
            (BOY, None, 12.0, 87.0, UNKNOWN),  # height table from 87 cm
        )
    )
    assert result["haz"].isna().all() and result["waz"].isna().all()
    assert result["whz"].iloc[:2].tolist() == pytest.approx([0.1208645642, 0.1307221031], abs=Z_TOLERANCE)
    assert result["whz"].iloc[2] == one(BOY, 400, 12.0, 86.9, LYING)["whz"]
    assert result["whz"].iloc[3] == one(BOY, 800, 12.0, 87.0, STANDING)["whz"]


def test_position_as_object_column_with_none_and_nan_and_index_kept():
    frame = children(
        (BOY, 300, 8.0, 70.0, LYING), (BOY, 900, 12.0, 86.0, STANDING), (BOY, 900, 12.0, 86.0, UNKNOWN)
    )
    as_object = frame.assign(measured_lying=pd.Series([True, False, np.nan], dtype=object)).set_index(
        pd.Index([10, 20, 30])
    )
    expected = zscores(frame)
    got = zscores(as_object)
    assert got.index.tolist() == [10, 20, 30]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
    with pytest.raises(ValueError, match="measured_lying"):
        zscores(frame.assign(measured_lying=pd.Series(["L", None, None], dtype=object)))


# --- 8. Flags on the z rounded to 2 decimals -----------------------------------------------------


@pytest.mark.parametrize(
    ("column", "indicator", "x", "age_days", "position", "z", "rounded", "flagged"),
    [
        ("whz", "wfh", 100.0, 800, STANDING, 5.004, 5.0, False),
        ("whz", "wfh", 100.0, 800, STANDING, 5.006, 5.01, True),
        ("whz", "wfl", 70.0, 300, LYING, -5.004, -5.0, False),
        ("whz", "wfl", 70.0, 300, LYING, -5.006, -5.01, True),
        ("waz", "wfa", 400, 400, UNKNOWN, 5.004, 5.0, False),
        ("waz", "wfa", 400, 400, UNKNOWN, 5.006, 5.01, True),
        ("waz", "wfa", 400, 400, UNKNOWN, -6.004, -6.0, False),
        ("waz", "wfa", 400, 400, UNKNOWN, -6.006, -6.01, True),
        ("haz", "lhfa", 400, 400, LYING, 6.004, 6.0, False),
        ("haz", "lhfa", 400, 400, LYING, 6.006, 6.01, True),
        ("haz", "lhfa", 400, 400, LYING, -6.004, -6.0, False),
        ("haz", "lhfa", 400, 400, LYING, -6.006, -6.01, True),
    ],
)
def test_flags_at_the_thresholds(column, indicator, x, age_days, position, z, rounded, flagged):
    measure = value_at_z(indicator, np.array([BOY]), np.array([x]), np.array([z]))[0]
    if indicator == "lhfa":
        result = one(BOY, age_days, np.nan, measure, position)
    elif indicator == "wfa":
        result = one(BOY, age_days, measure, np.nan, position)
    else:
        result = one(BOY, age_days, measure, x, position)
    assert result[column] == rounded
    assert result[f"{column}_flag"] == flagged


# --- 9. value_at_z round trips -------------------------------------------------------------------


@pytest.mark.parametrize("indicator", ["lhfa", "wfa", "wfl", "wfh"])
def test_value_at_z_round_trips_through_zscores(indicator):
    rng = np.random.default_rng(7)
    n = 2000
    sex = rng.integers(1, 3, n)
    z = rng.integers(-550, 551, n) / 100  # on the 0.01 grid that zscores rounds to, |z| up to 5.5
    if indicator in ("lhfa", "wfa"):
        age = rng.integers(0, 1827, n)
        x = age
        lying = age < 731  # no 0.7 cm correction
    else:
        lying = indicator == "wfl"
        age = rng.integers(0, 731, n) if lying else rng.integers(731, 1827, n)
        x = np.round(rng.uniform(45, 110, n) if lying else rng.uniform(65, 120, n), 2)
        lying = np.full(n, lying)
    measure = value_at_z(indicator, sex, x, z)
    frame = pd.DataFrame(
        {
            "sex": sex,
            "age_days": age,
            "weight_kg": np.nan if indicator == "lhfa" else measure,
            "lenhei_cm": measure if indicator == "lhfa" else (x if indicator in ("wfl", "wfh") else np.nan),
            "measured_lying": pd.array(lying, dtype="boolean"),
        }
    )
    column = {"lhfa": "haz", "wfa": "waz", "wfl": "whz", "wfh": "whz"}[indicator]
    np.testing.assert_allclose(zscores(frame)[column].to_numpy(), z, atol=1e-9)


def test_value_at_z_outside_the_tables_is_nan():
    got = value_at_z("wfl", np.array([1, 1, 3]), np.array([44.9, 110.1, 70.0]), np.zeros(3))
    assert np.isnan(got).all()
    assert np.isnan(value_at_z("lhfa", np.array([1]), np.array([1827]), np.zeros(1))).all()
    with pytest.raises(ValueError, match="indicator"):
        value_at_z("bmi", np.array([1]), np.array([100]), np.zeros(1))
