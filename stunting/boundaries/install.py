"""``boundaries import``: read, validate, build display geometry, install atomically.

All checks run before anything is written; the snapshot is then written into a fresh folder
of ``SnapshotStore(data_dir / "boundaries")`` and swapped in only when complete, so a failed or
killed import leaves the boundaries installed before it untouched. An import replaces the whole
installed set: import every regency you want shown in one go (``fetch`` does).

Villages outside the gazetteer's regencies are kept (the app shows gazetteer regencies only,
but GIS staff may export the neighbours and a later gazetteer needs no re-import); they are
listed in the report.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from stunting import config, gazetteer
from stunting.boundaries import display, readers
from stunting.errors import UserError
from stunting.snapshots import SnapshotStore

BOUNDARIES = "boundaries"
SOURCE_JSON = "source.json"
WILAYAH_SOURCE = {
    "source": "cahyadsn/wilayah_boundaries",
    "url": "https://github.com/cahyadsn/wilayah_boundaries",
    "licence": "MIT",
    "attribution": "Batas desa: cahyadsn/wilayah_boundaries (MIT)",
}


def store(data_dir=None) -> SnapshotStore:
    return SnapshotStore(config.data_dir(data_dir) / BOUNDARIES)


def frame_file(level: str, detail: str) -> str:
    return f"{level}-{detail}.parquet"


@dataclass
class ImportReport:
    villages: int
    kecamatan: int
    regencies: list[str]
    missing: list[str]  # gazetteer villages with no polygon in this import
    extra: list[str]  # imported villages the gazetteer does not know
    overlapped: list[str]  # villages the source overlaps with neighbours (area moved by cleaning)
    source: dict
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"Installed {self.villages} villages, {self.kecamatan} kecamatan and {len(self.regencies)} "
            f"{'regency' if len(self.regencies) == 1 else 'regencies'} ({', '.join(self.regencies)}) "
            f"from {self.source['source']}."
        ]
        if self.missing:
            absent = sorted({code[:5] for code in self.missing} - set(self.regencies))
            # load_display draws schematic cells for a regency with no polygon at all; a village
            # missing inside an imported regency is not drawn (a cell would cover its neighbours).
            lacking = [code for code in self.missing if code[:5] in absent]
            if lacking:
                out.append(
                    f"warning: {len(lacking)} gazetteer villages have no boundary in these files (all of "
                    f"regency {', '.join(absent)}): {_few(lacking)}; the map draws schematic cells "
                    f"(not official borders) for regency {', '.join(absent)}."
                )
            undrawn = [code for code in self.missing if code[:5] not in absent]
            if undrawn:
                out.append(
                    f"warning: {len(undrawn)} gazetteer villages have no boundary in these files: "
                    f"{_few(undrawn)}; the map cannot draw them."
                )
        if self.overlapped:
            out.append(
                f"warning: {len(self.overlapped)} villages overlap their neighbours in these files by more "
                f"than {display.MAX_AREA_CHANGE:.0%} of their area; the map gives each overlap to one "
                f"neighbour: {_few(self.overlapped)}."
            )
        if self.extra:
            out.append(
                f"note: {len(self.extra)} villages are not in the gazetteer and are kept for export only: "
                f"{_few(self.extra)}."
            )
        return out


def read_all(paths, code_field: str | None = None, name_field: str | None = None):
    """Read and validate every file; returns (villages, names, is_wilayah) or raises UserError."""
    if not paths:
        raise UserError("Give at least one boundary file to import.")
    frames, names, wilayah = [], {}, []
    for path in paths:
        read = readers.read_source(Path(path), code_field, name_field)
        frames.append(read.villages)
        names.update(read.names)
        wilayah.append(read.is_wilayah_dump)
    villages = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    readers.check_duplicates(villages)
    return villages, names, all(wilayah)


def import_files(
    paths,
    data_dir=None,
    code_field: str | None = None,
    name_field: str | None = None,
    source: dict | None = None,
) -> ImportReport:
    """Validate ``paths`` and install their villages as the boundaries of ``data_dir``."""
    started = time.perf_counter()
    villages, names, is_wilayah = read_all(paths, code_field, name_field)
    seconds = {"read": time.perf_counter() - started}
    if source is None:
        source = describe_files(paths, is_wilayah)
    return install(villages, names, source, data_dir, seconds)


def describe_files(paths, is_wilayah: bool) -> dict:
    files = [{"name": Path(p).name, "sha256": _sha256(Path(p))} for p in paths]
    if is_wilayah:
        return {**WILAYAH_SOURCE, "commit": None, "files": files}
    label = ", ".join(f["name"] for f in files)
    return {
        "source": label,
        "url": None,
        "commit": None,
        "licence": "unknown",
        "attribution": f"Batas desa: {label}",
        "files": files,
    }


def install(
    villages: gpd.GeoDataFrame, names: dict, source: dict, data_dir=None, seconds=None
) -> ImportReport:
    seconds = dict(seconds or {})
    names = {**names, **_gazetteer_names()}
    villages = villages.sort_values("code").reset_index(drop=True)
    # A file without a name field still labels every polygon (with its code).
    blank = villages["name"].str.strip() == ""
    villages.loc[blank, "name"] = villages.loc[blank, "code"]
    built = display.build(villages, names)
    seconds.update(built.seconds)
    known = gazetteer.villages()
    regencies = sorted(villages["regency"].unique())
    # Every gazetteer village counts: the app shows the gazetteer's regencies whatever was imported.
    expected = set(known["code"])
    present = set(villages["code"])
    report = ImportReport(
        villages=len(villages),
        kecamatan=villages["kecamatan"].nunique(),
        regencies=regencies,
        missing=sorted(expected - present),
        extra=sorted(present - set(known["code"])),
        overlapped=built.overlapped,
        source={
            **source,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "villages": len(villages),
            "regencies": regencies,
            "tolerances_deg": built.tolerances,
            "worst_area_change": {k: round(v, 4) for k, v in built.worst_area_change.items()},
            "overlapped_villages": built.overlapped,
        },
        seconds=seconds,
    )
    start = time.perf_counter()
    boundaries = store(data_dir)
    with boundaries.transaction() as folder:
        for (level, detail), frame in built.frames.items():
            write_frame(frame, folder / frame_file(level, detail))
        # source.json last: a snapshot without it is never complete (and never swapped in).
        (folder / SOURCE_JSON).write_text(json.dumps(report.source, indent=2, ensure_ascii=False), "utf-8")
    seconds["write"] = time.perf_counter() - start
    report.seconds = seconds
    return report


def write_frame(frame: gpd.GeoDataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def _gazetteer_names() -> dict[str, str]:
    known = gazetteer.villages()
    names = dict(zip(known["kecamatan_code"], known["kecamatan_name"], strict=True))
    names.update(zip(known["regency_code"], known["regency_name"], strict=True))
    return names


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _few(codes: list[str], limit: int = 8) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")
