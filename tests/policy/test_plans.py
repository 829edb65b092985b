"""The contact policy's lookups seek the customer's own contacts, whatever the planner's
statistics say: a lookup answered from the tenant's delivery log reads every contact of the
tenant since the look-back, for each customer of each round (docs/benchmarks.md)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.policy import repository
from tests.conftest import Tenant
from tests.helpers.api import items

NOW = datetime(2026, 12, 9, 6, 0, tzinfo=UTC)
CUSTOMERS = 100
CONTACTS_EACH = 20


@contextmanager
def captured(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """The statements the session sends meanwhile, with their parameters."""
    sent: list[tuple[str, Any]] = []
    connection = session.connection()

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        sa.event.remove(connection, "before_cursor_execute", keep)


def plan(session: Session, statement: str, parameters: Any) -> str:
    connection = session.connection()
    explain = "EXPLAIN" if connection.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    rows = connection.exec_driver_sql(f"{explain} {statement}", parameters).all()
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


def customers_with_fresh_history(tenant: Tenant, db: Session) -> list[Customer]:
    """A tenant's customers and their contacts, all written after the statistics were
    taken, as in a deployment whose delivery log grew since autovacuum's last ANALYZE."""
    answer = tenant.client.post("/v1/reminders/batch", json={"items": items(CUSTOMERS)})
    assert answer.status_code == 202, answer.text
    reminders = db.scalars(sa.select(Reminder).where(Reminder.tenant_id == tenant.id)).all()
    db.commit()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("ANALYZE delivery_attempts"))
    db.add_all(
        DeliveryAttempt(
            tenant_id=row.tenant_id,
            reminder_id=row.id,
            customer_id=row.customer_id,
            channel="sms",
            provider="console",
            status="sent",
            started_at=NOW - timedelta(minutes=minute),
        )
        for row in reminders
        for minute in range(CONTACTS_EACH)
    )
    db.flush()
    return list(
        db.scalars(sa.select(Customer).where(Customer.tenant_id == tenant.id).limit(50)).all()
    )


def plans_of(db: Session, lookup: Callable[[], object]) -> list[str]:
    with captured(db) as sent:
        lookup()
    return [plan(db, statement, parameters) for statement, parameters in sent]


def test_contact_lookups_seek_the_customer_index_on_stale_statistics(
    tenant: Tenant, db: Session
) -> None:
    chosen = customers_with_fresh_history(tenant, db)
    since = NOW - timedelta(days=1)
    tallied = plans_of(
        db,
        lambda: repository.tallies(
            db, customers=chosen, since=since, moments={NOW - timedelta(hours=6): 30}
        ),
    )
    newest = plans_of(
        db, lambda: repository.newest_contacts(db, customers=chosen, since=since, keep=3)
    )
    db.rollback()

    for found in tallied:
        assert "ix_delivery_attempts_contacts" in found, found
    for found in [*tallied, *newest]:
        assert "ix_delivery_attempts_tenant_log" not in found, found
