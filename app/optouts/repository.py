"""Opt-out queries; one indexed query answers "may this customer be reached on this channel?"."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.optouts.models import OptOut, OptOutChannel


def blocking(session: Session, *, customer: Customer, channels: Sequence[str]) -> dict[str, OptOut]:
    """For each of `channels`, the opt-out that forbids it for this customer, if any."""
    subject = [OptOut.customer_id == customer.id]
    if customer.phone:
        subject.append(OptOut.phone == customer.phone)
    if customer.email:
        subject.append(OptOut.email == customer.email)
    rows = session.scalars(
        sa.select(OptOut).where(
            OptOut.tenant_id == customer.tenant_id,
            sa.or_(*subject),
            OptOut.channel.in_([*channels, OptOutChannel.ALL]),
        )
    ).all()
    return {
        channel: row
        for channel in reversed(channels)
        for row in reversed(rows)
        if _applies(row, channel)
    }


def _applies(row: OptOut, channel: str) -> bool:
    """A customer's opt-out covers every channel; a phone's, calls and SMS; an email's, email."""
    if row.channel not in (channel, OptOutChannel.ALL):
        return False
    if row.customer_id is not None:
        return True
    return channel in ("sms", "voice") if row.phone else channel == "email"


def page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    phone: str | None,
    email: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[tuple[OptOut, str | None]]:
    query = (
        sa.select(OptOut, Customer.ref)
        .outerjoin(Customer, Customer.id == OptOut.customer_id)
        .where(OptOut.tenant_id == tenant_id)
        .order_by(OptOut.created_at.desc(), OptOut.id.desc())
        .limit(limit)
    )
    if customer_id is not None:
        query = query.where(OptOut.customer_id == customer_id)
    if phone is not None:
        query = query.where(OptOut.phone == phone)
    if email is not None:
        query = query.where(OptOut.email == email)
    if after is not None:
        query = query.where(sa.tuple_(OptOut.created_at, OptOut.id) < sa.tuple_(*after))
    return [(row[0], row[1]) for row in session.execute(query)]
