"""When to try a retryable failure again: exponential backoff with jitter, within limits."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.models.reasons import DispatchReason


@dataclass(frozen=True)
class RetryStrategy:
    max_attempts: int
    base: timedelta
    cap: timedelta

    def next_attempt(
        self,
        *,
        attempts: int,
        now: datetime,
        retry_after: float | None,
        expires_at: datetime | None,
        rng: random.Random,
    ) -> datetime | DispatchReason:
        """The moment for attempt `attempts + 1`, or why there is none.

        "Equal jitter": half the backoff is fixed, half random, so retries spread out but never
        come sooner than half the backoff. A provider's Retry-After is a floor.
        """
        if attempts >= self.max_attempts:
            return DispatchReason.MAX_ATTEMPTS
        backoff = min(self.cap, self.base * 2 ** (attempts - 1))
        delay = backoff / 2 + backoff / 2 * rng.random()
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        at: datetime = now + delay
        if expires_at is not None and at >= expires_at:
            return DispatchReason.EXPIRED
        return at
