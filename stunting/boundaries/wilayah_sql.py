"""Rows of the SQL dumps of github.com/cahyadsn/wilayah_boundaries (MIT).

One row per line: ``('kode','nama',lat,lng,'path')`` where ``path`` is JSON of **[lat, lng]**
pairs (latitude first), nested as a Polygon (depth 3) or a MultiPolygon (depth 4); names
escape ``'`` as ``''``. See ../shared/data/boundaries/PROVENANCE.md.

The national files have quirks the Kalimantan ones lack, all read here: rows with a space after
each comma (``('92.03.01.1001', 'Fak Fak Selatan', -2.97, ...``) and a row with an empty path
(``'96.01.05.1012'`` Malagusa: no geometry; ``path`` is then ``''``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
ROW = re.compile(
    r"\(\s*'(?P<kode>\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)'\s*,"
    r"\s*'(?P<nama>(?:[^']|'')*)'\s*,"
    rf"\s*(?P<lat>{_NUMBER})\s*,\s*(?P<lng>{_NUMBER})\s*,"
    r"\s*'(?P<path>(?:\[[^']*\])?)'\s*\)\s*(?P<end>[,;])"
)
INSERT = re.compile(r"INSERT\s+INTO\s+wilayah_boundaries\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class WilayahRow:
    kode: str
    nama: str
    lat: float
    lng: float
    path: str  # JSON text, [lat, lng] pairs; '' when the row has no geometry
    line: int  # 1-based line number in the dump, for error messages


def iter_rows(text: str) -> Iterator[WilayahRow]:
    """Yield every data row of one dump, in file order.

    A line that starts like a row but does not parse to the end (a truncated download) raises
    ValueError naming the line, so a half file is never taken for a whole one.
    """
    seen_insert = False
    last_end = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if INSERT.match(stripped):
            seen_insert = True
            continue
        if not stripped.startswith("("):
            continue
        match = ROW.fullmatch(stripped)
        if match is None:
            raise ValueError(f"line {number} is not a complete row (is the file truncated?)")
        last_end = match["end"]
        yield WilayahRow(
            kode=match["kode"],
            nama=match["nama"].replace("''", "'"),
            lat=float(match["lat"]),
            lng=float(match["lng"]),
            path=match["path"],
            line=number,
        )
    if not seen_insert:
        raise ValueError("it holds no INSERT statement for the wilayah_boundaries table")
    if last_end != ";":
        raise ValueError("its last row does not end the statement with ';' (is the file truncated?)")


def path_geometry(path: str):
    """The row's polygon(s) in (lng, lat) order, as read (not yet repaired).

    Raises ValueError when the path is not JSON of [lat, lng] rings nested as a Polygon or a
    MultiPolygon.
    """
    import json

    import shapely

    try:
        nested = json.loads(path)
    except json.JSONDecodeError as error:
        raise ValueError(f"its path is not valid JSON ({error.msg})") from None
    depth, probe = 0, nested
    while isinstance(probe, list) and probe:
        probe, depth = probe[0], depth + 1
    if depth == 3:
        nested = [nested]
    elif depth != 4:
        raise ValueError("its path is neither a Polygon nor a MultiPolygon of [lat, lng] pairs")
    try:
        polygons = [
            shapely.Polygon(
                [(lng, lat) for lat, lng in rings[0]],
                [[(lng, lat) for lat, lng in hole] for hole in rings[1:]],
            )
            for rings in nested
            if rings
        ]
    except (TypeError, ValueError) as error:
        raise ValueError(f"its path holds a ring that is not a list of [lat, lng] pairs ({error})") from None
    return shapely.MultiPolygon(polygons)


def is_wilayah_dump(text: str) -> bool:
    """True when the file's header is that of a cahyadsn/wilayah_boundaries dump (MIT)."""
    head = text[:4000]
    return "wilayah_boundaries" in head and "MIT License" in head
