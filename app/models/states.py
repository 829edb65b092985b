"""The reminder state machine: every status change in Nudge is checked here.

See docs/state-machine.md for the diagram and the meaning of each state.
"""

from enum import StrEnum

from app.errors import Conflict


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


def check_transition(current: ReminderStatus, target: ReminderStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(f"a reminder that is {current} cannot become {target}")
