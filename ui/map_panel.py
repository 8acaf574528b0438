"""The map page's parts: KPI cards, the choropleth, the village panel and the tables.

Every level of the map: the national view draws Indonesia's 514 regencies, a province view its
regencies (or its kecamatan, ``ViewState.areas``), a regency view its villages, a kecamatan view its
villages in detail. A click on a regency or kecamatan opens its village view (``ui.sidebar.go_to``);
a click on a village opens its panel.

``build_model`` gathers everything one view needs (cached queries, boundaries, classes, the folium
map); the ``render_*`` functions only draw it. Every number is followed by its period, source and
number of children; every table can be downloaded as CSV (aggregates only).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, fields, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from charts import breakdown_figure, trend_figure
from charts.evaluate import programme_label
from charts.quality import add_warning_marks, warning_text
from geo.choropleth import (
    AREA_DECIMALS,
    DETAIL_DECIMALS,
    NATIONAL_DECIMALS,
    OVERVIEW_DECIMALS,
    Choropleth,
    MapOptions,
    build_map,
)
from stunting import app_cache
from stunting.classes import ClassScheme, make_scheme
from stunting.gazetteer import name_of, regencies, villages
from stunting.i18n import (
    fmt_children,
    fmt_month,
    fmt_percent,
    fmt_points,
    period_a_year_before,
    provenance,
    t,
    trend_provenance,
)
from stunting.indicators import INDICATORS
from stunting.plaintext import csv_bytes, markdown_literal
from stunting.story import map_area_name
from stunting.viewstate import ViewState
from ui import breadcrumb, builder_process, folium_view, sidebar, tables

# The map takes the width of the page and this height: at 1366x768 with the sidebar open it is more
# than half the screen, and at 1366x657 (a browser window on the projector) it still ends above the
# fold under the title and the one row of headline cards (tests/test_browser.py measures both).
MAP_HEIGHT_PX = 500
# The village panel floats over the map's right edge (pages/map.py's CSS) instead of a column beside
# it: a column would take 2/5 of the map's width. The map's opening view keeps its villages clear of
# it (MapOptions.clear_right_px), and the panel's position never moves the map (no remount, the
# presenter's zoom stays).
PANEL_WIDTH_PX = 380
# The panel's charts: a tab bar and a caption above and under them still end within the map's height.
PANEL_CHART_HEIGHT_PX = 230
MAP_KEY = "village_map"
# The table under the map: its folded box, the same widget on every level.
TABLE_KEY = "map_table"
_LAST_CLICK = "_map_last_click"
# The village panel's tabs (trend, breakdown, comparison): the one open is kept across reruns.
PANEL_TABS_KEY = "village_tab"
# Only the clicked feature and the click position come back (render_map).
RETURNED_OBJECTS = ("last_active_drawing", "last_object_clicked")
# Finished views kept for every session (build_model): a meeting clicks through a few dozen, and the
# builder's spare time fills a regency's 56 (14 periods x 4 indicators); one regency's village view
# is about 0.3 MB (Kukar, 237 villages: 220 kB of script and layer).
VIEWS_CACHED = 128
# Finished charts kept (the trends and breakdowns of the panels): a few tens of kB each.
CHARTS_CACHED = 256


@dataclass
class MapModel:
    view: ViewState
    demo: bool
    indicator_label: str
    scheme: ClassScheme
    frame: gpd.GeoDataFrame  # one row per village drawn: rates, state, class (geo.choropleth.map_frame)
    choropleth: Choropleth | None  # None once rendered (build_model)
    schematic: bool
    quality: pd.DataFrame | None = None  # village-level data-quality table (the warning marks)
    # What the polygons are: villages (a regency or kecamatan view), regencies (national, province)
    # or a province's kecamatan.
    areas_level: str = "village"
    # The map as st_folium's component receives it, rendered once per view (ui/folium_view.py),
    # and its widget key; the folium objects are let go once rendered.
    rendered: folium_view.RenderedMap | None = None
    map_key: str = ""
    hashed_key: str = ""

    @property
    def regency_level(self) -> bool:
        """The map draws regencies or kecamatan (the national and province views): a click opens
        that area's village map, not a village panel."""
        return self.areas_level != "village"

    def words(self, regencies_key: str) -> str:
        """The i18n key of a regencies' wording (``*.regencies``) for the areas drawn."""
        return (
            regencies_key.replace("regencies", "kecamatan")
            if self.areas_level == "kecamatan"
            else regencies_key
        )


def _filters(view: ViewState) -> dict:
    return {"sex": view.sex, "age_group": view.age}


def filter_text(view: ViewState) -> str:
    """The sex and age filters in words (" · Perempuan · 24-59 bulan"), "" without filters: a
    screenshot of a filtered map must not pass for all children."""
    parts = []
    if view.sex is not None:
        parts.append(t(f"sex.{view.sex}", view.lang))
    if view.age is not None:
        parts.append(t("age_group.label", view.lang, group=view.age))
    return "".join(f" · {part}" for part in parts)


def show_table(table: pd.DataFrame, lang: str, **kwargs) -> None:
    st.dataframe(tables.styled(table, lang), hide_index=True, width="stretch", **kwargs)


