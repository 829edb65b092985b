"""Reminders, their timeline of events, and every delivery attempt."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.reminders.states import ReminderStatus
from app.reminders.vocabulary import AttemptStatus, ErrorKind

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""SQLite only auto-increments an INTEGER PRIMARY KEY."""


def stored_as_text(enum: type[StrEnum], length: int) -> sa.Enum:
    """An enum column that is a plain VARCHAR of its values on every database, so adding a
    member needs no migration and rows written before the enum existed still load."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class EventKind(StrEnum):
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"
    SUPPRESSED = "suppressed"
    EXPIRED = "expired"
    SENT = "sent"
    RETRY = "retry"
    FALLBACK = "fallback"
    """A send on a channel failed and the reminder moves on to its next channel."""
    SKIPPED = "skipped"
    """A channel passed over without a provider call (opted out, no variant, quiet hours...)."""
    FAILED = "failed"
    UNKNOWN = "unknown"
    RESOLVED = "resolved"
    # A provider's status callback changed an attempt (kinds named after the new status).
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CANCELED = "canceled"
    REPLY = "reply"
    """The customer texted something that is not a keyword (stored in `inbound_messages`)."""
    VISIT_OUTCOME = "visit_outcome"
    """The lender's field team reported how a requested visit went (app/visits/)."""


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        sa.Index("ix_reminders_due", "status", "next_attempt_at"),
        sa.Index("ix_reminders_tenant_created", "tenant_id", "created_at", "id"),
        sa.Index("ix_reminders_tenant_loan", "tenant_id", "loan_ref"),
        sa.Index("ix_reminders_tenant_customer", "tenant_id", "customer_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("customers.id"))
    loan_ref: Mapped[str] = mapped_column(sa.String(200))
    template: Mapped[str] = mapped_column(sa.String(100))
    template_version: Mapped[int | None]
    """The template's version when submitted; sends render it, whatever is edited later."""
    channels: Mapped[list[str]] = mapped_column(sa.JSON)
    variables: Mapped[dict[str, Any]]
    policy: Mapped[str | None] = mapped_column(sa.String(100))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", sa.JSON)
    status: Mapped[ReminderStatus] = mapped_column(stored_as_text(ReminderStatus, 16))
    send_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime]
    """When the dispatcher should next look at it: `send_at`, later if deferred or retried."""
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    """The worker holding it while `dispatching`."""
    lease_expires_at: Mapped[datetime | None]
    """A `dispatching` reminder whose lease ran out belongs to a worker that died."""
    attempt_count: Mapped[int] = mapped_column(default=0, server_default="0")
    """Provider calls made so far, for the retry limit."""
    task: Mapped[str | None] = mapped_column(sa.String(16))
    """`visit` when the template asks the lender's field team for a visit (app/visits/)."""
    round_failures: Mapped[int] = mapped_column(server_default="0")
    """Dispatch rounds in a row this reminder made fail; at the limit it is set aside. Only the
    server's default, so that inserts through this table's columns still work on a database
    migrated to before it existed (the upgrade tests write such rows)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReminderEvent(Base):
    """One line of a reminder's timeline: what happened, and why."""

    __tablename__ = "reminder_events"
    __table_args__ = (sa.Index("ix_reminder_events_reminder", "reminder_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    at: Mapped[datetime]


class DeliveryAttempt(Base):
    """One try at reaching a customer over one channel, as the provider saw it."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        sa.Index("ix_delivery_attempts_contacts", "tenant_id", "customer_id", "started_at"),
        sa.Index("ix_delivery_attempts_reminder", "reminder_id", "started_at"),
        sa.Index("ix_delivery_attempts_provider_message_id", "provider_message_id"),
        sa.Index("ix_delivery_attempts_tenant_log", "tenant_id", "started_at", "id"),
        sa.Index("ix_delivery_attempts_tenant_status", "tenant_id", "status", "started_at"),
        sa.Index("ix_delivery_attempts_tenant_channel", "tenant_id", "channel", "started_at"),
        sa.Index("ix_delivery_attempts_started", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(sa.String(16))
    provider: Mapped[str] = mapped_column(sa.String(40))
    worker: Mapped[str | None] = mapped_column(sa.String(64))
    """The dispatcher process that made the provider call."""
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[AttemptStatus] = mapped_column(stored_as_text(AttemptStatus, 20))
    provider_status: Mapped[str | None] = mapped_column(sa.String(40))
    error_kind: Mapped[ErrorKind | None] = mapped_column(stored_as_text(ErrorKind, 16))
    error_code: Mapped[str | None] = mapped_column(sa.String(40))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    recipient: Mapped[str | None] = mapped_column(sa.String(320))
    """The phone number, email address or customer ref the provider was given."""
    body: Mapped[str | None] = mapped_column(sa.Text)
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    """The template variant's locale the words are in, as locale negotiation chose it (null for
    attempts made before it was recorded)."""
    body_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    """Kept when retention erases `body`, so the record still proves what was sent."""
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    latency_ms: Mapped[int | None]
    cost_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 6))
    """What the provider charged, when it says (Twilio's `price`, often only later)."""
    cost_currency: Mapped[str | None] = mapped_column(sa.String(3))
    provider_response: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """The provider's answer as it gave it, masked of contact details and bounded in size
    (app/dispatch/response.py), as anymail keeps `esp_response`: for questions the normalized
    columns cannot answer."""
