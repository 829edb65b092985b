"""Step one of a dispatch round, in one short transaction: recover, claim, and read what the
rest of the round needs (the reminders, their customers and tenants, the pinned templates).

Nothing user-controlled runs here: rendering comes after the commit, so no lock and no
connection is held while a template runs.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.dispatch.claim import claim_due, recover_expired
from app.reminders.models import DeliveryAttempt, Reminder
from app.templates.service import Pinned, pin
from app.tenants.models import Tenant
from channels.base import Channel
from channels.registry import Registry

KNOWN = frozenset(channel.value for channel in Channel)
"""A stored channel name no build knows (a row written by hand) is served by nothing, and so
fails its reminder with NO_ADAPTER, instead of failing every round that claims it."""


@dataclass(frozen=True)
class Claimed:
    """A claimed reminder as read at claim time (rows detached from their session)."""

    reminder: Reminder
    customer: Customer
    tenant: Tenant
    channels: tuple[Channel, ...]
    """Its channels still worth trying, in order: served here and not failed permanently."""


@dataclass(frozen=True)
class Batch:
    """What a round claimed, oldest due first, and the templates it renders with."""

    items: list[Claimed]
    pinned: Pinned


def claim_batch(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    registry: Registry,
) -> Batch:
    """Recovers the claims of dead workers, then claims up to `limit` due reminders."""
    recover_expired(session, now=now)
    claimed = claim_due(session, worker=worker, now=now, limit=limit, lease=lease)
    if not claimed:
        return Batch([], Pinned({}, {}))
    rows = session.execute(
        sa.select(Reminder, Customer, Tenant)
        .join(Customer, Customer.id == Reminder.customer_id)
        .join(Tenant, Tenant.id == Reminder.tenant_id)
        .where(Reminder.id.in_(claimed))
        .order_by(Reminder.next_attempt_at, Reminder.id)
    ).all()
    exhausted = _permanently_failed_channels(session, claimed)
    items = [
        Claimed(
            reminder,
            customer,
            tenant,
            tuple(
                Channel(c)
                for c in reminder.channels
                if c in KNOWN
                and c not in exhausted.get(reminder.id, set())
                and registry.serves(Channel(c))
            ),
        )
        for reminder, customer, tenant in rows
    ]
    pinned = pin(
        session,
        reminders=[item.reminder for item in items],
        tenants={item.tenant.id: item.tenant for item in items}.values(),
    )
    return Batch(items, pinned)


def _permanently_failed_channels(
    session: Session, reminder_ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, set[str]]:
    rows = session.execute(
        sa.select(DeliveryAttempt.reminder_id, DeliveryAttempt.channel).where(
            DeliveryAttempt.reminder_id.in_(reminder_ids), DeliveryAttempt.error_kind == "permanent"
        )
    )
    failed: dict[uuid.UUID, set[str]] = {}
    for reminder_id, channel in rows:
        failed.setdefault(reminder_id, set()).add(channel)
    return failed
