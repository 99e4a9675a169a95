"""Peak resident memory of this process and all its children (dbt runs as a subprocess),
sampled on a thread: the figure a machine's sizing needs, not Python's own allocations."""

from __future__ import annotations

import threading
from types import TracebackType

import psutil

# Walking the process tree costs a scan of /proc: four looks a second keep it off the night's
# profile; a job's peak (dbt's models, a reader's batch) lasts longer than that.
INTERVAL_SECONDS = 0.25


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # a child that ended between listing and reading
            continue
    return total


class PeakRss:
    """`with PeakRss() as peak: ...` then `peak.bytes`."""

    def __init__(self) -> None:
        self.bytes = 0
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.bytes = max(self.bytes, tree_rss(self._process))
            self._stop.wait(INTERVAL_SECONDS)

    def __enter__(self) -> PeakRss:
        self.bytes = tree_rss(self._process)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.bytes = max(self.bytes, tree_rss(self._process))
