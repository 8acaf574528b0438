"""The regencies the app shows: the home area, regencies with data, regencies with boundaries."""

from __future__ import annotations

import pytest

from stunting import gazetteer, scope


@pytest.mark.parametrize(
    ("home", "expected"),
    [
        ("", ("64.02", "64.74")),  # unset: Kukar and Bontang, the product's first two regencies
        ("64.74", ("64.74",)),
        ("64", tuple(code for code in gazetteer.regencies() if code.startswith("64."))),
        ("35.07.09.2006, 64.74", ("35.07", "64.74")),  # a village's regency
        ("99.99 junk", ("64.02", "64.74")),  # nothing known: the default
    ],
)
def test_home_area(monkeypatch, home, expected):
    monkeypatch.setenv(scope.HOME_AREA_ENV, home)
    assert scope.home_regencies() == expected


def test_an_empty_data_dir_shows_the_home_area_only(tmp_path, monkeypatch):
    monkeypatch.delenv(scope.HOME_AREA_ENV, raising=False)
    assert scope.shown_regencies(tmp_path) == ("64.02", "64.74")
    assert len(scope.villages(tmp_path)) == 237 + 15
    assert list(scope.regencies(tmp_path)) == ["64.02", "64.74"]


@pytest.mark.shared
def test_installed_boundaries_and_data_add_their_regencies(wilayah_dir, tmp_path, monkeypatch):
    from stunting.boundaries.install import import_files

    monkeypatch.setenv(scope.HOME_AREA_ENV, "64.74")
    import_files([wilayah_dir / "db" / "kel" / "64" / "wilayah_boundaries_kel_64.01.sql"], data_dir=tmp_path)
    assert scope.shown_regencies(tmp_path) == ("64.01", "64.74")
    # Village counts of Kabupaten Malang (ingest-aggregates) add 35.07.
    from stunting.aggregates import ingest_aggregates

    counts = tmp_path / "rekap_malang.csv"
    counts.write_text(
        "period;village_code;measured;stunting;severe_stunting;wasting;underweight\n"
        "2024-08;35.07.09.1008;20;5;1;2;3\n",
        encoding="utf-8",
    )
    ingest_aggregates(counts, tmp_path)
    assert scope.shown_regencies(tmp_path) == ("35.07", "64.01", "64.74")
