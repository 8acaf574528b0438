"""Cerita: the story's slides (reorder, edit, delete, upload, download) and the full-screen present mode."""

import base64

import streamlit as st

from stunting import app_cache
from stunting.errors import UserError
from stunting.i18n import LANGUAGES, fmt_month, t
from stunting.indicators import INDICATORS
from stunting.plaintext import html_literal, markdown_literal
from stunting.story import (
    LATEST,
    MAX_STORY_BYTES,
    dump_story,
    load_story,
    moved,
    parse_slide,
    parse_story,
    slide_to_dict,
    with_slide,
    without,
)
from ui import auth, navigation, sidebar, uploader
from ui.story_button import current_story, set_story

navigation.through_app()
auth.require("viewer")  # the role again (ui/pages_registry.py): STUNTING_AUTH=required hides it

PRESENT, INDEX, UPLOADED = "story_present", "story_index", "story_uploaded"
NARRATIVE_ON = "story_show_narrative"
# Present mode on a 1366x768 projector: the browser leaves about 650 px; title, source line and
# controls take about 200 px, the picture gets the rest and never pushes the controls off screen.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"] {display: none !important;}
.block-container {padding: 0.6rem 1.5rem 0.2rem 1.5rem !important; max-width: 100% !important;}
.story-title {font-size: 2.1rem; font-weight: 700; line-height: 1.15; margin: 0 0 0.3rem 0;}
.story-image {display: block; margin: 0 auto; max-width: 100%; max-height: calc(100vh - 210px);}
.story-image.with-narrative {max-height: calc(100vh - 330px);}
.story-narrative {font-size: 1.25rem; line-height: 1.35; color: #111; margin: 0.3rem 0 0 0;
                  max-height: 120px; overflow-y: auto;}
