"""A borrower's preferences: read, changed (one timeline line and audit entry per change), and
a hardship request. The caller commits; these only add and flush."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.enrollments import events as loan_events
from app.enrollments import service as enrollments
from app.enrollments.schemas import LoanEventIn
from app.errors import NotFound, ValidationFailed, not_one_of
from app.lifecycle import customers as timeline
from app.models.customers import Customer
from app.models.enrollments import EnrollmentStatus, LoanEventType
from app.models.preferences import CustomerPreferences
from app.notices import service as notices
from app.preferences import repository
from app.preferences.schemas import (
    HARDSHIP_REASONS,
    Hardship,
    HardshipReason,
    Preferences,
    PreferencesIn,
    Source,
)
from app.templates.budget import RenderBudget

CHANGED = "preferences_changed"
HARDSHIP = "hardship_requested"


def customer_id_of(session: Session, *, tenant_id: uuid.UUID, ref: str) -> uuid.UUID:
    """The customer's id from the lender's reference; NotFound for one not seen (or another
    tenant's)."""
    found = repository.customer_by_ref(session, tenant_id=tenant_id, ref=ref)
    if found is None:
        raise NotFound(f"no customer {ref!r}")
    return found


def read(session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Preferences:
    return _resolved(
        _customer(session, tenant_id, customer_id),
        repository.stored(session, tenant_id=tenant_id, customer_id=customer_id),
    )


def save(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    change: PreferencesIn,
    source: str,
    now: datetime,
) -> Preferences:
    """Applies the fields given; when anything changed, one line on the customer's timeline
    (with the new values of what changed) and its audit entry. A channel turned off leaves
    the preferred ones."""
    who = Source(source)
    customer = _customer(session, tenant_id, customer_id, lock=True)
    row = repository.stored(session, tenant_id=tenant_id, customer_id=customer_id)
    before = _resolved(customer, row)
    after = _merged(before, change)
    was = before.model_dump(mode="json")
    changed = {
        name: value
        for name, value in after.model_dump(
            mode="json", include=set(PreferencesIn.model_fields)
        ).items()
        if value != was[name]
    }
    if not changed:
        return before
    if row is None:
        row = CustomerPreferences(customer_id=customer_id, tenant_id=tenant_id)
        session.add(row)
    row.channels_off = [str(c) for c in after.channels_off]
    row.preferred = [str(c) for c in after.preferred]
    row.inconvenient = [w.model_dump(mode="json") for w in after.inconvenient]
    row.source, row.updated_at = who, now
    customer.chosen_locale = after.locale
    timeline.record(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        kind=CHANGED,
        source=who,
        detail=changed,
        now=now,
    )
    session.flush()
    return _resolved(customer, row)


def request_hardship(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    reason: str,
    note: str | None,
    callback: str | None,
    now: datetime,
    source: str = Source.BORROWER,
) -> Hardship:
    """Pauses every enrolled loan of the customer as a `hardship` loan event does (until the
    lender sends `lifted`), puts the request on the customer's timeline and the audit chain,
    and queues a signed notice to the lender's webhook, sent once this commits."""
    if reason not in HARDSHIP_REASONS:
        raise ValidationFailed([not_one_of("reason", HARDSHIP_REASONS)])
    why, who = HardshipReason(reason), Source(source)
    customer = _customer(session, tenant_id, customer_id)
    paused = []
    for loan in enrollments.of_customer(session, tenant_id=tenant_id, customer_id=customer_id):
        if loan.status == EnrollmentStatus.ENDED:
            continue
        loan_events.record(
            session,
            tenant_id=tenant_id,
            loan_ref=loan.loan_ref,
            event=LoanEventIn(
                type=LoanEventType.HARDSHIP,
                event_id=f"nudge-hardship-{uuid.uuid4()}",
                occurred_at=now,
                detail={"source": who, "reason": why},
            ),
            clock=FrozenClock(now),
            budget=RenderBudget(),  # a pause renders nothing
        )
        paused.append(loan.loan_ref)
    request = {"reason": why, "note": note, "callback": callback, "paused_loans": paused}
    notified = notices.queue(
        session,
        tenant_id=tenant_id,
        kind="hardship",
        body={"customer_ref": customer.ref, "source": who, "requested_at": now.isoformat()}
        | request,
        now=now,
    )
    timeline.record(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        kind=HARDSHIP,
        source=who,
        detail=request | {"lender_notified": notified},
        now=now,
    )
    return Hardship(paused=len(paused), lender_notified=notified, requested_at=now)


def _merged(before: Preferences, change: PreferencesIn) -> Preferences:
    given: dict[str, Any] = change.model_dump(exclude_none=True)
    after = Preferences.model_validate(before.model_dump() | given)
    after.preferred = [c for c in after.preferred if c not in after.channels_off]
    return after


def _customer(
    session: Session, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, lock: bool = False
) -> Customer:
    """`lock`: two changes to one customer's preferences take turns (PostgreSQL)."""
    found = repository.customer(session, tenant_id=tenant_id, customer_id=customer_id, lock=lock)
    if found is None:
        raise NotFound(f"no customer {customer_id}")
    return found


def _resolved(customer: Customer, row: CustomerPreferences | None) -> Preferences:
    if row is None:
        return Preferences(locale=customer.chosen_locale)
    return Preferences.model_validate(
        {
            "channels_off": row.channels_off,
            "preferred": row.preferred,
            "inconvenient": row.inconvenient,
            "locale": customer.chosen_locale,
            "source": row.source,
            "updated_at": row.updated_at,
        }
    )
