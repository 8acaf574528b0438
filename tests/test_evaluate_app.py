"""The "Apakah berhasil?" page (AppTest on the small demo store) and its builders."""

from __future__ import annotations

import functools

import pytest

from charts import evaluate as charts
from stunting.config import MIN_CHILDREN, REPO_ROOT
from stunting.evaluate import evaluate_programme
from stunting.i18n import t

PAGE = str(REPO_ROOT / "pages" / "evaluate.py")


@pytest.fixture
def page(run_page):
    return functools.partial(run_page, PAGE)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_page_shows_estimate_interval_verdict_and_warnings(page, demo_dir, lang):
    at = page(lang=lang, regency="64.02", session_state={"eval_programme": "baas"})
    result, _ = evaluate_programme("baas", "64.02", data_dir=demo_dir)
    (metric,) = at.metric
    assert metric.value == charts.estimate_text(result, lang)
    captions = [c.value for c in at.caption]
    assert charts.interval_text(result, lang) in captions
    assert charts.odds_text(result, lang) in captions
    shown = [w.value for w in at.warning] + [s.value for s in at.success]
    assert charts.verdict_text(result, lang) in shown
    for sentence in charts.warning_texts(result, lang):
        assert sentence in shown
    assert len(at.get("plotly_chart")) == 2
    assert at.dataframe, "the recovery and where-to-act tables"


def test_verdict_never_overstates_when_the_interval_contains_zero(demo_dir):
    result, _ = evaluate_programme("raga_pantas", "64.02", data_dir=demo_dir)
    if result.ci_low <= 0 <= result.ci_high:
        assert charts.verdict_text(result, "id").startswith("Tidak dapat disimpulkan")
    result.ci_low, result.ci_high, result.verdict = -0.01, 0.02, "cannot_conclude"
    assert charts.verdict_text(result, "id") == t("evaluate.verdict.cannot_conclude", "id")


def test_both_regencies_ask_for_one(page):
    at = page(lang="id", regency="all")
    assert t("evaluate.regency_needed", "id") in [i.value for i in at.info]


def test_event_study_chart_marks_the_reference_period_and_keeps_every_period(demo_dir):
    result, _ = evaluate_programme("baas", "64.02", data_dir=demo_dir)
    figure = charts.event_figure(result, "en")
    (trace,) = figure.data
    events = result.event_study
    shown = events[(events["villages"] >= 10) | (events["relative_period"] == -1)]
    assert list(trace.x) == sorted(shown["relative_period"])
    assert 0.0 in list(trace.y)  # the reference period (-1)
    groups = charts.groups_figure(result, "id")
    names = {trace.name for trace in groups.data if trace.name}
    assert names == {t("evaluate.group.treated", "id"), t("evaluate.group.control", "id")}


def test_recovery_table_words_groups_severity_and_suppression():
    import pandas as pd

    frame = pd.DataFrame(
        {"period": ["2025-02"] * 3, "group": ["fostered", "not_fostered", "not_fostered"], "window": 6,
         "stunted": [9, 300, 80], "followed": [6, 200, 60], "recovered": [3, 100, 15],
         "severe": [True, False, True], "share": [float("nan"), 0.5, 0.25],
         "ci_low": [float("nan"), 0.43, 0.16], "ci_high": [float("nan"), 0.57, 0.37],
         "suppressed": [True, False, False]}
    )  # fmt: skip
    table = charts.recovery_table(frame, 6, "id")
    groups = table[t("evaluate.recovery.column.group", "id")].tolist()
    assert groups == ["Anak lain · sangat pendek", "Anak lain · pendek", "Anak asuh · sangat pendek"]
    shares = table[t("evaluate.recovery.column.share", "id")].tolist()
    assert shares[-1] == t("rate.too_few", "id", minimum=MIN_CHILDREN)
    assert shares[1] == "50,0% (IK 95%: 43,0%–57,0%)"


def test_story_slides_what_kukar_did_render_with_their_source(demo_dir):
    from render import StoryRenderer
    from stunting.story import load_story

    story = load_story()
    ours = [n for n, slide in enumerate(story.slides, 1) if slide.page == "evaluate"]
    assert len(ours) == 2 and all(story.slides[n - 1].ok for n in ours)
    renderer = StoryRenderer(demo_dir)
    for number in ours:
        rendered = renderer.render(story.slides[number - 1], number, "id")
        assert rendered.error is None and rendered.png.startswith(b"\x89PNG")
        assert "data contoh (sintetis)" in rendered.source and "anak" in rendered.source


def test_a_bad_evaluation_slide_names_its_field():
    from stunting.story import parse_slide

    slide = parse_slide(
        {"page": "evaluate", "figure": "evaluation", "view": {"indicator": "stunting", "programme": "baas",
         "regency": "99.99", "period": "latest"}, "title": {"id": "x", "en": "x"}}, 3
    )  # fmt: skip
    assert slide.errors == (
        "Slide 3, field 'view.regency': '99.99' is not a regency of the gazetteer "
        "(codes like 64.02; python -m stunting areas --level regency lists them).",
    )
