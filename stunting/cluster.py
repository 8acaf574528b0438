"""Where an import's per-partition work runs: here, one chunk after another, or as Dask tasks.

The import (stunting.ingest) hands two kinds of work to a runner: ``map_chunks`` (read a chunk ->
WHO z-scores -> pseudonymise -> staged parquet: ``ingest.stage_chunk``) and ``map_years`` (merge and
summarise one year: ``staging.merge_year``). ``LOCAL`` runs them in this process; ``DaskRunner``
submits the very same functions to a ``distributed`` cluster: ``ingest FILE... --workers N`` starts a
LocalCluster of N worker processes on this machine, ``--scheduler tcp://HOST:PORT`` uses one that is
already running (dask-scheduler / dask-worker, Kubernetes, Dask Gateway; docs/scale.md). Either way
the store written is the same, row for row (tests/test_scale_cluster.py).

``TwoProcessRunner`` is the one-machine case without Dask: for a big CSV export (``for_file``) this
process and one helper process stage the chunks side by side, each reading its own byte range of the
file (the second core is otherwise idle while the chunks are read: the duplicate search waits for all
of them). The same store again (tests/test_two_processes.py).

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

import logging
import os
import queue
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from stunting.errors import UserError

# Chunks handed out at once per worker: enough to keep each busy while the driver reads the next,
# few enough that memory holds a handful of 100,000-row chunks, not the whole file.
CHUNKS_IN_FLIGHT_PER_WORKER = 2


class LocalRunner:
    """Runs each piece of work in this process, in order."""

    workers = 1
    reads_spans = False  # chunks come as frames of raw text (eppgbm._raw_chunks)

    def map_chunks(self, function: Callable, chunks: Iterable, **kwargs) -> Iterator:
        for index, chunk in enumerate(chunks):
            yield function(chunk, index=index, **kwargs)

    def map_years(self, function: Callable, years: list[int], **kwargs) -> list:
        return [function(year, **kwargs) for year in years]

    def close(self) -> None:
        """Nothing runs beside this process."""


LOCAL = LocalRunner()

# Below this size an export is read here alone: a helper's start (some 4 s of imports on its core)
# would cost more than it takes over.
HELPER_MIN_BYTES = 64 << 20
# The helper holds some 500 MB at its peak (its imports 190 MB, the village matcher 100 MB, a chunk
# being staged), beside the import's own 850 MB and the duplicate search's 250 MB: it starts only
# where the machine has this much memory available, so a small machine reads in one process.
HELPER_MIN_AVAILABLE = 3 << 30


class TwoProcessRunner(LocalRunner):
    """Stages a CSV export's chunks in this process and in one helper process beside it, each taking
    the next chunk as it is free; years merge here, as with LOCAL.

    The chunks come as byte ranges (eppgbm.Span): each process reads its own from the file, so no
    row's text travels between them, only where a chunk lies and the small StagedChunk it gave. The
    helper is started (``start``) as soon as the import knows the file is big, so its imports and
    village matcher overlap this process's checks of the file; it stops when the chunks are staged,
    before the merge needs the memory. Results come in the order the chunks finish (the caller
    sums them; rejects are sorted later), as on a cluster."""

    reads_spans = True

    def __init__(self) -> None:
        self._pool = None
        self._next = None
        self._claimed = None
        self._done = None
        self._staging = False  # whether the helper was handed chunks (it writes into the staging folder)
        self.staged_by_helper = 0  # chunks of the last map_chunks staged by the helper (benches, tests)

    def start(self, warm: Callable[[], object] | None = None) -> TwoProcessRunner:
        """Start the helper; it runs ``warm`` first (the imports and caches its chunks will need)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: fork would copy this process's heap with DuckDB's threads running. A
        # spawned helper imports the main module again only when it is a script (not for `python -m
        # stunting`), and every script of this app runs its work under `if __name__ == "__main__"`
        # (app.py, bench/).
        context = multiprocessing.get_context("spawn")
        self._next = context.Value("q", 0)
        self._claimed = context.Value("q", 0)  # chunks the helper took
        self._done = context.Queue()
        self._pool = ProcessPoolExecutor(
            1,
            mp_context=context,
            initializer=_helper_starts,
            initargs=(self._next, self._claimed, self._done),
        )
        if warm is not None:
            self._pool.submit(_warm_up, warm)
        return self

    def map_chunks(self, function: Callable, chunks: Iterable, **kwargs) -> Iterator:
        spans = list(chunks)
        try:
            helper = self._pool.submit(_stage_claimed, function, spans, kwargs)
            self._staging = True
        except BrokenProcessPool:
            helper = None
            _did_not_start()
        received = 0
        finished = False
        try:
            while (index := _claim(self._next)) < len(spans):
                yield function(spans[index], index=index, **kwargs)
                while (result := _ready(self._done)) is not None:
                    received += 1
                    yield result
            if helper is None:
                return
            try:
                self.staged_by_helper = helper.result()  # re-raises a chunk's failure (a UserError)
            except BrokenProcessPool:
                if self._claimed.value:
                    raise UserError(
                        "The import's helper process stopped while it staged its chunks (out of "
                        "memory, or killed), so nothing was stored: run the import again, or with "
                        "STUNTING_IMPORT_PROCESSES=1 to read the file in one process."
                    ) from None
                _did_not_start()  # before it took a chunk: this process staged every one
                return
            for _ in range(self.staged_by_helper - received):
                yield self._done.get()
            finished = True
        finally:
            with self._next.get_lock():
                self._next.value = len(spans)  # on a failure here: the helper takes no more
            self.close(wait=not finished)

    def close(self, wait: bool = True) -> None:
        """Stop the helper: after its current chunk, which it writes into the staging folder.
        ``wait=False`` once it has handed back its last chunk: it only exits then, and its exit (about
        a second of freeing a national file's caches) runs beside the merge instead of before it. One
        never handed a chunk (a file already imported or refused, a workbook) is stopped at once:
        left to finish warming up, it kept the command waiting for seconds at exit, and one still
        starting when this process exits finds the shared counters gone and prints a traceback
        under the command's one-sentence error."""
        if self._pool is None:
            return
        if not self._staging:
            # ProcessPoolExecutor has no public way to stop its workers before Python 3.14
            # (terminate_workers); its process table is the only handle on them.
            for process in list((self._pool._processes or {}).values()):
                process.terminate()
                process.join()
        self._pool.shutdown(wait=wait, cancel_futures=True)
        self._pool = None


