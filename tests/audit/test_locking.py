"""Appending to a tenant's chain never deadlocks with rows other writers are inserting."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app.audit.service import record_events
from app.clock import FrozenClock
from app.db import create_db_engine, create_session_factory
from app.reminders.models import Reminder, ReminderEvent
from tests.databases import fresh_database
from tests.factories import reminder
from tests.seeding import seed

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
            [event_id] = appender.scalars(
                sa.insert(ReminderEvent).returning(ReminderEvent.id), [event]
            ).all()
            record_events(appender, [event | {"id": event_id}])  # must not wait on `other`
            appender.commit()
            other.rollback()
        engine.dispose()
