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

# SHA-256 of each file at COMMIT (sha256sum format), computed from ../shared, which was checked
# blob by blob against that commit. Province 64 (Kalimantan Timur) and 33 (Jawa Tengah).
SHA256SUMS = """
4f1ca94ef4795a12d24c82b92761e80e358d03f37c4024ea8a2b89a787de5b89  LICENSE
2ebfc579c91008624156db5aeeba44263f57579470d42e86d45759b2d72f63f5  db/kel/64/wilayah_boundaries_kel_64.01.sql
795627c3c160cb67ea5416c4e4e64e803d11dc07b7f37b9b5475b9b4b0b6e893  db/kel/64/wilayah_boundaries_kel_64.02.sql
b850b96d1447ef1d65ed8d12424cf5f7975fe9e2cea331cb3185bc576e2c92bd  db/kel/64/wilayah_boundaries_kel_64.03.sql
a0c3cd6a34281da644dfff63a62ecf582c3c6ec828954e9dee4d0f9f1942bcd9  db/kel/64/wilayah_boundaries_kel_64.07.sql
2ceac2c758721563d7e4708109d5bc3cdfda219c0b099daa76c84370f9fc3ec3  db/kel/64/wilayah_boundaries_kel_64.08.sql
d06a40d20126a41815b15973840a5e1ce9fa31641da605dcd50cc2322e1a6b7a  db/kel/64/wilayah_boundaries_kel_64.09.sql
cde529fc2c160f4b2b670a4ad546181c698f60ca22ad7c75d32344ab6608d4c4  db/kel/64/wilayah_boundaries_kel_64.11.sql
9f4cc1374d4a400ad71160a2f2888d322f1ae8318a3c7719151bc61cedc235f3  db/kel/64/wilayah_boundaries_kel_64.71.sql
91eef3f9141872ed09c4bd467a0456e03fb48e51c7ff5479e84159f733365250  db/kel/64/wilayah_boundaries_kel_64.72.sql
f7eb02e6188d26ededb89ab38033b991e21ea20401cd50b8f9d78c2a79d4ed61  db/kel/64/wilayah_boundaries_kel_64.74.sql
c5d57119ce31044621efac190b484a674848b0f1272c45e51034f1d6ec3708a5  db/kel/33/wilayah_boundaries_kel_33.01.sql
30f673649c269b94120db7b54324bd58d4cd00fa92eaad92185bfc389aaaace5  db/kel/33/wilayah_boundaries_kel_33.02.sql
aec8af5d1dacdcdc2fbdb2691ebe783f7845b382c3f669e6baefeb9afe4a56cd  db/kel/33/wilayah_boundaries_kel_33.03.sql
ab8808c8ca43410f28c9dfe92ce55d582ca3559032378caae7daf401266da433  db/kel/33/wilayah_boundaries_kel_33.04.sql
7503d8fc306a88ec51040cdcb3a7ca2d3ad7b276a8b5e0cfc9c2eb5765ffcced  db/kel/33/wilayah_boundaries_kel_33.05.sql
28efcec7c2dfa4e196c9eec6d4c420320b66ed474c278ce8c9f5ddfb9604cc09  db/kel/33/wilayah_boundaries_kel_33.06.sql
1fbf2ff05e8a8428cb7296eaa8cf97f9a8e9a83418e03d92898640852ed23e04  db/kel/33/wilayah_boundaries_kel_33.07.sql
b95dd64def1bce7be7c9de4ee52caba38738423fcc84fa561f56154f20b8f0c1  db/kel/33/wilayah_boundaries_kel_33.08.sql
54462a2671b80433529b36abec7ffda9f6de2ef74a7d87524b00b9d02d44ef7c  db/kel/33/wilayah_boundaries_kel_33.09.sql
92897dc5a1f942f597eaadc7efd2716afe609168ae35f482f2a59cbceb1764db  db/kel/33/wilayah_boundaries_kel_33.10.sql
06f2d2708c46e6ee25ed5a656dc9e302f351360e7dbb610972b8e3d01b09528e  db/kel/33/wilayah_boundaries_kel_33.11.sql
9574513fd95ab95163f5fa8d40fbed45774f7a35386846744dc2c4e9e0d78b7a  db/kel/33/wilayah_boundaries_kel_33.12.sql
a343de0d30be8dcf80e9962e8642ec0f6ca71b5c1d51d62b3493a4ef89f7bb3b  db/kel/33/wilayah_boundaries_kel_33.13.sql
1d101c5da225d47b4ccb8872676bb6c9e7e906f8e79e7f47c8ee400fb43a596f  db/kel/33/wilayah_boundaries_kel_33.14.sql
64c94c873d504aadfeaf874c84835a7d30096f66e88d038477e6b0da21eee9fe  db/kel/33/wilayah_boundaries_kel_33.15.sql
14bf2db497e4fe44673af6c708421e3e8609512aea43e3aed16f61ac9dc6b93d  db/kel/33/wilayah_boundaries_kel_33.16.sql
106b62f7c769b71e0f70458fee9b58782b6893075ed4e34455188143873426dc  db/kel/33/wilayah_boundaries_kel_33.17.sql
76be5e5557df3bf2c00f8ae4d4b952682415b65838db3e61dbbcab0fd63e7756  db/kel/33/wilayah_boundaries_kel_33.18.sql
fe85058efb4850af4ac5d118b421d6ab78013318c03b6da0b75c8f6a661df86d  db/kel/33/wilayah_boundaries_kel_33.19.sql
4e458b4f7dc41b04ab781393b47fdbef1df3877140649d9879fc3d22adc37511  db/kel/33/wilayah_boundaries_kel_33.20.sql
b2fca68798c8bc9a5398039ded931a066a2e5bac3b395e7910e6e8e1b6fbabfb  db/kel/33/wilayah_boundaries_kel_33.21.sql
bfb94e68281c7d3ecbe4567313ce35e87c43b4c89e20c620f4592db336b9b9a2  db/kel/33/wilayah_boundaries_kel_33.22.sql
cd8c88c46db831ca4478453d0f5b6f614f01e63612b79480e08bb8aa53fc3d3c  db/kel/33/wilayah_boundaries_kel_33.23.sql
056130d7878e60c830f7ee6b1bf5fad3d57e9e0fa278a51bb2066bad16d7e7d9  db/kel/33/wilayah_boundaries_kel_33.24.sql
26ddce7ed661cfd1dc7a123298f300b276fa31dbb100fe5de68ee3c3135ca901  db/kel/33/wilayah_boundaries_kel_33.25.sql
a89f177a40b456de0e987dc7232354963e6a53d74239a1023ed0f3d1fcfdd221  db/kel/33/wilayah_boundaries_kel_33.26.sql
57ba48ce20c12787896a3d5f6ff9137e91e89c4151bc08106c183038b0ccf13a  db/kel/33/wilayah_boundaries_kel_33.27.sql
fd9b55b454cbdb0a630bed60211348d25987aae3e3cf2219fc9c55ab55b4f3dd  db/kel/33/wilayah_boundaries_kel_33.28.sql
2a47f99c9ba732f5401af6e9ee7047d393bc258d870b907ffca4513689849230  db/kel/33/wilayah_boundaries_kel_33.29.sql
180232d2fecff2ba13184c62593d79ad6f5830ec7a5ce7a49a8483baafbbb2b8  db/kel/33/wilayah_boundaries_kel_33.71.sql
d18219e8616ec37b653e5c03564be4683b4233ed972009917ced9b8312806c1f  db/kel/33/wilayah_boundaries_kel_33.72.sql
cc7e2619ffbfc61ae6c6656a16b8d488d3be059fa1f2f9eef9d5eef99459b07d  db/kel/33/wilayah_boundaries_kel_33.73.sql
743488db891fed71d223871a42c408cf9e75d01f7765a86762257b1decf33282  db/kel/33/wilayah_boundaries_kel_33.74.sql
897c58470de8782813c46ef8bdfa9209971f5d574c2c9a0979ecda5d5a0c05d3  db/kel/33/wilayah_boundaries_kel_33.75.sql
5165a7ed4b1e0f02d6b7d5feff78367095747433faab18d79200c3c9b2690616  db/kel/33/wilayah_boundaries_kel_33.76.sql
"""
REGISTRY = dict(reversed(line.split("  ", 1)) for line in SHA256SUMS.strip().splitlines())


