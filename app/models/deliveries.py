"""Every delivery attempt: the delivery log's table."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.columns import stored_as_text
from app.models.vocabulary import AttemptStatus, ErrorKind


class DeliveryAttempt(Base):
    """One try at reaching a customer over one channel, as the provider saw it."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        # the contact policy's lookups by customer (app/policy/repository.py, migration 0028)
        sa.Index("ix_delivery_attempts_contacts", "customer_id", "started_at"),
        sa.Index(
            "ix_delivery_attempts_conversations",
            "customer_id",
            "started_at",
            postgresql_where=sa.text("channel = 'voice' AND status = 'answered'"),
            sqlite_where=sa.text("channel = 'voice' AND status = 'answered'"),
        ),
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
