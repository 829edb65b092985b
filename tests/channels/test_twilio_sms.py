"""SMS through the real `twilio` library against a fake Twilio REST server on loopback."""

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from app.clock import FrozenClock
from bench.scratch import free_port
from channels.base import Channel, Cost, Message
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.limits import BreakerState
from channels.outbound import OutboundGuard, TargetRefused
from channels.status import DeliveryStatus
from channels.twilio.client import TwilioTransport
from channels.twilio.sms import TwilioSmsAdapter
from tests.conftest import TWILIO_SID, TWILIO_TOKEN, twilio_config
from tests.fakes.listener import counting_listener
from tests.fakes.resolver import StaticResolver
from tests.fakes.twilio_server import FakeTwilio, Reply

pytestmark = pytest.mark.anyio

MESSAGE = Message(
    channel=Channel.SMS,
    to="+8613812345678",
    reference="rem-0001",
    body="您好，您的还款 1,234.50 元将于 12 月 1 日到期。",
)


@pytest.fixture
async def sms(twilio: FakeTwilio, clock: FrozenClock) -> AsyncIterator[TwilioSmsAdapter]:
    async with TwilioSmsAdapter(*twilio_config(twilio), clock=clock) as adapter:
        yield adapter


async def test_sms_is_posted_as_a_twilio_form_with_basic_auth_and_a_status_callback(
    sms: TwilioSmsAdapter, twilio: FakeTwilio
) -> None:
    await sms.send(MESSAGE)
    [request] = twilio.received
    assert (request.resource, request.account_sid, request.authorized) == (
        "Messages",
        TWILIO_SID,
        True,
    )
    assert request.form == {
        "To": "+8613812345678",
        "From": "+15005550006",
        "Body": MESSAGE.body,
        "StatusCallback": "https://nudge.example/v1/webhooks/twilio/status?reference=rem-0001",
    }


async def test_created_message_is_queued_with_its_sid(sms: TwilioSmsAdapter) -> None:
    result = await sms.send(MESSAGE)
    assert result.status is DeliveryStatus.QUEUED
    assert result.provider_status == "queued"
    assert result.provider_message_id is not None
    assert result.provider_message_id.startswith("SM")
    assert (result.error, result.cost) == (None, None)


async def test_price_twilio_reports_becomes_the_cost(
    sms: TwilioSmsAdapter, twilio: FakeTwilio
) -> None:
    twilio.answer(Reply(price="-0.04380"))
    result = await sms.send(MESSAGE)
    assert result.cost == Cost(Decimal("0.04380"), "USD")


async def test_messaging_service_sends_instead_of_the_from_number(
    twilio: FakeTwilio, clock: FrozenClock
) -> None:
    settings = twilio_config(twilio, twilio_messaging_service_sid="MG0123", twilio_from_number="")
    async with TwilioSmsAdapter(*settings, clock=clock) as adapter:
        await adapter.send(MESSAGE)
    [request] = twilio.received
    assert request.form["MessagingServiceSid"] == "MG0123"
    assert "From" not in request.form


@pytest.mark.parametrize(
    ("code", "expected", "opt_out"),
    [
        (21211, PermanentError, False),  # invalid 'To' number
        (21614, PermanentError, False),  # not a mobile number
        (30006, PermanentError, False),  # landline or unreachable carrier
        (21610, PermanentError, True),  # recipient replied STOP
        (21408, PermanentError, False),  # region not enabled: fail with Twilio's words
        (20003, ConfigError, False),  # authentication
        (21606, ConfigError, False),  # from number not usable
        (20429, RetryableError, False),  # too many requests, as a 400 body
    ],
)
async def test_twilio_error_codes_are_classified_with_twilios_message(
    sms: TwilioSmsAdapter,
    twilio: FakeTwilio,
    code: int,
    expected: type[ChannelError],
    opt_out: bool,
) -> None:
    twilio.answer(Reply(status=400, code=code, message=f"Twilio says {code}"))
    result = await sms.send(MESSAGE)
    assert type(result.error) is expected
    assert f"Twilio says {code}" in str(result.error)
    assert getattr(result.error, "code", str(code)) == str(code)
    assert result.status is DeliveryStatus.FAILED
    assert result.opt_out is opt_out
    assert result.retryable is (expected is RetryableError)


async def test_twilio_21610_is_permanent_and_marks_opt_out(
    sms: TwilioSmsAdapter, twilio: FakeTwilio
) -> None:
    twilio.answer(
        Reply(status=400, code=21610, message="Attempt to send to unsubscribed recipient")
    )
    result = await sms.send(MESSAGE)
    assert isinstance(result.error, PermanentError)
    assert (result.error.code, result.error.opt_out) == ("21610", True)
    assert "unsubscribed recipient" in result.error.message


@pytest.mark.parametrize(
    ("header", "seconds"), [("7", 7.0), ("Fri, 27 Nov 2026 09:30:12 GMT", 12.0), (None, None)]
)
async def test_429_is_retryable_and_honours_retry_after(
    sms: TwilioSmsAdapter, twilio: FakeTwilio, header: str | None, seconds: float | None
) -> None:
    twilio.answer(Reply(status=429, retry_after=header))
    result = await sms.send(MESSAGE)
    assert isinstance(result.error, RetryableError)
    assert result.error.retry_after == seconds


async def test_5xx_is_retryable(sms: TwilioSmsAdapter, twilio: FakeTwilio) -> None:
    twilio.answer(Reply(status=500, code=20500, message="Internal Server Error"))
    result = await sms.send(MESSAGE)
    assert result.retryable
    assert result.status is DeliveryStatus.FAILED


