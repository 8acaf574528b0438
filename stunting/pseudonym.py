"""Pseudonymisation: a child becomes a keyed hash before anything about it is written.

``child_id`` is HMAC-SHA256, keyed with a per-installation secret, of the child's normalised NIK
together with its birth date and sex, or, when the export has no valid NIK, of the normalised name +
ISO birth date + normalised mother's name. Birth date and sex are part of the NIK key because
children without a NIK of their own are entered under a parent's or the family card's number: two
siblings under one NIK stay two children (twins of one sex under one parent's NIK remain one: the
export carries nothing else that tells them apart reliably).

A child's own NIK embeds its birth date (digits 7-12, DDMMYY, 40 added to the day for girls);
``nik_disagrees`` finds rows where it does not, which are probably a parent's number: the import
keeps them (the key above keeps siblings apart) and counts them in its summary.

Without the secret nobody can test a guessed NIK against the store (a plain hash of a 16-digit NIK
with a known region prefix is brute-forced in minutes).

The secret (32 random bytes) is created on first use at ``DATA_DIR/secret.key`` with mode 0600, or
at ``$STUNTING_SECRET_FILE``; it is never inside the store folder, so copying or sharing the store
does not share the key. Losing the key means the next import gives every child a new id (children
are then counted again, not merged with earlier measurements): back it up with the installation.

Known limit: a child first exported without NIK and later with NIK gets two different ids. The key
changed in store format 2 (stunting/store_layout.py): a store keyed the old way must be rebuilt.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stunting import queries
from stunting.config import data_dir as resolve_data_dir
from stunting.config import private_dir
from stunting.errors import UserError

SECRET_ENV = "STUNTING_SECRET_FILE"
SECRET_FILE_NAME = "secret.key"
SECRET_BYTES = 32  # HMAC-SHA256's block-size-friendly key length; more adds nothing
NIK_DIGITS = 16  # Indonesian NIK: 6-digit region, 6-digit birth date, 4-digit serial
NIK_GIRL_DAY_OFFSET = 40  # a woman's or girl's NIK adds 40 to the day of birth
HMAC_BLOCK_BYTES = 64  # SHA-256's block: HMAC pads its key to this length
STORE_FOLDER = "store"  # the secret must never be inside data_dir/store (it would travel with the data)


def secret_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the installation's secret lives: ``$STUNTING_SECRET_FILE`` or ``DATA_DIR/secret.key``."""
    override = os.environ.get(SECRET_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return resolve_data_dir(data_dir) / SECRET_FILE_NAME


def load_secret(data_dir: str | os.PathLike[str] | None = None) -> bytes:
    """The installation's secret, created (0600, atomically) the first time it is needed."""
    root = resolve_data_dir(data_dir)
    path = secret_path(data_dir)
    store = (root / STORE_FOLDER).resolve()
    if path.resolve().is_relative_to(store):
        raise UserError(f"The secret file {path} must not be inside the store folder {store}.")
    if not path.exists():
        _create_secret(path)
    key = path.read_bytes()
    if len(key) != SECRET_BYTES:
        raise UserError(
            f"The secret file {path} holds {len(key)} bytes instead of {SECRET_BYTES}: "
            "restore it from a backup (a new key would give every child a new id)."
        )
    return key


def _create_secret(path: Path) -> None:
    # Written under a temporary name and hard-linked into place: a kill mid-write never leaves a
    # short key, and two processes racing both end up with the one key that won the link.
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(SECRET_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def _arrow_text(values: pd.Series) -> pa.Array:
    """Arrow strings, missing as "" (NaN and None both count as missing)."""
    if isinstance(values.dtype, pd.StringDtype):  # held in Arrow already: no Python string is made
        array = pa.array(values, type=pa.string(), from_pandas=True)
    else:
        array = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.fill_null(array, "")


def normalise_nik(nik: pd.Series) -> pd.Series:
    """Digits only; anything but 16 digits, or one digit repeated (000..., 999...), becomes ""."""
    return pd.Series(_nik_digits(nik).to_numpy(zero_copy_only=False), index=nik.index, dtype=object)


def _nik_digits(nik: pd.Series) -> pa.Array:
    """normalise_nik as Arrow strings (what the hashing and the birth-date check read)."""
    digits = pc.replace_substring_regex(_arrow_text(nik), r"\D", "")
    repeated = pa.array([str(d) * NIK_DIGITS for d in range(10)])
    valid = pc.and_(pc.equal(pc.utf8_length(digits), NIK_DIGITS), pc.invert(pc.is_in(digits, repeated)))
    return pc.if_else(valid, digits, "")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()


def normalise_name(name: pd.Series) -> pd.Series:
    """Case-, accent-, space- and punctuation-blind: "Ma'ruf", "MARUF" and "Ma ruf" are one name."""
    return pd.Series(normalised_names(name).to_numpy(zero_copy_only=False), index=name.index, dtype=object)


def normalised_names(name: pd.Series) -> pa.Array:
    """normalise_name as Arrow strings, positional (the duplicate check's identities stay in Arrow:
    two million Python strings a million rows cost more than the folding)."""
    return normalised_text(_arrow_text(name))


def normalised_text(text: pa.Array) -> pa.Array:
    """normalise_name of Arrow strings (missing as ""), as Arrow strings."""
    text = pc.fill_null(text, "")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # ASCII names (nearly all) are folded in Arrow; the rest one by one. Both ways give the same key:
    # for ASCII, NFKD changes nothing and isalnum() is exactly [A-Za-z0-9].
    folded = pc.replace_substring_regex(pc.ascii_lower(text), r"[^a-z0-9]", "")
    other = pc.invert(pc.string_is_ascii(text))
    if not pc.any(other).as_py():
        return folded
    refolded = pa.array([_fold(t) for t in text.filter(other).to_pylist()], type=pa.string())
    return pc.replace_with_mask(folded, other, refolded)


def nik_is_valid(nik: pd.Series) -> np.ndarray:
    """Where normalise_nik keeps the NIK (16 digits, not one digit repeated), without making its
    strings."""
    return pc.not_equal(_nik_digits(nik), "").to_numpy(zero_copy_only=False)


def nik_disagrees(nik: pd.Series, birth_date: pd.Series, sex: pd.Series) -> np.ndarray:
    """True where a valid NIK's embedded birth date (DDMMYY at digits 7-12, day + 40 for girls) is not
    the row's birth date and sex: a parent's or the family card's number, most likely. False where
    there is no valid NIK. Vectorised (python-stdnum's ``stdnum.id.nik`` is the test's reference)."""
    digits = _nik_digits(nik)
    has_nik = pc.not_equal(digits, "").to_numpy(zero_copy_only=False)
    padded = pc.if_else(pa.array(has_nik), digits, "0" * NIK_DIGITS)

    def number(start: int) -> np.ndarray:  # two digits of the NIK from ``start``, as integers
        part = pc.utf8_slice_codeunits(padded, start, start + 2)
        return pc.cast(part, pa.int64()).to_numpy(zero_copy_only=False)

    day_code, month, year2 = number(6), number(8), number(10)
    born = pd.to_datetime(birth_date)
    girl = sex.to_numpy(dtype=object) == "P"
    expected_day = born.dt.day.to_numpy() + np.where(girl, NIK_GIRL_DAY_OFFSET, 0)
    agrees = (
        (day_code == expected_day)
        & (month == born.dt.month.to_numpy())
        & (year2 == born.dt.year.to_numpy() % 100)
    )
    return has_nik & ~agrees


def child_ids(
    nik: pd.Series,
    name: pd.Series,
    birth_date: pd.Series,
    mother_name: pd.Series | None,
    secret: bytes,
    *,
    sex: pd.Series,
) -> np.ndarray:
    """One hex HMAC-SHA256 per row; None where the row has neither a valid NIK nor a name.

    ``birth_date`` is datetime-like (only its calendar date is used); ``sex`` is "L" / "P". The
    "nik:" and "nbm:" prefixes keep the two kinds of input from ever producing the same message:
    "nik:NIK|YYYY-MM-DD|SEX" or "nbm:NAME|YYYY-MM-DD|MOTHER".
    """
    nik_norm = _nik_digits(nik)
    without_nik = np.flatnonzero(pc.equal(nik_norm, "").to_numpy(zero_copy_only=False))
    # Names only where there is no NIK (nearly every row has one): normalising costs more than hashing.
    name_norm = np.full(len(nik), "", dtype=object)
    mother = np.full(len(nik), "", dtype=object)
    if len(without_nik):
        name_norm[without_nik] = normalise_name(name.iloc[without_nik]).to_numpy(dtype=object)
        if mother_name is not None:
            mother[without_nik] = normalise_name(mother_name.iloc[without_nik]).to_numpy(dtype=object)
    name_norm = pa.array(name_norm, pa.string())
    # Formatted once per distinct date (code -1, a missing date, picks the trailing "").
    codes, uniques = pd.factorize(pd.to_datetime(birth_date))
    labels = np.array([d.strftime("%Y-%m-%d") for d in uniques] + [""], dtype=object)
    born = pa.array(labels[codes], pa.string())
    sexes = pa.array(
        pd.Series(sex, index=nik.index).fillna("").astype(str).to_numpy(dtype=object), pa.string()
    )
    by_nik = pc.binary_join_element_wise("nik:", nik_norm, "|", born, "|", sexes, "")
    by_name = pc.binary_join_element_wise(
        "nbm:", name_norm, "|", born, "|", pa.array(mother, pa.string()), ""
    )
    has_name = pc.and_(pc.not_equal(name_norm, ""), pc.not_equal(born, ""))
    messages = pc.if_else(
        pc.not_equal(nik_norm, ""), by_nik, pc.if_else(has_name, by_name, pa.scalar(None, pa.string()))
    )
    return _hmac_hex(secret, messages).to_numpy(zero_copy_only=False)


def _hmac_hex(secret: bytes, messages: pa.Array) -> pa.Array:
    """queries/pseudonym_hmac.sql: hex HMAC-SHA256 of each message under ``secret`` (NULL stays NULL)."""
    key = secret.ljust(HMAC_BLOCK_BYTES, b"\0")  # RFC 2104: a key shorter than the block is zero-padded
    inner = bytes(b ^ 0x36 for b in key)
    outer = bytes(b ^ 0x5C for b in key)
    con = duckdb.connect(":memory:", config={"preserve_insertion_order": True})
    try:
        con.register("messages", pa.table({"message": messages}))
        sql = queries.load("pseudonym_hmac")
        return (
            con.sql(sql, params={"inner": inner, "outer": outer}).to_arrow_table().column(0).combine_chunks()
        )
    finally:
        con.close()
