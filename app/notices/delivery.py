"""Delivering lender notices: claimed in one short transaction, sent with no connection held,
recorded in another. Sent by the tenant's webhook adapter, so they are signed, guarded and
classified like webhook reminders, and retried with the dispatcher's backoff. A send whose
answer was lost is sent again: the receiver drops the repeat by its `Idempotency-Key`."""

import asyncio
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.accounts.vault import Vault
from app.clock import Clock
from app.dispatch.retry import RetryStrategy
from app.models.preferences import LenderNotice
from app.notices import repository
from channels.base import Channel, Message, SendResult
from channels.errors import ConfigError, PermanentError, RetryableError
from channels.registry import Registry
from channels.webhook.account import NAME as WEBHOOK
from channels.webhook.account import WebhookAccount

logger = logging.getLogger("nudge.notices")
LEASE = timedelta(minutes=5)
BATCH = 50


@dataclass(frozen=True)
class Outgoing:
    notice_id: uuid.UUID
    message: Message | None
    """None when it cannot be sent: the tenant removed its webhook target."""


class Notices:
    """The worker's notice sender; one per process, beside the dispatcher."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        registry: Registry,
        vault: Vault,
        clock: Clock,
        retry: RetryStrategy,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions, self.registry, self.vault, self.clock = sessions, registry, vault, clock
        self.retry = retry
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not secrets)

    async def run_once(self) -> int:
        """Sends the notices due now; how many it tried."""
        outgoing = await asyncio.to_thread(self._claim)
        # At once: one tenant's slow receiver must not hold up another's notice.
        results = list(await asyncio.gather(*(self._send(item) for item in outgoing)))
        await asyncio.to_thread(self._record, outgoing, results)
        return len(outgoing)

    def _claim(self) -> list[Outgoing]:
        with self.sessions.begin() as session:
            rows = repository.claim_due(session, now=self.clock.now(), limit=BATCH, lease=LEASE)
            return [Outgoing(row.id, self._message(session, row)) for row in rows]

    def _message(self, session: Session, row: LenderNotice) -> Message | None:
        target = accounts.opened_of_tenant(
            session,
            tenant_id=row.tenant_id,
            provider=WEBHOOK,
            vault=self.vault,
            model=WebhookAccount,
        )
        if target is None:
            return None
        return Message(
            channel=Channel.WEBHOOK,
            to=str(row.payload["notice"].get("customer_ref", "")),
            reference=str(row.id),
            body=json.dumps(row.payload, ensure_ascii=False, sort_keys=True),
            metadata={"notice": row.kind},
            payload=row.payload,
            account=target,
        )

    async def _send(self, item: Outgoing) -> SendResult:
        if item.message is None:
            return SendResult.failed(ConfigError("the tenant has no webhook target any more"))
        adapter = self.registry.adapter_for(Channel.WEBHOOK, WEBHOOK)
        try:
            return await adapter.send(item.message)
        except Exception as error:  # an adapter bug: recorded against this notice alone
            logger.exception("sending notice %s raised", item.notice_id)
            return SendResult.failed(PermanentError(f"{type(error).__name__}: {error}"))

    def _record(self, outgoing: list[Outgoing], results: list[SendResult]) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            for item, result in zip(outgoing, results, strict=True):
                row = repository.get(session, item.notice_id)
                row.attempts += 1
                row.last_error = None if result.error is None else str(result.error)[:500]
                again = self._again(row.attempts, result, now)
                row.next_attempt_at = again
                if result.error is None:
                    row.delivered_at = now
                elif again is None:
                    row.failed_at = now

    def _again(self, attempts: int, result: SendResult, now: datetime) -> datetime | None:
        """When to try again: never once delivered or refused for good; else the backoff's
        next moment, until the dispatcher's attempt limit."""
        error = result.error
        if error is None or isinstance(error, PermanentError | ConfigError):
            return None
        at = self.retry.next_attempt(
            attempts=attempts,
            now=now,
            retry_after=error.retry_after if isinstance(error, RetryableError) else None,
            expires_at=None,
            rng=self.rng,
        )
        return at if isinstance(at, datetime) else None
