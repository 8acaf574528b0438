"""The one sidebar every page shares: language, province and regency, indicator, period (+ the map's
filters).

The view starts from the URL (parsed and validated by stunting/viewstate.py) on a session's first run, is
kept in session state across pages, and is written back to the URL on every run, so the address bar
always holds a link that reopens the same view.

The view's areas (level, province, regency, kecamatan, village) live in session state; the province and
regency lists are drawn from them on every run and change them only through their callbacks or
``go_to`` (the map's drill-down and breadcrumb), so a page switch never loses a province view. A
province view on the map page also offers what it draws ("Tampilkan: Kab./Kota · Kecamatan", the
view's ``areas``): not a level change, so not through ``go_to``.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import streamlit as st

from stunting import app_cache, gazetteer, scope
from stunting.classes import METHODS
from stunting.i18n import LANGUAGE_NAMES, LANGUAGES, fmt_month, province_label, t
from stunting.indicators import AGE_FILTERS, INDICATORS, SEXES
from stunting.plaintext import markdown_code
from stunting.viewstate import (
    DEFAULT_LEVEL,
    DEFAULT_REGENCY,
    LEVELS,
    PARAMS,
    PROVINCE_AREAS,
    REGENCY_ALL,
    ViewState,
    parse_query,
    to_query,
    validate,
    villages_in,
)

# e-PPGBM's weighing months (bulan timbang): February and August, when every posyandu weighs.
WEIGHING_MONTHS = ("02", "08")
_READY = "_view_from_url"
_REJECTED = "_view_rejected"
_BASEMAP = "view_basemap"
# Widget value for "no filter": a selectbox showing None reads as "nothing chosen" in streamlit.
ANY = "*"
_OPTIONAL = ("kecamatan", "sex", "age")
# Keys of the choices whose labels are translated (the sidebar's own and each page's, see translated()).
_TRANSLATED = "_translated_choices"
# The province list's first entry on the map page: the national view.
NATIONAL = "ID"
# The regency list's first entry on the map page: the whole province (its view).
WHOLE_PROVINCE = "province"
# The view's regency (a code or REGENCY_ALL). Not the regency list's own key: that list may stand on
# WHOLE_PROVINCE, and the other pages still need the regency last chosen.
_REGENCY = "_view_regency_code"
_GO_TO = "_view_go_to"
# Marks the regencies (and provinces) with data in the lists (i18n "sidebar.has_data" explains it).
DATA_MARK = "● "


# The gazetteer's names (read once per process) as dicts built once: rebuilding them from its frames
# on every rerun was a tenth of the sidebar's time.
@functools.lru_cache(maxsize=1)
def _province_names() -> dict[str, str]:
    return gazetteer.provinces()


@functools.lru_cache(maxsize=1)
def _regency_names() -> dict[str, str]:
    return gazetteer.regencies()


def _key(field: str) -> str:
    return translated(f"view_{field}")


def translated(key: str) -> str:
    """``key`` of a choice widget whose option labels depend on the language; returns ``key``.

    Streamlit's frontend keeps showing a select box's label from before a language switch until the box
    is touched ("Stunting (pendek)" in an English sidebar). The language radio's callback hands every
    registered choice its own value again through session state, which makes each one redraw."""
    st.session_state.setdefault(_TRANSLATED, set()).add(key)
    return key


def _relabel_choices() -> None:
    for key in st.session_state.get(_TRANSLATED, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _from_url(periods: list[str]) -> None:
    """On a session's first run only: the URL decides the view."""
    if st.session_state.get(_READY):
        return
    state, rejected = parse_query(st.query_params.to_dict(), periods, _shown_villages())
    for field in PARAMS:
        value = getattr(state, field)
        st.session_state[_key(field)] = ANY if value is None and field in _OPTIONAL else value
    st.session_state[_REGENCY] = state.regency
    st.session_state[_REJECTED] = rejected
    st.session_state[_READY] = True


