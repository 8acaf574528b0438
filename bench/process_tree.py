"""Peak memory and CPU of a bench's child processes (the import's duplicate search and helper)."""

from __future__ import annotations

import resource
import threading

import psutil


class ProcessTree:
    """The CPU seconds of this process's children (the duplicate search's process: getrusage's
    RUSAGE_CHILDREN, exact for children that ended and were waited for, as the search's is before
    the import returns) and the peak memory of this process and its children together, sampled
    every ``interval`` seconds: this process's RSS plus the children's PSS (/proc/PID/smaps_rollup:
    a page shared by N processes counts 1/N). Sampling is cheap but not free (about 2 ms a sample,
    mostly listing the children), so not more often; a peak shorter than the interval may be
    missed. ``cpu_of(text)``: the CPU seconds of the children whose command line holds ``text``, as
    last sampled (up to one interval short of their end): getrusage sums every child, and a big
    CSV's import has two (the duplicate search's and the helper reading half the chunks)."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.peak_total_mb, self.peak_children_mb = interval, 0.0, 0.0
        self._done = threading.Event()
        self._me = psutil.Process()
        self._child_cpu: dict[int, tuple[str, float]] = {}  # pid -> (command line, CPU seconds)

    def _sample(self) -> None:
        total = self._me.memory_info().rss
        children = 0
        for process in self._me.children(recursive=True):
            try:
                children += process.memory_full_info().pss
                times = process.cpu_times()
                known = self._child_cpu.get(process.pid)
                command = known[0] if known else " ".join(process.cmdline())  # read once per child
            except psutil.Error:
                continue
            self._child_cpu[process.pid] = (command, times.user + times.system)
        self.peak_total_mb = max(self.peak_total_mb, (total + children) / 2**20)
        self.peak_children_mb = max(self.peak_children_mb, children / 2**20)

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self._sample()

    @staticmethod
    def _children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def __enter__(self) -> ProcessTree:
        self._cpu_started = self._children_cpu()
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self._sample()
        self.children_cpu = self._children_cpu() - self._cpu_started

    def cpu_of(self, text: str) -> float:
        return sum(cpu for command, cpu in self._child_cpu.values() if text in command)
