"""Claiming due reminders, releasing them, and recovering those of workers that died.

Claims are one statement: `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`, so on
PostgreSQL any number of workers take disjoint batches without waiting on each other; SQLite
ignores the locking clause and relies on its single writer.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import among
from app.lifecycle import bulk as lifecycle
from app.lifecycle.changes import changes
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import CLAIMABLE, Reminder
from app.models.states import ReminderStatus
from app.models.vocabulary import AttemptStatus

STARTED = AttemptStatus.SENDING
"""An attempt's status from just before the provider call until its answer is recorded."""


def claim_due(
    session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[uuid.UUID]:
    """Takes up to `limit` due reminders, oldest due first, for `lease`.

    The statuses are written into the SQL, not bound: the planner then sees the predicate of
    the partial index `ix_reminders_claim` and reads the oldest due from its front, also in a
    prepared statement's generic plan."""
    claimable: sa.BindParameter[list[str]] = sa.bindparam(
        "claimable", list(CLAIMABLE), expanding=True, literal_execute=True
    )
    due = (
        sa.select(Reminder.id)
        .where(Reminder.status.in_(claimable), Reminder.next_attempt_at <= now)
        .order_by(Reminder.next_attempt_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return lifecycle.move_where(
        session,
        target=ReminderStatus.DISPATCHING,
        where=[Reminder.id.in_(due.scalar_subquery())],
        now=now,
        claimed_by=worker,
        lease_expires_at=now + lease,
    )


def renew(
    session: Session,
    *,
    reminder_ids: Sequence[uuid.UUID],
    worker: str,
    now: datetime,
    lease: timedelta,
) -> set[uuid.UUID]:
    """Extends this worker's claims before it starts their sends; returns those still its own.

    Rendering runs between the claim and this, outside any transaction: a claim whose lease
    ran out meanwhile may have been recovered and claimed by another worker, and must not be
    sent from here as well. The rows stay locked until the sends are started, so no recovery
    can take them in between.

    It waits for a row another transaction holds instead of skipping it: on PostgreSQL another
    worker's claim (`FOR UPDATE SKIP LOCKED`) keeps the lock on every row it looked at and
    found claimed meanwhile until it commits. A claim skipped here stayed `dispatching`, sent
    by nobody, until its lease ran out (the 08:00 wave's five-minute tail). A row being
    recovered is waited for too and then, no longer this worker's, left out.
    """
    renewed = session.execute(
        sa.update(Reminder)
        .where(
            among(session, Reminder.id, reminder_ids),
            Reminder.status == ReminderStatus.DISPATCHING,
            Reminder.claimed_by == worker,
        )
        .values(lease_expires_at=now + lease)
        .returning(Reminder.id),
        execution_options={"synchronize_session": False},
    )
    return set(renewed.scalars())


def release(
    session: Session,
    *,
    reminder_ids: Sequence[uuid.UUID],
    now: datetime,
    due_at: datetime,
    worker: str | None = None,
) -> None:
    """Gives claimed reminders back untouched, due again at `due_at`: their customer is busy
    in another transaction, or changed after the reminder was rendered.

    Due a little later rather than at once, so that rounds coming back to back claim the
    reminders behind them instead of the same ones while their customers stay busy. With
    `worker`, only those still claimed by it.
    """
    mine = [] if worker is None else [Reminder.claimed_by == worker]
    if reminder_ids:
        lifecycle.move_where(
            session,
            target=ReminderStatus.SCHEDULED,
            where=[among(session, Reminder.id, reminder_ids), *mine],
            now=now,
            next_attempt_at=due_at,
        )


def recover_expired(session: Session, *, now: datetime) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Reminders whose worker died: re-queued if no provider call had started, else `unknown`.

    An attempt recorded as started may or may not have reached the provider, so it is never
    resent blindly: ops decide (`POST /v1/reminders/{id}/resolve`).
    """
    expired = [Reminder.status == ReminderStatus.DISPATCHING, Reminder.lease_expires_at < now]
    started = sa.select(DeliveryAttempt.reminder_id).where(DeliveryAttempt.status == STARTED)
    unknown = lifecycle.move_where(
        session,
        target=ReminderStatus.UNKNOWN,
        where=[*expired, Reminder.id.in_(started)],
        now=now,
    )
    if unknown:
        stranded = session.scalars(
            sa.select(DeliveryAttempt).where(
                DeliveryAttempt.reminder_id.in_(unknown), DeliveryAttempt.status == STARTED
            )
        ).all()
        with changes(session, now=now) as recovered:
            for attempt in stranded:
                recovered.settle(attempt, AttemptStatus.UNKNOWN)
                attempt.error_message = "worker stopped during the provider call"
    requeued = lifecycle.move_where(
        session,
        target=ReminderStatus.SCHEDULED,
        where=expired,
        now=now,
    )
    return requeued, unknown
