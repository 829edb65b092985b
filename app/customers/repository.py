"""Customer queries: a whole batch's customers are read and upserted in one statement each."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import dialect_insert
from app.models.customers import Customer

CONTACT_FIELDS = ("phone", "email", "locale", "timezone", "jurisdiction")


def find_by_refs(
    session: Session, *, tenant_id: uuid.UUID, refs: Collection[str]
) -> dict[str, Customer]:
    rows = session.scalars(
        sa.select(Customer).where(Customer.tenant_id == tenant_id, Customer.ref.in_(refs))
    )
    return {customer.ref: customer for customer in rows}


def upsert_many(
    session: Session, *, tenant_id: uuid.UUID, customers: Sequence[dict[str, Any]], now: datetime
) -> dict[str, uuid.UUID]:
    """Inserts new refs, overwrites given fields of known ones (a null keeps the stored value).

    Rows go in ref order, so two batches sharing customers lock them in the same order and
    cannot deadlock each other on PostgreSQL.
    """
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "created_at": now,
            "updated_at": now,
            "ref": customer["ref"],
            **{name: customer.get(name) for name in CONTACT_FIELDS},
        }
        for customer in sorted(customers, key=lambda customer: str(customer["ref"]))
    ]
    new = dialect_insert(session, Customer)
    upsert = new.on_conflict_do_update(
        index_elements=[Customer.tenant_id, Customer.ref],
        set_={
            "updated_at": new.excluded.updated_at,
            **{
                name: sa.func.coalesce(new.excluded[name], getattr(Customer, name))
                for name in CONTACT_FIELDS
            },
        },
    ).returning(Customer.ref, Customer.id)
    return {ref: customer_id for ref, customer_id in session.execute(upsert, rows)}
