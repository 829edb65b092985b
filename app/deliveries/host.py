"""The service as a provider plugin sees it (`channels.plugin.Host`): each call is one short
unit of work of its own, so a plugin never holds a session or a pooled connection while it
checks a signature or answers its provider."""

import uuid
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.accounts.vault import Vault
from app.clock import Clock
from app.config import Settings
from app.deliveries import callbacks, inbound, queries
from channels.base import Account, ProviderSettings
from channels.plugin import InboundText, StatusReport
from channels.registry import Providers


class ProviderHost:
    def __init__(
        self,
        name: str,
        *,
        providers: Providers,
        core: Settings,
        sessions: sessionmaker[Session],
        clock: Clock,
    ) -> None:
        self.name = name
        self._settings = providers.settings[name]
        self._model = providers.plugins[name].account
        self._core = core
        self._sessions = sessions
        self._clock = clock
        self._vault = Vault(core)

    @property
    def settings(self) -> ProviderSettings:
        return self._settings

    @property
    def core(self) -> Settings:
        return self._core

    @property
    def clock(self) -> Clock:
        return self._clock

    def record_status(self, report: StatusReport) -> None:
        core = self._core
        with self._sessions.begin() as session:
            callbacks.receive(
                session,
                report=report,
                now=self._clock.now(),
                ttl=timedelta(seconds=core.pending_callback_ttl_seconds),
                limit=core.pending_callback_limit,
            )

    def receive_text(self, text: InboundText) -> str | None:
        with self._sessions.begin() as session:
            return inbound.handle(session, inbound=text, provider=self.name, clock=self._clock)

    def account_of_message(
        self, provider_message_id: str, reference: str | None = None
    ) -> Account | None:
        if self._model is None:
            return None
        with self._sessions.begin() as session:
            tenant_id = queries.tenant_of_message(
                session, provider_message_id, callbacks.reminder_of(reference)
            )
            if tenant_id is None:
                return None
            return accounts.opened_of_tenant(
                session,
                tenant_id=tenant_id,
                provider=self.name,
                vault=self._vault,
                model=self._model,
            )

    def accounts(self) -> Mapping[uuid.UUID, Account]:
        if self._model is None:
            return {}
        with self._sessions.begin() as session:
            return accounts.opened_of_provider(
                session, provider=self.name, vault=self._vault, model=self._model
            )
