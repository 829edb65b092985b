"""Policy and contact-history queries."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.policy import PolicyRecord
from app.models.reminders import Reminder
from app.policy.evaluate import Contact
from app.templates.webhook import VISIT

CONNECTED_STATUSES = ("answered",)
"""Delivery statuses that mean a conversation took place."""


def find(session: Session, *, tenant_id: uuid.UUID, name: str) -> PolicyRecord | None:
    return session.scalar(
        sa.select(PolicyRecord).where(
            PolicyRecord.tenant_id == tenant_id, PolicyRecord.name == name
        )
    )


def names(session: Session, *, tenant_id: uuid.UUID) -> Sequence[str]:
    return session.scalars(
        sa.select(PolicyRecord.name)
        .where(PolicyRecord.tenant_id == tenant_id)
        .order_by(PolicyRecord.name)
    ).all()


def lock_customers(session: Session, customer_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Serialises contact decisions per customer until the transaction ends; returns the
    customers locked, which on PostgreSQL may be fewer than asked for.

    PostgreSQL: `SELECT ... FOR NO KEY UPDATE SKIP LOCKED`. A customer another transaction
    holds (an API batch upserting it, another worker deciding on it) is skipped, never waited
    for, so no lock order between the API (customers in input order) and the dispatcher can
    deadlock, and a slow transaction elsewhere never stalls a round. NO KEY UPDATE still
    excludes another decision on the customer but not the key-share locks that inserting its
    reminders or attempts takes. SQLite has no row locks: a no-op UPDATE takes its single
    writer lock now, instead of upgrading a read transaction later (which SQLite refuses
    outright when another writer got in between), and then holds every customer.
    """
    if not customer_ids:
        return set()
    chosen = Customer.id.in_(customer_ids)
    if session.get_bind().dialect.name == "postgresql":
        return set(
            session.scalars(
                sa.select(Customer.id)
                .where(chosen)
                .with_for_update(key_share=True, skip_locked=True)
            )
        )
    session.execute(
        sa.update(Customer).where(chosen).values(updated_at=Customer.updated_at),
        execution_options={"synchronize_session": False},
    )
    return set(customer_ids)


def history(
    session: Session, *, customers: Collection[Customer], since: datetime
) -> dict[uuid.UUID, list[Contact]]:
    """Every attempt to reach these customers since `since`, in one query on the contacts
    index (tenant, customer, time)."""
    customer_ids = [customer.id for customer in customers]
    rows = session.execute(
        sa.select(
            DeliveryAttempt.customer_id,
            DeliveryAttempt.started_at,
            DeliveryAttempt.channel,
            Reminder.loan_ref,
            DeliveryAttempt.status,
            Reminder.task,
        )
        .join(Reminder, Reminder.id == DeliveryAttempt.reminder_id)
        .where(
            DeliveryAttempt.tenant_id.in_({customer.tenant_id for customer in customers}),
            DeliveryAttempt.customer_id.in_(customer_ids),
            DeliveryAttempt.started_at > since,
        )
    )
    contacts: dict[uuid.UUID, list[Contact]] = {customer_id: [] for customer_id in customer_ids}
    for customer_id, at, channel, loan_ref, status, task in rows:
        contacts[customer_id].append(
            Contact(
                at=at,
                channel=channel,
                loan_ref=loan_ref,
                connected=status in CONNECTED_STATUSES,
                visit=task == VISIT,
            )
        )
    return contacts
