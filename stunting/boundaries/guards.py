"""Bounds a boundary file must keep before any reader opens it (called at readers.read_source's entry).

GDAL and geopandas read a whole layer into memory, and the import then repairs and simplifies every
polygon at three levels of detail: a file's cost grows with its vertices. A ZIP bomb posing as a
zipped Shapefile, or a GeoJSON of millions of vertices, would take the shared app server's memory
before any message could be shown. These checks read only sizes, headers and a byte count.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from stunting.errors import UserError
from stunting.guards import check_zip

# Vertices in one file. Kukar's 237 villages in wilayah_boundaries have 42,000; BIG's 1:5,000 village
# layer of a whole province has a few million. Beyond this, reading, repairing and simplifying takes
# several GB: import such a layer one regency or province at a time.
MAX_VERTICES = 5_000_000
# A zipped Shapefile of MAX_VERTICES (16 bytes a vertex) plus attributes and index, with room to spare.
MAX_UNZIPPED_BYTES = 1 << 30
# Bytes per vertex in a Shapefile's .shp (two float64): its size bounds the vertex count from above.
SHP_BYTES_PER_VERTEX = 16
SHAPEFILE_PARTS = (".shx", ".dbf")
_READ_BLOCK = 1 << 22
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER_BYTES = 100


def check_boundary_file(path: Path) -> None:
    """UserError when ``path`` would cost more than the bounds above, or lacks a Shapefile's parts."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        _check_zipped_shapefile(path)
    elif suffix == ".shp":
        _check_vertices(path.name, path.stat().st_size // SHP_BYTES_PER_VERTEX, "estimated from its size")
    elif suffix in (".geojson", ".json"):
        _check_vertices(path.name, _bracket_count(path), "counted")
    elif suffix == ".gpkg":
        _check_geopackage(path)


def _check_geopackage(path: Path) -> None:
    """A GeoPackage is an SQLite database: its 100-byte header says how long the file must be, so a
    truncated copy is told as such instead of by GDAL's warnings and SQL errors."""
    with open(path, "rb") as fh:
        header = fh.read(SQLITE_HEADER_BYTES)
    if len(header) < SQLITE_HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise UserError(f"{path.name} is not a GeoPackage: it does not start as an SQLite database does.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    # The size in pages is valid only when its "version valid for" matches the change counter.
    pages = int.from_bytes(header[28:32], "big") if header[24:28] == header[92:96] else 0
    if page_size < 512 or page_size & (page_size - 1) or path.stat().st_size < page_size * pages:
        raise UserError(
            f"{path.name} is damaged or incomplete: its header describes a longer file than the "
            f"{path.stat().st_size:,} bytes there are; copy or download it again."
        )


def _check_zipped_shapefile(path: Path) -> None:
    members = check_zip(path, max_unzipped_bytes=MAX_UNZIPPED_BYTES)
    names = {m.filename.lower(): m for m in members if not m.is_dir()}
    for name, member in names.items():
        if not name.endswith(".shp"):
            continue
        stem = str(PurePosixPath(name).with_suffix(""))
        missing = [part for part in SHAPEFILE_PARTS if stem + part not in names]
        if missing:
            shp = PurePosixPath(member.filename).name
            raise UserError(
                f"{path.name}: {shp} has no {' and no '.join(missing)} beside it in the archive (a "
                "Shapefile needs its index and its attribute table); zip all its files together."
            )
        label = f"{path.name}, {PurePosixPath(member.filename).name}"
        _check_vertices(label, member.file_size // SHP_BYTES_PER_VERTEX, "estimated from its size")


def _bracket_count(path: Path) -> int:
    """'[' in a GeoJSON: one per vertex, plus one per ring and polygon (an upper bound of vertices)."""
    count = 0
    with open(path, "rb") as fh:
        while block := fh.read(_READ_BLOCK):
            count += block.count(b"[")
            if count > 2 * MAX_VERTICES:
                break  # enough to refuse; the rest need not be read
    return count


def _check_vertices(label: str, vertices: int, how: str) -> None:
    if vertices > MAX_VERTICES:
        shown = f"more than {2 * MAX_VERTICES:,}" if vertices > 2 * MAX_VERTICES else f"about {vertices:,}"
        raise UserError(
            f"{label} has {shown} vertices ({how}), more than the {MAX_VERTICES:,} one import can repair "
            "and simplify in memory; import it one regency or province at a time."
        )
