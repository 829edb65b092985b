"""How a send went wrong, classified so the dispatcher knows whether trying again is safe."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class ChannelError(Exception):
    """A send did not succeed; the subclass says what may be done about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryableError(ChannelError):
    """Nothing reached the recipient and trying again later may work (429, 5xx, refused)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CircuitOpenError(RetryableError):
    """The adapter's circuit is open: no call was made, because the provider keeps failing.

    Its `code` is kept on the attempt, so the dispatcher knows later that this channel was
    left for the reminder's next one."""

    code = "CIRCUIT_OPEN"


class PermanentError(ChannelError):
    """The provider refused this message for good; `opt_out` when the recipient unsubscribed."""

    def __init__(self, message: str, *, code: str | None = None, opt_out: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.opt_out = opt_out


class AmbiguousError(ChannelError):
    """The request may have reached the provider: resending could reach the customer twice."""


class ConfigError(ChannelError):
    """Nudge's own set-up is wrong (credentials, sender); no message will get through."""


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates carry no zone; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def http_status_error(
    status: int, *, retry_after: str | None, now: datetime, detail: str
) -> RetryableError | None:
    """Throttling and server errors are the provider's trouble, not the message's."""
    if status == 429 or status >= 500:
        return RetryableError(
            f"HTTP {status}: {detail}", retry_after=retry_after_seconds(retry_after, now)
        )
    return None
