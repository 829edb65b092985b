"""Step three of a dispatch round, in one transaction: what each provider call came to."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.deliveries import callbacks
from app.dispatch.fallback import NONE, Fallback, History, histories
from app.dispatch.prepare import Started
from app.dispatch.response import kept_response
from app.dispatch.retry import RetryStrategy
from app.lifecycle.changes import changes
from app.lifecycle.events import Attempt, Event, SendFailed, Sent
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.optouts import OptOutChannel, OptOutSource
from app.models.reasons import DispatchReason
from app.models.reminders import EventKind, Reminder
from app.models.states import ReminderStatus
from app.models.vocabulary import AttemptStatus, ErrorKind
from app.observability import metrics
from app.optouts import service as optouts
from app.optouts.schemas import OptOutIn
from channels.base import SendResult
from channels.errors import (
    AmbiguousError,
    CircuitOpenError,
    PermanentError,
    RetryableError,
)

RowT = TypeVar("RowT", DeliveryAttempt, Reminder)


@dataclass(frozen=True)
class Outcome:
    started: Started
    result: SendResult
    finished_at: datetime
    latency_ms: int


def record_round(
    session: Session,
    *,
    outcomes: list[Outcome],
    retry: RetryStrategy,
    fallback: Fallback,
    now: datetime,
    rng: random.Random,
) -> None:
    attempts = _by_id(session, DeliveryAttempt, [o.started.attempt_id for o in outcomes])
    reminders_ = _by_id(session, Reminder, [o.started.reminder_id for o in outcomes])
    past = histories(session, reminders_)  # before this round's outcomes are written
    with changes(session, now=now) as recorded:
        for outcome in outcomes:
            attempt = attempts[outcome.started.attempt_id]
            reminder = reminders_[outcome.started.reminder_id]
            result = outcome.result
            error = result.error
            metrics.SENDS.labels(attempt.channel, result.status).inc()
            metrics.LATENCY.labels(attempt.provider).observe(outcome.latency_ms / 1000)
            recorded.settle(attempt, AttemptStatus.of(result.status))
            attempt.provider_message_id = result.provider_message_id
            attempt.provider_status = result.provider_status
            attempt.error_kind = ErrorKind.of(error)
            attempt.error_code = getattr(error, "code", None)
            attempt.error_message = error.message if error else None
            attempt.finished_at, attempt.latency_ms = outcome.finished_at, outcome.latency_ms
            if result.cost is not None:
                attempt.cost_amount = result.cost.amount
                attempt.cost_currency = result.cost.currency
            attempt.provider_response = kept_response(result.raw)
            moves = Moves(fallback, past.get(reminder.id, {}), reminder, attempt)
            event, target, at = _next_state(session, moves, result, retry, now, rng)
            recorded.move(reminder, target, event, next_attempt_at=at)
    callbacks.apply_pending(session, attempts.values(), now=now)
    session.flush()


def _by_id(session: Session, model: type[RowT], ids: list[uuid.UUID]) -> dict[uuid.UUID, RowT]:
    """A round's rows in one query rather than one per outcome."""
    rows = session.scalars(sa.select(model).where(model.id.in_(ids)))
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class Moves:
    """Where a reminder may go from the channel of the attempt being recorded."""

    fallback: Fallback
    history: History
    """What its attempts before this one came to."""
    reminder: Reminder
    attempt: DeliveryAttempt

    def after_permanent(self) -> str | None:
        """The best channel left once this one is ruled out, spent or not."""
        following = self.fallback.successors(
            self.reminder.channels, self.history, leaving=self.attempt.channel
        )
        return following[0] if following else None

    def after_retryable(self) -> str | None:
        """A channel not spent yet, when this failure is the one that spends this channel.

        Only that failure moves the reminder on: a spent channel that the gate comes back to
        as a last resort is retried as before, instead of leaving again every round."""
        channel = self.attempt.channel
        before = self.history.get(channel, NONE)
        after = before.plus(self.attempt.error_kind, self.attempt.error_code)
        if before.spent(self.fallback.after) or not after.spent(self.fallback.after):
            return None
        following = self.fallback.successors(self.reminder.channels, self.history, leaving=channel)
        fresh = [c for c in following if self.fallback.fresh(c, self.history)]
        return fresh[0] if fresh else None


