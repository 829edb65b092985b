"""Every plan and segment-rule query, each scoped to its tenant."""

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.plans import PlanVersion, SegmentRuleSet


def latest_plan(session: Session, *, tenant_id: uuid.UUID, key: str) -> PlanVersion | None:
    return session.scalar(
        sa.select(PlanVersion)
        .where(PlanVersion.tenant_id == tenant_id, PlanVersion.key == key)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


def plan_version(
    session: Session, *, tenant_id: uuid.UUID, key: str, version: int
) -> PlanVersion | None:
    return session.scalar(
        sa.select(PlanVersion).where(
            PlanVersion.tenant_id == tenant_id,
            PlanVersion.key == key,
            PlanVersion.version == version,
        )
    )


def existing_plan_keys(
    session: Session, *, tenant_id: uuid.UUID, keys: Collection[str]
) -> set[str]:
    return set(
        session.scalars(
            sa.select(PlanVersion.key)
            .where(PlanVersion.tenant_id == tenant_id, PlanVersion.key.in_(keys))
            .distinct()
        )
    )


def latest_segments(session: Session, *, tenant_id: uuid.UUID) -> SegmentRuleSet | None:
    return session.scalar(
        sa.select(SegmentRuleSet)
        .where(SegmentRuleSet.tenant_id == tenant_id)
        .order_by(SegmentRuleSet.version.desc())
        .limit(1)
    )
