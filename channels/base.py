"""The adapter contract shared by every delivery channel: a `Message` in, a `SendResult` out.

`Adapter.send` is a template method: it guards the provider (circuit breaker, concurrency,
rate), then runs the steps each adapter supplies (build the provider request, transmit it,
parse the answer) and turns whatever went wrong into a classified `ChannelError` on the result,
so the dispatcher never has to know a provider's exceptions.
"""

import asyncio
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.clock import Clock
from app.config import Settings
from channels.errors import (
    AmbiguousError,
    ChannelError,
    CircuitOpenError,
    PermanentError,
    RetryableError,
)
from channels.limits import CircuitBreaker, Limits, Sleep
from channels.outbound import OutboundGuard, Resolver, SystemResolver
from channels.status import DeliveryStatus


class Channel(StrEnum):
    """The ways Nudge can reach a customer; a reminder lists them in order of preference."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    WEBHOOK = "webhook"


class ProviderSettings(BaseSettings):
    """A provider plugin's global settings, read like the service's own: from environment
    variables (and `.env`) named `NUDGE_<NAME>_<FIELD>`. A subclass sets its `env_prefix`;
    these are what a tenant without an account of its own sends through."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    def problems(self, core: Settings) -> list[str]:
        """Why these settings cannot be used with the service's (a sample secret outside
        development, a target production must not call): start-up stops on any. Each names
        the setting, never its value."""
        return []


class Account(BaseModel):
    """A tenant's own account with a provider (`PUT /v1/tenant/providers/{name}`): each plugin
    subclasses it with its fields and names its secrets, which are stored encrypted and never
    shown. Opened for sending, the secrets are in it (as `SecretStr`, so never in a repr)."""

    model_config = ConfigDict(extra="forbid")
    secret_fields: ClassVar[tuple[str, ...]] = ()
    secret_bits: ClassVar[int] = 128
    """How guessable a secret may be: a secret the tenant chooses (a signing key) needs 128
    bits; one the provider issues, whose form nobody here chooses, is held to less."""

    def shown(self) -> dict[str, Any]:
        """What is stored in clear."""
        return self.model_dump(mode="json", exclude=set(self.secret_fields))

    def secrets(self) -> dict[str, str]:
        """The secrets given (those omitted on a `PUT` are left as stored)."""
        given = {name: getattr(self, name) for name in self.secret_fields}
        return {name: value.get_secret_value() for name, value in given.items() if value}

    def required_secrets(self) -> tuple[str, ...]:
        """The secrets without which the account cannot send; all of them unless a plugin
        says otherwise (a mail server without a login needs no password)."""
        return self.secret_fields

    def refusals(self, *, production: bool, allow_private: bool) -> dict[str, str]:
        """Why the account could not be used, by field: a plugin checks here the targets the
        account names (`channels.addresses`), as the global settings' are checked at start-up.
        Details never quote a secret."""
        return {}

    def callback_paths(self, tenant_id: uuid.UUID) -> dict[str, str]:
        """Paths under Nudge's public URL the tenant must give its provider, by purpose: for a
        provider that signs nothing it calls, the path of each tenant's own is the credential
        (Aliyun's push URLs). Shown with the account; none by default."""
        return {}

    @classmethod
    def opened(cls, shown: Mapping[str, Any], secrets: Mapping[str, str]) -> Self:
        """The account as stored (what is shown, and the secrets once decrypted)."""
        return cls.model_validate({**shown, **secrets})


