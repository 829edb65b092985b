"""Template versions (never updated, so old reminders keep their wording) and lint settings."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class TemplateVersion(Base):
    """One immutable version of a template; the current one is the highest `version`."""

    __tablename__ = "template_versions"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "key", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text)
    variables: Mapped[dict[str, Any]]
    variants: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]


class TemplateLintSettings(Base):
    """A tenant's extra prohibited wording and SMS segment limit; absent means the defaults."""

    __tablename__ = "template_lint_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    extra_phrases: Mapped[dict[str, Any]]
    sms_segment_limit: Mapped[int]
    updated_at: Mapped[datetime]
