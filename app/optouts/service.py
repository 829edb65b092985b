"""Registering, listing and lifting opt-outs."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import Clock
from app.customers.models import Customer
from app.errors import FieldError, NotFound, ValidationFailed
from app.optouts import repository
from app.optouts.models import OptOut
from app.optouts.schemas import OptOutIn, OptOutOut, OptOutPage
from app.pagination import decode_cursor, encode_cursor


def _customer_id(session: Session, tenant_id: uuid.UUID, ref: str, field: str) -> uuid.UUID:
    found = session.scalar(
        sa.select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.ref == ref)
    )
    if found is None:
        raise ValidationFailed([FieldError(field=field, detail=f"no customer '{ref}'")])
    return found


def register(
    session: Session, *, tenant_id: uuid.UUID, opt_out: OptOutIn, clock: Clock
) -> OptOutOut:
    """Adds an opt-out; registering the same one again returns the existing record."""
    customer_id = (
        _customer_id(session, tenant_id, opt_out.customer_ref, "customer_ref")
        if opt_out.customer_ref
        else None
    )
    existing = session.scalar(
        sa.select(OptOut).where(
            OptOut.tenant_id == tenant_id,
            OptOut.channel == opt_out.channel,
            OptOut.customer_id.is_(None)
            if customer_id is None
            else OptOut.customer_id == customer_id,
            OptOut.phone.is_(None) if opt_out.phone is None else OptOut.phone == opt_out.phone,
            OptOut.email.is_(None) if opt_out.email is None else OptOut.email == opt_out.email,
        )
    )
    record = existing or OptOut(
        tenant_id=tenant_id,
        customer_id=customer_id,
        phone=opt_out.phone,
        email=opt_out.email,
        channel=opt_out.channel,
        source=opt_out.source,
        created_at=clock.now(),
    )
    session.add(record)
    session.flush()
    return _out(record, opt_out.customer_ref)


def _out(record: OptOut, customer_ref: str | None) -> OptOutOut:
    return OptOutOut(
        id=record.id,
        customer_ref=customer_ref,
        phone=record.phone,
        email=record.email,
        channel=record.channel,
        source=record.source,
        created_at=record.created_at,
    )


def list_page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_ref: str | None,
    phone: str | None,
    email: str | None,
    cursor: str | None,
    limit: int,
) -> OptOutPage:
    customer_id = (
        _customer_id(session, tenant_id, customer_ref, "query.customer_ref")
        if customer_ref
        else None
    )
    rows = repository.page(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        phone=phone,
        email=email,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    last = rows[limit - 1][0] if len(rows) > limit else None
    return OptOutPage(
        items=[_out(row, ref) for row, ref in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


def lift(session: Session, *, tenant_id: uuid.UUID, opt_out_id: uuid.UUID) -> None:
    deleted = session.execute(
        sa.delete(OptOut).where(OptOut.id == opt_out_id, OptOut.tenant_id == tenant_id)
    )
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"no opt-out {opt_out_id}")
