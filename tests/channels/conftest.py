"""Channel tests run on asyncio through anyio's pytest plugin, with time moved by hand."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.clock import FrozenClock
from tests.conftest import START, fresh
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver

WEBHOOK_SECRET = "l7Bd4dXFpsSmLnNJE8xC5f07yKnFwv6RBmZwJFf-evM"  # random: production judges it


class ManualSleep:
    """Stands in for asyncio.sleep: records each wait and moves the clock instead of waiting."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def clock() -> FrozenClock:
    """A fresh clock per test (the session one is shared by the database tests)."""
    return FrozenClock(START)


@pytest.fixture
def sleep(clock: FrozenClock) -> ManualSleep:
    return ManualSleep(clock)


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[WebhookReceiver]:
    with webhook_receiver(WEBHOOK_SECRET.encode()) as receiver:
        yield receiver


@pytest.fixture
def receiver(receiver_server: WebhookReceiver) -> Iterator[WebhookReceiver]:
    yield from fresh(receiver_server)
