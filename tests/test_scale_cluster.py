"""An import run as Dask tasks on a LocalCluster of two worker processes writes the store a single
process writes: the summary row for row, every measurement and the duplicate check's findings (import
ids aside)."""

from __future__ import annotations

from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster
from scale_data import assert_same_import, edited, read_findings, stores_with_one_secret

from stunting import cluster, ingest
from stunting.demo import write_exports
from stunting.quality import findings

SCALE = 0.02
CHUNK_ROWS = 500  # several chunks per file, so both workers get some


@pytest.fixture(scope="module")
def dask_runner():
    # Under pytest-xdist this process's __main__ is execnet's ``python -c`` bootstrap, which a spawned
    # worker cannot re-import ("Nanny failed to start worker process"): fork the workers instead. The
    # CLI (`python -m stunting ingest --workers N`) keeps dask's default, spawn.
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": "fork"}),
        # death_timeout: a worker process imports pandas, pyarrow and duckdb before it registers, which
        # takes far longer than distributed's default on two cores shared with the rest of the suite.
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            death_timeout=180,
        ) as local,
        Client(local) as client,
    ):
        yield cluster.DaskRunner(client)


def test_a_cluster_import_writes_the_store_a_single_process_writes(dask_runner, tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    exports = write_exports(tmp_path / "exports", seed=11, scale=SCALE, years=(2024, 2025)).files
    corrected = edited(exports[0], tmp_path / "corrected-2024.csv", drop_every=6, reweigh_every=4)
    single, distributed = tmp_path / "single", tmp_path / "cluster"
    stores_with_one_secret(single, distributed)
    assert len(dask_runner.client.scheduler_info()["workers"]) == 2
    for files in (exports, [corrected]):  # two years at once, then a replace of one year
        alone = ingest.ingest_files(files, single, chunk_rows=CHUNK_ROWS)
        together = ingest.ingest_files(files, distributed, chunk_rows=CHUNK_ROWS, runner=dask_runner)
        # The duplicate check's findings too: the workers spill the identities, the driver searches.
        assert_same_import(alone, together, single, distributed)
    assert len(read_findings(distributed, findings.DUPLICATES_FILE, findings.DUPLICATE_SCHEMA)) > 0
    assert together[0].rows_replaced > 0  # the replace step retracted rows on the cluster too
