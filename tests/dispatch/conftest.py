"""A dispatcher on the test database, sending through the real twilio library to a fake."""

import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.clock import FrozenClock
from app.db import create_session_factory
from app.dispatch.worker import Dispatcher
from channels.registry import Registry
from tests.channels.conftest import twilio_settings
from tests.fakes.twilio_server import FakeTwilio

DispatcherFactory = Callable[..., Dispatcher]


@pytest.fixture
async def make_dispatcher(
    engine: Engine, database_url: str, clock: FrozenClock, twilio: FakeTwilio
) -> AsyncIterator[DispatcherFactory]:
    """Builds dispatchers whose settings a test may vary; closes their provider clients."""
    registries: list[Registry] = []

    def make(**overrides: Any) -> Dispatcher:
        values = {"database_url": database_url, "dispatch_backoff_seconds": 30.0} | overrides
        settings = twilio_settings(twilio, **values)
        registry = Registry.from_settings(settings, clock=clock)
        registries.append(registry)
        return Dispatcher(
            sessions=create_session_factory(engine),
            settings=settings,
            clock=clock,
            registry=registry,
            rng=random.Random(0),
            name="test",
        )

    yield make
    for registry in registries:
        await registry.aclose()
