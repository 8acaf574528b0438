"""The view in the URL: typed, validated query parameters (pure functions, no streamlit).

A link pasted in a WhatsApp group must open the same view, and a mangled one must open the default
view with a notice, never an error. Every value is checked against an allow-list (languages,
indicators, periods with data, gazetteer codes); nothing from the URL goes anywhere else.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import pandas as pd

from stunting import gazetteer as national_gazetteer  # the functions below take a frame named gazetteer
from stunting.classes import DEFAULT_METHOD, METHODS
from stunting.i18n import DEFAULT_LANGUAGE, LANGUAGES
from stunting.indicators import AGE_FILTERS, INDICATORS, SEXES

REGENCY_ALL = "all"
DEFAULT_REGENCY = "64.02"  # Kukar: most villages, the view most meetings are about
DEFAULT_INDICATOR = "stunting"
PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# The map's views, from the country down (stunting.prevalence.VIEW_LEVELS says what each shows).
LEVELS = ("national", "province", "regency", "kecamatan")
DEFAULT_LEVEL = "regency"
# What a province view draws: its regencies (the default, ``areas`` None, nothing in the URL) or its
# kecamatan (``?province=33&areas=kecamatan``).
PROVINCE_AREAS = ("regency", "kecamatan")

# Query parameter names, in the order they appear in a shared link.
PARAMS = (
    "lang",
    "indicator",
    "period",
    "level",
    "province",
    "areas",
    "regency",
    "kecamatan",
    "village",
    "sex",
    "age",
    "classes",
)


@dataclass(frozen=True)
class ViewState:
    lang: str = DEFAULT_LANGUAGE
    indicator: str = DEFAULT_INDICATOR
    period: str | None = None  # None only while the store holds no period at all
    level: str = DEFAULT_LEVEL  # one of LEVELS: the view's area is ``area_code``
    province: str | None = None  # the province of a province view
    areas: str | None = None  # a province view of its kecamatan: "kecamatan"; None: its regencies
    regency: str = DEFAULT_REGENCY  # a regency code or REGENCY_ALL
    kecamatan: str | None = None
    village: str | None = None
    sex: str | None = None
    age: str | None = None  # an AGE_FILTERS label
    classes: str = DEFAULT_METHOD

    @property
    def regency_filter(self) -> str | None:
        """The regency code for the prevalence API (None = both regencies)."""
        return None if self.regency == REGENCY_ALL else self.regency

    @property
    def areas_level(self) -> str:
        """What the map draws: regencies (national, a province), a province's kecamatan, or villages."""
        if self.level == "national":
            return "regency"
        if self.level == "province":
            return self.areas or "regency"
        return "village"

    @property
    def area_code(self) -> str | None:
        """The code of the area the view shows (None: all of Indonesia, or every regency shown)."""
        return {
            "national": None,
            "province": self.province,
            "regency": self.regency_filter,
            "kecamatan": self.kecamatan,
        }[self.level]


