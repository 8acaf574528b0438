"""Colour classes for prevalence maps: WHO/UNICEF thresholds by default, quantiles or natural breaks.

A class scheme is a list of lower edges (fractions 0-1): class ``i`` holds rates with
``edges[i] <= rate < edges[i + 1]``, the last class is open-ended. Only rates resting on enough
children are classified; "too few children" and "no data" are separate states (see
geo/choropleth.py) and never take a class colour.

Default thresholds, per indicator:
- stunting: < 2.5, 2.5-< 10, 10-< 20, 20-< 30, >= 30% - de Onis M, et al. Prevalence thresholds
  for wasting, overweight and stunting in children under 5 years. Public Health Nutr 2019;22(1):175-9.
- wasting: < 2.5, 2.5-< 5, 5-< 10, 10-< 15, >= 15% - same paper.
- underweight: < 10, 10-< 20, 20-< 30, >= 30% - WHO Expert Committee, Physical status: the use and
  interpretation of anthropometry, WHO TRS 854 (1995), as used by the WHO Nutrition Landscape (NLiS).
- severe stunting: WHO publishes no prevalence classes. Its rates are of the size of wasting rates
  (a few percent to about 15%), so the app uses the wasting thresholds and says so in the legend.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

METHODS = ("who", "quantiles", "natural_breaks")
DEFAULT_METHOD = "who"

# Five classes read well on a projector; more shades of one hue blur together on a washed-out screen.
DATA_DRIVEN_CLASSES = 5

# ColorBrewer YlOrRd (Brewer & Harrower): sequential, colour-blind safe and print friendly. The
# "too few" grey and the "no data" white (geo/choropleth.py) carry no hue, so neither reads as a rate.
PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
}

# Quantiles and natural breaks rank villages against each other, not against a public-health threshold:
# ColorBrewer PuBu, a hue of its own, so a top quintile at 20% never looks like WHO's "very high" red.
DATA_DRIVEN_PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#74a9cf",),
    2: ("#a6bddb", "#2b8cbe"),
    3: ("#ece7f2", "#a6bddb", "#2b8cbe"),
    4: ("#f1eef6", "#bdc9e1", "#74a9cf", "#0570b0"),
    5: ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"),
}

_FIVE_NAMES = ("very_low", "low", "medium", "high", "very_high")
_FOUR_NAMES = ("low", "medium", "high", "very_high")

WHO_EDGES: dict[str, tuple[float, ...]] = {
    "stunting": (0.0, 0.025, 0.10, 0.20, 0.30),
    "wasting": (0.0, 0.025, 0.05, 0.10, 0.15),
    "underweight": (0.0, 0.10, 0.20, 0.30),
    "severe_stunting": (0.0, 0.025, 0.05, 0.10, 0.15),
}
# i18n key naming where the thresholds come from, shown under the legend.
WHO_SOURCE_KEYS = {
    "stunting": "legend.source.who_stunting",
    "wasting": "legend.source.who_wasting",
    "underweight": "legend.source.who_underweight",
    "severe_stunting": "legend.source.severe_stunting",
}


@dataclass(frozen=True)
class ClassScheme:
    method: str
    edges: tuple[float, ...]  # lower edge of each class, fractions 0-1, strictly increasing
    colours: tuple[str, ...]
    # i18n "class.*" suffix of each class: WHO's words ("tinggi") for WHO classes; for data-driven ones
    # the method's own word, filled with the class's rank ("kuantil 5 dari 5").
    names: tuple[str, ...]
    source_key: str  # i18n key for the legend's source line

    def __len__(self) -> int:
        return len(self.edges)

    def classify(self, rates) -> np.ndarray:
        """Class index of each rate; -1 where the rate is missing (NaN/None)."""
        values = np.asarray(rates, dtype="float64")
        index = np.searchsorted(np.asarray(self.edges), values, side="right") - 1
        index = np.clip(index, 0, len(self.edges) - 1)
        return np.where(np.isnan(values), -1, index)

    def colour(self, rate: float) -> str:
        return self.colours[int(self.classify([rate])[0])]


def who_classes(indicator: str) -> ClassScheme:
    """The WHO/UNICEF public-health classes for ``indicator`` (see the module docstring)."""
    if indicator not in WHO_EDGES:
        raise ValueError(f"no WHO classes for indicator {indicator!r}")
    edges = WHO_EDGES[indicator]
    names = _FIVE_NAMES if len(edges) == 5 else _FOUR_NAMES
    return ClassScheme("who", edges, PALETTES[len(edges)], names, WHO_SOURCE_KEYS[indicator])


def _data_driven(method: str, rates, k: int) -> ClassScheme:
    import mapclassify

    values = np.asarray(rates, dtype="float64")
    values = values[~np.isnan(values)]
    unique = np.unique(values)
    if len(unique) == 0:
        edges: tuple[float, ...] = (0.0,)
    elif len(unique) <= k:
        edges = (0.0, *unique[1:])
    else:
        with warnings.catch_warnings():
            # mapclassify tells us numba would be faster; 252 villages do not need it.
            warnings.simplefilter("ignore", UserWarning)
            if method == "quantiles":
                bins = mapclassify.Quantiles(values, k=k).bins
            else:
                bins = mapclassify.FisherJenks(values, k=k).bins
        # mapclassify's bins are inclusive upper bounds; ours are lower edges. The next class starts
        # just above each bin, so the smallest value greater than the bin is its edge.
        starts = [values[values > b].min() for b in bins[:-1] if (values > b).any()]
        edges = tuple(sorted({0.0, *starts}))
    return ClassScheme(
        method,
        tuple(float(e) for e in edges),
        DATA_DRIVEN_PALETTES[len(edges)],
        (method,) * len(edges),
        f"legend.source.{method}",
    )


def make_scheme(method: str, indicator: str, rates=()) -> ClassScheme:
    """The class scheme for ``method`` (one of METHODS); ``rates`` are the mapped, unsuppressed rates."""
    if method == "who":
        return who_classes(indicator)
    if method in ("quantiles", "natural_breaks"):
        return _data_driven(method, rates, DATA_DRIVEN_CLASSES)
    raise ValueError(f"class method must be one of {METHODS}, not {method!r}")
