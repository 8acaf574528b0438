"""Children who recovered: of the children stunted in a period, the share no longer stunted at their
next measurement within 6 and within 12 months (queries/recovery.sql), with Wilson 95% intervals.

Aggregates only: a share resting on fewer than ``MIN_CHILDREN`` followed children is suppressed
(NaN, ``suppressed`` True). The denominator is the stunted children measured again within the window;
children never measured again are not counted as recovered or not (they are reported as
``stunted`` minus ``followed``). ``villages`` splits the children into a programme's villages
(``group`` "treated") and the others ("control").

Known limit: a child's next height can be measured in another position or by another posyandu; a
HAZ just below -2 that moves to just above is counted as recovered, as the programme's own
monitoring would count it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stunting import queries, store
from stunting.publish import publish

WINDOWS = (6, 12)  # months to the next measurement


def recovery(
    regency: str,
    *,
    villages: list[str] | None = None,
    children: list[str] | None = None,
    data_dir=None,
) -> pd.DataFrame:
    """One row per period x group x window: period, group, window (months), stunted, followed,
    recovered, share, ci_low, ci_high, suppressed.

    Without ``children`` the groups are the programme's ``villages`` ("treated") and the others
    ("control"). With ``children`` (child keys, e.g. BAAS's fostered children) the groups are
    "fostered" and "not_fostered", each split by severity (``severe``: severely stunted then),
    so fostered children, who are chosen among the most stunted, meet others of similar HAZ."""
    snapshot = store.current_snapshot(data_dir)
    params = {"regency": regency, "villages": list(villages or []), "children": list(children or [])}
    counts = queries.run("recovery", params, snapshot=snapshot)
    numbers = ["stunted"] + [f"{kind}_{w}" for w in WINDOWS for kind in ("followed", "recovered")]
    keys = ["period", "fostered", "severe"] if children else ["period", "in_group"]
    counts = counts.groupby(keys, as_index=False)[numbers].sum()
    if children:
        group = np.where(counts["fostered"], "fostered", "not_fostered")
    else:
        group = np.where(counts["in_group"], "treated", "control")
    rows = []
    for window in WINDOWS:
        part = pd.DataFrame(
            {
                "period": counts["period"],
                "group": group,
                "window": window,
                "stunted": counts["stunted"].astype("int64"),
                "followed": counts[f"followed_{window}"].astype("int64"),
                "recovered": counts[f"recovered_{window}"].astype("int64"),
            }
        )
        rows.append(part)
        if children:
            part["severe"] = counts["severe"].astype(bool).to_numpy()
    out = pd.concat(rows, ignore_index=True)
    # The publishing rule: a share and its recovered count only from MIN_CHILDREN followed children.
    published = publish(out.rename(columns={"followed": "measured", "recovered": "cases"}))
    out["recovered"] = published["cases"]
    out["share"] = published["prevalence"]
    out["ci_low"] = published["ci_low"]
    out["ci_high"] = published["ci_high"]
    out["suppressed"] = published["suppressed"]
    order = ["window", "group", "severe", "period"] if children else ["window", "group", "period"]
    return out.sort_values(order).reset_index(drop=True)
