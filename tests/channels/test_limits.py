"""Rate limit, concurrency cap and circuit breaker, with time moved by hand."""

import asyncio
from datetime import timedelta

import pytest

from app.clock import FrozenClock
from channels.limits import BreakerState, CircuitBreaker, Limits, RateLimiter
from tests.channels.conftest import ManualSleep

pytestmark = pytest.mark.anyio


async def test_rate_limiter_lets_a_burst_through_then_spaces_sends_at_the_rate(
    clock: FrozenClock, sleep: ManualSleep
) -> None:
    limiter = RateLimiter(5, clock=clock, sleep=sleep)
    for _ in range(7):
        await limiter.acquire()
    assert sleep.waits == pytest.approx([0.2, 0.2])


async def test_rate_limiter_refills_while_idle(clock: FrozenClock, sleep: ManualSleep) -> None:
    limiter = RateLimiter(2, clock=clock, sleep=sleep)
    for _ in range(2):
        await limiter.acquire()
    clock.advance(timedelta(seconds=1))
    for _ in range(2):
        await limiter.acquire()
    assert sleep.waits == []


async def test_slow_rate_waits_a_whole_interval_between_sends(
    clock: FrozenClock, sleep: ManualSleep
) -> None:
    limiter = RateLimiter(0.5, clock=clock, sleep=sleep)
    await limiter.acquire()
    await limiter.acquire()
    assert sleep.waits == pytest.approx([2.0])


async def test_concurrency_limit_caps_sends_in_flight(
    clock: FrozenClock, sleep: ManualSleep
) -> None:
    limits = Limits(rate_per_second=1000, max_concurrency=2, clock=clock, sleep=sleep)
    release = asyncio.Event()
    in_flight: list[int] = []
    peak = 0

    async def send() -> None:
        nonlocal peak
        async with limits.slot():
            in_flight.append(1)
            peak = max(peak, len(in_flight))
            await release.wait()
            in_flight.pop()

    tasks = [asyncio.create_task(send()) for _ in range(5)]
    for _ in range(10):  # let every task run up to where it blocks
        await asyncio.sleep(0)
    assert len(in_flight) == 2
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2


def test_breaker_opens_after_consecutive_failures_and_closes_after_a_good_trial(
    clock: FrozenClock,
) -> None:
    breaker = CircuitBreaker(3, 30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == 30
    clock.advance(timedelta(seconds=29))
    assert breaker.retry_after() == 1
    clock.advance(timedelta(seconds=1))
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.retry_after() is None
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


def test_breaker_reopens_when_the_half_open_trial_fails(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(timedelta(seconds=10))
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == 10


def test_a_success_resets_the_consecutive_failure_count(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
