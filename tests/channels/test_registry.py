"""Providers are plugins found through the `nudge.providers` entry-point group, built-ins
included; the registry chooses per message, by channel and by the tenant's own accounts."""

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.clock import FrozenClock
from app.config import Settings
from channels.base import Channel, Message, ProviderSettings
from channels.console import ConsoleAdapter
from channels.errors import ConfigError
from channels.registry import NoAdapter, Providers, Registry, choose, discover
from channels.status import DeliveryStatus
from channels.twilio.settings import TwilioSettings
from channels.twilio.sms import TwilioSmsAdapter
from tests.conftest import settings

pytestmark = pytest.mark.anyio

TWILIO = {
    "account_sid": "AC00000000000000000000000000000001",
    "auth_token": "5be1c0d9a7f24e83b6c5d1a0f9e7b342",  # strong enough for production
    "from_number": "+15005550006",
}
HTTPS = {"public_url": "https://nudge.example"}

THIRD_PARTY_MODULE = '''
"""A provider someone else wrote and installed with pip: it says it is configured when its
own setting says so."""

from pydantic_settings import SettingsConfigDict

from channels.base import Adapter, Channel, Message, ProviderSettings, SendResult
from channels.plugin import Plugin
from channels.status import DeliveryStatus


class CarrierSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUDGE_CARRIER_")

    ready: bool = False


class CarrierAdapter(Adapter[str, str]):
    name = "carrier_sms"
    channels = frozenset({Channel.SMS})

    def build(self, message: Message) -> str:
        return message.reference

    async def transmit(self, request: str) -> str:
        return "carrier-" + request

    def parse(self, answer: str, message: Message) -> SendResult:
        return SendResult(status=DeliveryStatus.SENT, provider_message_id=answer)


def ready(settings: CarrierSettings) -> bool:
    return settings.ready


PLUGIN = Plugin(
    name="carrier", adapters=(CarrierAdapter,), settings=CarrierSettings, configured=ready
)
'''


