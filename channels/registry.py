"""Which adapter serves which channel: installed adapters come from the `nudge.channels`
entry-point group (Nudge's own included), so a new provider is a `pip install` away.
"""

import asyncio
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from app.clock import Clock
from app.config import Settings
from channels.base import Adapter, Channel
from channels.errors import ConfigError
from channels.limits import BreakerState, Sleep

GROUP = "nudge.channels"

AdapterClass = type[Adapter[Any, Any]]

BUILT_IN = {
    Channel.SMS: "twilio_sms",
    Channel.VOICE: "twilio_voice",
    Channel.EMAIL: "smtp",
    Channel.WEBHOOK: "webhook",
}


def discover() -> dict[str, AdapterClass]:
    """Every installed adapter class by entry-point name."""
    found: dict[str, AdapterClass] = {}
    for point in entry_points(group=GROUP):
        adapter = point.load()
        if not (isinstance(adapter, type) and issubclass(adapter, Adapter)):
            raise ConfigError(f"entry point {point.name} = {point.value} is not a channel Adapter")
        found[point.name] = adapter
    return found


def choose(settings: Settings) -> dict[Channel, str]:
    """The adapter name per channel: the one set, else the built-in provider once it is
    configured, else the console in development and test. Outside those a channel with no
    provider has no adapter, so reminders are never silently written to a log instead."""
    chosen = {
        Channel.SMS: settings.sms_adapter,
        Channel.VOICE: settings.voice_adapter,
        Channel.EMAIL: settings.email_adapter,
        Channel.WEBHOOK: settings.webhook_adapter,
    }
    configured = {
        Channel.SMS: bool(settings.twilio_account_sid),
        Channel.VOICE: bool(settings.twilio_account_sid),
        Channel.EMAIL: bool(settings.smtp_host),
        Channel.WEBHOOK: True,  # each tenant sets its own target: see channels/webhook.py
    }
    console_allowed = settings.env != "production"
    names: dict[Channel, str] = {}
    for channel in Channel:
        name = chosen[channel] or (BUILT_IN[channel] if configured[channel] else "")
        if not name and console_allowed:
            name = "console"
        if name == "console" and not console_allowed:
            raise ConfigError(f"the console adapter cannot serve {channel} in production")
        if name:
            names[channel] = name
    return names


class Registry:
    """The adapters of one running service; each adapter is built once and shared by the
    channels it serves, so its rate limit and circuit breaker cover all of its traffic."""

    def __init__(
        self,
        adapters: Mapping[Channel, Adapter[Any, Any]],
        by_account: Mapping[type, Adapter[Any, Any]] | None = None,
    ) -> None:
        self._adapters = dict(adapters)
        self._by_account = dict(by_account or {})

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
    ) -> "Registry":
        installed = discover()
        built: dict[str, Adapter[Any, Any]] = {}
        adapters: dict[Channel, Adapter[Any, Any]] = {}
        for channel, name in choose(settings).items():
            adapter_class = installed.get(name)
            if adapter_class is None:
                known = ", ".join(sorted(installed)) or "none"
                raise ConfigError(f"no channel adapter named {name!r} (installed: {known})")
            if channel not in adapter_class.channels:
                raise ConfigError(f"adapter {name!r} does not serve {channel}")
            if name not in built:
                built[name] = adapter_class(settings, clock=clock, sleep=sleep)
            adapters[channel] = built[name]
        by_account: dict[type, Adapter[Any, Any]] = {}
        for name, adapter_class in sorted(installed.items()):
            if adapter_class.account_type is not None:  # sends for the tenants with an account
                if name not in built:
                    built[name] = adapter_class(settings, clock=clock, sleep=sleep)
                by_account[adapter_class.account_type] = built[name]
        return cls(adapters, by_account)

    def serves(self, channel: Channel) -> bool:
        return channel in self._adapters

    def circuit_open(self, channel: Channel) -> bool:
        """Whether the channel's adapter refuses sends now because its provider kept failing."""
        return self._adapters[channel].breaker.state is BreakerState.OPEN

    def adapter_for(self, channel: Channel, account: object = None) -> Adapter[Any, Any]:
        """The adapter of the tenant's own account when the message carries one that an
        installed adapter sends through for this channel, else the channel's."""
        own = self._by_account.get(type(account))
        if own is not None and channel in own.channels:
            return own
        try:
            return self._adapters[channel]
        except KeyError:
            raise ConfigError(f"no adapter is configured for {channel}") from None

    async def aclose(self) -> None:
        every = [*self._adapters.values(), *self._by_account.values()]
        for adapter in {id(adapter): adapter for adapter in every}.values():
            await adapter.aclose()
