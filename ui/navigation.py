"""Every page runs through app.py's navigation, even when a shared link is the server's first visitor."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Call first in every page: send a page that was started on its own back through app.py.

    Streamlit decides whether an app is an old-style "pages/ folder" app once per process: until
    app.py has called ``st.navigation`` in some session, a link straight to ``/compare`` runs
    ``pages/compare.py`` alone (no page config, no local Leaflet, a menu of file names). Clearing
    that flag and rerunning sends the session through app.py, which then opens the linked page.
    The browser tests open ``/compare`` as a fresh server's first request to keep this true.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
