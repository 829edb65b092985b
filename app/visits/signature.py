"""Callbacks from the lender's system are signed like Nudge's own webhooks, with the tenant's
webhook secret: `Nudge-Signature: v1=<HMAC-SHA256(secret, "{Nudge-Timestamp}.{body}")>`
(`channels.webhook.sign`, one way to sign). A timestamp far from now is refused, so a captured
callback cannot be replayed later."""

import hmac
from datetime import datetime

from app.errors import NudgeError
from channels.webhook.adapter import sign

TIMESTAMP_HEADER, SIGNATURE_HEADER = "Nudge-Timestamp", "Nudge-Signature"


class Unsigned(NudgeError):
    status, slug, title = 401, "unsigned", "Missing or stale callback signature"


class BadTaskSignature(NudgeError):
    status, slug, title = 403, "bad-signature", "Missing or invalid callback signature"


def verify(
    secret: str | None,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int,
) -> None:
    """Raises unless `signature` is the tenant's over this timestamp and body. Without a
    secret (an unknown task, a tenant with no webhook) nothing can match."""
    if not (timestamp and signature):
        raise Unsigned(f"the {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Unsigned(f"{TIMESTAMP_HEADER} must be Unix seconds")
    if abs(now.timestamp() - int(timestamp)) > tolerance_seconds:
        raise Unsigned(
            f"{TIMESTAMP_HEADER} is more than {tolerance_seconds} seconds from Nudge's clock"
        )
    expected = sign(secret.encode(), timestamp, body) if secret else None
    if expected is None or not hmac.compare_digest(expected.encode(), signature.encode()):
        raise BadTaskSignature(f"{SIGNATURE_HEADER} does not match the tenant's webhook secret")
