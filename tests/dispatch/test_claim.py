"""Claims: due reminders oldest first, each to one worker, and recovery after a crash."""

import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.db import create_db_engine, create_session_factory
from app.dispatch.claim import STARTED, claim_due, recover_expired
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from bench.scratch import fresh_database
from bench.seeding import seed
from tests.conftest import START, Tenant
from tests.factories import customer, reminder

LEASE = timedelta(seconds=60)


def submit_many(tenant: Tenant, clock: FrozenClock, n: int) -> list[uuid.UUID]:
    ids = []
    for i in range(n):
        clock.advance(timedelta(seconds=1))
        body = reminder(customer=customer(ref=f"c-{i}"))
        ids.append(uuid.UUID(tenant.client.post("/v1/reminders", json=body).json()["id"]))
    return ids


def test_claims_take_due_reminders_oldest_first_and_each_only_once(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    ids = submit_many(tenant, clock, 5)
    db.rollback()
    first = claim_due(db, worker="a", now=clock.now(), limit=3, lease=LEASE)
    second = claim_due(db, worker="b", now=clock.now(), limit=3, lease=LEASE)
    db.commit()
    assert sorted(first) == sorted(ids[:3])
    assert sorted(second) == sorted(ids[3:])
    assert claim_due(db, worker="c", now=clock.now(), limit=3, lease=LEASE) == []


def test_a_dead_workers_claim_is_requeued_when_no_provider_call_had_started(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    [reminder_id] = submit_many(tenant, clock, 1)
    db.rollback()
    claim_due(db, worker="dead", now=clock.now(), limit=10, lease=LEASE)
    db.commit()
    assert recover_expired(db, now=clock.now() + LEASE / 2) == ([], [])
    requeued, unknown = recover_expired(db, now=clock.now() + LEASE * 2)
    db.commit()
    assert (requeued, unknown) == ([reminder_id], [])
    assert tenant.client.get(f"/v1/reminders/{reminder_id}").json()["status"] == "scheduled"


def test_a_dead_workers_claim_with_a_started_call_becomes_unknown_never_resent(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    [reminder_id] = submit_many(tenant, clock, 1)
    db.rollback()
    claim_due(db, worker="dead", now=clock.now(), limit=10, lease=LEASE)
    row = db.get_one(Reminder, reminder_id)
    db.add(
        DeliveryAttempt(
            tenant_id=row.tenant_id,
            reminder_id=row.id,
            customer_id=row.customer_id,
            channel="sms",
            provider="twilio_sms",
            status=STARTED,
            started_at=clock.now(),
        )
    )
    db.commit()
    requeued, unknown = recover_expired(db, now=clock.now() + LEASE * 2)
    db.commit()
    assert (requeued, unknown) == ([], [reminder_id])
    body = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    assert body["status"] == "unknown"
    assert body["attempts"][0]["status"] == "unknown"
    assert claim_due(db, worker="next", now=clock.now() + LEASE * 3, limit=10, lease=LEASE) == []


def test_skip_locked_gives_a_second_worker_other_reminders_without_waiting(
    tmp_path: Path,
) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        clock = FrozenClock(START)
        seed(url, clock=clock, bodies=[reminder(customer=customer(ref=f"c-{i}")) for i in range(6)])
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)
        with sessions() as first, sessions() as second:
            mine = claim_due(first, worker="a", now=clock.now(), limit=4, lease=LEASE)
            second.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # fail, don't hang
            theirs = claim_due(second, worker="b", now=clock.now(), limit=10, lease=LEASE)
            assert len(mine) == 4
            assert len(theirs) == 2
            assert not set(mine) & set(theirs)
            first.commit()
            second.commit()
        engine.dispose()
