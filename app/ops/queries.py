"""The dashboard's reads, each scoped to the signed-in tenant and few enough to index.

The JSON delivery API may later own these queries; the dashboard only needs these shapes.
"""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.states import PENDING
from app.models.tenants import ApiKey, Tenant


def active_key(session: Session, *, key_id: uuid.UUID, tenant_id: uuid.UUID) -> ApiKey | None:
    """The session's key if it still exists, is not revoked and belongs to its tenant."""
    return session.scalar(
        sa.select(ApiKey).where(
            ApiKey.id == key_id, ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None)
        )
    )


def tenant_zone(session: Session, *, tenant_id: uuid.UUID) -> ZoneInfo:
    """The zone the tenant's dashboard shows times in: its `default_timezone`."""
    name = session.scalar(sa.select(Tenant.default_timezone).where(Tenant.id == tenant_id))
    return ZoneInfo(name or "UTC")


def reminder_with_customer(
    session: Session, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID
) -> tuple[Reminder, Customer] | None:
    row = session.execute(
        sa.select(Reminder, Customer)
        .join(Customer, Customer.id == Reminder.customer_id)
        .where(Reminder.id == reminder_id, Reminder.tenant_id == tenant_id)
    ).first()
    return None if row is None else (row[0], row[1])


def _utc_day(session: Session, column: InstrumentedAttribute[datetime]) -> sa.ColumnElement[date]:
    """The UTC calendar day of a stored timestamp (SQLite keeps UTC text, PostgreSQL a zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def daily_counts(
    session: Session, *, tenant_id: uuid.UUID, since: datetime
) -> list[tuple[str, date | str, str, int]]:
    """(channel, UTC day, status, attempts) for every attempt started since `since`."""
    day = _utc_day(session, DeliveryAttempt.started_at).label("day")
    query = (
        sa.select(DeliveryAttempt.channel, day, DeliveryAttempt.status, sa.func.count())
        .where(DeliveryAttempt.tenant_id == tenant_id, DeliveryAttempt.started_at >= since)
        .group_by(DeliveryAttempt.channel, day, DeliveryAttempt.status)
    )
    return [(row[0], row[1], row[2], row[3]) for row in session.execute(query)]


BUCKETS = ("overdue_hour", "overdue", "next_hour", "next_day", "later")


def backlog(
    session: Session, *, tenant_id: uuid.UUID, now: datetime
) -> tuple[list[tuple[str, str, int]], datetime | None]:
    """(status, due bucket, reminders) for pending reminders, and the oldest due time."""
    due = Reminder.next_attempt_at
    bucket = sa.case(
        (due < now - timedelta(hours=1), BUCKETS[0]),
        (due <= now, BUCKETS[1]),
        (due <= now + timedelta(hours=1), BUCKETS[2]),
        (due <= now + timedelta(days=1), BUCKETS[3]),
        else_=BUCKETS[4],
    ).label("bucket")
    pending = (Reminder.tenant_id == tenant_id, Reminder.status.in_(PENDING))
    counts = session.execute(
        sa.select(Reminder.status, bucket, sa.func.count())
        .where(*pending)
        .group_by(Reminder.status, bucket)
    )
    oldest = session.scalar(sa.select(sa.func.min(due)).where(*pending, due <= now))
    return [(str(row[0]), row[1], row[2]) for row in counts], oldest
