"""Every reminder query; status changes go through app/lifecycle/."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.pagination import newest_first
from app.reminders.models import DeliveryAttempt, Reminder, ReminderEvent
from app.reminders.states import ReminderStatus


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