def _single(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    return str(value[-1]).strip() if len(value) else None


def regency_choices(gazetteer: pd.DataFrame) -> tuple[str, ...]:
    return _codes_of(gazetteer).regencies


class _Codes:
    """One gazetteer frame's codes, for validate's membership tests: filtering the frame again on
    every rerun (and for every story slide) was about 5% of a busy server's work (py-spy during
    bench/bench_load.py). Filled as asked; the frame is read, never changed, by the app."""

    def __init__(self, gazetteer: pd.DataFrame) -> None:
        self.regencies = (*sorted(gazetteer["regency_code"].unique()), REGENCY_ALL)
        self._gazetteer = weakref.ref(gazetteer)
        self._areas: dict[tuple[str, str | None], tuple[frozenset[str], frozenset[str]]] = {}

    def area(self, regency: str, kecamatan: str | None) -> tuple[frozenset[str], frozenset[str]]:
        """The kecamatan and village codes of villages_in(gazetteer, regency, kecamatan)."""
        if (regency, kecamatan) not in self._areas:
            frame = villages_in(self._gazetteer(), regency, kecamatan)
            self._areas[regency, kecamatan] = (frozenset(frame["kecamatan_code"]), frozenset(frame["code"]))
        return self._areas[regency, kecamatan]


# By the frame's id, each entry dropped with its frame (a DataFrame cannot be a dict key); the weak
# reference is checked too, so a new frame at a freed frame's address is not taken for it.
_CODES: dict[int, tuple[weakref.ref, _Codes]] = {}
_CODES_LOCK = threading.Lock()  # every session's script runs in its own thread


def _codes_of(gazetteer: pd.DataFrame) -> _Codes:
    with _CODES_LOCK:
        entry = _CODES.get(id(gazetteer))
        if entry is not None and entry[0]() is gazetteer:
            return entry[1]
        key = id(gazetteer)
        codes = _Codes(gazetteer)
        _CODES[key] = (weakref.ref(gazetteer, lambda _ref, key=key: _CODES.pop(key, None)), codes)
        return codes


@functools.lru_cache(maxsize=1)
def _every_regency() -> frozenset[str]:
    # The national gazetteer ships with the app: its 514 regencies do not change while it runs.
    return frozenset(national_gazetteer.regencies())


@functools.lru_cache(maxsize=1)
def _every_province() -> frozenset[str]:
    return frozenset(national_gazetteer.provinces())


def default_state(periods: Sequence[str], lang: str = DEFAULT_LANGUAGE) -> ViewState:
    """The landing view: Kukar, stunting, the latest period with data."""
    return ViewState(lang=lang, period=max(periods) if periods else None)


def villages_in(gazetteer: pd.DataFrame, regency: str, kecamatan: str | None) -> pd.DataFrame:
    frame = gazetteer if regency == REGENCY_ALL else gazetteer[gazetteer["regency_code"] == regency]
    if regency != REGENCY_ALL and frame.empty:
        # A regency the app does not show yet (a link to ?regency=64.72): the national gazetteer's.
        every = national_gazetteer.villages()
        frame = every[every["regency_code"] == regency]
    return frame if kecamatan is None else frame[frame["kecamatan_code"] == kecamatan]


def _level_of(state: ViewState) -> str:
    """The view the areas given imply: the deepest of province, regency and kecamatan."""
    if state.kecamatan is not None:
        return "kecamatan"
    if state.province is not None and state.level != "regency":
        return "province"
    return DEFAULT_LEVEL


def validate(
    state: ViewState, periods: Sequence[str], gazetteer: pd.DataFrame
) -> tuple[ViewState, list[str]]:
    """``state`` with every unknown value replaced by its default, and the names of the fields that
    were replaced. Fields depend on each other in order: the kecamatan must lie in the regency and the
    village in the kecamatan (or regency)."""
    default = default_state(periods)
    fixed: list[str] = []

    def check(name: str, ok: bool, fallback):
        nonlocal state
        if not ok:
            state = replace(state, **{name: fallback})
            fixed.append(name)

    check("lang", state.lang in LANGUAGES, default.lang)
    check("indicator", state.indicator in INDICATORS, default.indicator)
    check("period", state.period in periods if periods else state.period is None, default.period)
    # Any of the 514 regencies opens (a link to Samarinda before its data is loaded shows "no data").
    codes = _codes_of(gazetteer)
    known_regency = state.regency in codes.regencies or state.regency in _every_regency()
    check("regency", known_regency, default.regency)
    check("province", state.province is None or state.province in _every_province(), None)
    if state.kecamatan is not None:
        kecamatan, _ = codes.area(state.regency, None)
        check("kecamatan", state.kecamatan in kecamatan, None)
    if state.village is not None:
        _, villages = codes.area(state.regency, state.kecamatan)
        check("village", state.village in villages, None)
    check("sex", state.sex is None or state.sex in SEXES, None)
    check("age", state.age is None or state.age in AGE_FILTERS, None)
    check("classes", state.classes in METHODS, default.classes)
    # The level last: it must name a view whose area is known (?level=province needs ?province=).
    level_ok = state.level in LEVELS and (
        state.level in ("national", "regency")
        or (state.level == "province" and state.province is not None)
        or (state.level == "kecamatan" and state.kecamatan is not None)
    )
    check("level", level_ok, _level_of(replace(state, level=DEFAULT_LEVEL)))
    # Only a province view draws a choice of areas; its default (regencies) is not written.
    check("areas", state.areas is None or (state.areas == "kecamatan" and state.level == "province"), None)
    return state, fixed


def parse_query(
    params: Mapping[str, str | Sequence[str]], periods: Sequence[str], gazetteer: pd.DataFrame
) -> tuple[ViewState, list[tuple[str, str]]]:
    """The view a link asks for, and the (name, value) pairs that were rejected (shown as a notice).

    Missing parameters take their defaults silently; unknown ones fall back to defaults and are
    reported. Parameters this app does not know (e.g. a tracking suffix added by a messenger) are
    ignored."""
    raw = {name: _single(params.get(name)) for name in PARAMS}
    raw = {name: value for name, value in raw.items() if value not in (None, "")}
    if raw.get("areas") == PROVINCE_AREAS[0]:
        raw.pop("areas")  # ?areas=regency: the default, written out
    default = default_state(periods)
    period = raw.get("period", default.period)
    if period is not None and not PERIOD_PATTERN.match(period):
        period = "invalid"
    asked = replace(default, **{k: v for k, v in raw.items() if k != "period"}, period=period)
    if "kecamatan" in raw and "regency" not in raw:
        # ?kecamatan=64.01.02 alone: its regency is in its code.
        asked = replace(asked, regency=raw["kecamatan"][:5])
    if "level" not in raw:
        # ?province=64 opens the province, ?kecamatan=64.02.06 the kecamatan, ?regency= the regency.
        level = _level_of(replace(asked, level="province" if "regency" not in raw else DEFAULT_LEVEL))
        asked = replace(asked, level=level)
    state, fixed = validate(asked, periods, gazetteer)
    return state, [(name, raw[name]) for name in fixed if name in raw]


def to_query(state: ViewState) -> dict[str, str]:
    """The query parameters that reopen ``state`` (fields left at None are omitted; the level only
    when the areas do not imply it, so links to a regency or kecamatan read as before)."""
    values = asdict(state)
    implied = parse_level(values)
    query = {name: str(values[name]) for name in PARAMS if values[name] is not None}
    if state.level == implied:
        query.pop("level")
    return query


def parse_level(values: Mapping[str, object]) -> str:
    """The level a link's areas imply without a ``level`` parameter (as parse_query reads it)."""
    if values.get("kecamatan"):
        return "kecamatan"
    if values.get("province") and not values.get("regency"):
        return "province"
    return DEFAULT_LEVEL
