"""The regencies the app shows: those with data or installed boundaries, plus the home area.

The gazetteer knows all 514 regencies of Indonesia; a regency map, a sidebar or a "whole area"
view of all of them would bury an office's own regency among 513 it has no data for. So the app
shows the regencies of the home area (``$STUNTING_HOME_AREA``: one or more area codes, e.g.
``64.74`` or ``64``; default Kutai Kartanegara and Bontang, the product's first two regencies),
every regency with measurements or village counts in the store, and every regency with installed
boundaries. The national lists stay in ``stunting.gazetteer`` (``areas`` CLI, name matching).
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache

import pandas as pd

from stunting import config, gazetteer

HOME_AREA_ENV = "STUNTING_HOME_AREA"
DEFAULT_HOME_REGENCIES = ("64.02", "64.74")


def home_regencies() -> tuple[str, ...]:
    """The regencies of ``$STUNTING_HOME_AREA`` (a province gives all its regencies; a kecamatan or
    village its regency); codes the gazetteer does not know are ignored, none known -> the default."""
    wanted = re.split(r"[\s,;]+", os.environ.get(HOME_AREA_ENV, "").strip())
    known = gazetteer.regencies()
    found = []
    for code in filter(None, wanted):
        if len(code) == 2:
            found += [regency for regency in known if regency.startswith(code + ".")]
        elif code[:5] in known:
            found.append(code[:5])
    return tuple(sorted(set(found))) or DEFAULT_HOME_REGENCIES


def shown_regencies(data_dir=None) -> tuple[str, ...]:
    """Home, data and boundary regencies, in code order (cached per store and boundary snapshot)."""
    from stunting.snapshots import SnapshotStore
    from stunting.store_layout import current_snapshot

    root = config.data_dir(data_dir)
    measurements = current_snapshot(root)
    boundaries = SnapshotStore(root / "boundaries").current()
    return _shown(
        str(measurements) if measurements else None,
        str(boundaries) if boundaries else None,
        home_regencies(),
    )


@lru_cache(maxsize=16)
def _shown(measurements: str | None, boundaries: str | None, home: tuple[str, ...]) -> tuple[str, ...]:
    from pathlib import Path

    found = set(home) | set(_with_data(measurements))
    if boundaries is not None:
        source = Path(boundaries) / "source.json"
        if source.exists():
            found |= set(json.loads(source.read_text("utf-8")).get("regencies", []))
    known = gazetteer.regencies()
    return tuple(sorted(code for code in found if code in known))


def data_regencies(data_dir=None) -> tuple[str, ...]:
    """The regencies with measurements or village counts in the store, in code order: the sidebar
    lists and marks them first among a province's regencies."""
    from stunting.store_layout import current_snapshot

    measurements = current_snapshot(config.data_dir(data_dir))
    return _with_data(str(measurements) if measurements else None)


@lru_cache(maxsize=16)
def _with_data(measurements: str | None) -> tuple[str, ...]:
    # Keyed by the snapshot folder: an import swaps in a new folder, so a stale entry is never hit.
    from pathlib import Path

    if measurements is None:
        return ()
    found = set()
    folder = Path(measurements)
    for sub in ("measurements", "summary"):
        found |= {p.name.split("=", 1)[1] for p in (folder / sub).glob("regency=*")}
    aggregates = folder / "aggregates.parquet"
    if aggregates.exists():
        import pyarrow.parquet as pq

        columns = pq.read_schema(aggregates).names
        column = "regency" if "regency" in columns else "village_code"
        values = pq.read_table(aggregates, columns=[column]).column(0).to_pylist()
        found |= {str(v)[:5] for v in values if v}
    known = gazetteer.regencies()
    return tuple(sorted(code for code in found if code in known))


def villages(data_dir=None) -> pd.DataFrame:
    """The gazetteer's villages of the shown regencies (the columns of ``gazetteer.villages()``)."""
    frame = gazetteer.villages()
    return frame[frame["regency_code"].isin(shown_regencies(data_dir))].reset_index(drop=True)


def regencies(data_dir=None) -> dict[str, str]:
    """Shown regency code -> name, in code order."""
    names = gazetteer.regencies()
    return {code: names[code] for code in shown_regencies(data_dir)}
