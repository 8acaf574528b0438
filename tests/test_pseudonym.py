"""Pseudonymisation: the per-installation secret and child_id = HMAC-SHA256 of the normalised identity."""

from __future__ import annotations

import hashlib
import hmac
import stat
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stunting import pseudonym
from stunting.errors import UserError

KEY = bytes(range(32))


def _reference(message: str, key: bytes = KEY) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _ids(nik, name, born, mother, key: bytes = KEY, sex=None) -> list:
    return list(
        pseudonym.child_ids(
            pd.Series(nik, dtype=object),
            pd.Series(name, dtype=object),
            pd.to_datetime(pd.Series(born)),
            pd.Series(mother, dtype=object),
            key,
            sex=pd.Series(sex if sex is not None else ["L"] * len(nik), dtype=object),
        )
    )


def test_secret_is_created_once_with_mode_0600_outside_the_store(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(pseudonym.SECRET_ENV, raising=False)
    first = pseudonym.load_secret(tmp_path)
    path = tmp_path / "secret.key"
    assert len(first) == 32 and path.read_bytes() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pseudonym.load_secret(tmp_path) == first
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    other = tmp_path / "other"
    assert pseudonym.load_secret(other) != first  # another installation, another key


def test_secret_file_can_be_moved_by_environment_but_never_into_the_store(
    tmp_path: Path, monkeypatch
) -> None:
    elsewhere = tmp_path / "keys" / "peta.key"
    monkeypatch.setenv(pseudonym.SECRET_ENV, str(elsewhere))
    key = pseudonym.load_secret(tmp_path / "data")
    assert elsewhere.read_bytes() == key and not (tmp_path / "data" / "secret.key").exists()
    monkeypatch.setenv(pseudonym.SECRET_ENV, str(tmp_path / "data" / "store" / "secret.key"))
    with pytest.raises(UserError, match="must not be inside the store"):
        pseudonym.load_secret(tmp_path / "data")


def test_a_damaged_secret_is_refused_not_replaced(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(pseudonym.SECRET_ENV, raising=False)
    (tmp_path / "secret.key").write_bytes(b"short")
    with pytest.raises(UserError, match="holds 5 bytes instead of 32"):
        pseudonym.load_secret(tmp_path)
    assert (tmp_path / "secret.key").read_bytes() == b"short"


def test_child_id_is_hmac_of_the_normalised_nik_birth_date_and_sex() -> None:
    ids = _ids(
        ["6402011234560001", " 6402-0112-3456-0001 ", "'6402011234560001"],
        ["Anak Fiktif", "Nama Lain", ""],
        ["2022-01-01", "2022-01-01", "2022-01-01"],
        ["Ibu", "", ""],
    )
    assert ids == [_reference("nik:6402011234560001|2022-01-01|L")] * 3


def test_siblings_under_one_parents_nik_are_two_children() -> None:
    # A brother and his sister entered under their mother's NIK, and the boy again a month later.
    ids = _ids(
        ["6402014508900001"] * 3,
        ["Budi Fiktif", "Sari Fiktif", "Budi Fiktif"],
        ["2022-03-01", "2023-07-15", "2022-03-01"],
        ["Ibu Fiktif"] * 3,
        sex=["L", "P", "L"],
    )
    assert ids[0] == ids[2] == _reference("nik:6402014508900001|2022-03-01|L")
    assert ids[1] == _reference("nik:6402014508900001|2023-07-15|P")


def test_without_a_valid_nik_the_id_is_name_birth_date_and_mother() -> None:
    ids = _ids(
        ["", "0000000000000000", "123", "6.40201E+15"],
        [
            "Muhammad Ma'ruf Fiktif",
            "MUHAMMAD MARUF FIKTIF",
            "Muhammad Ma’ruf  Fiktif",
            "muhammad maruf fiktif",
        ],
        ["2022-11-20"] * 4,
        ["Siti Fiktif", "SITI FIKTIF", "siti  fiktif", "Siti-Fiktif"],
    )
    expected = _reference("nbm:muhammadmaruffiktif|2022-11-20|sitifiktif")
    assert ids == [expected] * 4


def test_accents_fold_and_different_children_differ() -> None:
    ids = _ids(
        ["", "", "", ""],
        ["Sé Fiktif", "SE FIKTIF", "Se Fiktif", "Se Fiktif"],
        ["2021-09-30", "2021-09-30", "2021-09-30", "2021-10-01"],
        ["", "", "", ""],
    )
    assert ids[0] == ids[1] == ids[2] == _reference("nbm:sefiktif|2021-09-30|")
    assert ids[3] != ids[0]


def test_no_identity_gives_none_and_the_key_matters() -> None:
    ids = _ids(["", "6402011234560001"], ["", ""], ["2022-01-01", "2022-01-01"], ["Ibu", ""])
    assert ids[0] is None
    other_key = _ids([""] + ["6402011234560001"], ["", ""], ["2022-01-01"] * 2, ["", ""], key=b"\x01" * 32)
    assert other_key[1] != ids[1]
    assert other_key[1] == _reference("nik:6402011234560001|2022-01-01|L", b"\x01" * 32)


def test_ids_of_many_mixed_rows_are_pythons_hmac_of_their_messages() -> None:
    """Thousands of rows at once (the path an import takes, hashed in DuckDB): each id is the
    standard library's HMAC of the message the docstring gives, whatever mix of NIK and name rows,
    non-ASCII names (folded: "ø" stays, "ß" becomes "ss"), missing birth dates and keys."""
    rng = np.random.default_rng(7)
    count = 3_000
    valid_nik = [f"6402{rng.integers(10**11, 10**12)}" for _ in range(count)]
    nik = np.where(rng.random(count) < 0.6, valid_nik, rng.choice(["", "123", "0000000000000000"], count))
    first = rng.choice(["Dewi", "Søren", "Straße", "Nguyễn", "Ma'ruf", "", "安"], count)
    name = [f"{f} Fiktif {i % 50}" if f else "" for i, f in enumerate(first)]
    mother = rng.choice(["Siti Fiktif", "Ibu Ñoño", "", None], count)
    born = pd.Series(pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 1500, count), "D"))
    born[rng.random(count) < 0.05] = pd.NaT
    sex = rng.choice(["L", "P"], count)
    key = bytes(rng.integers(0, 256, 32, dtype=np.uint8))
    ids = _ids(list(nik), name, born, list(mother), key=key, sex=list(sex))

    def fold(text) -> str:  # pseudonym.normalise_name's rule, written out for one value
        decomposed = unicodedata.normalize("NFKD", text or "")
        return "".join(ch for ch in decomposed if ch.isalnum()).casefold()

    expected = []
    for i in range(count):
        date = "" if pd.isna(born[i]) else born[i].strftime("%Y-%m-%d")
        if len(nik[i]) == 16 and len(set(nik[i])) > 1:
            expected.append(_reference(f"nik:{nik[i]}|{date}|{sex[i]}", key))
        elif fold(name[i]) and date:
            expected.append(_reference(f"nbm:{fold(name[i])}|{date}|{fold(mother[i])}", key))
        else:
            expected.append(None)
    assert ids == expected
    assert sum(e is None for e in expected) > 10 and sum(e is not None for e in expected) > 2_000


