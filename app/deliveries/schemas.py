"""The delivery log as the ops API returns it, and the filters every view of it shares."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from app.models.vocabulary import AttemptStatus, ErrorKind

ATTEMPT_STATUSES = tuple(AttemptStatus)
"""Every status an attempt can have, as filters accept them."""


@dataclass(frozen=True)
class DeliveryFilter:
    """One set of filters for the listing, the CSV export and the stats."""

    customer_ref: str | None = None
    loan_ref: str | None = None
    reminder_id: uuid.UUID | None = None
    channel: str | None = None
    provider: str | None = None
    status: AttemptStatus | None = None
    error_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class DeliveryOut(BaseModel):
    """One delivery attempt; `recipient` and contact details in `body` and `error_message` are
    masked without the `pii:read` scope."""

    id: uuid.UUID
    reminder_id: uuid.UUID
    customer_ref: str
    loan_ref: str
    template: str
    channel: str
    provider: str
    provider_message_id: str | None
    status: AttemptStatus = Field(description="`sending` while in flight, then normalized.")
    provider_status: str | None = Field(description="The provider's own word.")
    error_kind: ErrorKind | None
    error_code: str | None
    error_message: str | None
    recipient: str | None = Field(description="Phone number, email address or customer ref.")
    body: str | None = Field(description="The words sent; null once erased by retention.")
    locale: str | None = Field(
        description="The template variant's locale, as locale negotiation chose it."
    )
    body_sha256: str | None = Field(description="Digest of an erased body, proving what was sent.")
    started_at: datetime
    finished_at: datetime | None
    latency_ms: int | None
    worker: str | None
    cost_amount: Decimal | None = Field(
        description="What the provider charged, when it says (Twilio often only later)."
    )
    cost_currency: str | None = Field(description="ISO 4217 code of `cost_amount`.")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class GroupBy(StrEnum):
    CHANNEL = "channel"
    STATUS = "status"
    DAY = "day"
    TEMPLATE = "template"


class StatsGroup(BaseModel):
    key: str = Field(description="The channel, status, template, or day (`YYYY-MM-DD`).")
    attempts: int
    final: int = Field(description="Attempts whose status is final.")
    reached: int = Field(description="Final attempts delivered or answered.")
    delivery_rate: float | None = Field(description="`reached / final`; null when nothing final.")


class DeliveryStats(BaseModel):
    group_by: GroupBy
    tz: str = Field(description="The zone whose calendar days `day` groups by.")
    groups: list[StatsGroup]
    total: StatsGroup
