"""Tenants' own contact policies (the presets live in code)."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class PolicyRecord(Base):
    __tablename__ = "policies"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    spec: Mapped[dict[str, Any]]
    """The `Policy` as JSON (durations in ISO 8601)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
