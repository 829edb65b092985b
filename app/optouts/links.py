"""Signed unsubscribe links for email (RFC 8058 one-click).

A link names a tenant, a customer and a channel by id, signed with `NUDGE_SECRET_KEY`: it
carries no email address or reference (the lender's reference may itself be personal), cannot
be guessed, and cannot be altered to opt out someone else. It does not expire: a customer may
click it months later, and it only ever does what they asked.
"""

import uuid
from dataclasses import dataclass

from app.config import Settings
from app.optouts.models import OptOutChannel
from app.signing import sign, unsign

PURPOSE = "unsubscribe"
PATH = "/v1/unsubscribe/{token}"


@dataclass(frozen=True)
class Unsubscribe:
    """Who asked to stop, and on which channel."""

    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    channel: OptOutChannel


class UnsubscribeLinks:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def email(self, *, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> str:
        """The https link Nudge puts in an email's `List-Unsubscribe` header."""
        data = {"t": str(tenant_id), "c": str(customer_id), "ch": OptOutChannel.EMAIL.value}
        token = sign(self.settings, PURPOSE, data)
        return self.settings.public_url.rstrip("/") + PATH.format(token=token)

    def read(self, token: str) -> Unsubscribe | None:
        """What the link says, or None when it was not signed by this service as a link."""
        data = unsign(self.settings, PURPOSE, token)
        if data is None:
            return None
        try:
            return Unsubscribe(
                tenant_id=uuid.UUID(data["t"]),
                customer_id=uuid.UUID(data["c"]),
                channel=OptOutChannel(data["ch"]),
            )
        except (KeyError, ValueError, TypeError):
            return None
