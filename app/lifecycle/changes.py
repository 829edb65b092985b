"""State changes made reminder by reminder and attempt by attempt, written together.

A unit of work (a status callback, a strike, a recovery) opens `changes`, makes its moves
(each checked against the state tables at once) on ORM rows and leaves: its timeline lines are
inserted in one statement and, with every attempt it moved, appended to the audit chain in the
caller's transaction. Nothing is committed here. A dispatch round's own steps write in bulk
with Core instead (starts.py, answers.py).
"""

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session

from app.lifecycle.events import Event
from app.lifecycle.timeline import Line, write
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.states import (
    ATTEMPT_TRANSITIONS,
    TRANSITIONS,
    ReminderStatus,
    check_attempt_transition,
    check_transition,
)
from app.models.vocabulary import AttemptStatus


def may_move(reminder: Reminder, target: ReminderStatus) -> bool:
    """Whether the reminder may become `target` now: callers that shrug off a move the state
    table refuses (a late or repeated provider callback) ask this instead of catching."""
    return target in TRANSITIONS[reminder.status]


def may_report(attempt: DeliveryAttempt, target: AttemptStatus) -> bool:
    return target in ATTEMPT_TRANSITIONS[attempt.status]


class Changes:
    def __init__(self, session: Session, *, now: datetime) -> None:
        self.session, self.now = session, now
        self._lines: list[Line] = []
        self._attempts: dict[uuid.UUID, DeliveryAttempt] = {}

    @property
    def events(self) -> Sequence[Event]:
        """What this unit of work has put on timelines so far."""
        return [line.event for line in self._lines]

    def move(
        self,
        reminder: Reminder,
        target: ReminderStatus,
        event: Event | None = None,
        *,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Moves the reminder to `target` or raises `IllegalTransition`; leaving `dispatching`
        releases the worker's claim."""
        check_transition(reminder.status, target)
        reminder.status, reminder.updated_at = target, self.now
        reminder.claimed_by = reminder.lease_expires_at = None
        if next_attempt_at is not None:
            reminder.next_attempt_at = next_attempt_at
        if event is not None:
            self.note(tenant_id=reminder.tenant_id, reminder_id=reminder.id, event=event)

    def note(self, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID, event: Event) -> None:
        """A timeline line with no change of state (a channel skipped, a reply, a visit)."""
        self._lines.append(Line(tenant_id, reminder_id, event))

    def settle(self, attempt: DeliveryAttempt, target: AttemptStatus) -> None:
        """Moves the attempt to `target` or raises `IllegalTransition`. Whatever else the caller
        sets on it before leaving (provider id, error, cost) enters the audit entry too."""
        check_attempt_transition(attempt.status, target)
        attempt.status = target
        self._attempts[attempt.id] = attempt

    def write(self) -> None:
        write(self.session, lines=self._lines, attempts=self._attempts.values(), now=self.now)
        self._lines, self._attempts = [], {}


@contextmanager
def changes(session: Session, *, now: datetime) -> Iterator[Changes]:
    """Written when the block ends; nothing is written if it raises."""
    batch = Changes(session, now=now)
    yield batch
    batch.write()
