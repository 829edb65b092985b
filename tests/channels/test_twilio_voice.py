"""Voice calls through the real `twilio` library against the fake Twilio REST server."""

from collections.abc import AsyncIterator
from xml.etree import ElementTree

import pytest

from app.clock import FrozenClock
from channels.base import Channel, Message
from channels.errors import AmbiguousError, ConfigError
from channels.status import DeliveryStatus
from channels.twilio.voice import TwilioVoiceAdapter
from tests.conftest import twilio_config
from tests.fakes.twilio_server import FakeTwilio, Reply

pytestmark = pytest.mark.anyio

CALL = Message(
    channel=Channel.VOICE,
    to="+8613812345678",
    reference="rem-0002",
    body="您好，这是还款提醒：1,234.50 元将于 12 月 1 日到期。",
)


@pytest.fixture
async def voice(twilio: FakeTwilio, clock: FrozenClock) -> AsyncIterator[TwilioVoiceAdapter]:
    async with TwilioVoiceAdapter(*twilio_config(twilio), clock=clock) as adapter:
        yield adapter


def said(twilio: FakeTwilio) -> ElementTree.Element:
    [request] = twilio.received
    say = ElementTree.fromstring(request.form["Twiml"]).find("Say")
    assert say is not None
    return say


async def test_call_carries_inline_twiml_and_a_status_callback(
    voice: TwilioVoiceAdapter, twilio: FakeTwilio
) -> None:
    result = await voice.send(CALL)
    [request] = twilio.received
    assert request.resource == "Calls"
    assert (request.form["To"], request.form["From"]) == ("+8613812345678", "+15005550006")
    assert request.form["StatusCallback"] == (
        "https://nudge.example/v1/webhooks/twilio/status?reference=rem-0002"
    )
    assert result.status is DeliveryStatus.QUEUED
    assert result.provider_message_id is not None
    assert result.provider_message_id.startswith("CA")


async def test_script_is_said_in_chinese_by_default(
    voice: TwilioVoiceAdapter, twilio: FakeTwilio
) -> None:
    await voice.send(CALL)
    say = said(twilio)
    assert (say.text, say.get("language"), say.get("voice")) == (CALL.body, "zh-CN", None)


async def test_templates_voice_and_language_are_used_when_given(
    voice: TwilioVoiceAdapter, twilio: FakeTwilio
) -> None:
    message = Message(
        channel=Channel.VOICE,
        to=CALL.to,
        reference="rem-0003",
        body="Your repayment is due.",
        voice="Polly.Joanna",
        language="en-US",
    )
    await voice.send(message)
    say = said(twilio)
    assert (say.get("language"), say.get("voice")) == ("en-US", "Polly.Joanna")


async def test_script_with_markup_characters_stays_text_in_the_twiml(
    voice: TwilioVoiceAdapter, twilio: FakeTwilio
) -> None:
    script = 'Pay < 100 & "soon" </Say><Hangup/>'
    message = Message(channel=Channel.VOICE, to=CALL.to, reference="rem-4", body=script)
    await voice.send(message)
    say = said(twilio)
    assert say.text == script
    assert list(say) == []  # no element smuggled in


async def test_no_answer_after_placing_a_call_is_ambiguous_and_unknown(
    voice: TwilioVoiceAdapter, twilio: FakeTwilio
) -> None:
    twilio.answer(Reply(hang=True))
    result = await voice.send(CALL)
    assert isinstance(result.error, AmbiguousError)
    assert result.status is DeliveryStatus.UNKNOWN


def test_voice_refuses_to_start_without_a_from_number(
    twilio: FakeTwilio, clock: FrozenClock
) -> None:
    settings = twilio_config(twilio, twilio_from_number="", twilio_messaging_service_sid="MG1")
    with pytest.raises(ConfigError, match="NUDGE_TWILIO_FROM_NUMBER"):
        TwilioVoiceAdapter(*settings, clock=clock)
