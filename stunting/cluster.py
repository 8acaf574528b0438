"""Where an import's per-partition work runs: here, one chunk after another, or as Dask tasks.

The import (stunting.ingest) hands two kinds of work to a runner: ``map_chunks`` (read a chunk ->
WHO z-scores -> pseudonymise -> staged parquet: ``ingest.stage_chunk``) and ``map_years`` (merge and
summarise one year: ``staging.merge_year``). ``LOCAL`` runs them in this process; ``DaskRunner``
submits the very same functions to a ``distributed`` cluster: ``ingest FILE... --workers N`` starts a
LocalCluster of N worker processes on this machine, ``--scheduler tcp://HOST:PORT`` uses one that is
already running (dask-scheduler / dask-worker, Kubernetes, Dask Gateway; docs/scale.md). Either way
the store written is the same, row for row (tests/test_scale_cluster.py).

Every worker must see the data dir at the same path (shared storage): workers write the staged files
and the new snapshot's partitions, and read the per-installation secret from it, so the key never
travels over the network. The chunks of the export do travel (the driver reads the file): on a
cluster beyond one machine, use TLS (``tls://``) or a closed network, as for any personal data.
So does the import's own key for the duplicate check's identities (stunting/quality/imported.py:
each worker seals its chunk's names with it and writes them to the shared staging folder, handing
back only where the parts lie): it travels with each task like the other plain arguments, as
sensitive as the chunk beside it while the import runs and useless once its staging folder is gone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

# Chunks handed out at once per worker: enough to keep each busy while the driver reads the next,
# few enough that memory holds a handful of 100,000-row chunks, not the whole file.
CHUNKS_IN_FLIGHT_PER_WORKER = 2


class LocalRunner:
    """Runs each piece of work in this process, in order."""

    workers = 1

    def map_chunks(self, function: Callable, chunks: Iterable, **kwargs) -> Iterator:
        for index, chunk in enumerate(chunks):
            yield function(chunk, index=index, **kwargs)

    def map_years(self, function: Callable, years: list[int], **kwargs) -> list:
        return [function(year, **kwargs) for year in years]


LOCAL = LocalRunner()


class DaskRunner:
    """Runs the same functions as tasks on a ``distributed.Client``'s cluster."""

    def __init__(self, client) -> None:
        self.client = client
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)

    def map_chunks(self, function: Callable, chunks: Iterable, **kwargs) -> Iterator:
        """Results in the order the chunks finish (the caller sums them; rejects are sorted later)."""
        from distributed import wait

        limit = self.workers * CHUNKS_IN_FLIGHT_PER_WORKER
        pending: deque = deque()
        for index, chunk in enumerate(chunks):
            pending.append(self.client.submit(function, chunk, index=index, pure=False, **kwargs))
            if len(pending) >= limit:
                wait(list(pending), return_when="FIRST_COMPLETED")
                yield from self._done(pending)
        while pending:
            yield pending.popleft().result()

    @staticmethod
    def _done(pending: deque) -> Iterator:
        for future in [f for f in pending if f.done()]:
            pending.remove(future)
            yield future.result()  # re-raises a task's error (a UserError names file and row) here

    def map_years(self, function: Callable, years: list[int], **kwargs) -> list:
        futures = [self.client.submit(function, year, pure=False, **kwargs) for year in years]
        return self.client.gather(futures)


@contextmanager
def runner(workers: int | None = None, scheduler: str | None = None) -> Iterator[LocalRunner | DaskRunner]:
    """LOCAL without arguments; with ``workers`` a LocalCluster of that many worker processes on
    127.0.0.1 (stopped afterwards); with ``scheduler`` a client of that running cluster."""
    if not workers and not scheduler:
        yield LOCAL
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield DaskRunner(client)
        return
    # One thread per worker: the z-scores and the parser hold the GIL, and processes are what scales.
    # No dashboard: it needs bokeh, and an import needs no web page.
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as local,
        Client(local) as client,
    ):
        yield DaskRunner(client)
