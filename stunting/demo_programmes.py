"""The demo's programmes: synthetic, labelled, consistent with its trends, with one true effect built in.

What the demo's villages "did" (all made up, labelled ``data contoh (sintetis)`` like the rest):

* **lokus** (priority villages): Kukar 19 in 2022, 21 in 2023, 41 in 2024 and 2025 (the counts of
  issue 13), Bontang 4 a year from 2022, drawn among the villages with the highest prevalence the
  year before (weighted, not strictly the top): the lokus have **no effect** in the demo, so an
  honest evaluation finds nothing and warns of regression to the mean (they start higher).
* **BAAS** (foster parents for stunted children) in a third of Kukar's villages from 2022, drawn
  among the higher ones; about a third of each village's stunted children fostered, one foster
  parent for two or three children. BAAS has the demo's **one true effect**: from its start the
  village's stunting odds fall by ``BAAS_EFFECT_ODDS`` (about 2 percentage points at 20%).
* **Raga Pantas** (family-based, since 2019) rolled out over half of Kukar's villages, 2019-2021,
  families reached per year; no effect.
* **rembuk stunting**: most villages every year from 2019.
* **konvergensi**: the scorecard's 18 indicators for every village, 2021-2025, coverage improving
  over the years.
* **program_lain**: "PMT Lokal" (local supplementary food) in half of Bontang's villages from 2023.

The demo adds ``DemoProgrammes.log_odds`` to each village's log-odds before it calibrates the
regency's trend and draws any child, so the effect is in the measurements themselves and the
regency still follows its trend (BAAS villages fall a little faster, the others a little slower:
the difference between them is the effect).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stunting.programmes import SCORECARD

KUKAR, BONTANG = "64.02", "64.74"
LOKUS_PER_YEAR = {
    KUKAR: {2022: 19, 2023: 21, 2024: 41, 2025: 41},
    BONTANG: {2022: 4, 2023: 4, 2024: 4, 2025: 4},
}
BAAS_START = 2022
BAAS_SHARE = 1 / 3  # of Kukar's villages
# Odds ratio of stunting once a village has BAAS: 0.88 moves 20% to 18.0%, 15% to 13.4%; a modest
# effect, the size programme reviews report for targeted family support.
BAAS_EFFECT_ODDS = 0.88
BAAS_FOSTERED_SHARE = 0.33
RAGA_PANTAS_YEARS = (2019, 2020, 2021)
RAGA_PANTAS_SHARE = 0.5
REMBUK_SHARE = 0.85
SCORECARD_YEARS = tuple(range(2021, 2026))
PMT_START = 2023
# Selection leans on the rate without following it strictly: weights grow with the rate's rank.
SELECTION_SHARPNESS = 3.0


@dataclass
class DemoProgrammes:
    tables: dict[str, pd.DataFrame]  # sheet -> rows, the programme store's columns
    log_odds: np.ndarray  # village x round: the programmes' effect on the log-odds of stunting


def plan(
    villages: pd.DataFrame, prevalence: np.ndarray, rounds: tuple[tuple[int, int], ...],
    expected_children: np.ndarray, seed: int,
) -> DemoProgrammes:  # fmt: skip
    """The demo's programme tables and effect. ``villages``: the gazetteer rows in the demo's order;
    ``prevalence``: its target village x round prevalence; ``expected_children`` per village and round."""
    rng = np.random.default_rng([seed, 13])
    codes = villages["code"].to_numpy()
    regency = villages["regency_code"].to_numpy()
    round_year = np.array([year for year, _ in rounds])
    yearly = {year: prevalence[:, round_year == year].mean(axis=1) for year in sorted(set(round_year))}

    lokus_rows = []
    for code, per_year in LOKUS_PER_YEAR.items():
        mine = np.flatnonzero(regency == code)
        for year, count in per_year.items():
            chosen = _weighted_pick(rng, yearly[min(year - 1, max(yearly))][mine], count)
            flags = np.zeros(len(mine), dtype=bool)
            flags[chosen] = True
            lokus_rows += [(codes[i], year, bool(f)) for i, f in zip(mine, flags, strict=True)]
    lokus = pd.DataFrame(lokus_rows, columns=["village_code", "year", "lokus"])

    kukar = np.flatnonzero(regency == KUKAR)
    baas_villages = kukar[_weighted_pick(rng, yearly[BAAS_START - 1][kukar], round(len(kukar) * BAAS_SHARE))]
    odds_ratio = np.ones_like(prevalence)
    baas_rows = []
    last_year = max(yearly)
    for i in baas_villages:
        odds_ratio[i, round_year >= BAAS_START] = BAAS_EFFECT_ODDS
        for year in range(BAAS_START, last_year + 1):
            stunted = expected_children[i] * yearly[year][i]
            fostered = int(rng.binomial(max(1, round(stunted)), BAAS_FOSTERED_SHARE))
            parents = max(1, int(round(fostered / rng.uniform(2, 3)))) if fostered else 0
            baas_rows.append((codes[i], year, fostered, parents))
    baas = pd.DataFrame(baas_rows, columns=["village_code", "year", "children_fostered", "foster_parents"])

    raga_rows = []
    reached = kukar[rng.random(len(kukar)) < RAGA_PANTAS_SHARE]
    first = rng.choice(RAGA_PANTAS_YEARS, len(reached))
    for i, start in zip(reached, first, strict=True):
        families = max(5, int(expected_children[i] * rng.uniform(0.2, 0.5)))
        for year in range(int(start), last_year + 1):
            raga_rows.append((codes[i], year, int(families * rng.uniform(0.9, 1.1))))
    raga = pd.DataFrame(raga_rows, columns=["village_code", "year", "families_reached"])

    rembuk = pd.DataFrame(
        [(c, year, bool(rng.random() < REMBUK_SHARE)) for c in codes for year in range(2019, last_year + 1)],
        columns=["village_code", "year", "held"],
    )

    score_rows = []
    for i, code in enumerate(codes):
        pregnant = max(2, int(expected_children[i] / 5))  # about a year's births, 1 in 5 under-fives
        infants = max(3, int(expected_children[i] * 0.4))  # 0-23 months of 0-59
        for k, year in enumerate(SCORECARD_YEARS):
            for target, indicators in SCORECARD.items():
                denominator = pregnant if target == "ibu_hamil" else infants
                for code_ in indicators:
                    share = np.clip(rng.normal(0.62 + 0.06 * k, 0.12), 0.05, 1.0)
                    score_rows.append(
                        (code, year, target, code_, int(rng.binomial(denominator, share)), denominator)
                    )
    scorecard = pd.DataFrame(
        score_rows, columns=["village_code", "year", "target", "indicator", "numerator", "denominator"]
    )

    bontang = np.flatnonzero(regency == BONTANG)
    pmt = bontang[rng.random(len(bontang)) < 0.5]
    other = pd.DataFrame(
        {
            "programme": "PMT Lokal",
            "village_code": codes[pmt],
            "start": dt.date(PMT_START, 1, 1),
            "end": None,
            "count": [int(expected_children[i] * 0.1) for i in pmt],
        }
    )
    tables = {"lokus": lokus, "baas": baas, "raga_pantas": raga, "rembuk": rembuk, "konvergensi": scorecard,
              "program_lain": other}  # fmt: skip
    return DemoProgrammes(tables, np.log(odds_ratio))


def _weighted_pick(rng: np.random.Generator, rates: np.ndarray, count: int) -> np.ndarray:
    """``count`` positions drawn without replacement, the higher rates far more likely."""
    rank = np.argsort(np.argsort(rates)) / max(len(rates) - 1, 1)
    weights = np.exp(SELECTION_SHARPNESS * rank)
    return rng.choice(len(rates), size=min(count, len(rates)), replace=False, p=weights / weights.sum())
