"""The state tables of a reminder and of a delivery attempt: which moves are legal.

Only app/lifecycle/ consults them to change a status; docs/state-machine.md draws them.
"""

from enum import StrEnum

from app.errors import Conflict
from app.models.vocabulary import AttemptStatus


class ReminderStatus(StrEnum):
    SCHEDULED = "scheduled"
    DEFERRED = "deferred"
    DISPATCHING = "dispatching"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SUPPRESSED = "suppressed"
    UNKNOWN = "unknown"


S = ReminderStatus

TRANSITIONS: dict[ReminderStatus, frozenset[ReminderStatus]] = {
    S.SCHEDULED: frozenset({S.DISPATCHING, S.DEFERRED, S.CANCELLED, S.EXPIRED, S.SUPPRESSED}),
    S.DEFERRED: frozenset({S.DISPATCHING, S.DEFERRED, S.CANCELLED, S.EXPIRED, S.SUPPRESSED}),
    # A claimed reminder may be released untouched (back to scheduled) or deferred by policy.
    S.DISPATCHING: frozenset(
        {S.SCHEDULED, S.DEFERRED, S.SENT, S.FAILED, S.EXPIRED, S.SUPPRESSED, S.UNKNOWN}
    ),
    S.SENT: frozenset({S.DELIVERED, S.FAILED}),
    # Ops resolve an unknown outcome: it was sent, or it is safe to try again.
    S.UNKNOWN: frozenset({S.SENT, S.SCHEDULED}),
    S.DELIVERED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.SUPPRESSED: frozenset(),
}

TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)

PENDING = frozenset({S.SCHEDULED, S.DEFERRED, S.DISPATCHING})
"""Reminders the dispatcher has still to send, or is sending: the one meaning of "pending" that
the due backlog (metrics, ops pages) and retention count by."""


def sources_of(target: ReminderStatus) -> frozenset[ReminderStatus]:
    """Every status from which `target` may be reached (for guarded bulk updates)."""
    return frozenset(status for status, targets in TRANSITIONS.items() if target in targets)


class IllegalTransition(Conflict):
    """A move the state tables do not allow: the one error every refused change raises, a 409
    with the same problem type as any other conflict."""


def check_transition(current: ReminderStatus, target: ReminderStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"a reminder that is {current} cannot become {target}")


A = AttemptStatus

ATTEMPT_RANK: dict[AttemptStatus, int] = {
    A.QUEUED: 0,
    A.SENT: 1,
    A.DELIVERED: 2,
    A.UNDELIVERED: 2,
    A.FAILED: 2,
    A.CANCELED: 2,
    A.ANSWERED: 2,
    A.NO_ANSWER: 2,
    A.BUSY: 2,
}
"""How far a provider's word takes an attempt: queued < sent (or ringing) < a final word.
Providers report at least once and in any order, so an attempt only moves up this ladder:
a late `sent` never overwrites `delivered`, and the first final word wins."""

ATTEMPT_TRANSITIONS: dict[AttemptStatus, frozenset[AttemptStatus]] = {
    # The provider's answer to the call, or `unknown` when the worker stopped during it.
    A.SENDING: frozenset(set(A) - {A.SENDING}),
    # A call whose outcome was unknown: the provider's late answer (ambiguous again, perhaps)
    # or a callback settles it.
    A.UNKNOWN: frozenset(set(A) - {A.SENDING}),
} | {
    status: frozenset(t for t, rank in ATTEMPT_RANK.items() if rank > ATTEMPT_RANK[status])
    for status in ATTEMPT_RANK
}


def check_attempt_transition(current: AttemptStatus, target: AttemptStatus) -> None:
    if target not in ATTEMPT_TRANSITIONS[current]:
        raise IllegalTransition(f"an attempt that is {current} cannot become {target}")
