"""Parallel workers deciding on the same customers never exceed a cap on PostgreSQL."""

import random
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import migrate
from app.clock import FrozenClock
from app.customers.models import Customer
from app.db import create_db_engine, create_session_factory
from app.policy import service as policies
from app.policy.service import Candidate, gate
from app.policy.spec import Policy
from app.reminders import service as reminders
from app.reminders.models import DeliveryAttempt, Reminder
from app.reminders.schemas import ReminderIn
from app.tenants import service as tenants
from app.tenants.models import Tenant
from channels.base import Channel
from tests.databases import fresh_database
from tests.factories import customer, reminder

NOON_SHANGHAI = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # a Monday
WORKERS = 8
CAP = {
    "windows": {"any": [{"start": "08:00", "end": "22:00"}]},
    "caps": [{"channel": "any", "max": 2, "window": "P1D"}],
}


def decide_and_record(
    sessions: "sa.orm.sessionmaker[Session]",
    reminder_ids: list[uuid.UUID],
    errors: list[BaseException],
) -> None:
    """One worker: for each reminder, the gate and the contact it allows, in one transaction."""
    try:
        for reminder_id in reminder_ids:
            with sessions.begin() as session:
                row = session.get_one(Reminder, reminder_id)
                candidate = Candidate(
                    reminder=row,
                    customer=session.get_one(Customer, row.customer_id),
                    tenant=session.get_one(Tenant, row.tenant_id),
                    channels=[Channel.SMS],
                )
                [verdict] = gate(
                    session, candidates=[candidate], now=NOON_SHANGHAI, rng=random.Random(1)
                )
                if verdict.action == "send":
                    session.add(
                        DeliveryAttempt(
                            tenant_id=row.tenant_id,
                            reminder_id=row.id,
                            customer_id=row.customer_id,
                            channel="sms",
                            provider="console",
                            status="sending",
                            started_at=NOON_SHANGHAI,
                        )
                    )
    except BaseException as error:  # surfaced by the test thread
        errors.append(error)


def test_parallel_workers_keep_the_daily_cap_exactly_per_customer(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        engine = create_db_engine(url)
        migrate.upgrade(engine)
        sessions = create_session_factory(engine)
        clock = FrozenClock(NOON_SHANGHAI)
        with sessions.begin() as session:
            tenant_id = tenants.create_tenant(session, name="race", clock=clock).tenant_id
            policies.save(
                session,
                tenant_id=tenant_id,
                name="two-a-day",
                policy=Policy.model_validate(CAP),
                clock=clock,
            )
            items = [
                ReminderIn.model_validate(
                    reminder(
                        customer=customer(ref=f"c-{i % 3}"),
                        channels=["sms"],
                        policy="two-a-day",
                        loan_ref=f"loan-{i}",
                    )
                )
                for i in range(150)
            ]
            ids = [
                r.id
                for r in reminders.create(session, tenant_id=tenant_id, items=items, clock=clock)
            ]

        errors: list[BaseException] = []
        shares = [ids[k::WORKERS] for k in range(WORKERS)]
        workers = [
            threading.Thread(target=decide_and_record, args=(sessions, share, errors))
            for share in shares
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []

        with sessions() as session:
            per_customer = Counter(session.scalars(sa.select(DeliveryAttempt.customer_id)))
        assert sorted(per_customer.values()) == [2, 2, 2]
        engine.dispose()
