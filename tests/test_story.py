"""Story files: the built-in story is complete in both languages, a story survives a save and a
reload unchanged, and every bad field gets one message naming its slide and field while the other
slides stay presentable."""

from __future__ import annotations

import pytest

from stunting.errors import UserError
from stunting.story import (
    BUILTIN_STORY,
    MAX_NESTING,
    MAX_SLIDES,
    MAX_STORY_BYTES,
    dump_story,
    load_story,
    moved,
    new_slide,
    parse_story,
    resolve,
    save_story,
    with_slide,
    without,
)

GOOD_SLIDE = """
  - page: map
    view: {indicator: stunting, period: 2024-08, regency: "64.02"}
    title: {id: Peta Kukar, en: Kukar map}
    narrative: {id: Narasi, en: Narrative}
"""


def story_text(*slides: str) -> str:
    return "title: {id: Cerita uji, en: Test story}\nslides:" + "".join(slides)


def one_error(bad_slide: str) -> str:
    """The single error of slide 2 when it sits between two good slides (which must stay good)."""
    story = parse_story(story_text(GOOD_SLIDE, bad_slide, GOOD_SLIDE))
    assert story.slides[0].ok and story.slides[2].ok
    assert len(story.slides[1].errors) == 1, story.slides[1].errors
    return story.slides[1].errors[0]


def test_builtin_story_is_complete_in_both_languages():
    story = load_story()
    assert story.errors == []
    # Issue 13 adds two slides "Apa yang dilakukan Kukar" (the programme map and the evaluation).
    assert 8 <= len(story.slides) <= 10
    assert {s.page for s in story.slides} == {"map", "compare", "evaluate"}
    assert {s.figure for s in story.slides} >= {"map", "headline", "trend", "ranking", "age_profile"}
    regencies_mapped = {s.view["regency"] for s in story.slides if s.page == "map"}
    assert regencies_mapped == {"64.02", "64.74"}
    for slide in story.slides:
        for lang in ("id", "en"):
            assert slide.title[lang] and len(slide.narrative[lang]) > 150
        # The delegation must never take the demo figures home as real ones.
        assert "sintetis" in slide.narrative["id"] and "synthetic" in slide.narrative["en"].lower()


def test_round_trip_through_yaml_and_a_file(tmp_path):
    story = load_story()
    assert parse_story(dump_story(story)) == story
    path = save_story(story, tmp_path / "cerita.yaml")
    assert load_story(path) == story
    assert not (tmp_path / "cerita.yaml.partial").exists()
    # Indonesian text stays readable in the file a presenter edits by hand.
    assert "Studi tiru Bontang – Kutai Kartanegara" in path.read_text("utf-8")


def test_edits_reorder_replace_and_delete_slides():
    story = load_story()
    first, second = story.slides[0], story.slides[1]
    swapped = moved(story, 0, +1)
    assert swapped.slides[:2] == (second, first)
    assert moved(story, 0, -1) == story  # the first slide cannot move further up
    assert without(story, 0).slides == story.slides[1:]
    added = with_slide(
        story, new_slide("map", {"indicator": "wasting", "period": "2024-02", "regency": "64.74"})
    )
    assert len(added.slides) == len(story.slides) + 1 and added.slides[-1].ok
    assert added.slides[-1].title == {
        "id": "Peta Wasting (gizi kurang) · Februari 2024 · Kota Bontang",
        "en": "Wasting map · February 2024 · Kota Bontang",
    }
    assert parse_story(dump_story(added)).slides[-1].view == added.slides[-1].view


def test_unquoted_codes_and_periods_read_as_text():
    story = parse_story(story_text(GOOD_SLIDE.replace('"64.02"', "64.02").replace("2024-08", "2024-08")))
    assert story.slides[0].view == {"indicator": "stunting", "period": "2024-08", "regency": "64.02"}


