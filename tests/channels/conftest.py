"""Channel tests run on asyncio through anyio's pytest plugin, with time moved by hand."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.clock import FrozenClock
from app.config import Settings
from tests.conftest import START, TWILIO_SID, TWILIO_TOKEN, fresh
from tests.fakes.twilio_server import FakeTwilio
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver

WEBHOOK_SECRET = "whsec-0123456789abcdef"


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
    values = {"env": "test", "secret_key": "channel-tests-session-key-0123456789"} | overrides
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


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
