"""The borrower's short links (`{{ manage_url }}`): one per reminder that carried one."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class BorrowerLink(Base):
    """Keyed by the SHA-256 of the token, so the table alone opens no page. The token is a MAC
    of the reminder's id: a retry renders the same link, and its row is written once."""

    __tablename__ = "borrower_links"
    __table_args__ = (sa.Index("ix_borrower_links_customer", "tenant_id", "customer_id"),)

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE")
    )
    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE"), unique=True
    )
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