.story-source {font-size: 1.15rem; color: #333; margin-top: 0.2rem;}
.story-error {font-size: 1.5rem; color: #b30000; margin: 3rem 0;}
</style>"""


@st.cache_data(max_entries=64, show_spinner=False)
def _rendered(folder: str, key: str, slide_text: str, number: int, lang: str, _slide):
    """One slide's picture and source line, cached per store snapshot and slide content (the slide
    itself is not hashed: its text stands for it)."""
    from render import StoryRenderer

    return StoryRenderer(folder).render(_slide, number, lang)


def render_slide(slide, number: int, lang: str):
    folder = app_cache.data_dir()
    text = repr((slide_to_dict(slide), slide.errors))
    return _rendered(str(folder), app_cache.snapshot_key(folder), text, number, lang, slide)


def _go(offset: int, total: int) -> None:
    st.session_state[INDEX] = max(0, min(total - 1, st.session_state.get(INDEX, 0) + offset))


def present(story, lang: str) -> None:
    st.markdown(PRESENT_CSS, unsafe_allow_html=True)
    total = len(story.slides)
    index = max(0, min(total - 1, st.session_state.get(INDEX, 0)))
    with st.spinner(t("story.preparing", lang)):
        shown = render_slide(story.slides[index], index + 1, lang)
    st.markdown(f'<div class="story-title">{html_literal(shown.title)}</div>', unsafe_allow_html=True)
    # The narrative under the picture, for a room without the presenter's notes: the picture shrinks
    # by what the text needs, so the controls stay on screen.
    narrative = shown.narrative if st.session_state.get(NARRATIVE_ON) else ""
    if shown.png is not None:
        encoded = base64.b64encode(shown.png).decode("ascii")
        picture_class = "story-image with-narrative" if narrative else "story-image"
        st.markdown(
            f'<img class="{picture_class}" alt="{html_literal(shown.title)}" '
            f'src="data:image/png;base64,{encoded}">',
            unsafe_allow_html=True,
        )
        st.markdown(f'<div class="story-source">{html_literal(shown.source)}</div>', unsafe_allow_html=True)
        if narrative:
            st.markdown(
                f'<div class="story-narrative">{html_literal(narrative)}</div>', unsafe_allow_html=True
            )
    else:
        st.markdown(
            f'<div class="story-error">{html_literal(t("story.slide_error", lang, error=shown.error))}</div>',
            unsafe_allow_html=True,
        )
    controls = st.columns([1, 1, 1, 1, 1], vertical_alignment="center")
    controls[0].button(
        t("story.previous", lang),
        icon=":material/arrow_back:",
        shortcut="Left",
        disabled=index == 0,
        on_click=_go,
        args=(-1, total),
        key="story_prev",
    )
    controls[1].markdown(f"**{t('story.slide_counter', lang, number=index + 1, total=total)}**")
    controls[2].button(
        t("story.next", lang),
        icon=":material/arrow_forward:",
        shortcut="Right",
        type="primary",
        disabled=index == total - 1,
        on_click=_go,
        args=(+1, total),
        key="story_next",
    )
    controls[3].toggle(t("story.show_narrative", lang), key=NARRATIVE_ON)
    controls[4].button(
        t("story.exit", lang),
        icon=":material/close:",
        shortcut="Esc",
        key="story_exit",
        on_click=lambda: st.session_state.update({PRESENT: False}),
    )


def _slide_caption(slide, lang: str) -> str:
    """ "Bandingkan · tren · Stunting (pendek) · Agustus 2024": where the slide's view comes from."""
    parts = [t(f"story.page.{slide.page}", lang)]
    if slide.page != "map":
        parts.append(t(f"story.figure.{slide.figure}", lang))
    if slide.view.get("indicator") in INDICATORS:
        parts.append(t(f"indicator.{slide.view['indicator']}", lang))
    period = slide.view.get("period")
    if period == LATEST:
        parts.append(t("story.latest", lang))
    elif period is not None and slide.ok:
        parts.append(fmt_month(period, lang))
    return " · ".join(parts)


def edit_slide(story, index: int, lang: str) -> None:
    slide = story.slides[index]
    with st.form(f"story_form_{index}", border=False):
        titles = {
            code: st.text_input(
                t("story.field.title", lang, language=code),
                slide.title.get(code, ""),
                key=f"story_title_{index}_{code}",
            )
            for code in LANGUAGES
        }
        narratives = {
            code: st.text_area(
                t("story.field.narrative", lang, language=code),
                slide.narrative.get(code, ""),
                key=f"story_narrative_{index}_{code}",
            )
            for code in LANGUAGES
        }
        if st.form_submit_button(t("story.save", lang)):
            raw = slide_to_dict(slide) | {"title": titles, "narrative": narratives}
            set_story(with_slide(story, parse_slide(raw, index + 1), index))
            st.rerun()


def slide_list(story, lang: str) -> None:
    st.markdown(f"#### {t('story.slides', lang)}")
    for index, slide in enumerate(story.slides):
        with st.container(border=True):
            row = st.columns([6, 1, 1, 1], vertical_alignment="center")
            title = slide.text("title", lang) or t("story.untitled", lang)
            row[0].markdown(
                f"**{markdown_literal(t('story.slide_label', lang, number=index + 1, title=title))}**"
            )
            row[0].caption(markdown_literal(_slide_caption(slide, lang)))
            for error in slide.errors:
                row[0].warning(markdown_literal(error), icon=":material/warning:")
            if row[1].button(
                t("story.move_up", lang),
                key=f"story_up_{index}",
                disabled=index == 0,
                icon=":material/arrow_upward:",
            ):
                set_story(moved(story, index, -1))
                st.rerun()
            if row[2].button(
                t("story.move_down", lang),
                key=f"story_down_{index}",
                disabled=index == len(story.slides) - 1,
                icon=":material/arrow_downward:",
            ):
                set_story(moved(story, index, +1))
                st.rerun()
            if row[3].button(
                t("story.delete", lang),
                key=f"story_delete_{index}",
                icon=":material/delete:",
                disabled=len(story.slides) == 1,
            ):
                set_story(without(story, index))
                st.rerun()
            with st.expander(t("story.edit", lang)):
                edit_slide(story, index, lang)


def files(story, lang: str) -> None:
    from render.export import export_bytes

    folder = app_cache.data_dir()
    actions = st.columns(4)
    if actions[0].button(
        t("story.present", lang), type="primary", icon=":material/slideshow:", key="story_start"
    ):
        st.session_state.update({PRESENT: True, INDEX: 0})
        st.rerun()
    for column, fmt, mime in (
        (actions[1], "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (actions[2], "pdf", "application/pdf"),
    ):
        column.download_button(
            t(f"story.download_{fmt}", lang),
            lambda fmt=fmt: export_bytes(story, fmt, lang, folder),
            f"cerita-peta-stunting-{lang}.{fmt}",
            mime,
            key=f"story_{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )
    actions[3].download_button(
        t("story.download_yaml", lang),
        dump_story(story),
        "cerita.yaml",
        "application/yaml",
        key="story_yaml",
        on_click="ignore",
    )
    st.caption(t("story.keys", lang))
    upload = uploader.file_uploader(
        t("story.upload", lang),
        types=["yaml", "yml"],
        key="story_upload",
        max_mb=max(1, MAX_STORY_BYTES // 2**20),
        lang=lang,
    )
    if upload is not None and st.session_state.get(UPLOADED) != upload.file_id:
        st.session_state[UPLOADED] = upload.file_id
        try:
            uploaded = parse_story(upload.getvalue(), upload.name)
        except UserError as error:
            st.error(markdown_literal(error))
        else:
            set_story(uploaded)
            st.success(t("story.uploaded", lang, count=len(uploaded.slides)))
    if st.button(t("story.reset", lang), key="story_reset", icon=":material/restart_alt:"):
        set_story(load_story())
        st.rerun()


view = sidebar.view_sidebar()
story = current_story()
if st.session_state.get(PRESENT):
    present(story, view.lang)
else:
    st.markdown(f"### {markdown_literal(story.text(view.lang))}")
    st.caption(t("story.intro", view.lang))
    files(story, view.lang)
    slide_list(story, view.lang)
