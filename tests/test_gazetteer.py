"""The committed gazetteer: the one source of codes and names (issue 2, item 1)."""

from __future__ import annotations

import re

from stunting import gazetteer


def test_counts_match_kemendagri_for_kukar_and_bontang():
    villages = gazetteer.villages()
    kukar = villages[villages["regency_code"] == "64.02"]
    bontang = villages[villages["regency_code"] == "64.74"]
    assert len(kukar) == 237
    assert (kukar["type"] == "desa").sum() == 193 and (kukar["type"] == "kelurahan").sum() == 44
    assert kukar["kecamatan_code"].nunique() == 20
    assert {"64.02.19", "64.02.20"} <= set(kukar["kecamatan_code"])
    assert len(bontang) == 15 and (bontang["type"] == "kelurahan").all()
    assert bontang["kecamatan_code"].nunique() == 3


def test_codes_are_well_formed_unique_and_typed_by_last_segment():
    villages = gazetteer.villages()
    assert villages["code"].is_unique
    assert villages["code"].map(lambda c: bool(re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", c))).all()
    assert (villages["code"].str[:8] == villages["kecamatan_code"]).all()
    expected = villages["code"].str[9].map({"1": "kelurahan", "2": "desa"})
    assert (villages["type"] == expected).all()


def test_same_village_name_is_told_apart_by_kecamatan():
    villages = gazetteer.villages()
    sumber_sari = villages[(villages["name"] == "Sumber Sari") & (villages["regency_code"] == "64.02")]
    assert len(sumber_sari) == 3
    assert sumber_sari["kecamatan_code"].is_unique


def test_centroids_fall_inside_each_regency_box():
    villages = gazetteer.villages()
    kukar = villages[villages["regency_code"] == "64.02"]
    # Bounding box of Kukar's village polygons (PROVENANCE.md, "Checked counts").
    assert kukar["lng"].between(115.23, 117.63).all() and kukar["lat"].between(-1.15, 1.54).all()


def test_areas_lists_every_area_of_a_level():
    assert len(gazetteer.areas("village", "64.74")) == 15
    assert len(gazetteer.areas("kecamatan")) == 23
    assert list(gazetteer.areas("regency")["code"]) == ["64.02", "64.74"]
