"""Class breaks: WHO/UNICEF thresholds with the right closed/open ends, and data-driven alternatives."""

from __future__ import annotations

import numpy as np
import pytest

from stunting.classes import DATA_DRIVEN_PALETTES, PALETTES, make_scheme, who_classes


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.0, 0),
        (0.0249, 0),
        (0.025, 1),
        (0.0999, 1),
        (0.10, 2),
        (0.1999, 2),
        (0.20, 3),
        (0.2999, 3),
        (0.30, 4),
        (0.95, 4),
    ],
)
def test_stunting_thresholds_de_onis_2019(rate, expected):
    # de Onis et al. 2019: very low < 2.5%, low 2.5-<10, medium 10-<20, high 20-<30, very high >= 30
    assert who_classes("stunting").classify([rate])[0] == expected


@pytest.mark.parametrize(
    ("rate", "expected"), [(0.024, 0), (0.025, 1), (0.05, 2), (0.0999, 2), (0.10, 3), (0.15, 4)]
)
def test_wasting_thresholds_de_onis_2019(rate, expected):
    assert who_classes("wasting").classify([rate])[0] == expected


def test_underweight_has_the_four_who_1995_classes_and_severe_stunting_uses_wasting_edges():
    underweight = who_classes("underweight")
    assert underweight.edges == (0.0, 0.10, 0.20, 0.30)
    assert underweight.classify([0.09, 0.10, 0.25, 0.31]).tolist() == [0, 1, 2, 3]
    assert who_classes("severe_stunting").edges == who_classes("wasting").edges
    assert "severe" in who_classes("severe_stunting").source_key


def test_missing_rates_get_no_class():
    assert who_classes("stunting").classify([np.nan, 0.3]).tolist() == [-1, 4]


def test_palettes_are_sequential_light_to_dark():
    def luminance(hex_colour):
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for colours in [*PALETTES.values(), *DATA_DRIVEN_PALETTES.values()]:
        lum = [luminance(c) for c in colours]
        assert lum == sorted(lum, reverse=True)


def test_quantiles_split_the_villages_evenly():
    rates = np.linspace(0.01, 0.50, 100)
    scheme = make_scheme("quantiles", "stunting", rates)
    counts = np.bincount(scheme.classify(rates), minlength=len(scheme))
    assert len(scheme) == 5
    assert counts.tolist() == [20, 20, 20, 20, 20]


def test_natural_breaks_find_obvious_clusters():
    rates = np.array([0.05, 0.06, 0.07, 0.20, 0.21, 0.22, 0.40, 0.41, 0.60, 0.61, 0.80, 0.81])
    scheme = make_scheme("natural_breaks", "stunting", rates)
    assert scheme.classify(rates).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4]


def test_data_driven_with_few_distinct_rates_and_with_none():
    assert len(make_scheme("quantiles", "stunting", [0.1, 0.1, 0.2])) == 2
    assert len(make_scheme("natural_breaks", "stunting", [np.nan])) == 1
    with pytest.raises(ValueError):
        make_scheme("equal", "stunting", [0.1])


@pytest.mark.parametrize("method", ["quantiles", "natural_breaks"])
def test_data_driven_classes_never_look_or_read_like_who_classes(method):
    # A top quintile at 20% is no public-health "very high": its colours and words are its own.
    from geo.choropleth import class_label
    from stunting.i18n import CATALOGUE

    rates = np.linspace(0.05, 0.25, 50)
    scheme = make_scheme(method, "stunting", rates)
    who_colours = {colour for colours in PALETTES.values() for colour in colours}
    assert not who_colours & set(scheme.colours)
    who_words = {
        CATALOGUE[f"class.{name}"][lang]
        for name in ("very_low", "low", "medium", "high", "very_high")
        for lang in ("id", "en")
    }
    for lang, rank_word in (("id", "dari 5"), ("en", "of 5")):
        labels = [class_label(scheme, i, lang) for i in range(len(scheme))]
        assert all(rank_word in label for label in labels), labels
        assert not any(f"({word})" in label for label in labels for word in who_words), labels
    assert class_label(scheme, 4, "id").endswith("5 dari 5)")
