"""Step three of a dispatch round, in one short transaction: take the customers, decide, and
start the attempts with the texts rendered before it began.

It opens by renewing this worker's claims, a write: on SQLite the transaction holds the writer
lock from its start instead of upgrading a read later.
"""

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.borrower.links import Issue, digest
from app.borrower.repository import store as store_links
from app.customers.repository import CONTACT_FIELDS
from app.db import among
from app.dispatch.batch import Claimed
from app.dispatch.claim import release, renew
from app.dispatch.drafts import Draft, Drafts, Failure
from app.dispatch.fallback import NONE, Fallback, Skip, skipped_events
from app.lifecycle.events import (
    ChannelFailure,
    Event,
    NoAdapter,
    NothingToSend,
    Skipped,
)
from app.lifecycle.starts import Starts, starts
from app.models.customers import Customer
from app.models.reasons import DRAFT_FAILURES, DispatchReason
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from app.models.tenants import Tenant
from app.observability import metrics
from app.policy.outcomes import apply_block
from app.policy.service import Candidate, gate, lock_customers
from channels.base import Channel, Message


@dataclass(frozen=True)
class Started:
    """A send whose attempt is recorded as started: the provider may now be called."""

    attempt_id: uuid.UUID
    reminder_id: uuid.UUID
    message: Message
    provider: str


@dataclass
class Prepared:
    started: list[Started] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """The reason of each reminder, or channel of one, that failed alone."""

    def __iadd__(self, other: "Prepared") -> "Prepared":
        self.started += other.started
        self.failures += other.failures
        return self


def start_sends(
    session: Session,
    *,
    items: Sequence[Claimed],
    drafts: Drafts,
    worker: str,
    now: datetime,
    lease: timedelta,
    due_again_at: datetime,
    fallback: Fallback,
    rng: random.Random,
    link_lifetime: timedelta,
) -> Prepared:
    """Gates the claimed reminders whose customers it can lock and starts the allowed sends,
    each with the text rendered for its channel before this transaction began, and stores the
    borrower links those texts carry (valid for `link_lifetime`). A reminder it cannot take
    now is due again at `due_again_at`."""
    taken = _take(session, items, worker=worker, now=now, lease=lease, due_again_at=due_again_at)
    claimed = {item.reminder.id: item for item in items}
    started: list[Started] = []
    links: list[Issue] = []
    with starts(session, now=now) as round_:
        candidates = _candidates(round_, taken, claimed, drafts, fallback)
        for candidate, verdict in zip(
            candidates, gate(session, candidates=candidates, now=now, rng=rng), strict=True
        ):
            metrics.DECISIONS.labels(verdict.action, verdict.reason or "").inc()
            reminder = candidate.reminder
            skips = _skips(reminder, claimed[reminder.id], drafts[reminder.id], fallback)
            skips |= {c: Skip(r) for c, r in verdict.refusals.items() if c not in skips}
            if verdict.action != "send":
                if verdict.action == "suppress":
                    _note_skips(round_, reminder, skips, offered=candidate.channels, chosen=None)
                apply_block(round_, reminder=reminder, verdict=verdict)
                continue
            assert verdict.channel is not None
            _note_skips(round_, reminder, skips, offered=candidate.channels, chosen=verdict.channel)
            draft = drafts[reminder.id][verdict.channel]
            assert isinstance(draft, Draft)
            provider = draft.provider
            attempt_id = round_.start(
                reminder,
                channel=verdict.channel,
                provider=provider,
                worker=worker,
                recipient=draft.message.to,
                body=draft.text,
                locale=draft.locale,
            )
            started.append(Started(attempt_id, reminder.id, draft.message, provider))
            if draft.manage_token is not None:
                links.append(
                    Issue(
                        digest(draft.manage_token),
                        reminder.tenant_id,
                        reminder.customer_id,
                        reminder.id,
                        issued_at=now,
                        expires_at=now + link_lifetime,
                    )
                )
        failures = [str(event.reason) for event in round_.events if _alone(event)]
    store_links(session, links)
    session.flush()
    return Prepared(started, failures)


def _note_skips(
    round_: Starts,
    reminder: Reminder,
    skips: Mapping[str, Skip],
    *,
    offered: Sequence[Channel],
    chosen: Channel | None,
) -> None:
    for event in skipped_events(reminder, skips, offered=offered, chosen=chosen):
        round_.note(tenant_id=reminder.tenant_id, reminder_id=reminder.id, event=event)