async def test_connection_refused_before_sending_is_retryable(
    clock: FrozenClock, twilio: FakeTwilio
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with TwilioSmsAdapter(
        *twilio_config(twilio, twilio_api_base=closed), clock=clock
    ) as adapter:
        result = await adapter.send(MESSAGE)
    assert result.retryable
    assert "nothing sent" in str(result.error)


async def test_no_answer_after_sending_is_ambiguous_and_never_a_blind_resend(
    sms: TwilioSmsAdapter, twilio: FakeTwilio
) -> None:
    twilio.answer(Reply(hang=True))
    result = await sms.send(MESSAGE)
    assert isinstance(result.error, AmbiguousError)
    assert result.status is DeliveryStatus.UNKNOWN
    assert not result.retryable
    assert len(twilio.received) == 1  # Twilio did get it


async def test_breaker_opens_after_consecutive_failures_and_closes_after_a_good_trial(
    twilio: FakeTwilio, clock: FrozenClock
) -> None:
    settings = twilio_config(twilio, channel_breaker_failures=2, channel_breaker_open_seconds=30.0)
    async with TwilioSmsAdapter(*settings, clock=clock) as adapter:
        twilio.answer(Reply(status=500), Reply(status=503))
        await adapter.send(MESSAGE)
        await adapter.send(MESSAGE)
        assert adapter.breaker.state is BreakerState.OPEN

        refused = await adapter.send(MESSAGE)
        assert isinstance(refused.error, RetryableError)
        assert refused.error.retry_after == 30
        assert len(twilio.received) == 2  # the open circuit kept Twilio out of it

        clock.advance(timedelta(seconds=30))
        trial = await adapter.send(MESSAGE)
    assert trial.status is DeliveryStatus.QUEUED
    assert adapter.breaker.state is BreakerState.CLOSED
    assert len(twilio.received) == 3


async def test_permanent_refusals_do_not_open_the_breaker(
    twilio: FakeTwilio, clock: FrozenClock
) -> None:
    async with TwilioSmsAdapter(
        *twilio_config(twilio, channel_breaker_failures=1), clock=clock
    ) as adapter:
        twilio.answer(Reply(status=400, code=21211, message="bad number"))
        await adapter.send(MESSAGE)
    assert adapter.breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"twilio_auth_token": "", "env": "development"}, "_AUTH_TOKEN"),
        ({"twilio_from_number": ""}, "NUDGE_TWILIO_FROM_NUMBER or NUDGE_TWILIO_MESSAGING"),
    ],
)
def test_sms_adapter_refuses_to_start_without_credentials_or_sender(
    twilio: FakeTwilio, clock: FrozenClock, overrides: dict[str, str], missing: str
) -> None:
    with pytest.raises(ConfigError, match=missing):
        TwilioSmsAdapter(*twilio_config(twilio, **overrides), clock=clock)


PRODUCTION = {"env": "production", "secret_key": "RNxuKP92ONDZ7pTRz3z8OB22u0tSeVL_r9CA5XuTI_8"}


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "100.100.100.200"])
async def test_production_refuses_an_api_base_whose_name_resolves_to_an_internal_address(
    twilio: FakeTwilio, clock: FrozenClock, address: str
) -> None:
    port = twilio.url.rsplit(":", 1)[1]
    resolver = StaticResolver({"api.twilio.lender.example": [address]})
    config = twilio_config(
        twilio, twilio_api_base=f"https://api.twilio.lender.example:{port}", **PRODUCTION
    )
    async with TwilioSmsAdapter(*config, clock=clock, resolver=resolver) as adapter:
        result = await adapter.send(MESSAGE)
    assert isinstance(result.error, TargetRefused)
    assert result.error.message.startswith(
        f"NUDGE_TWILIO_API_BASE: refused to connect to api.twilio.lender.example at {address}"
    )
    assert TWILIO_TOKEN not in result.error.message
    assert (resolver.asked, twilio.received) == (["api.twilio.lender.example"], [])


async def test_api_base_name_is_connected_to_at_the_address_the_resolver_gave(
    twilio: FakeTwilio, clock: FrozenClock
) -> None:
    """Outside production loopback is allowed: the fake behind a name receives the message."""
    port = twilio.url.rsplit(":", 1)[1]
    resolver = StaticResolver({"api.twilio.test": ["127.0.0.1"]})
    config = twilio_config(twilio, twilio_api_base=f"http://api.twilio.test:{port}")
    async with TwilioSmsAdapter(*config, clock=clock, resolver=resolver) as adapter:
        result = await adapter.send(MESSAGE)
    assert result.status is DeliveryStatus.QUEUED
    assert (resolver.asked, len(twilio.received)) == (["api.twilio.test"], 1)


async def test_transport_vets_literal_addresses_which_aiohttp_never_resolves(
    clock: FrozenClock,
) -> None:
    resolver = StaticResolver({})
    guard = OutboundGuard(setting="NUDGE_TWILIO_API_BASE", allow_private=False, resolver=resolver)
    transport = TwilioTransport(connect_timeout=1, read_timeout=1, clock=clock, guard=guard)
    with counting_listener() as listener:
        with pytest.raises(TargetRefused, match=r"127\.0\.0\.1, a loopback address"):
            await transport.request("POST", f"http://127.0.0.1:{listener.port}/2010-04-01/x")
        await transport.close()
    assert (resolver.asked, listener.connections) == ([], 0)
