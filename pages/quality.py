"""Kualitas data: can this village's number be trusted? A map coloured by one check, units ranked by
it (with CSV), and one unit's card with every check and its plain-language reading."""

import streamlit as st

from charts import quality as charts
from stunting import app_cache
from stunting.i18n import fmt_month, provenance, t
from stunting.plaintext import csv_bytes
from stunting.quality import targets
from ui import auth, folium_view, navigation, sidebar

navigation.through_app()
auth.require("viewer")  # the role again (ui/pages_registry.py): STUNTING_AUTH=required hides it

MAP_HEIGHT_PX = 430  # the map and the ranked table's first rows on one 1366x768 projector screen
LEVELS = ("village", "posyandu", "puskesmas", "kecamatan")  # the map's level first


view = sidebar.view_sidebar()
lang = view.lang
sidebar.url_notice(lang)
if view.period is None:
    st.info(t("app.no_data", lang))
    st.stop()

st.markdown(f"### {t('quality.title', lang, month=fmt_month(view.period, lang))}")
st.caption(t("quality.intro", lang))
picks = st.columns(2)
check = picks[0].selectbox(
    t("quality.check", lang),
    charts.MAP_CHECKS,
    key="quality_check",
    format_func=lambda c: t(f"quality.check.{c}", lang),
)
level = picks[1].selectbox(
    t("quality.level", lang), LEVELS, key="quality_level", format_func=lambda v: t(f"quality.level.{v}", lang)
)
villages = app_cache.quality(view.period, "village", view.regency_filter)
units = villages if level == "village" else app_cache.quality(view.period, level, view.regency_filter)
demo = app_cache.is_demo()

map_column, table_column = st.columns((3, 2))
with map_column:
    areas = app_cache.display_areas("village", view.regency_filter, None)
    # Nothing on the map changes the page (no returned objects): panning never reruns it.
    drawn = folium_view.rendered(
        charts.quality_map(areas, villages, check, lang=lang, period=view.period), returned_objects=()
    )
    folium_view.show(drawn, key="quality_map", height=MAP_HEIGHT_PX)
    st.caption(provenance(view.period, {"measurements"}, int(villages["children"].sum()), lang, demo))
with table_column:
    st.markdown(f"**{t('quality.ranking', lang, level=t(f'quality.level.{level}', lang))}**")
    st.dataframe(charts.ranking(units, check, lang), hide_index=True, height=MAP_HEIGHT_PX - 40)
    st.download_button(
        t("download.csv", lang),
        csv_bytes(units.drop(columns=[c for c in units.columns if c.startswith("status_")])),
        file_name=f"kualitas-{level}-{view.period}.csv",
        mime="text/csv",
    )

st.markdown(f"**{t('quality.card', lang)}**")
codes = units["code"].tolist()
names = dict(zip(units["code"], units["name"], strict=True))
code = st.selectbox(t("quality.card.unit", lang), codes, key="quality_unit", format_func=names.get)
if code is not None:
    row = units[units["code"] == code].iloc[0].to_dict()
    st.caption(provenance(view.period, {"measurements"}, int(row["children"]), lang, demo))
    for text in charts.readings(row, lang) or [t("quality.reading.ok", lang)]:
        st.markdown(f"- {text}")
    st.dataframe(charts.unit_card(row, lang), hide_index=True)

st.download_button(
    t("quality.targets.template", lang),
    csv_bytes(targets.template(view.regency_filter, int(view.period[:4]))),
    file_name=f"sasaran-{view.period[:4]}.csv",
    mime="text/csv",
    help=t("quality.targets.help", lang),
)
