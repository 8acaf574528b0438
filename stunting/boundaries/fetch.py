"""``boundaries fetch``: the pinned files of cahyadsn/wilayah_boundaries, verified, then imported.

Every file is pinned by path and SHA-256 at one commit, so a fetch installs exactly the bytes
that were checked (../shared/data/boundaries/PROVENANCE.md). Downloads go through pooch into
``data_dir/cache``; a mirror (``--mirror`` or $STUNTING_BOUNDARY_MIRROR) is a local folder or an
HTTP server with the repository's layout, for offices without internet.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from stunting import config
from stunting.boundaries import install
from stunting.errors import UserError

COMMIT = "3c5a7960f4d227a38489094d84252bdbb3f978a5"
DEFAULT_BASE_URL = f"https://raw.githubusercontent.com/cahyadsn/wilayah_boundaries/{COMMIT}/"
MIRROR_ENV = "STUNTING_BOUNDARY_MIRROR"
DEFAULT_REGENCIES = ("64.02", "64.74")
LICENSE_FILE = "LICENSE"
# SHA-256 of every data file of the repository at COMMIT (sha256sum format: the LICENSE, README,
# DDL, 8 prov, 38 kab, 38 kec and all 514 village files), copied from ../shared, which was checked
# blob by blob against that commit (../shared/data/boundaries/PROVENANCE.md).
SHA256SUMS_FILE = Path(__file__).with_name("SHA256SUMS")
# The national outlines are coarse already; simplified further to ~550 m they stay right at
# national and province zoom (the whole country is ~5,000 km across) and shrink several-fold.
OUTLINE_TOLERANCE = 0.005


def _registry() -> dict[str, str]:
    registry = {}
    for line in SHA256SUMS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, relpath = line.split(maxsplit=1)
            registry[relpath.lstrip("*")] = digest
    return registry


REGISTRY = _registry()


def village_file(regency: str) -> str:
    return f"db/kel/{regency[:2]}/wilayah_boundaries_kel_{regency}.sql"


def pinned_regencies() -> list[str]:
    return sorted(p.rsplit("_", 1)[1][: -len(".sql")] for p in REGISTRY if p.startswith("db/kel/"))


def outline_files() -> list[str]:
    """The 38 kab files and the 8 prov files (the prov files cover several provinces each)."""
    return sorted(p for p in REGISTRY if p.startswith(("db/kab/", "db/prov/")))


def regencies_of(provinces) -> list[str]:
    """Every pinned regency of the given province codes (UserError for an unknown province)."""
    pinned = pinned_regencies()
    out = []
    for province in provinces:
        found = [code for code in pinned if code.startswith(f"{province}.")]
        if len(province) != 2 or not found:
            raise UserError(
                f"{province!r} is not a province code with boundary files (two digits, e.g. 64 or 33)."
            )
        out += found
    return out


def fetch(regencies=None, mirror: str | None = None, data_dir=None, *, provinces=()) -> install.ImportReport:
    """Download (or copy from a mirror) and verify the pinned village files of ``regencies`` and
    of every regency of ``provinces``, then import them (merged by regency) atomically."""
    wanted_regencies = list(regencies or [])
    wanted_regencies += regencies_of(provinces)
    if not wanted_regencies:
        from stunting import scope

        wanted_regencies = list(scope.home_regencies())
    regencies = list(dict.fromkeys(wanted_regencies))
    unknown = [r for r in regencies if village_file(r) not in REGISTRY]
    if unknown:
        raise UserError(
            f"No pinned boundary file for regency {', '.join(unknown)}: the pinned commit has the "
            f"{len(pinned_regencies())} regencies of the gazetteer (codes like 64.02; see "
            "'python -m stunting areas')."
        )
    mirror, cache = _mirror_and_cache(mirror, data_dir)
    wanted = [village_file(r) for r in regencies] + [LICENSE_FILE]
    local = {relpath: _get(relpath, mirror, cache) for relpath in wanted}
    sql_files = [local[village_file(r)] for r in regencies]
    source = {
        **install.WILAYAH_SOURCE,
        "commit": COMMIT,
        "base_url": mirror if mirror.startswith(("http://", "https://")) else "local mirror",
        "files": [{"path": rel, "sha256": REGISTRY[rel]} for rel in wanted],
    }
    villages, names, _, no_geometry = install.read_all(sql_files)
    return install.install(villages, names, source, data_dir, no_geometry=no_geometry)


def fetch_overview(mirror: str | None = None, data_dir=None) -> dict:
    """Download and verify the 38 kab and 8 prov files and install them as the national outlines
    (514 regencies, 38 provinces), beside whatever villages are installed."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from stunting.boundaries import display, readers

    mirror, cache = _mirror_and_cache(mirror, data_dir)
    wanted = outline_files() + [LICENSE_FILE]
    local = {relpath: _get(relpath, mirror, cache) for relpath in wanted}
    frames = []
    for relpath in outline_files():
        frames.append(readers.read_wilayah_outlines(local[relpath]))
    outlines = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    readers.check_duplicates(outlines.assign(source=outlines["code"], row=0))
    simplified = shapely.simplify(outlines.geometry.values, OUTLINE_TOLERANCE, preserve_topology=True)
    outlines = outlines.set_geometry(gpd.GeoSeries(display.round_coordinates(simplified), crs=4326))
    outlines["geometry"] = shapely.orient_polygons(outlines.geometry.values, exterior_cw=False)
    by_level = {
        level: outlines[outlines["level"] == level].sort_values("code").reset_index(drop=True)
        for level in install.OUTLINE_LEVELS
    }
    source = {
        **install.WILAYAH_SOURCE,
        "attribution": "Batas kabupaten/kota dan provinsi: cahyadsn/wilayah_boundaries (MIT)",
        "commit": COMMIT,
        "base_url": mirror if mirror.startswith(("http://", "https://")) else "local mirror",
        "tolerance_deg": OUTLINE_TOLERANCE,
        "files": [{"path": rel, "sha256": REGISTRY[rel]} for rel in wanted],
    }
    return install.install_outlines(by_level, source, data_dir)


