"""Village boundaries: the real Kukar + Bontang import, display geometry, other formats, export, fallback."""

from __future__ import annotations

import json
import re
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from stunting import gazetteer
from stunting.boundaries import installed_source, load_display, wilayah_sql
from stunting.boundaries.install import import_files
from stunting.boundaries.readers import normalise_code, read_source
from stunting.cli import main

pytestmark = pytest.mark.shared


def home_villages():
    """The gazetteer villages of the app's default home area, Kukar and Bontang (stunting.scope)."""
    known = gazetteer.villages()
    return known[known["regency_code"].isin(["64.02", "64.74"])].reset_index(drop=True)


KUKAR, BONTANG = "64.02", "64.74"
KUKAR_OVERVIEW_MAX_BYTES = 350 * 1024
MAX_AREA_CHANGE = 0.03
EQUAL_AREA = 6933


def village_file(wilayah_dir, regency):
    return wilayah_dir / "db" / "kel" / "64" / f"wilayah_boundaries_kel_{regency}.sql"


@pytest.fixture(scope="session")
def installed(wilayah_dir, tmp_path_factory):
    """Kukar + Bontang imported once per session from ../shared into a tmp data dir."""
    data_dir = tmp_path_factory.mktemp("installed")
    report = import_files(
        [village_file(wilayah_dir, KUKAR), village_file(wilayah_dir, BONTANG)], data_dir=data_dir
    )
    return data_dir, report


@pytest.fixture(scope="session")
def kukar_source(wilayah_dir):
    """Kukar's villages straight from the dump (make_valid'ed), the reference for areas and tiling."""
    return read_source(village_file(wilayah_dir, KUKAR)).villages


def areas_km2(geometries):
    return gpd.GeoSeries(geometries, crs=4326).to_crs(EQUAL_AREA).area.to_numpy() / 1e6


def gaps_and_overlaps_km2(geometries):
    """Overlap = summed areas minus the union's; gaps = holes inside the union (slivers between villages)."""
    projected = gpd.GeoSeries(geometries, crs=4326).to_crs(EQUAL_AREA).to_numpy()
    union = shapely.union_all(projected)
    overlap = float(shapely.area(projected).sum() - union.area)
    gaps = sum(shapely.Polygon(ring).area for part in shapely.get_parts(union) for ring in part.interiors)
    return (overlap + gaps) / 1e6


def test_import_gives_every_gazetteer_village_valid(installed):
    data_dir, report = installed
    villages = load_display("village", "full", data_dir=data_dir)
    expected = home_villages()
    assert sorted(villages["code"]) == sorted(expected["code"])
    assert (villages["regency"] == KUKAR).sum() == 237
    assert (villages["regency"] == BONTANG).sum() == 15
    assert report.missing == [] and report.extra == []
    names = dict(zip(expected["code"], expected["name"], strict=True))
    assert all(names[c] == n for c, n in zip(villages["code"], villages["name"], strict=True))
    for detail in ("overview", "detail", "full"):
        frame = load_display("village", detail, data_dir=data_dir)
        assert frame.crs.to_epsg() == 4326
        assert shapely.is_valid(frame.geometry.values).all(), detail
        assert not frame.geometry.is_empty.any(), detail
        assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}


def test_kecamatan_and_regency_outlines_are_dissolved_villages(installed):
    data_dir, _ = installed
    for detail in ("overview", "detail", "full"):
        kecamatan = load_display("kecamatan", detail, data_dir=data_dir)
        regencies = load_display("regency", detail, data_dir=data_dir)
        assert (kecamatan["regency"] == KUKAR).sum() == 20
        assert (kecamatan["regency"] == BONTANG).sum() == 3
        assert sorted(regencies["code"]) == [KUKAR, BONTANG]
        assert {"64.02.19", "64.02.20"} <= set(kecamatan["code"])
    kecamatan = load_display("kecamatan", "overview", data_dir=data_dir).set_index("code")
    assert kecamatan.loc["64.02.19", "name"] == "Kota Bangun Darat"
    regency = load_display("regency", "overview", regency=KUKAR, data_dir=data_dir).geometry.iloc[0]
    villages = load_display("village", "overview", regency=KUKAR, data_dir=data_dir)
    # The outline is the villages' union: its area is theirs (within rounding), not the coarse kab polygon's.
    assert areas_km2([regency])[0] == pytest.approx(areas_km2(villages.geometry.values).sum(), rel=1e-4)


