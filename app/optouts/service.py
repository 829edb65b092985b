"""Registering, listing and lifting opt-outs."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import Clock
from app.errors import NotFound
from app.models.customers import Customer
from app.models.optouts import OptOut, OptOutChannel, OptOutSource
from app.models.tenants import Tenant
from app.optouts import repository
from app.optouts.links import Unsubscribe
from app.optouts.schemas import OptOutIn, OptOutOut, OptOutPage
from app.pagination import decode_cursor, encode_cursor


def register(
    session: Session, *, tenant_id: uuid.UUID, opt_out: OptOutIn, now: datetime
) -> OptOutOut:
    """Adds an opt-out; registering the same one again returns the existing record. The one
    writer of opt-outs: the API, a STOP text, an unsubscribe link and a provider's refusal
    all come here, so none of them can store a second copy.

    A `customer_ref` need not name a customer yet: the opt-out is kept by reference and
    applies to the customer's first reminder, whenever it comes.
    """
    existing = repository.find(
        session,
        tenant_id=tenant_id,
        channel=opt_out.channel,
        customer_ref=opt_out.customer_ref,
        phone=opt_out.phone,
        email=opt_out.email,
    )
    record = existing or OptOut(
        tenant_id=tenant_id,
        customer_ref=opt_out.customer_ref,
        phone=opt_out.phone,
        email=opt_out.email,
        channel=opt_out.channel,
        source=opt_out.source,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return _out(record)


def of_customer(session: Session, *, customer: Customer) -> list[OptOutOut]:
    """The opt-outs that keep the customer from being contacted, oldest first."""
    return [_out(row) for row in repository.concerning(session, customer=customer)]


def _out(record: OptOut) -> OptOutOut:
    return OptOutOut(
        id=record.id,
        customer_ref=record.customer_ref,
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
    rows = repository.page(
        session,
        tenant_id=tenant_id,
        customer_ref=customer_ref,
        phone=phone,
        email=email,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return OptOutPage(
        items=[_out(row) for row in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


def lift_sms(session: Session, *, tenant_id: uuid.UUID, phone: str) -> None:
    """A START text lifts only the number's own SMS opt-outs: one ops registered for the
    customer, or for every channel, stays until ops lift it."""
    session.execute(
        sa.delete(OptOut).where(
            OptOut.tenant_id == tenant_id,
            OptOut.phone == phone,
            OptOut.customer_ref.is_(None),
            OptOut.channel == OptOutChannel.SMS,
        )
    )


def lift(session: Session, *, tenant_id: uuid.UUID, opt_out_id: uuid.UUID) -> None:
    deleted = session.execute(
        sa.delete(OptOut).where(OptOut.id == opt_out_id, OptOut.tenant_id == tenant_id)
    )
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"no opt-out {opt_out_id}")


@dataclass(frozen=True)
class Addressee:
    """What an unsubscribe page may say: whose emails stop, in the customer's language."""

    sender: str
    locale: str

    @classmethod
    def of(cls, customer: Customer, tenant: Tenant) -> "Addressee":
        return cls(
            sender=tenant.display_name, locale=customer.message_locale or tenant.default_locale
        )


def _named_by(session: Session, link: Unsubscribe) -> tuple[Customer, Tenant]:
    """Whom a signed link names; gone (the tenant deleted) reads as an invalid link."""
    found = repository.customer_and_tenant(
        session, tenant_id=link.tenant_id, customer_id=link.customer_id
    )
    if found is None:
        raise NotFound("this unsubscribe link is not valid")
    return found


def addressee(session: Session, *, link: Unsubscribe) -> Addressee:
    return Addressee.of(*_named_by(session, link))


def unsubscribe(session: Session, *, link: Unsubscribe, clock: Clock) -> Addressee:
    """The customer's own opt-out from the link's channel, kept by their reference like one
    the lender registers, so it holds whatever contact details the lender sends later."""
    customer, tenant = _named_by(session, link)
    register(
        session,
        tenant_id=tenant.id,
        opt_out=OptOutIn(
            customer_ref=customer.ref, channel=link.channel, source=OptOutSource.EMAIL_LINK
        ),
        now=clock.now(),
    )
    return Addressee.of(customer, tenant)
