"""Per-process limits on how fast a caller may go: a token bucket per API key, and a throttle
on failed dashboard sign-ins per client address and per key prefix.

Both keep their state in this process's memory, so with N replicas the effective limit is N
times the setting (docs/architecture.md, "Rate limits"). Both take time from the injected clock,
so tests move it instead of sleeping, and both keep a bounded map: a client that rotates keys or
addresses cannot grow them without end.
"""

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

MAX_TRACKED = 10_000
"""Buckets (or throttled subjects) kept at once; beyond it the least recently used go first."""

K = TypeVar("K")


@dataclass
class _Bucket:
    tokens: float
    updated: float


def _bounded_put(entries: "OrderedDict[Any, Any]", key: object, limit: int) -> None:
    entries.move_to_end(key)
    while len(entries) > limit:
        entries.popitem(last=False)


class TokenBuckets(Generic[K]):
    """`burst` requests at once, then `per_second` on average, for each key on its own.

    A bucket starts full. A bucket left idle refills, so evicting the least recently used one
    when the map is full costs a key at most a fresh (full) bucket: the bound trades a little
    leniency for memory, never a wrong refusal.
    """

    def __init__(self, *, per_second: float, burst: int, max_keys: int = MAX_TRACKED) -> None:
        self.per_second = per_second
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[K, _Bucket] = OrderedDict()
        self._lock = threading.Lock()  # sync dependencies run on the thread pool

    def take(self, key: K, now: datetime) -> int | None:
        """Spends one token: None when the request may go on, else the whole seconds (at least
        1) until a token is there again."""
        moment = now.timestamp()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=moment)
            # A clock that goes back (a test resetting it) refills nothing and punishes nothing.
            elapsed = max(0.0, moment - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
            bucket.updated = moment
            _bounded_put(self._buckets, key, self.max_keys)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return max(1, math.ceil((1 - bucket.tokens) / self.per_second))


@dataclass
class _Window:
    started: float
    failures: int


class FailureThrottle:
    """`max_failures` failures within `window_seconds` of the first put a subject (an address,
    a key prefix) in a penalty until that window ends; then it starts afresh."""

    def __init__(
        self, *, max_failures: int, window_seconds: int, max_subjects: int = MAX_TRACKED
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.max_subjects = max_subjects
        self._windows: OrderedDict[str, _Window] = OrderedDict()
        self._lock = threading.Lock()

    def _current(self, subject: str, moment: float) -> _Window | None:
        window = self._windows.get(subject)
        if window is not None and not (
            window.started <= moment < window.started + self.window_seconds
        ):
            del self._windows[subject]  # the window passed (or the clock went back)
            return None
        return window

    def penalty(self, subject: str, now: datetime) -> int | None:
        """Whole seconds (at least 1) until `subject` may try again, or None if it may now."""
        moment = now.timestamp()
        with self._lock:
            window = self._current(subject, moment)
            if window is None or window.failures < self.max_failures:
                return None
            return max(1, math.ceil(window.started + self.window_seconds - moment))

    def fail(self, subject: str, now: datetime) -> None:
        moment = now.timestamp()
        with self._lock:
            window = self._current(subject, moment)
            if window is None:
                window = self._windows[subject] = _Window(started=moment, failures=0)
            window.failures += 1
            _bounded_put(self._windows, subject, self.max_subjects)
