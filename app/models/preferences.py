"""What a borrower asked of Nudge themselves (or a lender on their behalf), the customer's own
timeline of such changes, and the notices owed to the lender about them."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.columns import BigIntId


class CustomerPreferences(Base):
    """One row per customer who stated any: the contact policy reads it with the opt-outs. The
    chosen language lives on the customer (`Customer.chosen_locale`), which every message reads."""

    __tablename__ = "customer_preferences"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    channels_off: Mapped[list[str]] = mapped_column(sa.JSON)
    preferred: Mapped[list[str]] = mapped_column(sa.JSON)
    inconvenient: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    """Windows `{weekdays, start, end}` in the customer's own zone; `end` before `start`
    crosses midnight."""
    source: Mapped[str] = mapped_column(sa.String(16))
    """Who set them last: `borrower` (their page) or `lender` (the API)."""
    updated_at: Mapped[datetime]


class CustomerEvent(Base):
    """One line of a customer's own timeline (a preference changed, hardship asked for), each
    on the tenant's audit chain like a reminder's events."""

    __tablename__ = "customer_events"
    __table_args__ = (sa.Index("ix_customer_events_customer", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    source: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class LenderNotice(Base):
    """A signed webhook owed to the lender (a hardship request), written in the transaction that
    made it and delivered after commit by the worker, retried like a webhook reminder."""

    __tablename__ = "lender_notices"
    __table_args__ = (
        sa.Index(
            "ix_lender_notices_due",
            "next_attempt_at",
            postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
            sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    """When to try (again); null once delivered or given up."""
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    """Given up: a permanent refusal, or the retry limit."""
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
