"""Shareable links: the exact view a link asks for, or the default view and a notice for junk."""

from __future__ import annotations

import pytest

from stunting import scope
from stunting.viewstate import ViewState, default_state, parse_query, to_query, validate

PERIODS = ["2023-08", "2024-02", "2024-08"]


@pytest.fixture(scope="module")
def gaz(tmp_path_factory):
    # The villages the app offers (stunting.scope): on an empty data dir, the home area's two regencies.
    return scope.villages(tmp_path_factory.mktemp("empty"))


def test_the_issue_link_opens_that_view(gaz):
    state, rejected = parse_query(
        {"lang": "en", "indicator": "wasting", "period": "2024-08", "regency": "64.74"}, PERIODS, gaz
    )
    assert rejected == []
    assert state == ViewState(lang="en", indicator="wasting", period="2024-08", regency="64.74")


def test_no_parameters_is_the_default_view(gaz):
    state, rejected = parse_query({}, PERIODS, gaz)
    assert rejected == []
    assert state == default_state(PERIODS) == ViewState(period="2024-08")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"lang": "fr"}, "lang"),
        ({"indicator": "obesity'; DROP TABLE x"}, "indicator"),
        ({"period": "2019-08"}, "period"),
        ({"period": "2024-13"}, "period"),
        ({"period": "../../etc"}, "period"),
        ({"regency": "64.99"}, "regency"),  # no such regency (64.71 Balikpapan opens: any of the 514)
        ({"level": "planet"}, "level"),
        ({"level": "province"}, "level"),  # a province view needs its province
        ({"province": "99"}, "province"),
        ({"kecamatan": "64.74.99"}, "kecamatan"),
        ({"village": "1 OR 1=1"}, "village"),
        ({"sex": "X"}, "sex"),
        ({"age": "60-71"}, "age"),
        ({"classes": "equal"}, "classes"),
    ],
)
def test_junk_falls_back_to_the_default_and_is_reported(gaz, params, name):
    state, rejected = parse_query(params, PERIODS, gaz)
    assert rejected == [(name, params[name])]
    assert getattr(state, name) == getattr(default_state(PERIODS), name)


def test_kecamatan_and_village_must_lie_in_the_chosen_area(gaz):
    bontang_village = gaz[gaz["regency_code"] == "64.74"]["code"].iloc[0]
    kukar_kecamatan = gaz[gaz["regency_code"] == "64.02"]["kecamatan_code"].iloc[0]
    state, rejected = parse_query({"regency": "64.02", "village": bontang_village}, PERIODS, gaz)
    assert state.village is None and rejected == [("village", bontang_village)]
    state, rejected = parse_query({"regency": "64.74", "kecamatan": kukar_kecamatan}, PERIODS, gaz)
    assert state.kecamatan is None and rejected == [("kecamatan", kukar_kecamatan)]
    state, rejected = parse_query({"regency": "all", "village": bontang_village}, PERIODS, gaz)
    assert state.village == bontang_village and rejected == []


def test_round_trip_and_lists_take_the_last_value(gaz):
    village = gaz[gaz["regency_code"] == "64.74"].iloc[2]
    state = ViewState(
        lang="en",
        indicator="underweight",
        period="2024-02",
        regency="64.74",
        kecamatan=village["kecamatan_code"],
        village=village["code"],
        sex="P",
        age="24-59",
        classes="quantiles",
    )
    assert parse_query(to_query(state), PERIODS, gaz) == (state, [])
    assert parse_query({"lang": ["id", "en"]}, PERIODS, gaz)[0].lang == "en"


def test_empty_store_has_no_period(gaz):
    state, rejected = parse_query({"period": "2024-08"}, [], gaz)
    assert state.period is None and rejected == [("period", "2024-08")]


