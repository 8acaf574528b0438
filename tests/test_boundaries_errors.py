"""Bad boundary files: one clear sentence, exit status 1, and the installed boundaries untouched."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from stunting.boundaries import load_display
from stunting.boundaries.install import import_files, store
from stunting.cli import main

pytestmark = pytest.mark.shared

BONTANG = "64.74"


@pytest.fixture(scope="module")
def bontang_sql(wilayah_dir):
    return wilayah_dir / "db" / "kel" / "64" / "wilayah_boundaries_kel_64.74.sql"


@pytest.fixture(scope="module")
def installed(bontang_sql, tmp_path_factory):
    """Bontang installed once: every failing import below must leave exactly this in place."""
    data_dir = tmp_path_factory.mktemp("before")
    import_files([bontang_sql], data_dir=data_dir)
    return data_dir


@pytest.fixture(scope="module")
def bontang(installed):
    return load_display("village", "full", regency=BONTANG, data_dir=installed)


def snapshot_state(data_dir):
    current = store(data_dir).current()
    return current.name, sorted(p.name for p in current.iterdir())


def refuse(installed, capsys, *paths, extra=()):
    """Run the CLI import; assert exit 1, one sentence on stderr, nothing changed. Returns the message."""
    before = snapshot_state(installed)
    args = ["boundaries", "import", *map(str, paths), *extra, "--data-dir", str(installed)]
    assert main(args) == 1
    captured = capsys.readouterr()
    message = captured.err.strip()
    assert message.startswith("error: ") and "\n" not in message
    assert "Traceback" not in captured.err
    assert message.endswith(".")
    assert snapshot_state(installed) == before
    still = load_display("village", regency=BONTANG, data_dir=installed)
    assert len(still) == 15 and not still.attrs["schematic"]
    return message


def test_empty_files(installed, capsys, tmp_path):
    for name in ("desa.sql", "desa.geojson", "desa.gpkg"):
        empty = tmp_path / name
        empty.write_bytes(b"")
        assert refuse(installed, capsys, empty) == f"error: {name} is empty."


def test_truncated_sql_dump(installed, capsys, bontang_sql, tmp_path):
    text = bontang_sql.read_text(encoding="utf-8")
    cut = tmp_path / "wilayah_boundaries_kel_64.74.sql"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    message = refuse(installed, capsys, cut)
    assert "wilayah_boundaries_kel_64.74.sql" in message and "truncated" in message
    assert re.search(r"line \d+", message)


def test_sql_dump_cut_after_a_whole_row(installed, capsys, bontang_sql, tmp_path):
    lines = bontang_sql.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "cut.sql"
    cut.write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")  # ends on a row with ',' not ';'
    assert "truncated" in refuse(installed, capsys, cut)


def test_geojson_without_a_code_field_names_the_fields_it_found(installed, capsys, bontang, tmp_path):
    path = tmp_path / "batas.geojson"
    bontang[["name", "geometry"]].rename(columns={"name": "NAMA_KEL"}).assign(LUAS=1.0).to_file(
        path, driver="GeoJSON"
    )
    message = refuse(installed, capsys, path)
    assert "batas.geojson has no village code field" in message
    assert "NAMA_KEL, LUAS" in message and "--code-field" in message


def test_unknown_code_field_override(installed, capsys, bontang, tmp_path):
    path = tmp_path / "batas.geojson"
    bontang[["code", "geometry"]].to_file(path, driver="GeoJSON")
    message = refuse(installed, capsys, path, extra=("--code-field", "KODE"))
    assert "no field 'KODE'" in message and "code" in message


def test_shapefile_without_its_dbf(installed, capsys, bontang, tmp_path):
    path = tmp_path / "desa.shp"
    bontang[["code", "geometry"]].to_file(path)
    (tmp_path / "desa.dbf").unlink()
    message = refuse(installed, capsys, path)
    assert "desa.shp has no desa.dbf" in message


def test_swapped_coordinates_land_outside_indonesia(installed, capsys, bontang_sql, tmp_path):
    swapped = []
    for line in bontang_sql.read_text(encoding="utf-8").splitlines():
        start, end = line.find("'[["), line.rfind("]]'")
        if start >= 0:
            path = json.dumps(_swap(json.loads(line[start + 1 : end + 2])))
            line = line[: start + 1] + path + line[end + 2 :]
        swapped.append(line)
    path = tmp_path / "lnglat.sql"
    path.write_text("\n".join(swapped), encoding="utf-8")
    message = refuse(installed, capsys, path)
    assert "15 of 15 villages lie outside Indonesia" in message and "swapped" in message


def test_geojson_in_lng_lat_swapped(installed, capsys, bontang, tmp_path):
    path = tmp_path / "swapped.geojson"
    flipped = shapely.transform(bontang.geometry.values, lambda xy: xy[:, ::-1])
    bontang[["code"]].set_geometry(gpd.GeoSeries(flipped, crs=4326)).to_file(path, driver="GeoJSON")
    assert "swapped" in refuse(installed, capsys, path)


def test_duplicate_codes_are_named(installed, capsys, bontang, bontang_sql, tmp_path):
    path = tmp_path / "dup.geojson"
    doubled = gpd.GeoDataFrame(
        gpd.pd.concat([bontang[["code", "geometry"]], bontang[["code", "geometry"]].iloc[[3]]]), crs=4326
    )
    doubled.to_file(path, driver="GeoJSON")
    message = refuse(installed, capsys, path)
    code = bontang["code"].iloc[3]
    assert f"Village codes appear more than once: {code} (dup.geojson row 4, dup.geojson row 16)" in message
    # The same file given twice is the same mistake, across files.
    assert "more than once" in refuse(installed, capsys, bontang_sql, bontang_sql)


def test_bad_code_value_names_the_feature(installed, capsys, bontang, tmp_path):
    path = tmp_path / "codes.geojson"
    broken = bontang[["code", "geometry"]].copy()
    broken.loc[2, "code"] = "64.74.01"
    broken.to_file(path, driver="GeoJSON")
    message = refuse(installed, capsys, path)
    assert "codes.geojson, feature 3: code value '64.74.01' is not a village code" in message


def test_unsupported_and_missing_files(installed, capsys, tmp_path):
    csv = tmp_path / "desa.csv"
    csv.write_text("code,name\n")
    assert "not a supported boundary format" in refuse(installed, capsys, csv)
    assert "does not exist" in refuse(installed, capsys, tmp_path / "nothing.geojson")
    garbage = tmp_path / "broken.gpkg"
    garbage.write_bytes(b"this is not a geopackage at all")
    # The GeoPackage guard tells this before GDAL reads it.
    assert "broken.gpkg is not a GeoPackage" in refuse(installed, capsys, garbage)


def _swap(nested):
    if nested and isinstance(nested[0], (int, float)):
        return [nested[1], nested[0]]
    return [_swap(part) for part in nested]


def test_codes_missing_from_and_extra_to_the_gazetteer_are_listed(bontang, bontang_sql, tmp_path, capsys):
    paser = bontang_sql.with_name("wilayah_boundaries_kel_64.01.sql")
    assert main(["boundaries", "import", str(bontang_sql), str(paser), "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Installed 159 villages" in out
    # Kukar is in the home area but not in these files: it keeps its schematic cells.
    assert "warning: 237 gazetteer villages have no boundary in these files (all of regency 64.02)" in out
    assert "not in the gazetteer" not in out  # Paser is a regency of the national gazetteer
    # The map without a named regency shows the home area and every installed regency.
    for level in ("village", "kecamatan", "regency"):
        shown = load_display(level, data_dir=tmp_path)
        assert set(shown["regency"]) == {"64.01", "64.02", "64.74"}, level
        assert shown.attrs["schematic_regencies"] == ["64.02"]
    assert len(load_display("village", regency="64.01", data_dir=tmp_path)) == 144
    # A code no gazetteer knows (a made-up regency 64.99) is kept for export only, and listed.
    invented = bontang[["code", "geometry"]].iloc[:2].copy()
    invented["code"] = ["64.99.01.2001", "64.99.01.2002"]
    path = tmp_path / "invented.geojson"
    invented.to_file(path, driver="GeoJSON")
    assert main(["boundaries", "import", str(path), "--data-dir", str(tmp_path / "other")]) == 0
    out = capsys.readouterr().out
    assert "note: 2 villages are not in the gazetteer and are kept for export only: 64.99.01.2001" in out
    assert len(load_display("village", regency="64.99", data_dir=tmp_path / "other")) == 2
    assert "64.99" not in set(load_display("village", data_dir=tmp_path / "other")["regency"])


def test_villages_overlapping_their_neighbours_are_reported(bontang, tmp_path, capsys):
    # The source draws 64.74.01.1002 over half of 64.74.01.1003: cleaning must give
    # the overlap to one of them, and the data manager is told which villages moved.
    frame = bontang[["code", "geometry"]].copy().set_index("code")
    neighbour = frame.loc["64.74.01.1003", "geometry"]
    half = shapely.intersection(neighbour, shapely.box(*neighbour.bounds[:2], neighbour.centroid.x, 90))
    frame.loc["64.74.01.1002", "geometry"] = shapely.union_all([frame.loc["64.74.01.1002", "geometry"], half])
    path = tmp_path / "overlap.geojson"
    gpd.GeoDataFrame(frame.reset_index(), crs=4326).to_file(path, driver="GeoJSON")
    assert main(["boundaries", "import", str(path), "--data-dir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "villages overlap their neighbours in these files by more than 3% of their area" in out
    assert "64.74.01.1002" in out or "64.74.01.1003" in out
    shown = load_display("village", "overview", data_dir=tmp_path / "data")
    assert shapely.is_valid(shown.geometry.values).all() and not shown.geometry.is_empty.any()
