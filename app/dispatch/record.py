"""Step three of a dispatch round, in one transaction: what each provider call came to."""

import random
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from app.deliveries import callbacks
from app.dispatch.fallback import NONE, Fallback, History, histories
from app.dispatch.prepare import Started
from app.dispatch.response import kept_response
from app.dispatch.retry import RetryStrategy
from app.lifecycle import answers
from app.lifecycle.answers import AttemptRow, ReminderRow
from app.lifecycle.events import Attempt, Event, SendFailed, Sent
from app.models.customers import Customer
from app.models.optouts import OptOutChannel, OptOutSource
from app.models.reasons import DispatchReason
from app.models.reminders import EventKind
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
    """The round's attempts and reminders read in one statement, each answer turned into the
    attempt's and the reminder's next state, all written at once (app/lifecycle/answers.py)."""
    sends = answers.sending(session, [o.started.attempt_id for o in outcomes])
    past = histories(session, [o.started.reminder_id for o in outcomes])  # before this round's
    answered = []
    for outcome in outcomes:
        before = sends[outcome.started.attempt_id]
        result = outcome.result
        error = result.error
        metrics.SENDS.labels(before.attempt.channel, result.status).inc()
        metrics.LATENCY.labels(before.attempt.provider).observe(outcome.latency_ms / 1000)
        attempt = replace(
            before.attempt,
            status=AttemptStatus.of(result.status),
            provider_message_id=result.provider_message_id,
            provider_status=result.provider_status,
            error_kind=ErrorKind.of(error),
            error_code=getattr(error, "code", None),
            error_message=error.message if error else None,
            finished_at=outcome.finished_at,
            latency_ms=outcome.latency_ms,
            cost_amount=None if result.cost is None else result.cost.amount,
            cost_currency=None if result.cost is None else result.cost.currency,
            provider_response=kept_response(result.raw),
        )
        moves = Moves(fallback, past.get(before.reminder.id, {}), before.reminder, attempt)
        event, target, at = _next_state(session, moves, result, retry, now, rng)
        answered.append(answers.Answered(before, attempt, target, event, at))
    answers.record(session, answered=answered, now=now)
    messages = {a.attempt.provider_message_id: a.attempt.id for a in answered}
    callbacks.apply_pending(session, {m: a for m, a in messages.items() if m}, now=now)
    session.flush()


@dataclass(frozen=True)
class Moves:
    """Where a reminder may go from the channel of the attempt being recorded."""

    fallback: Fallback
    history: History
    """What its attempts before this one came to."""
    reminder: ReminderRow
    attempt: AttemptRow

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
    sent_on = Attempt(id=attempt.id, channel=attempt.channel, provider=attempt.provider)
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


def _opt_out(session: Session, reminder: ReminderRow, attempt: AttemptRow, now: datetime) -> None:
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
