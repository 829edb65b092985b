"""The closed vocabulary of send and delivery statuses every provider's words map into."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class DeliveryStatus(StrEnum):
    """Where a message stands; the dispatcher and delivery log only ever see these."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StatusMap:
    """A provider's status words; a word it adds later becomes `unknown`, never a guess."""

    words: Mapping[str, DeliveryStatus]

    def normalize(self, provider_status: str | None) -> DeliveryStatus:
        return self.words.get(provider_status or "", DeliveryStatus.UNKNOWN)


S = DeliveryStatus

TWILIO_MESSAGE = StatusMap(
    {
        "accepted": S.QUEUED,
        "scheduled": S.QUEUED,
        "queued": S.QUEUED,
        "sending": S.SENT,
        "sent": S.SENT,
        "delivered": S.DELIVERED,
        "read": S.DELIVERED,
        "undelivered": S.UNDELIVERED,
        "failed": S.FAILED,
        "canceled": S.CANCELED,
    }
)
"""Twilio Message resource statuses (create answers and status callbacks)."""

TWILIO_CALL = StatusMap(
    {
        "queued": S.QUEUED,
        "initiated": S.QUEUED,
        "ringing": S.SENT,
        "in-progress": S.ANSWERED,
        "completed": S.ANSWERED,
        "busy": S.BUSY,
        "no-answer": S.NO_ANSWER,
        "failed": S.FAILED,
        "canceled": S.CANCELED,
    }
)
"""Twilio Call resource statuses: a completed call was answered."""
