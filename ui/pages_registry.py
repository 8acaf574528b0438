"""Every page of the app and the lowest role that may open it: app.py builds the navigation from this.

One line per page. ``st.navigation`` gets only the pages the visitor's role allows, rebuilt on every
rerun, so a forbidden page is not hidden but absent: a URL typed by hand or ``st.switch_page`` cannot
reach it (a ``visibility="hidden"`` page would still open by URL). Each page checks the role again at
its top (``ui.auth.require``), for a stale tab whose session lost its rights since the last rerun.

No streamlit here: tests read the registry without running the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from stunting.users import role_rank


@dataclass(frozen=True)
class PageEntry:
    path: str  # the page's file, relative to the repository
    title_key: str  # its title in stunting/i18n.py
    url_path: str  # /NAME in the address bar (the landing page also answers on /)
    min_role: str  # "viewer", "data_manager" or "admin"
    logged_out_only: bool = False  # the login page: gone once logged in


# The landing page first (it opens on /). No icons: a page's material icon becomes the favicon, which
# streamlit fetches from fonts.gstatic.com, which a meeting room without internet cannot reach.
PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/map.py", "app.page.map", "map", "viewer"),
    PageEntry("pages/compare.py", "compare.page", "compare", "viewer"),
    PageEntry("pages/story.py", "story.page", "story", "viewer"),
    PageEntry("pages/quality.py", "quality.page", "quality", "viewer"),
    PageEntry("pages/evaluate.py", "evaluate.page", "evaluate", "viewer"),
    PageEntry("pages/data.py", "data.page", "data", "data_manager"),
    PageEntry("pages/users.py", "users.page", "users", "admin"),
    PageEntry("pages/login.py", "auth.page", "login", "viewer", logged_out_only=True),
)
LOGIN = next(page for page in PAGES if page.logged_out_only)


def allowed(page: PageEntry, role: str | None, logged_in: bool) -> bool:
    """May a visitor with ``role`` (None: logged out, nothing public) see ``page``?"""
    if page.logged_out_only:
        return not logged_in
    return role_rank(role) >= role_rank(page.min_role)


def pages_for(role: str | None, logged_in: bool) -> list[PageEntry]:
    """The navigation of one visitor, landing page first. Logged out with nothing public: the login page."""
    return [page for page in PAGES if allowed(page, role, logged_in)]


def entry(path: str) -> PageEntry:
    return next(page for page in PAGES if page.path == path)
