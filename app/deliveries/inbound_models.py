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
