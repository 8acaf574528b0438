"""Where to act next: village rates smoothed by empirical Bayes, hot spots, and the ranking.

* **Empirical Bayes** (Marshall 1991, the global method, as pysal ``esda.smoothing.Empirical_Bayes``
  computes it): each village's rate is pulled towards the regency's rate, the more the fewer
  children it rests on. A village of 15 children with 40% moves far; one of 400 barely.
* **Hot spots**: Local Moran's I for rates with the Assunção-Reis empirical Bayes standardisation
  (``esda.Moran_Local_Rate``), 999 conditional permutations with a fixed seed, and a false-discovery
  rate correction (Benjamini-Hochberg, ``esda.fdr``) over the villages: a "hot spot" is a village
  with a high rate among high neighbours that survives the correction.
* **Neighbours**: the ``NEIGHBOURS`` nearest village centroids of the gazetteer (libpysal KNN,
  row-standardised): it needs no boundary file, and every village, islands included, has neighbours.

Villages without children measured are left out. As everywhere, a village resting on fewer than
``MIN_CHILDREN`` children shows no rate (smoothed or not): smoothing helps the villages between the
minimum and a few dozen children; below the minimum it would mostly show the regency's rate.

References:
    Marshall RJ (1991). Mapping disease and mortality rates using empirical Bayes estimators.
        Applied Statistics 40: 283-294.
    Assunção RM, Reis EA (1999). A new proposal to adjust Moran's I for population density.
        Statistics in Medicine 18: 2147-2162.
    Anselin L (1995). Local indicators of spatial association - LISA. Geographical Analysis 27: 93-115.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stunting import gazetteer
from stunting.config import MIN_CHILDREN

NEIGHBOURS = 6  # a village borders five to seven others in Kukar's boundary file
# Below this many villages with children a local statistic compares a village with nearly all the
# others, and esda's moments divide by n - 2: no hot spots are looked for (every cluster "none").
MIN_VILLAGES_FOR_HOT_SPOTS = NEIGHBOURS + 2
PERMUTATIONS = 999  # esda's default; p-values no finer than 0.001
SEED = 2024  # the same data gives the same hot spots on every run
FDR_ALPHA = 0.05
QUADRANTS = {1: "hot", 2: "low_among_high", 3: "cold", 4: "high_among_low"}


def empirical_bayes(cases: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Marshall's global empirical Bayes rates (esda). When the villages vary less than sampling alone
    would make them (the moment estimate of the between-village variance is below 0), Marshall sets
    that variance to 0 and every rate becomes the overall rate; esda would weight by a negative number."""
    from esda.smoothing import Empirical_Bayes

    cases = np.asarray(cases, dtype=float)
    measured = np.asarray(measured, dtype=float)
    if not len(measured):  # a regency without data in the period (a link to one not yet loaded)
        return np.empty(0)
    overall = cases.sum() / measured.sum()
    rate = cases / measured
    between = (measured * (rate - overall) ** 2).sum() / measured.sum() - overall / measured.mean()
    if between <= 0:
        return np.full(len(cases), overall)
    return Empirical_Bayes(cases, measured).r.ravel()


def neighbours(lng: np.ndarray, lat: np.ndarray):
    """Row-standardised k-nearest-neighbour weights on the centroids (libpysal)."""
    from libpysal.weights import KNN

    weights = KNN.from_array(np.column_stack([lng, lat]), k=min(NEIGHBOURS, len(lng) - 1))
    weights.transform = "r"
    return weights


def hot_spots(cases: np.ndarray, measured: np.ndarray, weights) -> pd.DataFrame:
    """Per village: local_i, p_value (pseudo, from permutations), significant (after FDR), cluster
    (hot, cold, high_among_low, low_among_high, or none)."""
    import esda

    local = esda.Moran_Local_Rate(
        np.asarray(cases, dtype=float),
        np.asarray(measured, dtype=float),
        weights,
        adjusted=True,
        permutations=PERMUTATIONS,
        seed=SEED,
        keep_simulations=False,
    )
    threshold = esda.fdr(local.p_sim, FDR_ALPHA)
    significant = local.p_sim <= threshold
    cluster = np.where(significant, pd.Series(local.q).map(QUADRANTS).to_numpy(), "none")
    return pd.DataFrame(
        {"local_i": local.Is, "p_value": local.p_sim, "significant": significant, "cluster": cluster}
    )


def where_to_act(indicator: str, period: str, regency: str, *, data_dir=None) -> pd.DataFrame:
    """One row per village of ``regency`` with children measured in ``period``: code, name,
    measured, cases (missing below the minimum), prevalence (published: NaN below the minimum),
    smoothed (empirical Bayes, NaN below the minimum), cluster, p_value, rank (by cases, then
    smoothed rate: where most stunted children live first)."""
    from stunting import prevalence, queries, store
    from stunting.publish import publish

    # Smoothing and hot spots must weigh the small villages too: they read the counted numbers (the
    # prevalence API publishes, and withholds the cases of villages below the minimum).
    params = prevalence._filters(indicator, "village", None, None) | {
        "period": period, "year": int(period[:4]), "province": None, "regency": regency, "kecamatan": None,
    }  # fmt: skip
    counted = queries.run("prevalence_by_area", params, snapshot=store.current_snapshot(data_dir))
    counted = counted[counted["measured"] > 0].reset_index(drop=True)
    # The regency's villages only: an isin against all 83,762 gazetteer codes (arrow strings, one
    # by one) was nine tenths of this function's time.
    every = gazetteer.villages()
    names = every[every["regency_code"] == regency].set_index("code")
    counted = counted[counted["code"].isin(list(names.index))].reset_index(drop=True)
    rates = publish(counted.assign(name=names.loc[counted["code"], "name"].to_numpy()))
    places = names.loc[counted["code"], ["lat", "lng"]]
    cases, measured = counted["cases"].to_numpy(float), counted["measured"].to_numpy(float)
    smoothed = empirical_bayes(cases, measured)
    if len(counted) >= MIN_VILLAGES_FOR_HOT_SPOTS:
        spots = hot_spots(cases, measured, neighbours(places["lng"].to_numpy(), places["lat"].to_numpy()))
    else:
        spots = pd.DataFrame({"cluster": ["none"] * len(counted), "p_value": np.full(len(counted), np.nan)})
    shown = measured >= MIN_CHILDREN
    out = pd.DataFrame(
        {
            "code": rates["code"],
            "name": rates["name"],
            "measured": rates["measured"].astype(int),
            "cases": rates["cases"],
            "prevalence": rates["prevalence"],
            "smoothed": np.where(shown, smoothed, np.nan),
            "cluster": spots["cluster"],
            "p_value": spots["p_value"],
        }
    )
    # Published cases only (none below the minimum): the ranking never gives a small village's count away.
    out = out.sort_values(["cases", "smoothed"], ascending=False, na_position="last").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out
