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
        ("Kab. Berau", "Loa Kulu", "Sumber Sari", "kecamatan_unknown"),  # Loa Kulu is in Kukar
        ("Kab. Khayalan", "Loa Kulu", "Sumber Sari", "regency_unknown"),
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


def test_accented_and_punctuated_gazetteer_names_match_plain_spellings() -> None:
    # The gazetteer's own names are keyed in bulk (ASCII ones in Arrow, the others one by one):
    # either way "Sumbér Jaya" is "sumberjaya", whatever the export writes.
    gazetteer = pd.DataFrame(
        {
            "code": ["99.01.01.2001", "99.01.01.2002", "99.01.02.2001", "99.01.02.2002"],
            "name": ["Sumbér Jaya", "Ulu-Ulu", "Tanjung (Baru)", "Ulu Ulu"],
            "kecamatan_code": ["99.01.01", "99.01.01", "99.01.02", "99.01.02"],
            "kecamatan_name": ["Muara Ancalong", "Muara Ancalong", "Lóng Mesangat", "Lóng Mesangat"],
            "regency_code": ["99.01"] * 4,
            "regency_name": ["Kabupaten Contoh"] * 4,
        }
    )
    fresh = VillageMatcher(gazetteer)
    assert fresh.match("", "MUARA ANCALONG", "DESA SUMBER JAYA").village_code == "99.01.01.2001"
    assert fresh.match("", "Kec. Long-Mesangat", "tanjung baru").village_code == "99.01.02.2001"
    assert fresh.match("Kab. Contoh", "Muara Ancalong", "uluulu").village_code == "99.01.01.2002"
    both = fresh.match("Contoh", "", "Ulu Ulu")
    assert both.status == "village_ambiguous"
    assert "fill in Kec to tell them apart" in both.reason


def test_match_frame_gives_each_row_what_match_gives_its_triple(matcher: VillageMatcher) -> None:
    triples = [
        ("Kutai Kartanegara", "Loa Kulu", "Sumber Sari"),  # ok
        ("", "", "Sumber Sari"),  # ambiguous
        ("", "Loa Kulu", "Jonggon Jya"),  # fuzzy
        ("Kab. Antah", "", "Sumber Sari"),  # no such regency
        ("", "Loa Kulu", None),  # empty village
    ]
    rows = [triples[i % len(triples)] for i in range(23)]
    frame = pd.DataFrame(rows, columns=["regency_name", "kecamatan_name", "village_name"], index=range(7, 30))
    out = VillageMatcher().match_frame(frame)
    for index, triple in zip(frame.index, rows, strict=True):
        expected = matcher.match(*(value or "" for value in triple))
        for field in ("status", "village_code", "kecamatan_code", "regency", "reason", "fuzzy_from"):
            got = out.at[index, field]
            assert (pd.isna(got) and getattr(expected, field) is None) or got == getattr(expected, field)
    assert out["fuzzy_from"].dropna().unique().tolist() == ["Jonggon Jya"]
    assert out["fuzzy_from"].dropna().unique().tolist() == ["Jonggon Jya"]
    assert out["status"].value_counts().to_dict() == {
        "ok": 10,
        "village_ambiguous": 5,
        "regency_unknown": 4,
        "village_unknown": 4,
    }


# --- the national gazetteer (issue 10) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kab", "kec", "desa", "code"),
    [
        ("KAB. MALANG", "TUREN", "DESA SEDAYU", "35.07.09.1008"),
        ("Kabupaten Malang", "Turen", "Kemulan", "35.07.09.2002"),
        ("MALANG", "Turen", "Gedok Wetan", "35.07.09.2006"),  # a bare name is the kabupaten
        ("3507", "Turen", "Undaan", "35.07.09.2004"),
        ("35.07", "Turen", "Undaan", "35.07.09.2004"),
        ("KOTA MALANG", "BLIMBING", "KEL. POLOWIJEN", "35.73.01.1003"),
        # The boundary source's spelling (a gazetteer alias) matches like the code list's own.
        ("KAB. MALANG", "TUREN", "GEDOG WETAN", "35.07.09.2006"),
        # Two kecamatan called Tabang (Kukar, Mamasa): only Kukar's has a Kampung Baru.
        ("", "Tabang", "Kampung Baru", "64.02.12.2008"),
    ],
)
def test_villages_anywhere_in_indonesia(matcher: VillageMatcher, kab, kec, desa, code) -> None:
    match = matcher.match(kab, kec, desa)
    assert match.status == "ok", match.reason
    assert (match.village_code, match.kecamatan_code, match.regency) == (code, code[:8], code[:5])


