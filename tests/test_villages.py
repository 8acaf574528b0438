"""Village matching: tolerant to how exports spell names, never guessing between villages."""

from __future__ import annotations

import pandas as pd
import pytest

from stunting.gazetteer import villages
from stunting.villages import VillageMatcher, name_key


@pytest.fixture(scope="module")
def matcher() -> VillageMatcher:
    return VillageMatcher()


@pytest.mark.parametrize(
    ("kab", "kec", "desa", "code"),
    [
        ("Kutai Kartanegara", "Loa Kulu", "Sumber Sari", "64.02.02.2014"),
        ("", "SEBULU", "DESA SUMBER SARI", "64.02.07.2007"),
        ("Kab. Kutai Kartanegara", "Kec. Kota Bangun Darat", "Sumbersari", "64.02.19.2007"),
        ("Kota Bontang", "Bontang Utara", "Kel. Api Api", "64.74.01.1006"),
        ("KOTA BONTANG", "", "api-api", "64.74.01.1006"),
        ("", "Loa Kulu", "Jonggon Jya", "64.02.02.2009"),  # one missing letter
        ("", "Tenggarong", "Loa Ipuh", "64.02.06.1002"),  # not Loa Ipuh Darat
        ("", "Tenggarong", "Kelurahan Loa Ipuh Darat", "64.02.06.1013"),
        ("", "Tenggarong", "Kel. Kampung Baru", "64.02.06.1008"),  # "Kampung" is part of the name
        ("", "Tabang", "Desa Kampung Baru", "64.02.12.2008"),
        ("", "Samboja", "Kel. Tanjung Harapan", "64.02.13.1009"),
        ("Kukar", "Samboja Barat", "Tani Bhakti", "64.02.20.2004"),
        ("", "", "Jonggon Desa", "64.02.02.2001"),  # a unique name needs no kecamatan
    ],
)
def test_spellings_that_match(matcher: VillageMatcher, kab: str, kec: str, desa: str, code: str) -> None:
    match = matcher.match(kab, kec, desa)
    assert match.status == "ok", match.reason
    row = villages().set_index("code").loc[code]
    assert (match.village_code, match.kecamatan_code, match.regency) == (
        code,
        row["kecamatan_code"],
        row["regency_code"],
    )


def test_three_sumber_sari_without_kecamatan_are_ambiguous(matcher: VillageMatcher) -> None:
    match = matcher.match("Kutai Kartanegara", "", "Sumber Sari")
    assert match.status == "village_ambiguous" and match.village_code is None
    assert "Loa Kulu" in match.reason and "Sebulu" in match.reason and "Kota Bangun Darat" in match.reason
    assert "fill in Kec" in match.reason


@pytest.mark.parametrize(
    ("kab", "kec", "desa", "status"),
    [
        ("", "Loa Kulu", "Antah Berantah", "village_unknown"),
        ("", "Loa Kulu", "Loa Lepu", "village_unknown"),  # a village of another kecamatan
        ("", "Loa Kulu", "Jontur", "village_unknown"),  # too far from any name to guess
        ("", "Muara Muntai", "Jantar", "village_unknown"),  # one letter wrong in 6 letters: not guessed
        ("", "Kecamatan Khayalan", "Sumber Sari", "kecamatan_unknown"),
        ("Kab. Berau", "Loa Kulu", "Sumber Sari", "regency_unknown"),
        ("", "Loa Kulu", "", "village_unknown"),
        ("Kota Bontang", "Loa Kulu", "Sumber Sari", "kecamatan_unknown"),  # Loa Kulu is not in Bontang
    ],
)
def test_unknown_names_are_rejected_not_guessed(matcher, kab, kec, desa, status) -> None:
    match = matcher.match(kab, kec, desa)
    assert match.status == status and match.village_code is None and match.reason


def test_samboja_and_samboja_barat_are_told_apart(matcher: VillageMatcher) -> None:
    assert matcher.match("", "Samboja", "Bukit Raya").village_code == "64.02.13.2016"
    assert matcher.match("", "Samboja Brt", "Tani Bhakti").kecamatan_code == "64.02.20"
    # "Bukit Raya" exists in Samboja and Tenggarong Seberang: without a kecamatan it is ambiguous.
    assert matcher.match("", "", "Bukit Raya").status == "village_ambiguous"


def test_keys_ignore_case_spaces_punctuation_accents_and_one_prefix() -> None:
    assert name_key("  DESA  Sumber-Sari ", ("desa",)) == name_key("sumbersari") == "sumbersari"
    assert name_key("Kel. Api-Api", ("kel",)) == "apiapi"
    assert name_key("Désa", ("desa",)) == "desa"  # a lone word is a name, not a prefix


def test_match_frame_matches_each_distinct_triple_once(matcher: VillageMatcher, monkeypatch) -> None:
    fresh = VillageMatcher()
    calls = []
    original = fresh._match
    monkeypatch.setattr(fresh, "_match", lambda *t: calls.append(t) or original(*t))
    frame = pd.DataFrame(
        {
            "regency_name": ["Kutai Kartanegara"] * 3000 + ["Kota Bontang"] * 3000,
            "kecamatan_name": ["Loa Kulu"] * 3000 + ["Bontang Utara"] * 3000,
            "village_name": ["Sumber Sari", "Jonggon Jaya", "Antah"] * 1000 + ["Api-api"] * 3000,
        },
        index=range(100, 6100),
    )
    out = fresh.match_frame(frame)
    assert len(calls) == 4
    assert list(out.index) == list(frame.index)
    assert out["village_code"].iloc[:2].tolist() == ["64.02.02.2014", "64.02.02.2009"]
    assert pd.isna(out["village_code"].iloc[2])
    assert out["status"].value_counts().to_dict() == {"ok": 5000, "village_unknown": 1000}
