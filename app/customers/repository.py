"""Customer queries: a whole batch's customers are read and upserted in one statement each."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models.customers import Customer

CONTACT_FIELDS = ("phone", "email", "locale", "timezone", "jurisdiction")


_REFS = {
    "postgresql": Customer.ref
    == sa.any_(sa.bindparam("refs", type_=postgresql.ARRAY(sa.String()))),
    "sqlite": Customer.ref.in_(sa.bindparam("refs", expanding=True)),
}
"""`ref` among the `refs` parameter; on PostgreSQL `ref = ANY(%s)`, one array parameter: a
thousand refs as a thousand placeholders make a statement too long for psycopg's cache of parsed
queries, so it would be parsed again, slowly, for every batch."""
_THIS_TENANT = Customer.tenant_id == sa.bindparam("tenant_id")
_CONTACTS = {
    dialect: sa.select(Customer.ref, *(getattr(Customer, name) for name in CONTACT_FIELDS)).where(
        _THIS_TENANT, refs
    )
    for dialect, refs in _REFS.items()
}
_IDS = {
    dialect: sa.select(Customer.ref, Customer.id).where(_THIS_TENANT, refs)
    for dialect, refs in _REFS.items()
}


def _upsert(module: Any) -> sa.Insert:
    new = module.insert(Customer)
    upsert: sa.Insert = new.on_conflict_do_update(
        index_elements=[Customer.tenant_id, Customer.ref],
        set_={
            "updated_at": new.excluded.updated_at,
            **{
                name: sa.func.coalesce(new.excluded[name], getattr(Customer, name))
                for name in CONTACT_FIELDS
            },
        },
    )
    return upsert


_UPSERTS = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}
"""The statements a submission runs are built once, per dialect: building them cost about as
much as running them."""


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def find_by_refs(
    session: Session, *, tenant_id: uuid.UUID, refs: Collection[str]
) -> dict[str, Customer]:
    rows = session.scalars(
        sa.select(Customer).where(_THIS_TENANT, _REFS[_dialect(session)]),
        {"tenant_id": tenant_id, "refs": list(refs)},
    )
    return {customer.ref: customer for customer in rows}


def contacts_by_refs(
    session: Session, *, tenant_id: uuid.UUID, refs: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The stored contact fields of each known ref (a field not stored is left out), read as
    plain rows: a batch's thousand customers need no ORM objects."""
    rows = session.execute(
        _CONTACTS[_dialect(session)], {"tenant_id": tenant_id, "refs": list(refs)}
    )
    return {
        row[0]: {"ref": row[0]}
        | {
            name: value
            for name, value in zip(CONTACT_FIELDS, row[1:], strict=True)
            if value is not None
        }
        for row in rows
    }


def upsert_many(
    session: Session, *, tenant_id: uuid.UUID, customers: Sequence[dict[str, Any]], now: datetime
) -> dict[str, uuid.UUID]:
    """Inserts new refs, overwrites given fields of known ones (a null keeps the stored value).

    Rows go in ref order, so two batches sharing customers lock them in the same order and
    cannot deadlock each other on PostgreSQL. The upsert is an `executemany` (one short
    statement, prepared once) with no RETURNING, which would make it one statement with a
    placeholder per value; the ids are then read in one query (a ref another writer inserted
    meanwhile keeps that writer's id).
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
    dialect = _dialect(session)
    session.connection().execute(_UPSERTS[dialect], rows)
    ids = session.execute(
        _IDS[dialect], {"tenant_id": tenant_id, "refs": [row["ref"] for row in rows]}
    )
    return {ref: customer_id for ref, customer_id in ids}
