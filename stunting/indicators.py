"""The product's indicators, age groups and sexes: one definition used by ingest, queries and pages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Indicator:
    name: str
    zscore: str  # store column holding the z-score
    flag: str  # store column holding its WHO implausibility flag
    cutoff: float  # a child counts as a case when z < cutoff


INDICATORS: dict[str, Indicator] = {
    "stunting": Indicator("stunting", "haz", "haz_flag", -2.0),
    "severe_stunting": Indicator("severe_stunting", "haz", "haz_flag", -3.0),
    "wasting": Indicator("wasting", "whz", "whz_flag", -2.0),
    "underweight": Indicator("underweight", "waz", "waz_flag", -2.0),
}

# WHO's average month; anthro uses it to turn days into months.
DAYS_PER_MONTH = 30.4375

# (label, first completed month, last completed month). The product's groups: stunting rises
# steeply from 6 to 24 months, so infancy is split finely.
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("0-5", 0, 5),
    ("6-11", 6, 11),
    ("12-23", 12, 23),
    ("24-35", 24, 35),
    ("36-47", 36, 47),
    ("48-59", 48, 59),
)
# Filter choices: every group, plus 24-59 as one choice (the older children together).
AGE_FILTERS: dict[str, tuple[int, int]] = {label: (lo, hi) for label, lo, hi in AGE_GROUPS} | {
    "24-59": (24, 59)
}

SEXES = ("L", "P")  # e-PPGBM's JK: Laki-laki, Perempuan


def completed_months(age_days: np.ndarray) -> np.ndarray:
    """Completed months: floor(days / 30.4375), as integers (NaN days stay NaN as float)."""
    return np.floor(np.asarray(age_days, dtype="float64") / DAYS_PER_MONTH)


def age_group_labels(age_days: np.ndarray) -> np.ndarray:
    """The age-group label of each age in days; None for 60 months or more, negative or missing."""
    months = completed_months(age_days)
    labels = np.full(months.shape, None, dtype=object)
    for label, lo, hi in AGE_GROUPS:
        labels[(months >= lo) & (months <= hi)] = label
    return labels
