"""State changes made by one statement over many reminders: a batch accepted, a loan cancelled,
a dispatcher's claims taken, given back or recovered.

A guarded `UPDATE ... WHERE status IN sources_of(target)`: a reminder a worker claims at the
same moment as an API call cancels it is moved by exactly one of them.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import insert_rows
from app.lifecycle.events import Accepted, Event
from app.lifecycle.timeline import Line, write
from app.models.reminders import Reminder
from app.models.states import ReminderStatus, sources_of


def accept(
    session: Session, *, reminders: Sequence[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Inserts new reminders (keyed by the table's column names: `metadata`, not the model's
    `meta`) as `scheduled`, each with its `accepted` line; returns the rows as inserted.

    One bulk insert (`insert_rows`): the caller made the ids, so nothing is read back."""
    rows = [row | {"status": ReminderStatus.SCHEDULED, "attempt_count": 0} for row in reminders]
    insert_rows(session, Reminder, rows)
    event = Accepted()
    write(
        session,
        lines=[Line(row["tenant_id"], row["id"], event) for row in rows],
        attempts=(),
        now=now,
    )
    return rows


def move_where(
    session: Session,
    *,
    target: ReminderStatus,
    where: Sequence[sa.ColumnElement[bool]],
    now: datetime,
    event: Event | None = None,
    claimed_by: str | None = None,
    lease_expires_at: datetime | None = None,
    next_attempt_at: datetime | None = None,
) -> list[uuid.UUID]:
    """Moves every matching reminder that may legally become `target`, writing `event` on each
    one's timeline; returns their ids. A claim is set only by moving to `dispatching`; any
    other move releases it."""
    later = {} if next_attempt_at is None else {"next_attempt_at": next_attempt_at}
    moved = session.execute(
        sa.update(Reminder)
        .where(*where, Reminder.status.in_(sources_of(target)))
        .values(
            status=target,
            updated_at=now,
            claimed_by=claimed_by,
            lease_expires_at=lease_expires_at,
            **later,
        )
        .returning(Reminder.id, Reminder.tenant_id),
        execution_options={"synchronize_session": False},
    ).all()
    if event is not None:
        lines = [Line(tenant_id, reminder_id, event) for reminder_id, tenant_id in moved]
        write(session, lines=lines, attempts=(), now=now)
    return [reminder_id for reminder_id, _ in moved]
