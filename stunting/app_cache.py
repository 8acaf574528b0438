"""The app's one cache: st.cache_data wrappers around the prevalence and boundary APIs.

Every cached function is keyed by small values (codes, periods, filter labels) plus the names of the
current store and boundary snapshots, so an import (which swaps in a new snapshot) is seen on the
next rerun without clearing anything by hand. The only module outside app.py/pages/ui that imports
streamlit (docs/architecture.md).
"""

from __future__ import annotations

import contextvars
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from stunting import config, store
from stunting import prevalence as prevalence_api
from stunting.boundaries import install as boundary_install
from stunting.boundaries import load_display

# One meeting clicks through a few dozen views; 512 small frames stay well under 100 MB.
MAX_ENTRIES = 512


def data_dir() -> Path:
    """The data dir this app serves ($STUNTING_DATA_DIR or data/ in the repo)."""
    return _resolved_data_dir(os.environ.get(config.DATA_DIR_ENV))


@functools.lru_cache(maxsize=8)
def _resolved_data_dir(_from_env: str | None) -> Path:
    # Asked for by every cached query, a few dozen times a rerun: resolving the path again each time
    # (realpath's system calls) was a twentieth of a busy server's CPU. Keyed by the variable, so a
    # test (or a restart) that points it elsewhere gets its own answer.
    return config.data_dir()


# The snapshot names one page run has read (one_snapshot), by data dir; None outside such a run.
_RUN_SNAPSHOTS: contextvars.ContextVar[dict[Path, str] | None] = contextvars.ContextVar(
    "run_snapshots", default=None
)


@contextmanager
def one_snapshot() -> Iterator[None]:
    """Within this block (one page run) snapshot_key reads the snapshot pointers once per data dir.

    A map rerun asks for the key a few dozen times (every cached query's key): reading both
    pointers and resolving the store's paths each time was about 3% of a busy server's work (py-spy
    during bench/bench_load.py). Every part of the page then also comes from the same snapshots,
    even when an import lands while it runs; the next run sees the new ones. Only for runs that do
    not write the store (ui/run_gate.py's gated pages): remove_demo forgets what was read."""
    token = _RUN_SNAPSHOTS.set({})
    try:
        yield
    finally:
        _RUN_SNAPSHOTS.reset(token)


def snapshot_key(folder: Path | None = None) -> str:
    """Names of the current store and boundary snapshots: part of every cache key below."""
    folder = folder or data_dir()
    read = _RUN_SNAPSHOTS.get()
    if read is None:
        return _read_snapshot_key(folder)
    if folder not in read:
        read[folder] = _read_snapshot_key(folder)
    return read[folder]


def _read_snapshot_key(folder: Path) -> str:
    measurements = store.current_snapshot(folder)
    boundaries = boundary_install.store(folder).current()
    return f"{measurements.name if measurements else '-'}|{boundaries.name if boundaries else '-'}"


def store_state(folder: Path | None = None) -> str:
    """What the app must do before any page: "fresh" (build the demo), "outdated_demo" (an old-format
    demo: rebuild it), "outdated" (real data in an old format: say it must be rebuilt), "removed"
    (emptied by removing the demo: say how to load data) or "ready"."""
    folder = folder or data_dir()
    if store.current_snapshot(folder) is None:
        return "fresh"
    # Asked on every rerun of every session: answered once per snapshot (a committed one never changes).
    return _store_state(str(folder), snapshot_key(folder))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _store_state(folder: str, key: str) -> str:
    if store.is_outdated(folder):
        log = store.imports(folder)
        return "outdated_demo" if len(log) and (log["source"] == store.DEMO_SOURCE).all() else "outdated"
    if store.is_empty(folder) and store.demo_removed(folder):
        return "removed"
    return "ready"


def remove_demo() -> int:
    """Empty the app's store of the demo (stunting.store.remove_demo) and drop every cached number."""
    removed = store.remove_demo(data_dir())
    read = _RUN_SNAPSHOTS.get()
    if read is not None:
        read.clear()  # the rest of this run reads the emptied store
    st.cache_data.clear()
    return removed


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _periods(folder: str, key: str) -> list[str]:
    return prevalence_api.periods(data_dir=folder)


def periods() -> list[str]:
    """Periods with data, oldest first."""
    folder = data_dir()
    return _periods(str(folder), snapshot_key(folder))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _is_demo(folder: str, key: str) -> bool:
    return store.is_demo(folder)