@pytest.mark.parametrize(
    ("bad_slide", "expected"),
    [
        (
            "\n  - page: map\n    title: {id: a, en: b}\n",
            "Slide 2, field 'view' is missing",
        ),
        (
            GOOD_SLIDE.replace("indicator: stunting", "indicator: stuntig"),
            "Slide 2, field 'view.indicator': 'stuntig' is not an indicator",
        ),
        (GOOD_SLIDE.replace("page: map", "page: peta"), "Slide 2, field 'page': 'peta' is not a page"),
        (GOOD_SLIDE.replace("2024-08", "Agustus 2024"), "Slide 2, field 'view.period': 'Agustus 2024'"),
        (GOOD_SLIDE.replace('"64.02"', '"64.99"'), "Slide 2, field 'view.regency': '64.99'"),
        (
            GOOD_SLIDE.replace('regency: "64.02"', 'regency: "64.74", kecamatan: "64.02.01"'),
            "Slide 2, field 'view.kecamatan': '64.02.01'",
        ),
        (GOOD_SLIDE.replace("en: Kukar map", "en: ''"), "Slide 2, field 'title.en' is missing or empty"),
        (GOOD_SLIDE + "    colour: red\n", "Slide 2, field 'colour': unknown field"),
        (
            '\n  - page: compare\n    figure: pie\n    view: {indicator: stunting, a: "64.02", b: "64.74", '
            "period: latest}\n    title: {id: a, en: b}\n",
            "Slide 2, field 'figure': 'pie' is not a part of the compare page",
        ),
        (
            '\n  - page: compare\n    figure: trend\n    view: {indicator: stunting, a: "64.02", b: "99.99", '
            "period: latest}\n    title: {id: a, en: b}\n",
            "Slide 2, field 'view.b': Area code '99.99' is not a regency of the gazetteer",
        ),
    ],
)
def test_each_bad_field_gets_one_message_naming_slide_and_field(bad_slide, expected):
    assert one_error(bad_slide).startswith(expected)


def test_several_bad_fields_get_one_message_each():
    bad = GOOD_SLIDE.replace("indicator: stunting", "indicator: x").replace("en: Kukar map", "en: ''")
    errors = parse_story(story_text(bad)).slides[0].errors
    assert len(errors) == 2
    assert any("indicator" in e for e in errors) and any("title.en'" in e for e in errors)


def test_a_period_without_data_breaks_only_its_slide():
    story = parse_story(story_text(GOOD_SLIDE, GOOD_SLIDE.replace("2024-08", "2031-02")))
    resolved = resolve(story, ["2024-02", "2024-08"])
    assert resolved.slides[0].ok
    (error,) = resolved.slides[1].errors
    assert error.startswith("Slide 2, field 'view.period': 2031-02 has no data in the store")


def test_latest_follows_the_store():
    story = parse_story(story_text(GOOD_SLIDE.replace("2024-08", "latest")))
    assert resolve(story, ["2019-02", "2025-08"]).slides[0].view["period"] == "2025-08"
    (error,) = resolve(story, []).slides[0].errors
    assert "no data yet" in error


def test_a_broken_slide_is_saved_as_it_was_read():
    story = parse_story(story_text(GOOD_SLIDE.replace("indicator: stunting", "indicator: x")))
    again = parse_story(dump_story(story))
    assert again.slides[0].raw["view"]["indicator"] == "x" and not again.slides[0].ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [unclosed\n", "is not valid YAML at line"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("title: {id: a, en: b}\nslides: []\n", "field 'slides' must be a list of at least one slide"),
        ("title: {id: a}\nslides:" + GOOD_SLIDE, "field 'title.en' is missing or empty"),
        ("title: {id: a, en: b}\nslides:" + GOOD_SLIDE * (MAX_SLIDES + 1), f"at most {MAX_SLIDES}"),
    ],
)
def test_a_file_that_is_no_story_is_refused_in_one_sentence(text, expected):
    with pytest.raises(UserError) as caught:
        parse_story(text, "upload.yaml")
    message = str(caught.value)
    assert expected in message and message.startswith("upload.yaml")
    assert "\n" not in message


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_story(tmp_path / "nope.yaml")
    assert BUILTIN_STORY.exists()


