"""The template method: what every adapter gets from the base, shown with a tiny adapter."""

import asyncio
from typing import ClassVar

import pytest

from app.clock import FrozenClock
from channels.base import Adapter, Channel, Message, ProviderSettings, SendResult
from channels.errors import AmbiguousError, ChannelError, RetryableError
from channels.status import DeliveryStatus
from tests.channels.conftest import ManualSleep
from tests.conftest import settings

pytestmark = pytest.mark.anyio

SMS = Message(channel=Channel.SMS, to="+8613812345678", reference="rem-1", body="hi")


class Flaky(Exception):
    """What a provider library might raise."""


class ScriptedAdapter(Adapter[str, str]):
    """Raises what it is told to, so the base's handling is visible."""

    name: ClassVar[str] = "scripted"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.SMS})
    rate_per_second: ClassVar[float] = 2.0
    raises: Exception | None = None
    closed = False

    def build(self, message: Message) -> str:
        return message.body

    async def transmit(self, request: str) -> str:
        if self.raises:
            raise self.raises
        return "id-1"

    def parse(self, answer: str, message: Message) -> SendResult:
        return SendResult(status=DeliveryStatus.SENT, provider_message_id=answer)

    def classify(self, error: Exception) -> ChannelError | None:
        return RetryableError("flaky provider") if isinstance(error, Flaky) else None

    async def aclose(self) -> None:
        self.closed = True


def adapter(clock: FrozenClock, sleep: ManualSleep | None = None) -> ScriptedAdapter:
    return ScriptedAdapter(
        settings(), ProviderSettings(), clock=clock, sleep=sleep or asyncio.sleep
    )


async def test_provider_exceptions_are_classified_onto_the_result(clock: FrozenClock) -> None:
    scripted = adapter(clock)
    scripted.raises = Flaky()
    result = await scripted.send(SMS)
    assert (result.status, result.retryable) == (DeliveryStatus.FAILED, True)


async def test_ambiguous_errors_leave_the_status_unknown(clock: FrozenClock) -> None:
    scripted = adapter(clock)
    scripted.raises = AmbiguousError("timed out after sending")
    result = await scripted.send(SMS)
    assert result.status is DeliveryStatus.UNKNOWN


async def test_exceptions_the_adapter_cannot_classify_surface_as_bugs(clock: FrozenClock) -> None:
    scripted = adapter(clock)
    scripted.raises = KeyError("oops")
    with pytest.raises(KeyError):
        await scripted.send(SMS)


async def test_a_message_for_another_channel_is_refused(clock: FrozenClock) -> None:
    email = Message(channel=Channel.EMAIL, to="a@example.cn", reference="r", body="hi")
    with pytest.raises(ValueError, match="scripted does not serve email"):
        await adapter(clock).send(email)


async def test_sends_are_paced_at_the_adapters_declared_rate(
    clock: FrozenClock, sleep: ManualSleep
) -> None:
    scripted = adapter(clock, sleep)
    for _ in range(4):
        await scripted.send(SMS)
    assert sleep.waits == pytest.approx([0.5, 0.5])


async def test_a_rate_limit_setting_overrides_the_adapters_default(
    clock: FrozenClock, sleep: ManualSleep
) -> None:
    faster = ScriptedAdapter(
        settings(channel_rate_limits={"scripted": 4.0}),
        ProviderSettings(),
        clock=clock,
        sleep=sleep,
    )
    for _ in range(6):
        await faster.send(SMS)
    assert sleep.waits == pytest.approx([0.25, 0.25])


async def test_leaving_the_context_releases_the_adapters_connections(clock: FrozenClock) -> None:
    async with adapter(clock) as scripted:
        assert not scripted.closed
    assert scripted.closed
