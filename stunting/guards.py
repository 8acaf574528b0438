"""Checks that run before a parser sees a file: archives that expand without bound, XML that declares
entities, workbooks that carry macros. Each refusal is one ``UserError`` sentence naming the file.

Why before: the parsers (calamine for workbooks, GDAL for zipped Shapefiles) would first decompress
or expand everything into memory, and the app's server process is shared by every user, so a 1 MB
upload must not be able to take gigabytes. Reading a ZIP's central directory costs nothing.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from stunting.errors import UserError

# Spreadsheets and Shapefiles compress 3 to 20 times; 100 times is already unusual for real data, and a
# ZIP bomb is a thousand times or more. Checked on the whole archive and on each member.
MAX_ZIP_RATIO = 100
# Members of one archive: a workbook has about ten, a zipped Shapefile a handful per layer.
MAX_ZIP_MEMBERS = 1_000
# Archive members smaller than this are not judged by their ratio (a tiny XML file of repeated tags
# compresses very well and is harmless).
RATIO_FLOOR_BYTES = 1 << 20
# What a member's first bytes may hold before the document's root element: enough for any XML prolog.
XML_PROLOG_BYTES = 4096

MACRO_MEMBERS = ("xl/vbaProject.bin", "xl/macrosheets/", "xl/dialogsheets/")
MACRO_CONTENT_TYPE = b"macroEnabled"


def check_zip(path: Path, *, max_unzipped_bytes: int) -> list[zipfile.ZipInfo]:
    """The archive's members, or UserError when it is not one, or would expand beyond bounds."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise UserError(f"{name} is damaged or incomplete: it cannot be opened as a ZIP archive.") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise UserError(
            f"{name} holds {len(members):,} files; an archive of this kind holds at most {MAX_ZIP_MEMBERS:,}."
        )
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > max_unzipped_bytes:
        raise UserError(
            f"{name} would expand to {total / 2**20:,.0f} MB, more than the "
            f"{max_unzipped_bytes / 2**20:,.0f} MB that can be read safely; split it into smaller files."
        )
    for member in [*members, None]:
        size, compressed = (total, packed) if member is None else (member.file_size, member.compress_size)
        if size >= RATIO_FLOOR_BYTES and size > MAX_ZIP_RATIO * max(compressed, 1):
            where = f"{name}" if member is None else f"{name}, member {member.filename[:80]}"
            raise UserError(
                f"{where} expands {size / max(compressed, 1):,.0f} times ({compressed:,} bytes to "
                f"{size:,}), far beyond the {MAX_ZIP_RATIO} times of real data: it looks like a ZIP bomb "
                "and is not read."
            )
    return members


def check_workbook(path: Path, *, max_unzipped_bytes: int) -> None:
    """UserError for an XLSX that is a ZIP bomb, carries macros, or declares XML entities."""
    name = Path(path).name
    members = check_zip(path, max_unzipped_bytes=max_unzipped_bytes)
    if path.suffix.lower() in (".xlsm", ".xltm", ".xlsb") or any(
        m.filename.startswith(MACRO_MEMBERS) for m in members
    ):
        raise UserError(
            f"{name} is a macro-enabled workbook; Peta Stunting reads no file that carries code: "
            "save the export as .xlsx or CSV and import that."
        )
    with zipfile.ZipFile(path) as archive:
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(member) as fh:
                prolog = fh.read(XML_PROLOG_BYTES)
            if member.filename == "[Content_Types].xml" and MACRO_CONTENT_TYPE in prolog:
                raise UserError(
                    f"{name} is a macro-enabled workbook; Peta Stunting reads no file that carries code: "
                    "save the export as .xlsx or CSV and import that."
                )
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise UserError(
                    f"{name}, member {member.filename[:80]}: declares XML entities (a DOCTYPE), which Excel "
                    "never writes and which can expand without bound; export the file again from e-PPGBM."
                )
