"""The dispatcher: rounds of claim (DB), render (no DB), prepare (DB), send (providers,
concurrently), record (DB).

Why a send is never made twice: the attempt is committed as started before the provider is
called. If the worker dies after that commit, its lease runs out and `recover_expired` marks
the reminder `unknown` (the call may have gone out) instead of sending it again; if it dies
before, the reminder is simply re-queued when its lease runs out.
"""

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.vault import Vault
from app.borrower.links import ManageLinks
from app.clock import Clock
from app.config import Settings
from app.dispatch import heartbeat
from app.dispatch.batch import Batch, Claimed, claim_batch
from app.dispatch.claim import release
from app.dispatch.drafts import Drafts, draft_batch
from app.dispatch.failures import describe, isolated, strike
from app.dispatch.fallback import Fallback
from app.dispatch.prepare import Prepared, Started, start_sends
from app.dispatch.record import Outcome, record_round
from app.dispatch.retry import RetryStrategy
from app.models.reasons import DispatchReason
from app.observability import metrics
from app.optouts.links import UnsubscribeLinks
from app.templates.budget import RenderBudget
from channels.base import SendResult
from channels.errors import AmbiguousError
from channels.registry import Registry

logger = logging.getLogger("nudge.dispatch")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Dispatcher:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
        registry: Registry,
        rng: random.Random | None = None,
        name: str | None = None,
    ) -> None:
        self.sessions, self.settings, self.clock, self.registry = (
            sessions,
            settings,
            clock,
            registry,
        )
        self.rng = rng or random.Random()  # noqa: S311 (jitter and spread, not secrets)
        self.name = name or worker_name()
        self.budget = RenderBudget.from_settings(settings)
        self.links = UnsubscribeLinks(settings)
        self.manage = ManageLinks(settings)
        self.vault = Vault(settings)
        self.retry = RetryStrategy(
            max_attempts=settings.dispatch_max_attempts,
            base=timedelta(seconds=settings.dispatch_backoff_seconds),
            cap=timedelta(seconds=settings.dispatch_backoff_max_seconds),
        )
        self.fallback = Fallback(after=settings.dispatch_fallback_after, registry=registry)
        self.lease = timedelta(seconds=settings.dispatch_lease_seconds)
        self._slots = asyncio.Semaphore(settings.dispatch_concurrency)
        self._round = asyncio.Lock()
        self._stopping = False

    async def run_once(self) -> int:
        """One round; returns how many due reminders it took (sent, deferred, failed, or given
        back for the next round because another transaction held their customer).

        Its outcome goes to the heartbeat, which /readyz and /metrics read.
        """
        async with self._round:
            if self._stopping:
                return 0
            return await self._rounds(once=True)

    async def tick(self) -> None:
        """The scheduled job: rounds back to back while they come back full, each claimed and
        rendered while the round before it is still sending and recording."""
        async with self._round:
            if not self._stopping:
                await self._rounds(once=False)

    async def drain(self) -> None:
        """Lets the round in flight finish its sends and records; starts no other."""
        self._stopping = True
        async with self._round:
            pass

    async def _rounds(self, *, once: bool) -> int:
        """Rounds, pipelined: the next round's claim and render (no attempt started, so a
        worker killed then leaves claims its lease re-queues) run while the round before is
        sending and recording. Its prepare (the attempts committed as started) waits until
        that round is recorded, so at most one round's sends are ever in flight, as without
        the pipeline. Returns how many the last round took."""
        sending: asyncio.Future[None] | None = None
        taken = 0
        try:
            while True:
                batch, drafts = await asyncio.to_thread(self._claim_and_draft)
                if sending is not None:
                    try:
                        await sending
                    except Exception:
                        await asyncio.to_thread(self._give_back, batch)
                        raise
                    sending = None
                taken = len(batch.items)
                if not taken:
                    await asyncio.to_thread(self._beat, None)
                    return 0
                prepared = await asyncio.to_thread(self._prepare, batch, drafts)
                sending = asyncio.ensure_future(self._send_and_record(prepared))
                full = taken >= self.settings.dispatch_batch_size
                if once or not full or self._stopping:
                    break
            await sending
        except Exception as error:
            if sending is not None:  # its attempts are started: they are sent and recorded
                await asyncio.gather(sending, return_exceptions=True)
            await asyncio.to_thread(self._beat, error)
            raise
        return taken

    async def _send_and_record(self, prepared: Prepared) -> None:
        if prepared.started:
            outcomes = await asyncio.gather(*(self._send(item) for item in prepared.started))
            await asyncio.to_thread(self._record, outcomes)
        await asyncio.to_thread(self._beat, None)

    def _claim_and_draft(self) -> tuple[Batch, Drafts]:
        batch = self._claim()
        if not batch.items:
            return batch, {}
        drafts = draft_batch(
            batch,
            budget=self.budget,
            links=self.links,
            manage=self.manage,
            vault=self.vault,
            registry=self.registry,
        )
        return batch, drafts

    def _give_back(self, batch: Batch) -> None:
        """Claims of a round that will not be prepared (the one before it failed): none has an
        attempt started, so they are due again at once rather than when their lease ends."""
        if not batch.items:
            return
        try:
            with self.sessions.begin() as session:
                release(
                    session,
                    reminder_ids=[item.reminder.id for item in batch.items],
                    now=self.clock.now(),
                    due_at=self.clock.now(),
                    worker=self.name,
                )
        except Exception:
            logger.exception(
                "could not give back %d claims; their lease returns them", len(batch.items)
            )

    def _claim(self) -> Batch:
        with self.sessions.begin() as session:
            return claim_batch(
                session,
                worker=self.name,
                now=self.clock.now(),
                limit=self.settings.dispatch_batch_size,
                lease=self.lease,
                fallback=self.fallback,
            )

    def _prepare(self, batch: Batch, drafts: Drafts) -> Prepared:
        def start(items: Sequence[Claimed]) -> Prepared:
            now = self.clock.now()
            with self.sessions.begin() as session:
                prepared = start_sends(
                    session,
                    items=items,
                    drafts=drafts,
                    worker=self.name,
                    now=now,
                    lease=self.lease,
                    due_again_at=now + timedelta(seconds=self.settings.dispatch_interval),
                    fallback=self.fallback,
                    rng=self.rng,
                    link_lifetime=self.manage.lifetime,
                )
            for reason in prepared.failures:  # counted once committed
                metrics.ITEM_FAILURES.labels(reason).inc()
            return prepared

        total = Prepared()
        for prepared in isolated(batch.items, start, alone=self._strike):
            total += prepared
        return total

    def _strike(self, item: Claimed, error: Exception) -> None:
        """The reminder made its round fail alone. Never raises: the others' attempts are
        already started and must still be sent."""
        reminder_id = item.reminder.id
        if isinstance(error, OperationalError):
            logger.error("reminder %s hit a database error; its lease returns it", reminder_id)
            return
        logger.error("reminder %s made its dispatch round fail", reminder_id, exc_info=error)
        try:
            with self.sessions.begin() as session:
                strike(
                    session,
                    reminder_id=reminder_id,
                    worker=self.name,
                    error=error,
                    now=self.clock.now(),
                    limit=self.settings.dispatch_max_round_failures,
                    backoff=self.retry.base,
                    longest=self.retry.cap,
                )
        except Exception:
            logger.exception("could not strike reminder %s; its lease returns it", reminder_id)
            return
        metrics.ITEM_FAILURES.labels(DispatchReason.PREPARE_ERROR).inc()

    async def _send(self, item: Started) -> Outcome:
        adapter = self.registry.named(item.provider)
        async with self._slots:
            began = time.perf_counter()
            try:
                result = await adapter.send(item.message)
            except Exception as error:  # an adapter bug: the call may have gone out
                logger.exception("adapter %s raised", adapter.name)
                result = SendResult.failed(AmbiguousError(f"{type(error).__name__}: {error}"))
            latency_ms = round((time.perf_counter() - began) * 1000)
        return Outcome(item, result, self.clock.now(), latency_ms)

    def _record(self, outcomes: list[Outcome]) -> None:
        def record(some: Sequence[Outcome]) -> None:
            with self.sessions.begin() as session:
                record_round(
                    session,
                    outcomes=list(some),
                    retry=self.retry,
                    fallback=self.fallback,
                    now=self.clock.now(),
                    rng=self.rng,
                )

        isolated(outcomes, record, alone=self._unrecorded)

    def _unrecorded(self, outcome: Outcome, error: Exception) -> None:
        """Its attempt stays `sending`: the lease makes it `unknown`, never a resend."""
        logger.error(
            "could not record the send of reminder %s", outcome.started.reminder_id, exc_info=error
        )
        metrics.ITEM_FAILURES.labels(DispatchReason.RECORD_ERROR).inc()

    def _beat(self, error: Exception | None) -> None:
        now = self.clock.now()
        if error is None:
            with self.sessions.begin() as session:
                heartbeat.beat(session, worker=self.name, now=now)
            return
        logger.error("dispatch round failed: %s", describe(error))
        try:
            with self.sessions.begin() as session:
                heartbeat.beat(session, worker=self.name, now=now, error=describe(error))
        except Exception:
            logger.exception("could not record the failed round in the heartbeat")