def for_file(size: int, warm: Callable[[], object] | None = None) -> LocalRunner:
    """The runner for an export of ``size`` bytes on this machine: TwoProcessRunner (started, with
    ``warm``) for a big one with a second core to use, else LOCAL. Only CSV exports come as spans
    (the import falls back to LOCAL's reading for the others)."""
    from stunting import config

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if size < HELPER_MIN_BYTES or cores < 2 or config.IMPORT_PROCESSES < 2:
        return LOCAL
    if _available_memory() < HELPER_MIN_AVAILABLE:
        return LOCAL
    return TwoProcessRunner().start(warm)


def _available_memory() -> float:
    """Bytes of memory available to new processes (Linux's MemAvailable); unknown elsewhere: inf."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return float("inf")


# --- in the helper process ---------------------------------------------------------------------
_shared: tuple = ()


def _helper_starts(next_chunk, claimed, done) -> None:
    global _shared
    _shared = (next_chunk, claimed, done)


def _warm_up(warm: Callable[[], object]) -> None:
    """Run ``warm``, handing nothing back: its result (the village matcher, 22 MB pickled) would
    travel to the importing process for nothing."""
    warm()


def _stage_claimed(function: Callable, spans: list, kwargs: dict) -> int:
    """Stage the chunks this helper claims, each result put on the queue as it is done; how many."""
    next_chunk, claimed, done = _shared
    staged = 0
    while (index := _claim(next_chunk)) < len(spans):
        with claimed.get_lock():
            claimed.value += 1
        done.put(function(spans[index], index=index, **kwargs))
        staged += 1
    return staged


def _did_not_start() -> None:
    # A script that runs its work when imported (no `if __name__ == "__main__"`), or one read from
    # stdin, cannot be imported again by a spawned process; the import goes on without the helper.
    logging.getLogger(__name__).warning(
        "the import's helper process did not start (its error is above); reading in this process alone"
    )


def _claim(next_chunk) -> int:
    with next_chunk.get_lock():
        index = next_chunk.value
        next_chunk.value = index + 1
    return index


def _ready(done):
    try:
        return done.get_nowait()
    except queue.Empty:
        return None


class DaskRunner:
    """Runs the same functions as tasks on a ``distributed.Client``'s cluster."""

    reads_spans = False  # a worker on another machine may not see the export: the chunks travel

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

    def close(self) -> None:
        """The cluster is stopped by ``runner`` (stunting.cluster), which started it."""


@contextmanager
def runner(workers: int | None = None, scheduler: str | None = None) -> Iterator[DaskRunner | None]:
    """None without arguments (each file then gets the runner for its size: ``for_file``); with
    ``workers`` a LocalCluster of that many worker processes on 127.0.0.1 (stopped afterwards); with
    ``scheduler`` a client of that running cluster."""
    if not workers and not scheduler:
        yield None
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
