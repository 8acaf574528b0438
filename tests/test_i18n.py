"""The UI catalogue is complete in both languages and numbers read the way each language writes them."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from stunting import i18n
from stunting.i18n import CATALOGUE, LANGUAGES, fmt_children, fmt_date, fmt_month, fmt_percent, fmt_points, t

REPO = Path(__file__).resolve().parent.parent


def test_every_key_has_every_language_and_no_empty_text():
    missing = [(key, lang) for key, texts in CATALOGUE.items() for lang in LANGUAGES if not texts.get(lang)]
    assert missing == []
    extra = [
        (key, set(texts) - set(LANGUAGES)) for key, texts in CATALOGUE.items() if set(texts) - set(LANGUAGES)
    ]
    assert extra == []


def test_both_languages_use_the_same_placeholders():
    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    differing = [key for key, texts in CATALOGUE.items() if fields(texts["id"]) != fields(texts["en"])]
    assert differing == []


def test_a_key_defined_in_two_sections_is_refused():
    with pytest.raises(ValueError, match="defined twice"):
        i18n._merge(({"x": {"id": "a", "en": "a"}}, {"x": {"id": "b", "en": "b"}}))


def test_every_key_used_in_the_app_code_exists():
    # t("some.key", ...) calls in the app's files must name catalogue keys (f-string keys are checked
    # by the tests that render them).
    sources = [
        REPO / "app.py",
        *REPO.glob("pages/*.py"),
        *REPO.glob("ui/*.py"),
        *REPO.glob("geo/*.py"),
        *REPO.glob("charts/*.py"),
    ]
    used = set()
    for path in sources:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']\s*[,)]""", path.read_text()))
    assert used, "no t() calls found: the pattern no longer matches the code"
    assert sorted(used - CATALOGUE.keys()) == []


def test_percent_count_and_dates_per_language():
    assert fmt_percent(0.2714, "id") == "27,1%"
    assert fmt_percent(0.2714, "en") == "27.1%"
    assert fmt_percent(0.10, "id", decimals=0) == "10%"
    assert fmt_percent(float("nan"), "id") == "–"
    assert fmt_children(1234, "id") == "1.234 anak"
    assert fmt_children(1234, "en") == "1,234 children"
    assert fmt_date(dt.date(2024, 8, 13), "id") == "13 Agustus 2024"
    assert fmt_date(dt.date(2024, 8, 13), "en") == "13 August 2024"
    assert fmt_month("2024-08", "id") == "Agustus 2024"
    assert fmt_month("2024-02", "en") == "February 2024"
    assert fmt_points(0.0123, "id") == "+1,2"
    assert fmt_points(-0.05, "en") == "-5.0"


def test_templates_fill_and_unknown_language_is_refused():
    assert t("rate.with_ci", "id", rate="27,1%", low="22,0%", high="32,9%") == "27,1% (IK 95%: 22,0%–32,9%)"
    with pytest.raises(ValueError):
        t("app.title", "fr")


def test_year_before():
    assert i18n.period_a_year_before("2024-08") == "2023-08"
    with pytest.raises(ValueError):
        i18n.period_date("2024-8")