@pytest.fixture
def carrier_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A distribution as pip would leave it: its module and a dist-info naming the entry point."""
    info = tmp_path / "carrier_nudge-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: carrier-nudge\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[nudge.providers]\ncarrier = carrier_nudge:PLUGIN\n")
    (tmp_path / "carrier_nudge.py").write_text(textwrap.dedent(THIRD_PARTY_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("carrier_nudge", None)


def carrier(*, ready: bool) -> ProviderSettings:
    settings_class = discover()["carrier"].settings
    return settings_class(_env_file=None, ready=ready)  # type: ignore[call-arg]


def providers(core: Settings, **given: ProviderSettings) -> Providers:
    return Providers.load(core, env_file=None, **given)


def twilio(**overrides: object) -> TwilioSettings:
    return TwilioSettings(_env_file=None, **TWILIO | overrides)  # type: ignore[arg-type]


def test_built_in_providers_are_discovered_through_the_entry_point_group() -> None:
    assert {"console", "twilio", "smtp", "webhook"} <= set(discover())


async def test_a_plugin_that_says_it_is_configured_serves_its_channel(
    carrier_installed: None, clock: FrozenClock
) -> None:
    core = settings()
    registry = Registry.from_settings(
        core, providers(core, carrier=carrier(ready=True)), clock=clock
    )
    adapter = registry.adapter_for(Channel.SMS)
    assert type(adapter).__module__ == "carrier_nudge"
    result = await adapter.send(
        Message(channel=Channel.SMS, to="+8613812345678", reference="rem-1", body="hi")
    )
    assert (result.status, result.provider_message_id) == (DeliveryStatus.SENT, "carrier-rem-1")


def test_a_plugin_that_says_it_is_not_configured_leaves_its_channel_to_the_console(
    carrier_installed: None,
) -> None:
    core = settings()
    assert choose(core, providers(core, carrier=carrier(ready=False)))[Channel.SMS] == "console"


def test_two_plugins_configured_for_one_channel_must_be_chosen_between(
    carrier_installed: None,
) -> None:
    core = settings(**HTTPS)
    both = providers(core, carrier=carrier(ready=True), twilio=twilio())
    with pytest.raises(ConfigError, match="carrier_sms, twilio_sms are all configured for sms"):
        choose(core, both)
    assert choose(settings(sms_adapter="twilio_sms", **HTTPS), both)[Channel.SMS] == "twilio_sms"


def test_unconfigured_channels_fall_back_to_the_console_in_development_and_test() -> None:
    messages = dict.fromkeys([Channel.SMS, Channel.VOICE, Channel.EMAIL], "console")
    core = settings()
    assert choose(core, providers(core)) == messages | {Channel.WEBHOOK: "webhook"}


def test_the_webhook_channel_is_always_the_built_in_adapter_since_targets_are_per_tenant() -> None:
    core = settings(env="production")
    assert choose(core, providers(core))[Channel.WEBHOOK] == "webhook"


def test_sms_and_voice_default_to_twilio_once_its_credentials_are_set() -> None:
    core = settings(**HTTPS)
    chosen = choose(core, providers(core, twilio=twilio()))
    assert (chosen[Channel.SMS], chosen[Channel.VOICE]) == ("twilio_sms", "twilio_voice")
    assert chosen[Channel.EMAIL] == "console"


def test_production_leaves_unconfigured_channels_without_an_adapter(clock: FrozenClock) -> None:
    core = settings(env="production", **HTTPS)
    registry = Registry.from_settings(core, providers(core, twilio=twilio()), clock=clock)
    assert isinstance(registry.adapter_for(Channel.SMS), TwilioSmsAdapter)
    with pytest.raises(NoAdapter, match="no adapter is configured for email"):
        registry.adapter_for(Channel.EMAIL)


def test_a_tenants_own_account_gets_its_provider_even_with_no_global_one(
    clock: FrozenClock,
) -> None:
    """Production with no global Twilio: a tenant with its own Twilio account still texts."""
    core = settings(env="production", **HTTPS)
    registry = Registry.from_settings(core, providers(core), clock=clock)
    with pytest.raises(NoAdapter):
        registry.adapter_for(Channel.SMS)
    own = registry.own_provider(Channel.SMS, {"twilio", "smtp"})
    assert own == "twilio"
    assert isinstance(registry.adapter_for(Channel.SMS, own), TwilioSmsAdapter)
    assert registry.own_provider(Channel.SMS, {"smtp"}) is None


def test_console_is_refused_in_production() -> None:
    core = settings(env="production", sms_adapter="console")
    with pytest.raises(ConfigError, match="console adapter cannot serve sms in production"):
        choose(core, providers(settings()))


def test_unknown_adapter_name_is_a_config_error_listing_the_installed_ones(
    clock: FrozenClock,
) -> None:
    core = settings(sms_adapter="carrier_pigeon")
    with pytest.raises(ConfigError, match=r"no channel adapter named 'carrier_pigeon' \(installed"):
        Registry.from_settings(core, providers(core), clock=clock)


def test_adapter_that_does_not_serve_the_channel_is_refused(clock: FrozenClock) -> None:
    core = settings(email_adapter="twilio_voice", **HTTPS)
    with pytest.raises(ConfigError, match="'twilio_voice' does not serve email"):
        Registry.from_settings(core, providers(core, twilio=twilio()), clock=clock)


def test_one_adapter_serving_several_channels_is_built_once(clock: FrozenClock) -> None:
    core = settings()
    registry = Registry.from_settings(core, providers(core), clock=clock)
    messages = [Channel.SMS, Channel.VOICE, Channel.EMAIL]
    adapters = {id(registry.adapter_for(channel)) for channel in messages}
    assert len(adapters) == 1
    assert isinstance(registry.adapter_for(Channel.SMS), ConsoleAdapter)


def test_a_plugins_unusable_settings_stop_start_up() -> None:
    with pytest.raises(ConfigError, match="NUDGE_PUBLIC_URL must be Nudge's https address"):
        providers(settings(), twilio=twilio())
