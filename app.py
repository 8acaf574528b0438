"""Peta Stunting: `streamlit run app.py`. Opens on the map; builds the demo store on a first run."""

from __future__ import annotations

import streamlit as st

from stunting.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from ui.assets import ensure_leaflet

# The pages, landing page first: (file, catalogue key of the title). No icons: a
# page's material icon becomes the favicon, which streamlit fetches from fonts.gstatic.com.
PAGES = [
    ("pages/map.py", "app.page.map"),
    ("pages/compare.py", "compare.page"),
    ("pages/story.py", "story.page"),
]


def _language() -> str:
    chosen = st.session_state.get("view_lang") or st.query_params.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _first_run_demo(lang: str) -> None:
    """A fresh store gets the synthetic demo data, with a progress bar (an old-format demo is built
    again); a store emptied by removing the demo, or real data in an old format, says what to do."""
    from stunting import app_cache

    state = app_cache.store_state()
    if state == "removed":
        st.info(t("app.empty_store", lang))
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
language = _language()
# The navigation first: while the demo builds on a first run the sidebar already lists the pages by
# their titles (without it streamlit lists the files of pages/: app, compare, map, story).
navigation = st.navigation(
    [st.Page(path, title=t(key, language), default=i == 0) for i, (path, key) in enumerate(PAGES)]
)
_first_run_demo(language)
# Imported after the navigation is on screen: with geopandas it takes a second or more on a cold start.
from stunting import app_cache  # noqa: E402

if app_cache.is_demo():
    # Behind a popover: one stray click in a meeting must not empty the store.
    with st.sidebar.popover(t("app.demo_remove", language)):
        st.caption(t("app.demo_remove.help", language))
        if st.button(t("app.demo_remove.confirm", language), key="remove_demo", type="primary"):
            app_cache.remove_demo()
            st.rerun()
navigation.run()
