"""The one publishing step: counted numbers (children measured, cases) become the numbers people see.

Every number a page, table, chart, CSV download, slide or CLI command shows has gone through
``publish``; nothing else decides whether a rate may be shown. Its rules:

- Below ``config.MIN_CHILDREN`` children there is no rate, no interval and no case count: the case
  count would give the rate back (cases / children). Such a row is "too few children"
  (``suppressed`` True, ``state`` "too_few"), never a colour or 0%.
- Without any counted child a row is "no data" (``measured`` 0, ``state`` "no_data", ``suppressed``
  False, ``source`` None): never confused with "too few".
- A shown rate carries its Wilson 95% interval (fractions 0-1, full precision for citation) and the
  same three numbers as percentages rounded the way the pages print them (``*_pct``, one decimal).
- The period (when given) and the source travel with the numbers; the demo store's numbers say
  "demo", so a CSV of synthetic data never passes for e-PPGBM.

Publishing a published frame again gives the same frame, so a page may publish what an API already
published and the rule still exists once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stunting import config
from stunting.stats import wilson_interval

STATE_RATE, STATE_TOO_FEW, STATE_NO_DATA = "rate", "too_few", "no_data"
# Officials quote one decimal ("27,1%"): a second decimal claims a precision no village has.
DISPLAY_DECIMALS = 1
SOURCE_DEMO = "demo"


def publish(counts: pd.DataFrame, *, period: str | None = None, demo: bool = False) -> pd.DataFrame:
    """``counts`` (any leading columns, ``measured`` and ``cases`` per row, NaN meaning none; optional
    ``source`` and ``period`` columns) as published numbers: a copy with ``measured`` (int64),
    ``cases`` (Int64, missing unless the rate is shown), ``prevalence``, ``ci_low``, ``ci_high``
    (fractions, NaN unless shown), ``suppressed``, ``state`` ("rate" / "too_few" / "no_data"),
    ``prevalence_pct``, ``ci_low_pct``, ``ci_high_pct`` (rounded percentages), ``source`` (None
    without children; "demo" for the demo store when ``demo``) and ``period`` when given."""
    measured = _counts(counts["measured"])
    # A published frame has no cases where the rate is withheld; such a row stays withheld.
    cases = _counts(counts["cases"])
    shown = measured >= config.MIN_CHILDREN
    low, high = wilson_interval(cases, measured)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = cases / np.where(measured > 0, measured, 1)
    rates = {
        "prevalence": np.where(shown, rate, np.nan),
        "ci_low": np.where(shown, low, np.nan),
        "ci_high": np.where(shown, high, np.nan),
    }
    index = counts.index

    def text(values) -> pd.Series:  # object dtype: None stays None, and no conversion to Arrow strings
        return pd.Series(values, index=index, dtype=object)

    columns = {
        "measured": measured,
        "cases": pd.arrays.IntegerArray(cases, ~shown),
        **rates,
        "suppressed": (measured > 0) & ~shown,
        "state": text(np.where(measured == 0, STATE_NO_DATA, np.where(shown, STATE_RATE, STATE_TOO_FEW))),
        **{f"{name}_pct": np.round(values * 100, DISPLAY_DECIMALS) for name, values in rates.items()},
    }
    if "source" in counts.columns or demo:
        source = np.full(len(counts), SOURCE_DEMO, dtype=object) if demo else counts["source"].to_numpy()
        columns["source"] = text(np.where(measured > 0, source, None))
    if period is not None:
        columns["period"] = text(np.full(len(counts), period, dtype=object))
    # One concat rather than a column insert per number: the map publishes on every rerun.
    kept = counts.drop(columns=[c for c in columns if c in counts.columns])
    return pd.concat([kept, pd.DataFrame(columns, index=index)], axis=1)


def _counts(values: pd.Series) -> np.ndarray:
    """A count column as int64, missing (no row, or withheld) as 0."""
    if values.dtype.kind in "iu":  # the usual case: counted numbers straight from a query
        return values.to_numpy(dtype="int64", na_value=0)
    return pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(dtype="int64")
