"""Bandingkan: two areas (or one area in two periods) side by side, with honest statistics."""

import streamlit as st

from charts import compare as charts
from geo.choropleth import MapOptions, build_map
from stunting import app_cache
from stunting.classes import who_classes
from stunting.compare import (
    Choices,
    area,
    area_codes,
    choices_query,
    overlap_note,
    parse_choices,
    weighting_note,
)
from stunting.i18n import fmt_month, provenance, t
from stunting.plaintext import csv_bytes, markdown_code
from ui import auth, folium_view, navigation, sidebar, story_button

navigation.through_app()
auth.require("viewer")  # the role again (ui/pages_registry.py): STUNTING_AUTH=required hides it

MAP_HEIGHT_PX = 330  # two maps side by side under the headline fit a 1366x768 projector
_READY, _REJECTED = "_compare_from_url", "_compare_rejected"
SAME = ""  # period of B: "the same as A" (None would read as "nothing chosen" in a selectbox)
TABS = (
    ("trend", ("trend",)),
    ("indicators", ("small_multiples",)),
    ("distribution", ("distribution", "classes")),
    ("ranking", ("ranking",)),
    ("change", ("change",)),
    ("age", ("age",)),
)

if not st.session_state.get(_READY):  # before the shared sidebar rewrites the URL with its own parameters
    wanted, st.session_state[_REJECTED] = parse_choices(st.query_params.to_dict(), app_cache.periods())
    st.session_state.update(cmp_a=wanted.a, cmp_b=wanted.b, cmp_pb=wanted.period_b or SAME, **{_READY: True})
view = sidebar.view_sidebar(choose_regency=False)  # the areas below are this page's regency choice
lang = view.lang
sidebar.url_notice(lang)
for name, value in st.session_state.pop(_REJECTED, []):
    details = t("notice.url.item", lang, name=name, value=markdown_code(value[:40]))
    st.warning(t("notice.url", lang, details=details), icon="🔗")
if view.period is None:
    st.info(t("app.no_data", lang))
    st.stop()

picks = st.columns([1, 1, 0.7])
code_a, code_b = (
    column.selectbox(
        t(f"compare.side.{side}", lang),
        area_codes(),
        key=sidebar.translated(f"cmp_{side}"),
        persist_state="session",
        format_func=lambda code: charts.area_option_label(code, lang),
    )
    for column, side in zip(picks[:2], ("a", "b"), strict=True)
)
period_b = (
    picks[2].selectbox(
        t("compare.period_b", lang),
        [SAME, *sorted(app_cache.periods(), reverse=True)],
        key=sidebar.translated("cmp_pb"),
        persist_state="session",  # back from another page: the same comparison (widget state is per page)
        format_func=lambda p: (
            t("compare.period_b.same", lang, month=fmt_month(view.period, lang))
            if p == SAME
            else sidebar.period_label(p, lang)
        ),
    )
    or None
)
st.query_params.update(choices_query(Choices(code_a, code_b, period_b)))
if period_b is None and "pb" in st.query_params:
    del st.query_params["pb"]
indicator_label = t(f"indicator.{view.indicator}", lang)
st.markdown(f"### {t('compare.title', lang, indicator=indicator_label)}")
with st.sidebar:  # in the sidebar: both maps keep the first screen of a 1366x768 projector
    story_button.compare_buttons(view, code_a, code_b, period_b)
if code_a == code_b and (period_b or view.period) == view.period:
    st.info(t("compare.same", lang, area=area(code_a).name, period=fmt_month(view.period, lang)))
    st.stop()

page = app_cache.comparison(view.indicator, code_a, code_b, view.period, period_b or view.period)
top, labels, demo = page.headline, charts.side_labels(page.headline, lang), app_cache.is_demo()

