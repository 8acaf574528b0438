"""Apakah berhasil? Villages with a programme against villages without it, with what could mislead."""

import tempfile
from pathlib import Path

import streamlit as st

from charts import evaluate as charts
from stunting import app_cache, programmes
from stunting.errors import UserError
from stunting.i18n import fmt_month, t
from ui import auth, navigation, sidebar, uploader

# A programme workbook is a few hundred KB (252 villages x years x 18 indicators); 10 MB is an
# e-PPGBM export or another wrong file, refused before it is read.
UPLOAD_MB = 10

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
    # Loading programme data changes what everyone sees: data managers of this regency only.
    may_load = visitor.user is not None and visitor.user.may_change(regency)
    upload = (
        uploader.file_uploader(
            t("evaluate.upload", lang), key="eval_upload", types=["xlsx", "csv"], max_mb=UPLOAD_MB, lang=lang
        )
        if may_load
        else None
    )
    if not may_load:
        st.caption(t("evaluate.load_needs_login", lang))
    accept = may_load and st.checkbox(t("evaluate.accept_valid", lang), key="eval_accept")
    if upload is not None and st.button(t("evaluate.store", lang), key="eval_store"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(upload.name).name  # messages name the user's own file
            path.write_bytes(upload.getvalue())
            try:
                stored = programmes.import_file(path, accept_valid=accept, data_dir=app_cache.data_dir())
            except UserError as error:
                st.error(str(error))
            else:
                rows = ", ".join(f"{sheet} {count}" for sheet, count in stored.stored.items())
                st.success(t("evaluate.stored", lang, rows=rows, problems=len(stored.problems)))
                names = app_cache.programme_names()
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
