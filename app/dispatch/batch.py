"""Step one of a dispatch round, in one short transaction: recover, claim, and read what the
rest of the round needs (the reminders, their customers and tenants, the pinned templates).

Nothing user-controlled runs here: rendering comes after the commit, so no lock and no
connection is held while a template runs.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.db import among
from app.dispatch.claim import claim_due, recover_expired
from app.dispatch.fallback import NONE, Fallback, History, histories
from app.models.accounts import ProviderAccount
from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.tenants import Tenant
from app.templates.service import Pinned, pin
from channels.base import Channel


@dataclass(frozen=True)
class Claimed:
    """A claimed reminder as read at claim time (rows detached from their session)."""

    reminder: Reminder
    customer: Customer
    tenant: Tenant
    channels: tuple[Channel, ...]
    """Its channels still worth trying, in order: served here and not failed permanently."""
    history: History
    """What its earlier attempts came to on each channel, for the fallback rules."""


@dataclass(frozen=True)
class Batch:
    """What a round claimed, oldest due first, and the templates it renders with."""

    items: list[Claimed]
    pinned: Pinned
    accounts: Mapping[uuid.UUID, Mapping[str, ProviderAccount]] = field(default_factory=dict)
    """Each tenant's own provider accounts, sealed (app/accounts)."""


def claim_batch(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    fallback: Fallback,
) -> Batch:
    """Recovers the claims of dead workers, then claims up to `limit` due reminders."""
    recover_expired(session, now=now)
    claimed = claim_due(session, worker=worker, now=now, limit=limit, lease=lease)
    if not claimed:
        return Batch([], Pinned({}, {}, now=now))
    rows = session.execute(
        sa.select(Reminder, Customer, Tenant)
        .join(Customer, Customer.id == Reminder.customer_id)
        .join(Tenant, Tenant.id == Reminder.tenant_id)
        .where(among(session, Reminder.id, claimed))
        .order_by(Reminder.next_attempt_at, Reminder.id)
    ).all()
    past = histories(session, claimed)
    items = []
    for reminder, customer, tenant in rows:
        history = past.get(reminder.id, {})
        channels = tuple(
            Channel(c)
            for c in reminder.channels
            if fallback.serves(c) and not history.get(c, NONE).permanent
        )
        items.append(Claimed(reminder, customer, tenant, channels, history))
    pinned = pin(
        session,
        reminders=[item.reminder for item in items],
        tenants={item.tenant.id: item.tenant for item in items}.values(),
        now=now,
    )
    return Batch(items, pinned, accounts.sealed_of(session, {item.tenant.id for item in items}))
