"""Reminder plans (versioned like templates, never updated) and the tenant's segment rules."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class PlanVersion(Base):
    """One immutable version of a plan; enrolments keep the version they were made with."""

    __tablename__ = "plan_versions"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "key", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[dict[str, Any]]
    """The validated plan document (`app.plans.schemas.PlanIn`) as JSON."""
    created_at: Mapped[datetime]


class SegmentRuleSet(Base):
    """One version of a tenant's ordered segment rules; the current one is the highest."""

    __tablename__ = "segment_rule_sets"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    version: Mapped[int]
    rules: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    """Ordered: each `{name, segment, conditions, plan}`; the first that matches chooses."""
    created_at: Mapped[datetime]
