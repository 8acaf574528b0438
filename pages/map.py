"""Peta: Indonesia's regencies, a province's regencies or kecamatan, or a regency's villages coloured
by prevalence; click a regency or kecamatan to open its villages, a village for its story, the
breadcrumb to go back up."""

import streamlit as st

from stunting.i18n import t
from ui import auth, map_panel, navigation, sidebar, story_button

navigation.through_app()
auth.require("viewer")  # the role again (ui/pages_registry.py): STUNTING_AUTH=required hides it

# The meeting room sees the map first: on a 1366x768 projector it takes the page's width under one
# compact row of headline cards, and the village panel floats over its right edge (a column beside
# it would take two fifths of the map). Sizes are measured by tests/test_browser.py.
st.html(
    "<style>"
    # The header bar is empty but for the menu at the far right: the page starts under it, not below it.
    "[data-testid='stHeader']{background:transparent;pointer-events:none}"
    "[data-testid='stHeader'] *{pointer-events:none !important}"
    # Only the menu and the running man take clicks: the toolbar spans the page's width, over the
    # breadcrumb's buttons.
    "[data-testid='stHeader'] [data-testid='stMainMenu'],"
    "[data-testid='stHeader'] [data-testid='stMainMenu'] *,"
    "[data-testid='stHeader'] [data-testid='stStatusWidget'] *{pointer-events:auto !important}"
    ".block-container{padding:.5rem .9rem 1rem .9rem}"
    "[data-testid='stMainBlockContainer'] [data-testid='stVerticalBlock']{gap:.35rem}"
    ".st-key-map_title{margin-right:2.5rem;gap:.2rem 1rem;align-items:baseline}"
    ".st-key-map_title h3{padding:0;font-size:1.5rem}"
    # The breadcrumb's buttons no taller than the title's text: the line keeps its height.
    ".st-key-map_breadcrumb button{min-height:0;padding:0 .15rem;line-height:1.4}"
    ".st-key-map_title [data-testid='stCaptionContainer']{padding-bottom:.2rem}"
    "[data-testid='stMetricValue']{font-size:1.5rem;line-height:1.15}"
    "[data-testid='stMetricDelta']{font-size:.9rem;padding-top:0;padding-bottom:0}"
    "[data-testid='stMetricLabel'] p,.peta-card-label{font-size:0.9rem;font-weight:600}"
    ".st-key-map_stage{position:relative}"
    f".st-key-map_side{{position:absolute;top:8px;right:8px;width:{map_panel.PANEL_WIDTH_PX}px;"
    f"max-height:{map_panel.MAP_HEIGHT_PX - 16}px;overflow-y:auto;z-index:5;background:#fff;"
    "padding:8px 12px;border-radius:6px;box-shadow:0 1px 6px rgba(0,0,0,.35);gap:.5rem}"
    "</style>"
)

view = sidebar.view_sidebar(map_filters=True)
sidebar.url_notice(view.lang)
if view.period is None:
    st.info(t("app.no_data", view.lang))
    st.stop()

model = map_panel.build_model(view, basemap=sidebar.basemap_on())
map_panel.render_header(model)
with st.sidebar:  # in the sidebar: the map keeps the first screen of a 1366x768 projector
    story_button.map_buttons(view)
kpi_cards = st.container()  # above the map, filled after it: a new period recolours the map first
with st.container(key="map_stage"):
    clicked = map_panel.render_map(model)
    # Always there (empty of a village before a click): the map's place in the page never changes,
    # so a click does not remount it and lose the presenter's zoom.
    panel = st.container(key="map_side")
with kpi_cards:
    map_panel.render_kpis(model)
if clicked and model.regency_level:
    # A regency (or a province's kecamatan) clicked on the national or province map: its village map.
    sidebar.go_to(model.areas_level, clicked)
    st.rerun()
if clicked and clicked != view.village:
    sidebar.select_village(clicked)
    st.rerun()
with panel:
    if view.village and not model.regency_level:
        map_panel.render_village_panel(model)
    else:
        map_panel.render_area_panel(model)
map_panel.render_village_table(model)
