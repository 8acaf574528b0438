"""The committed national gazetteer: the one source of codes and names (issues 2 and 10)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from stunting import gazetteer
from stunting.cli import main as cli_main
from tests.conftest import SHARED, require


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


def test_national_counts_match_the_code_list():
    # ../shared/data/wilayah/PROVENANCE.md: 38 provinces, 514 regencies, 7,285 kecamatan, 83,762 villages.
    assert [len(gazetteer.areas(level)) for level in gazetteer.AREA_LEVELS] == [38, 514, 7285, 83762]
    assert len(gazetteer.regencies()) == 514 and len(gazetteer.provinces()) == 38
    assert gazetteer.regencies()["35.07"] == "Kabupaten Malang"
    assert gazetteer.regencies()["35.73"] == "Kota Malang"


def test_codes_are_well_formed_unique_and_typed_by_last_segment():
    villages = gazetteer.villages()
    assert villages["code"].is_unique
    assert villages["code"].map(lambda c: bool(re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", c))).all()
    assert (villages["code"].str[:8] == villages["kecamatan_code"]).all()
    # 1xxx kelurahan, 2xxx desa, 3xxx desa adat (Jayapura's "Desa Adat ...").
    expected = villages["code"].str[9].map({"1": "kelurahan", "2": "desa", "3": "desa"})
    assert (villages["type"] == expected).all()
    table = gazetteer.table()
    assert table["code"].is_unique
    # Every area's parent is itself an area of the level above.
    assert set(table.loc[table["parent_code"] != "", "parent_code"]) <= set(table["code"])


def test_same_village_name_is_told_apart_by_kecamatan():
    villages = gazetteer.villages()
    sumber_sari = villages[(villages["name"] == "Sumber Sari") & (villages["regency_code"] == "64.02")]
    assert len(sumber_sari) == 3
    assert sumber_sari["kecamatan_code"].is_unique


def test_centroids_fall_inside_each_regency_box_and_indonesia():
    villages = gazetteer.villages()
    kukar = villages[villages["regency_code"] == "64.02"]
    # Bounding box of Kukar's village polygons (PROVENANCE.md, "Checked counts").
    assert kukar["lng"].between(115.23, 117.63).all() and kukar["lat"].between(-1.15, 1.54).all()
    assert villages["lng"].between(94.0, 142.0).all() and villages["lat"].between(-11.5, 6.5).all()


def test_aliases_are_the_boundary_sources_other_spellings():
    aliases = gazetteer.aliases()
    assert len(aliases) == 24  # ../shared/data/wilayah/PROVENANCE.md
    assert aliases["35.07.09.2006"] == ["Gedog Wetan"]
    assert gazetteer.name_of("35.07.09.2006") == "Gedok Wetan"
    assert aliases["35.07.10.2010"] == ["Urek - Urek"]


def test_population_of_regencies_and_provinces():
    table = gazetteer.table().set_index("code")
    # wilayah_penduduk.sql: ('64.02','Kabupaten Kutai Kartanegara','420744','386220','806964')
    assert table.at["64.02", "population"] == 806964
    assert table["population"].notna().sum() == 38 + 514
    regencies = table[table["level"] == "regency"]
    by_province = regencies.groupby(regencies.index.str[:2])["population"].sum()
    assert (by_province == table.loc[by_province.index, "population"]).mean() > 0.9


def test_areas_lists_every_area_of_a_level():
    assert len(gazetteer.areas("village", "64.74")) == 15
    assert len(gazetteer.areas("kecamatan", "64.02")) == 20
    assert len(gazetteer.areas("regency", within="64")) == 10
    assert list(gazetteer.areas("regency", within="64.7")["code"]) == ["64.71", "64.72", "64.74"]


@pytest.mark.parametrize(
    ("args", "rows"),
    [
        (["--level", "province"], 38),
        (["--level", "regency"], 514),
        (["--level", "kecamatan"], 7285),
        (["--level", "village"], 83762),
        (["--level", "kecamatan", "--within", "64.02"], 20),
        (["--level", "village", "--within", "64.02"], 237),
        (["--level", "kecamatan", "--within", "64.74"], 3),
        (["--level", "village", "--within", "64.74"], 15),
    ],
)
def test_areas_cli_counts(args, rows, capsys):
    assert cli_main(["areas", *args]) == 0
    out = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(out) == rows
    assert {"code", "name", "level", "parent_code"} <= set(out[0])
    level = args[1]
    assert {row["level"] for row in out} == {level}
    if "--within" in args:
        assert {row["parent_code"][: len(args[-1])] for row in out} == {args[-1]}


def test_areas_cli_json_and_bad_within(capsys):
    assert cli_main(["areas", "--level", "kecamatan", "--within", "64.74", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in records] == ["64.74.01", "64.74.02", "64.74.03"]
    assert all(r["parent_code"] == "64.74" and r["population"] is None for r in records)
    assert cli_main(["areas", "--within", "99.99"]) == 1
    assert "not an area code" in capsys.readouterr().err


@pytest.mark.shared
def test_committed_files_are_what_make_gazetteer_writes():
    require(
        (SHARED / "data" / "wilayah" / "wilayah.sql").is_file(), "the code list in ../shared/data/wilayah"
    )
    from geo import make_gazetteer

    made = make_gazetteer.build(SHARED)
    committed = {path.name: path.read_text(encoding="utf-8") for path in gazetteer.GAZETTEER_DIR.iterdir()}
    assert sorted(committed) == sorted(made)
    differing = [name for name in made if committed[name] != made[name]]
    assert not differing, f"run geo/make_gazetteer.py: {differing} differ"
    assert "MIT License" in made[make_gazetteer.NOTICE] and "Cahya DSN" in made[make_gazetteer.NOTICE]