def build_model(view: ViewState, basemap: bool) -> MapModel:
    """Everything the map page draws for ``view`` (its period must be set), the map rendered.

    Built once per view for every session (a rerun that finds it costs no drawing): keyed by the
    view without its chosen village (the map does not depend on it), the basemap switch and the
    names of the store's, boundaries' and programme tables' snapshots, never by session. The model
    holds aggregates and boundaries only; the renderers read it and never change it."""
    folder = app_cache.data_dir()
    shared = _shared_model(str(folder), app_cache.programme_key(folder), shared_fields(view), basemap)
    return replace(shared, view=view)


# The fields a map depends on: the view's but its chosen village (the key of the shared maps).
_SHARED_FIELDS = tuple(f.name for f in fields(ViewState) if f.name != "village")


def shared_fields(view: ViewState) -> tuple:
    """``view``'s fields that its map depends on (all but the village), in ViewState's order."""
    return tuple(getattr(view, name) for name in _SHARED_FIELDS)


def _view_of(view_fields: tuple) -> ViewState:
    return ViewState(**dict(zip(_SHARED_FIELDS, view_fields, strict=True)))


@st.cache_resource(max_entries=VIEWS_CACHED, show_spinner=False)
def _shared_model(folder: str, key: str, view_fields: tuple, basemap: bool) -> MapModel:
    # Built in the server's builder process (ui/builder_process.py): a new view's CPU goes to the
    # second core while this process answers the other sessions' cached reruns. The views likely
    # asked for next are then wished for the builder's spare time.
    model = builder_process.build(folder, shared_model, view_fields, basemap)
    builder_process.when_idle(_wishes_after(folder, key, view_fields, basemap))
    return model


def _wishes_after(folder: str, key: str, view_fields: tuple, basemap: bool):
    """``(key, work)`` for each view a person is likely to ask for after this one (the builder's
    spare time): the same map in the other periods, the nearest first, then for the other
    indicators. A generator: nothing is worked out where no wish is taken (off a server)."""
    view = _view_of(view_fields)
    periods = app_cache.periods()
    at = periods.index(view.period) if view.period in periods else 0
    nearest = sorted(range(len(periods)), key=lambda index: abs(index - at))
    views = [replace(view, period=periods[index]) for index in nearest if periods[index] != view.period]
    views += [replace(view, indicator=k) for k in INDICATORS if k != view.indicator]
    for wished in views:
        args = (folder, key, shared_fields(wished), basemap)
        yield args, functools.partial(_in_spare_time, *args)


def _in_spare_time(folder: str, key: str, view_fields: tuple, basemap: bool) -> None:
    # Wished for under the snapshots of its time: after an import the view would be built for a key
    # no run asks for any more.
    if app_cache.programme_key(Path(folder)) != key:
        return
    # The numbers the page reads in this process, not the builder's: its headline cards' rows, with
    # and without a village open (render_kpis); then the map.
    view = _view_of(view_fields)
    if view.level != "national":
        for village_open in (False, True):
            _headline_frame(view.level, view.indicator, view.period, view.province, view.regency_filter,
                            view.kecamatan, village_open, view.sex, view.age)  # fmt: skip
    _shared_model(folder, key, view_fields, basemap)


def shared_model(view_fields: tuple, basemap: bool) -> MapModel:
    """The view (ViewState's fields but its village) built and rendered for the app's data dir, in
    whichever process asks (ui/builder_process.py)."""
    view = _view_of(view_fields)
    model = (
        _regency_model(view, basemap)
        if view.level in ("national", "province")
        else _village_model(view, basemap)
    )
    # Its own key for the regency maps: a click that opened a regency is not read again as a click
    # on that regency's village map.
    model.map_key = {"village": MAP_KEY, "regency": f"{MAP_KEY}_regencies"}.get(
        model.areas_level, f"{MAP_KEY}_{model.areas_level}"
    )
    # The village layer goes in as the layer to swap: when only the period, indicator or a filter
    # changes, the base map stays and the browser swaps the layer instead of reloading Leaflet.
    model.rendered = folium_view.rendered(
        model.choropleth.base,
        feature_group_to_add=model.choropleth.villages,
        returned_objects=RETURNED_OBJECTS,
    )
    model.hashed_key = folium_view.widget_key(model.rendered, model.map_key)
    model.choropleth = None
    return model