@dataclass(frozen=True)
class ApprovedTemplate:
    """A template the provider approved and renders itself (Chinese SMS providers): the
    message names it and fills its parameters instead of sending a text."""

    code: str
    params: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class Message:
    """One rendered reminder for one recipient on one channel, ready for a provider."""

    channel: Channel
    to: str
    """E.164 phone number, email address, or the customer reference for webhooks."""
    reference: str
    """The reminder id: sent to providers that take one, to correlate callbacks and dedupe."""
    body: str
    """SMS text, voice script, or the plain-text part of an email."""
    subject: str | None = None
    html: str | None = None
    voice: str | None = None
    language: str | None = None
    unsubscribe_url: str | None = None
    """Email `List-Unsubscribe` target; the sender's mailbox is used when absent."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """Extra context for machine recipients (webhooks), such as the loan reference."""
    payload: Mapping[str, Any] | None = None
    """Webhooks: the JSON document the tenant's template rendered (and a visit's task)."""
    account: Account | None = None
    """The tenant's own account with the provider that sends this message, if it has one
    (the registry chose that provider for it); None sends through the provider's global
    account."""
    template: ApprovedTemplate | None = None
    """SMS through a provider that sends only approved templates (Aliyun): the template the
    variant names, its parameters rendered; `body` is then what the carrier will deliver."""


@dataclass(frozen=True)
class Cost:
    amount: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class SendResult:
    """What became of one send, in Nudge's words, with the provider's own words beside them."""

    status: DeliveryStatus
    provider_message_id: str | None = None
    provider_status: str | None = None
    error: ChannelError | None = None
    cost: Cost | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def failed(cls, error: ChannelError) -> "SendResult":
        """An ambiguous failure may have been sent, so its status is unknown, not failed."""
        status = (
            DeliveryStatus.UNKNOWN if isinstance(error, AmbiguousError) else DeliveryStatus.FAILED
        )
        return cls(status=status, error=error)

    @property
    def retryable(self) -> bool:
        return isinstance(self.error, RetryableError)

    @property
    def opt_out(self) -> bool:
        return isinstance(self.error, PermanentError) and self.error.opt_out


RequestT = TypeVar("RequestT")
AnswerT = TypeVar("AnswerT")


class Adapter(ABC, Generic[RequestT, AnswerT]):
    """A delivery provider. Subclasses declare who they are and supply the three steps.

    A provider plugin (`channels.plugin.Plugin`) lists its adapters; the registry builds each
    once with `(settings, own, clock=..., sleep=...)`: the service's settings and the plugin's
    own (`ProviderSettings`). `check_settings` refuses a configuration the adapter cannot work
    with, so a mistake stops start-up rather than every send; settings merely left empty are
    no mistake, since tenants may bring their own accounts. Adapters that connect somewhere do
    it through `outbound_guard(setting)`, which resolves names with `resolver` (the system's
    unless a test injects one).
    """

    name: ClassVar[str]
    channels: ClassVar[frozenset[Channel]]
    rate_per_second: ClassVar[float] = 10.0
    max_concurrency: ClassVar[int] = 10

    def __init__(
        self,
        settings: Settings,
        own: ProviderSettings,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.own = own
        self.clock = clock
        self.resolver = resolver or SystemResolver()
        self.limits = Limits(
            rate_per_second=settings.channel_rate_limits.get(self.name, self.rate_per_second),
            max_concurrency=self.max_concurrency,
            clock=clock,
            sleep=sleep,
        )
        self.breaker = CircuitBreaker(
            settings.channel_breaker_failures, settings.channel_breaker_open_seconds, clock=clock
        )
        self.check_settings()

    def check_settings(self) -> None:
        """Raise ConfigError naming the setting that is contradictory."""

    def outbound_guard(self, setting: str) -> OutboundGuard:
        """Vets the addresses the target named by `setting` resolves to: loopback and private
        ones only outside production or with NUDGE_ALLOW_PRIVATE_TARGETS."""
        settings = self.settings
        return OutboundGuard(
            setting=setting,
            allow_private=settings.env != "production" or settings.allow_private_targets,
            resolver=self.resolver,
        )

    async def send(self, message: Message) -> SendResult:
        if message.channel not in self.channels:
            raise ValueError(f"{self.name} does not serve {message.channel}")
        wait = self.breaker.retry_after()
        if wait is not None:
            return SendResult.failed(
                CircuitOpenError(f"{self.name} circuit open", retry_after=wait)
            )
        async with self.limits.slot():
            try:
                result = self.parse(await self.transmit(self.build(message)), message)
            except ChannelError as error:
                result = SendResult.failed(error)
            except Exception as error:
                classified = self.classify(error)
                if classified is None:
                    raise
                result = SendResult.failed(classified)
        if isinstance(result.error, RetryableError | AmbiguousError):
            self.breaker.record_failure()
        else:  # the provider answered, even if it refused this one message
            self.breaker.record_success()
        return result

    @abstractmethod
    def build(self, message: Message) -> RequestT:
        """The provider request for this message; raises ChannelError if it cannot be made."""

    @abstractmethod
    async def transmit(self, request: RequestT) -> AnswerT:
        """Hand the request to the provider."""

    @abstractmethod
    def parse(self, answer: AnswerT, message: Message) -> SendResult:
        """The provider's answer in Nudge's words."""

    def classify(self, error: Exception) -> ChannelError | None:
        """The provider library's exception as a ChannelError; None lets a real bug surface."""
        return None

    async def aclose(self) -> None:
        """Release pooled connections; the default adapter holds none."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
