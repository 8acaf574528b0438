"""Peta Stunting: `streamlit run app.py`. Opens on the map; builds the demo store on a first run."""

from __future__ import annotations

import streamlit as st

from stunting import app_cache
from stunting.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from ui.assets import ensure_leaflet

# The pages, landing page first: (file, catalogue key of the title). No icons: a
# page's material icon becomes the favicon, which streamlit fetches from fonts.gstatic.com.
PAGES = [
    ("pages/map.py", "app.page.map"),
    ("pages/compare.py", "compare.page"),
    ("pages/story.py", "story.page"),
    ("pages/evaluate.py", "evaluate.page"),
]


def _language() -> str:
    chosen = st.session_state.get("view_lang") or st.query_params.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _first_run_demo(lang: str) -> None:
    """A fresh store gets the synthetic demo data, with a progress bar (an old-format demo is built
    again); a store emptied by removing the demo, or real data in an old format, says what to do."""
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

    bar = st.progress(0.0, text=t("app.demo_building", lang))
    build_demo(
        app_cache.data_dir(),
        progress=lambda fraction, _message: bar.progress(
            min(max(fraction, 0.0), 1.0), text=t("app.demo_building", lang)
        ),
    )
    bar.empty()
    st.cache_data.clear()


# No page_icon: a material-icon favicon is fetched from fonts.gstatic.com, which a meeting room
# without internet cannot reach (and which would tell Google who opened the app).
st.set_page_config(page_title="Peta Stunting", layout="wide", initial_sidebar_state="expanded")
# Room for the map on a 1366x768 projector: half of streamlit's 6rem top padding (the header bar with
# the menu covers the first 3rem).
st.html(
    "<style>.block-container{padding-top:3.25rem;padding-bottom:1rem}"
    "[data-testid='stMetricValue']{font-size:1.9rem}</style>"
)
ensure_leaflet()
language = _language()
_first_run_demo(language)
if app_cache.is_demo():
    # Behind a popover: one stray click in a meeting must not empty the store.
    with st.sidebar.popover(t("app.demo_remove", language)):
        st.caption(t("app.demo_remove.help", language))
        if st.button(t("app.demo_remove.confirm", language), key="remove_demo", type="primary"):
            app_cache.remove_demo()
            st.rerun()
navigation = st.navigation(
    [st.Page(path, title=t(key, language), default=i == 0) for i, (path, key) in enumerate(PAGES)]
)
navigation.run()
