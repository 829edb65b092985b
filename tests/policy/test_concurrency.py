"""Parallel dispatcher workers on the same customers never exceed a cap on PostgreSQL."""

import asyncio
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FrozenClock
from app.config import Settings
from app.db import create_db_engine, create_session_factory
from app.dispatch.worker import Dispatcher
from app.reminders.models import DeliveryAttempt, Reminder
from bench.scratch import fresh_database
from bench.seeding import seed
from channels.registry import Registry
from tests.conftest import app_providers
from tests.factories import customer, reminder

NOON_SHANGHAI = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # a Monday
WORKERS = 6
CAP = {
    "windows": {"any": [{"start": "08:00", "end": "22:00"}]},
    "caps": [{"channel": "any", "max": 2, "window": "P1D"}],
}


def work(
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: FrozenClock,
    name: str,
    errors: list[BaseException],
) -> None:
    """One dispatcher worker, in its own thread and event loop, until nothing is due.

    A worker gives back the reminders of customers another worker holds, due again an interval
    later: when a round takes nothing while some are still waiting, the clock moves on.
    """

    async def rounds() -> None:
        registry = Registry.from_settings(settings, app_providers(settings), clock=clock)
        dispatcher = Dispatcher(
            sessions=sessions,
            settings=settings,
            clock=clock,
            registry=registry,
            rng=random.Random(name),
            name=name,
        )
        try:
            while True:
                if await dispatcher.run_once():
                    continue
                if not waiting(sessions):
                    break
                clock.advance(timedelta(seconds=settings.dispatch_interval))
        finally:
            await registry.aclose()

    try:
        asyncio.run(rounds())
    except BaseException as error:  # surfaced by the test thread
        errors.append(error)


def waiting(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        left = session.scalar(
            sa.select(sa.func.count())
            .select_from(Reminder)
            .where(Reminder.status.in_(["scheduled", "dispatching"]))
        )
    return bool(left)


def test_parallel_dispatcher_workers_keep_the_daily_cap_exactly_per_customer(
    tmp_path: Path,
) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        clock = FrozenClock(NOON_SHANGHAI)
        bodies = [
            reminder(
                customer=customer(ref=f"c-{i % 3}"),
                channels=["sms"],
                policy="two-a-day",
                loan_ref=f"loan-{i}",
            )
            for i in range(150)
        ]
        seed(url, clock=clock, bodies=bodies, policy={"two-a-day": CAP})
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)

        settings = Settings(
            _env_file=None,
            env="test",
            database_url=url,  # type: ignore[call-arg]
            dispatch_batch_size=5,
        )
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=work, args=(sessions, settings, clock, f"w{k}", errors))
            for k in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []

        with sessions() as session:
            per_customer = Counter(session.scalars(sa.select(DeliveryAttempt.customer_id)))
            workers = set(session.scalars(sa.select(DeliveryAttempt.worker)))
            statuses = Counter(session.scalars(sa.select(Reminder.status)))
        assert sorted(per_customer.values()) == [2, 2, 2]
        assert statuses == {"sent": 6, "deferred": 144}
        assert len(workers) > 1
        engine.dispose()