def test_kota_and_kabupaten_of_one_name_are_two_regencies(matcher: VillageMatcher) -> None:
    # Sedayu is a village of Turen in Kabupaten Malang; Kota Malang has no kecamatan Turen.
    match = matcher.match("KOTA MALANG", "Turen", "Sedayu")
    assert match.status == "kecamatan_unknown" and "Kota Malang" in match.reason


def test_same_named_kecamatan_and_village_in_two_regencies_need_the_regency(matcher: VillageMatcher) -> None:
    frame = villages()
    twins = frame[(frame["kecamatan_name"] == "Alama") & (frame["name"] == "Alama")]
    assert twins["regency_code"].nunique() == 2  # the data this test rests on
    match = matcher.match("", "Alama", "Alama")
    assert match.status == "kecamatan_unknown" and match.village_code is None
    assert "fill in Kab/Kota" in match.reason
    for regency_code, regency_name in zip(twins["regency_code"], twins["regency_name"], strict=True):
        assert regency_name in match.reason
        told = matcher.match(regency_name, "Alama", "Alama")
        assert told.status == "ok" and told.regency == regency_code


def test_a_village_name_alone_is_never_guessed_across_indonesia(matcher: VillageMatcher) -> None:
    match = matcher.match("", "", "Sukamaju")
    assert match.status == "village_ambiguous" and "more" in match.reason
    assert "fill in Kec and Kab/Kota" in match.reason


def test_an_export_of_kabupaten_malang_imports(tmp_path) -> None:
    from stunting import store
    from stunting.eppgbm import EXPORT_HEADER
    from stunting.ingest import ingest_files

    rows = [
        # NIK, sex, birth date, Kab/Kota, Kec, Desa/Kel, weight, height (measured 23/08/2024)
        ("3507091000017001", "P", "19/10/2021", "KAB. MALANG", "TUREN", "SEDAYU", "12,1", "88,0"),
        ("3507091000017002", "L", "02/03/2022", "Kabupaten Malang", "Turen", "Gedog Wetan", "11,0", "84,5"),
        ("3573011000017003", "L", "02/03/2022", "KOTA MALANG", "BLIMBING", "POLOWIJEN", "11,2", "85,0"),
        ("3507091000017004", "P", "02/03/2022", "MALANG", "", "BANJAREJO", "11,2", "85,0"),
    ]  # fmt: skip
    values = {name: "" for name in EXPORT_HEADER}
    lines = [";".join(EXPORT_HEADER)]
    for nik, sex, born, kab, kec, desa, weight, height in rows:
        values |= {"NIK": nik, "Nama": "Anak Fiktif", "JK": sex, "Tgl Lahir": born, "Nama Ortu": "Ibu Fiktif"}
        values |= {
            "Prov": "JAWA TIMUR",
            "Kab/Kota": kab,
            "Kec": kec,
            "Desa/Kel": desa,
            "Cara Ukur": "Berdiri",
        }
        values |= {"Tanggal Pengukuran": "23/08/2024", "Berat": weight, "Tinggi": height}
        lines.append(";".join(values[name] for name in EXPORT_HEADER))
    export = tmp_path / "eppgbm_malang_2024-08.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [summary] = ingest_files([export], tmp_path / "data")
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (4, 3, 1)
    stored = pd.read_parquet(
        store.measurement_files(tmp_path / "data").split("*")[0], columns=["village_code"]
    )
    assert sorted(stored["village_code"]) == ["35.07.09.1008", "35.07.09.2006", "35.73.01.1003"]
    report = summary.rejects_report.read_text(encoding="utf-8")
    # The reason names the gazetteer's candidates, never the cell's own text (issue 15).
    assert "more than one village" in report and "Pagelaran" in report and "BANJAREJO" not in report