def is_demo() -> bool:
    folder = data_dir()
    return _is_demo(str(folder), snapshot_key(folder))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _prevalence(folder, key, indicator, period, level, regency, kecamatan, sex, age_group) -> pd.DataFrame:
    return prevalence_api.prevalence(
        indicator,
        period,
        level,
        regency=regency,
        kecamatan=kecamatan,
        sex=sex,
        age_group=age_group,
        data_dir=folder,
    )


def prevalence(
    indicator: str, period: str, level: str, *, regency=None, kecamatan=None, sex=None, age_group=None
) -> pd.DataFrame:
    folder = data_dir()
    return _prevalence(
        str(folder), snapshot_key(folder), indicator, period, level, regency, kecamatan, sex, age_group
    )


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _view_rates(folder, key, indicator, period, view, code, level, sex, age_group) -> pd.DataFrame:
    return prevalence_api.view_rates(
        indicator, period, view, code, level=level, sex=sex, age_group=age_group, data_dir=folder
    )


def view_rates(
    indicator: str, period: str, view: str, code: str | None = None, *, level=None, sex=None, age_group=None
) -> pd.DataFrame:
    """The areas of a map view (ViewState.level and area_code): prevalence.view_rates, cached."""
    folder = data_dir()
    key = snapshot_key(folder)
    return _view_rates(str(folder), key, indicator, period, view, code, level, sex, age_group)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _trend(folder, key, indicator, level, code, sex, age_group) -> pd.DataFrame:
    return prevalence_api.trend(indicator, level, code, sex=sex, age_group=age_group, data_dir=folder)


def trend(indicator: str, level: str, code: str, *, sex=None, age_group=None) -> pd.DataFrame:
    folder = data_dir()
    return _trend(str(folder), snapshot_key(folder), indicator, level, code, sex, age_group)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _breakdown(folder, key, indicator, period, level, code, by) -> pd.DataFrame:
    return prevalence_api.breakdown(indicator, period, level, code, by, data_dir=folder)


def breakdown(indicator: str, period: str, level: str, code: str, by: str) -> pd.DataFrame:
    folder = data_dir()
    return _breakdown(str(folder), snapshot_key(folder), indicator, period, level, code, by)


def display_areas(level: str, regency: str | None, kecamatan: str | None) -> gpd.GeoDataFrame:
    """Polygons to draw: the overview geometry for a regency, the detailed one inside a kecamatan.

    Not st.cache_data: load_display keeps its own per-snapshot cache and hands out copies, which is
    cheaper than pickling a GeoDataFrame through streamlit's cache on every rerun."""
    detail = "overview" if kecamatan is None else "detail"
    return load_display(level, detail, regency=regency, kecamatan=kecamatan, data_dir=data_dir())


# ---------------------------------------------------------------------------------------------
# Comparison page (pages/compare.py): one cached call builds everything the page shows.
# ---------------------------------------------------------------------------------------------


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _comparison(folder, key, indicator, code_a, code_b, period_a, period_b):
    from stunting.compare import build_comparison

    return build_comparison(indicator, code_a, code_b, period_a, period_b, data_dir=folder)


def comparison(indicator: str, code_a: str, code_b: str, period_a: str, period_b: str):
    """stunting.compare.build_comparison for the app's data dir (a Comparison)."""
    folder = data_dir()
    return _comparison(str(folder), snapshot_key(folder), indicator, code_a, code_b, period_a, period_b)


def outline_areas(level: str, regency: str | None) -> gpd.GeoDataFrame:
    """Kecamatan or regency polygons (overview detail) for the map's context outlines."""
    return load_display(level, "overview", regency=regency, data_dir=data_dir())


# ---------------------------------------------------------------------------------------------
# Data quality (pages/quality.py, the map's warning marks): the per-unit quality table of a month.
# ---------------------------------------------------------------------------------------------


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _quality(folder, key, period, level, regency) -> pd.DataFrame:
    from stunting.quality.table import quality_table

    return quality_table(period, level, regency=regency, data_dir=folder)


def quality(period: str, level: str, regency: str | None) -> pd.DataFrame:
    """stunting.quality.table.quality_table for the app's data dir."""
    folder = data_dir()
    return _quality(str(folder), snapshot_key(folder), period, level, regency)


# "Apakah berhasil?" (pages/evaluate.py): programme evaluation, recovery and where to act next.
# ---------------------------------------------------------------------------------------------