def _village_model(view: ViewState, basemap: bool) -> MapModel:
    """A regency's (or a kecamatan's) villages."""
    indicator_label = t(f"indicator.{view.indicator}", view.lang)
    rates = app_cache.prevalence(
        view.indicator,
        view.period,
        "village",
        regency=view.regency_filter,
        kecamatan=view.kecamatan,
        **_filters(view),
    )
    areas = app_cache.display_areas("village", view.regency_filter, view.kecamatan)
    eligible = rates.loc[~rates["suppressed"] & rates["prevalence"].notna(), "prevalence"]
    scheme = make_scheme(view.classes, view.indicator, eligible.to_numpy())
    choropleth = build_map(
        areas,
        rates,
        scheme,
        lang=view.lang,
        period=view.period,
        indicator_label=indicator_label,
        options=MapOptions(
            basemap=basemap,
            decimals=OVERVIEW_DECIMALS if view.kecamatan is None else DETAIL_DECIMALS,
            clear_of_legend=True,  # controls and the legend in a strip on the left
            clear_right_px=PANEL_WIDTH_PX + 16,  # the village panel floats over the right edge
        ),
        kecamatan_areas=app_cache.outline_areas("kecamatan", view.regency_filter),
        regency_areas=app_cache.outline_areas("regency", view.regency_filter),
    )
    # Villages whose data fail a quality check carry a warning mark (in the swapped village layer).
    quality = app_cache.quality(view.period, "village", view.regency_filter)
    add_warning_marks(choropleth.villages, choropleth.frame, quality, view.lang)
    _programme_layers(choropleth, areas, view, scheme)
    return MapModel(
        view,
        app_cache.is_demo(),
        indicator_label,
        scheme,
        choropleth.frame,
        choropleth,
        bool(areas.attrs.get("schematic")),
        quality,
    )


def _regency_model(view: ViewState, basemap: bool) -> MapModel:
    """The national view (all 514 regencies) or a province's: one polygon per regency (or per
    kecamatan of the province), coloured by the same summary and published the same way (too few
    children, no data, intervals). Polygons: the national outlines (a province's kecamatan: the
    installed villages' dissolves) when installed, schematic cells from the centroids otherwise."""
    indicator_label = t(f"indicator.{view.indicator}", view.lang)
    code = view.area_code  # None for Indonesia, the province's code
    drawn = view.areas_level  # regency, or a province's kecamatan
    rates = app_cache.view_rates(view.indicator, view.period, view.level, code, level=drawn, **_filters(view))
    areas = app_cache.national_areas(drawn, code, zoom=view.level)
    eligible = rates.loc[~rates["suppressed"] & rates["prevalence"].notna(), "prevalence"]
    scheme = make_scheme(view.classes, view.indicator, eligible.to_numpy())
    choropleth = build_map(
        areas,
        rates,
        scheme,
        lang=view.lang,
        period=view.period,
        indicator_label=indicator_label,
        options=MapOptions(
            basemap=basemap,
            decimals=NATIONAL_DECIMALS if view.level == "national" else AREA_DECIMALS,
            clear_of_legend=True,
            # Indonesia is wide and low: it fills the width, and the short hint box over the top
            # right corner stays above Papua's coast. A province is fitted left of the panel.
            clear_right_px=0 if view.level == "national" else PANEL_WIDTH_PX + 16,
        ),
        province_areas=app_cache.national_areas("province", code, zoom=view.level),
        regency_areas=app_cache.province_regency_outlines(code) if drawn == "kecamatan" else None,
    )
    return MapModel(
        view,
        app_cache.is_demo(),
        indicator_label,
        scheme,
        choropleth.frame,
        choropleth,
        bool(areas.attrs.get("schematic")),
        None,
        areas_level=drawn,
    )


def _programme_layers(choropleth: Choropleth, areas, view: ViewState, choropleth_scheme: ClassScheme) -> None:
    """Lokus villages, BAAS children (the period's year) and, for one regency, the hot spots: layers
    in the layer control, off when the map opens (geo/programme_layers.py); for one regency also
    the empirical Bayes rates in the map's classes, as a choropleth option."""
    from geo.programme_layers import add_programme_layers

    ranking = None
    if view.regency_filter is not None and view.sex is None and view.age is None:
        ranking = app_cache.where_to_act(view.indicator, view.period, view.regency_filter)
    add_programme_layers(
        choropleth.base,
        areas,
        lokus=app_cache.programme_table("lokus"),
        baas=app_cache.programme_table("baas"),
        year=int(view.period[:4]),
        lang=view.lang,
        ranking=ranking,
        period_label=fmt_month(view.period, view.lang),
        scheme=choropleth_scheme,
    )


def area_name(view: ViewState) -> str:
    """The area the map and its cards are about: "Indonesia", "Prov. Kalimantan Timur",
    "Kec. Tenggarong", a village, or the regency."""
    return _area_name(view.level, view.province, view.regency, view.kecamatan, view.village, view.lang)


@functools.lru_cache(maxsize=4096)
def _area_name(level: str, province, regency, kecamatan, village, lang: str) -> str:
    # From the gazetteer alone (read once per process): looked up once per area, not per rerun.
    if level == "national":
        return t("map.country", lang)
    if level == "province" and province:
        return t("area.province", lang, name=name_of(province))
    return map_area_name({"regency": regency, "kecamatan": kecamatan, "village": village}, lang)


