"""Matching the export's ``Desa/Kel`` + ``Kec`` (+ ``Kab/Kota``) names to gazetteer codes.

Names are compared by a key that ignores case, spaces, punctuation and accents and drops the
administrative prefix ("Desa", "Ds.", "Kel.", "Kelurahan" for villages; "Kec."/"Kecamatan" for
kecamatan; "Kab."/"Kabupaten"/"Kota" for the regency), so "DESA SUMBERSARI", "Sumber-Sari" and
"sumber sari" are one name. An exact key wins; otherwise a small misspelling is accepted only when
rapidfuzz's ratio reaches the threshold below AND no other candidate comes close. The kecamatan, when
given, restricts the villages (64.02 has three "Sumber Sari"); a name still matching more than one
village is ambiguous. Ambiguous and unknown names are reported, never guessed.

Work is done once per distinct (kab, kec, desa) triple, not once per row: a 1,000,000-row export
has a few hundred distinct triples.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from stunting.gazetteer import villages

# Ratio (0-100) of two name keys. 85 accepts one wrong, missing or extra letter in a name of
# 7+ letters ("Sumbersary", "Jonggon Jaya" -> "Jonggon Jya") but not a different name of similar
# shape ("Loa Kulu" vs "Loa Lepu" scores 71); a typo in a 6-letter name (83) is rejected, not guessed.
FUZZY_MIN_SCORE = 85.0
# The best candidate must beat the runner-up by this much, or the name is ambiguous:
# "Samboja Brt" must not be guessed between "Samboja" and "Samboja Barat" unless it clearly wins.
FUZZY_MIN_MARGIN = 5.0

_VILLAGE_PREFIXES = ("desa", "ds", "kelurahan", "kel")
_KECAMATAN_PREFIXES = ("kecamatan", "kec")
_REGENCY_PREFIXES = ("kabupaten", "kab", "kota")
# Names the exports use for the product's two regencies besides the gazetteer's own.
_REGENCY_ALIASES = {"kukar": "64.02", "6402": "64.02", "6474": "64.74"}


def name_key(text: str, prefixes: tuple[str, ...] = ()) -> str:
    """Lower-case letters and digits only, accents and one leading administrative prefix removed."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    words = re.findall(
        r"[a-z0-9]+", "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    )
    if len(words) > 1 and words[0] in prefixes:
        words = words[1:]
    return "".join(words)


@dataclass(frozen=True)
class VillageMatch:
    status: str  # "ok", "village_unknown", "village_ambiguous", "kecamatan_unknown", "regency_unknown"
    village_code: str | None = None
    kecamatan_code: str | None = None
    regency: str | None = None
    reason: str = ""  # one sentence naming the column, for the rejects report (no personal data)
    # The file's spelling when the village matched only fuzzily ("Jembayn" for Jembayan): the ingest
    # summary lists these, so a data manager can check a guess the matcher was sure enough to make.
    fuzzy_from: str | None = None


def _best(key: str, choices: dict[str, list[str]], whole: str | None = None) -> tuple[list[str], str]:
    """Codes whose key equals ``key`` (or ``whole``, the name with its prefix kept), else the fuzzy
    winner's codes; with the verdict "ok", "ambiguous" or "unknown"."""
    for exact in (key, whole):
        if exact is not None and exact in choices:
            codes = choices[exact]
            return codes, "ok" if len(codes) == 1 else "ambiguous"
    scored = process.extract(key, list(choices), scorer=fuzz.ratio, limit=2, score_cutoff=FUZZY_MIN_SCORE)
    if not scored:
        return [], "unknown"
    if len(scored) == 2 and scored[0][1] - scored[1][1] < FUZZY_MIN_MARGIN:
        return choices[scored[0][0]] + choices[scored[1][0]], "ambiguous"
    codes = choices[scored[0][0]]
    return codes, "ok" if len(codes) == 1 else "ambiguous"


def _keyed(frame: pd.DataFrame, key_column: str, code_column: str) -> dict[str, list[str]]:
    """Gazetteer name key -> codes (the gazetteer's names carry no prefix: none is stripped)."""
    out: dict[str, list[str]] = {}
    for name, code in zip(frame[key_column], frame[code_column], strict=True):
        codes = out.setdefault(name_key(name), [])
        if code not in codes:
            codes.append(code)
    return out


