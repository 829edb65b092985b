"""What a borrower's link opens, and what the lender may do to a customer's links.

The page shows no personal data but the tenant's name, the amount due (masked) and the due
date: a forwarded or shoulder-read link tells a stranger little.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy.orm import Session

from app.borrower import repository
from app.borrower.links import digest, well_formed
from app.customers.repository import find_by_refs
from app.errors import NotFound
from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.tenants import Tenant


class Refusal(StrEnum):
    """Why a link opens nothing; the page says so politely and shows no data."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Opened:
    """A link that opens its customer's page."""

    digest: str
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    reminder_id: uuid.UUID


def open_link(session: Session, *, token: str, now: datetime) -> Opened | Refusal:
    if not well_formed(token):
        return Refusal.UNKNOWN
    link = repository.find(session, digest=digest(token))
    if link is None:
        return Refusal.UNKNOWN
    if link.revoked_at is not None:
        return Refusal.REVOKED
    if link.expires_at <= now:
        return Refusal.EXPIRED
    return Opened(link.digest, link.tenant_id, link.customer_id, link.reminder_id)


def revoke(session: Session, *, tenant_id: uuid.UUID, ref: str, now: datetime) -> int:
    """Closes every open link of the customer at once; how many were open. Links of messages
    sent later are new links, and open."""
    customer = find_by_refs(session, tenant_id=tenant_id, refs=[ref]).get(ref)
    if customer is None:
        raise NotFound("no customer with this ref")
    return repository.revoke(session, tenant_id=tenant_id, customer_id=customer.id, now=now)


@dataclass(frozen=True)
class Summary:
    """All the page shows of the loan and the lender."""

    lender: str
    amount: Decimal | None
    currency: str
    due_date: date | None
    locale: str
    """The customer's (for the page's language), else the tenant's default."""
    timezone: str
    """The customer's, else the tenant's default: whose date says whether the loan is due."""

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def amount_text(self, language: str) -> str | None:
        """Masked: `¥1,***.**`."""
        if self.amount is None:
            return None
        return mask_amount(format_currency(self.amount, self.currency, locale=_babel(language)))

    def due_text(self, language: str) -> str | None:
        if self.due_date is None:
            return None
        return str(format_date(self.due_date, "long", locale=_babel(language)))


def summary(session: Session, *, link: Opened) -> Summary:
    tenant = session.get_one(Tenant, link.tenant_id)
    customer = session.get_one(Customer, link.customer_id)
    reminder = session.get_one(Reminder, link.reminder_id)
    amount, currency, due = _due(reminder.variables, tenant.default_currency)
    locale = customer.message_locale or tenant.default_locale
    zone = customer.timezone or tenant.default_timezone
    return Summary(tenant.display_name, amount, currency, due, locale, zone)


def mask_amount(text: str) -> str:
    """Every digit after the first hidden: enough to recognise the loan, not to read it."""
    seen = False
    out = []
    for character in text:
        if character.isdigit():
            out.append("*" if seen else character)
            seen = True
        else:
            out.append(character)
    return "".join(out)


def _babel(language: str) -> str:
    return "zh_Hans_CN" if language == "zh" else "en_US"


def _due(variables: dict[str, Any], currency: str) -> tuple[Decimal | None, str, date | None]:
    """The amount and due date the reminder named: its `amount` and `due_date`, or its loans'
    total and earliest due date."""
    currency = str(variables.get("currency") or currency)
    loans = variables.get("loans")
    try:
        if isinstance(loans, list) and loans:
            total = sum((Decimal(str(loan["amount"])) for loan in loans), Decimal(0))
            earliest = min(date.fromisoformat(str(loan["due_date"])) for loan in loans)
            return total, str(loans[0].get("currency") or currency), earliest
        amount = variables.get("amount")
        due = variables.get("due_date")
        return (
            Decimal(str(amount)) if amount is not None else None,
            currency,
            date.fromisoformat(str(due)) if due else None,
        )
    except (InvalidOperation, ValueError, KeyError, TypeError):
        return None, currency, None
