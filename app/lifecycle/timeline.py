"""Writing timeline lines and attempt states, with their audit entries, in bulk."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.lifecycle.events import Event
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import ReminderEvent


@dataclass(frozen=True)
class Line:
    """An event on one reminder's timeline."""

    tenant_id: uuid.UUID
    reminder_id: uuid.UUID
    event: Event


def write(
    session: Session, *, lines: Sequence[Line], attempts: Iterable[DeliveryAttempt], now: datetime
) -> None:
    """One insert for all the lines, then one append to the audit chain for them and for the
    attempts as they stand now."""
    rows = [
        {
            "tenant_id": line.tenant_id,
            "reminder_id": line.reminder_id,
            "kind": line.event.kind,
            "reason": line.event.reason,
            "detail": line.event.detail(),
            "at": now,
        }
        for line in lines
    ]
    ids = (
        session.scalars(
            sa.insert(ReminderEvent).returning(ReminderEvent.id, sort_by_parameter_order=True),
            rows,
        ).all()
        if rows
        else []
    )
    audit.append(
        session,
        events=[row | {"id": id_} for row, id_ in zip(rows, ids, strict=True)],
        attempts=list(attempts),
        now=now,
    )
