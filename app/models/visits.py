"""What the lender's field team reported about a requested visit: one outcome per visit."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class VisitOutcome(Base):
    """Keyed by the reminder, so a repeated callback can never record a second outcome."""

    __tablename__ = "visit_outcomes"

    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    promised_amount: Mapped[str | None] = mapped_column(sa.String(32))
    promised_currency: Mapped[str | None] = mapped_column(sa.String(3))
    promised_date: Mapped[date | None]
    visited_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))
    received_at: Mapped[datetime]
