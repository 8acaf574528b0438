"""Importers, one per source format, all giving the same village frame.

Every reader returns a ``SourceRead`` whose ``villages`` GeoDataFrame has the columns
``code, name, level, kecamatan, regency, source, row, geometry`` in EPSG:4326 (``source`` and
``row`` only serve error messages and are dropped before anything is stored). Geometry is
repaired with ``make_valid``, reduced to its polygonal parts and oriented counter-clockwise
(RFC 7946), so later steps never see an invalid village.

A village row without geometry (the national SQL files have one, with an empty path; a GIS file's
feature with a null geometry) is not a polygon and not an error: its code is listed in
``SourceRead.no_geometry``, the import reports it and the map marks it "batas tidak tersedia".
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stunting.boundaries import guards, wilayah_sql
from stunting.errors import UserError

VILLAGE_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")
# BIG/Dukcapil layers carry the Kemendagri code in KDEPUM and the BPS code in KDEBPS; KDEPUM is
# tried first because the gazetteer (and e-PPGBM) use Kemendagri codes.
CODE_FIELDS = ("KDEPUM", "KDEBPS", "code", "kode", "kode_desa", "kd_desa")
NAME_FIELDS = ("WADMKD", "name", "nama", "nama_desa", "NAMOBJ", "desa")
KECAMATAN_NAME_FIELDS = ("WADMKC", "kecamatan", "nama_kecamatan")
REGENCY_NAME_FIELDS = ("WADMKK", "kabupaten", "kab_kota")
SQL_SUFFIXES = (".sql",)
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")

# Indonesia's extent with a margin: a village outside it almost always means latitude and
# longitude were swapped (the wilayah_boundaries dumps are [lat, lng]) or a CRS was lost.
INDONESIA_LNG = (94.0, 142.0)
INDONESIA_LAT = (-11.5, 6.5)

COLUMNS = ["code", "name", "level", "kecamatan", "regency", "source", "row", "geometry"]


@dataclass
class SourceRead:
    villages: gpd.GeoDataFrame
    # Kecamatan and regency code -> name, where the source says (SQL kec/kab rows, WADMKC/WADMKK).
    names: dict[str, str] = field(default_factory=dict)
    is_wilayah_dump: bool = False
    # Village code -> name of rows that carry no geometry at all (listed, never drawn as a border).
    no_geometry: dict[str, str] = field(default_factory=dict)


def normalise_code(value: object) -> str | None:
    """A village code as ``NN.NN.NN.NNNN``, from dotted, spaced or plain 10-digit spellings; else None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    digits = re.sub(r"[\s.\-_/]", "", str(value).strip())
    if not re.fullmatch(r"\d{10}", digits):
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def read_source(path: Path, code_field: str | None = None, name_field: str | None = None) -> SourceRead:
    """Read one boundary file of any supported format (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path} does not exist.")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give the boundary files themselves.")
    if path.stat().st_size == 0:
        raise UserError(f"{path.name} is empty.")
    guards.check_boundary_file(path)  # ZIP bombs, missing Shapefile parts, vertex limits: before reading
    suffix = path.suffix.lower()
    if suffix in SQL_SUFFIXES:
        read = read_wilayah_sql(path)
    elif suffix in VECTOR_SUFFIXES:
        read = read_vector(path, code_field, name_field)
    else:
        raise UserError(
            f"{path.name} is not a supported boundary format "
            f"(use {', '.join(SQL_SUFFIXES + VECTOR_SUFFIXES)})."
        )
    if read.villages.empty:
        raise UserError(f"{path.name} holds no village polygons.")
    check_extent(read.villages, path.name)
    return read


def read_wilayah_sql(path: Path) -> SourceRead:
    """A cahyadsn/wilayah_boundaries SQL dump: village rows become polygons, kec/kab rows give names."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise UserError(f"{path.name} is empty.")
    codes, names, rows, geometries, area_names, no_geometry = [], [], [], [], {}, {}
    try:
        for row in wilayah_sql.iter_rows(text):
            if len(row.kode) != 13:
                area_names[row.kode] = row.nama
                continue
            if not row.path:
                no_geometry[row.kode] = row.nama
                continue
            try:
                geometries.append(wilayah_sql.path_geometry(row.path))
            except ValueError as error:
                raise UserError(f"{path.name}, line {row.line} ({row.kode}): {error}.") from None
            codes.append(row.kode)
            names.append(row.nama)
            rows.append(row.line)
    except ValueError as error:
        raise UserError(f"{path.name}: {error}.") from None
    villages = _frame(codes, names, rows, geometries, path.name)
    return SourceRead(
        villages, area_names, is_wilayah_dump=wilayah_sql.is_wilayah_dump(text), no_geometry=no_geometry
    )


