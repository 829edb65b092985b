"""Bulk inserts (`app.db.insert_rows`, a COPY on PostgreSQL) fail as any statement does: the
callers and the dispatcher's isolation tell a bad row from a lost database by SQLAlchemy's
exception classes."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import create_db_engine, insert_rows
from app.models.reminders import ReminderEvent
from bench.scratch import fresh_database
from tests.conftest import Tenant

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def event_of(tenant_id: uuid.UUID, reminder_id: uuid.UUID) -> dict[str, object]:
    return {
        "tenant_id": tenant_id,
        "reminder_id": reminder_id,
        "kind": "accepted",
        "reason": None,
        "detail": {"note": "tab\tand newline\n"},
        "at": AT,
    }


def test_a_bulk_insert_breaking_a_constraint_raises_integrity_error(
    tenant: Tenant, db: Session
) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        insert_rows(db, ReminderEvent, [event_of(tenant.id, uuid.uuid4())])
    db.rollback()


def test_a_bulk_insert_on_a_lost_connection_raises_operational_error_and_drops_it(
    tmp_path: Path,
) -> None:
    """PostgreSQL only: SQLite is a file, with no connection to lose."""
    with fresh_database("postgresql", tmp_path) as url:
        engine = create_db_engine(url)
        try:
            with Session(engine) as session, engine.connect() as other:
                backend = session.connection().exec_driver_sql("SELECT pg_backend_pid()")
                other.execute(sa.select(sa.func.pg_terminate_backend(backend.scalar_one())))
                with pytest.raises(sa.exc.OperationalError) as raised:
                    insert_rows(session, ReminderEvent, [event_of(uuid.uuid4(), uuid.uuid4())])
                assert raised.value.connection_invalidated
        finally:
            engine.dispose()
