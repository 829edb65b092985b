"""Channel tests run on asyncio through anyio's pytest plugin, with time moved by hand."""

from collections.abc import Iterator
from datetime import timedelta
from typing import TypeVar

import pytest

from app.clock import FrozenClock
from app.config import Settings
from tests.conftest import START
from tests.fakes.twilio_server import FakeTwilio, fake_twilio
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver

TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "fake-twilio-token"
WEBHOOK_SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


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


def settings(**overrides: object) -> Settings:
    """Test settings with no provider configured unless a test configures one."""
    values = {"env": "test"} | overrides
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[FakeTwilio]:
    with fake_twilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        yield fake


FakeT = TypeVar("FakeT", FakeTwilio, WebhookReceiver)


def fresh(fake: FakeT) -> Iterator[FakeT]:
    """A shared fake with no history and no scripted answers; hung requests end after."""
    fake.reset()
    yield fake
    fake.script.released.set()


@pytest.fixture
def twilio(twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    yield from fresh(twilio_server)


def twilio_settings(twilio: FakeTwilio, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "twilio_account_sid": TWILIO_SID,
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_from_number": "+15005550006",
        "twilio_api_base": twilio.url,
        "public_url": "https://nudge.example",
        "channel_read_timeout_seconds": 0.5,
    }
    return settings(**values | overrides)


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[WebhookReceiver]:
    with webhook_receiver(WEBHOOK_SECRET.encode()) as receiver:
        yield receiver


@pytest.fixture
def receiver(receiver_server: WebhookReceiver) -> Iterator[WebhookReceiver]:
    yield from fresh(receiver_server)
