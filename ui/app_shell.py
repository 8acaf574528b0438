"""What app.py runs on every rerun: the page settings, the navigation of the visitor's pages, the
demo store on a first run, then the page asked for (in its place in ui/run_gate.py)."""

from __future__ import annotations

import streamlit as st

from stunting import app_cache
from stunting.errors import UserError
from stunting.i18n import t
from stunting.users import role_rank
from ui import auth, run_gate
from ui.assets import ensure_leaflet
from ui.pages_registry import LOGIN, pages_for


def _first_run_demo(lang: str, manages_data: bool) -> None:
    """A fresh store gets the synthetic demo data, with a progress bar (an old-format demo is built
    again); a store emptied by removing the demo, or real data in an old format, says what to do.
    An empty store still lets a data manager through, to "Kelola data", where data is loaded."""
    state = app_cache.store_state()
    if state == "removed":
        st.info(t("app.empty_store", lang))
        if not manages_data:
            st.stop()
    if state == "outdated":
        st.error(t("app.store_outdated", lang))
        st.stop()
    if state not in ("fresh", "outdated_demo"):
        return
    from stunting.demo import build_demo

    # The room sees what is happening from the first second: the app's name, then the bar.
    heading = st.empty()
    heading.markdown(f"## Peta Stunting\n{t('app.demo_first_run', lang)}")
    bar = st.progress(0.0, text=t("app.demo_building", lang))
    build_demo(
        app_cache.data_dir(),
        progress=lambda fraction, _message: bar.progress(
            min(max(fraction, 0.0), 1.0), text=t("app.demo_building", lang)
        ),
    )
    bar.empty()
    heading.empty()
    st.cache_data.clear()


def run() -> None:
    """One run of the app: the page settings, the visitor's pages (ui/pages_registry.py), the demo
    on a first run, then the page asked for."""
    # No page_icon: a material-icon favicon is fetched from fonts.gstatic.com, which a meeting room
    # without internet cannot reach (and which would tell Google who opened the app).
    st.set_page_config(page_title="Peta Stunting", layout="wide", initial_sidebar_state="expanded")
    # Room for the map on a 1366x768 projector: half of streamlit's 6rem top padding (the header bar with
    # the menu covers the first 3rem).
    st.html(
        "<style>.block-container{padding-top:3.25rem;padding-bottom:1rem}"
        "[data-testid='stMetricValue']{font-size:1.9rem}"
        # Captions carry the period, source and children of every number: 14 px, dark enough for a projector
        # (streamlit's are 13-14 px at 60% grey).
        "[data-testid='stCaptionContainer']{font-size:14px;color:#45474f}</style>"
    )
    ensure_leaflet()
    language = auth.language()
    try:
        visitor = auth.visitor()  # checked on every rerun: a disabled account loses its pages at once
    except UserError as error:  # a mistyped STUNTING_AUTH: say so, show nothing
        st.error(str(error))
        st.stop()
    manages_data = role_rank(visitor.role) >= role_rank("data_manager")
    # The navigation first, only the pages this role may open (a page left out cannot be reached by URL or
    # st.switch_page): while the demo builds on a first run the sidebar already lists the pages by their
    # titles (without it streamlit lists the files of pages/: app, compare, map, story).
    entries = pages_for(visitor.role, visitor.logged_in)
    pages = [
        st.Page(page.path, title=t(page.title_key, language), url_path=page.url_path, default=i == 0)
        for i, page in enumerate(entries)
    ]
    if visitor.logged_in:
        # The login form's own rerun still lands on /login: a hidden entry that forwards it on.
        pages.append(st.Page(LOGIN.path, title=t(LOGIN.title_key, language), url_path=LOGIN.url_path,
                             visibility="hidden"))  # fmt: skip
    navigation = st.navigation(pages)
    _first_run_demo(language, manages_data)
    if manages_data and app_cache.is_demo():
        # Removing the demo changes the data: data managers only. Behind a popover: one stray click in
        # a meeting must not empty the store.
        with st.sidebar.popover(t("app.demo_remove", language)):
            st.caption(t("app.demo_remove.help", language))
            if st.button(t("app.demo_remove.confirm", language), key="remove_demo", type="primary"):
                app_cache.remove_demo()
                st.rerun()
    auth.sidebar_account(visitor)
    with run_gate.turn(navigation.url_path):  # a few runs at a time: see ui/run_gate.py
        navigation.run()
