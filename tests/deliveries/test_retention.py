"""Retention erases old message bodies and stale contact details, never what happened."""

import hashlib
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.db import create_session_factory
from app.deliveries import retention
from app.deliveries.retention import Erased, erase_expired
from app.dispatch.scheduler import dispatching
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.idempotency import IdempotencyRecord
from app.models.inbound import InboundMessage
from app.models.reminders import ReminderEvent
from app.models.states import ReminderStatus
from tests.conftest import Tenant, app_providers, app_settings
from tests.deliveries.conftest import BODY, EMAIL, PHONE, Log
from tests.factories import reminder

OLD = timedelta(days=400)
NUDGE = str(Path(sys.executable).parent / "nudge")


def contact(db: Session, customer_id: uuid.UUID) -> tuple[str | None, str | None]:
    db.rollback()
    found = db.get_one(Customer, customer_id, populate_existing=True)
    return found.phone, found.email


def erase(db: Session, clock: FrozenClock, days: int = 365) -> Erased:
    erased = erase_expired(db, now=clock.now(), days=days)
    db.commit()
    return erased


def test_old_bodies_and_recipients_are_erased_with_their_digest_kept(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer(updated_at=log.now - OLD)
    reminder_id = log.reminder(customer, at=log.now - OLD)
    old = log.attempts(reminder_id, customer, 3, start=log.now - OLD, status="failed")
    [recent] = log.attempts(reminder_id, customer, start=log.now - timedelta(days=364))
    db.execute(
        sa.insert(ReminderEvent),
        [{"tenant_id": tenant.id, "reminder_id": reminder_id, "kind": "sent", "at": log.now - OLD}],
    )
    db.commit()
    before = tenant.client.get("/v1/stats/deliveries", params={"group_by": "status"}).json()
    events = db.execute(sa.select(ReminderEvent.__table__)).all()

    assert erase(db, clock) == Erased(attempts=3, customers=0)

    erased = tenant.client.get(f"/v1/deliveries/{old[0]}").json()
    assert (erased["body"], erased["recipient"], erased["status"]) == (None, None, "failed")
    assert erased["body_sha256"] == hashlib.sha256(BODY.encode()).hexdigest()
    kept = tenant.client.get(f"/v1/deliveries/{recent}").json()
    assert (kept["body"], kept["recipient"], kept["body_sha256"]) == (BODY, PHONE, None)
    after = tenant.client.get("/v1/stats/deliveries", params={"group_by": "status"}).json()
    assert after == before
    assert db.execute(sa.select(ReminderEvent.__table__)).all() == events
    # The customer was reached 364 days ago: their contact details are still needed.
    assert contact(db, customer) == (PHONE, EMAIL)
    assert erase(db, clock) == Erased(attempts=0, customers=0)


def test_contact_details_go_only_when_nothing_about_the_customer_is_recent_or_pending(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock
) -> None:
    log: Log = log_for(tenant.id)
    long_ago = log.now - OLD

    def old_customer(ref: str, **fields: Any) -> uuid.UUID:
        return log.customer(ref, created_at=long_ago, updated_at=long_ago, **fields)

    forgotten = old_customer("forgotten")
    log.attempts(log.reminder(forgotten, at=long_ago), forgotten, start=long_ago)
    pending = old_customer("pending")
    log.reminder(pending, at=long_ago, status=ReminderStatus.DEFERRED)
    reached_lately = old_customer("reached-lately")
    log.attempts(
        log.reminder(reached_lately, at=long_ago), reached_lately, start=log.now - timedelta(days=1)
    )
    resubmitted = log.customer("resubmitted", created_at=long_ago)
    never_contacted = old_customer("never-contacted")

    assert erase(db, clock) == Erased(attempts=1, customers=2)
    assert contact(db, forgotten) == (None, None)
    assert contact(db, never_contacted) == (None, None)
    for kept in (pending, reached_lately, resubmitted):
        assert contact(db, kept) == (PHONE, EMAIL)
    # The do-not-contact registry keeps its numbers, or an erased customer could be reached.


def test_zero_days_keeps_everything_forever(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer(updated_at=log.now - OLD * 10)
    log.attempts(log.reminder(customer, at=log.now - OLD * 10), customer, start=log.now - OLD * 10)
    assert erase(db, clock, days=0) == Erased(attempts=0, customers=0)
    assert db.scalar(sa.select(DeliveryAttempt.body)) == BODY
    assert contact(db, customer) == (PHONE, EMAIL)


def test_nudge_retention_run_erases_from_the_command_line(
    tenant: Tenant, log_for: Any, db: Session, database_url: str
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer()
    [attempt] = log.attempts(log.reminder(customer), customer, start=log.now - timedelta(days=40))
    env = os.environ | {"NUDGE_DATABASE_URL": database_url, "NUDGE_RETENTION_DAYS": "30"}
    done = subprocess.run(
        [NUDGE, "retention", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "erased 1 attempt bodies" in done.stdout
    assert "0 expired idempotency keys and 0 stale borrower links" in done.stdout
    db.rollback()
    assert db.get_one(DeliveryAttempt, attempt, populate_existing=True).body is None


@pytest.mark.anyio
async def test_the_scheduler_runs_retention_at_start_beside_the_dispatcher(
    tenant: Tenant, log_for: Any, db: Session, database_url: str, clock: FrozenClock
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer()
    [attempt] = log.attempts(log.reminder(customer), customer, start=log.now - OLD)
    settings = app_settings(database_url, embedded_worker=True)
    sessions = create_session_factory(db.get_bind())  # type: ignore[arg-type]

    providers = app_providers(settings)
    async with dispatching(sessions=sessions, settings=settings, providers=providers, clock=clock):
        with anyio.fail_after(20):
            while db.scalar(sa.select(DeliveryAttempt.body)) is not None:
                db.rollback()
                await anyio.sleep(0.05)
    db.rollback()
    assert db.get_one(DeliveryAttempt, attempt, populate_existing=True).body_sha256


def test_the_words_of_old_replies_are_erased_and_the_record_of_the_reply_stays(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer()
    for age, sid in ((OLD, "SM-old"), (timedelta(days=1), "SM-new")):
        db.add(
            InboundMessage(
                tenant_id=tenant.id,
                customer_id=customer,
                from_phone=PHONE,
                body="可以下周再还吗",
                provider_message_id=sid,
                received_at=log.now - age,
            )
        )
    db.commit()
    assert erase(db, clock).replies == 1
    kept = dict(
        db.execute(sa.select(InboundMessage.provider_message_id, InboundMessage.body)).all()
    )
    assert kept == {"SM-old": None, "SM-new": "可以下周再还吗"}


def test_the_daily_pass_deletes_expired_idempotency_keys_and_counts_them_in_its_log(
    tenant: Tenant, db: Session, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    def post(key: str, loan_ref: str) -> Any:
        body = reminder(loan_ref=loan_ref)
        return tenant.client.post("/v1/reminders", json=body, headers={"Idempotency-Key": key})

    assert post("k-old", "loan-1").status_code == 202
    clock.advance(timedelta(hours=23))
    fresh = post("k-new", "loan-2")
    clock.advance(timedelta(hours=1, seconds=1))  # k-old is past its 24 hours, k-new is not

    sessions = create_session_factory(db.get_bind())  # type: ignore[arg-type]
    with caplog.at_level("INFO", logger="app.deliveries.retention"):
        erased = retention.run(sessions, now=clock.now(), days=365, pending_ttl=timedelta(hours=1))
    assert erased.idempotency_keys == 1
    assert "1 expired idempotency keys" in caplog.text
    db.rollback()
    assert list(db.scalars(sa.select(IdempotencyRecord.key))) == ["k-new"]
    replayed = post("k-new", "loan-2")
    assert (replayed.headers["idempotent-replayed"], replayed.json()) == ("true", fresh.json())
    assert retention.run(sessions, now=clock.now(), days=0, pending_ttl=timedelta(hours=1)) == (
        Erased(attempts=0, customers=0)
    )
