"""The dispatcher: rounds of prepare (DB), send (providers, concurrently), record (DB).

Why a send is never made twice: the attempt is committed as started before the provider is
called. If the worker dies after that commit, its lease runs out and `recover_expired` marks
the reminder `unknown` (the call may have gone out) instead of sending it again; if it dies
before, the claim was never committed or the reminder is simply re-queued.
"""

import asyncio
import logging
import os
import random
import socket
import time
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.config import Settings
from app.dispatch.prepare import Started, prepare_round
from app.dispatch.record import Outcome, record_round
from app.dispatch.retry import RetryStrategy
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
        self.retry = RetryStrategy(
            max_attempts=settings.dispatch_max_attempts,
            base=timedelta(seconds=settings.dispatch_backoff_seconds),
            cap=timedelta(seconds=settings.dispatch_backoff_max_seconds),
        )
        self._slots = asyncio.Semaphore(settings.dispatch_concurrency)
        self._round = asyncio.Lock()
        self._stopping = False

    async def run_once(self) -> int:
        """One round; returns how many due reminders it took (sent, deferred or otherwise)."""
        async with self._round:
            if self._stopping:
                return 0
            claimed, started = await asyncio.to_thread(self._prepare)
            if started:
                outcomes = await asyncio.gather(*(self._send(item) for item in started))
                await asyncio.to_thread(self._record, outcomes)
            return claimed

    async def tick(self) -> None:
        """The scheduled job: rounds back to back while they come back full."""
        while await self.run_once() >= self.settings.dispatch_batch_size:
            pass

    async def drain(self) -> None:
        """Lets the round in flight finish its sends and records; starts no other."""
        self._stopping = True
        async with self._round:
            pass

    def _prepare(self) -> tuple[int, list[Started]]:
        with self.sessions.begin() as session:
            return prepare_round(
                session,
                worker=self.name,
                now=self.clock.now(),
                limit=self.settings.dispatch_batch_size,
                lease=timedelta(seconds=self.settings.dispatch_lease_seconds),
                registry=self.registry,
                rng=self.rng,
            )

    async def _send(self, item: Started) -> Outcome:
        adapter = self.registry.adapter_for(item.message.channel)
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
        with self.sessions.begin() as session:
            record_round(
                session, outcomes=outcomes, retry=self.retry, now=self.clock.now(), rng=self.rng
            )
