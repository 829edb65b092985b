"""The chain under load and across upgrades: appends never deadlock with other writers, and
rows written before the chain existed are chained by the migration."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app import migrate
from app.audit.service import verify
from app.clock import FrozenClock
from app.db import create_db_engine, create_session_factory
from app.lifecycle.changes import changes
from app.lifecycle.events import Accepted
from app.models.customers import Customer
from app.models.reminders import Reminder, ReminderEvent
from app.models.tenants import Tenant
from bench.scratch import fresh_database
from bench.seeding import seed
from tests.factories import reminder

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


def test_the_chain_lock_does_not_wait_on_another_writers_foreign_key_checks(
    tmp_path: Path,
) -> None:
    """Two writers each insert an event (its foreign key share-locks the tenant row), then
    append to the chain. A plain FOR UPDATE on the tenant would wait on the other's share lock
    while the other waits on it: a deadlock. The chain's lock must not conflict with it."""
    with fresh_database("postgresql", tmp_path) as url:
        tenant_id = seed(url, clock=FrozenClock(NOW), bodies=[reminder()])
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)
        with sessions() as session:
            reminder_id = session.scalar(sa.select(Reminder.id))
        event = {
            "tenant_id": tenant_id,
            "reminder_id": reminder_id,
            "kind": "note",
            "reason": None,
            "detail": None,
            "at": NOW,
        }
        with sessions() as other, sessions() as appender:
            other.execute(sa.insert(ReminderEvent), [event])  # holds KEY SHARE on the tenant
            appender.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            with changes(appender, now=NOW) as noted:  # must not wait on `other`
                noted.note(tenant_id=tenant_id, reminder_id=reminder_id, event=Accepted())
            appender.commit()
            other.rollback()
        engine.dispose()


def test_events_written_before_the_chain_existed_verify_after_the_upgrade(
    tmp_path: Path,
) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        engine = create_db_engine(url)
        migrate.upgrade(engine, "0007")
        tenant_id, customer_id, reminder_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with engine.begin() as connection:
            connection.execute(
                sa.insert(Tenant.__table__),
                [
                    {
                        "id": tenant_id,
                        "name": "old",
                        "created_at": NOW,
                        "display_name": "old",
                        "default_locale": "en-US",
                        "default_timezone": "UTC",
                        "default_currency": "USD",
                        "default_policy": "default",
                    }
                ],
            )
            connection.execute(
                sa.insert(Customer.__table__),
                [
                    {
                        "id": customer_id,
                        "tenant_id": tenant_id,
                        "ref": "c",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                ],
            )
            connection.execute(
                sa.insert(Reminder.__table__),
                [
                    {
                        "id": reminder_id,
                        "tenant_id": tenant_id,
                        "customer_id": customer_id,
                        "loan_ref": "l",
                        "template": "pre-due",
                        "channels": ["sms"],
                        "variables": {},
                        "metadata": {},
                        "status": "scheduled",
                        "send_at": NOW,
                        "next_attempt_at": NOW,
                        "created_at": NOW,
                        "updated_at": NOW,
                        "attempt_count": 0,
                    }
                ],
            )
            connection.execute(
                sa.insert(ReminderEvent.__table__),
                [
                    {"tenant_id": tenant_id, "reminder_id": reminder_id, "kind": kind, "at": NOW}
                    for kind in ("accepted", "cancelled")
                ],
            )
        migrate.upgrade(engine)
        with create_session_factory(engine)() as session:
            report = verify(session, tenant_id=tenant_id)
        assert (report.entries, report.broken) == (2, None)
        engine.dispose()
