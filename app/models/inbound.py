"""Replies customers text back that are not keywords, kept for ops beside the reminder timeline."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (sa.Index("ix_inbound_messages_customer", "tenant_id", "customer_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE")
    )
    from_phone: Mapped[str] = mapped_column(sa.String(20))
    body: Mapped[str | None] = mapped_column(sa.Text)
    """The customer's own words: personal data, never copied into the timeline or the logs."""
    provider_message_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    """Twilio retries a webhook it thinks failed; the same message is stored once."""
    received_at: Mapped[datetime]


class InboundReceipt(Base):
    """Every inbound text Nudge acted on, by the provider's message id, with the answer it got.

    Twilio posts a message again when it thinks the first post failed, and a signed request
    carries no timestamp, so anyone who saw one can replay it: a replayed START must not undo a
    later STOP. The primary key makes the first post the only one that acts (a concurrent twin
    waits on it, then finds it); later posts are answered with the stored answer. Only the
    answer is kept, never the customer's number or words.
    """

    __tablename__ = "inbound_receipts"

    provider: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    """The text sent back the first time (none for a reply or an unknown number)."""
    received_at: Mapped[datetime]