class VillageMatcher:
    """Matches name triples to codes, remembering every triple it has seen (exports repeat them)."""

    def __init__(self, gazetteer: pd.DataFrame | None = None) -> None:
        self.gazetteer = villages() if gazetteer is None else gazetteer
        g = self.gazetteer
        self._regencies = {
            name_key(name, _REGENCY_PREFIXES): [code]
            for name, code in zip(g["regency_name"], g["regency_code"], strict=True)
        }
        for alias, code in _REGENCY_ALIASES.items():
            self._regencies.setdefault(alias, [code])
        for code in g["regency_code"].unique():
            self._regencies.setdefault(name_key(code), [code])
        self._names = dict(zip(g["code"], g["name"], strict=True))
        self._kec_names = dict(zip(g["kecamatan_code"], g["kecamatan_name"], strict=True))
        self._village_of = {
            code: (kec, reg)
            for code, kec, reg in zip(g["code"], g["kecamatan_code"], g["regency_code"], strict=True)
        }
        # Choices per (regency or None, kecamatan or None), built once: a big export has many triples.
        self._choices: dict[tuple[str | None, str | None, str], dict[str, list[str]]] = {}
        self._cache: dict[tuple[str, str, str], VillageMatch] = {}

    def _choices_for(self, regency: str | None, kecamatan: str | None, level: str) -> dict[str, list[str]]:
        key = (regency, kecamatan, level)
        if key not in self._choices:
            g = self.gazetteer
            if regency is not None:
                g = g[g["regency_code"] == regency]
            if kecamatan is not None:
                g = g[g["kecamatan_code"] == kecamatan]
            columns = ("kecamatan_name", "kecamatan_code") if level == "kecamatan" else ("name", "code")
            self._choices[key] = _keyed(g, *columns)
        return self._choices[key]

    def match(self, regency: str, kecamatan: str, village: str) -> VillageMatch:
        triple = (str(regency or "").strip(), str(kecamatan or "").strip(), str(village or "").strip())
        found = self._cache.get(triple)
        if found is None:
            found = self._cache[triple] = self._match(*triple)
        return found

    def _match(self, regency: str, kecamatan: str, village: str) -> VillageMatch:
        regency_code = kecamatan_code = None
        if not village:
            return VillageMatch("village_unknown", reason="Desa/Kel is empty.")
        if regency:
            codes, verdict = _best(name_key(regency, _REGENCY_PREFIXES), self._regencies, name_key(regency))
            if verdict != "ok":
                return VillageMatch(
                    "regency_unknown",
                    reason=f"Kab/Kota '{regency}' is not Kutai Kartanegara (64.02) or Bontang (64.74).",
                )
            regency_code = codes[0]
        if kecamatan:
            kec_choices = self._choices_for(regency_code, None, "kecamatan")
            codes, verdict = _best(name_key(kecamatan, _KECAMATAN_PREFIXES), kec_choices, name_key(kecamatan))
            if verdict != "ok":
                names = ", ".join(sorted({self._kec_names[c] for c in codes}))
                detail = f" (could be {names})" if names else ""
                return VillageMatch(
                    "kecamatan_unknown",
                    reason=f"Kec '{kecamatan}' is not a kecamatan of the gazetteer{detail}.",
                )
            kecamatan_code = codes[0]
        village_choices = self._choices_for(regency_code, kecamatan_code, "village")
        key, whole = name_key(village, _VILLAGE_PREFIXES), name_key(village)
        codes, verdict = _best(key, village_choices, whole)
        where = f" in Kec '{kecamatan}'" if kecamatan else ""
        if verdict == "unknown":
            return VillageMatch(
                "village_unknown", reason=f"Desa/Kel '{village}'{where} is not a village of the gazetteer."
            )
        if verdict == "ambiguous":
            options = "; ".join(
                f"{self._names[c]} ({self._kec_names[self._village_of[c][0]]})" for c in codes
            )
            return VillageMatch(
                "village_ambiguous",
                reason=f"Desa/Kel '{village}'{where} could be more than one village ({options}); "
                "fill in Kec to tell them apart.",
            )
        code = codes[0]
        kec, reg = self._village_of[code]
        fuzzy = key not in village_choices and whole not in village_choices
        return VillageMatch(
            "ok", village_code=code, kecamatan_code=kec, regency=reg, fuzzy_from=village if fuzzy else None
        )

    def match_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Row-aligned status, village_code, kecamatan_code, regency, reason, fuzzy_from for the frame's
        ``regency_name``, ``kecamatan_name``, ``village_name`` columns (missing columns count as empty)."""
        cols = ["regency_name", "kecamatan_name", "village_name"]
        names = pd.DataFrame({c: (frame[c] if c in frame else "") for c in cols}, index=frame.index)
        if not len(names):
            return pd.DataFrame(
                columns=["status", "village_code", "kecamatan_code", "regency", "reason", "fuzzy_from"]
            )
        # Hash-grouping keeps NaN as its own key; each distinct triple is matched once.
        group = names.groupby(cols, dropna=False, sort=False).ngroup().to_numpy()
        first_rows = pd.Series(np.arange(len(names))).groupby(group).first().sort_index().to_numpy()
        triples = names.iloc[first_rows].fillna("")
        results = [self.match(r, k, v) for r, k, v in triples.itertuples(index=False, name=None)]
        fields = ("status", "village_code", "kecamatan_code", "regency", "reason", "fuzzy_from")
        return pd.DataFrame(
            {f: np.array([getattr(m, f) for m in results], dtype=object)[group] for f in fields},
            index=frame.index,
        )
