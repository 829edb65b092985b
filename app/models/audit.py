"""The per-tenant hash chain of everything that happened to reminders and deliveries."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.columns import BigIntId


class AuditEntry(Base):
    """Written unlinked (`seq`, `prev_hash` and `hash` null) by the change it records; the
    sequencer (app/audit/sequencer.py) links it onto its tenant's chain moments later."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "seq"),
        sa.Index(
            "ix_audit_entries_unlinked",
            "id",
            postgresql_where=sa.text("seq IS NULL"),
            sqlite_where=sa.text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    """Insertion order: the sequencer links a tenant's entries in this order."""
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    seq: Mapped[int | None]
    """1, 2, 3... per tenant once linked (a gap is a deleted entry); null until then."""
    kind: Mapped[str] = mapped_column(sa.String(16))
    """`event` (a reminder timeline line), `attempt` (a delivery attempt's state) or
    `customer_event` (a line of a customer's own timeline)."""
    ref: Mapped[str] = mapped_column(sa.String(40))
    """The id of the event or attempt row this entry vouches for."""
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))
    """SHA-256 over `prev_hash` and the canonical JSON of `payload`, set when linked."""
    at: Mapped[datetime]
