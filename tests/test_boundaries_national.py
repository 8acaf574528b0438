"""Boundaries for any regency (issue 10): pinned national files, merges by regency, the national
files' quirks, the national outlines."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely

from stunting import gazetteer
from stunting.boundaries import fetch, installed, installed_source, load_display, load_outlines
from stunting.boundaries.install import import_files, store
from stunting.cli import main
from tests.conftest import SHARED

pytestmark = pytest.mark.shared

BONTANG = "64.74"


def kel(wilayah_dir, regency):
    return wilayah_dir / "db" / "kel" / regency[:2] / f"wilayah_boundaries_kel_{regency}.sql"


def test_committed_sha256sums_are_the_shared_ones(wilayah_dir):
    shared = (SHARED / "data" / "boundaries" / "SHA256SUMS").read_text(encoding="utf-8")
    assert fetch.SHA256SUMS_FILE.read_text(encoding="utf-8") == shared
    kinds = [path.split("/")[1] for path in fetch.REGISTRY if path.startswith("db/")]
    assert [kinds.count(kind) for kind in ("kel", "kab", "kec", "prov")] == [514, 38, 38, 8]
    # Every regency of the gazetteer has a pinned village file, and no pinned file lacks a regency.
    assert fetch.pinned_regencies() == sorted(gazetteer.regencies())
    for relpath in (
        "LICENSE",
        "db/kab/wilayah_boundaries_kab_35.sql",
        "db/prov/wilayah_boundaries_prov_5.sql",
    ):
        assert hashlib.sha256((wilayah_dir / relpath).read_bytes()).hexdigest() == fetch.REGISTRY[relpath]
    assert fetch.regencies_of(["64"]) == [code for code in gazetteer.regencies() if code.startswith("64.")]


def test_imports_merge_by_regency(wilayah_dir, tmp_path, capsys):
    data_dir = tmp_path / "data"
    args = ["boundaries", "fetch", "--regency", "64.01", "64.72", "--mirror", str(wilayah_dir)]
    assert main([*args, "--data-dir", str(data_dir)]) == 0
    assert "Installed 203 villages" in capsys.readouterr().out
    paser_before = load_display("village", "full", regency="64.01", data_dir=data_dir)
    first = installed(data_dir).set_index("code")
    # Importing Kukar keeps Paser and Samarinda.
    assert main(["boundaries", "import", str(kel(wilayah_dir, "64.02")), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Kept the boundaries installed before for regency 64.01, 64.72." in out
    listed = installed(data_dir).set_index("code")
    assert list(listed.index) == ["64.01", "64.02", "64.72"]
    assert listed["villages"].tolist() == [144, 237, 59]
    assert listed.loc["64.01", "imported_at"] == first.loc["64.01", "imported_at"]
    assert listed.loc["64.01", "commit"] == fetch.COMMIT and listed.loc["64.02", "commit"] is None
    for regency, count in (("64.01", 144), ("64.02", 237), ("64.72", 59)):
        frame = load_display("village", regency=regency, data_dir=data_dir)
        assert len(frame) == count and not frame.attrs["schematic"], regency
    kecamatan = load_display("kecamatan", regency="64.02", data_dir=data_dir)
    assert len(kecamatan) == 20
    # Importing Kukar again replaces only Kukar: Paser's polygons are the very same.
    assert main(["boundaries", "import", str(kel(wilayah_dir, "64.02")), "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    again = installed(data_dir).set_index("code")
    assert again.loc["64.01", "imported_at"] == first.loc["64.01", "imported_at"]
    assert list(again.index) == ["64.01", "64.02", "64.72"]
    paser_after = load_display("village", "full", regency="64.01", data_dir=data_dir)
    assert shapely.equals(paser_before.geometry.values, paser_after.geometry.values).all()
    # boundaries list says what is installed, from which source, when.
    assert main(["boundaries", "list", "--data-dir", str(data_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(
        r"64\.01  Kabupaten Paser: 144 villages; cahyadsn/wilayah_boundaries at 3c5a796 \(MIT\), "
        r"imported \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00",
        lines[0],
    )
    assert lines[1].startswith(
        "64.02  Kabupaten Kutai Kartanegara: 237 villages; cahyadsn/wilayah_boundaries (MIT)"
    )
    # A changed file is refused: nothing changes.
    mirror = tmp_path / "mirror"
    (mirror / "db" / "kel" / "64").mkdir(parents=True)
    shutil.copy(wilayah_dir / "LICENSE", mirror / "LICENSE")
    data = bytearray(kel(wilayah_dir, "64.01").read_bytes())
    data[-30] = ord("1") if data[-30] != ord("1") else ord("2")
    (mirror / "db" / "kel" / "64" / "wilayah_boundaries_kel_64.01.sql").write_bytes(bytes(data))
    current = store(data_dir).current()
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                "64.01",
                "--mirror",
                str(mirror),
                "--data-dir",
                str(data_dir),
            ]
        )
        == 1
    )
    assert "does not match the pinned SHA-256" in capsys.readouterr().err
    assert store(data_dir).current() == current
    assert installed(data_dir).to_dict("records") == again.reset_index().to_dict("records")


def test_fetch_by_province_and_unknown_codes(wilayah_dir, tmp_path, capsys):
    data_dir = tmp_path / "data"
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--province",
                "99",
                "--mirror",
                str(wilayah_dir),
                "--data-dir",
                str(data_dir),
            ]
        )
        == 1
    )
    assert "'99' is not a province code with boundary files" in capsys.readouterr().err
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                "64.99",
                "--mirror",
                str(wilayah_dir),
                "--data-dir",
                str(data_dir),
            ]
        )
        == 1
    )
    assert "No pinned boundary file for regency 64.99" in capsys.readouterr().err
    assert installed_source(data_dir) is None


def _quirky_bontang(wilayah_dir, tmp_path):
    """Bontang's file with the national files' quirks: a row with a space after each comma, a row
    with an empty path, and a listed village with no row at all."""
    lines = kel(wilayah_dir, BONTANG).read_text(encoding="utf-8").splitlines()
    rows = [i for i, line in enumerate(lines) if line.lstrip().startswith("('64.74.")]
    spaced, empty, dropped = rows[0], rows[1], rows[2]
    codes = {name: re.search(r"'(64\.74\.[\d.]+)'", lines[i])[1] for name, i in
             (("spaced", spaced), ("empty", empty), ("dropped", dropped))}  # fmt: skip
    head, _, tail = lines[spaced].partition(",'[[")
    lines[spaced] = re.sub(r",(?=[-'\d])", ", ", head) + ", '[[" + tail
    head, _, tail = lines[empty].partition(",'[[")
    lines[empty] = head + ",''" + (")," if tail.rstrip().endswith("),") else ");")
    del lines[dropped]
    path = tmp_path / "wilayah_boundaries_kel_64.74.sql"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, codes


def test_the_national_files_quirks_are_read_and_reported(wilayah_dir, tmp_path, capsys):
    path, codes = _quirky_bontang(wilayah_dir, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert f"('{codes['spaced']}', '" in text and ",''" in text and codes["dropped"] not in text
    data_dir = tmp_path / "data"
    assert main(["boundaries", "import", str(path), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Installed 13 villages" in out
    assert f"warning: 1 villages have a row without geometry in these files: {codes['empty']}" in out
    assert (
        f"warning: 1 gazetteer villages of these regencies have no row in these files: {codes['dropped']}"
        in out
    )
    assert out.count("batas tidak tersedia") == 2
    villages = load_display("village", regency=BONTANG, data_dir=data_dir)
    # All 15 are on the map: the two without a polygon as small markers at their centroids.
    assert len(villages) == 15 and not villages.attrs["schematic"]
    assert villages.attrs["unavailable"] == sorted([codes["empty"], codes["dropped"]])
    known = gazetteer.villages().set_index("code")
    markers = villages.set_index("code").loc[villages.attrs["unavailable"]]
    for code, geometry in markers.geometry.items():
        assert geometry.contains(shapely.Point(known.at[code, "lng"], known.at[code, "lat"]))
        assert geometry.area < 1e-4  # a marker, not a village's outline
    spaced = villages.set_index("code").at[codes["spaced"], "geometry"]
    assert spaced.area > 1e-5  # the spaced row is read as a full polygon
    assert installed(data_dir).set_index("code").at[BONTANG, "unavailable"] == 2
    # The map says so in either language.
    from geo.choropleth import build_map
    from stunting.classes import who_classes

    prevalence = villages[["code"]].assign(
        measured=0, cases=0, prevalence=np.nan, ci_low=np.nan, ci_high=np.nan, suppressed=False, source=None
    )
    for lang, text in (("id", "batas tidak tersedia"), ("en", "boundary not available")):
        chart = build_map(
            villages, prevalence, who_classes("stunting"), lang=lang, period="2024-08", indicator_label="x"
        )
        assert chart.standalone().get_root().render().count(text) == 2, lang


def test_a_geojson_feature_without_geometry_is_reported_not_refused(wilayah_dir, tmp_path, capsys):
    data_dir = tmp_path / "data"
    import_files([kel(wilayah_dir, BONTANG)], data_dir=data_dir)
    frame = load_display("village", "full", regency=BONTANG, data_dir=data_dir)[["code", "name", "geometry"]]
    frame.loc[4, "geometry"] = None
    path = tmp_path / "desa.geojson"
    gpd.GeoDataFrame(frame, crs=4326).to_file(path, driver="GeoJSON")
    assert main(["boundaries", "import", str(path), "--data-dir", str(tmp_path / "other")]) == 0
    out = capsys.readouterr().out
    assert f"1 villages have a row without geometry in these files: {frame.at[4, 'code']}" in out


def test_overview_installs_the_national_outlines_beside_the_villages(wilayah_dir, tmp_path, capsys):
    data_dir = tmp_path / "data"
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                BONTANG,
                "--mirror",
                str(wilayah_dir),
                "--data-dir",
                str(data_dir),
            ]
        )
        == 0
    )
    assert (
        main(["boundaries", "fetch", "--overview", "--mirror", str(wilayah_dir), "--data-dir", str(data_dir)])
        == 0
    )
    assert "Installed the national outlines: 514 regencies and 38 provinces" in capsys.readouterr().out
    regencies = load_outlines("regency", data_dir)
    provinces = load_outlines("province", data_dir)
    assert sorted(regencies["code"]) == sorted(gazetteer.regencies())
    assert sorted(provinces["code"]) == sorted(gazetteer.provinces())
    assert (
        shapely.is_valid(regencies.geometry.values).all()
        and shapely.is_valid(provinces.geometry.values).all()
    )
    # Bontang's outline holds its own villages' centroids (the outlines are coarse, not wrong).
    bontang = regencies.set_index("code").at[BONTANG, "geometry"]
    known = gazetteer.villages().query("regency_code == @BONTANG")
    inside = shapely.contains_xy(bontang.buffer(0.01), known["lng"].to_numpy(), known["lat"].to_numpy())
    assert inside.all()
    # The villages stay, and a later village import keeps the outlines.
    assert len(load_display("village", regency=BONTANG, data_dir=data_dir)) == 15
    assert (
        main(
            [
                "boundaries",
                "fetch",
                "--regency",
                "64.72",
                "--mirror",
                str(wilayah_dir),
                "--data-dir",
                str(data_dir),
            ]
        )
        == 0
    )
    assert len(load_outlines("province", data_dir)) == 38
    source = installed_source(data_dir)
    assert source["overview"]["outlines"] == {"regency": 514, "province": 38}
    assert source["regencies"] == ["64.72", BONTANG]
    assert main(["boundaries", "list", "--data-dir", str(data_dir)]) == 0
    listing = capsys.readouterr().out
    assert "national regency outlines: 514" in listing and "national province outlines: 38" in listing
    assert json.loads((store(data_dir).current() / "source.json").read_text("utf-8"))[
        "by_regency"
    ].keys() == {
        "64.72",
        BONTANG,
    }


def test_a_snapshot_from_before_merging_is_kept_by_the_next_import(wilayah_dir, tmp_path):
    data_dir = tmp_path / "data"
    import_files([kel(wilayah_dir, BONTANG)], data_dir=data_dir)
    # source.json as imports wrote it before issue 10: one source for all, no per-regency entries.
    meta_path = store(data_dir).current() / "source.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    for key in ("by_regency", "unavailable"):
        meta.pop(key)
    meta_path.write_text(json.dumps(meta), "utf-8")
    import_files([kel(wilayah_dir, "64.72")], data_dir=data_dir)
    listed = installed(data_dir).set_index("code")
    assert listed["villages"].to_dict() == {"64.72": 59, BONTANG: 15}
    assert listed.loc[BONTANG, "source"] == "cahyadsn/wilayah_boundaries"
