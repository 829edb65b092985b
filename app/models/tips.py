"""Tip libraries: a tenant's financial-literacy tips for one locale, versioned like templates."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class TipLibraryVersion(Base):
    """One immutable version of a tenant's tips in one locale; the current one is the highest
    `version`. A save replaces the whole library, so a reader never sees half of one."""

    __tablename__ = "tip_library_versions"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "locale", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(sa.String(35))
    version: Mapped[int]
    tips: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    """Ordered: each `{key, situation, topic, title, body, short}` (`app.tips.schemas.TipIn`)."""
    created_at: Mapped[datetime]
