"""Policy and contact-history queries."""

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.policy import PolicyRecord
from app.models.reminders import Reminder
from app.policy.evaluate import Contact
from app.templates.webhook import VISIT
from channels.base import Channel

CONNECTED_STATUSES = ("answered",)
"""Delivery statuses that mean a conversation took place."""


def find(session: Session, *, tenant_id: uuid.UUID, name: str) -> PolicyRecord | None:
    return session.scalar(
        sa.select(PolicyRecord).where(
            PolicyRecord.tenant_id == tenant_id, PolicyRecord.name == name
        )
    )


def names(session: Session, *, tenant_id: uuid.UUID) -> Sequence[str]:
    return session.scalars(
        sa.select(PolicyRecord.name)
        .where(PolicyRecord.tenant_id == tenant_id)
        .order_by(PolicyRecord.name)
    ).all()


def lock_customers(session: Session, customer_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Serialises contact decisions per customer until the transaction ends; returns the
    customers locked, which on PostgreSQL may be fewer than asked for.

    PostgreSQL: `SELECT ... FOR NO KEY UPDATE SKIP LOCKED`. A customer another transaction
    holds (an API batch upserting it, another worker deciding on it) is skipped, never waited
    for, so no lock order between the API (customers in input order) and the dispatcher can
    deadlock, and a slow transaction elsewhere never stalls a round. NO KEY UPDATE still
    excludes another decision on the customer but not the key-share locks that inserting its
    reminders or attempts takes. SQLite has no row locks: a no-op UPDATE takes its single
    writer lock now, instead of upgrading a read transaction later (which SQLite refuses
    outright when another writer got in between), and then holds every customer.
    """
    if not customer_ids:
        return set()
    chosen = Customer.id.in_(customer_ids)
    if session.get_bind().dialect.name == "postgresql":
        return set(
            session.scalars(
                sa.select(Customer.id)
                .where(chosen)
                .with_for_update(key_share=True, skip_locked=True)
            )
        )
    session.execute(
        sa.update(Customer).where(chosen).values(updated_at=Customer.updated_at),
        execution_options={"synchronize_session": False},
    )
    return set(customer_ids)


@dataclass(frozen=True)
class Tally:
    """One customer's contacts since the look-back, as the database counts them: the contacts
    index (which carries channel and status) answers without reading a row."""

    newest: datetime
    newest_conversation: datetime | None
    after: Mapping[datetime, int]
    """How many contacts started after each moment asked about (later ones included)."""


def tallies(
    session: Session, *, customers: Collection[Customer], since: datetime, moments: Set[datetime]
) -> dict[uuid.UUID, Tally]:
    """Counts each customer's contacts after `since` and after each of `moments`, with the
    newest contact and the newest conversation, in one query; a customer with no contact
    after `since` is left out."""
    attempt = DeliveryAttempt
    talk = sa.and_(attempt.channel == Channel.VOICE, attempt.status.in_(CONNECTED_STATUSES))
    ordered = sorted(moments)
    rows = session.execute(
        sa.select(
            attempt.customer_id,
            sa.func.max(attempt.started_at),
            sa.func.max(sa.case((talk, attempt.started_at))),
            *(sa.func.count(sa.case((attempt.started_at > moment, 1))) for moment in ordered),
        )
        .where(_of(customers), attempt.started_at > since)
        .group_by(attempt.customer_id)
    )
    return {
        customer_id: Tally(newest, talked, dict(zip(ordered, counts, strict=True)))
        for customer_id, newest, talked, *counts in rows
    }


def contacts_at(
    session: Session, *, customers: Collection[Customer], at: Collection[tuple[uuid.UUID, datetime]]
) -> dict[uuid.UUID, list[Contact]]:
    """The contacts started at exactly these (customer, moment) pairs, by seeking the index."""
    if not at:
        return {}
    pairs = sa.tuple_(DeliveryAttempt.customer_id, DeliveryAttempt.started_at).in_(list(at))
    return _contacts(session.execute(_rows().where(_of(customers), pairs)))


def newest_contacts(
    session: Session, *, customers: Collection[Customer], since: datetime, keep: int
) -> dict[uuid.UUID, list[Contact]]:
    """Each customer's `keep` newest contacts after `since` of every kind (channel, status,
    loan and task): whatever a cap of at most `keep` counts, its newest `keep` are among them.
    The database still reads every contact after `since` to rank them; Python sees few."""
    if not customers:
        return {}
    attempt = DeliveryAttempt
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(
                attempt.customer_id,
                attempt.channel,
                attempt.status,
                Reminder.loan_ref,
                Reminder.task,
            ),
            order_by=attempt.started_at.desc(),
        )
        .label("rank")
    )
    ranked = _rows(rank).where(_of(customers), attempt.started_at > since).subquery()
    rows = session.execute(sa.select(*ranked.c[:-1]).where(ranked.c.rank <= keep))
    return _contacts(rows)


def _of(customers: Collection[Customer]) -> sa.ColumnElement[bool]:
    return sa.and_(
        DeliveryAttempt.tenant_id.in_({customer.tenant_id for customer in customers}),
        DeliveryAttempt.customer_id.in_([customer.id for customer in customers]),
    )


def _rows(*extra: sa.ColumnElement[Any]) -> sa.Select[Any]:
    return sa.select(
        DeliveryAttempt.customer_id,
        DeliveryAttempt.started_at,
        DeliveryAttempt.channel,
        Reminder.loan_ref,
        DeliveryAttempt.status,
        Reminder.task,
        *extra,
    ).join(Reminder, Reminder.id == DeliveryAttempt.reminder_id)


def _contacts(rows: Iterable[Sequence[Any]]) -> dict[uuid.UUID, list[Contact]]:
    contacts: dict[uuid.UUID, list[Contact]] = {}
    for customer_id, at, channel, loan_ref, status, task in rows:
        contacts.setdefault(customer_id, []).append(
            Contact(
                at=at,
                channel=channel,
                loan_ref=loan_ref,
                connected=status in CONNECTED_STATUSES,
                visit=task == VISIT,
            )
        )
    return contacts
