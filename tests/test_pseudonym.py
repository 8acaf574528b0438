"""Pseudonymisation: the per-installation secret and child_id = HMAC-SHA256 of the normalised identity."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pandas as pd
import pytest

from stunting import pseudonym
from stunting.errors import UserError

KEY = bytes(range(32))


def _reference(message: str, key: bytes = KEY) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _ids(nik, name, born, mother, key: bytes = KEY) -> list:
    return list(
        pseudonym.child_ids(
            pd.Series(nik, dtype=object),
            pd.Series(name, dtype=object),
            pd.to_datetime(pd.Series(born)),
            pd.Series(mother, dtype=object),
            key,
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


def test_child_id_is_hmac_of_the_normalised_nik() -> None:
    ids = _ids(
        ["6402011234560001", " 6402-0112-3456-0001 ", "'6402011234560001"],
        ["Anak Fiktif", "Nama Lain", ""],
        ["2022-01-01", "2023-05-05", None],
        ["Ibu", "", ""],
    )
    assert ids == [_reference("nik:6402011234560001")] * 3


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
    assert other_key[1] != ids[1] and other_key[1] == _reference("nik:6402011234560001", b"\x01" * 32)


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
