"""The short link to the borrower's own page (`{{ manage_url }}`), fit for an SMS.

The path is `/m/` and 20 characters: 120 bits of an HMAC of the reminder's id, keyed by
`NUDGE_SECRET_KEY`. So a retry or a fallback renders the very same link, rendering needs no
database, and nobody can guess one. The dispatcher stores a link (by the token's SHA-256, so
the table alone opens nothing) in the transaction that starts the send, with the moment it
expires; the lender can revoke a customer's links at once.
"""

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import Settings
from app.signing import mac_bytes

PURPOSE = "manage"
PREFIX = "/m/"
PATH = PREFIX + "{token}"
TOKEN_BYTES = 15
"""120 bits, 20 base64url characters: with `/m/`, a 23-character path."""
TOKEN_LENGTH = 20
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20}$")


def digest(token: str) -> str:
    """What the table keys a link by."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_TOKEN.match(token))


def sample_url(public_url: str) -> str:
    """A link as long as a real one, for the dry runs and previews that count a text's size."""
    return public_url.rstrip("/") + PREFIX + "x" * TOKEN_LENGTH


@dataclass(frozen=True)
class Issue:
    """A link to store as its send starts."""

    digest: str
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    reminder_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime


class ManageLinks:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lifetime = timedelta(days=settings.manage_link_days)
        """From the send that first carried the link."""

    def token(self, reminder_id: uuid.UUID) -> str:
        mac = mac_bytes(self.settings, PURPOSE, reminder_id.hex)[:TOKEN_BYTES]
        return base64.urlsafe_b64encode(mac).decode()

    def url(self, token: str) -> str:
        return self.settings.public_url.rstrip("/") + PATH.format(token=token)
