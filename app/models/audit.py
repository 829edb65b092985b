"""The per-tenant hash chain of everything that happened to reminders and deliveries."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    """1, 2, 3... per tenant: a gap is a deleted entry."""
    kind: Mapped[str] = mapped_column(sa.String(16))
    """`event` (a reminder timeline line) or `attempt` (a delivery attempt's state)."""
    ref: Mapped[str] = mapped_column(sa.String(40))
    """The id of the event or attempt row this entry vouches for."""
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 over `prev_hash` and the canonical JSON of `payload`."""
    at: Mapped[datetime]