def render_header(model: MapModel) -> None:
    view = model.view
    # The title, the breadcrumb and the subtitle on one line: the height goes to the map. The
    # breadcrumb names the area (its parts open the maps above it); the hint to click is in the
    # panel over the map.
    line = st.container(horizontal=True, key="map_title", vertical_alignment="center")
    line.markdown(
        f"### {html.escape(t('map.title', view.lang, indicator=model.indicator_label))}", width="content"
    )
    breadcrumb.render(view, line)
    subtitle = model.words("map.subtitle.regencies.short") if model.regency_level else "map.subtitle.short"
    line.caption(t(subtitle, view.lang, period=fmt_month(view.period, view.lang)) + filter_text(view))
    if model.schematic:
        # A province's kecamatan are cut from the villages: their note is the villages' one.
        note = "map.schematic_note.national" if model.areas_level == "regency" else "map.schematic_note"
        st.caption(f":orange[:material/info: {t(note, view.lang)}]")


def _chips(rows: list[tuple[str, str, int]], names: list[str]) -> str:
    """Villages per class as colour swatches, each with its count and the class's short name (a count
    beside a colour alone made the room guess the class)."""
    chip = (
        '<span style="display:inline-block;margin:0 7px 0 0;white-space:nowrap;font-size:0.8rem;'
        'line-height:1.3"><span style="display:inline-block;width:10px;height:10px;border:1px solid #555;'
        'background:{colour};margin-right:3px"></span>{count} {name}</span>'
    )
    # Empty classes left out: the legend beside the map lists every class; the row must stay one row.
    return "".join(
        chip.format(colour=c, count=n, name=html.escape(name))
        for (c, _label, n), name in zip(rows, names, strict=True)
        if n
    )


def _class_names(scheme: ClassScheme, lang: str) -> list[str]:
    """The short names of the chips: the scheme's classes, then too few children, then no data."""
    count = len(scheme)
    return [t(f"class.{name}", lang, position=i + 1, count=count) for i, name in enumerate(scheme.names)] + [
        t("class.too_few.short", lang),
        t("class.no_data.short", lang),
    ]


def _headline_rows(model: MapModel, period: str) -> pd.DataFrame:
    """The published rows the cards show for ``period``: the chosen village, the chosen kecamatan,
    the province in view, or each regency in view - a screenshot of Tenggarong carries Tenggarong's
    numbers. The national view has no single row (see render_kpis)."""
    view = model.view
    return _headline_rows_of(
        str(app_cache.data_dir()), app_cache.snapshot_key(), view.level, view.indicator, period,
        view.province, view.regency_filter, view.kecamatan, view.village, view.sex, view.age,
    )  # fmt: skip


@st.cache_resource(max_entries=CHARTS_CACHED, show_spinner=False)
def _headline_rows_of(
    folder: str, key: str, level: str, indicator: str, period: str, province, regency, kecamatan, village,
    sex, age,
) -> pd.DataFrame:  # fmt: skip
    """_headline_rows once per area and period for every session (keyed by the snapshots' names like
    the numbers): every rerun with a village open read the village rates back from st.cache_data (a
    copy of the whole regency's frame, twice) to pick one row, an eighth of a busy server's script
    CPU (py-spy during bench/bench_load.py). The rows are only read afterwards."""
    rows = _headline_frame(
        level, indicator, period, province, regency, kecamatan, village is not None, sex, age
    )
    code = province if level == "province" else village or kecamatan
    return rows if code is None else rows[rows["code"] == code]


def _headline_frame(
    level: str, indicator: str, period: str, province, regency, kecamatan, village_open: bool, sex, age
) -> pd.DataFrame:
    """The cached frame the headline cards take their rows from: the provinces', or the villages',
    kecamatan's or regencies' of the area in view."""
    filters = {"sex": sex, "age_group": age}
    if level == "province":
        return app_cache.view_rates(indicator, period, "national", level="province", **filters)
    if village_open:
        return app_cache.prevalence(
            indicator, period, "village", regency=regency, kecamatan=kecamatan, **filters
        )
    if kecamatan is not None:
        return app_cache.prevalence(indicator, period, "kecamatan", regency=regency, **filters)
    return app_cache.prevalence(indicator, period, "regency", regency=regency, **filters)


def _card_area(model: MapModel, code: str) -> str:
    view = model.view
    if view.level == "province" or view.village is not None or view.kecamatan is not None:
        return area_name(view)
    return regencies()[code].replace("Kabupaten ", "Kab. ")