def go_to(level: str, code: str | None) -> None:
    """Open the map's view of ``code`` at ``level`` (national: None; province "64"; regency "64.02";
    kecamatan "64.02.06"): the map's drill-down and its breadcrumb. The next run's sidebar applies it
    before its widgets are drawn (a drawn widget's value cannot change in the same run): the caller
    reruns (``st.rerun()``)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if (code is None) != (level == "national"):
        raise ValueError(
            f"a {level} view needs {'no' if level == 'national' else 'an area'} code, not {code!r}"
        )
    st.session_state[_GO_TO] = (level, code)


def _apply_go_to() -> None:
    pending = st.session_state.pop(_GO_TO, None)
    if pending is None:
        return
    level, code = pending
    state = st.session_state
    state[_key("village")] = None
    state[_key("level")] = level
    state[_key("areas")] = None  # a province opens on its regencies
    state[_key("province")] = code if level == "province" else None
    if level == "province" and _regency_code()[:2] != code:
        state[_REGENCY] = _first_regency(code)
    if level in ("regency", "kecamatan"):
        state[_REGENCY] = code[:5]
        state[_key("kecamatan")] = code if level == "kecamatan" else ANY


def _on_areas() -> None:
    """Regencies or kecamatan chosen for the province view (not a level change: still the province)."""
    chosen = st.session_state[_key("pick_areas")]
    st.session_state[_key("areas")] = None if chosen == PROVINCE_AREAS[0] else chosen
    st.session_state[_key("village")] = None


def _areas_choice(lang: str) -> None:
    """In a province view on the map page: draw its regencies or its kecamatan."""
    st.session_state[_key("pick_areas")] = st.session_state.get(_key("areas")) or PROVINCE_AREAS[0]
    st.sidebar.radio(
        t("sidebar.province_areas", lang),
        PROVINCE_AREAS,
        format_func=lambda choice: t(f"sidebar.province_areas.{choice}", lang),
        horizontal=True,
        key=_key("pick_areas"),
        on_change=_on_areas,
    )


def _regency_code() -> str:
    return st.session_state.get(_REGENCY) or DEFAULT_REGENCY


def _data_regencies() -> tuple[str, ...]:
    return scope.data_regencies(app_cache.data_dir())


def _province_options(national: bool) -> list[str]:
    """Provinces with data first, then the others, each group in code order (BPS's west-to-east
    order, the one Indonesian officials read lists in); "Indonesia" first on the map page."""
    with_data = {code[:2] for code in _data_regencies()}
    ordered = sorted(_province_names(), key=lambda code: (code not in with_data, code))
    return [NATIONAL, *ordered] if national else ordered


def _regency_options(province: str, whole: bool) -> list[str]:
    """The province's regencies, those with data first (code order in each group); the map page
    offers the whole province first; "all regencies shown" last."""
    with_data = set(_data_regencies())
    inside = [code for code in _regency_names() if code[:2] == province]
    ordered = sorted(inside, key=lambda code: (code not in with_data, code))
    return [WHOLE_PROVINCE] * whole + ordered + [REGENCY_ALL]


def _first_regency(province: str) -> str:
    return _regency_options(province, whole=False)[0]


def _province_of_view(map_page: bool) -> str:
    level = st.session_state.get(_key("level")) or DEFAULT_LEVEL
    if map_page and level == "national":
        return NATIONAL
    if level == "province" and st.session_state.get(_key("province")):
        return st.session_state[_key("province")]
    regency = _regency_code()
    return (regency if regency != REGENCY_ALL else scope.shown_regencies(app_cache.data_dir())[0])[:2]


def _on_province(map_page: bool) -> None:
    """A province chosen: on the map its view (or the national one), elsewhere its first regency."""
    state = st.session_state
    chosen = state[_key("pick_province")]
    state[_key("village")] = None
    if chosen == NATIONAL:
        state[_key("level")], state[_key("province")] = "national", None
        return
    if _regency_code()[:2] != chosen:
        state[_REGENCY] = _first_regency(chosen)
    if map_page:
        state[_key("level")], state[_key("province")] = "province", chosen
    else:
        state[_key("level")], state[_key("province")] = DEFAULT_LEVEL, None


def _on_regency() -> None:
    state = st.session_state
    chosen = state[_key("regency")]
    state[_key("village")] = None
    if chosen == WHOLE_PROVINCE:
        state[_key("level")], state[_key("province")] = "province", state[_key("pick_province")]
        return
    state[_REGENCY] = chosen
    state[_key("level")], state[_key("province")] = DEFAULT_LEVEL, None
    state[_key("kecamatan")] = ANY


def _area_picker(lang: str, map_page: bool) -> str:
    """The province and regency lists (type to search); returns the view's regency code."""
    sidebar = st.sidebar
    state = st.session_state
    province_names = _province_names()
    regency_names = _regency_names()
    with_data = set(_data_regencies())
    data_provinces = {code[:2] for code in with_data}
    # Drawn from the view every run (a link, a drill-down or another page may have moved it).
    state[_key("pick_province")] = _province_of_view(map_page)

    def province_text(code: str) -> str:
        if code == NATIONAL:
            return t("sidebar.province.national", lang)
        mark = DATA_MARK if code in data_provinces else ""
        return mark + province_label(code, province_names[code], lang)

    picked = sidebar.selectbox(
        t("sidebar.province", lang),
        _province_options(national=map_page),
        format_func=province_text,
        key=_key("pick_province"),
        on_change=_on_province,
        args=(map_page,),
    )
    if picked == NATIONAL:
        return _regency_code()
    level = state.get(_key("level")) or DEFAULT_LEVEL
    options = _regency_options(picked, whole=map_page)
    regency = _regency_code()
    if regency != REGENCY_ALL and regency not in options:
        regency = state[_REGENCY] = options[1 if map_page else 0]
    state[_key("regency")] = WHOLE_PROVINCE if map_page and level == "province" else regency

    def regency_text(code: str) -> str:
        if code == WHOLE_PROVINCE:
            return t("sidebar.regency.whole", lang, province=province_names[picked])
        if code == REGENCY_ALL:
            return t("sidebar.regency.all", lang)
        return (DATA_MARK if code in with_data else "") + regency_names[code]

    sidebar.selectbox(
        t("sidebar.regency", lang),
        options,
        format_func=regency_text,
        key=_key("regency"),
        on_change=_on_regency,
    )
    if with_data:
        sidebar.caption(t("sidebar.has_data", lang))
    return _regency_code()


