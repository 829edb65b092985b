"""Opt-out queries; one indexed query answers "may this customer be reached on this channel?"."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db import among
from app.models.customers import Customer
from app.models.optouts import OptOut, OptOutChannel
from app.models.tenants import Tenant
from app.pagination import newest_first

CHANNELS = [channel for channel in OptOutChannel if channel is not OptOutChannel.ALL]


def blocked_channels(
    session: Session, *, customers: Sequence[Customer]
) -> dict[uuid.UUID, set[str]]:
    """For each customer, the channels an opt-out forbids, from one query for all of them."""
    if not customers:
        return {}
    phones = [c.phone for c in customers if c.phone]
    emails = [c.email for c in customers if c.email]
    rows = session.scalars(
        sa.select(OptOut).where(
            OptOut.tenant_id.in_({c.tenant_id for c in customers}),
            sa.or_(
                among(session, OptOut.customer_ref, [c.ref for c in customers]),
                among(session, OptOut.phone, phones),
                among(session, OptOut.email, emails),
            ),
        )
    ).all()
    return {
        customer.id: {
            channel
            for channel in CHANNELS
            for row in rows
            if row.tenant_id == customer.tenant_id
            and _concerns(row, customer)
            and _applies(row, channel)
        }
        for customer in customers
    }


def _concerns(row: OptOut, customer: Customer) -> bool:
    return (
        row.customer_ref == customer.ref
        or (row.phone is not None and row.phone == customer.phone)
        or (row.email is not None and row.email == customer.email)
    )


def _applies(row: OptOut, channel: str) -> bool:
    """A customer's opt-out covers every channel; a phone's, calls and SMS; an email's, email."""
    if row.channel not in (channel, OptOutChannel.ALL):
        return False
    if row.customer_ref is not None:
        return True
    return channel in ("sms", "voice") if row.phone else channel == "email"


def concerning(session: Session, *, customer: Customer) -> Sequence[OptOut]:
    """Every opt-out that covers the customer: by their reference, phone or email; oldest
    first."""
    rows = session.scalars(
        sa.select(OptOut)
        .where(
            OptOut.tenant_id == customer.tenant_id,
            sa.or_(
                OptOut.customer_ref == customer.ref,
                *([OptOut.phone == customer.phone] if customer.phone else []),
                *([OptOut.email == customer.email] if customer.email else []),
            ),
        )
        .order_by(OptOut.created_at, OptOut.id)
    ).all()
    return [row for row in rows if _concerns(row, customer)]


def customer_and_tenant(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> tuple[Customer, Tenant] | None:
    row = session.execute(
        sa.select(Customer, Tenant)
        .join(Tenant, Tenant.id == Customer.tenant_id)
        .where(Customer.id == customer_id, Customer.tenant_id == tenant_id)
    ).first()
    return None if row is None else (row[0], row[1])


def find(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    channel: OptOutChannel,
    customer_ref: str | None,
    phone: str | None,
    email: str | None,
) -> OptOut | None:
    """The opt-out with exactly this subject and channel, if registered already."""
    return session.scalar(
        sa.select(OptOut).where(
            OptOut.tenant_id == tenant_id,
            OptOut.channel == channel,
            _is(OptOut.customer_ref, customer_ref),
            _is(OptOut.phone, phone),
            _is(OptOut.email, email),
        )
    )


def _is(column: InstrumentedAttribute[str | None], value: str | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_ref: str | None,
    phone: str | None,
    email: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[OptOut]:
    query = sa.select(OptOut).where(OptOut.tenant_id == tenant_id)
    if customer_ref is not None:
        query = query.where(OptOut.customer_ref == customer_ref)
    if phone is not None:
        query = query.where(OptOut.phone == phone)
    if email is not None:
        query = query.where(OptOut.email == email)
    query = newest_first(query, key=(OptOut.created_at, OptOut.id), after=after, limit=limit)
    return session.scalars(query).all()
