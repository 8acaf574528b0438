"""A big CSV export is staged by this process and a helper process side by side
(stunting.cluster.TwoProcessRunner), each reading its own byte range of the file
(eppgbm.csv_spans / read_span). What each range reads must be what the chunked reader reads through
the whole file, and the store written must be the one a single process writes."""

from __future__ import annotations

import atexit
import functools
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO_ROOT
from scale_data import assert_same_import, edited, read_findings, stores_with_one_secret

from stunting import cluster, eppgbm, ingest
from stunting.demo import write_exports
from stunting.errors import UserError
from stunting.quality import findings

HEADER = "NIK;Nama;JK;Tgl Lahir;Desa/Kel;Kec;Kab/Kota;Tanggal Pengukuran;Berat;Tinggi"


def _row(i: int) -> str:
    place = "Sebulu Ilir;Sebulu;Kutai Kartanegara"
    return f"64020{i:011d};Anak {i};L;01/02/2023;{place};03/04/2024;{9 + i % 5},2;80"


def _layout(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> eppgbm.Layout:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return eppgbm.open_layout(path)


def _same_chunks(layout: eppgbm.Layout, chunk_rows: int) -> list[eppgbm.Span]:
    """The spans' frames equal the chunked reader's, chunk by chunk (index, source_row, text)."""
    spans = eppgbm.csv_spans(layout, chunk_rows)
    assert spans is not None
    whole = list(eppgbm._raw_chunks(layout, chunk_rows))
    parts = [eppgbm.read_span(layout, span) for span in spans]
    assert len(parts) == len(whole)
    for part, chunk in zip(parts, whole, strict=True):
        pd.testing.assert_frame_equal(part, chunk)
    return spans


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_spans_read_what_the_chunked_reader_reads(tmp_path: Path, newline: str) -> None:
    rows = [_row(i) for i in range(23)]
    rows[5] = "6402000000000005;Pendek;P"  # a short row opens chunk 2 (rows 6-10)
    rows[10] = ""  # a blank line opens chunk 3
    rows[15] = _row(15) + ";lebih;dari;header"  # a long row opens chunk 4
    text = "Laporan e-PPGBM\n\n" + HEADER + "\n" + "\n".join(rows)  # title lines; no final newline
    layout = _layout(tmp_path / "export.csv", text, newline=newline)
    assert layout.header_line == 3
    spans = _same_chunks(layout, 5)
    assert [s.first_row for s in spans] == [1, 6, 11, 16, 21]


def test_a_file_whose_first_row_is_short_fails_alike_in_every_span(tmp_path: Path) -> None:
    # The parser takes its columns from the first data row; read alone, a later span would know
    # columns that reading through the whole file does not, and be read where the whole file is not.
    rows = ["6402000000000001;Pendek;P;01/02/2023"] + [_row(i) for i in range(1, 12)]
    layout = _layout(tmp_path / "short.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(UserError) as whole:
        list(eppgbm._raw_chunks(layout, 4))
    for span in eppgbm.csv_spans(layout, 4):
        with pytest.raises(UserError) as part:
            eppgbm.read_span(layout, span)
        assert str(part.value) == str(whole.value)


def test_spans_of_a_windows_1252_file_and_a_file_of_whole_chunks(tmp_path: Path) -> None:
    rows = [_row(i).replace("Anak", "Anak Ñoño") for i in range(12)]
    layout = _layout(tmp_path / "cp1252.csv", HEADER + "\n" + "\n".join(rows) + "\n", encoding="cp1252")
    assert layout.encoding == "cp1252"
    spans = _same_chunks(layout, 4)
    assert len(spans) == 3  # the last line's break ends the file: no empty fourth span


def test_no_spans_where_a_line_break_may_not_end_a_row(tmp_path: Path) -> None:
    rows = [_row(i) for i in range(6)]
    quoted = rows[:3] + ['6402000000000009;"Anak; dengan koma";L;01/02/2023;Sebulu Ilir'] + rows[3:]
    assert eppgbm.csv_spans(_layout(tmp_path / "q.csv", HEADER + "\n" + "\n".join(quoted) + "\n"), 2) is None
    bare = _layout(tmp_path / "cr.csv", HEADER + "\n" + "\n".join(rows) + "\n", newline="\r")
    assert len(list(eppgbm._raw_chunks(bare, 2))) == 3  # old Mac line ends: rows end at \r
    assert eppgbm.csv_spans(bare, 2) is None
    assert eppgbm.csv_spans(_layout(tmp_path / "head.csv", HEADER + "\n"), 2) == []


def _staged_where(item: int, *, index: int, fail_on: int | None = None) -> tuple[int, int, int]:
    if item == fail_on:
        raise UserError(f"chunk {index} cannot be read")
    time.sleep(0.05)  # a chunk takes time: the other process claims the next meanwhile
    return item, index, os.getpid()


def _started(runner: cluster.TwoProcessRunner) -> cluster.TwoProcessRunner:
    """The runner once its helper is up, with this module imported (it starts in seconds, longer
    beside a test run)."""
    assert runner._pool.submit(_pid).result(timeout=120) != os.getpid()
    return runner


def _pid() -> int:
    return os.getpid()


def test_both_processes_stage_chunks_and_each_chunk_once() -> None:
    runner = _started(cluster.TwoProcessRunner().start())
    results = list(runner.map_chunks(_staged_where, range(40, 60)))
    assert sorted((item, index) for item, index, _ in results) == [(40 + i, i) for i in range(20)]
    pids = {pid for *_, pid in results}
    assert os.getpid() in pids and len(pids) == 2
    assert runner.staged_by_helper == sum(pid != os.getpid() for *_, pid in results) > 0
    assert runner._pool is None  # stopped once the chunks are staged, before the merge


def test_a_chunk_that_fails_in_either_process_fails_the_import() -> None:
    for fail_on in (40, 43):  # the first chunk, claimed here; a later one, likely the helper's
        runner = _started(cluster.TwoProcessRunner().start())
        with pytest.raises(UserError, match="cannot be read"):
            list(runner.map_chunks(_staged_where, range(40, 46), fail_on=fail_on))
        assert runner._pool is None


def _misdated(export: Path, every: int = 97) -> Path:
    """Every ``every``-th row's birth date made impossible: rows to reject in every chunk."""
    header, *rows = export.read_text(encoding="utf-8").splitlines(keepends=True)
    born = header.split(";").index("Tgl Lahir")
    for number in range(every - 1, len(rows), every):
        cells = rows[number].split(";")
        cells[born] = "31/02/2023"
        rows[number] = ";".join(cells)
    export.write_text(header + "".join(rows), encoding="utf-8")
    return export


def _in_the_helper() -> bool:
    return multiprocessing.parent_process() is not None  # never the test's own process


def _dies() -> None:
    if _in_the_helper():
        os._exit(3)


def _dies_in_the_helper(item: int, *, index: int) -> tuple[int, int, int]:
    if _in_the_helper():
        os._exit(3)  # killed, as by the kernel short of memory
    return _staged_where(item, index=index)


SLOW_EXIT_S = 20


def _exits_slowly(item: int, *, index: int) -> tuple[int, int, int]:
    if _in_the_helper():  # as a national file's caches take a while to free; once per helper
        atexit.unregister(time.sleep)
        atexit.register(time.sleep, SLOW_EXIT_S)
    return _staged_where(item, index=index)


def test_the_merge_does_not_wait_for_the_helper_to_exit() -> None:
    runner = _started(cluster.TwoProcessRunner().start())
    helpers = list(runner._pool._processes.values())
    started = time.monotonic()
    results = list(runner.map_chunks(_exits_slowly, range(40, 60)))
    assert time.monotonic() - started < SLOW_EXIT_S / 2  # the chunks take about 0.5 s
    assert sorted(item for item, *_ in results) == list(range(40, 60))
    assert len({pid for *_, pid in results}) == 2
    assert helpers[0].is_alive()  # still exiting, beside what the import does next
    helpers[0].join(timeout=SLOW_EXIT_S * 3)
    assert helpers[0].exitcode == 0


def test_a_helper_that_cannot_start_leaves_every_chunk_to_this_process(caplog) -> None:
    # e.g. a script that runs its work when imported, which a spawned process cannot import again
    runner = cluster.TwoProcessRunner().start(warm=_dies)
    results = list(runner.map_chunks(_staged_where, range(40, 50)))
    assert sorted(item for item, *_ in results) == list(range(40, 50))
    assert {pid for *_, pid in results} == {os.getpid()}
    assert "did not start" in caplog.text


def test_a_helper_killed_with_chunks_taken_fails_the_import_with_what_to_do() -> None:
    runner = _started(cluster.TwoProcessRunner().start())
    with pytest.raises(UserError, match="STUNTING_IMPORT_PROCESSES=1"):
        list(runner.map_chunks(_dies_in_the_helper, range(40, 60)))
    assert runner._pool is None


def test_a_helper_never_handed_a_chunk_is_stopped_at_once_and_silently(tmp_path: Path) -> None:
    # A big file refused before its chunks (not an export, already imported): the command exits
    # at once. A helper still starting then found the shared counters gone, and its traceback
    # came under the command's one-sentence error.
    runner = cluster.TwoProcessRunner().start(warm=functools.partial(time.sleep, 600))
    helpers = list(runner._pool._processes.values())
    runner.close()
    assert helpers and not any(helper.is_alive() for helper in helpers)
    script = "from stunting import cluster; cluster.TwoProcessRunner().start(warm=int).close()"
    for _ in range(3):  # stopped while it starts, however far it got (unpickling the counters)
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT)
        assert (run.returncode, run.stderr) == (0, "")


def test_two_processes_write_the_store_one_process_writes(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    exports = write_exports(tmp_path / "exports", seed=5, scale=0.02, years=(2024, 2025)).files
    corrected = _misdated(edited(exports[0], tmp_path / "corrected-2024.csv", drop_every=5, reweigh_every=3))
    single, two = tmp_path / "single", tmp_path / "two"
    stores_with_one_secret(single, two)
    helped = 0
    for files in (exports, [corrected]):  # two years at once, then a replace of one year
        alone = ingest.ingest_files(files, single, chunk_rows=200)
        together = []
        for path in files:
            runner = _started(cluster.TwoProcessRunner().start(warm=ingest._matcher))
            together += ingest.ingest_files([path], two, chunk_rows=200, runner=runner)
            helped += runner.staged_by_helper
        assert_same_import(alone, together, single, two)
    assert len(read_findings(two, findings.DUPLICATES_FILE, findings.DUPLICATE_SCHEMA)) > 0
    assert helped > 0  # the helper staged some of the chunks
    assert together[0].rows_replaced > 0
    reports = [sorted((root / "reports").glob("*-rejects.csv")) for root in (single, two)]
    assert reports[0]  # the misdated rows of the replace
    for a, b in zip(*reports, strict=True):  # the same rows rejected, in file order, for the same reasons
        assert a.read_text() == b.read_text()


def test_a_small_file_is_read_by_this_process_alone(monkeypatch) -> None:
    assert cluster.for_file(cluster.HELPER_MIN_BYTES - 1) is cluster.LOCAL
    monkeypatch.setattr("stunting.config.IMPORT_PROCESSES", 1)
    assert cluster.for_file(cluster.HELPER_MIN_BYTES * 4) is cluster.LOCAL


def test_a_big_file_gets_the_helper_only_where_memory_allows(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)  # two cores
    monkeypatch.setattr(cluster, "_available_memory", lambda: cluster.HELPER_MIN_AVAILABLE - 1)
    assert cluster.for_file(cluster.HELPER_MIN_BYTES * 4) is cluster.LOCAL
    monkeypatch.setattr(cluster, "_available_memory", lambda: cluster.HELPER_MIN_AVAILABLE)
    runner = cluster.for_file(cluster.HELPER_MIN_BYTES * 4)
    try:
        assert isinstance(runner, cluster.TwoProcessRunner)
    finally:
        runner.close()
