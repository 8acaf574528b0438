"""The import's side of the quality checks: what needs the rows before names are dropped.

``identities`` takes, per parsed chunk, only what the duplicate check compares (normalised child's
and mother's names, sex, birth date, village, posyandu, period, child_id, source row) and whether
the row's NIK fails the structure check or embeds another birth date (pseudonym.nik_disagrees).
They are never held for the whole file: ``spill_chunk`` writes each chunk's identities, encrypted,
beside the import's staging folder (``DATA_DIR/staging/IMPORT_ID-identities/``) in buckets, and
``find_duplicates`` / ``record_duplicates`` search the probable duplicates bucket by bucket, reading
one bucket's parts at a time, and store row numbers and NIK counts only
(stunting/quality/findings.py). Nothing here is ever stored with a name or a NIK.

Buckets. The duplicate search pairs rows only within one period x village x sex (the village block)
or one period x puskesmas x posyandu x sex (the posyandu block: pairs across villages). Puskesmas
names are free text that repeats across regencies, so no one key of a row keeps both blocks whole:
each row goes to a village bucket (a hash of its village code), and a row that can pair and names
a posyandu also to a posyandu bucket (a hash of puskesmas and posyandu). A village bucket is
searched with the village block only, a posyandu bucket with the posyandu block only; the union is
exactly the whole file's pairs. The NIK counts (per village unit) and the scope come from the
village buckets. Which row of a child's period is its first (the one compared and counted) is
decided over the whole import from a small keys file per chunk (keyed hash, period, row number;
queries/quality_repeated_rows.sql), since a child's rows may lie in two buckets.

Where it runs. ``identities`` runs where the chunk is staged (this process, or a Dask worker); the
identities stay Arrow columns from the parsed frame to the sealed parts. ``seal_chunk`` (folding the
names to their keys, bucketing, sealing, the keys file) runs in whichever process spills: for an
import in this process, the search's process (stunting/quality/search_process.py, started as the
import begins), to which ``spill_chunk`` hands each chunk's identities through its stdin pipe (Arrow
IPC, a writer thread, at most STREAM_CHUNKS queued) while the reader goes on; on a Dask worker, the
worker itself. The search then runs in that process, beside the merge on the other core, without
the merge's GIL; only row numbers and counts come back, and ``abandon`` stops it through a file in
the spill folder. An import that fails while reading never asks for its search: its process ends
with the stream and removes what it sealed.

Encryption (UU 27/2022): every part is sealed with AES-GCM under a key made for the import and held
only in its memory and the search process's (passed through its stdin pipe; in the
tasks' arguments on a Dask cluster), never written, so a staging folder left behind by a killed
import is unreadable. The keys files hold no name: the same pseudonyms and row numbers
as the staged measurements.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import queue
import shutil
import subprocess
import sys
import threading
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stunting import queries
from stunting.config import PRIVATE_FILE_MODE, private_dir
from stunting.pseudonym import nik_is_valid, normalised_text
from stunting.quality import duplicates

# The search runs in a process of its own (stunting/quality/search_process.py), so that it uses the
# second core without waiting for the merge's GIL (in a thread of the import it took 4.2 s of a
# 1M-row import's CPU and lengthened the merge by as much). One at a time: imports run one file at a
# time. It is started as a module (not by multiprocessing's fork, which would copy a process of a GB
# with DuckDB's and Arrow's threads running, nor spawn/forkserver, which run the program's main
# script again in the child), one process per search, so its memory goes back when it ends; the
# next one starts as an import begins (Spill.new), its imports overlapping the reading.
STOP_FILE = "stop"  # in the spill folder: abandon's word to the search, read at each bucket
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # where ``stunting`` imports from

COLUMNS = ["child_id", "source_row", "period", "village_code", "puskesmas", "posyandu", "sex", "birth_date",
           "name", "mother_name"]  # fmt: skip
NAMES = ("name", "mother_name")  # compared as their keys (pseudonym.normalise_name)
UNITS = ["period", "village_code", "puskesmas", "posyandu"]
NIK_FLAGS = ["nik_invalid", "nik_date_mismatch"]
# What identities gives and each sealed part holds.
SCHEMA = pa.schema(
    [("child_id", pa.string()), ("source_row", pa.int64()), ("period", pa.string()),
     ("village_code", pa.string()), ("puskesmas", pa.string()), ("posyandu", pa.string()),
     ("sex", pa.string()), ("birth_date", pa.timestamp("us")), ("name", pa.string()),
     ("mother_name", pa.string()), ("nik_invalid", pa.bool_()), ("nik_date_mismatch", pa.bool_())]
)  # fmt: skip

# The spill folder lies beside the import's staging folder, not inside it: the merge removes its
# staging folder as soon as the store is written, while the search may still be reading.
FOLDER_SUFFIX = "-identities"
VILLAGE, POSYANDU = "village", "posyandu"  # the two kinds of bucket (duplicates.BLOCKS)
# Rows a bucket holds on average: the search holds one bucket at a time, about 1 KB a row with its
# working arrays, so 50,000 rows keep it near 50 MB beside the merge. The bucket count follows the
# file's estimated rows (at most MAX_BUCKETS: 20M rows make 400).
ROWS_PER_BUCKET = 50_000
MAX_BUCKETS = 2_048
# DuckDB's memory for the whole-import first-row query; beyond it the keys spill to disk. 64 MB was
# too little for its hash aggregate to spill at all on a 20M-row round (out of memory); 256 MB
# answers 20M keys in about 3 s.
KEYS_MEMORY = "256MB"
_NONCE_BYTES = 12  # AES-GCM's standard nonce, random per part


@dataclass(frozen=True)
class Spill:
    """Where and how one import's identities are spilled: plain values, so a Dask task carries it.
    The key is never shown (repr) and never written."""

    folder: str
    key: bytes = field(repr=False)
    buckets: int
    # The process that made it (Spill.new): a chunk staged there streams its identities to the
    # search's process, which seals them; anywhere else (a Dask worker; 0: nowhere) it seals them.
    origin: int = field(default=0, compare=False)

    @classmethod
    def new(cls, staging: Path, estimated_rows: float) -> Spill:
        buckets = min(max(math.ceil(estimated_rows / ROWS_PER_BUCKET), 1), MAX_BUCKETS)
        key = AESGCM.generate_key(bit_length=256)
        spill = cls(str(private_dir(spill_folder(staging))), key, buckets, os.getpid())
        _open_stream(spill)  # the search's process imports pandas, DuckDB... while the file is read
        return spill


def spill_folder(staging: Path) -> Path:
    """Where the identities of the import staged in ``staging`` are spilled (its caller removes it
    once the search has ended)."""
    staging = Path(staging)
    return staging.with_name(staging.name + FOLDER_SUFFIX)


@dataclass(frozen=True)
class SpilledChunk:
    """Where one chunk's sealed parts lie in its file: (kind, bucket) -> (offset, length). Small and
    without a name: what a worker hands back."""

    chunk: int
    parts: dict[tuple[str, int], tuple[int, int]]
    # Handed to the search's process to seal (its parts are known there, not here).
    streamed: bool = False


def identities(parsed: pd.DataFrame, child_ids: pd.Series, nik_disagrees=None) -> pa.Table:
    """The comparison columns of one parsed chunk (``child_ids`` and the ingest's ``nik_disagrees``
    aligned with its rows), as an Arrow table of SCHEMA, the names as written (seal_chunk folds
    them): the text stays in Arrow from the parsed
    frame to the sealed parts (a million rows' Python strings made and read back cost more than
    everything else the spilling does)."""
    empty = pd.Series("", index=parsed.index, dtype=object)
    nik = parsed["nik"] if "nik" in parsed else empty
    typed = nik.fillna("").astype(str).str.strip() != ""
    # A NIK typed but not 16 digits (or one digit repeated): the structure check of pseudonym.
    nik_invalid = typed.to_numpy() & ~nik_is_valid(nik)
    measured = pd.to_datetime(parsed["measured_on"])
    # "YYYY-MM" formatted once per distinct month (strftime per row is slow on a million rows).
    months, labels = pd.factorize(measured.dt.year.to_numpy() * 100 + measured.dt.month.to_numpy())
    periods = pa.array([f"{m // 100:04d}-{m % 100:02d}" for m in labels], pa.string()).take(pa.array(months))
    columns = {
        "child_id": _text(child_ids),
        "source_row": pa.array(parsed["source_row"].to_numpy(dtype=np.int64)),
        "period": periods,
        **{column: _text(parsed[column]) for column in ("village_code", "puskesmas", "posyandu", "sex")},
        "birth_date": pa.array(pd.to_datetime(parsed["birth_date"]).to_numpy(), from_pandas=True),
        # As written: folded (pseudonym.normalise_name) where they are sealed (seal_chunk), in the
        # search's process while this one reads on.
        **{column: _text(parsed[column] if column in parsed else empty) for column in NAMES},
        "nik_invalid": pa.array(nik_invalid, pa.bool_()),
        "nik_date_mismatch": pa.array(
            np.zeros(len(parsed), dtype=bool)
            if nik_disagrees is None
            else np.asarray(nik_disagrees, dtype=bool)
        ),
    }
    return pa.table(columns).cast(SCHEMA)


def _text(values: pd.Series) -> pa.Array:
    """A text column as Arrow strings, missing kept missing (no Python string made when it is held
    in Arrow already, as pandas' str columns are)."""
    array = pa.array(values, type=pa.string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


# --- spilling (in the chunk's process: here or a Dask worker) ---------------------------------------


def spill_chunk(rows: pa.Table | pd.DataFrame, spill: Spill, chunk: int) -> SpilledChunk:
    """Spill one chunk's identities (``identities``; or a frame of its columns): in the process that
    made the spill, handed to the search's process, which seals them (seal_chunk) while this one
    reads on; elsewhere (a Dask worker) sealed here."""
    if isinstance(rows, pd.DataFrame):
        rows = pa.Table.from_pandas(rows[SCHEMA.names], preserve_index=False).cast(SCHEMA)
    table = rows.select(SCHEMA.names).cast(SCHEMA)
    stream = _stream_of(spill)
    if stream is not None:
        stream.send(chunk, table)
        return SpilledChunk(chunk, {}, streamed=True)
    return seal_chunk(table, spill, chunk)


def seal_chunk(table: pa.Table, spill: Spill, chunk: int, *, create: bool = True) -> SpilledChunk:
    """Write one chunk's identities (a table of SCHEMA) to the spill folder: its keys file and one
    file of sealed parts, one part per kind and bucket it has rows in. The one place that buckets
    and seals, in whichever process spills. ``create``: make the folder if it is not there (the
    search's process does not: a folder gone means its import failed and removed it)."""
    folder = private_dir(spill.folder) if create else Path(spill.folder)
    # The names folded to their comparison keys (pseudonym.normalise_name) here, in whichever process
    # seals: for the import, the search's process rather than the reader (0.7 s a million rows).
    # Folding a key again leaves it as it is.
    for column in NAMES:
        table = table.set_column(table.schema.get_field_index(column), column, normalised_text(table[column]))
    usable = _comparable(table)
    keys = pa.table(
        {
            "key": pa.array(_child_period_key(table)),
            "child_id": table.column("child_id"),
            "period": table.column("period"),
            "source_row": table.column("source_row"),
            "usable": pa.array(usable),
        }
    )
    # Neither dictionary nor compression: the child_ids are all distinct keyed hashes (a dictionary
    # is tried and dropped, compression finds nothing), and the file lives for minutes.
    _private_write(
        folder / f"keys-{chunk:06d}.parquet",
        lambda path: pq.write_table(keys, path, use_dictionary=False, compression="none"),
    )
    village_bucket = _bucket_of([table.column("village_code")], spill.buckets)
    named_posyandu = usable & _filled(table.column("posyandu")).to_numpy(zero_copy_only=False).astype(bool)
    posyandu_bucket = np.where(
        named_posyandu, _bucket_of([table.column("puskesmas"), table.column("posyandu")], spill.buckets), -1
    )
    sealer = AESGCM(spill.key)
    parts: dict[tuple[str, int], tuple[int, int]] = {}
    with _private_open(folder / f"chunk-{chunk:06d}.bin") as out:
        offset = 0
        for kind, bucket in ((VILLAGE, village_bucket), (POSYANDU, posyandu_bucket)):
            taken = np.flatnonzero(bucket >= 0)
            order = taken[np.argsort(bucket[taken], kind="stable")]  # file order within a bucket
            sorted_rows = table.take(order)
            numbers, starts, counts = np.unique(bucket[order], return_index=True, return_counts=True)
            for number, start, count in zip(numbers.tolist(), starts.tolist(), counts.tolist(), strict=True):
                nonce = os.urandom(_NONCE_BYTES)
                plain = _serialised(sorted_rows.slice(start, count)).to_pybytes()
                sealed = nonce + sealer.encrypt(nonce, plain, _label(chunk, kind, number))
                out.write(sealed)
                parts[(kind, number)] = (offset, len(sealed))
                offset += len(sealed)
    return SpilledChunk(chunk, parts)


def _comparable(table: pa.Table) -> np.ndarray:
    """Rows the duplicate search can compare (duplicates.probable_duplicates: both names and a birth
    date)."""
    named = pc.and_(_filled(table.column("name")), _filled(table.column("mother_name")))
    return pc.and_(named, pc.is_valid(table.column("birth_date"))).to_numpy(zero_copy_only=False)


def _filled(text) -> pa.Array:
    """Whether each value is there and not "" (False where missing)."""
    return pc.fill_null(pc.not_equal(text, ""), False)


def _child_period_key(table: pa.Table) -> np.ndarray:
    """A 64-bit key of child and period for the whole-import first-row query, which groups these
    small integers first and compares the child_ids exactly only where a key repeats (a collision
    costs it a comparison, never a finding). The child_id is a keyed hash already: its first 16
    characters, read as two 64-bit words, are as good a key as hashing it again, at a twentieth of
    the cost; the period's label is hashed (a few distinct)."""
    child = pc.utf8_slice_codeunits(pc.utf8_rpad(pc.fill_null(table.column("child_id"), ""), 16, "0"), 0, 16)
    fixed = pc.cast(pc.cast(child, pa.binary()), pa.binary(16))
    if isinstance(fixed, pa.ChunkedArray):
        fixed = fixed.combine_chunks()
    start, end = 2 * fixed.offset, 2 * (fixed.offset + len(fixed))
    words = np.frombuffer(fixed.buffers()[1], dtype=np.uint64)[start:end].reshape(-1, 2)
    key = words[:, 0] * np.uint64(0x9E3779B97F4A7C15) + words[:, 1]
    codes, labels = _codes(table.column("period"))
    key ^= pd.util.hash_array(labels)[codes]
    return key.view(np.int64)


def _codes(text) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a text column (missing as "") and its distinct values as Python strings."""
    encoded = pc.dictionary_encode(pc.fill_null(text, ""))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)


def _bucket_of(columns: list, buckets: int) -> np.ndarray:
    """A bucket number per row from its text (missing as ""): the same in every process (pandas'
    hash has a fixed key, unlike Python's ``hash``). Each distinct value is hashed once."""

    def hashed_of(text) -> np.ndarray:
        codes, labels = _codes(text)
        return pd.util.hash_array(labels)[codes]

    hashed = hashed_of(columns[0])
    for values in columns[1:]:
        hashed = hashed * np.uint64(1_000_003) ^ hashed_of(values)
    return (hashed % np.uint64(buckets)).astype(np.int64)


def _serialised(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    # Not compressed: zstd cost 0.7 s CPU a million rows (about a third of the spilling) to save
    # disk the import frees minutes later; AES-GCM seals at GB/s. Uncompressed, a million rows'
    # parts are about 160 MB (3 GB for a 20M-row round's staging, beside its staged measurements).
    options = pa.ipc.IpcWriteOptions(compression=None)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _label(chunk: int, kind: str, bucket: int) -> bytes:
    """Authenticated with each part: a part moved to another place in the files fails to open."""
    return f"{chunk}:{kind}:{bucket}".encode()


def _private_open(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE), "wb")


def _private_write(path: Path, write) -> None:
    write(path)
    os.chmod(path, PRIVATE_FILE_MODE)


# --- the search (in a process of its own) -------------------------------------------------------------


def find_duplicates(spill: Spill | None, chunks: list[SpilledChunk]) -> Future:
    """Start the duplicate search of one import in the search's process and return its future: the
    import runs it while the store writes, on the other core. The spill (with its key: through the
    pipe, never written) went to the process as the import began (Spill.new) or goes now, and only
    the result comes back: (pairs, scopes, nik) or None, row numbers and counts."""
    search: Future = Future()
    search.stop_file = None if spill is None else Path(spill.folder) / STOP_FILE  # for abandon
    stream = _take_stream(spill)
    if spill is None or not chunks:
        if stream is not None:
            stream.close()  # nothing to search: the process ends
        search.set_result(None)
        return search
    if stream is None:  # the chunks were sealed where they were staged (a Dask worker; a test)
        stream = _Stream(spill, _launch())
    stream.search(chunks, search)
    return search


def abandon(search: Future | None) -> None:
    """Stop the search of an import that failed, at its next bucket, and wait for it: the staging
    folder it reads is removed next."""
    if search is None:
        return
    stop_file = getattr(search, "stop_file", None)
    if stop_file is not None and stop_file.parent.is_dir() and not search.done():
        stop_file.touch()
    futures.wait([search])


# At most this many chunks' identities wait in the import's process for the search's to take them
# (a 100,000-row chunk's are about 20 MB): the reader is slowed only if the sealing falls behind.
STREAM_CHUNKS = 2
_stream: _Stream | None = None
_stream_lock = threading.Lock()


class _Stream:
    """One import's pipe to the search's process (stunting/quality/search_process.py), written by a
    thread of its own: the spill (with its key), each chunk's identities as staged (Arrow IPC, not
    compressed), then the search's request; the answer is read back by another thread."""

    def __init__(self, spill: Spill, process: subprocess.Popen):
        self.folder = spill.folder
        self.process = process
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=STREAM_CHUNKS)
        self._queue.put(("spill", spill))
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def send(self, chunk: int, table: pa.Table) -> None:
        """Hand one chunk's identities to the process (waits while STREAM_CHUNKS are queued)."""
        self._queue.put(("chunk", chunk, table))

    def search(self, chunks: list[SpilledChunk], search: Future) -> None:
        """Ask for the search (the chunks sealed elsewhere, and which were streamed) and hand its
        answer to ``search`` when it comes."""
        sealed = [c for c in chunks if not c.streamed]
        streamed = sorted(c.chunk for c in chunks if c.streamed)
        self._queue.put(("search", sealed, streamed))
        self._queue.put(None)
        threading.Thread(target=self._answer, args=(search,), daemon=True).start()

    def close(self) -> None:
        """End the stream without a search: the process removes what it sealed and ends."""
        self._queue.put(None)

    def _write(self) -> None:
        pipe = self.process.stdin
        while (message := self._queue.get()) is not None:
            if self.error is not None:
                continue  # the process is gone: drain, so that no sender waits forever
            try:
                if message[0] == "chunk":
                    _, chunk, table = message
                    payload = _serialised(table)
                    pickle.dump(("chunk", chunk, payload.size), pipe, protocol=pickle.HIGHEST_PROTOCOL)
                    pipe.write(memoryview(payload))
                else:
                    pickle.dump(message, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.flush()
            except BaseException as error:  # noqa: BLE001 - raised by the search's future
                self.error = error
        with contextlib.suppress(OSError):
            pipe.close()

    def _answer(self, search: Future) -> None:
        try:
            answer = self.process.stdout.read()
            self.process.wait()
            self._writer.join()
            if self.process.returncode != 0 or not answer:
                raise RuntimeError(
                    f"the duplicate search's process ended with code {self.process.returncode}"
                ) from self.error
            status, value = pickle.loads(answer)
        except BaseException as error:  # noqa: BLE001 - the import raises it from record_duplicates
            search.set_exception(error)
            return
        if status == "ok":
            search.set_result(value)
        else:
            search.set_exception(value)


def _open_stream(spill: Spill) -> None:
    """Start the search's process of a new import and hand it the spill; a stream an import left
    open (it failed while reading) is closed first."""
    global _stream
    with _stream_lock:
        stale, _stream = _stream, _Stream(spill, _launch())
    if stale is not None:
        stale.close()


def _stream_of(spill: Spill) -> _Stream | None:
    """The open stream of ``spill`` if this is the process that made it (not a Dask worker)."""
    stream = _stream
    if stream is not None and spill.origin == os.getpid() and stream.folder == spill.folder:
        return stream
    return None


def _take_stream(spill: Spill | None) -> _Stream | None:
    return None if spill is None else _take_stream_of(spill.folder)


def _take_stream_of(folder: str) -> _Stream | None:
    global _stream
    with _stream_lock:
        if _stream is None or _stream.folder != folder:
            return None
        stream, _stream = _stream, None
    return stream


def end_stream(staging: Path) -> None:
    """Close the stream of the import staged in ``staging`` if it never asked for its search (it
    failed while reading): its process removes what it sealed and ends now, instead of waiting idle
    (100-200 MB) until the next import begins. After a search was asked for, nothing to do."""
    stream = _take_stream_of(str(spill_folder(staging)))
    if stream is not None:
        stream.close()


def _launch() -> subprocess.Popen:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))))
    return subprocess.Popen(
        [sys.executable, "-m", "stunting.quality.search_process"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
    )


def serve(pipe) -> tuple | None:
    """The search's process's side of the stream (_Stream): seal each chunk as it comes, then search
    when asked; returns (the search's result,), or None if the stream ended without a request (its
    import failed while reading, or ended without identities): what was sealed is removed then."""
    spill: Spill | None = None
    sealed: dict[int, SpilledChunk] = {}
    gone = False  # the spill folder was removed: its import failed, the rest is not sealed
    while True:
        try:
            message = pickle.load(pipe)
        except EOFError:
            break
        if message[0] == "spill":
            spill = message[1]
        elif message[0] == "chunk":
            _, chunk, size = message
            payload = pipe.read(size)
            if len(payload) != size:
                break  # the import ended mid-chunk
            if gone:
                continue
            try:
                sealed[chunk] = seal_chunk(pa.ipc.open_stream(payload).read_all(), spill, chunk, create=False)
            except FileNotFoundError:
                gone = True
            del payload
        else:
            _, chunks, streamed = message
            if gone or sorted(sealed) != streamed:
                raise RuntimeError(
                    f"the duplicate search's process sealed chunks {sorted(sealed)} of {streamed}"
                    + (" (its spill folder was removed)" if gone else "")
                )
            return (_search(spill, [*chunks, *sealed.values()]),)
    if spill is not None:
        shutil.rmtree(spill.folder, ignore_errors=True)
    return None


def _search(spill: Spill | None, chunks: list[SpilledChunk]):
    """The whole search (in the search's process)."""
    if spill is None or not chunks:
        return None
    stop = Path(spill.folder) / STOP_FILE
    chunks = sorted(chunks, key=lambda c: c.chunk)  # file order, however the chunks finished
    not_first, not_compared = _repeated_rows(spill)
    pairs, nik, scopes = [], [], []
    for kind, blocks in ((VILLAGE, (duplicates.BLOCKS[0],)), (POSYANDU, (duplicates.BLOCKS[1],))):
        for bucket in range(spill.buckets):
            if stop.exists():
                return None
            table = _read_bucket(spill, chunks, kind, bucket)
            if table is None:
                continue
            source = table.column("source_row").to_numpy()
            if kind == VILLAGE:
                nik.append(_nik_counts(_without(table, source, not_first)))
                scope = table.select(["period", "village_code"])
                scopes.append(scope.group_by(["period", "village_code"], use_threads=False).aggregate([]))
            compared = _without(table, source, not_compared).to_pandas()
            pairs.append(duplicates.probable_duplicates(compared, normalised=True, blocks=blocks))
            del table, compared
    found = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(columns=duplicates.PAIR_COLUMNS)
    found = found.drop_duplicates(["source_row", "other_source_row"])
    order = ["period", "source_row", "other_source_row"]  # as duplicates.probable_duplicates sorts
    found = found.sort_values(order, kind="stable").reset_index(drop=True)
    for column in UNITS[:-1] if len(found) else ():  # text, as the whole-file search gives it
        found[column] = found[column].astype(object)
    nik_counts = pa.concat_tables(nik).to_pandas().astype({c: object for c in UNITS})
    nik_counts = nik_counts.sort_values(UNITS, kind="stable").reset_index(drop=True)
    scope = pa.concat_tables(scopes).to_pandas().astype(object).drop_duplicates().reset_index(drop=True)
    return found, scope, nik_counts


def _without(table: pa.Table, source: np.ndarray, rows: np.ndarray) -> pa.Table:
    """``table`` without the rows whose source row is in ``rows`` (sorted, as _repeated_rows gives
    them; usually few of a bucket's rows are in it). Looked up by binary search: np.isin sorted all
    of ``rows`` again for every bucket, 80% of a 20M-row round's search (hundreds of thousands of
    repeated rows, 800 bucket reads)."""
    if not len(rows):
        return table
    at = np.minimum(np.searchsorted(rows, source), len(rows) - 1)
    drop = rows[at] == source
    return table.filter(pa.array(~drop)) if drop.any() else table


def _repeated_rows(spill: Spill) -> tuple[np.ndarray, np.ndarray]:
    """The import's rows that are not their child x period's first row (``not_first``: the NIK
    counts skip them) and those that are not its first comparable row (``not_compared``)."""
    folder = Path(spill.folder)
    files = sorted(str(p) for p in folder.glob("keys-*.parquet"))
    scratch = folder / "keys-duckdb"
    scratch.mkdir(exist_ok=True)
    con = duckdb.connect(
        config={
            "memory_limit": KEYS_MEMORY,
            "threads": 1,
            "temp_directory": str(scratch),
            "preserve_insertion_order": False,
        }  # fmt: skip
    )
    try:
        found = con.execute(queries.load("quality_repeated_rows"), {"files": files}).fetchnumpy()
    finally:
        con.close()
    source = np.asarray(found["source_row"], dtype=np.int64)
    return (  # sorted once here for _without's binary search
        np.sort(source[np.asarray(found["not_first"], dtype=bool)]),
        np.sort(source[np.asarray(found["not_compared"], dtype=bool)]),
    )


def _read_bucket(spill: Spill, chunks: list[SpilledChunk], kind: str, bucket: int) -> pa.Table | None:
    """One bucket's rows of every chunk, opened, in file order."""
    opener = AESGCM(spill.key)
    tables = []
    for spilled in chunks:
        where = spilled.parts.get((kind, bucket))
        if where is None:
            continue
        offset, length = where
        with open(Path(spill.folder) / f"chunk-{spilled.chunk:06d}.bin", "rb") as part:
            part.seek(offset)
            sealed = part.read(length)
        plain = opener.decrypt(
            sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _label(spilled.chunk, kind, bucket)
        )
        tables.append(pa.ipc.open_stream(plain).read_all())
    if not tables:
        return None
    return pa.concat_tables(tables)


def _nik_counts(rows: pa.Table) -> pa.Table:
    """NIK problems of first rows per period x village x puskesmas x posyandu (missing units as "")."""
    units = {c: pc.fill_null(rows.column(c), "") for c in UNITS}
    flags = {c: pc.cast(rows.column(c), pa.int64()) for c in NIK_FLAGS}
    counts = pa.table(units | flags).group_by(UNITS, use_threads=False)
    counts = counts.aggregate([(c, "sum") for c in NIK_FLAGS])
    return pa.table({c: counts.column(c) for c in UNITS} | {c: counts.column(f"{c}_sum") for c in NIK_FLAGS})


def record_duplicates(root, import_id: str, search: Future):
    """Store what ``find_duplicates`` found, once the import's measurements are stored; returns the
    duplicates report's path or None."""
    found = search.result()
    if found is None:
        return None
    pairs, scopes, nik = found
    # Imported here, in the import's process: findings reaches scipy through the store, an import of
    # a second of CPU the search's process (which imports this module) has no use for.
    from stunting.quality import findings

    return findings.record(root, import_id, pairs, scopes, nik)
