"""``boundaries import``: read, validate, build display geometry, install atomically, by regency.

All checks run before anything is written; the snapshot is then written into a fresh folder
of ``SnapshotStore(data_dir / "boundaries")`` and swapped in only when complete, so a failed or
killed import leaves the boundaries installed before it untouched.

Imports merge by regency: the regencies a new import brings replace the same regencies' installed
polygons, every other installed regency is kept as it was (importing Paser after Kukar keeps
Kukar; importing Kukar again replaces only Kukar). ``source.json`` says, per regency, where its
polygons came from and when (``boundaries list``). The national outlines of ``fetch --overview``
are kept across village imports too.

Villages are checked against the national gazetteer: a gazetteer village of an imported regency
with no row in the files, or whose row has no geometry, is listed in the report and drawn by the
map as a marker labelled "batas tidak tersedia" (boundary not available), never as a border.
Villages the gazetteer does not know are kept (GIS staff may export them) and listed.
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


# The national outlines (``fetch --overview``): the source's kab and prov polygons, coarser than
# dissolved villages but right at national zoom, where no village file is installed.
OUTLINE_LEVELS = ("regency", "province")


def outline_file(level: str) -> str:
    return f"national-{level}.parquet"


@dataclass
class ImportReport:
    villages: int
    kecamatan: int
    regencies: list[str]  # the regencies this import brought
    missing: list[str]  # gazetteer villages of those regencies with no row in these files
    no_geometry: list[str]  # rows of these files without any geometry (an empty path)
    extra: list[str]  # imported villages the gazetteer does not know
    overlapped: list[str]  # villages the source overlaps with neighbours (area moved by cleaning)
    source: dict
    kept: list[str] = field(default_factory=list)  # regencies installed before and left as they were
    schematic: dict[str, int] = field(default_factory=dict)  # shown regency without polygons -> villages
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"Installed {self.villages} villages, {self.kecamatan} kecamatan and {len(self.regencies)} "
            f"{'regency' if len(self.regencies) == 1 else 'regencies'} ({', '.join(self.regencies)}) "
            f"from {self.source['source']}."
        ]
        if self.kept:
            out.append(f"Kept the boundaries installed before for regency {', '.join(self.kept)}.")
        if self.no_geometry:
            out.append(
                f"warning: {len(self.no_geometry)} villages have a row without geometry in these files: "
                f"{_few(self.no_geometry)}; the map marks them 'batas tidak tersedia'."
            )
        if self.missing:
            out.append(
                f"warning: {len(self.missing)} gazetteer villages of these regencies have no row in these "
                f"files: {_few(self.missing)}; the map marks them 'batas tidak tersedia'."
            )
        if self.schematic:
            # load_display draws schematic cells for a shown regency with no polygon at all.
            absent = sorted(self.schematic)
            out.append(
                f"warning: {sum(self.schematic.values())} gazetteer villages have no boundary in these "
                f"files (all of regency {', '.join(absent)}); the map draws schematic cells "
                f"(not official borders) for regency {', '.join(absent)}."
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
    """Read and validate every file; returns (villages, names, is_wilayah, no_geometry) or raises
    UserError. ``no_geometry``: village code -> name of rows without any geometry."""
    if not paths:
        raise UserError("Give at least one boundary file to import.")
    frames, names, wilayah, no_geometry = [], {}, [], {}
    for path in paths:
        read = readers.read_source(Path(path), code_field, name_field)
        frames.append(read.villages)
        names.update(read.names)
        wilayah.append(read.is_wilayah_dump)
        no_geometry.update(read.no_geometry)
    villages = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    readers.check_duplicates(villages)
    no_geometry = {code: name for code, name in no_geometry.items() if code not in set(villages["code"])}
    return villages, names, all(wilayah), no_geometry


def import_files(
    paths,
    data_dir=None,
    code_field: str | None = None,
    name_field: str | None = None,
    source: dict | None = None,
) -> ImportReport:
    """Validate ``paths`` and install their villages (merged by regency) in ``data_dir``."""
    started = time.perf_counter()
    villages, names, is_wilayah, no_geometry = read_all(paths, code_field, name_field)
    seconds = {"read": time.perf_counter() - started}
    if source is None:
        source = describe_files(paths, is_wilayah)
    return install(villages, names, source, data_dir, seconds, no_geometry=no_geometry)


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
    villages: gpd.GeoDataFrame,
    names: dict,
    source: dict,
    data_dir=None,
    seconds=None,
    no_geometry: dict[str, str] | None = None,
) -> ImportReport:
    seconds = dict(seconds or {})
    no_geometry = dict(no_geometry or {})
    names = {**names, **_gazetteer_names()}
    villages = villages.sort_values("code").reset_index(drop=True)
    # A file without a name field still labels every polygon (with its code).
    blank = villages["name"].str.strip() == ""
    villages.loc[blank, "name"] = villages.loc[blank, "code"]
    built = display.build(villages, names)
    seconds.update(built.seconds)
    known = gazetteer.villages()
    regencies = sorted(set(villages["regency"]) | {code[:5] for code in no_geometry})
    expected = set(known.loc[known["regency_code"].isin(regencies), "code"])
    present = set(villages["code"])
    missing = sorted(expected - present - set(no_geometry))
    imported_at = datetime.now(UTC).isoformat(timespec="seconds")
    this_import = {
        **source,
        "imported_at": imported_at,
        "tolerances_deg": built.tolerances,
        "worst_area_change": {k: round(v, 4) for k, v in built.worst_area_change.items()},
        "overlapped_villages": built.overlapped,
    }
    counts = villages["regency"].value_counts()
    start = time.perf_counter()
    boundaries = store(data_dir)
    with boundaries.transaction() as folder:
        # Read what is installed inside the transaction: its lock keeps another import from
        # swapping in a snapshot between this read and the commit.
        previous = boundaries.current()
        old = _installed_meta(previous)
        kept = sorted(set(old["by_regency"]) - set(regencies))
        for (level, detail), frame in built.frames.items():
            if kept:
                before = gpd.read_parquet(previous / frame_file(level, detail))
                if (level, detail) == ("village", "full"):
                    kept_counts = before["regency"].value_counts()
                frame = gpd.GeoDataFrame(
                    pd.concat([before[before["regency"].isin(kept)], frame], ignore_index=True), crs=4326
                )
                frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
            write_frame(frame, folder / frame_file(level, detail))
        for level in OUTLINE_LEVELS:
            boundaries.carry_over(folder, outline_file(level))
        by_regency = {code: dict(old["by_regency"][code]) for code in kept}
        for code in kept:
            # A snapshot written before imports merged by regency did not count per regency.
            if by_regency[code].get("villages") is None:
                by_regency[code]["villages"] = int(kept_counts.get(code, 0))
        for code in regencies:
            by_regency[code] = {
                **{k: source.get(k) for k in ("source", "url", "commit", "licence", "attribution")},
                "imported_at": imported_at,
                "files": _files_of(source.get("files", []), code),
                "villages": int(counts.get(code, 0)),
            }
        unavailable = {c: r for c, r in old["unavailable"].items() if c[:5] in kept}
        unavailable |= {code: "no_row" for code in missing}
        unavailable |= {code: "no_geometry" for code in no_geometry}
        installed = sorted(by_regency)
        meta = {
            **this_import,
            "attribution": combined_attribution(by_regency),
            "villages": int(sum(entry["villages"] for entry in by_regency.values())),
            "regencies": installed,
            "by_regency": by_regency,
            "unavailable": dict(sorted(unavailable.items())),
        }
        if old["overview"]:
            meta["overview"] = old["overview"]
        # source.json last: a snapshot without it is never complete (and never swapped in).
        (folder / SOURCE_JSON).write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    seconds["write"] = time.perf_counter() - start
    from stunting import scope

    shown = scope.shown_regencies(data_dir)
    lacking = [code for code in shown if code not in installed]
    per_regency = known["regency_code"].value_counts()
    return ImportReport(
        villages=len(villages),
        kecamatan=villages["kecamatan"].nunique(),
        regencies=regencies,
        missing=missing,
        no_geometry=sorted(no_geometry),
        extra=sorted(present - set(known["code"])),
        overlapped=built.overlapped,
        source=meta,
        kept=kept,
        schematic={code: int(per_regency.get(code, 0)) for code in lacking},
        seconds=seconds,
    )


def install_outlines(frames: dict[str, gpd.GeoDataFrame], source: dict, data_dir=None) -> dict:
    """Install the national regency/province outlines beside the installed villages (kept as
    they are). ``frames``: level -> frame of code, name, level, geometry."""
    boundaries = store(data_dir)
    with boundaries.transaction() as folder:
        previous = boundaries.current()
        old = _installed_meta(previous)
        if previous is not None:
            for item in previous.iterdir():
                if item.name != SOURCE_JSON and not item.name.startswith("national-"):
                    boundaries.carry_over(folder, item.name)
        for level, frame in frames.items():
            write_frame(frame, folder / outline_file(level))
        meta = dict(old["meta"]) or {
            "source": source["source"],
            "attribution": source["attribution"],
            "regencies": [],
            "villages": 0,
            "by_regency": {},
            "unavailable": {},
        }
        meta["overview"] = {
            **source,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "outlines": {level: len(frame) for level, frame in frames.items()},
        }
        (folder / SOURCE_JSON).write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    return meta


def combined_attribution(by_regency: dict[str, dict]) -> str:
    """One attribution line for the map: each distinct source once, in regency order."""
    seen = list(dict.fromkeys(entry["attribution"] for _, entry in sorted(by_regency.items())))
    return "; ".join(seen)


def _installed_meta(snapshot: Path | None) -> dict:
    """What a snapshot holds: its source.json (``meta``), per-regency sources (a snapshot written
    before imports merged has one source for all its regencies), unavailable villages, overview."""
    if snapshot is None or not (snapshot / SOURCE_JSON).exists():
        return {"meta": {}, "by_regency": {}, "unavailable": {}, "overview": None}
    meta = json.loads((snapshot / SOURCE_JSON).read_text("utf-8"))
    by_regency = meta.get("by_regency")
    if by_regency is None:
        common = {
            k: meta.get(k) for k in ("source", "url", "commit", "licence", "attribution", "imported_at")
        }
        by_regency = {
            code: {**common, "files": meta.get("files", []), "villages": None}
            for code in meta.get("regencies", [])
        }
    return {
        "meta": meta,
        "by_regency": by_regency,
        "unavailable": meta.get("unavailable", {}),
        "overview": meta.get("overview"),
    }


def _files_of(files: list[dict], regency: str) -> list[dict]:
    """The files of one regency (its name in the file name), else all of them (one GIS file for many)."""
    own = [f for f in files if regency in (f.get("path") or f.get("name") or "")]
    return own or list(files)


def write_frame(frame: gpd.GeoDataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def _gazetteer_names() -> dict[str, str]:
    table = gazetteer.table()
    upper = table[table["level"] != "village"]
    return dict(zip(upper["code"].tolist(), upper["name"].tolist(), strict=True))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _few(codes: list[str], limit: int = 8) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")
