"""The lines of a reminder's timeline, one typed shape per thing that happens.

Call sites build one of these; only the lifecycle turns it into a `reminder_events` row, so the
detail an API client or an auditor reads has one spelling per kind. `detail()` is that row's
JSON, as the timeline has always shown it.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.models.deliveries import DeliveryAttempt
from app.models.reasons import DispatchReason, ReminderReason
from app.models.reminders import EventKind

Detail = dict[str, Any]


class Event(Protocol):
    @property
    def kind(self) -> EventKind: ...

    @property
    def reason(self) -> str | None: ...

    def detail(self) -> Detail | None: ...


@dataclass(frozen=True, kw_only=True)
class Accepted:
    """The reminder was submitted."""

    kind: EventKind = field(default=EventKind.ACCEPTED, init=False)
    reason: None = field(default=None, init=False)

    def detail(self) -> None:
        return None


@dataclass(frozen=True, kw_only=True)
class Cancelled:
    reason: ReminderReason
    kind: EventKind = field(default=EventKind.CANCELLED, init=False)

    def detail(self) -> None:
        return None


@dataclass(frozen=True, kw_only=True)
class Resolved:
    """Ops settled an `unknown` reminder: it was sent, or it is tried again."""

    reason: ReminderReason
    kind: EventKind = field(default=EventKind.RESOLVED, init=False)

    def detail(self) -> None:
        return None


@dataclass(frozen=True, kw_only=True)
class Blocked:
    """The contact policy deferred, suppressed or expired the reminder."""

    kind: EventKind
    reason: str | None
    policy: str
    timezones: tuple[str, ...]
    until: datetime | None = None
    """With a deferral: when it is tried again (UTC)..."""
    until_local: datetime | None = None
    """...and that moment in the customer's own time."""

    def detail(self) -> Detail:
        detail: Detail = {"policy": self.policy, "timezones": list(self.timezones)}
        if self.until is not None and self.until_local is not None:
            detail |= {
                "next_attempt_at": self.until.isoformat(),
                "next_attempt_local": self.until_local.isoformat(),
            }
        return detail


@dataclass(frozen=True, kw_only=True)
class Skipped:
    """A channel passed over in a round without a provider call."""

    reason: str
    channel: str
    next_channel: str | None = None
    error: str | None = None
    kind: EventKind = field(default=EventKind.SKIPPED, init=False)

    def detail(self) -> Detail:
        detail: Detail = {"channel": self.channel}
        if self.next_channel is not None:
            detail["next_channel"] = self.next_channel
        if self.error is not None:
            detail["error"] = self.error
        return detail


@dataclass(frozen=True, kw_only=True)
class ChannelFailure:
    channel: str
    reason: str
    error: str | None


@dataclass(frozen=True, kw_only=True)
class NothingToSend:
    """No channel of the reminder could become a message: it fails with the first one's reason."""

    reason: str
    first: ChannelFailure
    others: tuple[ChannelFailure, ...] = ()
    kind: EventKind = field(default=EventKind.FAILED, init=False)

    def detail(self) -> Detail:
        detail: Detail = {"channel": self.first.channel, "error": self.first.error}
        if self.others:
            detail["other_channels"] = [
                {"channel": f.channel, "reason": f.reason, "error": f.error} for f in self.others
            ]
        return detail


@dataclass(frozen=True, kw_only=True)
class NoAdapter:
    """None of the reminder's channels has a provider here."""

    channels: tuple[str, ...]
    reason: DispatchReason = field(default=DispatchReason.NO_ADAPTER, init=False)
    kind: EventKind = field(default=EventKind.FAILED, init=False)

    def detail(self) -> Detail:
        return {"channels": list(self.channels)}


@dataclass(frozen=True, kw_only=True)
class RoundFailed:
    """The reminder made a dispatch round fail: tried again at `retry_at`, or set aside."""

    error: str
    round_failures: int
    retry_at: datetime | None
    reason: DispatchReason = field(default=DispatchReason.PREPARE_ERROR, init=False)

    @property
    def kind(self) -> EventKind:
        return EventKind.FAILED if self.retry_at is None else EventKind.RETRY

    def detail(self) -> Detail:
        detail: Detail = {"error": self.error, "round_failures": self.round_failures}
        if self.retry_at is not None:
            detail["next_attempt_at"] = self.retry_at.isoformat()
        return detail


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """Which attempt an event is about."""

    id: uuid.UUID
    channel: str
    provider: str

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> "Attempt":
        return cls(id=attempt.id, channel=attempt.channel, provider=attempt.provider)

    def detail(self) -> Detail:
        return {"channel": self.channel, "provider": self.provider, "attempt_id": str(self.id)}


@dataclass(frozen=True, kw_only=True)
class Sent:
    """The provider accepted the message."""

    attempt: Attempt
    provider_message_id: str | None
    kind: EventKind = field(default=EventKind.SENT, init=False)
    reason: None = field(default=None, init=False)

    def detail(self) -> Detail:
        return self.attempt.detail() | {"provider_message_id": self.provider_message_id}


@dataclass(frozen=True, kw_only=True)
class SendFailed:
    """The provider call failed: what the reminder does next is the kind (`retry`, `fallback`,
    `failed`, `expired`, `unknown`)."""

    kind: EventKind
    reason: DispatchReason
    attempt: Attempt
    error_code: str | None
    error: str
    next_channel: str | None = None
    failures: int | None = None
    """With a fallback after retryable errors: how many the channel had."""
    retry_at: datetime | None = None

    def detail(self) -> Detail:
        detail = self.attempt.detail() | {"error_code": self.error_code, "error": self.error}
        if self.next_channel is not None:
            detail["next_channel"] = self.next_channel
        if self.failures is not None:
            detail["failures"] = self.failures
        if self.retry_at is not None:
            detail["next_attempt_at"] = self.retry_at.isoformat()
        return detail


@dataclass(frozen=True, kw_only=True)
class StatusReported:
    """A provider's status callback moved an attempt; the kind names the new status."""

    kind: EventKind
    attempt: Attempt
    provider_message_id: str | None
    provider_status: str
    error_code: str | None
    reminder_status: str
    """The reminder's status after the callback (unchanged when it could not follow)."""
    reason: None = field(default=None, init=False)

    def detail(self) -> Detail:
        return self.attempt.detail() | {
            "provider_message_id": self.provider_message_id,
            "provider_status": self.provider_status,
            "error_code": self.error_code,
            "reminder_status": self.reminder_status,
        }


@dataclass(frozen=True, kw_only=True)
class Replied:
    """The customer texted something that is not a keyword; the words stay in one erasable
    place (`inbound_messages`), the timeline names the message."""

    inbound_message_id: uuid.UUID
    provider_message_id: str
    kind: EventKind = field(default=EventKind.REPLY, init=False)
    reason: None = field(default=None, init=False)

    def detail(self) -> Detail:
        return {
            "inbound_message_id": str(self.inbound_message_id),
            "provider_message_id": self.provider_message_id,
        }


@dataclass(frozen=True, kw_only=True)
class VisitReported:
    """The lender's field team reported how a visit went, as they worded it."""

    outcome: str
    report: Detail
    """The report as received (JSON), so the timeline shows exactly what was said."""
    kind: EventKind = field(default=EventKind.VISIT_OUTCOME, init=False)

    @property
    def reason(self) -> str:
        return self.outcome.upper()

    def detail(self) -> Detail:
        return dict(self.report)
