"""Policy and contact-history queries."""

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import among
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.policy import PolicyRecord
from app.models.preferences import CustomerPreferences
from app.models.reminders import Reminder
from app.policy.evaluate import Contact
from app.policy.restrictions import Restrictions
from app.templates.webhook import VISIT
from channels.base import Channel

CONNECTED_STATUSES = ("answered",)
"""Delivery statuses that mean a conversation took place."""
CONVERSATION = (
    DeliveryAttempt.channel == Channel.VOICE,
    DeliveryAttempt.status.in_(CONNECTED_STATUSES),
)
"""A conversation; the partial index `ix_delivery_attempts_conversations` has this predicate."""


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


def restrictions(
    session: Session, *, customers: Collection[Customer]
) -> dict[uuid.UUID, Restrictions]:
    """The restrictions of those customers who stated any, in one query for all of them."""
    if not customers:
        return {}
    stated = CustomerPreferences
    rows = session.execute(
        sa.select(stated.customer_id, stated.channels_off, stated.preferred, stated.inconvenient)
        .where(among(session, stated.customer_id, [c.id for c in customers]))
        .where(stated.tenant_id.in_({c.tenant_id for c in customers}))
    )
    return {
        row.customer_id: Restrictions.of(
            channels_off=row.channels_off, preferred=row.preferred, inconvenient=row.inconvenient
        )
        for row in rows
    }


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
    chosen = among(session, Customer.id, customer_ids)
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
    """One customer's contacts since the look-back as the database counts them, so that a
    decision need not read them (`tallies`)."""

    newest: datetime
    newest_conversation: datetime | None
    after: Mapping[datetime, int]
    """How many contacts started after each moment asked about (later ones included), up to
    the number asked for."""


def tallies(
    session: Session,
    *,
    customers: Collection[Customer],
    since: datetime,
    moments: Mapping[datetime, int],
) -> dict[uuid.UUID, Tally]:
    """Each customer's newest contact and newest conversation after `since`, and how many
    contacts it had after each of `moments`, counted up to the number given (the largest cap
    that counts from that moment: counting further changes no decision); one query, and a
    customer with no contact after `since` is left out.

    Each figure is a subquery per customer the indexes answer: the newest ones by seeking
    the contacts index and the conversations' partial index from the end, the counts by
    walking the contacts index, which stops at the number given. They name the customer
    only (`_of`)."""
    if not customers:
        return {}
    attempt = DeliveryAttempt
    mine = attempt.customer_id == Customer.id
    newest = sa.func.max(attempt.started_at)

    def counted(moment: datetime, upto: int) -> Any:
        found = sa.select(sa.literal(1)).where(mine, attempt.started_at > moment).limit(upto)
        return sa.select(sa.func.count()).select_from(found.correlate(Customer).subquery())

    ordered = sorted(moments)
    rows = session.execute(
        sa.select(
            Customer.id,
            sa.select(newest).where(mine, attempt.started_at > since).scalar_subquery(),
            sa.select(newest)
            .where(mine, attempt.started_at > since, *CONVERSATION)
            .scalar_subquery(),
            *(counted(moment, moments[moment]).scalar_subquery() for moment in ordered),
        ).where(among(session, Customer.id, [customer.id for customer in customers]))
    )
    return {
        customer_id: Tally(last, talked, dict(zip(ordered, counts, strict=True)))
        for customer_id, last, talked, *counts in rows
        if last is not None
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
    """The customers' contacts, by customer alone: a customer id is unique across tenants and
    the customers come from their tenant's own reminders. Naming the tenant as well let the
    planner, on stale statistics, read the tenant's whole delivery log instead of seeking
    the contacts index (migration 0028)."""
    return DeliveryAttempt.customer_id.in_([customer.id for customer in customers])


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
