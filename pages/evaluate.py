"""Apakah berhasil? Villages with a programme against villages without it, with what could mislead."""

import streamlit as st

from charts import evaluate as charts
from stunting import app_cache
from stunting.errors import UserError
from stunting.i18n import fmt_month, t
from ui import auth, navigation, sidebar

navigation.through_app()
visitor = auth.require("viewer")  # the role again (ui/pages_registry.py): STUNTING_AUTH=required hides it

view = sidebar.view_sidebar()
lang = view.lang
sidebar.url_notice(lang)
if view.period is None:
    st.info(t("app.no_data", lang))
    st.stop()
regency = view.regency_filter
if regency is None:
    st.info(t("evaluate.regency_needed", lang))
    st.stop()

names = app_cache.programme_names()
with st.expander(t("evaluate.load", lang), expanded=not names):
    st.download_button(
        t("evaluate.template", lang),
        app_cache.programme_template(regency),
        file_name=f"template-program-{regency}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    # Loading programme data changes what everyone sees: data managers of this regency load it on the
    # data page (preview, problems, history and undo there), the one way into the programme store.
    if visitor.user is not None and visitor.user.may_change(regency):
        st.page_link("pages/data.py", label=t("data.programmes.on_data_page", lang), icon="📂")
    else:
        st.caption(t("evaluate.load_needs_login", lang))
if not names:
    st.info(t("evaluate.no_programmes", lang))
    st.stop()

picks = st.columns([1.4, 1])
programme = picks[0].selectbox(
    t("evaluate.programme", lang),
    names,
    key="eval_programme",
    format_func=lambda n: charts.programme_label(n, lang),
)
years = app_cache.programme_start_years(programme, regency)
start = picks[1].selectbox(
    t("evaluate.start", lang),
    [None, *years],
    key="eval_start",
    format_func=lambda y: t("evaluate.start.all", lang) if y is None else str(y),
)
indicator_label = t(f"indicator.{view.indicator}", lang)
title = t(
    "evaluate.title", lang, programme=charts.programme_label(programme, lang), indicator=indicator_label
)
st.markdown(f"### {title}")
try:
    result, context = app_cache.evaluation(programme, regency, start, view.indicator)
except UserError as error:
    st.warning(str(error))
    st.stop()

cards = st.columns([1, 2.2])
cards[0].metric(
    t("evaluate.estimate", lang), charts.estimate_text(result, lang), help=t("evaluate.estimate.help", lang)
)
cards[0].caption(charts.interval_text(result, lang))
cards[0].caption(charts.odds_text(result, lang))
(cards[1].warning if result.verdict == "cannot_conclude" else cards[1].success)(
    charts.verdict_text(result, lang)
)
cards[1].caption(charts.villages_text(result, lang))
for sentence in charts.warning_texts(result, lang):
    st.warning(sentence, icon="⚠️")
if note := charts.excluded_text(result, lang):
    st.caption(note)

left, right = st.columns(2)
left.plotly_chart(charts.groups_figure(result, lang), width="stretch", key="eval_groups")
right.plotly_chart(charts.event_figure(result, lang), width="stretch", key="eval_events")
st.caption(charts.provenance_text(context, lang, app_cache.is_demo()))

st.markdown(f"#### {t('evaluate.recovery.title', lang)}")
recovered = app_cache.recovery(programme, regency)
for column, window in zip(st.columns(2), (6, 12), strict=True):
    column.caption(t("evaluate.recovery.caption", lang, months=window))
    column.dataframe(charts.recovery_table(recovered, window, lang), hide_index=True, width="stretch")

st.markdown(f"#### {t('evaluate.act.title', lang)}")
ranking = app_cache.where_to_act(view.indicator, view.period, regency)
st.caption(t("evaluate.act.caption", lang, period=fmt_month(view.period, lang)))
st.dataframe(charts.action_table(ranking, lang), hide_index=True, width="stretch")
