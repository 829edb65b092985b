"""The provider plugin contract: what a provider package hands Nudge, and what it may ask back.

A provider is one `Plugin`, exposed by its package and named in the `nudge.providers`
entry-point group, so installing the package is all it takes (docs/channels.md walks through
one). The plugin owns its whole slice: its adapters, its global settings, the account a tenant
stores for it, whether it is configured, and the routes the provider calls back with their
signature checks. It asks the service for nothing but what `Host` offers, and imports nothing of
`app` but `app.config`, `app.clock` and `app.masking`.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter

from app.clock import Clock
from app.config import Settings
from channels.base import Account, Adapter, ProviderSettings
from channels.status import DeliveryStatus

GROUP = "nudge.providers"
"""The entry-point group: `name = "package.module:PLUGIN"`, the name being the plugin's."""


@dataclass(frozen=True)
class StatusReport:
    """What a provider reports about one message it sent, in Nudge's words and its own."""

    provider_message_id: str
    provider_status: str
    status: DeliveryStatus
    """The provider's word through the plugin's `StatusMap`: anything unknown is `unknown`."""
    error_code: str | None = None
    error_message: str | None = None
    reference: str | None = None
    """The reminder id the plugin gave the provider (`Message.reference`), when the report
    carries it back: a report that arrives before the message's id is recorded is kept for it."""
    to: str = ""


@dataclass(frozen=True)
class InboundText:
    """A text a customer sent to a number (or sign name) the provider receives for Nudge."""

    from_phone: str
    to: str
    body: str
    provider_message_id: str
    """Acted on once: the same id posted again changes nothing and gets the first answer."""
    owner: uuid.UUID | None = None
    """The tenant whose own account received it (`Host.accounts` tells), or None when it came
    through the plugin's global account, which every tenant without its own account shares."""


class Host(Protocol):
    """Everything a plugin may ask of the service, for that plugin only.

    Each call is its own short unit of work, committed before it returns: a plugin never sees a
    database session, and no connection is held while it checks a signature or calls out.
    """

    @property
    def settings(self) -> ProviderSettings:
        """The plugin's own global settings, as loaded at start-up."""

    @property
    def core(self) -> Settings:
        """The service's settings: `public_url` (what providers were told to call, and so what
        they signed), timeouts, environment."""

    @property
    def clock(self) -> Clock: ...

    def record_status(self, report: StatusReport) -> None:
        """Applies a delivery report to the attempt it is about (only forward: a repeated or
        late report changes nothing), or keeps it until the dispatcher records the message."""

    def receive_text(self, text: InboundText) -> str | None:
        """Acts on an inbound text (opt-out and opt-in keywords, HELP, replies kept on the
        customer's timeline) and returns the answer to send back, if any."""

    def account_of_message(
        self, provider_message_id: str, reference: str | None = None
    ) -> Account | None:
        """The opened account of the tenant whose message this is (found by the provider's id,
        or by the reference before the id is recorded); None: sent through the global account
        or not Nudge's. Check the report's signature with it."""

    def accounts(self) -> Mapping[uuid.UUID, Account]:
        """Every tenant's opened account for this plugin: to find whose own number (or sign
        name, or key) an inbound request came through."""


class CallbackRefused(Exception):
    """Raised by a plugin's route: the request's signature is missing or wrong. Answered 403
    (problem+json) and nothing changes."""


class CallbackInvalid(Exception):
    """Raised by a plugin's route: the request lacks what it must say. Answered 422 with each
    field's problem (problem+json) and nothing changes."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {detail}" for name, detail in problems.items()))
        self.problems = dict(problems)


AdapterClass = type[Adapter[Any, Any]]
Routes = Callable[[Host], APIRouter]


def never(_: Any) -> bool:
    return False


@dataclass(frozen=True)
class Plugin:
    """One provider, as its package exposes it.

    `name` is used in URLs (`/v1/tenant/providers/{name}`, callbacks under
    `/v1/webhooks/{name}`) and settings (`NUDGE_<NAME>_*`). `configured(settings)` says whether
    the global settings let it send for tenants without their own account; `routes(host)`
    builds the router the app mounts under `/v1/webhooks/{name}`, each route checking the
    provider's signature itself.
    """

    name: str
    adapters: Sequence[AdapterClass]
    settings: type[ProviderSettings] = ProviderSettings
    account: type[Account] | None = None
    configured: Callable[[Any], bool] = never
    """Called with an instance of `settings`."""
    routes: Routes | None = None
