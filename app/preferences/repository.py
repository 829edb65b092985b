"""Preference and customer-timeline queries, each scoped to its tenant."""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.preferences import CustomerEvent, CustomerPreferences


def customer(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, lock: bool = False
) -> Customer | None:
    """`lock`: FOR NO KEY UPDATE, as the dispatcher's gate takes it (which skips a customer
    held), so a submission inserting the customer's reminders is not kept waiting."""
    query = sa.select(Customer).where(Customer.id == customer_id, Customer.tenant_id == tenant_id)
    return session.scalar(query.with_for_update(key_share=True) if lock else query)


def customer_by_ref(session: Session, *, tenant_id: uuid.UUID, ref: str) -> uuid.UUID | None:
    return session.scalar(
        sa.select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.ref == ref)
    )


def stored(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> CustomerPreferences | None:
    return session.scalar(
        sa.select(CustomerPreferences).where(
            CustomerPreferences.customer_id == customer_id,
            CustomerPreferences.tenant_id == tenant_id,
        )
    )


def timeline(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, limit: int
) -> Sequence[CustomerEvent]:
    """The newest `limit` lines, newest first."""
    return session.scalars(
        sa.select(CustomerEvent)
        .where(CustomerEvent.tenant_id == tenant_id, CustomerEvent.customer_id == customer_id)
        .order_by(CustomerEvent.id.desc())
        .limit(limit)
    ).all()
