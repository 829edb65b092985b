"""Borrowers, identified by the lender's own reference within a tenant."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "ref"),
        sa.Index("ix_customers_phone", "phone"),  # inbound SMS: who texted us?
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    jurisdiction: Mapped[str | None] = mapped_column(sa.String(8))
    chosen_locale: Mapped[str | None] = mapped_column(sa.String(35))
    """The language the borrower (or the lender for them) chose for future messages
    (app/preferences/); it outranks `locale`, which each submission may overwrite."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def message_locale(self) -> str | None:
        """The language messages to this customer are written in, as far as they know it."""
        return self.chosen_locale or self.locale