def programme_key(folder: Path | None = None) -> str:
    """The programme store's snapshot: an import of programme data is seen on the next rerun."""
    from stunting import programmes

    current = programmes.store(folder or data_dir()).current()
    return f"{snapshot_key(folder)}|{current.name if current else '-'}"


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _programme_names(folder: str, key: str) -> list[str]:
    from stunting import programmes

    return programmes.names(folder)


def programme_names() -> list[str]:
    folder = data_dir()
    return _programme_names(str(folder), programme_key(folder))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _programme_start_years(folder: str, key: str, programme: str, regency: str) -> list[int]:
    from stunting import programmes

    starts = programmes.first_start(programme, regency=regency, data_dir=folder)
    return sorted(int(y) for y in starts.dt.year.unique())


def programme_start_years(programme: str, regency: str) -> list[int]:
    folder = data_dir()
    return _programme_start_years(str(folder), programme_key(folder), programme, regency)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _evaluation(folder: str, key: str, programme: str, regency: str, start: int | None, indicator: str):
    from stunting.evaluate import evaluate_programme

    return evaluate_programme(programme, regency, start=start, indicator=indicator, data_dir=folder)


def evaluation(programme: str, regency: str, start: int | None, indicator: str):
    """stunting.evaluate.evaluate_programme for the app's data dir: (Evaluation, context)."""
    folder = data_dir()
    return _evaluation(str(folder), programme_key(folder), programme, regency, start, indicator)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _recovery(folder: str, key: str, programme: str, regency: str) -> pd.DataFrame:
    from stunting import programmes
    from stunting.recovery import recovery

    if programme == "baas":
        # A child-level list of fostered children (anak_baas) follows the children themselves.
        fostered = programmes.read_table("anak_baas", folder)
        fostered = fostered[fostered["village_code"].astype(str).str.startswith(regency + ".")]
        if len(fostered):
            return recovery(regency, children=sorted(set(fostered["child_id"])), data_dir=folder)
    villages = list(programmes.first_start(programme, regency=regency, data_dir=folder).index)
    return recovery(regency, villages=villages, data_dir=folder)


def recovery(programme: str, regency: str) -> pd.DataFrame:
    folder = data_dir()
    return _recovery(str(folder), programme_key(folder), programme, regency)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _where_to_act(folder: str, key: str, indicator: str, period: str, regency: str) -> pd.DataFrame:
    from stunting.smoothing import where_to_act

    return where_to_act(indicator, period, regency, data_dir=folder)


def where_to_act(indicator: str, period: str, regency: str) -> pd.DataFrame:
    folder = data_dir()
    return _where_to_act(str(folder), snapshot_key(folder), indicator, period, regency)


@st.cache_data(max_entries=4, show_spinner=False)
def programme_template(regency: str | None) -> bytes:
    """The programme template (XLSX) as bytes, for the download button."""
    import tempfile

    from stunting import programmes

    with tempfile.TemporaryDirectory() as folder:
        path = programmes.write_template(Path(folder) / "template.xlsx", regency=regency)
        return path.read_bytes()


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _programme_table(folder: str, key: str, sheet: str) -> pd.DataFrame:
    from stunting import programmes

    return programmes.read_table(sheet, folder)


def programme_table(sheet: str) -> pd.DataFrame:
    """One stored programme table (lokus, baas, ...) for the map's programme layers."""
    folder = data_dir()
    return _programme_table(str(folder), programme_key(folder), sheet)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _village_starts(folder: str, key: str, code: str, periods: tuple[str, ...]) -> list[tuple[str, str]]:
    from stunting import programmes

    return programmes.village_starts(code, list(periods), folder)


def village_starts(code: str) -> list[tuple[str, str]]:
    """(first period, programme) for each programme the village had: the village trend's marks."""
    folder = data_dir()
    return _village_starts(str(folder), programme_key(folder), code, tuple(periods()))


def national_areas(level: str, province: str | None, zoom: str) -> gpd.GeoDataFrame:
    """Regency or province polygons of the national and province maps (the national outlines, or
    schematic cells), simplified for ``zoom`` ("national" or "province").

    Not st.cache_data, for display_areas' reason: load_areas keeps its own per-snapshot cache."""
    from stunting.boundaries import load_areas

    return load_areas(level, province, zoom=zoom, data_dir=data_dir())


def province_regency_outlines(province: str) -> gpd.GeoDataFrame:
    """The regency lines over a province's kecamatan map (boundaries.province_regency_outlines);
    load_areas' own per-snapshot cache, as national_areas."""
    from stunting.boundaries import province_regency_outlines as outlines

    return outlines(province, zoom="province", data_dir=data_dir())
