"""Adapters are found through the `nudge.channels` entry-point group, built-ins included."""

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.clock import FrozenClock
from channels.base import Channel, Message
from channels.console import ConsoleAdapter
from channels.errors import ConfigError
from channels.registry import Registry, choose, discover
from channels.status import DeliveryStatus
from channels.twilio_sms import TwilioSmsAdapter
from tests.conftest import settings

pytestmark = pytest.mark.anyio

TWILIO = {
    "twilio_account_sid": "AC00000000000000000000000000000001",
    "twilio_auth_token": "5be1c0d9a7f24e83b6c5d1a0f9e7b342",  # strong enough for production
    "twilio_from_number": "+15005550006",
    "public_url": "https://nudge.example",
}

THIRD_PARTY_MODULE = '''
"""A provider someone else wrote and installed with pip."""

from channels.base import Adapter, Channel, Message, SendResult
from channels.status import DeliveryStatus


class PigeonAdapter(Adapter[str, str]):
    name = "thirdparty_sms"
    channels = frozenset({Channel.SMS})

    def build(self, message: Message) -> str:
        return message.reference

    async def transmit(self, request: str) -> str:
        return "pigeon-" + request

    def parse(self, answer: str, message: Message) -> SendResult:
        return SendResult(status=DeliveryStatus.SENT, provider_message_id=answer)
'''


@pytest.fixture
def third_party_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A distribution as pip would leave it: its module and a dist-info naming the entry point."""
    info = tmp_path / "thirdparty_sms-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-sms\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[nudge.channels]\nthirdparty_sms = thirdparty_sms:PigeonAdapter\n"
    )
    (tmp_path / "thirdparty_sms.py").write_text(textwrap.dedent(THIRD_PARTY_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("thirdparty_sms", None)


def test_built_in_adapters_are_discovered_through_the_entry_point_group() -> None:
    assert {"console", "twilio_sms", "twilio_voice", "smtp", "webhook"} <= set(discover())


async def test_third_party_adapter_installed_as_a_distribution_is_discovered_and_used(
    third_party_installed: None, clock: FrozenClock
) -> None:
    registry = Registry.from_settings(settings(sms_adapter="thirdparty_sms"), clock=clock)
    adapter = registry.adapter_for(Channel.SMS)
    assert type(adapter).__module__ == "thirdparty_sms"
    result = await adapter.send(
        Message(channel=Channel.SMS, to="+8613812345678", reference="rem-1", body="hi")
    )
    assert (result.status, result.provider_message_id) == (DeliveryStatus.SENT, "pigeon-rem-1")


def test_unconfigured_channels_fall_back_to_the_console_in_development_and_test() -> None:
    messages = dict.fromkeys([Channel.SMS, Channel.VOICE, Channel.EMAIL], "console")
    assert choose(settings()) == messages | {Channel.WEBHOOK: "webhook"}


def test_the_webhook_channel_is_always_the_built_in_adapter_since_targets_are_per_tenant() -> None:
    assert choose(settings(env="production"))[Channel.WEBHOOK] == "webhook"


def test_sms_and_voice_default_to_twilio_once_its_credentials_are_set() -> None:
    chosen = choose(settings(**TWILIO))
    assert (chosen[Channel.SMS], chosen[Channel.VOICE]) == ("twilio_sms", "twilio_voice")
    assert chosen[Channel.EMAIL] == "console"


def test_production_leaves_unconfigured_channels_without_an_adapter(
    clock: FrozenClock,
) -> None:
    registry = Registry.from_settings(settings(env="production", **TWILIO), clock=clock)
    assert isinstance(registry.adapter_for(Channel.SMS), TwilioSmsAdapter)
    with pytest.raises(ConfigError, match="no adapter is configured for email"):
        registry.adapter_for(Channel.EMAIL)


def test_console_is_refused_in_production() -> None:
    with pytest.raises(ConfigError, match="console adapter cannot serve sms in production"):
        choose(settings(env="production", sms_adapter="console"))


def test_unknown_adapter_name_is_a_config_error_listing_the_installed_ones(
    clock: FrozenClock,
) -> None:
    with pytest.raises(ConfigError, match=r"no channel adapter named 'carrier_pigeon' \(installed"):
        Registry.from_settings(settings(sms_adapter="carrier_pigeon"), clock=clock)


def test_adapter_that_does_not_serve_the_channel_is_refused(clock: FrozenClock) -> None:
    with pytest.raises(ConfigError, match="'twilio_voice' does not serve email"):
        Registry.from_settings(settings(email_adapter="twilio_voice", **TWILIO), clock=clock)


def test_one_adapter_serving_several_channels_is_built_once(clock: FrozenClock) -> None:
    registry = Registry.from_settings(settings(), clock=clock)
    messages = [Channel.SMS, Channel.VOICE, Channel.EMAIL]
    adapters = {id(registry.adapter_for(channel)) for channel in messages}
    assert len(adapters) == 1
    assert isinstance(registry.adapter_for(Channel.SMS), ConsoleAdapter)
