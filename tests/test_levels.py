"""Prevalence at every level (national, province, regency, kecamatan) against hand counts.

The store below is small enough to count on paper (stunting, August 2024; a case is haz < -2):
  Kukar 64.02: Perian 10 children / 4 cases, Muara Leka 9 / 9 (test_prevalence's hand count)
  Bontang 64.74: Bontang Kuala 12 / 3
  Paser 64.01: Samurangau 4 / 4                 (fewer than MIN_CHILDREN: suppressed everywhere alone)
  Samarinda 64.72: first village 20 / 6         (aggregated village counts, no child-level rows)
  Banjarmasin 63.71 (Kalimantan Selatan): Mantuil 5 / 1
So Kalimantan Timur (64) has 10 + 9 + 12 + 4 + 20 = 55 children and 4 + 9 + 3 + 4 + 6 = 26 cases;
Kalimantan Selatan (63) 5 children: too few for a rate at province level too.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_prevalence import MUARA_MUNTAI, PERIAN, build_store
from test_store import measurement, write

from stunting import config, gazetteer
from stunting.aggregates import ingest_aggregates
from stunting.cli import main
from stunting.errors import UserError
from stunting.prevalence import (
    breakdown,
    kecamatan_rates,
    national_rates,
    prevalence,
    province_rates,
    regency_rates,
    trend,
    view_rates,
)

BONTANG_KUALA = "64.74.01.1001"
SAMURANGAU = "64.01.01.2009"  # Paser
SAMARINDA_VILLAGE = "64.72.01.1001"
MANTUIL = "63.71.01.1001"  # Banjarmasin, Kalimantan Selatan


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("levels")
    data_dir = build_store(folder / "data")
    rows = [measurement(f"b{i}", BONTANG_KUALA, "2024-08-14", haz=-2.5 if i < 3 else -1.0) for i in range(12)]
    rows += [measurement(f"p{i}", SAMURANGAU, "2024-08-15", haz=-3.0) for i in range(4)]
    rows += [measurement(f"k{i}", MANTUIL, "2024-08-16", haz=-2.1 if i == 0 else 0.5) for i in range(5)]
    write(data_dir, rows, add=True)
    counts = folder / "samarinda.csv"
    counts.write_text(f"period;village_code;measured;stunting\n2024-08;{SAMARINDA_VILLAGE};20;6\n", "utf-8")
    ingest_aggregates(counts, data_dir)
    return data_dir


@pytest.fixture
def every_rate_shown(monkeypatch):
    monkeypatch.setattr(config, "MIN_CHILDREN", 1)


def counted(frame: pd.DataFrame, code: str) -> tuple:
    row = frame.set_index("code").loc[code]
    return int(row["measured"]), None if pd.isna(row["cases"]) else int(row["cases"])


def test_national_view_has_every_province_and_every_regency(data):
    provinces = national_rates("stunting", "2024-08", data_dir=data)
    assert len(provinces) == 38
    assert counted(provinces, "64") == (55, 26)
    assert provinces.set_index("code").at["64", "source"] == "aggregate"  # Samarinda's counts
    regencies = national_rates("stunting", "2024-08", "regency", data_dir=data)
    assert len(regencies) == 514
    assert counted(regencies, "63.71")[0] == 5
    no_data = regencies[regencies["measured"] == 0]
    assert len(no_data) == 514 - 5 and no_data["source"].isna().all() and not no_data["suppressed"].any()


def test_a_province_total_is_the_sum_of_its_regencies_children(data, every_rate_shown):
    province = counted(national_rates("stunting", "2024-08", data_dir=data), "64")
    regencies = province_rates("stunting", "2024-08", "64", data_dir=data)
    assert len(regencies) == 10
    assert set(regencies["code"]) == set(gazetteer.areas("regency", within="64")["code"])
    assert (int(regencies["measured"].sum()), int(regencies["cases"].sum())) == province == (55, 26)
    kecamatan = province_rates("stunting", "2024-08", "64", "kecamatan", data_dir=data)
    assert len(kecamatan) == len(gazetteer.areas("kecamatan", within="64"))
    assert (int(kecamatan["measured"].sum()), int(kecamatan["cases"].sum())) == (55, 26)
    assert counted(kecamatan, MUARA_MUNTAI) == (19, 13)
    samarinda = regencies.set_index("code").loc["64.72"]
    assert samarinda["prevalence"] == pytest.approx(6 / 20) and samarinda["source"] == "aggregate"


def test_suppression_at_each_level(data):
    # Default MIN_CHILDREN (10): 5 children of Kalimantan Selatan are too few at province level.
    kalsel = national_rates("stunting", "2024-08", data_dir=data).set_index("code").loc["63"]
    assert kalsel["measured"] == 5 and bool(kalsel["suppressed"]) and pd.isna(kalsel["prevalence"])
    kaltim = national_rates("stunting", "2024-08", data_dir=data).set_index("code").loc["64"]
    assert not kaltim["suppressed"] and kaltim["prevalence"] == pytest.approx(26 / 55)
    paser = province_rates("stunting", "2024-08", "64", data_dir=data).set_index("code").loc["64.01"]
    assert paser["measured"] == 4 and bool(paser["suppressed"]) and pd.isna(paser["cases"])
    bontang = regency_rates("stunting", "2024-08", "64.74", data_dir=data)
    assert len(bontang) == 15 and counted(bontang, BONTANG_KUALA) == (12, 3)
    villages = kecamatan_rates("stunting", "2024-08", MUARA_MUNTAI, data_dir=data).set_index("code")
    assert bool(villages.at["64.02.01.2002", "suppressed"])  # Muara Leka: 9 children
    assert villages.at[PERIAN, "prevalence"] == pytest.approx(0.4)


def test_trend_and_breakdown_of_a_province(data, every_rate_shown):
    august = trend("stunting", "province", "64", data_dir=data).set_index("period").loc["2024-08"]
    assert (august["measured"], august["cases"]) == (55, 26)
    # The age-sex breakdown holds child-level rows only: Samarinda's 20 aggregated children are not in it.
    by_sex = breakdown("stunting", "2024-08", "province", "64", "sex", data_dir=data)
    assert (int(by_sex["measured"].sum()), int(by_sex["cases"].sum())) == (35, 20)


def test_views_refuse_what_they_do_not_show(data):
    with pytest.raises(ValueError):
        view_rates("stunting", "2024-08", "kecamatan", MUARA_MUNTAI, level="regency", data_dir=data)
    with pytest.raises(ValueError):
        view_rates("stunting", "2024-08", "province", "64.02", data_dir=data)
    with pytest.raises(ValueError):
        prevalence("stunting", "2024-08", "province; DROP TABLE summary", data_dir=data)
    with pytest.raises(UserError, match="not an area"):
        prevalence("stunting", "2024-08", "regency", within="99", data_dir=data)


def test_cli_prevalence_within_a_province(data, capsys):
    main(["prevalence", "--indicator", "stunting", "--period", "2024-08", "--level", "regency",
          "--within", "64", "--data-dir", str(data)])  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "code,name,measured,cases,prevalence,ci_low,ci_high,suppressed,period,source"
    assert len(lines) == 1 + 10
    samarinda = next(line for line in lines if line.startswith("64.72,"))
    assert samarinda.split(",")[2:4] == ["20", "6"] and samarinda.endswith(",2024-08,aggregate")
    main(["prevalence", "--indicator", "stunting", "--period", "2024-08", "--level", "province",
          "--data-dir", str(data)])  # fmt: skip
    provinces = capsys.readouterr().out.splitlines()
    assert len(provinces) == 1 + 38
    assert next(line for line in provinces if line.startswith("63,")).split(",")[2:8] == [
        "5", "", "", "", "", "true"
    ]  # fmt: skip


# --- comparing areas at any level -------------------------------------------------------------


def test_a_regency_against_its_province_says_so_and_gives_both_totals(data):
    from stunting.compare import headline, overlap_note, weighting_note

    top = headline("stunting", "64.02", "64", "2024-08", "2024-08", data_dir=data)
    assert (top.a.measured, top.a.cases, top.b.measured, top.b.cases) == (19, 13, 55, 26)
    assert top.relation == "a_in_b" and top.children_in_both == 19  # Kukar's children are Kaltim's
    assert overlap_note(top, "en").startswith("Kabupaten Kutai Kartanegara lies within Kalimantan Timur")
    assert overlap_note(top, "id").startswith("Kabupaten Kutai Kartanegara termasuk dalam Kalimantan Timur")
    # Population-weighted: the three regencies with a rate (Paser's 4 children are too few), each
    # weighed by its population in the gazetteer.
    population = gazetteer.table().set_index("code")["population"]
    rates = {"64.02": 13 / 19, "64.74": 3 / 12, "64.72": 6 / 20}
    expected = sum(rates[c] * population[c] for c in rates) / sum(population[c] for c in rates)
    weighted = top.weighting_b
    assert top.weighting_a is None  # a regency's parts have no population
    assert weighted.child_weighted == pytest.approx(26 / 55)
    assert weighted.population_weighted == pytest.approx(expected)
    assert (weighted.regencies_with_rate, weighted.regencies) == (3, 10)
    assert weighted.population == population["64"]
    english, indonesian = weighting_note(top, "en"), weighting_note(top, "id")
    assert "47.3% counts all children of its regencies together (child-weighted" in english
    assert "Weighted by population (gazetteer, wilayah_penduduk; 3 of 10 regencies" in english
    assert f"{expected * 100:.1f}%".replace(".", ",") in indonesian and "47,3%" in indonesian
    assert "bobot anak" in indonesian and "bobot penduduk" in indonesian


def test_areas_in_two_provinces_share_no_child(data):
    from stunting.compare import headline

    provinces = headline("stunting", "64", "63", "2024-08", "2024-08", data_dir=data)
    assert provinces.relation is None and provinces.children_in_both == 0
    assert (provinces.b.measured, provinces.b.suppressed) == (5, True)
    assert not provinces.possible  # 5 children in Kalimantan Selatan: too few to compare
    across = headline("stunting", "64.74", "63.71", "2024-08", "2024-08", data_dir=data)
    assert across.relation is None and (across.a.measured, across.b.measured) == (12, 5)
    kutai_timur = headline("stunting", "64.74", "64.08", "2024-08", "2024-08", data_dir=data)
    assert kutai_timur.b.name == "Kabupaten Kutai Timur" and kutai_timur.b.measured == 0
    assert kutai_timur.b.source is None  # no data, not "too few children"


def test_compare_cli_across_provinces(data, capsys):
    main(["compare", "--a", "64", "--b", "63", "--indicator", "stunting", "--data-dir", str(data)])
    record = json.loads(capsys.readouterr().out)
    assert (record["a"]["code"], record["b"]["code"], record["children_in_both"]) == ("64", "63", 0)
    assert record["a"]["measured"] == 55 and record["b"]["prevalence"] is None
    assert record["weighting"]["a"]["regencies_with_rate"] == 3 and record["note"] is None
    assert record["weighting"]["b"]["regencies_with_rate"] == 0


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("64", "Prov. Kalimantan Timur"),
        ("64.02", "Kab. Kutai Kartanegara · Kalimantan Timur"),
        ("64.74", "Kota Bontang · Kalimantan Timur"),
        (MUARA_MUNTAI, "Kec. Muara Muntai · Kab. Kutai Kartanegara"),
        (PERIAN, "Desa Perian · Kec. Muara Muntai"),
        (BONTANG_KUALA, "Kel. Bontang Kuala · Kec. Bontang Utara"),
    ],
)
def test_the_area_picker_lists_the_level_first(code, label):
    from charts.compare import area_option_label

    assert area_option_label(code, "id") == label
    # The level abbreviations are the officials' own in English too; a province says it is one.
    assert area_option_label(code, "en") == (label + " (province)" if len(code) == 2 else label)


def test_the_picker_offers_every_province_and_regency(tmp_path, monkeypatch):
    from stunting.compare import area_codes

    monkeypatch.setenv("STUNTING_DATA_DIR", str(tmp_path))
    codes = area_codes()
    assert {"64", "63", "64.08", "63.71", "64.02.01", PERIAN} <= set(codes)
    assert sum(len(c) == 2 for c in codes) == 38 and sum(len(c) == 5 for c in codes) == 514


def test_a_province_in_two_periods_shares_its_children(data):
    from stunting.prevalence import Overlap, overlap_counts

    # Only c07 (Perian) was weighed in July 2024 (haz -1.0) and again in August (haz -2.4): one child
    # on both sides, a case in August only.
    shared = overlap_counts(
        "stunting", ("province", "64", "2024-07"), ("province", "64", "2024-08"), data_dir=data
    )
    assert shared == Overlap(n11=0, n10=0, n01=1, n00=0)
    assert overlap_counts(
        "stunting", ("province", "63", "2024-08"), ("province", "64", "2024-08"), data_dir=data
    ) == Overlap(0, 0, 0, 0)
    # Kalimantan Timur and Kukar in one month: every child of Kukar on both sides.
    nested = overlap_counts(
        "stunting", ("regency", "64.02", "2024-08"), ("province", "64", "2024-08"), data_dir=data
    )
    assert nested == Overlap(n11=13, n10=0, n01=0, n00=6)