Next = tuple[Event, ReminderStatus, datetime | None]
"""The reminder's event, its new status, and when the dispatcher looks at it again."""


def _next_state(
    session: Session,
    moves: Moves,
    result: SendResult,
    retry: RetryStrategy,
    now: datetime,
    rng: random.Random,
) -> Next:
    reminder, attempt, error = moves.reminder, moves.attempt, result.error
    sent_on = Attempt.of(attempt)
    if error is None:
        sent = Sent(attempt=sent_on, provider_message_id=result.provider_message_id)
        return sent, ReminderStatus.SENT, None

    def failed(
        kind: EventKind,
        reason: DispatchReason,
        *,
        next_channel: str | None = None,
        failures: int | None = None,
        retry_at: datetime | None = None,
    ) -> SendFailed:
        return SendFailed(
            kind=kind,
            reason=reason,
            attempt=sent_on,
            error_code=attempt.error_code,
            error=error.message,
            next_channel=next_channel,
            failures=failures,
            retry_at=retry_at,
        )

    if isinstance(error, AmbiguousError):  # it may have reached the customer: never another
        unknown = failed(EventKind.UNKNOWN, DispatchReason.AMBIGUOUS_SEND)
        return unknown, ReminderStatus.UNKNOWN, None
    if isinstance(error, PermanentError):
        if error.opt_out:
            _opt_out(session, reminder, attempt, now)
        following = moves.after_permanent()
        if following is not None:
            moved = failed(
                EventKind.FALLBACK, DispatchReason.PERMANENT_ERROR, next_channel=following
            )
            return moved, ReminderStatus.SCHEDULED, now
        return failed(EventKind.FAILED, DispatchReason.PERMANENT_ERROR), ReminderStatus.FAILED, None
    following = moves.after_retryable()
    if following is not None:
        reason = (
            DispatchReason.CIRCUIT_OPEN
            if isinstance(error, CircuitOpenError)
            else DispatchReason.RETRYABLE_ERROR
        )
        failures = moves.history.get(attempt.channel, NONE).retryable + 1
        moved = failed(EventKind.FALLBACK, reason, next_channel=following, failures=failures)
        return moved, ReminderStatus.SCHEDULED, now
    retry_after = error.retry_after if isinstance(error, RetryableError) else None
    at = retry.next_attempt(
        attempts=reminder.attempt_count,
        now=now,
        retry_after=retry_after,
        expires_at=reminder.expires_at,
        rng=rng,
    )
    if at == DispatchReason.MAX_ATTEMPTS:
        return failed(EventKind.FAILED, DispatchReason.MAX_ATTEMPTS), ReminderStatus.FAILED, None
    if at == DispatchReason.EXPIRED:
        return failed(EventKind.EXPIRED, DispatchReason.EXPIRED), ReminderStatus.EXPIRED, None
    assert isinstance(at, datetime)
    retried = failed(EventKind.RETRY, DispatchReason.RETRYABLE_ERROR, retry_at=at)
    return retried, ReminderStatus.DEFERRED, at


def _opt_out(session: Session, reminder: Reminder, attempt: DeliveryAttempt, now: datetime) -> None:
    """The provider says the recipient unsubscribed (Twilio 21610): never text them again."""
    customer = session.get_one(Customer, reminder.customer_id)
    optouts.register(
        session,
        tenant_id=reminder.tenant_id,
        opt_out=OptOutIn(
            phone=customer.phone,
            channel=OptOutChannel(attempt.channel),
            source=OptOutSource.PROVIDER_ERROR,
        ),
        now=now,
    )
