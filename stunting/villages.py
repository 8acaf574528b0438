"""Matching the export's ``Desa/Kel`` + ``Kec`` (+ ``Kab/Kota``) names to gazetteer codes.

Names are compared by a key that ignores case, spaces, punctuation and accents and drops the
administrative prefix ("Desa", "Ds.", "Kel.", "Kelurahan" for villages; "Kec."/"Kecamatan" for
kecamatan; "Kab."/"Kabupaten"/"Kota" for the regency), so "DESA SUMBERSARI", "Sumber-Sari" and
"sumber sari" are one name. An exact key wins; otherwise a small misspelling is accepted only when
rapidfuzz's ratio reaches the threshold below AND no other candidate comes close. The kecamatan, when
given, restricts the villages (64.02 has three "Sumber Sari"); a name still matching more than one
village is ambiguous. Ambiguous and unknown names are reported, never guessed.

The gazetteer is national (83,762 villages), so a name alone rarely decides: the kecamatan, and
where it is not unique (Indonesia has many "Sukamaju"), the regency decide. The regency is read as
e-PPGBM writes it: "KAB. MALANG" and "Kabupaten Malang" are 35.07, "KOTA MALANG" is 35.73, and a
bare "MALANG" is the kabupaten (e-PPGBM always writes a kota with "KOTA"); a code ("35.07", "3507")
works too. The boundary source's spellings (gazetteer aliases: "Gedog Wetan" for "Gedok Wetan")
match like the gazetteer's own names.

Work is done once per distinct (kab, kec, desa) triple, not once per row: a province's 1,000,000-row
export (Kaltim) has about a thousand distinct triples, a national one some 82,000 (one per village).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from stunting.gazetteer import aliases as gazetteer_aliases
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
_KABUPATEN_WORDS = ("kabupaten", "kab", "kabupatenadministrasi")
_KOTA_WORDS = ("kota", "kotamadya", "kodya", "kotaadministrasi")
# Jakarta's "Kota Administrasi Jakarta Pusat" is written "KOTA JAKARTA PUSAT" or "JAKARTA PUSAT".
_ADMINISTRATIVE_WORDS = ("administrasi", "adm")
# Short names the exports use for regencies besides the gazetteer's own.
_REGENCY_ALIASES = {"kukar": "64.02", "kutim": "64.08", "kubar": "64.07"}
# What match_frame returns per row, VillageMatch's fields.
_FIELDS = ("status", "village_code", "kecamatan_code", "regency", "reason", "fuzzy_from")
# Ambiguous and unknown reasons list at most this many candidates (a national name can have dozens).
MAX_LISTED = 6


@lru_cache(maxsize=200_000)
def _words(text: str) -> tuple[str, ...]:
    text = str(text or "")
    if not text.isascii():  # an ASCII text has nothing to decompose and no combining marks
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


# Cached: the national gazetteer repeats names (and exports repeat them far more).
@lru_cache(maxsize=200_000)
def name_key(text: str, prefixes: tuple[str, ...] = ()) -> str:
    """Lower-case letters and digits only, accents and one leading administrative prefix removed."""
    words = _words(text)
    if len(words) > 1 and words[0] in prefixes:
        words = words[1:]
    return "".join(words)


def forget_names() -> None:
    """Empty the name caches (a national file fills them with some 215,000 keys: about 85 MB)."""
    _words.cache_clear()
    name_key.cache_clear()


def regency_key(text: str) -> tuple[str | None, str]:
    """(kind, key) of a regency as written: kind "kabupaten", "kota" or None (no prefix), key the
    name without prefix ("KAB. MALANG" -> ("kabupaten", "malang"))."""
    words = _words(text)
    kind = None
    if len(words) > 1 and words[0] in _KABUPATEN_WORDS:
        kind, words = "kabupaten", words[1:]
    elif len(words) > 1 and words[0] in _KOTA_WORDS:
        kind, words = "kota", words[1:]
    if len(words) > 1 and words[0] in _ADMINISTRATIVE_WORDS:
        words = words[1:]
    return kind, "".join(words)


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


def _keyed(keys: list[str], codes: list[str]) -> dict[str, list[str]]:
    """Gazetteer name key -> codes, in gazetteer order."""
    out: dict[str, list[str]] = {}
    for key, code in zip(keys, codes, strict=True):
        found = out.setdefault(key, [])
        if code not in found:
            found.append(code)
    return out


def _gazetteer_keys(names: pd.Series) -> list[str]:
    """name_key of every gazetteer name (they carry no prefix: none is stripped). An ASCII name's key
    is its lower-cased letters and digits, done at once in Arrow; the few others go through name_key
    itself, so every key is name_key's."""
    values = names.tolist()
    text = pa.array([v if isinstance(v, str) else "" for v in values], type=pa.string())
    ascii_keys = pc.replace_substring_regex(pc.ascii_lower(text), r"[^a-z0-9]+", "").to_pylist()
    plain = pc.string_is_ascii(text).to_pylist()
    return [
        key if is_plain and isinstance(value, str) else name_key(value)
        for key, is_plain, value in zip(ascii_keys, plain, values, strict=True)
    ]