def render_kpis(model: MapModel) -> None:
    """The headline cards of the area in view, one compact row per area. The page draws them after
    the map (into a container above it), so a new period recolours the map before these queries run.

    The year-on-year card's big number is the change in points, with last year's rate under it in
    grey: neither a rise nor a fall is coloured (a change of a few tenths is often within the noise,
    and "±0,0" must not read as bad news)."""
    view, lang = model.view, model.view.lang
    if view.level == "national":
        _national_kpis(model)
        return
    before = period_a_year_before(view.period)
    rows = _headline_rows(model, view.period)
    year_before = _headline_rows(model, before) if before in app_cache.periods() else None
    # Both regencies at once: one row of three cards each (the class counts are on the map's legend
    # colours already); two rows of four left the map a third of the screen.
    several = len(rows) > 1
    grid = st.columns([1.3, 1.0, 1.15] * len(rows)) if several else None
    for position, (_, row) in enumerate(rows.iterrows()):
        in_area = (
            model.frame["code"].notna()  # a province: every regency drawn
            if model.regency_level
            else model.frame["code"] == row["code"]
            if view.village is not None
            else (
                model.frame["regency"] == row["code"]
                if view.kecamatan is None
                else model.frame["code"].notna()
            )
        )
        counts = tables.class_counts(
            model.frame.loc[in_area, "state"], model.frame.loc[in_area, "class_index"], model.scheme, lang
        )
        previous = None
        if year_before is not None:
            match = year_before[year_before["code"] == row["code"]]
            previous = match.iloc[0] if len(match) else None
        shown = not row["suppressed"] and pd.notna(row["prevalence"])
        # "15,159 children" fits in English too
        cols = grid[3 * position : 3 * position + 3] if several else st.columns([1.15, 0.9, 1.9, 1.1])
        source_line = provenance(view.period, [row["source"]], int(row["measured"]), lang, model.demo)
        cols[0].metric(
            # Six cards in a row: the area's name alone says whose prevalence it is.
            _card_area(model, row["code"])
            if several
            else t("kpi.prevalence", lang, area=_card_area(model, row["code"])),
            fmt_percent(row["prevalence"], lang) if shown else "–",
            help=source_line,
        )
        cols[1].metric(t("kpi.children", lang), fmt_children(int(row["measured"]), lang))
        if not several:
            classes_label = t(
                model.words("kpi.classes.regencies") if model.regency_level else "kpi.classes", lang
            )
            cols[2].markdown(
                f'<span class="peta-card-label">{classes_label}</span>'
                f"<br>{_chips(counts, _class_names(model.scheme, lang))}",
                unsafe_allow_html=True,
                help="\n".join(_rated_line(model, lang) + [f"{label}: {n}" for _c, label, n in counts]),
            )
        difference = tables.change(row, previous)
        cols[-1].metric(
            t("kpi.change.short" if several else "kpi.change", lang, period=fmt_month(before, lang)),
            t("kpi.change.value", lang, sign="", value=fmt_points(difference, lang))
            if difference is not None
            else "–",
            delta=(
                t(
                    "kpi.change.was",
                    lang,
                    period=fmt_month(before, lang),
                    rate=fmt_percent(previous["prevalence"], lang),
                )
                if difference is not None
                else None
            ),
            delta_color="off",
            delta_arrow="off",
            help=tables.change_text(difference, before, lang),
        )
        interval = (
            t("kpi.ci", lang, low=fmt_percent(row["ci_low"], lang), high=fmt_percent(row["ci_high"], lang))
            if shown
            # An area without a single child counted has no data, not too few children.
            else t("rate.no_data", lang)
            if int(row["measured"]) == 0
            else t("rate.too_few", lang, minimum=tables.MIN_CHILDREN)
        )
        if difference is not None:
            # The year-before number rests on other children: it says how many, like every number.
            source_line += " — " + t(
                "kpi.compared_with",
                lang,
                provenance=provenance(
                    before, [previous["source"]], int(previous["measured"]), lang, model.demo
                ),
            )
        st.caption(f"{interval} · {source_line}")


def _rated_line(model: MapModel, lang: str) -> list[str]:
    """A province's kecamatan: how many of them the map can colour ("Kecamatan dengan angka: 95 dari
    105"), the classes card's first help line; the rest are too few children or no data."""
    if model.areas_level != "kecamatan":
        return []
    rated = int((model.frame["state"] == "rate").sum())
    shown_of = t("kpi.regencies_with_rate.value", lang, shown=rated, total=len(model.frame))
    return [f"{t('kpi.kecamatan_with_rate', lang)}: {shown_of}"]


def _national_kpis(model: MapModel) -> None:
    """The national view's cards: the children counted, the regencies with a rate of the 514, and
    the regencies per class. No national prevalence: the store holds the regencies that loaded
    data, and their total is not Indonesia's rate (the province view gives a province's)."""
    view, lang, frame = model.view, model.view.lang, model.frame
    measured = int(pd.to_numeric(frame["measured"], errors="coerce").fillna(0).sum())
    rated = int((frame["state"] == "rate").sum())
    cols = st.columns([1.0, 1.0, 2.6])
    sources = frame.loc[frame["measured"] > 0, "source"]
    source_line = provenance(view.period, sources, measured, lang, model.demo)
    cols[0].metric(t("kpi.children", lang), fmt_children(measured, lang), help=source_line)
    cols[1].metric(
        t("kpi.regencies_with_rate", lang),
        t("kpi.regencies_with_rate.value", lang, shown=rated, total=len(frame)),
    )
    counts = tables.class_counts(frame["state"], frame["class_index"], model.scheme, lang)
    cols[2].markdown(
        f'<span class="peta-card-label">{t("kpi.classes.regencies", lang)}</span>'
        f"<br>{_chips(counts, _class_names(model.scheme, lang))}",
        unsafe_allow_html=True,
        help="\n".join(f"{label}: {n}" for _c, label, n in counts),
    )
    st.caption(source_line)