def test_normalisation_rules() -> None:
    niks = pseudonym.normalise_nik(
        pd.Series(
            ["6402 0101 0101 0001", "9999999999999999", "640201010101000", None, "64020101010100011"],
            dtype=object,
        )
    )
    assert niks.tolist() == ["6402010101010001", "", "", "", ""]
    names = pseudonym.normalise_name(pd.Series(["  Dewi  Sri ", "DEWI-SRI", "Dèwi Sri", None], dtype=object))
    assert names.tolist() == ["dewisri", "dewisri", "dewisri", ""]


def _stdnum_disagrees(nik: str, born: str, sex: str) -> bool:
    """The reference: python-stdnum's reading of the NIK's birth date (day + 40 for women)."""
    from stdnum.exceptions import ValidationError
    from stdnum.id import nik as stdnum_nik

    try:
        embedded = stdnum_nik.get_birth_date(nik)
    except ValidationError:
        return True
    day = int(nik[6:8])
    girl_in_nik = day > 40
    birth = pd.Timestamp(born)
    same_date = (embedded.day, embedded.month, embedded.year % 100) == (
        birth.day,
        birth.month,
        birth.year % 100,
    )
    return not (same_date and girl_in_nik == (sex == "P"))


def test_nik_birth_date_check_agrees_with_python_stdnum() -> None:
    rng = np.random.default_rng(7)
    births = pd.to_datetime("2019-01-01") + pd.to_timedelta(rng.integers(0, 2200, 400), unit="D")
    sexes = rng.choice(["L", "P"], 400)
    niks, borns = [], []
    for i, (birth, sex) in enumerate(zip(births, sexes, strict=True)):
        kind = i % 4  # the child's own NIK, a parent's, a wrong sex, an impossible date
        if kind == 0:
            day = birth.day + (40 if sex == "P" else 0)
            niks.append(f"640201{day:02d}{birth.month:02d}{birth.year % 100:02d}{i:04d}")
        elif kind == 1:
            niks.append(
                f"640201{rng.integers(1, 29) + 40:02d}{rng.integers(1, 13):02d}{rng.integers(70, 99)}{i:04d}"
            )
        elif kind == 2:
            day = birth.day + (0 if sex == "P" else 40)
            niks.append(f"640201{day:02d}{birth.month:02d}{birth.year % 100:02d}{i:04d}")
        else:
            niks.append(f"64020100{rng.integers(13, 99):02d}{birth.year % 100:02d}{i:04d}")
        borns.append(birth.strftime("%Y-%m-%d"))
    ours = pseudonym.nik_disagrees(
        pd.Series(niks, dtype=object), pd.to_datetime(pd.Series(borns)), pd.Series(sexes, dtype=object)
    )
    reference = [_stdnum_disagrees(n, b, s) for n, b, s in zip(niks, borns, sexes, strict=True)]
    assert ours.tolist() == reference
    assert 0 < sum(reference) < len(reference)  # both answers occur
    # No valid NIK: nothing to disagree with.
    none = pseudonym.nik_disagrees(
        pd.Series(["", "123"], dtype=object),
        pd.to_datetime(pd.Series(["2022-01-01"] * 2)),
        pd.Series(["L", "P"]),
    )
    assert none.tolist() == [False, False]