@pytest.mark.parametrize(
    ("params", "level", "area"),
    [
        ({"level": "national"}, "national", None),
        ({"province": "64"}, "province", "64"),
        ({"regency": "64.01"}, "regency", "64.01"),  # Paser: not shown yet, still opens
        ({"kecamatan": "64.02.06"}, "kecamatan", "64.02.06"),
        ({"kecamatan": "64.01.01"}, "kecamatan", "64.01.01"),  # its regency follows from the code
        ({"level": "province", "province": "63", "regency": "64.02"}, "province", "63"),
    ],
)
def test_every_level_has_its_link(gaz, params, level, area):
    state, rejected = parse_query(params, PERIODS, gaz)
    assert rejected == []
    assert (state.level, state.area_code) == (level, area)
    if level == "kecamatan":
        assert state.regency == area[:5] and state.kecamatan == area
    assert parse_query(to_query(state), PERIODS, gaz) == (state, [])


def test_the_level_links_read_as_the_issue_writes_them(gaz):
    assert to_query(parse_query({"level": "national"}, PERIODS, gaz)[0])["level"] == "national"
    province = to_query(parse_query({"province": "64"}, PERIODS, gaz)[0])
    assert (province["level"], province["province"]) == ("province", "64")
    # A regency or kecamatan link stays as it was before levels existed: no level parameter.
    assert "level" not in to_query(parse_query({"regency": "64.74"}, PERIODS, gaz)[0])
    assert "level" not in to_query(parse_query({"kecamatan": "64.02.06"}, PERIODS, gaz)[0])


def test_a_kecamatan_of_another_regency_is_refused_and_the_level_falls_back(gaz):
    state, rejected = parse_query({"regency": "64.74", "kecamatan": "64.02.06"}, PERIODS, gaz)
    assert rejected == [("kecamatan", "64.02.06")]
    assert (state.level, state.area_code) == ("regency", "64.74")
    fixed, names = validate(ViewState(period="2024-08", level="kecamatan"), PERIODS, gaz)
    assert fixed.level == "regency" and names == ["level"]


def test_a_province_view_of_its_kecamatan_has_its_link_and_the_default_adds_nothing(gaz):
    state, rejected = parse_query({"province": "33", "areas": "kecamatan"}, PERIODS, gaz)
    assert rejected == []
    assert (state.level, state.area_code, state.areas, state.areas_level) == (
        "province",
        "33",
        "kecamatan",
        "kecamatan",
    )
    query = to_query(state)
    assert query["areas"] == "kecamatan" and query["province"] == "33"
    assert parse_query(query, PERIODS, gaz) == (state, [])
    # The default (its regencies) is not written, so the links made before stay as they were.
    regencies, rejected = parse_query({"province": "33"}, PERIODS, gaz)
    assert (
        regencies.areas is None and regencies.areas_level == "regency" and "areas" not in to_query(regencies)
    )
    assert parse_query({"province": "33", "areas": "regency"}, PERIODS, gaz) == (regencies, [])


@pytest.mark.parametrize(
    "params",
    [
        {"province": "33", "areas": "villages"},  # not a choice
        {"regency": "64.02", "areas": "kecamatan"},  # a regency view draws its villages
        {"level": "national", "areas": "kecamatan"},
    ],
)
def test_areas_outside_a_province_view_are_refused(gaz, params):
    state, rejected = parse_query(params, PERIODS, gaz)
    assert rejected == [("areas", params["areas"])] and state.areas is None
    assert "areas" not in to_query(state)


def test_each_gazetteer_frame_answers_for_its_own_villages(gaz):
    # validate remembers a frame's codes: a second frame (one kecamatan's villages only) must be
    # answered from its own rows, checked here against the rows themselves.
    kukar = gaz[gaz["regency_code"] == "64.02"]
    first_kecamatan, last_kecamatan = kukar["kecamatan_code"].iloc[0], kukar["kecamatan_code"].iloc[-1]
    inside = kukar[kukar["kecamatan_code"] == first_kecamatan].copy()
    village_elsewhere = kukar[kukar["kecamatan_code"] == last_kecamatan]["code"].iloc[0]
    asked = {"regency": "64.02", "kecamatan": last_kecamatan, "village": village_elsewhere}
    for _ in range(2):  # the second time from what was remembered
        state, rejected = parse_query(asked, PERIODS, gaz)
        assert rejected == [] and state.village == village_elsewhere
        state, rejected = parse_query(asked, PERIODS, inside)
        assert state.kecamatan is None and state.village is None
        assert [name for name, _ in rejected] == ["kecamatan", "village"]
