"""Every reason code Nudge itself writes on a reminder's timeline, by the part that decides it.

A tenant's policy may name its own caps' reasons, so the stored column stays text; everything
Nudge writes comes from these enums, and the docs list every member (tests/test_vocabulary.py).
"""

from enum import StrEnum


class DispatchReason(StrEnum):
    """Why the dispatcher failed, retried, moved on from or passed over a channel."""

    AMBIGUOUS_SEND = "AMBIGUOUS_SEND"
    """The provider call may have gone out: the reminder is `unknown`."""
    PERMANENT_ERROR = "PERMANENT_ERROR"
    RETRYABLE_ERROR = "RETRYABLE_ERROR"
    CIRCUIT_OPEN = "CIRCUIT_OPEN"
    """The provider's circuit breaker refused the call (also the attempt's error code)."""
    MAX_ATTEMPTS = "MAX_ATTEMPTS"
    EXPIRED = "EXPIRED"
    """The next try would come after `expires_at`."""
    NO_ADAPTER = "NO_ADAPTER"
    """No provider is configured for any of the reminder's channels: nothing will send it."""
    NO_VARIANT = "NO_VARIANT"
    """The template has no variant for the channel."""
    RENDER_ERROR = "RENDER_ERROR"
    """Rendering raised: a template error, a value it cannot take, a version no longer stored."""
    RENDER_BUDGET = "RENDER_BUDGET"
    """Rendering went over its time or size budget."""
    WORDING_REFUSED = "WORDING_REFUSED"
    """A variable value carries prohibited wording (stored before the lint refused it)."""
    COMPOSE_ERROR = "COMPOSE_ERROR"
    """The rendered text could not be made into a provider message (an address is missing)."""
    PREPARE_ERROR = "PREPARE_ERROR"
    """The reminder made its round fail; after `NUDGE_DISPATCH_MAX_ROUND_FAILURES` it is set
    aside."""
    RECORD_ERROR = "RECORD_ERROR"
    """A provider's answer could not be recorded; the lease turns the reminder `unknown`."""


DRAFT_FAILURES = frozenset(
    {
        DispatchReason.NO_VARIANT,
        DispatchReason.RENDER_ERROR,
        DispatchReason.RENDER_BUDGET,
        DispatchReason.COMPOSE_ERROR,
    }
)
"""The reasons a channel of a reminder cannot be drafted; the reminder goes on without it."""


class PolicyReason(StrEnum):
    """Why the contact policy deferred, suppressed or expired a reminder, or refused a channel."""

    EXPIRED = "EXPIRED"
    OPTED_OUT = "OPTED_OUT"
    BORROWER_RESTRICTED = "BORROWER_RESTRICTED"
    """The borrower turned the channel off, or named this time inconvenient (their page, or the
    lender for them: app/preferences/)."""
    NO_CONTACT_WINDOW = "NO_CONTACT_WINDOW"
    """No moment ahead is allowed on any of its channels."""
    QUIET_HOURS = "QUIET_HOURS"
    HOLIDAY = "HOLIDAY"
    RECENT_CONVERSATION = "RECENT_CONVERSATION"
    MIN_GAP = "MIN_GAP"
    CAP_DAY = "CAP_DAY"
    CAP_WEEK = "CAP_WEEK"
    CAP_WINDOW = "CAP_WINDOW"
    # The caps of the built-in presets and of visit rules, named for the rule they enforce.
    CAP_CONNECTED_CALLS = "CAP_CONNECTED_CALLS"
    CAP_CALL_ATTEMPTS = "CAP_CALL_ATTEMPTS"
    CAP_CALLS_DAY = "CAP_CALLS_DAY"
    CALL_7_IN_7 = "CALL_7_IN_7"
    VISIT_CAP_DAY = "VISIT_CAP_DAY"
    VISIT_CAP_WEEK = "VISIT_CAP_WEEK"


class ReminderReason(StrEnum):
    """Why the API or ops changed a reminder."""

    API = "API"
    """Cancelled through `POST /v1/reminders/{id}/cancel`."""
    LOAN_CANCELLED = "LOAN_CANCELLED"
    """Cancelled with the rest of its loan's reminders (the loan was repaid)."""
    RESCHEDULED = "RESCHEDULED"
    """Its enrolment changed (due date, amount or segment): the step was planned again."""
    PAUSED = "PAUSED"
    """Its enrolment was paused (a promise to pay, hardship, a dispute) before it was due."""
    WRITTEN_OFF = "WRITTEN_OFF"
    """The lender wrote the loan off: its plan ended."""
    SENT = "SENT"
    """Ops resolved an `unknown` reminder as sent."""
    RETRY = "RETRY"
    """Ops resolved an `unknown` reminder as safe to try again."""