# Headline: both sides, then the difference (or why there is none) and the standardised comparison.
cards = st.columns([1, 1, 1.3])
for column, side in zip(cards[:2], (top.a, top.b), strict=True):
    column.metric(charts.side_caption(side, lang), charts.rate_value(side, lang))
    # The source beside the number, not only behind a "?": a photo of the screen keeps it.
    column.caption(charts.side_detail(side, lang))
    column.caption(provenance(side.period, [side.source], side.measured, lang, demo))
if top.possible:
    cards[2].metric(t("compare.difference", lang), charts.points_value(top.difference, lang))
    cards[2].caption(
        charts.difference_text(top, lang) + "  \n" + charts.standardised_text(top, lang),
        help=t("compare.standardised.help", lang),
    )
else:
    cards[2].info(charts.not_possible_text(top, lang))
if note := overlap_note(top, lang):  # shared children: one area in two periods, or nested areas
    st.info(note, icon=":material/join_inner:")
if note := weighting_note(top, lang):  # a province: child-weighted (its number) and population-weighted
    st.caption(note)
if top.verdict:
    st.warning(charts.verdict_text(top, lang), icon="⚖️")

# Side-by-side maps: the same WHO classes and colours on both, one legend above them (none inside a map
# covers villages); villages per class below.
st.markdown(charts.maps_legend(view.indicator, lang), unsafe_allow_html=True)
scheme = who_classes(view.indicator)
sides = list(zip(st.columns(2), ("a", "b"), (top.a, top.b), strict=True))
# Both maps are drawn the same size, each fitted to its area: each says how wide its area is, and the
# smaller area's map how much larger it is drawn, so Bontang does not pass for as big as Kukar.
shapes_of = {}
for _column, side, info in sides:
    where = area(info.code)
    # A province or regency side draws all its villages; a kecamatan or village side its kecamatan's.
    kecamatan = where.code[:8] if where.level in ("kecamatan", "village") else None
    shapes_of[side] = app_cache.display_areas("village", where.regency, kecamatan)
across = {side: charts.extent_km(shapes_of[side]) for side in shapes_of}
for column, side, info in sides:
    where = area(info.code)
    rates = page.villages[page.villages["side"] == side]
    shapes = shapes_of[side]
    outlines = {
        f"{level}_areas": app_cache.outline_areas(level, where.regency)
        for level in ("kecamatan", "regency")
        if where.level == "regency"
    }
    shapes = shapes[shapes["code"].isin(rates["code"])]
    choropleth = build_map(
        shapes,
        rates,
        scheme,
        lang=lang,
        period=info.period,
        indicator_label=indicator_label,
        options=MapOptions(legend=False, layers_collapsed=True),
        **outlines,
    )
    with column:
        # Through ui/folium_view, like the map page's: the same component, and a map that would
        # send the browser to a CDN is refused.
        drawn = folium_view.rendered(
            choropleth.base, feature_group_to_add=choropleth.villages, returned_objects=()
        )
        folium_view.show(drawn, key=f"compare_map_{side}", height=MAP_HEIGHT_PX)
        scale = charts.scale_text(across, side, lang)
        st.caption(f"**{labels[side]}** · {scale} · {charts.class_chips(page, side, lang)}")

# Charts, each downloadable as PNG (plotly's camera button) and its data as CSV.
st.caption(t("compare.png_hint", lang))
tabs = st.tabs([t(f"compare.tab.{name}", lang) for name, _ in TABS])
for tab, (_name, charts_in_tab) in zip(tabs, TABS, strict=True):
    with tab:
        for chart in charts_in_tab:
            st.plotly_chart(
                charts.figure(page, chart, labels, lang, indicator_label=indicator_label),
                config=charts.png_config(chart),
                width="stretch",
                key=f"chart_{chart}",
            )
            data = csv_bytes(charts.chart_data(page, chart, labels, lang, demo=demo))
            st.download_button(
                t("download.csv", lang),
                data,
                mime="text/csv",
                key=f"csv_{chart}",
                file_name=f"compare-{chart}-{code_a}-{code_b}.csv",
            )
        if caption := charts.tab_caption(page, charts_in_tab[0], lang, demo):
            st.caption(caption)