def _shown_villages():
    # The national gazetteer has 514 regencies: the choices are those the app shows (home area,
    # data, installed boundaries; stunting.scope), not a 514-item list.
    folder = app_cache.data_dir()
    return _villages_of(scope.shown_regencies(folder), str(folder))


@functools.lru_cache(maxsize=8)
def _villages_of(shown: tuple[str, ...], folder: str):
    # scope.villages is the gazetteer's villages of the shown regencies: filtering its 83,000 rows
    # again on every rerun cost more than the rest of the sidebar's lists. Keyed by what it depends
    # on (the shown regencies, themselves cached per snapshot), so an import is seen at once.
    return scope.villages(folder)


def _kecamatan_names(regency: str) -> dict[str, str]:
    """The regency's kecamatan among the shown villages, code -> name, in the order of their names."""
    folder = app_cache.data_dir()
    return _kecamatans_of(scope.shown_regencies(folder), str(folder), regency)


@functools.lru_cache(maxsize=64)
def _kecamatans_of(shown: tuple[str, ...], folder: str, regency: str) -> dict[str, str]:
    # Filtering the villages by regency again on every rerun was a twentieth of a map rerun; keyed
    # like _villages_of, whose frame it reads.
    area = villages_in(_villages_of(shown, folder), regency, None)
    names = area.drop_duplicates("kecamatan_code").set_index("kecamatan_code")["kecamatan_name"]
    return {code: names[code] for code in sorted(names.index, key=names.get)}


def _keep_valid(field: str, options: list) -> None:
    # Options depend on other widgets (kecamatan on regency): a stale value would make streamlit fail.
    if st.session_state.get(_key(field)) not in options:
        st.session_state[_key(field)] = options[0]


def period_label(period: str, lang: str) -> str:
    month = fmt_month(period, lang)
    return t("sidebar.period.weighing", lang, month=month) if period[5:] in WEIGHING_MONTHS else month