class VillageMatcher:
    """Matches name triples to codes, remembering every triple it has seen (exports repeat them)."""

    def __init__(self, gazetteer: pd.DataFrame | None = None) -> None:
        frame = villages() if gazetteer is None else gazetteer
        # The national gazetteer comes in code order: kept as it is, not copied (14 MB).
        ordered = frame["code"].is_monotonic_increasing and frame.index.equals(pd.RangeIndex(len(frame)))
        self.gazetteer = frame if ordered else frame.sort_values("code", kind="stable").reset_index(drop=True)
        g = self.gazetteer
        # Each column turned into Python strings once and shared by every table below: each
        # ``tolist()`` of an Arrow-backed column makes 83,762 new strings (about 5 MB), and the
        # tables used to hold seven such copies (about 30 MB while an import reads).
        codes = g["code"].tolist()
        kec_codes = g["kecamatan_code"].tolist()
        regency_codes = g["regency_code"].tolist()
        self._sorted_codes = np.array(codes, dtype=object)
        # Regency key -> codes, once per kind: "malang" is a kabupaten (35.07) and a kota (35.73).
        self._regencies: dict[str | None, dict[str, list[str]]] = {"kabupaten": {}, "kota": {}, None: {}}
        regency_names = dict(zip(regency_codes, g["regency_name"].tolist(), strict=True))
        self._regency_names = regency_names
        for code, name in regency_names.items():
            kind, key = regency_key(name)
            self._regencies[kind].setdefault(key, []).append(code)
            self._regencies[None].setdefault(key, []).append(code)
        for alias, code in _REGENCY_ALIASES.items():
            if code in regency_names:
                self._regencies[None].setdefault(alias, [code])
        self._names = dict(zip(codes, g["name"].tolist(), strict=True))
        self._aliases = {code: names for code, names in gazetteer_aliases().items() if code in self._names}
        self._kec_names = dict(zip(kec_codes, g["kecamatan_name"].tolist(), strict=True))
        # Every gazetteer row's codes and name keys as lists in code order: a kecamatan's or regency's
        # choices are a slice of them (a national export asks for all 7,000 kecamatan; slicing the
        # frame and keying its names one kecamatan at a time was most of its matching).
        self._codes = codes
        self._kec_codes = kec_codes
        self._village_keys = _gazetteer_keys(g["name"])
        self._kec_keys = _gazetteer_keys(g["kecamatan_name"])
        self._village_of = {
            code: (kec, reg) for code, kec, reg in zip(codes, kec_codes, regency_codes, strict=True)
        }
        # Choices per (regency or None, kecamatan or None), built once: a big export has many triples.
        self._choices: dict[tuple[str | None, str | None, str], dict[str, list[str]]] = {}
        self._cache: dict[tuple[str, str, str], VillageMatch] = {}
        self._regency_verdicts: dict[str, tuple[list[str], str]] = {}
        self._rows: dict[tuple, tuple] = {}

    def _choices_for(self, regency: str | None, kecamatan: str | None, level: str) -> dict[str, list[str]]:
        key = (regency, kecamatan, level)
        if key not in self._choices:
            low, high = self._rows_in(regency, kecamatan)
            if level == "kecamatan":
                choices = _keyed(self._kec_keys[low:high], self._kec_codes[low:high])
            else:
                choices = _keyed(self._village_keys[low:high], self._codes[low:high])
            if level == "village":
                # Two dozen villages have aliases: a look through them, not a pandas isin per
                # kecamatan (that was most of a national export's matching time).
                prefix = kecamatan or regency
                within = [c for c in self._aliases if prefix is None or c.startswith(prefix + ".")]
                for code in within:
                    for alias in self._aliases[code]:
                        codes = choices.setdefault(name_key(alias), [])
                        if code not in codes:
                            codes.append(code)
            self._choices[key] = choices
        return self._choices[key]

    def _rows_in(self, regency: str | None, kecamatan: str | None) -> tuple[int, int]:
        """Row range of one kecamatan or regency in the code-sorted gazetteer (a mask or a groupby
        over 83,762 rows per distinct triple would cost more than the matching)."""
        prefix = kecamatan or regency
        if prefix is None:
            return 0, len(self._codes)
        # "64.02." up to "64.02/" ("/" follows "." in ASCII): every code that starts with "64.02.".
        low, high = np.searchsorted(self._sorted_codes, [prefix + ".", prefix + "/"])
        return int(low), int(high)

    def _regency(self, written: str) -> tuple[list[str], str]:
        """Codes and verdict for the export's Kab/Kota (see the module docstring), once per spelling:
        a national export writes each of its 514 regencies on thousands of distinct triples."""
        found = self._regency_verdicts.get(written)
        if found is None:
            found = self._regency_verdicts[written] = self._regency_of(written)
        return found

    def _regency_of(self, written: str) -> tuple[list[str], str]:
        digits = re.sub(r"[\s.]", "", written)
        if re.fullmatch(r"\d{4}", digits):
            code = f"{digits[:2]}.{digits[2:]}"
            return ([code], "ok") if code in self._regency_names else ([], "unknown")
        kind, key = regency_key(written)
        codes, verdict = _best(key, self._regencies[kind])
        if verdict == "ambiguous" and kind is None:
            # A bare name shared by a kabupaten and a kota is the kabupaten: e-PPGBM writes "KOTA ...".
            kabupaten = [c for c in codes if self._regency_names[c].startswith("Kabupaten ")]
            if len(kabupaten) == 1:
                return kabupaten, "ok"
        return codes, verdict

    def _listed(self, labels) -> str:
        labels = sorted(set(labels))
        shown = ", ".join(labels[:MAX_LISTED])
        return shown + (f" and {len(labels) - MAX_LISTED} more" if len(labels) > MAX_LISTED else "")

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
            codes, verdict = self._regency(regency)
            if verdict == "ambiguous":
                options = self._listed(f"{self._regency_names[c]} ({c})" for c in codes)
                return VillageMatch(
                    "regency_unknown",
                    reason=f"Kab/Kota could be more than one regency ({options}); "
                    "write it as the gazetteer does (e.g. 'Kabupaten ...' or 'Kota ...').",
                )
            if verdict != "ok":
                return VillageMatch("regency_unknown", reason="Kab/Kota is not a regency of the gazetteer.")
            regency_code = codes[0]
        if kecamatan:
            kec_choices = self._choices_for(regency_code, None, "kecamatan")
            codes, verdict = _best(name_key(kecamatan, _KECAMATAN_PREFIXES), kec_choices, name_key(kecamatan))
            if verdict == "ambiguous" and regency_code is None:
                # Same-named kecamatan in several regencies: the village may still say which one
                # (only one "Tabang" has a "Kampung Baru"); if not, the row needs its Kab/Kota.
                found = [self._match_in(c, village) for c in codes]
                hits = [m for m in found if m is not None]
                if len(hits) == 1:
                    return hits[0]
                options = self._listed(
                    f"{self._kec_names[c]} ({self._regency_names.get(c[:5], c[:5])})" for c in codes
                )
                return VillageMatch(
                    "kecamatan_unknown",
                    reason=f"Kec is the name of more than one kecamatan ({options}); "
                    "fill in Kab/Kota to tell them apart.",
                )
            if verdict != "ok":
                names = self._listed(self._kec_names[c] for c in codes)
                detail = f" (could be {names})" if names else ""
                within = f" of {self._regency_names[regency_code]}" if regency_code else " of the gazetteer"
                return VillageMatch(
                    "kecamatan_unknown",
                    reason=f"Kec is not a kecamatan{within}{detail}.",
                )
            kecamatan_code = codes[0]
        village_choices = self._choices_for(regency_code, kecamatan_code, "village")
        key, whole = name_key(village, _VILLAGE_PREFIXES), name_key(village)
        codes, verdict = _best(key, village_choices, whole)
        if verdict == "ok":
            code = codes[0]
            kec, reg = self._village_of[code]
            fuzzy = key not in village_choices and whole not in village_choices
            spelling = village if fuzzy else None
            return VillageMatch("ok", village_code=code, kecamatan_code=kec, regency=reg, fuzzy_from=spelling)
        # Reasons never repeat the cell's own text (a misplaced column may hold a name or a NIK): the
        # row and column locate it, and what the gazetteer offers instead is named.
        if kecamatan_code:
            where = f" in Kec {self._kec_names[kecamatan_code]}"
        else:
            where = f" in {self._regency_names[regency_code]}" if regency_code else ""
        if verdict == "unknown":
            return VillageMatch(
                "village_unknown", reason=f"Desa/Kel is not a village of the gazetteer{where}."
            )
        shown = [
            f"{self._names[c]} ({self._kec_names[self._village_of[c][0]]}, "
            f"{self._regency_names[self._village_of[c][1]]})"
            for c in sorted(codes)[:MAX_LISTED]
        ]
        more = f" and {len(codes) - MAX_LISTED} more" if len(codes) > MAX_LISTED else ""
        regencies = {self._village_of[c][1] for c in codes}
        fill = "Kec" if len(regencies) == 1 or regency_code else "Kec and Kab/Kota"
        return VillageMatch(
            "village_ambiguous",
            reason=f"Desa/Kel could be more than one village{where} "
            f"({'; '.join(shown)}{more}); fill in {fill} to tell them apart.",
        )

    def _match_in(self, kecamatan_code: str, village: str) -> VillageMatch | None:
        """The village in one kecamatan when it matches there unambiguously, else None."""
        choices = self._choices_for(kecamatan_code[:5], kecamatan_code, "village")
        codes, verdict = _best(name_key(village, _VILLAGE_PREFIXES), choices, name_key(village))
        if verdict != "ok":
            return None
        kec, reg = self._village_of[codes[0]]
        return VillageMatch("ok", village_code=codes[0], kecamatan_code=kec, regency=reg)

    def match_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Row-aligned status, village_code, kecamatan_code, regency, reason, fuzzy_from for the frame's
        ``regency_name``, ``kecamatan_name``, ``village_name`` columns (missing columns count as empty)."""
        cols = ["regency_name", "kecamatan_name", "village_name"]
        names = pd.DataFrame({c: (frame[c] if c in frame else "") for c in cols}, index=frame.index)
        if not len(names):
            return pd.DataFrame(columns=list(_FIELDS))
        # Hash-grouping keeps NaN as its own key; each distinct triple is matched once.
        group = names.groupby(cols, dropna=False, sort=False).ngroup().to_numpy()
        first_rows = pd.Series(np.arange(len(names))).groupby(group).first().sort_index().to_numpy()
        triples = names.iloc[first_rows].fillna("")
        rows = [self._row(triple) for triple in triples.itertuples(index=False, name=None)]
        # Each column typed once per triple (pandas infers the same dtype from the same values), then
        # taken for the chunk's rows: inferring a million repeated strings per column cost seconds.
        columns = {}
        for position, field in enumerate(_FIELDS):
            column = pd.Series(np.array([row[position] for row in rows], dtype=object)).take(group)
            column.index = frame.index
            columns[field] = column
        return pd.DataFrame(columns, index=frame.index)

    def _row(self, triple: tuple[str, str, str]) -> tuple:
        """The match of a triple as a tuple of _FIELDS, remembered (a national export's chunks each
        hold tens of thousands of triples already seen)."""
        row = self._rows.get(triple)
        if row is None:
            found = self.match(*triple)
            row = self._rows[triple] = tuple(getattr(found, f) for f in _FIELDS)
        return row