def test_kukar_overview_is_small_faithful_and_keeps_shared_borders(installed, kukar_source, tmp_path):
    data_dir, _ = installed
    out = tmp_path / "kukar.geojson"
    assert (
        main(["boundaries", "export", "--regency", KUKAR, "--out", str(out), "--data-dir", str(data_dir)])
        == 0
    )
    assert out.stat().st_size <= KUKAR_OVERVIEW_MAX_BYTES
    exported = gpd.read_file(out)
    assert len(exported) == 237
    source = kukar_source.set_index("code")
    simplified = exported.set_index("code").loc[source.index]
    change = areas_km2(simplified.geometry.values) / areas_km2(source.geometry.values) - 1
    assert np.abs(change).max() <= MAX_AREA_CHANGE
    assert shapely.is_valid(simplified.geometry.values).all()
    assert not simplified.geometry.is_empty.any()
    assert gaps_and_overlaps_km2(simplified.geometry.values) <= gaps_and_overlaps_km2(source.geometry.values)
    # The point of simplifying: far fewer vertices than the source's 41,998.
    assert shapely.get_num_coordinates(simplified.geometry.values).sum() < 41_998 / 2
    # ~1 m rounding: no coordinate carries more than 5 decimals.
    coordinates = np.concatenate(
        [
            np.asarray(shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"]))))
            for f in json.loads(out.read_text())["features"]
        ]
    )
    assert np.array_equal(coordinates, np.round(coordinates, 5))


def test_detail_level_is_closer_to_the_source_than_overview(installed, kukar_source):
    data_dir, _ = installed
    source = kukar_source.set_index("code")
    counts = {}
    for detail in ("overview", "detail"):
        frame = (
            load_display("village", detail, regency=KUKAR, data_dir=data_dir)
            .set_index("code")
            .loc[source.index]
        )
        counts[detail] = shapely.get_num_coordinates(frame.geometry.values).sum()
        change = areas_km2(frame.geometry.values) / areas_km2(source.geometry.values) - 1
        assert np.abs(change).max() <= MAX_AREA_CHANGE
    assert counts["overview"] < counts["detail"] < 41_998


def test_load_display_filters_caches_and_labels_the_source(installed):
    data_dir, _ = installed
    kecamatan = load_display("village", "detail", kecamatan="64.74.01", data_dir=data_dir)
    assert len(kecamatan) and set(kecamatan["kecamatan"]) == {"64.74.01"}
    assert list(kecamatan.columns) == ["code", "name", "level", "kecamatan", "regency", "geometry"]
    assert kecamatan.attrs == {
        "schematic": False,
        "attribution": "Batas desa: cahyadsn/wilayah_boundaries (MIT)",
        "schematic_regencies": [],
        "unavailable": [],
    }
    first = load_display("village", regency=BONTANG, data_dir=data_dir)
    first["name"] = "changed by a caller"
    again = load_display("village", regency=BONTANG, data_dir=data_dir)
    assert "changed by a caller" not in set(again["name"])
    source = installed_source(data_dir)
    assert source["licence"] == "MIT" and source["villages"] == 252
    assert source["attribution"] == "Batas desa: cahyadsn/wilayah_boundaries (MIT)"


def test_geopackage_and_zipped_shapefile_with_big_fields_in_utm_import_the_same(installed, tmp_path):
    data_dir, _ = installed
    full = load_display("village", "full", data_dir=data_dir)
    names = gazetteer.villages().set_index("code")
    big = gpd.GeoDataFrame(
        {
            "KDEPUM": full["code"],
            "WADMKD": full["name"],
            "WADMKC": names.loc[full["code"], "kecamatan_name"].to_numpy(),
            "WADMKK": names.loc[full["code"], "regency_name"].to_numpy(),
            "WADMPR": "Kalimantan Timur",
        },
        geometry=full.geometry,
        crs=4326,
    ).to_crs(32750)
    gpkg = tmp_path / "desa.gpkg"
    big.to_file(gpkg, driver="GPKG")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    big.to_file(shp_dir / "desa.shp")
    archive = tmp_path / "desa.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, f"BATAS_DESA/{part.name}")
    reference = full.set_index("code")
    for path in (gpkg, archive):
        target = tmp_path / f"data-{path.suffix[1:]}"
        assert main(["boundaries", "import", str(path), "--data-dir", str(target)]) == 0
        imported = load_display("village", "full", data_dir=target).set_index("code")
        assert sorted(imported.index) == sorted(reference.index)
        ratio = areas_km2(imported.geometry.values) / areas_km2(reference.loc[imported.index].geometry.values)
        assert np.abs(ratio - 1).max() <= 0.001, path.name
        assert imported.loc["64.02.01.2001", "name"] == "Perian"


def test_code_and_name_field_overrides(installed, tmp_path):
    data_dir, _ = installed
    bontang = load_display("village", "full", regency=BONTANG, data_dir=data_dir)
    custom = gpd.GeoDataFrame(
        {"ID_KEL": bontang["code"].str.replace(".", "", regex=False), "NAMA_KEL": bontang["name"]},
        geometry=bontang.geometry,
        crs=4326,
    )
    path = tmp_path / "kelurahan.geojson"
    custom.to_file(path, driver="GeoJSON")
    target = tmp_path / "data"
    args = [
        "boundaries",
        "import",
        str(path),
        "--code-field",
        "id_kel",
        "--name-field",
        "NAMA_KEL",
        "--data-dir",
        str(target),
    ]
    assert main(args) == 0
    imported = load_display("village", "full", regency=BONTANG, data_dir=target)
    assert sorted(imported["code"]) == sorted(bontang["code"])  # 10 digits normalised to NN.NN.NN.NNNN
    assert set(imported["name"]) == set(bontang["name"])
    assert installed_source(target)["attribution"] == "Batas desa: kelurahan.geojson"


def test_export_geopackage_opens_in_gis_with_the_kecamatan_outlines(installed, tmp_path):
    data_dir, _ = installed
    out = tmp_path / "kec.gpkg"
    args = [
        "boundaries",
        "export",
        "--regency",
        BONTANG,
        "--level",
        "kecamatan",
        "--detail",
        "full",
        "--out",
        str(out),
        "--data-dir",
        str(data_dir),
    ]
    assert main(args) == 0
    frame = gpd.read_file(out)
    assert sorted(frame["code"]) == ["64.74.01", "64.74.02", "64.74.03"]
    assert frame.crs.to_epsg() == 4326


def test_export_refuses_without_installed_boundaries(tmp_path, capsys):
    out = tmp_path / "x.geojson"
    assert (
        main(["boundaries", "export", "--regency", KUKAR, "--out", str(out), "--data-dir", str(tmp_path)])
        == 1
    )
    assert "No boundaries are installed" in capsys.readouterr().err
    assert not out.exists()


def test_schematic_fallback_when_nothing_is_installed(tmp_path):
    villages = load_display("village", data_dir=tmp_path / "fresh")
    assert villages.attrs == {
        "schematic": True,
        "attribution": "Batas skematis — bukan batas resmi",
        "schematic_regencies": [KUKAR, BONTANG],
        "unavailable": [],
    }
    assert sorted(villages["code"]) == sorted(home_villages()["code"])
    assert shapely.is_valid(villages.geometry.values).all() and not villages.geometry.is_empty.any()
    # Cells tile without overlapping, and each holds its own village's centroid.
    projected = villages.to_crs(EQUAL_AREA).geometry.to_numpy()
    assert shapely.area(projected).sum() == pytest.approx(shapely.union_all(projected).area, rel=1e-6)
    known = gazetteer.villages().set_index("code").loc[villages["code"]]
    centroids = shapely.points(known["lng"].to_numpy(), known["lat"].to_numpy())
    assert shapely.covers(villages.geometry.values, centroids).all()
    kecamatan = load_display("kecamatan", data_dir=tmp_path / "fresh")
    assert len(kecamatan) == 23 and kecamatan.attrs["schematic"]
    assert len(load_display("regency", data_dir=tmp_path / "fresh")) == 2
    assert installed_source(tmp_path / "fresh") is None


def test_wilayah_rows_quotes_nesting_and_orientation(wilayah_dir):
    text = village_file(wilayah_dir, "64.03").read_text(encoding="utf-8")
    names = {row.kode: row.nama for row in wilayah_sql.iter_rows(text)}
    assert "Long La'ai" in names.values()
    villages = read_source(wilayah_dir / "db" / "kel" / "64" / "wilayah_boundaries_kel_64.07.sql").villages
    # Mencimai's ring crosses itself in the source; it arrives repaired, with its area.
    mencimai = villages.set_index("code").loc["64.07.07.2002", "geometry"]
    assert mencimai.is_valid and mencimai.area > 0
    # [lat, lng] order: Bontang sits at longitude ~117.5, latitude ~0.1; exteriors counter-clockwise.
    bontang = read_source(village_file(wilayah_dir, BONTANG)).villages
    assert bontang.total_bounds[0] > 117 and abs(bontang.total_bounds[1]) < 1
    for geometry in bontang.geometry:
        for polygon in shapely.get_parts(geometry):
            assert polygon.exterior.is_ccw


def test_normalise_code():
    assert normalise_code("6402012001") == "64.02.01.2001"
    assert normalise_code(6402012001.0) == "64.02.01.2001"
    assert normalise_code(" 64.02.01.2001 ") == "64.02.01.2001"
    assert normalise_code("64.02.01") is None
    assert normalise_code(None) is None


def test_source_json_records_the_import(installed):
    data_dir, _ = installed
    source = installed_source(data_dir)
    assert source["source"] == "cahyadsn/wilayah_boundaries"
    assert source["regencies"] == [KUKAR, BONTANG]
    assert {f["name"] for f in source["files"]} == {
        "wilayah_boundaries_kel_64.02.sql",
        "wilayah_boundaries_kel_64.74.sql",
    }
    assert source["imported_at"].endswith("+00:00")


@pytest.fixture(scope="module")
def bontang_only(wilayah_dir, tmp_path_factory):
    """Only Bontang installed (as after `fetch --regency 64.74`): Kukar has no real boundaries."""
    data_dir = tmp_path_factory.mktemp("bontang-only")
    report = import_files([village_file(wilayah_dir, BONTANG)], data_dir=data_dir)
    return data_dir, report


def test_a_regency_without_installed_boundaries_keeps_its_schematic_cells(bontang_only):
    data_dir, _ = bontang_only
    kukar = gazetteer.villages().query("regency_code == @KUKAR")
    for detail in ("overview", "detail"):
        alone = load_display("village", detail, regency=KUKAR, data_dir=data_dir)
        assert sorted(alone["code"]) == sorted(kukar["code"]), detail
        assert alone.attrs["schematic"] and alone.attrs["attribution"] == "Batas skematis — bukan batas resmi"
    assert sorted(load_display("kecamatan", regency=KUKAR, data_dir=data_dir)["code"]) == sorted(
        kukar["kecamatan_code"].unique()
    )
    assert len(load_display("regency", regency=KUKAR, data_dir=data_dir)) == 1
    # Bontang alone is all real, labelled with its source only.
    real = load_display("village", regency=BONTANG, data_dir=data_dir)
    assert len(real) == 15 and real.attrs["schematic"] is False
    assert real.attrs["attribution"] == "Batas desa: cahyadsn/wilayah_boundaries (MIT)"


def test_a_mixed_map_says_which_regency_is_schematic_and_never_overlaps_the_real_one(bontang_only):
    data_dir, _ = bontang_only
    both = load_display("village", data_dir=data_dir)
    assert sorted(both["code"]) == sorted(home_villages()["code"])
    assert both.attrs["schematic"] and both.attrs["schematic_regencies"] == [KUKAR]
    assert both.attrs["attribution"] == (
        "Batas desa: cahyadsn/wilayah_boundaries (MIT), kecuali Kabupaten Kutai Kartanegara (skematis)"
    )
    # Kukar's cells are cut back where Bontang's real polygons lie: no village drawn over another.
    projected = both.to_crs(EQUAL_AREA).geometry.to_numpy()
    overlap_km2 = (shapely.area(projected).sum() - shapely.union_all(projected).area) / 1e6
    assert overlap_km2 < 0.01
    assert shapely.is_valid(both.geometry.values).all() and not both.geometry.is_empty.any()
    known = gazetteer.villages().set_index("code").loc[both["code"]]
    schematic = (both["regency"] == KUKAR).to_numpy()
    centroids = shapely.points(known["lng"].to_numpy(), known["lat"].to_numpy())
    assert shapely.covers(both.geometry.values[schematic], centroids[schematic]).all()
    regencies = load_display("regency", data_dir=data_dir)
    assert sorted(regencies["code"]) == [KUKAR, BONTANG] and regencies.attrs["schematic_regencies"] == [KUKAR]


def test_export_refuses_a_regency_that_only_has_schematic_cells(bontang_only, tmp_path, capsys):
    data_dir, _ = bontang_only
    out = tmp_path / "kukar.geojson"
    args = ["boundaries", "export", "--regency", KUKAR, "--out", str(out), "--data-dir", str(data_dir)]
    assert main(args) == 1
    assert "The installed boundaries have no regency 64.02" in capsys.readouterr().err
    assert not out.exists()


def test_import_report_says_the_absent_regency_stays_schematic(bontang_only):
    _, report = bontang_only
    (warning,) = [line for line in report.lines() if line.startswith("warning")]
    assert "(all of regency 64.02)" in warning
    assert warning.endswith("the map draws schematic cells (not official borders) for regency 64.02.")


def _legend_and_attribution(areas):
    """What an official reads on the map: the legend's HTML and the attribution line."""
    from geo.choropleth import build_map
    from stunting.classes import make_scheme

    rates = areas[["code"]].assign(
        measured=40,
        cases=8,
        prevalence=0.2,
        ci_low=0.1,
        ci_high=0.35,
        suppressed=False,
        source="measurements",
    )
    chart = build_map(
        areas, rates, make_scheme("who", "stunting"), lang="id", period="2024-08", indicator_label="X"
    )
    rendered = chart.base.get_root().render()
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", rendered).group(1))
    attribution = json.loads(re.search(r"addAttribution\((\".*?\")\)", rendered).group(1))
    return legend, attribution


def test_the_map_labels_schematic_cells_in_the_legend_and_names_the_schematic_regency(bontang_only, tmp_path):
    notice = "Batas skematis — bukan batas resmi"
    legend, attribution = _legend_and_attribution(load_display("village", data_dir=tmp_path / "fresh"))
    assert notice in legend and attribution == notice
    legend, attribution = _legend_and_attribution(load_display("village", data_dir=bontang_only[0]))
    assert notice in legend and "kecuali Kabupaten Kutai Kartanegara (skematis)" in attribution
    legend, attribution = _legend_and_attribution(
        load_display("village", regency=BONTANG, data_dir=bontang_only[0])
    )
    assert notice not in legend and notice not in attribution