def view_sidebar(*, map_filters: bool = False, choose_regency: bool = True) -> ViewState:
    """Draw the sidebar and return the view it describes. ``map_filters`` adds kecamatan, sex, age
    group, colour classes and the basemap switch (the map page's own filters). ``choose_regency=False``
    hides the regency choice on a page that picks its own areas (the comparison); the view keeps the
    regency the other pages last chose.

    The shared widgets keep their values across page switches (``persist_state="session"``): streamlit
    scopes a widget's state to its page, and a value dropped on the switch would reset the view."""
    periods = app_cache.periods()
    _from_url(periods)
    _apply_go_to()
    gaz = _shown_villages()
    sidebar = st.sidebar

    lang = sidebar.radio(
        t("sidebar.language", st.session_state[_key("lang")]),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        horizontal=True,
        key=_key("lang"),
        persist_state="session",
        on_change=_relabel_choices,
    )
    if app_cache.is_demo():
        sidebar.warning(t("sidebar.demo_badge", lang), icon=":material/science:")
    regency = _area_picker(lang, map_page=map_filters) if choose_regency else _regency_code()
    indicator = sidebar.selectbox(
        t("sidebar.indicator", lang),
        list(INDICATORS),
        format_func=lambda k: t(f"indicator.{k}", lang),
        key=_key("indicator"),
        persist_state="session",
    )
    newest_first = sorted(periods, reverse=True)
    if newest_first:
        _keep_valid("period", newest_first)
        period = sidebar.selectbox(
            t("sidebar.period", lang),
            newest_first,
            format_func=lambda p: period_label(p, lang),
            key=_key("period"),
            persist_state="session",
        )
    else:
        period = None

    state = ViewState(
        lang=lang,
        indicator=indicator,
        period=period,
        regency=regency,
        village=st.session_state.get(_key("village")),
        # The view's level and province: from the URL, the area lists' callbacks or go_to.
        level=st.session_state.get(_key("level")) or DEFAULT_LEVEL,
        province=st.session_state.get(_key("province")),
        areas=st.session_state.get(_key("areas")),
    )
    if map_filters:
        kecamatan = ANY
        if state.level == "province":
            _areas_choice(lang)
            state = replace(state, areas=st.session_state.get(_key("areas")))
        if state.level not in ("national", "province"):  # a regency's own list of kecamatan
            kecamatans = _kecamatan_names(regency)
            kecamatan_options = [ANY, *kecamatans]
            _keep_valid("kecamatan", kecamatan_options)
            kecamatan = sidebar.selectbox(
                t("sidebar.kecamatan", lang),
                kecamatan_options,
                format_func=lambda c: t("sidebar.kecamatan.all", lang) if c == ANY else kecamatans[c],
                key=_key("kecamatan"),
                persist_state="session",
            )
        # Side by side: one row less, so the map's options stay within a 1366x768 sidebar.
        sex_column, age_column = sidebar.columns(2, gap="small")
        sex = sex_column.selectbox(
            t("sidebar.sex", lang),
            [ANY, *SEXES],
            format_func=lambda s: t("sidebar.sex.all", lang) if s == ANY else t(f"sex.{s}", lang),
            key=_key("sex"),
            persist_state="session",
        )
        age = age_column.selectbox(
            t("sidebar.age_group", lang),
            [ANY, *AGE_FILTERS],
            format_func=lambda a: (
                t("sidebar.age_group.all", lang) if a == ANY else t("age_group.label", lang, group=a)
            ),
            key=_key("age"),
            persist_state="session",
        )
        kecamatan, sex, age = (None if v == ANY else v for v in (kecamatan, sex, age))
        with sidebar.expander(t("map.options", lang)):
            classes = st.radio(
                t("map.classes", lang),
                METHODS,
                format_func=lambda m: t(f"map.classes.{m}", lang),
                key=_key("classes"),
                persist_state="session",
            )
            st.checkbox(t("map.basemap", lang), key=_BASEMAP, persist_state="session")
        state = replace(state, kecamatan=kecamatan, sex=sex, age=age, classes=classes)
        if state.level in ("regency", "kecamatan"):
            # Choosing a kecamatan opens its view; "all kecamatan" goes back to the regency's.
            state = replace(state, level="kecamatan" if kecamatan else "regency")

    state, _fixed = validate(state, periods, gaz)  # e.g. a village left behind by a regency change
    st.session_state[_key("village")] = state.village
    st.session_state[_REGENCY] = state.regency
    st.session_state[_key("level")], st.session_state[_key("province")] = state.level, state.province
    st.session_state[_key("areas")] = state.areas
    wanted = to_query(state)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    return state


def basemap_on() -> bool:
    return bool(st.session_state.get(_BASEMAP, False))


def select_village(code: str | None) -> None:
    """Open (or with None close) the village panel; the URL follows on the next run."""
    st.session_state[_key("village")] = code


def url_notice(lang: str) -> None:
    """Tell the user, once, that a link held values we replaced by defaults."""
    rejected = st.session_state.pop(_REJECTED, [])
    if rejected:
        details = ", ".join(
            t("notice.url.item", lang, name=name, value=markdown_code(value[:40])) for name, value in rejected
        )
        st.warning(t("notice.url", lang, details=details), icon=":material/link_off:")