def render_map(model: MapModel) -> str | None:
    """Draw the choropleth; return the code of an area the user just clicked that the click's
    callback has not already taken (None otherwise): a village in a regency or kecamatan view, a
    regency in the national and province views.

    A click in the browser is taken by the component's callback, before the page runs: the run it
    causes already draws the village's panel (or the regency's map), where a click read here needs
    the page to run a second time (``st.rerun`` in pages/map.py), as a value set without the
    callback (AppTest's session state) still does.

    Only the clicked feature and the click position come back, so panning and zooming never rerun
    the page. The village layer goes in as ``feature_group_to_add``: when only the period, indicator
    or a filter changes, the base map stays and the browser swaps the layer instead of reloading
    Leaflet and the whole map."""

    def take_click(result: dict) -> None:
        code = _new_click(result)
        if code is None:
            return
        if model.regency_level:
            sidebar.go_to(model.areas_level, code)  # applied by the sidebar of the run it causes
        elif code != model.view.village:
            sidebar.select_village(code)

    result = folium_view.show(
        model.rendered,
        key=model.map_key,
        height=MAP_HEIGHT_PX,
        hashed_key=model.hashed_key,
        on_change=take_click,
    )
    return _new_click(result or {})


def _new_click(result: dict) -> str | None:
    """The code of the area clicked in ``result`` (the map's value) unless that click was taken."""
    # The click position changes with every click (so a village clicked again after its panel was
    # closed reopens it); panning and zooming change neither (RETURNED_OBJECTS).
    code = ((result.get("last_active_drawing") or {}).get("properties") or {}).get("code")
    click = (code, str(result.get("last_object_clicked")))
    if code and click != st.session_state.get(_LAST_CLICK):
        st.session_state[_LAST_CLICK] = click
        return code
    return None


def _download(frame: pd.DataFrame, name: str, lang: str, key: str) -> None:
    _download_csv(csv_bytes(frame), name, lang, key)  # names from uploaded files: no cell may start a formula


def _download_csv(data: bytes, name: str, lang: str, key: str) -> None:
    st.download_button(t("download.csv", lang), data, file_name=name, mime="text/csv", key=key)


def _breakdown(indicator: str, period: str, village: str, sex, age) -> pd.DataFrame:
    """The village's rates by age group and sex, inside the page's sex and age filters (the same
    children as its colour on the map). Split by sex every group is often too small: by age alone it
    often is not, so without a sex filter the panel falls back to age groups."""
    breakdown = tables.restrict_breakdown(
        app_cache.breakdown(indicator, period, "village", village, "age_group_sex"), sex, age
    )
    if sex is None and not _any_rate(breakdown):
        breakdown = tables.restrict_breakdown(
            app_cache.breakdown(indicator, period, "village", village, "age_group"), None, age
        )
    return breakdown


@st.cache_resource(max_entries=CHARTS_CACHED, show_spinner=False)
def _breakdown_chart(key: str, indicator: str, period: str, village: str, sex, age, lang: str) -> tuple:
    """The village panel's breakdown, its figure (None when no group has a rate) and its CSV, once
    for every session (keyed like the numbers, and the language). Only read afterwards."""
    breakdown = _breakdown(indicator, period, village, sex, age)
    if not _any_rate(breakdown):
        return breakdown, None, b""
    figure = breakdown_figure(breakdown, lang, title=t("panel.breakdown", lang), height=PANEL_CHART_HEIGHT_PX)
    by = ["age_group", "sex"] if "sex" in breakdown else ["age_group"]
    labels = {"age_group": "table.group", "sex": "sidebar.sex"}
    table = tables.rate_table(
        breakdown, lang, period=period, label_columns={c: labels[c] for c in by}, demo=app_cache.is_demo()
    )
    return breakdown, figure, csv_bytes(table)


@functools.lru_cache(maxsize=1)
def _villages_by_code() -> pd.DataFrame:
    """The gazetteer (read once per process) indexed by village code: indexing 83,000 rows again on
    every rerun with a village open cost more than the panel's queries."""
    return villages().set_index("code")


def _any_rate(frame: pd.DataFrame) -> bool:
    return bool((~frame["suppressed"].astype(bool) & frame["prevalence"].notna()).any())


def render_area_panel(model: MapModel) -> None:
    """Beside the map before any click: the hint, and the trend of the area the map shows."""
    view, lang = model.view, model.view.lang
    hint = "map.click_hint.kecamatan" if model.areas_level == "kecamatan" else "map.click_hint.regency"
    st.info(
        t(hint if model.regency_level else "map.click_hint", lang),
        icon=":material/touch_app:",
    )
    if view.level == "national":
        return  # Indonesia: no single trend of the regencies that loaded data
    if view.level == "province":
        level, code = "province", view.province
        name = t("area.province", lang, name=name_of(code))
    elif view.kecamatan is not None:
        level, code = "kecamatan", view.kecamatan
        name = villages().set_index("kecamatan_code").loc[[code], "kecamatan_name"].iloc[0]
    elif view.regency_filter is not None:
        level, code = "regency", view.regency_filter
        name = regencies()[code].replace("Kabupaten ", "Kab. ")
    else:
        return  # both regencies: no single trend to draw
    trend = app_cache.trend(view.indicator, level, code, **_filters(view))
    if trend["measured"].sum() == 0:
        return
    if not _any_rate(trend):
        st.info(t("panel.trend.too_few", lang, minimum=tables.MIN_CHILDREN))
        return
    st.markdown(f"**{markdown_literal(name)}**")
    title = t("panel.trend", lang, indicator=model.indicator_label)
    chart, csv = _trend_chart(
        app_cache.programme_key(), view.indicator, level, code, view.sex, view.age, lang, title
    )
    st.plotly_chart(chart, width="stretch", key="area_trend")
    st.caption(_trend_source(trend, view, model) + filter_text(view))
    _download_csv(csv, f"tren-{code}-{view.indicator}.csv", lang, "dl_area_trend")


