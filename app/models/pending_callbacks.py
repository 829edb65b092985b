"""Status callbacks that arrived before the dispatcher recorded their message's id."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.columns import BigIntId


class PendingCallback(Base):
    """One report Twilio made about a message Nudge had not yet recorded, kept until the
    dispatcher records the message's id (then applied and deleted) or until it expires.

    The recipient's number in the callback is not kept: nothing here needs it. The tenant is
    not kept either: it is the attempt's, known only once the message is.
    """

    __tablename__ = "pending_callbacks"
    __table_args__ = (
        sa.Index("ix_pending_callbacks_provider_message_id", "provider_message_id"),
        sa.Index("ix_pending_callbacks_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    """Handed out as callbacks arrive: reports are applied in this order."""
    provider_message_id: Mapped[str] = mapped_column(sa.String(100))
    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    """The `reference` on the callback URL; applied only if it is the attempt's reminder."""
    provider_status: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20))
    error_code: Mapped[str | None] = mapped_column(sa.String(40))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime]
