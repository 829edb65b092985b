"""A dispatch round's decisions, written in bulk: attempts started, reminders blocked or failed,
and the lines that say why, with their audit entries.

Core statements instead of the ORM, as for the round's answers (app/lifecycle/answers.py): the
reminders are only read, and this writes one `executemany` per kind of change when the block
ends; nothing is written if it raises. Either way a reminder that went through the round has
its strikes (`round_failures`) cleared: strikes count rounds in a row.
"""

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.lifecycle.answers import AttemptRow, moving
from app.lifecycle.events import Event
from app.lifecycle.timeline import Line, write
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.states import ReminderStatus, check_transition
from app.models.vocabulary import AttemptStatus

INSERTED = (
    "id",
    "tenant_id",
    "reminder_id",
    "customer_id",
    "channel",
    "provider",
    "worker",
    "status",
    "recipient",
    "body",
    "locale",
    "started_at",
)
"""An attempt's columns when it starts; the answer's stay null until it comes."""
STARTED = (
    sa.update(Reminder)
    .where(Reminder.id == sa.bindparam("reminder_id"))
    .values(attempt_count=Reminder.attempt_count + 1, round_failures=0)
)
MOVED = moving(round_failures=0)


class Starts:
    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session, self.now = session, now
        self._lines: list[Line] = []
        self._attempts: list[AttemptRow] = []
        self._moves: list[dict[str, Any]] = []

    @property
    def events(self) -> Sequence[Event]:
        """What this round has put on timelines so far."""
        return [line.event for line in self._lines]

    def move(
        self,
        reminder: Reminder,
        target: ReminderStatus,
        event: Event,
        *,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Moves the reminder to `target` or raises `IllegalTransition`, releasing the claim."""
        check_transition(reminder.status, target)
        self._moves.append(
            {"reminder_id": reminder.id, "target": target, "now": self.now}
            | {"next_at": next_attempt_at}
        )
        self.note(tenant_id=reminder.tenant_id, reminder_id=reminder.id, event=event)

    def note(self, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID, event: Event) -> None:
        """A timeline line with no change of state (a channel skipped)."""
        self._lines.append(Line(tenant_id, reminder_id, event))

    def start(
        self,
        reminder: Reminder,
        *,
        channel: str,
        provider: str,
        worker: str,
        recipient: str,
        body: str,
        locale: str | None,
    ) -> uuid.UUID:
        """A new attempt, `sending` from now until the provider's answer is recorded; its id."""
        attempt = AttemptRow(
            id=uuid.uuid4(),
            tenant_id=reminder.tenant_id,
            reminder_id=reminder.id,
            customer_id=reminder.customer_id,
            channel=channel,
            provider=provider,
            status=AttemptStatus.SENDING,
            started_at=self.now,
            body=body,
            body_sha256=None,
            worker=worker,
            recipient=recipient,
            locale=locale,
        )
        self._attempts.append(attempt)
        return attempt.id

    def write(self) -> None:
        self.session.flush()  # anything the caller changed through the ORM goes first
        connection = self.session.connection()
        if self._attempts:
            connection.execute(
                sa.insert(DeliveryAttempt),
                [{name: getattr(a, name) for name in INSERTED} for a in self._attempts],
            )
            connection.execute(
                STARTED, [{"reminder_id": attempt.reminder_id} for attempt in self._attempts]
            )
        if self._moves:
            connection.execute(MOVED, self._moves)
        write(self.session, lines=self._lines, attempts=self._attempts, now=self.now)
        self._lines, self._attempts, self._moves = [], [], []


@contextmanager
def starts(session: Session, *, now: datetime) -> Iterator[Starts]:
    """Written when the block ends; nothing is written if it raises."""
    batch = Starts(session, now=now)
    yield batch
    batch.write()
