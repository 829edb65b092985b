"""Every reminder query; status changes go through app/lifecycle/."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder, ReminderEvent
from app.models.states import PENDING, ReminderStatus
from app.pagination import newest_first


def get_with_ref(
    session: Session, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID
) -> tuple[Reminder, str] | None:
    row = session.execute(
        sa.select(Reminder, Customer.ref)
        .join(Customer, Customer.id == Reminder.customer_id)
        .where(Reminder.id == reminder_id, Reminder.tenant_id == tenant_id)
    ).first()
    return None if row is None else (row[0], row[1])


def timeline(session: Session, reminder_id: uuid.UUID) -> Sequence[ReminderEvent]:
    return session.scalars(
        sa.select(ReminderEvent)
        .where(ReminderEvent.reminder_id == reminder_id)
        .order_by(ReminderEvent.id)
    ).all()


def attempts(session: Session, reminder_id: uuid.UUID) -> Sequence[DeliveryAttempt]:
    return session.scalars(
        sa.select(DeliveryAttempt)
        .where(DeliveryAttempt.reminder_id == reminder_id)
        .order_by(DeliveryAttempt.started_at, DeliveryAttempt.id)
    ).all()


DUE_BUCKETS = ("overdue_hour", "overdue", "next_hour", "next_day", "later")
"""How far a pending reminder's next look is from now, most overdue first."""


def backlog(
    session: Session, *, tenant_id: uuid.UUID, now: datetime
) -> tuple[list[tuple[str, str, int]], datetime | None]:
    """(status, due bucket, reminders) for pending reminders, and the oldest due time."""
    due = Reminder.next_attempt_at
    bucket = sa.case(
        (due < now - timedelta(hours=1), DUE_BUCKETS[0]),
        (due <= now, DUE_BUCKETS[1]),
        (due <= now + timedelta(hours=1), DUE_BUCKETS[2]),
        (due <= now + timedelta(days=1), DUE_BUCKETS[3]),
        else_=DUE_BUCKETS[4],
    ).label("bucket")
    pending = (Reminder.tenant_id == tenant_id, Reminder.status.in_(PENDING))
    counts = session.execute(
        sa.select(Reminder.status, bucket, sa.func.count())
        .where(*pending)
        .group_by(Reminder.status, bucket)
    )
    oldest = session.scalar(sa.select(sa.func.min(due)).where(*pending, due <= now))
    return [(str(row[0]), row[1], row[2]) for row in counts], oldest


def page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_ref: str | None,
    loan_ref: str | None,
    status: ReminderStatus | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[tuple[Reminder, str]]:
    query = (
        sa.select(Reminder, Customer.ref)
        .join(Customer, Customer.id == Reminder.customer_id)
        .where(Reminder.tenant_id == tenant_id)
    )
    if customer_ref is not None:
        query = query.where(Customer.ref == customer_ref)
    if loan_ref is not None:
        query = query.where(Reminder.loan_ref == loan_ref)
    if status is not None:
        query = query.where(Reminder.status == status)
    query = newest_first(query, key=(Reminder.created_at, Reminder.id), after=after, limit=limit)
    return [(row[0], row[1]) for row in session.execute(query)]
