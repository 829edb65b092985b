"""PostgreSQL: a dispatch round never waits for a customer another transaction holds, and a
round that fails on the database shows in the heartbeat that /readyz reports."""

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FrozenClock
from app.customers import repository as customers
from app.db import create_session_factory
from app.dispatch.batch import Batch
from app.dispatch.worker import Dispatcher
from app.main import create_app
from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.tenants import Tenant
from bench.scratch import fresh_database
from bench.seeding import seed
from channels.registry import Registry
from tests.conftest import START, app_providers, app_settings, twilio_options, twilio_settings
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.servers import serving

pytestmark = pytest.mark.anyio


@dataclass
class Setup:
    url: str
    tenant_id: uuid.UUID
    clock: FrozenClock
    sessions: sessionmaker[Session]
    """The dispatcher's: any lock it waits on for over a second raises instead of hanging."""
    dispatcher: Dispatcher


@contextmanager
def holding(url: str) -> Iterator[Session]:
    """Another connection, whose transaction holds what the test has it lock until the end."""
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            yield session
            session.rollback()
    finally:
        engine.dispose()


@pytest.fixture
async def setup(tmp_path: Path, twilio: FakeTwilio) -> AsyncIterator[Setup]:
    clock = FrozenClock(START)
    with fresh_database("postgresql", tmp_path) as url:
        bodies = [
            reminder(
                customer=customer(ref=f"c-{i}"),
                loan_ref=f"loan-{i}",
                channels=["sms"],
                send_at=(START + timedelta(minutes=i // 3)).isoformat(),
            )
            for i in range(6)
        ]
        tenant_id = seed(url, clock=clock, bodies=bodies)
        engine = sa.create_engine(url, connect_args={"options": "-c lock_timeout=1000"})
        settings = twilio_settings(database_url=url)
        providers = app_providers(settings, twilio=twilio_options(twilio))
        registry = Registry.from_settings(settings, providers, clock=clock)
        sessions = create_session_factory(engine)
        dispatcher = Dispatcher(
            sessions=sessions,
            settings=settings,
            clock=clock,
            registry=registry,
            rng=random.Random(0),
            name="w",
        )
        yield Setup(url, tenant_id, clock, sessions, dispatcher)
        await registry.aclose()
        engine.dispose()


def statuses(setup: Setup) -> dict[str, str]:
    with setup.sessions() as session:
        rows = session.execute(
            sa.select(Reminder.loan_ref, Reminder.status).order_by(Reminder.loan_ref)
        )
        return {loan_ref: status for loan_ref, status in rows}


async def test_a_customer_locked_by_an_api_upsert_is_skipped_not_waited_for(
    setup: Setup, twilio: FakeTwilio
) -> None:
    with holding(setup.url) as api:
        customers.upsert_many(  # as a batch submission does, then keeps its transaction open
            api,
            tenant_id=setup.tenant_id,
            customers=[{"ref": "c-1", "locale": "zh-CN"}],
            now=setup.clock.now(),
        )
        assert await setup.dispatcher.run_once() == 3
        assert statuses(setup) == {
            "loan-0": "sent",
            "loan-1": "scheduled",
            "loan-2": "sent",
            "loan-3": "scheduled",  # due in a minute
            "loan-4": "scheduled",
            "loan-5": "scheduled",
        }
        with setup.sessions() as session:
            left = session.scalar(sa.select(Reminder).where(Reminder.loan_ref == "loan-1"))
            assert left is not None
            assert (left.attempt_count, left.round_failures, left.claimed_by) == (0, 0, None)
    assert await setup.dispatcher.run_once() == 0  # due again at the next interval
    setup.clock.advance(timedelta(seconds=setup.dispatcher.settings.dispatch_interval))
    assert await setup.dispatcher.run_once() == 1
    assert statuses(setup)["loan-1"] == "sent"
    assert len(twilio.received) == 3


async def test_the_reminders_of_a_busy_customer_do_not_hold_up_those_due_after_them(
    setup: Setup, twilio: FakeTwilio
) -> None:
    settings = setup.dispatcher.settings.model_copy(update={"dispatch_batch_size": 1})
    one_at_a_time = Dispatcher(
        sessions=setup.sessions,
        settings=settings,
        clock=setup.clock,
        registry=setup.dispatcher.registry,
        rng=random.Random(0),
        name="w",
    )
    with setup.sessions() as session:
        first: str | None = session.scalar(
            sa.select(Customer.ref)
            .join(Reminder, Reminder.customer_id == Customer.id)
            .order_by(Reminder.next_attempt_at, Reminder.id)
            .limit(1)
        )
    assert first is not None
    with holding(setup.url) as api:
        customers.upsert_many(
            api, tenant_id=setup.tenant_id, customers=[{"ref": first}], now=setup.clock.now()
        )
        assert [await one_at_a_time.run_once() for _ in range(4)] == [1, 1, 1, 0]
        now = statuses(setup)
        assert Counter(now.values()) == {"sent": 2, "scheduled": 4}  # 3 due in a minute
        assert now[f"loan-{first.removeprefix('c-')}"] == "scheduled"
    setup.clock.advance(timedelta(seconds=settings.dispatch_interval))
    assert await one_at_a_time.run_once() == 1
    assert len(twilio.received) == 3


def release_once_waited_for(url: str, other: Session) -> None:
    """Ends `other`'s transaction as soon as a backend of the database waits for a lock."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as watch:
            for _ in range(3000):
                waiting = watch.scalar(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                if waiting:
                    break
                time.sleep(0.005)
    finally:
        engine.dispose()
        other.rollback()


async def test_a_claim_another_transaction_holds_for_a_moment_is_sent_in_its_round(
    setup: Setup, twilio: FakeTwilio
) -> None:
    """Another worker's claim statement keeps a lock on each row it found claimed meanwhile
    until it commits: the round waits for it instead of leaving the reminder claimed, sent by
    nobody, until its lease runs out."""
    dispatcher = setup.dispatcher
    claim = dispatcher._claim
    with holding(setup.url) as other:
        watcher = threading.Thread(target=release_once_waited_for, args=(setup.url, other))

        def claim_then_lock_one() -> Batch:
            batch = claim()
            first = batch.items[0].reminder.id
            other.execute(sa.select(Reminder.id).where(Reminder.id == first).with_for_update())
            watcher.start()
            return batch

        dispatcher._claim = claim_then_lock_one  # type: ignore[method-assign]
        assert await dispatcher.run_once() == 3
        watcher.join()
    assert statuses(setup) == {
        "loan-0": "sent",
        "loan-1": "sent",
        "loan-2": "sent",
        "loan-3": "scheduled",  # due in a minute
        "loan-4": "scheduled",
        "loan-5": "scheduled",
    }
    assert len(twilio.received) == 3


async def test_a_round_that_fails_on_the_database_is_in_the_heartbeat_readyz_reports(
    setup: Setup,
) -> None:
    settings = app_settings(setup.url)
    app = create_app(settings, setup.clock, app_providers(settings))
    with serving(app) as base:
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready", "dispatch": None}
        assert await setup.dispatcher.run_once() == 3
        setup.clock.advance(timedelta(minutes=1))
        with holding(setup.url) as other:
            other.execute(sa.select(Tenant.id).with_for_update())  # a long transaction
            with pytest.raises(sa.exc.OperationalError):
                await setup.dispatcher.run_once()
        response = httpx.get(f"{base}/readyz")
    assert response.status_code == 200
    dispatch = response.json()["dispatch"]
    assert (dispatch["worker"], dispatch["age_seconds"]) == ("w", 60.0)
    assert "lock timeout" in dispatch["last_error"]