def read_wilayah_outlines(path: Path) -> gpd.GeoDataFrame:
    """The regency (kab) or province (prov) rows of a wilayah_boundaries dump, for the national
    overview: columns code, name, level, geometry (repaired; a row without a path is skipped)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    codes, names, geometries = [], [], []
    try:
        for row in wilayah_sql.iter_rows(text):
            if len(row.kode) not in (2, 5) or not row.path:
                continue
            try:
                geometries.append(wilayah_sql.path_geometry(row.path))
            except ValueError as error:
                raise UserError(f"{path.name}, line {row.line} ({row.kode}): {error}.") from None
            codes.append(row.kode)
            names.append(row.nama)
    except ValueError as error:
        raise UserError(f"{path.name}: {error}.") from None
    if not codes:
        raise UserError(f"{path.name} holds no regency or province outlines.")
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "level": ["province" if len(code) == 2 else "regency" for code in codes],
        },
        geometry=gpd.GeoSeries(repair(geometries), crs=4326),
        crs=4326,
    )


def read_vector(path: Path, code_field: str | None, name_field: str | None) -> SourceRead:
    """GeoJSON, GeoPackage or Shapefile (also zipped), in any CRS, reprojected to EPSG:4326."""
    import pyogrio

    uri = _vector_uri(path)
    try:
        frame = pyogrio.read_dataframe(uri)
    except Exception as error:  # pyogrio/GDAL raise several types; all mean "cannot read this file"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"{path.name} could not be read as a GIS file ({reason}).") from None
    if frame.empty:
        raise UserError(f"{path.name} holds no features.")
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise UserError(
                f"{path.name} has no coordinate reference system (a missing .prj?) and its "
                "coordinates are not degrees, so they cannot be placed on the map."
            )
        frame = frame.set_crs(4326)  # unlabelled degrees: GeoJSON's own default
    frame = frame.to_crs(4326)
    fields = [c for c in frame.columns if c != frame.geometry.name]
    code_col = _pick_field(fields, code_field, CODE_FIELDS, path.name, "code", "--code-field")
    name_col = _pick_field(fields, name_field, NAME_FIELDS, path.name, "name", "--name-field", required=False)
    codes = []
    for index, value in enumerate(frame[code_col].tolist(), start=1):
        code = normalise_code(value)
        if code is None:
            raise UserError(
                f"{path.name}, feature {index}: {code_col} value {value!r} is not a village code "
                "(NN.NN.NN.NNNN or 10 digits)."
            )
        codes.append(code)
    names = frame[name_col].fillna("").astype(str).str.strip().tolist() if name_col else [""] * len(codes)
    area_names = {}
    for fields_tried, cut in ((KECAMATAN_NAME_FIELDS, 8), (REGENCY_NAME_FIELDS, 5)):
        column = _pick_field(fields, None, fields_tried, path.name, "", "", required=False)
        if column:
            for code, name in zip(codes, frame[column].tolist(), strict=True):
                if isinstance(name, str) and name.strip():
                    area_names.setdefault(code[:cut], name.strip())
    geometries = frame.geometry.values
    keep, no_geometry = [], {}
    for index, geometry in enumerate(geometries, start=1):
        if geometry is None or geometry.is_empty:
            no_geometry[codes[index - 1]] = names[index - 1]
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise UserError(
                f"{path.name}, feature {index} ({codes[index - 1]}) is a {geometry.geom_type}, not a polygon."
            )
        keep.append(index - 1)
    rows = [index + 1 for index in keep]
    villages = _frame(
        [codes[i] for i in keep], [names[i] for i in keep], rows, [geometries[i] for i in keep], path.name
    )
    return SourceRead(villages, area_names, no_geometry=no_geometry)


def check_extent(villages: gpd.GeoDataFrame, label: str) -> None:
    """Refuse villages outside Indonesia: the classic symptom of [lng, lat] swapped or a lost CRS."""
    bounds = villages.geometry.bounds
    outside = (
        (bounds["minx"] < INDONESIA_LNG[0])
        | (bounds["maxx"] > INDONESIA_LNG[1])
        | (bounds["miny"] < INDONESIA_LAT[0])
        | (bounds["maxy"] > INDONESIA_LAT[1])
    )
    if outside.any():
        first = villages[outside].iloc[0]
        point = first.geometry.representative_point()
        raise UserError(
            f"{label}: {int(outside.sum())} of {len(villages)} villages lie outside Indonesia "
            f"(e.g. {first['code']} at longitude {point.x:.2f}, latitude {point.y:.2f}), so the "
            "coordinates look swapped (latitude and longitude) or in the wrong CRS."
        )


def check_duplicates(villages: gpd.GeoDataFrame) -> None:
    """Refuse a code that appears twice, naming it and where each copy came from."""
    repeated = villages[villages["code"].duplicated(keep=False)]
    if repeated.empty:
        return
    shown = []
    for code, group in list(repeated.groupby("code", sort=True))[:5]:
        places = ", ".join(f"{src} row {row}" for src, row in zip(group["source"], group["row"], strict=True))
        shown.append(f"{code} ({places})")
    more = repeated["code"].nunique() - len(shown)
    tail = f" and {more} more" if more > 0 else ""
    raise UserError(f"Village codes appear more than once: {'; '.join(shown)}{tail}.")


def repair(geometries) -> np.ndarray:
    """make_valid, keep only the polygonal parts, orient exteriors counter-clockwise (RFC 7946)."""
    fixed = shapely.make_valid(np.asarray(geometries, dtype=object), method="structure", keep_collapsed=False)
    out = np.empty(len(fixed), dtype=object)
    for index, geometry in enumerate(fixed):
        if geometry.geom_type == "GeometryCollection":
            parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
            geometry = shapely.union_all(parts) if parts else shapely.Polygon()
        out[index] = geometry
    return shapely.orient_polygons(out, exterior_cw=False)


def _frame(codes, names, rows, geometries, label: str) -> gpd.GeoDataFrame:
    repaired = repair(geometries) if geometries else np.empty(0, dtype=object)
    for code, row, geometry in zip(codes, rows, repaired, strict=True):
        if geometry.is_empty or geometry.area == 0:
            raise UserError(f"{label}, row {row} ({code}): its polygon has no area once repaired.")
    code_series = pd.Series(codes, dtype=str)
    return gpd.GeoDataFrame(
        {
            "code": code_series,
            "name": pd.Series(names, dtype=str),
            "level": "village",
            "kecamatan": code_series.str[:8],
            "regency": code_series.str[:5],
            "source": label,
            "row": pd.Series(rows, dtype="int64"),
        },
        geometry=gpd.GeoSeries(repaired, crs=4326),
        crs=4326,
    )[COLUMNS]


def _vector_uri(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".shp":
        if not any(path.with_suffix(ext).exists() for ext in (".dbf", ".DBF", ".Dbf")):
            raise UserError(
                f"{path.name} has no {path.stem}.dbf next to it (the shapefile's attribute table), "
                "so its village codes cannot be read."
            )
        return str(path)
    if suffix != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except zipfile.BadZipFile:
        raise UserError(f"{path.name} is not a readable zip archive.") from None
    lowered = {m.lower(): m for m in members}
    for suffix_inside in (".shp", ".gpkg", ".geojson", ".json"):
        found = sorted(m for m in members if m.lower().endswith(suffix_inside))
        if not found:
            continue
        member = found[0]
        if suffix_inside == ".shp" and member.lower()[:-4] + ".dbf" not in lowered:
            raise UserError(
                f"{path.name}: {member} has no .dbf beside it in the archive (the shapefile's "
                "attribute table), so its village codes cannot be read."
            )
        return f"/vsizip/{path}/{member}"
    raise UserError(f"{path.name} holds no .shp, .gpkg or .geojson file.")


def _pick_field(fields, override, candidates, label, what, option, required=True):
    by_lower = {f.lower(): f for f in fields}
    if override:
        if override.lower() not in by_lower:
            raise UserError(
                f"{label} has no field {override!r}; its fields are: {', '.join(fields) or 'none'}."
            )
        return by_lower[override.lower()]
    for candidate in candidates:
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    if required:
        raise UserError(
            f"{label} has no village {what} field (looked for {', '.join(candidates)}); its fields "
            f"are: {', '.join(fields) or 'none'}; name the right one with {option}."
        )
    return None
