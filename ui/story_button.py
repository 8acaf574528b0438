"""The story in the session, and the one-line "Tambahkan tampilan ini ke cerita" for other pages.

The map page calls ``map_buttons(view)`` and the comparison page ``compare_buttons(view, code_a,
code_b, period_b)``: each draws a small menu that adds the current view to the story as a slide and
offers the view as a static PNG or PDF (the same picture the PPTX export draws, with its title and
source line, made on click).
"""

from __future__ import annotations

import streamlit as st

from stunting import app_cache
from stunting.i18n import t
from stunting.story import COMPARE_FIGURES, MAP_WIDE_LEVELS, Slide, Story, load_story, new_slide, with_slide
from stunting.viewstate import ViewState

STORY_KEY = "story"


def current_story() -> Story:
    """The session's story: the built-in one until the user edits or uploads another."""
    if STORY_KEY not in st.session_state:
        st.session_state[STORY_KEY] = load_story()
    return st.session_state[STORY_KEY]


def set_story(story: Story) -> None:
    st.session_state[STORY_KEY] = story


def map_view(view: ViewState) -> dict:
    """The map page's URL state as a slide's view (the presenter picks the language): a national or
    province map by its level (a province's kecamatan with ``areas``), a regency's or kecamatan's by
    its codes."""
    if view.level in MAP_WIDE_LEVELS:
        fields = ("indicator", "period", "level", "province", "areas", "sex", "age", "classes")
    else:
        fields = ("indicator", "period", "regency", "kecamatan", "village", "sex", "age", "classes")
    return {name: getattr(view, name) for name in fields if getattr(view, name) is not None}


def _add(slide: Slide, lang: str) -> None:
    story = with_slide(current_story(), slide)
    set_story(story)
    st.toast(t("story.added", lang, number=len(story.slides)), icon=":material/playlist_add:")


def _image(slide: Slide, lang: str, fmt: str):
    """A callable for st.download_button: draws the view only when the user clicks."""
    folder = app_cache.data_dir()

    def draw() -> bytes:
        from render import StoryRenderer
        from render.export import view_bytes

        return view_bytes(StoryRenderer(folder).render(slide, 1, lang), fmt, lang)

    return draw


def _menu_body(slide: Slide, lang: str, key: str) -> None:
    if st.button(t("story.add", lang), key=f"{key}_add", icon=":material/playlist_add:"):
        _add(slide, lang)
    if slide.ok:
        name = f"peta-stunting-{slide.page}-{slide.figure}-{slide.view.get('period', '')}"
        st.download_button(
            "PNG",
            _image(slide, lang, "png"),
            f"{name}.png",
            "image/png",
            key=f"{key}_png",
            icon=":material/image:",
            on_click="ignore",
        )
        st.download_button(
            "PDF",
            _image(slide, lang, "pdf"),
            f"{name}.pdf",
            "application/pdf",
            key=f"{key}_pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )


def map_buttons(view: ViewState) -> None:
    """The map page's one line: add this map to the story, or download it as PNG/PDF."""
    with st.popover(t("story.page", view.lang), icon=":material/slideshow:"):
        _menu_body(
            _map_slide(tuple(map_view(view).items()), app_cache.snapshot_key()), view.lang, "story_map"
        )


@st.cache_data(max_entries=app_cache.MAX_ENTRIES, show_spinner=False)
def _map_slide(view_items: tuple, key: str) -> Slide:
    """The map's slide, once per view for every session: naming its area in both languages looks the
    gazetteer up (tens of ms, on every map rerun). Keyed by the view and the snapshots' names."""
    return new_slide("map", dict(view_items))


def compare_buttons(view: ViewState, code_a: str, code_b: str, period_b: str | None) -> None:
    """The comparison page's one line: pick which part (headline, trend, ranking, age profile),
    then add it to the story or download it as PNG/PDF."""
    lang = view.lang
    compare_view = {
        "indicator": view.indicator,
        "a": code_a,
        "b": code_b,
        "period": view.period,
        "period_b": period_b,
    }
    with st.popover(t("story.page", lang), icon=":material/slideshow:"):
        figure = st.radio(
            t("story.figure", lang),
            COMPARE_FIGURES,
            key="story_compare_figure",
            format_func=lambda f: t(f"story.figure.{f}", lang),
        )
        _menu_body(new_slide("compare", compare_view, figure=figure), lang, "story_compare")
