"""Which provider sends what. Providers are plugins found in the `nudge.providers` entry-point
group (Nudge's own included), so a new provider is a `pip install` away.

A message goes through its tenant's own account when the tenant stored one for a provider
serving the channel (one lender on Twilio and another on Aliyun both send SMS, each through
its own account); otherwise through the channel's globally chosen adapter.
"""

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from app.clock import Clock
from app.config import Settings
from channels.base import Account, Adapter, Channel, ProviderSettings
from channels.errors import ConfigError
from channels.limits import BreakerState, Sleep
from channels.plugin import GROUP, Plugin

CONSOLE = "console"


class NoAdapter(ConfigError):
    """Neither the tenant's own accounts nor the global settings give the channel a provider."""


def discover() -> dict[str, Plugin]:
    """Every installed plugin by name (the entry point's, which must be the plugin's own)."""
    found: dict[str, Plugin] = {}
    for point in entry_points(group=GROUP):
        plugin = point.load()
        if not isinstance(plugin, Plugin):
            raise ConfigError(f"entry point {point.name} = {point.value} is not a Plugin")
        if plugin.name != point.name:
            raise ConfigError(f"entry point {point.name} names plugin {plugin.name!r}")
        found[plugin.name] = plugin
    return found


@dataclass(frozen=True)
class Providers:
    """The installed plugins and the global settings each was loaded with."""

    plugins: Mapping[str, Plugin]
    settings: Mapping[str, ProviderSettings]

    @classmethod
    def load(
        cls, core: Settings, *, env_file: str | None = ".env", **given: ProviderSettings
    ) -> "Providers":
        """Each plugin's settings from the environment (and `env_file`), unless `given`;
        refused, naming the setting, when they cannot work with the service's."""
        plugins = discover()
        unknown = sorted(set(given) - set(plugins))
        if unknown:
            raise ConfigError(f"settings given for providers not installed: {', '.join(unknown)}")
        settings = {
            name: given.get(name) or plugin.settings(_env_file=env_file)
            for name, plugin in plugins.items()
        }
        problems = [problem for own in settings.values() for problem in own.problems(core)]
        if problems:
            raise ConfigError("; ".join(problems))
        return cls(plugins, settings)

    def configured(self, name: str) -> bool:
        """The plugin's own answer: can it send for tenants without an account of their own?"""
        return self.plugins[name].configured(self.settings[name])

    def accounts(self) -> dict[str, type[Account]]:
        """The account model of every plugin a tenant can store an account for, by name."""
        return {n: p.account for n, p in sorted(self.plugins.items()) if p.account is not None}


def choose(settings: Settings, providers: Providers) -> dict[Channel, str]:
    """The adapter name per channel for messages sent through global accounts: the one set,
    else the adapter of the one plugin that says it is configured, else the console in
    development and test. Outside those a channel with no provider has no global adapter, so
    reminders are never silently written to a log instead."""
    chosen = {
        Channel.SMS: settings.sms_adapter,
        Channel.VOICE: settings.voice_adapter,
        Channel.EMAIL: settings.email_adapter,
        Channel.WEBHOOK: settings.webhook_adapter,
    }
    console_allowed = settings.env != "production"
    names: dict[Channel, str] = {}
    for channel in Channel:
        name = chosen[channel] or _configured_adapter(channel, providers)
        if not name and console_allowed:
            name = CONSOLE
        if name == CONSOLE and not console_allowed:
            raise ConfigError(f"the console adapter cannot serve {channel} in production")
        if name:
            names[channel] = name
    return names


def _configured_adapter(channel: Channel, providers: Providers) -> str:
    serving = sorted(
        adapter.name
        for name, plugin in providers.plugins.items()
        if providers.configured(name)
        for adapter in plugin.adapters
        if channel in adapter.channels
    )
    if len(serving) > 1:
        setting = f"NUDGE_{channel.upper()}_ADAPTER"
        raise ConfigError(f"{', '.join(serving)} are all configured for {channel}: set {setting}")
    return serving[0] if serving else ""


class Registry:
    """The adapters of one running service. Each adapter is built once and shared by every
    message it sends, global account or a tenant's, so its rate limit and circuit breaker
    cover all of its traffic."""

    def __init__(
        self,
        adapters: Mapping[str, Adapter[Any, Any]],
        *,
        chosen: Mapping[Channel, str],
        own: Mapping[tuple[str, Channel], str],
        models: Mapping[str, type[Account]],
    ) -> None:
        self._adapters = dict(adapters)
        self.models = dict(models)
        """The account model of each plugin tenants store accounts for."""
        self._chosen = dict(chosen)
        self._own = dict(own)
        """(plugin, channel) -> adapter, for plugins tenants store accounts for."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        providers: Providers,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
    ) -> "Registry":
        adapters: dict[str, Adapter[Any, Any]] = {}
        own: dict[tuple[str, Channel], str] = {}
        for name, plugin in sorted(providers.plugins.items()):
            for adapter_class in plugin.adapters:
                if adapter_class.name in adapters:
                    raise ConfigError(f"two plugins offer an adapter named {adapter_class.name!r}")
                adapters[adapter_class.name] = adapter_class(
                    settings, providers.settings[name], clock=clock, sleep=sleep
                )
                if plugin.account is not None:
                    for channel in adapter_class.channels:
                        own.setdefault((name, channel), adapter_class.name)
        chosen = choose(settings, providers)
        for channel, adapter_name in chosen.items():
            adapter = adapters.get(adapter_name)
            if adapter is None:
                known = ", ".join(sorted(adapters)) or "none"
                raise ConfigError(f"no channel adapter named {adapter_name!r} (installed: {known})")
            if channel not in adapter.channels:
                raise ConfigError(f"adapter {adapter_name!r} does not serve {channel}")
        return cls(adapters, chosen=chosen, own=own, models=providers.accounts())

    def own_provider(self, channel: Channel, accounts: Collection[str]) -> str | None:
        """Which of the providers the tenant has its own account with sends its messages on
        this channel: the globally chosen one's, if it has that, else the first by name."""
        serving = sorted(name for name in accounts if (name, channel) in self._own)
        preferred = self._chosen.get(channel)
        for name in serving:
            if self._own[(name, channel)] == preferred:
                return name
        return serving[0] if serving else None

    def adapter_for(self, channel: Channel, own: str | None = None) -> Adapter[Any, Any]:
        """The adapter sending through the tenant's own account with provider `own`, or, when
        None, through the channel's global account."""
        name = self._own.get((own, channel)) if own else self._chosen.get(channel)
        if name is None:
            raise NoAdapter(f"no adapter is configured for {channel}")
        return self._adapters[name]

    def named(self, name: str) -> Adapter[Any, Any]:
        return self._adapters[name]

    def serves(self, channel: Channel) -> bool:
        """Whether some tenant's messages can go out on this channel: a global adapter, or a
        provider a tenant may bring its own account for."""
        return channel in self._chosen or any(c == channel for _, c in self._own)

    def circuit_open(self, channel: Channel, adapter: str | None = None) -> bool:
        """Whether the adapter (the channel's global one unless named) refuses sends now,
        because its provider kept failing."""
        name = adapter or self._chosen.get(channel)
        return name is not None and self._adapters[name].breaker.state is BreakerState.OPEN

    async def aclose(self) -> None:
        for adapter in self._adapters.values():
            await adapter.aclose()