@st.cache_resource(max_entries=CHARTS_CACHED, show_spinner=False)
def _trend_chart(
    key: str, indicator: str, level: str, code: str, sex, age, lang: str, title: str, marks: tuple = ()
) -> tuple:
    """A panel's trend figure and its CSV, built once for every session that shows them (plotly
    builds and validates a figure in tens of ms): keyed like its numbers (the snapshots' names,
    indicator, area, filters) and the words drawn. The figure is only read afterwards."""
    trend = app_cache.trend(indicator, level, code, sex=sex, age_group=age)
    figure = trend_figure(trend, lang, title=title, height=PANEL_CHART_HEIGHT_PX, markers=marks)
    table = tables.rate_table(trend, lang, label_columns={"period": "table.period"}, demo=app_cache.is_demo())
    return figure, csv_bytes(table)  # names from uploaded files: no cell may start a formula


def render_village_panel(model: MapModel) -> None:
    """The clicked village beside the map: its trend, its age (x sex) breakdown and how it stands
    against its kecamatan and regency, one tab each so the panel ends level with the map, and only
    the open one built. All three answer for the children the map's filters chose."""
    view, lang = model.view, model.view.lang
    row = model.frame[model.frame["code"] == view.village]
    if row.empty:
        st.warning(t("panel.unknown_village", lang, code=view.village))
        return
    village = row.iloc[0]
    gaz = _villages_by_code()
    kecamatan_code = gaz.loc[view.village, "kecamatan_code"]
    regency_code = gaz.loc[view.village, "regency_code"]
    title = t("panel.title", lang, name=village["name"], kecamatan=village["kecamatan_name"])
    st.markdown(f"#### {markdown_literal(title)}")  # names may come from an imported boundary file
    if model.quality is not None:
        quality_row = model.quality[model.quality["code"] == view.village]
        warning = warning_text(quality_row.iloc[0].to_dict(), lang) if len(quality_row) else None
        if warning:
            st.caption(f":red[{markdown_literal(warning)}]")
    # Closed by the button's callback, before the page runs: the run it causes draws the map's own
    # panel at once (a check of the button's value here needed a second run).
    st.button(
        t("panel.close", lang),
        key="close_village",
        icon=":material/close:",
        on_click=sidebar.select_village,
        args=(None,),
    )
    # Only the open tab is built (on_change="rerun": a tab switch reruns the page): a period change
    # with a village open built the age breakdown and the comparison, new for every period, for
    # tabs nobody had open - most of such a rerun on a busy server (py-spy, bench/bench_load.py).
    trend_tab, breakdown_tab, compare_tab = st.tabs(
        [t("panel.tab.trend", lang), t("panel.tab.breakdown", lang), t("panel.tab.compare", lang)],
        key=PANEL_TABS_KEY,
        on_change="rerun",
    )

    if trend_tab.open:
        trend = app_cache.trend(view.indicator, "village", view.village, **_filters(view))
        with trend_tab:
            title = t("panel.trend", lang, indicator=model.indicator_label)
            if trend["measured"].sum() == 0:
                st.info(t("panel.trend.none", lang))
            elif not _any_rate(trend):
                # Every round rests on too few children: an empty chart would say nothing at all.
                st.info(t("panel.trend.too_few", lang, minimum=tables.MIN_CHILDREN))
            else:
                marks = tuple(
                    (period, programme_label(name, lang))
                    for period, name in app_cache.village_starts(view.village)
                )
                chart, csv = _trend_chart(
                    app_cache.programme_key(), view.indicator, "village", view.village, view.sex, view.age,
                    lang, title, marks,
                )  # fmt: skip
                st.plotly_chart(chart, width="stretch", key="village_trend")
                st.caption(_trend_source(trend, view, model) + filter_text(view))
                _download_csv(csv, f"tren-{view.village}-{view.indicator}.csv", lang, "dl_trend")

    if breakdown_tab.open:
        with breakdown_tab:
            breakdown, chart, csv = _breakdown_chart(
                app_cache.snapshot_key(), view.indicator, view.period, view.village, view.sex, view.age, lang
            )
            if breakdown["measured"].sum() == 0:
                st.info(t("panel.breakdown.none", lang))
            elif chart is None:
                st.info(t("panel.breakdown.too_few", lang, minimum=tables.MIN_CHILDREN))
            else:
                st.plotly_chart(chart, width="stretch", key="village_breakdown")
                st.caption(
                    t("chart.too_few", lang, minimum=tables.MIN_CHILDREN)
                    + " "
                    + provenance(
                        view.period, [village["source"]], int(breakdown["measured"].sum()), lang, model.demo
                    )
                    + filter_text(view)
                )
                _download_csv(
                    csv, f"rincian-{view.village}-{view.indicator}-{view.period}.csv", lang, "dl_breakdown"
                )

    if compare_tab.open:
        with compare_tab:
            st.markdown(f"**{t('panel.compare', lang)}**")
            lines, source_line, csv = _comparison(
                app_cache.snapshot_key(), view.village, row, view.indicator, view.period, regency_code,
                kecamatan_code, view.sex, view.age, lang, model.demo,
            )  # fmt: skip
            # In words on screen: a table of rates and intervals is wider than the panel beside the map,
            # and the prevalence column would scroll out of sight. The CSV holds the full table.
            st.markdown(lines)
            st.caption(source_line + filter_text(view))
            _download_csv(
                csv, f"perbandingan-{view.village}-{view.indicator}-{view.period}.csv", lang, "dl_compare"
            )


