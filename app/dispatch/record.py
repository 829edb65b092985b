"""Step three of a dispatch round, in one transaction: what each provider call came to."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.deliveries import callbacks
from app.dispatch.fallback import NONE, Fallback, History, histories
from app.dispatch.prepare import Started
from app.dispatch.response import kept_response
from app.dispatch.retry import RetryStrategy
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.optouts import OptOutChannel, OptOutSource
from app.models.reminders import EventKind, Reminder
from app.models.states import ReminderStatus, check_transition
from app.models.vocabulary import AttemptStatus, ErrorKind
from app.observability import metrics
from app.optouts import service as optouts
from app.optouts.schemas import OptOutIn
from app.reminders import repository as reminders
from app.reminders.reasons import DispatchReason
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
    events: list[dict[str, Any]] = []
    attempts = _by_id(session, DeliveryAttempt, [o.started.attempt_id for o in outcomes])
    reminders_ = _by_id(session, Reminder, [o.started.reminder_id for o in outcomes])
    past = histories(session, reminders_)  # before this round's outcomes are written
    for outcome in outcomes:
        attempt = attempts[outcome.started.attempt_id]
        reminder = reminders_[outcome.started.reminder_id]
        result = outcome.result
        error = result.error
        metrics.SENDS.labels(attempt.channel, result.status).inc()
        metrics.LATENCY.labels(attempt.provider).observe(outcome.latency_ms / 1000)
        attempt.status = AttemptStatus.of(result.status)
        attempt.provider_message_id = result.provider_message_id
        attempt.provider_status = result.provider_status
        attempt.error_kind = ErrorKind.of(error)
        attempt.error_code = getattr(error, "code", None)
        attempt.error_message = error.message if error else None
        attempt.finished_at, attempt.latency_ms = outcome.finished_at, outcome.latency_ms
        if result.cost is not None:
            attempt.cost_amount, attempt.cost_currency = result.cost.amount, result.cost.currency
        attempt.provider_response = kept_response(result.raw)
        moves = Moves(fallback, past.get(reminder.id, {}), reminder, attempt)
        kind, reason, detail, target = _next_state(session, moves, result, retry, now, rng)
        check_transition(reminder.status, target)
        reminder.status, reminder.updated_at = target, now
        reminder.claimed_by = reminder.lease_expires_at = None
        events.append(
            {
                "tenant_id": reminder.tenant_id,
                "reminder_id": reminder.id,
                "kind": kind,
                "reason": reason,
                "at": now,
                "detail": {
                    "channel": attempt.channel,
                    "provider": attempt.provider,
                    "attempt_id": str(attempt.id),
                }
                | detail,
            }
        )
    audit.record_attempts(session, attempts.values(), now=now)
    reminders.add_events(session, events)
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


def _next_state(
    session: Session,
    moves: Moves,
    result: SendResult,
    retry: RetryStrategy,
    now: datetime,
    rng: random.Random,
) -> tuple[EventKind, str | None, dict[str, Any], ReminderStatus]:
    reminder, attempt, error = moves.reminder, moves.attempt, result.error
    if error is None:
        return (
            EventKind.SENT,
            None,
            {"provider_message_id": result.provider_message_id},
            ReminderStatus.SENT,
        )
    described: dict[str, Any] = {"error_code": attempt.error_code, "error": error.message}
    if isinstance(error, AmbiguousError):  # it may have reached the customer: never another
        return EventKind.UNKNOWN, DispatchReason.AMBIGUOUS_SEND, described, ReminderStatus.UNKNOWN
    if isinstance(error, PermanentError):
        if error.opt_out:
            _opt_out(session, reminder, attempt, now)
        following = moves.after_permanent()
        if following is not None:
            reminder.next_attempt_at = now
            moved = described | {"next_channel": following}
            return (
                EventKind.FALLBACK,
                DispatchReason.PERMANENT_ERROR,
                moved,
                ReminderStatus.SCHEDULED,
            )
        return EventKind.FAILED, DispatchReason.PERMANENT_ERROR, described, ReminderStatus.FAILED
    following = moves.after_retryable()
    if following is not None:
        reminder.next_attempt_at = now
        failures = moves.history.get(attempt.channel, NONE).retryable + 1
        detail = described | {"next_channel": following, "failures": failures}
        reason = (
            DispatchReason.CIRCUIT_OPEN
            if isinstance(error, CircuitOpenError)
            else DispatchReason.RETRYABLE_ERROR
        )
        return EventKind.FALLBACK, reason, detail, ReminderStatus.SCHEDULED
    retry_after = error.retry_after if isinstance(error, RetryableError) else None
    at = retry.next_attempt(
        attempts=reminder.attempt_count,
        now=now,
        retry_after=retry_after,
        expires_at=reminder.expires_at,
        rng=rng,
    )
    if at == DispatchReason.MAX_ATTEMPTS:
        return EventKind.FAILED, DispatchReason.MAX_ATTEMPTS, described, ReminderStatus.FAILED
    if at == DispatchReason.EXPIRED:
        return EventKind.EXPIRED, DispatchReason.EXPIRED, described, ReminderStatus.EXPIRED
    assert isinstance(at, datetime)
    reminder.next_attempt_at = at
    return (
        EventKind.RETRY,
        DispatchReason.RETRYABLE_ERROR,
        described | {"next_attempt_at": at.isoformat()},
        ReminderStatus.DEFERRED,
    )


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