def _mirror_and_cache(mirror: str | None, data_dir) -> tuple[str, Path]:
    mirror = mirror or os.environ.get(MIRROR_ENV) or DEFAULT_BASE_URL
    return mirror, config.data_dir(data_dir) / "cache" / "wilayah_boundaries" / COMMIT


def _get(relpath: str, mirror: str, cache: Path) -> Path:
    expected = REGISTRY[relpath]
    target = cache / relpath
    if mirror.startswith(("http://", "https://")):
        return _download(mirror.rstrip("/") + "/" + relpath, expected, target)
    folder = Path(unquote(urlparse(mirror).path)) if mirror.startswith("file://") else Path(mirror)
    source = folder / relpath
    if not source.is_file():
        raise UserError(f"The mirror {folder} has no {relpath}.")
    if _sha256(source) != expected:
        raise UserError(
            f"{source} does not match the pinned SHA-256 of {relpath} (a changed or damaged copy); "
            "nothing was installed."
        )
    config.private_dir(target.parent)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    return target


def _download(url: str, expected: str, target: Path) -> Path:
    import pooch
    import requests

    config.private_dir(target.parent)
    # pooch logs each download at INFO through a handler bound to the stderr of import time;
    # the command prints its own summary instead.
    pooch.get_logger().setLevel("WARNING")
    print(f"Fetching {url}", flush=True)
    try:
        return Path(
            pooch.retrieve(url, known_hash=f"sha256:{expected}", fname=target.name, path=target.parent)
        )
    except ValueError as error:
        if "hash" in str(error).lower():
            raise UserError(
                f"{url} does not match its pinned SHA-256 (a changed or damaged file); nothing was installed."
            ) from None
        raise
    except requests.exceptions.HTTPError as error:
        raise UserError(
            f"Could not download {url} ({error.response.status_code}); nothing was installed."
        ) from None
    except requests.exceptions.RequestException as error:
        raise UserError(
            f"Could not download {url} ({type(error).__name__}); check the connection or use --mirror."
        ) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
