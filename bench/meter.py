"""Memory and CPU of the processes under test, read from /proc while the benchmark runs.

One sampler thread reads every watched process a few times a second; the figures (peak RSS,
mean RSS over a span, CPU share over a span) are derived from those samples afterwards, so a
part only says which span it means.
"""

import os
import threading
import time
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Sample:
    at: float
    """time.time(), the clock the stand-in stamps its sends with."""
    name: str
    rss_mb: float
    cpu_s: float
    """User plus system CPU seconds since the process started."""


def read(pid: int) -> tuple[float, float] | None:
    """(RSS in MB, CPU seconds) of a live process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as statm:
            resident = int(statm.read().split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    # Fields after the command name start at field 3 (state): utime is 14, stime 15.
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    return resident * PAGE_KB / 1024, cpu


@dataclass
class Meter:
    interval: float = 0.2
    samples: list[Sample] = field(default_factory=list)
    _watched: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def watch(self, name: str, pid: int) -> None:
        """Samples `pid` under `name` from now until it exits; names are unique per run, and
        watching a name again changes nothing."""
        with self._lock:
            if name in self._watched:
                return
            self._watched[name] = pid
        self._sample_one(name, pid)

    def __enter__(self) -> "Meter":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                watched = list(self._watched.items())
            for name, pid in watched:
                self._sample_one(name, pid)

    def _sample_one(self, name: str, pid: int) -> None:
        now, figures = time.time(), read(pid)
        if figures is None:
            with self._lock:
                self._watched.pop(name, None)
            return
        with self._lock:
            self.samples.append(Sample(now, name, *figures))

    def _of(self, name: str, start: float = 0.0, end: float = float("inf")) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if s.name == name and start <= s.at <= end]

    def peak_rss_mb(self, prefix: str) -> float:
        """The largest RSS any process whose name starts with `prefix` reached."""
        with self._lock:
            return max((s.rss_mb for s in self.samples if s.name.startswith(prefix)), default=0)

    def mean_rss_mb(self, name: str, start: float, end: float) -> float:
        """The mean over the span; a span shorter than the sampling interval takes the sample
        nearest to it."""
        span = self._of(name, start, end)
        if not span:
            every = self._of(name)
            span = [min(every, key=lambda s: abs(s.at - start))] if every else []
        return sum(s.rss_mb for s in span) / len(span) if span else 0.0

    def cpu_share(self, prefix: str, start: float, end: float) -> float:
        """CPU seconds per wall second over [start, end] of the processes whose names start
        with `prefix`, added up: 1.0 is one whole core."""
        with self._lock:
            names = {s.name for s in self.samples if s.name.startswith(prefix)}
        total = 0.0
        for name in names:
            span = self._of(name, start, end)
            if len(span) >= 2 and span[-1].at > span[0].at:
                total += (span[-1].cpu_s - span[0].cpu_s) / (span[-1].at - span[0].at)
        return total