# 505 bytes: nine levels of nine aliases each, 9**9 (387 million) leaves once expanded.
ALIAS_BOMB = (
    "a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "title: {id: a, en: b}\nslides: *i\n"
)


def test_an_alias_bomb_is_refused_at_its_first_anchor_in_one_short_sentence():
    assert len(ALIAS_BOMB.encode()) < 600
    with pytest.raises(UserError) as caught:
        parse_story(ALIAS_BOMB, "bomb.yaml")
    assert str(caught.value) == (
        "bomb.yaml, line 1, column 4: YAML anchors and aliases (& and *) are not allowed in a story."
    )


def test_an_alias_is_refused_even_without_expansion():
    text = story_text(GOOD_SLIDE) + "  - *first\n"
    text = text.replace("  - page: map", "  - &first\n    page: map", 1)
    with pytest.raises(UserError, match=r"upload.yaml, line 3, column 5: YAML anchors and aliases"):
        parse_story(text, "upload.yaml")


def test_nesting_deeper_than_a_story_is_refused_with_its_place():
    deep = "title: {id: a, en: b}\nslides:\n  - view: " + "[" * 50 + "]" * 50 + "\n"
    with pytest.raises(UserError) as caught:
        parse_story(deep, "deep.yaml")
    # Story, slide list and slide are three levels; the first "[" (column 11) is the fourth.
    column = 11 + MAX_NESTING - 3
    assert str(caught.value).startswith(f"deep.yaml, line 3, column {column}: nested more than")


def test_ten_thousand_slides_are_refused_before_any_slide_is_checked():
    text = "title: {id: a, en: b}\nslides:\n" + "  - {}\n" * 10_000
    assert len(text.encode()) < MAX_STORY_BYTES
    with pytest.raises(UserError, match=f"has 10000 slides; a story holds at most {MAX_SLIDES}"):
        parse_story(text, "many.yaml")


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (("page: map", "page: [" + ", ".join(["peta"] * 5000) + "]"), "field 'page': a list of 5,000 items"),
        (("page: map", "page: " + "p" * 20_000), "field 'page': a text of 20,000 characters is not a page"),
        (
            ('regency: "64.02"', 'regency: "64.02", ' + "k" * 1000 + ": 1"),
            "field 'view': unknown field a text of 1,000 characters",
        ),
        (('regency: "64.02"', "regency: " + "6" * 300), "field 'view.regency' must be a code, a month"),
        (
            ("indicator: stunting", "indicator: {a: 1, b: 2}"),
            "must be a code, a month or a choice of at most",
        ),
    ],
)
def test_messages_describe_a_bad_value_by_type_and_size_not_by_content(replace, expected):
    bad = GOOD_SLIDE.replace(*replace)
    message = one_error(bad)
    assert expected in message and message.startswith("Slide 2")
    assert len(message) < 300


@pytest.mark.parametrize(
    ("view", "error"),
    [
        ({"level": "national"}, None),
        ({"level": "province", "province": 64}, None),  # YAML reads the code as a number
        ({"level": "province", "province": "99"}, "'view.province': '99' is not a province code"),
        ({"level": "village", "regency": "64.02"}, "'view.level': 'village' is not a map of its own"),
        ({}, "'view.regency' is missing"),
        ({"level": "province", "province": "33", "areas": "kecamatan"}, None),  # its 576 kecamatan
        (
            {"level": "province", "province": "33", "areas": "villages"},
            "'view.areas': 'villages' is not valid",
        ),
        ({"regency": "64.02", "areas": "kecamatan"}, "'view.areas': 'kecamatan' is not valid here"),
    ],
)
def test_a_map_slide_names_the_national_or_a_province_map_by_its_level(view, error):
    from stunting.story import parse_slide

    base = {"indicator": "stunting", "period": "latest"}
    slide = parse_slide({"page": "map", "title": {"id": "t", "en": "t"}, "view": base | view}, 1)
    if error is None:
        assert slide.ok, slide.errors
    else:
        assert not slide.ok and any(error in e for e in slide.errors), slide.errors
