"""What the providers answered a dispatch round's sends: each attempt settled with its answer and
its reminder moved on, with their timeline lines and audit entries.

Plain rows and Core statements instead of the ORM: the round's attempts and reminders are read
in one SELECT and written with one `executemany` UPDATE per table. Loading them as ORM objects
and flushing them back row by row was a quarter of a worker's CPU per reminder.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import among
from app.lifecycle.events import Event
from app.lifecycle.timeline import Line, write
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.states import (
    ReminderStatus,
    check_attempt_transition,
    check_transition,
)
from app.models.vocabulary import AttemptStatus, ErrorKind


@dataclass(frozen=True)
class AttemptRow:
    """An attempt as started (app/lifecycle/starts.py), as read back, or as its answer leaves
    it. What the dispatcher does not read back (`worker`, `recipient`, `locale`) is None then."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    reminder_id: uuid.UUID
    customer_id: uuid.UUID
    channel: str
    provider: str
    status: AttemptStatus
    started_at: datetime
    body: str | None
    body_sha256: str | None
    provider_message_id: str | None = None
    provider_status: str | None = None
    error_kind: ErrorKind | None = None
    error_code: str | None = None
    error_message: str | None = None
    finished_at: datetime | None = None
    latency_ms: int | None = None
    cost_amount: Decimal | None = None
    cost_currency: str | None = None
    provider_response: dict[str, Any] | None = None
    worker: str | None = None
    recipient: str | None = None
    locale: str | None = None


ANSWER = (
    "status",
    "provider_message_id",
    "provider_status",
    "error_kind",
    "error_code",
    "error_message",
    "finished_at",
    "latency_ms",
    "cost_amount",
    "cost_currency",
    "provider_response",
)
"""The columns a provider's answer sets."""


@dataclass(frozen=True)
class ReminderRow:
    """What recording an answer reads of the attempt's reminder."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    status: ReminderStatus
    channels: list[str]
    attempt_count: int
    expires_at: datetime | None


@dataclass(frozen=True)
class Sending:
    """An attempt the provider was called for, and its reminder, as they stand."""

    attempt: AttemptRow
    reminder: ReminderRow


def sending(session: Session, attempt_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Sending]:
    """The attempts and their reminders, by attempt id, in one statement."""
    attempt_columns = [
        getattr(DeliveryAttempt, name)
        for name in (
            "id",
            "tenant_id",
            "reminder_id",
            "customer_id",
            "channel",
            "provider",
            "status",
            "started_at",
            "body",
            "body_sha256",
        )
    ]
    reminder_columns = [
        Reminder.status,
        Reminder.channels,
        Reminder.attempt_count,
        Reminder.expires_at,
    ]
    rows = session.execute(
        sa.select(*attempt_columns, *reminder_columns)
        .join(Reminder, Reminder.id == DeliveryAttempt.reminder_id)
        .where(among(session, DeliveryAttempt.id, attempt_ids))
    )
    found = {}
    for row in rows:
        attempt = AttemptRow(*row[: len(attempt_columns)])
        status, channels, attempt_count, expires_at = row[len(attempt_columns) :]
        reminder = ReminderRow(
            attempt.reminder_id,
            attempt.tenant_id,
            attempt.customer_id,
            status,
            channels,
            attempt_count,
            expires_at,
        )
        found[attempt.id] = Sending(attempt, reminder)
    return found


@dataclass(frozen=True)
class Answered:
    """One send's answer: the attempt as it leaves it, and where its reminder goes."""

    before: Sending
    attempt: AttemptRow
    target: ReminderStatus
    event: Event
    next_attempt_at: datetime | None
    """When the dispatcher looks at the reminder again; None keeps what it was."""


ATTEMPTS = (
    sa.update(DeliveryAttempt)
    .where(DeliveryAttempt.id == sa.bindparam("attempt_id"))
    .values({name: sa.bindparam(f"new_{name}") for name in ANSWER})
)


def moving(**also: Any) -> sa.Update:
    """The executemany UPDATE that moves a reminder (`reminder_id`) to `target` at `now`,
    releasing its claim and keeping its next attempt time unless `next_at` gives one; `also`
    sets further columns. Recording answers and starting attempts both move reminders so."""
    return (
        sa.update(Reminder)
        .where(Reminder.id == sa.bindparam("reminder_id"))
        .values(
            status=sa.bindparam("target"),
            updated_at=sa.bindparam("now", type_=Reminder.updated_at.type),
            claimed_by=None,
            lease_expires_at=None,
            next_attempt_at=sa.func.coalesce(
                sa.bindparam("next_at", type_=Reminder.next_attempt_at.type),
                Reminder.next_attempt_at,
            ),
            **also,
        )
    )


REMINDERS = moving()


def record(session: Session, *, answered: Sequence[Answered], now: datetime) -> None:
    """Settles every attempt and moves every reminder, or raises `IllegalTransition` and writes
    nothing; then their lines and the attempts' audit entries, as `Changes` does."""
    for one in answered:
        check_attempt_transition(one.before.attempt.status, one.attempt.status)
        check_transition(one.before.reminder.status, one.target)
    if not answered:
        return
    session.flush()  # anything the caller changed through the ORM goes first, as it would
    connection = session.connection()
    connection.execute(
        ATTEMPTS,
        [
            {"attempt_id": one.attempt.id}
            | {f"new_{name}": getattr(one.attempt, name) for name in ANSWER}
            for one in answered
        ],
    )
    connection.execute(
        REMINDERS,
        [
            {
                "reminder_id": one.before.reminder.id,
                "target": one.target,
                "now": now,
                "next_at": one.next_attempt_at,
            }
            for one in answered
        ],
    )
    lines = [Line(one.attempt.tenant_id, one.attempt.reminder_id, one.event) for one in answered]
    write(session, lines=lines, attempts=[one.attempt for one in answered], now=now)
