"""Per-adapter protection for providers: a rate limit, a concurrency cap and a circuit breaker.

Time comes from the injected clock and waiting from an injected `sleep`, so tests move time by
hand instead of sleeping.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import StrEnum

from app.clock import Clock

Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """A token bucket: bursts up to one second's worth, then `rate_per_second` on average."""

    def __init__(self, rate_per_second: float, *, clock: Clock, sleep: Sleep) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self._rate = rate_per_second
        self._capacity = max(1.0, rate_per_second)
        self._tokens = self._capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock.now()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # waiters queue up in order instead of all waking at once
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self._rate)
                self._refill()
            self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = (now - self._updated).total_seconds()
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._updated = now


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Stops calling a provider that keeps failing, then lets one trial through after a pause.

    Closed: every call goes through; `failure_threshold` consecutive failures open it. Open:
    calls are refused for `open_seconds`. Half-open: calls go through again; a success closes
    it, a failure opens it for another `open_seconds`.
    """

    def __init__(self, failure_threshold: int, open_seconds: float, *, clock: Clock) -> None:
        self._threshold = failure_threshold
        self._open_seconds = open_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        return BreakerState.OPEN if self.retry_after() else BreakerState.HALF_OPEN

    def retry_after(self) -> float | None:
        """Seconds until the next call may go through; None when it may go now."""
        if self._opened_at is None:
            return None
        remaining = self._opened_at + self._open_seconds - self._seconds()
        return remaining if remaining > 0 else None

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self.state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._seconds()

    def _seconds(self) -> float:
        return self._clock.now().timestamp()


class Limits:
    """What an adapter's sends pass through: at most `max_concurrency` at once, at the rate."""

    def __init__(
        self, *, rate_per_second: float, max_concurrency: int, clock: Clock, sleep: Sleep
    ) -> None:
        self._rate = RateLimiter(rate_per_second, clock=clock, sleep=sleep)
        self._slots = asyncio.Semaphore(max_concurrency)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            await self._rate.acquire()
            yield
