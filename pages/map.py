"""Peta: every village of the chosen regency coloured by prevalence; click one for its story."""

import streamlit as st

from stunting.i18n import t
from ui import auth, map_panel, navigation, sidebar, story_button

navigation.through_app()
auth.require("viewer")  # the role again (ui/pages_registry.py): STUNTING_AUTH=required hides it

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
map_column, panel_column = st.columns(map_panel.MAP_PANEL_WIDTHS)
with map_column:
    clicked = map_panel.render_map(model)
with kpi_cards:
    map_panel.render_kpis(model)
if clicked and clicked != view.village:
    sidebar.select_village(clicked)
    st.rerun()
with panel_column:  # beside the map: the room sees the map and the village on one screen
    if view.village:
        map_panel.render_village_panel(model)
    else:
        map_panel.render_area_panel(model)
map_panel.render_village_table(model)
