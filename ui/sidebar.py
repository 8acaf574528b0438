"""The one sidebar every page shares: language, regency, indicator, period (+ the map's filters).

The view starts from the URL (parsed and validated by stunting/viewstate.py) on a session's first run, is
kept in widget state across pages, and is written back to the URL on every run, so the address bar
always holds a link that reopens the same view.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from stunting import app_cache, scope
from stunting.classes import METHODS
from stunting.gazetteer import regencies
from stunting.i18n import LANGUAGE_NAMES, LANGUAGES, fmt_month, t
from stunting.indicators import AGE_FILTERS, INDICATORS, SEXES
from stunting.plaintext import markdown_code
from stunting.viewstate import (
    DEFAULT_LEVEL,
    PARAMS,
    REGENCY_ALL,
    ViewState,
    parse_query,
    regency_choices,
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
    st.session_state[_REJECTED] = rejected
    st.session_state[_READY] = True


def _shown_villages():
    # The national gazetteer has 514 regencies: the choices are those the app shows (home area,
    # data, installed boundaries; stunting.scope), not a 514-item list.
    return scope.villages(app_cache.data_dir())


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
    gaz = _shown_villages()
    names = regencies()
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
    if choose_regency:
        choices = list(regency_choices(gaz))
        linked = st.session_state.get(_key("regency"))
        if linked in names and linked not in choices:
            # A link to a regency the app does not show yet (?regency=64.72): offered, not refused.
            choices.insert(-1, linked)
        regency = sidebar.selectbox(
            t("sidebar.regency", lang),
            choices,
            format_func=lambda code: t("sidebar.regency.all", lang) if code == REGENCY_ALL else names[code],
            key=_key("regency"),
            persist_state="session",
        )
    else:
        regency = st.session_state[_key("regency")]
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
        # The view's level and province come from the URL (the map page draws them).
        level=st.session_state.get(_key("level")) or DEFAULT_LEVEL,
        province=st.session_state.get(_key("province")),
    )
    if map_filters:
        area = villages_in(gaz, regency, None)
        kecamatans = area.drop_duplicates("kecamatan_code").set_index("kecamatan_code")["kecamatan_name"]
        kecamatan_options = [ANY, *sorted(kecamatans.index, key=kecamatans.get)]
        _keep_valid("kecamatan", kecamatan_options)
        kecamatan = sidebar.selectbox(
            t("sidebar.kecamatan", lang),
            kecamatan_options,
            format_func=lambda c: t("sidebar.kecamatan.all", lang) if c == ANY else kecamatans[c],
            key=_key("kecamatan"),
            persist_state="session",
        )
        sex = sidebar.selectbox(
            t("sidebar.sex", lang),
            [ANY, *SEXES],
            format_func=lambda s: t("sidebar.sex.all", lang) if s == ANY else t(f"sex.{s}", lang),
            key=_key("sex"),
            persist_state="session",
        )
        age = sidebar.selectbox(
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
    st.session_state[_key("level")], st.session_state[_key("province")] = state.level, state.province
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
