"""Signed unsubscribe links for email (RFC 8058 one-click).

A link names a tenant, a customer and a channel by id, signed with `NUDGE_SECRET_KEY`: it
carries no email address or reference (the lender's reference may itself be personal), cannot
be guessed, and cannot be altered to opt out someone else. It does not expire: a customer may
click it months later, and it only ever does what they asked.
"""

import uuid
from dataclasses import dataclass
from html import escape

from app.config import Settings
from app.models.optouts import OptOutChannel
from app.signing import sign, unsign
from app.templates.locales import in_script

PURPOSE = "unsubscribe"
PATH = "/v1/unsubscribe/{token}"
LABELS = {"zh": "退订邮件提醒", "zh-Hant": "退訂郵件提醒", "en": "Unsubscribe from these emails"}
"""The words before the link at the end of an email, by language and script."""


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


def with_link(text: str, html: str | None, *, url: str, locale: str) -> tuple[str, str | None]:
    """The email's text and HTML ending with the link, so a reader whose mail app shows no
    unsubscribe button can still follow it; the footers point here."""
    label = in_script(LABELS, locale)
    linked_html = f'{html}<p><a href="{escape(url)}">{escape(label)}</a></p>' if html else html
    return f"{text.rstrip()}\n\n{label}: {url}", linked_html
