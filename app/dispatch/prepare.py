"""Step one of a dispatch round, in one transaction: recover, claim, decide, start attempts.

Claiming first also makes the claim the transaction's first statement, so on SQLite the round
holds the writer lock from its start instead of upgrading a read later.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.customers.models import Customer
from app.dispatch.claim import STARTED, claim_due, recover_expired
from app.dispatch.compose import compose, text_of
from app.observability import metrics
from app.policy.outcomes import apply_block
from app.policy.service import Candidate, gate
from app.reminders import repository as reminders
from app.reminders.models import DeliveryAttempt, EventKind, Reminder
from app.reminders.states import ReminderStatus, check_transition
from app.templates.service import render_for_reminders
from app.tenants.models import Tenant
from channels.base import Channel, Message
from channels.registry import Registry


@dataclass(frozen=True)
class Started:
    """A send whose attempt is recorded as started: the provider may now be called."""

    attempt_id: uuid.UUID
    reminder_id: uuid.UUID
    message: Message
    provider: str


def prepare_round(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    registry: Registry,
    rng: random.Random,
) -> tuple[int, list[Started]]:
    """How many reminders were claimed, and the sends among them the gate allowed."""
    recover_expired(session, now=now)
    claimed = claim_due(session, worker=worker, now=now, limit=limit, lease=lease)
    if not claimed:
        return 0, []
    rows = session.execute(
        sa.select(Reminder, Customer, Tenant)
        .join(Customer, Customer.id == Reminder.customer_id)
        .join(Tenant, Tenant.id == Reminder.tenant_id)
        .where(Reminder.id.in_(claimed))
        .order_by(Reminder.next_attempt_at, Reminder.id)
    ).all()
    exhausted = _permanently_failed_channels(session, claimed)
    candidates, blocked = [], []
    for reminder, customer, tenant in rows:
        channels = [
            Channel(c)
            for c in reminder.channels
            if c not in exhausted.get(reminder.id, set()) and registry.serves(Channel(c))
        ]
        if channels:
            candidates.append(
                Candidate(reminder=reminder, customer=customer, tenant=tenant, channels=channels)
            )
        else:  # no provider is configured for any of its channels: nothing will ever send it
            blocked.append(_unsendable(reminder, now))
    sends: list[tuple[Reminder, Customer, Channel]] = []
    for candidate, verdict in zip(
        candidates, gate(session, candidates=candidates, now=now, rng=rng), strict=True
    ):
        metrics.DECISIONS.labels(verdict.action, verdict.reason or "").inc()
        if verdict.action == "send":
            assert verdict.channel is not None
            sends.append((candidate.reminder, candidate.customer, verdict.channel))
        else:
            blocked.append(apply_block(reminder=candidate.reminder, verdict=verdict, now=now))
    reminders.add_events(session, blocked)
    started: list[Started] = []
    attempts: list[DeliveryAttempt] = []
    for (reminder, customer, channel), rendered in zip(
        sends, render_for_reminders(session, sends=sends), strict=True
    ):
        provider = registry.adapter_for(channel).name
        message = compose(reminder, customer, rendered)
        attempt = DeliveryAttempt(
            id=uuid.uuid4(),
            tenant_id=reminder.tenant_id,
            reminder_id=reminder.id,
            customer_id=reminder.customer_id,
            channel=channel,
            provider=provider,
            worker=worker,
            status=STARTED,
            recipient=message.to,
            body=text_of(rendered),
            started_at=now,
        )
        attempts.append(attempt)
        reminder.attempt_count += 1
        started.append(Started(attempt.id, reminder.id, message, provider))
    session.add_all(attempts)
    audit.record_attempts(session, attempts, now=now)
    session.flush()
    return len(claimed), started


def _unsendable(reminder: Reminder, now: datetime) -> dict[str, Any]:
    check_transition(reminder.status, ReminderStatus.FAILED)
    reminder.status, reminder.updated_at = ReminderStatus.FAILED, now
    reminder.claimed_by = reminder.lease_expires_at = None
    return {
        "tenant_id": reminder.tenant_id,
        "reminder_id": reminder.id,
        "kind": EventKind.FAILED,
        "reason": "NO_ADAPTER",
        "detail": {"channels": reminder.channels},
        "at": now,
    }


def _permanently_failed_channels(
    session: Session, reminder_ids: list[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    rows = session.execute(
        sa.select(DeliveryAttempt.reminder_id, DeliveryAttempt.channel).where(
            DeliveryAttempt.reminder_id.in_(reminder_ids), DeliveryAttempt.error_kind == "permanent"
        )
    )
    failed: dict[uuid.UUID, set[str]] = {}
    for reminder_id, channel in rows:
        failed.setdefault(reminder_id, set()).add(channel)
    return failed
