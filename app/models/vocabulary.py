"""The closed vocabularies of a delivery attempt, stored as their string values.

Being enums, a misspelt status or kind fails type checking instead of becoming a row no filter,
metric or fallback rule recognises; docs/deliveries.md lists every member (a test keeps it so).
"""

from enum import StrEnum

from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.status import DeliveryStatus


class AttemptStatus(StrEnum):
    """`sending` while the provider call is in flight, then the provider's answer normalized."""

    SENDING = "sending"
    QUEUED = DeliveryStatus.QUEUED.value
    SENT = DeliveryStatus.SENT.value
    DELIVERED = DeliveryStatus.DELIVERED.value
    UNDELIVERED = DeliveryStatus.UNDELIVERED.value
    FAILED = DeliveryStatus.FAILED.value
    ANSWERED = DeliveryStatus.ANSWERED.value
    NO_ANSWER = DeliveryStatus.NO_ANSWER.value
    BUSY = DeliveryStatus.BUSY.value
    CANCELED = DeliveryStatus.CANCELED.value
    UNKNOWN = DeliveryStatus.UNKNOWN.value
    """The call may or may not have reached the provider: never sent again by itself."""

    @classmethod
    def of(cls, status: DeliveryStatus) -> "AttemptStatus":
        return cls(status.value)


class ErrorKind(StrEnum):
    """How an attempt failed, which decides what the dispatcher does next."""

    RETRYABLE = "retryable"
    """Tried again later, or on the next channel once this one is spent."""
    PERMANENT = "permanent"
    """This channel is ruled out for the reminder; the next channel is tried."""
    AMBIGUOUS = "ambiguous"
    """It may have been sent: the reminder becomes `unknown` and is never sent again by itself."""
    CONFIG = "config"
    """Nudge's own provider settings are wrong."""

    @classmethod
    def of(cls, error: ChannelError | None) -> "ErrorKind | None":
        kinds = {
            AmbiguousError: cls.AMBIGUOUS,
            PermanentError: cls.PERMANENT,
            RetryableError: cls.RETRYABLE,
            ConfigError: cls.CONFIG,
        }
        return next((kind for err, kind in kinds.items() if isinstance(error, err)), None)