@st.cache_data(max_entries=CHARTS_CACHED, show_spinner=False)
def _comparison(
    key: str, village: str, _row: gpd.GeoDataFrame, indicator: str, period: str, regency_code: str,
    kecamatan_code: str, sex, age, lang: str, demo: bool,
) -> tuple[str, str, bytes]:  # fmt: skip
    """The village beside its kecamatan and regency (``_row``: its row of the map), in words, their
    source line and the CSV: once per village and view for every session. Keyed by the village's
    code, not its row (hashing the row's frame on every rerun cost more than this cache saved): the
    row is the summary's for that village, indicator, period and filters, under the snapshots' names."""
    row = pd.DataFrame(_row.drop(columns="geometry"))
    filters = {"sex": sex, "age_group": age}
    kecamatan = app_cache.prevalence(indicator, period, "kecamatan", regency=regency_code, **filters)
    regency = app_cache.prevalence(indicator, period, "regency", regency=regency_code, **filters)
    comparison = pd.concat([row, kecamatan[kecamatan["code"] == kecamatan_code], regency], ignore_index=True)
    comparison["level"] = [t("level.village", lang), t("level.kecamatan", lang), t("level.regency", lang)]
    table = tables.rate_table(
        comparison,
        lang,
        period=period,
        label_columns={"level": "table.level", "code": "table.code", "name": "table.name"},
        demo=demo,
    )
    lines = "\n".join(
        f"- {html.escape(level)} **{markdown_literal(name)}**: {tables.rate_line(r, lang)}"
        for level, name, (_, r) in zip(
            comparison["level"], comparison["name"], comparison.iterrows(), strict=True
        )
    )
    measured = int(row["measured"].iloc[0])
    return lines, provenance(period, comparison["source"], measured, lang, demo), csv_bytes(table)


def render_village_table(model: MapModel) -> None:
    """The table of the areas drawn (villages, or the regencies of the national/province view), in a
    folded box: built only while the box is open (styling and sending hundreds of rows nobody sees
    was a sixth of every map rerun)."""
    view, lang = model.view, model.view.lang
    label = t(
        {"regency": "table.regencies", "kecamatan": "table.kecamatan_list"}.get(
            model.areas_level, "table.villages"
        ),
        lang,
    )
    box = st.expander(label, key=TABLE_KEY, on_change="rerun")
    if not box.open:
        return
    frame = pd.DataFrame(model.frame.drop(columns="geometry"))
    classes = tables.village_classes(frame["state"], frame["class_index"], model.scheme, lang)
    if model.areas_level == "kecamatan":
        labels = {"code": "table.code", "name": "table.name", "parent_name": "tooltip.regency"}
        name, key = f"kecamatan-{view.indicator}-{view.period}-{view.province}.csv", "dl_kecamatan"
    elif model.regency_level:
        labels = {"code": "table.code", "name": "table.name", "parent_name": "table.province"}
        name, key = f"kabupaten-{view.indicator}-{view.period}-{view.province or 'id'}.csv", "dl_regencies"
    else:
        labels = {"code": "table.code", "name": "table.name", "kecamatan_name": "table.kecamatan"}
        name, key = f"desa-{view.indicator}-{view.period}-{view.regency}.csv", "dl_villages"
    table = tables.rate_table(
        frame, lang, period=view.period, class_column=classes, label_columns=labels, demo=model.demo
    )
    with box:
        show_table(table, lang, height=320)
        st.caption(
            provenance(view.period, frame["source"], int(frame["measured"].sum()), lang, model.demo)
            + filter_text(view)
        )
        _download(table, name, lang, key)


def _trend_source(trend: pd.DataFrame, view, model: MapModel) -> str:
    """A trend's source line, counting the children of the month on the map (or the trend's last)."""
    shown = trend[trend["period"] == view.period]
    counted = shown if len(shown) else trend.tail(1)
    return trend_provenance(
        trend["period"].iloc[0],
        trend["period"].iloc[-1],
        trend["source"],
        int(counted["measured"].iloc[0]),
        counted["period"].iloc[0],
        view.lang,
        model.demo,
    )