Row = tuple[Reminder, Customer, Tenant]


def _take(
    session: Session,
    items: Sequence[Claimed],
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    due_again_at: datetime,
) -> list[Row]:
    """The claimed reminders still this worker's, whose customers it holds now, read again.

    A reminder whose customer another transaction holds, or whose customer changed after it
    was rendered, goes back to `scheduled` untouched (no strike, no attempt) for a later round.
    """
    ids = renew(
        session, reminder_ids=[i.reminder.id for i in items], worker=worker, now=now, lease=lease
    )
    items = [item for item in items if item.reminder.id in ids]
    locked = lock_customers(session, customer_ids={item.customer.id for item in items})
    fresh = _rows(session, [item.reminder.id for item in items if item.customer.id in locked])
    waiting = []
    for item in items:
        row = fresh.get(item.reminder.id)
        if row is None or _contact(row[1]) != _contact(item.customer):
            fresh.pop(item.reminder.id, None)
            waiting.append(item.reminder.id)
    release(session, reminder_ids=waiting, now=now, due_at=due_again_at)
    return list(fresh.values())


def _candidates(
    round_: Starts,
    rows: list[Row],
    claimed: Mapping[uuid.UUID, Claimed],
    drafts: Drafts,
    fallback: Fallback,
) -> list[Candidate]:
    """What the gate is to decide on: each reminder's channels that have a message, in the
    order the fallback rules offer them. A reminder left with none fails now, with the reason
    of its first channel's failure."""
    candidates = []
    for reminder, customer, tenant in rows:
        options = drafts[reminder.id]
        usable = [channel for channel, d in options.items() if isinstance(d, Draft)]
        broken = [d for d in options.values() if isinstance(d, Failure)]
        if usable:
            offered = fallback.offer(usable, claimed[reminder.id].history)
            candidates.append(Candidate(reminder, customer, tenant, offered))
        elif broken:
            round_.move(reminder, ReminderStatus.FAILED, _nothing_to_send(broken))
        else:
            no_adapter = NoAdapter(channels=tuple(reminder.channels))
            round_.move(reminder, ReminderStatus.FAILED, no_adapter)
    return candidates


def _skips(
    reminder: Reminder,
    item: Claimed,
    options: Mapping[Channel, Draft | Failure],
    fallback: Fallback,
) -> dict[str, Skip]:
    """Why each channel could not be used this round, before the gate's own reasons: no
    provider here, no message, or a circuit open. A channel failed permanently before has
    said so on the timeline already."""
    skips = {
        channel: Skip(DispatchReason.NO_ADAPTER)
        for channel in reminder.channels
        if channel not in item.channels and not item.history.get(channel, NONE).permanent
    }
    for channel, option in options.items():
        if isinstance(option, Failure):
            skips[channel] = Skip(option.reason, option.error)
        elif fallback.registry.circuit_open(channel, option.provider):
            skips[channel] = Skip(DispatchReason.CIRCUIT_OPEN)
    return skips


def _alone(event: Event) -> bool:
    """A reminder that failed, or a channel of one that could not be rendered or composed."""
    return isinstance(event, NothingToSend | NoAdapter) or (
        isinstance(event, Skipped) and event.reason in DRAFT_FAILURES
    )


def _rows(session: Session, reminder_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """The reminders with their customers and tenants as they are now, oldest due first."""
    rows = session.execute(
        sa.select(Reminder, Customer, Tenant)
        .join(Customer, Customer.id == Reminder.customer_id)
        .join(Tenant, Tenant.id == Reminder.tenant_id)
        .where(among(session, Reminder.id, reminder_ids))
        .order_by(Reminder.next_attempt_at, Reminder.id)
    )
    return {reminder.id: (reminder, customer, tenant) for reminder, customer, tenant in rows}


def _contact(customer: Customer) -> tuple[object, ...]:
    """What rendering and composing read from a customer."""
    return tuple(getattr(customer, name) for name in CONTACT_FIELDS)


def _nothing_to_send(failures: list[Failure]) -> NothingToSend:
    first, *others = (
        ChannelFailure(channel=str(f.channel), reason=f.reason, error=f.error) for f in failures
    )
    return NothingToSend(reason=first.reason, first=first, others=tuple(others))
