"""`GET /v1/customers/{ref}`: the customer as Nudge knows them, composed from the services that
own each part, and masked as every other answer is without `pii:read`."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.customers import repository as customers
from app.deliveries import service as deliveries
from app.deliveries.schemas import DeliveryFilter
from app.enrollments import service as enrollments
from app.errors import NotFound
from app.masking import mask_address, mask_text
from app.models.customers import Customer
from app.optouts import service as optouts
from app.optouts.schemas import OptOutOut
from app.preferences import repository
from app.preferences.schemas import (
    CustomerOut,
    LoanState,
    Preferences,
    RecentContact,
    TimelineLine,
)
from app.preferences.service import read

CONTACTS, LINES = 20, 50


def said(
    session: Session, *, customer: Customer, opt_outs: Sequence[OptOutOut], reveal: bool
) -> list[TimelineLine]:
    """The customer's own timeline and their opt-outs as one, newest first (the API's and the
    dashboard's)."""
    lines = [
        TimelineLine(at=line.at, kind=line.kind, source=line.source, detail=line.detail)
        for line in repository.timeline(
            session, tenant_id=customer.tenant_id, customer_id=customer.id, limit=LINES
        )
    ] + [
        TimelineLine(
            at=out.created_at, kind="opted_out", source=out.source, detail={"channel": out.channel}
        )
        for out in opt_outs
    ]
    return sorted(
        (line if reveal else _masked(line) for line in lines),
        key=lambda line: line.at,
        reverse=True,
    )[:LINES]


def borrower_says(
    session: Session, *, tenant_id: uuid.UUID, ref: str, reveal: bool
) -> tuple[Preferences, list[TimelineLine]] | None:
    """What the customer stated and their timeline, for the dashboard's reminder page; None
    for a customer not stored."""
    customer = _customer(session, tenant_id, ref)
    if customer is None:
        return None
    opt_outs = optouts.of_customer(session, customer=customer)
    stated = read(session, tenant_id=tenant_id, customer_id=customer.id)
    return stated, said(session, customer=customer, opt_outs=opt_outs, reveal=reveal)


def _customer(session: Session, tenant_id: uuid.UUID, ref: str) -> Customer | None:
    return customers.find_by_refs(session, tenant_id=tenant_id, refs=[ref]).get(ref)


def profile(session: Session, *, tenant_id: uuid.UUID, ref: str, reveal: bool) -> CustomerOut:
    customer = _customer(session, tenant_id, ref)
    if customer is None:
        raise NotFound(f"no customer {ref!r}")
    opt_outs = optouts.of_customer(session, customer=customer)
    contacts = deliveries.list_page(
        session,
        tenant_id=tenant_id,
        where=DeliveryFilter(customer_ref=ref),
        cursor=None,
        limit=CONTACTS,
        reveal=False,
    ).items
    loans = enrollments.of_customer(session, tenant_id=tenant_id, customer_id=customer.id)
    return CustomerOut(
        ref=customer.ref,
        phone=_shown(customer.phone, reveal),
        email=_shown(customer.email, reveal),
        locale=customer.locale,
        timezone=customer.timezone,
        jurisdiction=customer.jurisdiction,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        preferences=read(session, tenant_id=tenant_id, customer_id=customer.id),
        opt_outs=opt_outs if reveal else [out.masked() for out in opt_outs],
        loans=[
            LoanState(
                loan_ref=loan.loan_ref,
                status=loan.status,
                pause_reason=loan.pause_reason,
                paused_until=loan.paused_until,
            )
            for loan in loans
        ],
        recent_contacts=[
            RecentContact.model_validate(contact, from_attributes=True) for contact in contacts
        ],
        timeline=said(session, customer=customer, opt_outs=opt_outs, reveal=reveal),
    )


def _shown(address: str | None, reveal: bool) -> str | None:
    return address if address is None or reveal else mask_address(address)


def _masked(line: TimelineLine) -> TimelineLine:
    """A hardship note is the borrower's own words: a number or address in it is masked."""
    detail: dict[str, Any] = dict(line.detail)
    if isinstance(detail.get("note"), str):
        detail["note"] = mask_text(detail["note"])
    return line.model_copy(update={"detail": detail})
