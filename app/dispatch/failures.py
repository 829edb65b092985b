"""How a reminder fails alone: the fall back to one by one when a batch step
raises, and the strikes of a reminder that made a round fail, so one bad item never stops the
others and is never retried forever."""

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.lifecycle.changes import changes
from app.lifecycle.events import RoundFailed
from app.models.reasons import DispatchReason
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from app.templates.service import NoVariant
from app.templates.value_lint import WordingRefused

MAX_ERROR = 1000

logger = logging.getLogger("nudge.dispatch")
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


def isolated(
    items: Sequence[ItemT],
    run: Callable[[Sequence[ItemT]], ResultT],
    *,
    alone: Callable[[ItemT, Exception], None],
) -> list[ResultT]:
    """`run` on all the items at once, or, if that raises, on each item alone, handing `alone`
    every item that still raises: the bad one is found and the others go on in this round.

    A database error is nobody's item: it is raised, and the claims return by their lease.
    """
    try:
        return [run(items)]
    except OperationalError:
        raise
    except Exception as error:
        if len(items) == 1:
            alone(items[0], error)
            return []
        logger.exception("a dispatch step failed for %d reminders; one by one now", len(items))
    results = []
    for item in items:
        try:
            results.append(run([item]))
        except Exception as error:
            alone(item, error)
    return results


def render_reason(error: Exception) -> DispatchReason:
    """By class name, so the render budget's exception needs no import here."""
    if isinstance(error, NoVariant):
        return DispatchReason.NO_VARIANT
    if isinstance(error, WordingRefused):
        return DispatchReason.WORDING_REFUSED
    if any(cls.__name__ == "RenderBudgetExceeded" for cls in type(error).__mro__):
        return DispatchReason.RENDER_BUDGET
    return DispatchReason.RENDER_ERROR


def describe(error: BaseException) -> str:
    """The error as the timeline and the heartbeat keep it, field by field for a 422."""
    if isinstance(error, ValidationFailed):
        text = "; ".join(f"{e.field}: {e.detail}" for e in error.errors)
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:MAX_ERROR]


def strike(
    session: Session,
    *,
    reminder_id: uuid.UUID,
    worker: str,
    error: BaseException,
    now: datetime,
    limit: int,
    backoff: timedelta,
    longest: timedelta,
) -> None:
    """Counts a round the reminder made fail: it waits `backoff`, doubling up to `longest`,
    before the next try, so it does not make every round fall back to one by one; at `limit`
    it fails."""
    reminder = session.scalar(
        sa.select(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.status == ReminderStatus.DISPATCHING,
            Reminder.claimed_by == worker,
        )
        .with_for_update()
    )
    if reminder is None:  # no longer ours: its lease ran out and another worker took it
        return
    reminder.round_failures += 1
    retry_at = None
    if reminder.round_failures < limit:
        retry_at = now + min(longest, backoff * 2 ** min(reminder.round_failures - 1, 32))
    event = RoundFailed(
        error=describe(error), round_failures=reminder.round_failures, retry_at=retry_at
    )
    with changes(session, now=now) as struck:
        if retry_at is None:
            struck.move(reminder, ReminderStatus.FAILED, event)
        else:
            struck.move(reminder, ReminderStatus.DEFERRED, event, next_attempt_at=retry_at)