def village_file(regency: str) -> str:
    return f"db/kel/{regency[:2]}/wilayah_boundaries_kel_{regency}.sql"


def pinned_regencies() -> list[str]:
    return sorted(p.rsplit("_", 1)[1][: -len(".sql")] for p in REGISTRY if p.startswith("db/kel/"))


def fetch(regencies=DEFAULT_REGENCIES, mirror: str | None = None, data_dir=None) -> install.ImportReport:
    """Download (or copy from a mirror) and verify the pinned files, then import them atomically."""
    regencies = list(dict.fromkeys(regencies or DEFAULT_REGENCIES))
    unknown = [r for r in regencies if village_file(r) not in REGISTRY]
    if unknown:
        raise UserError(
            f"No pinned boundary file for regency {', '.join(unknown)}; "
            f"pinned regencies: {', '.join(pinned_regencies())}."
        )
    mirror = mirror or os.environ.get(MIRROR_ENV) or DEFAULT_BASE_URL
    cache = config.data_dir(data_dir) / "cache" / "wilayah_boundaries" / COMMIT
    wanted = [village_file(r) for r in regencies] + [LICENSE_FILE]
    local = {relpath: _get(relpath, mirror, cache) for relpath in wanted}
    sql_files = [local[village_file(r)] for r in regencies]
    source = {
        **install.WILAYAH_SOURCE,
        "commit": COMMIT,
        "base_url": mirror if mirror.startswith(("http://", "https://")) else "local mirror",
        "files": [{"path": rel, "sha256": REGISTRY[rel]} for rel in wanted],
    }
    villages, names, _ = install.read_all(sql_files)
    return install.install(villages, names, source, data_dir)


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
