"""A borrower's preferences: read, changed (one timeline line and audit entry per change), and
a hardship request. The caller commits; these only add and flush."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.lifecycle import customers as timeline
from app.models.customers import Customer
from app.models.preferences import CustomerPreferences
from app.preferences import repository
from app.preferences.schemas import Preferences, PreferencesIn, Source

CHANGED = "preferences_changed"


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
    customer = _customer(session, tenant_id, customer_id)
    row = repository.stored(session, tenant_id=tenant_id, customer_id=customer_id)
    before = _resolved(customer, row)
    after = _merged(before, change)
    changed = {
        name: value
        for name, value in after.model_dump(
            mode="json", include=set(PreferencesIn.model_fields)
        ).items()
        if value != before.model_dump(mode="json")[name]
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


def _merged(before: Preferences, change: PreferencesIn) -> Preferences:
    given: dict[str, Any] = change.model_dump(exclude_none=True)
    after = Preferences.model_validate(before.model_dump() | given)
    after.preferred = [c for c in after.preferred if c not in after.channels_off]
    return after


def _customer(session: Session, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    found = repository.customer(session, tenant_id=tenant_id, customer_id=customer_id)
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
