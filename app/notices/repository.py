"""Lender-notice queries: the due ones claimed under a lease, skipping those another worker
holds."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.preferences import LenderNotice


def claim_due(
    session: Session, *, now: datetime, limit: int, lease: timedelta
) -> Sequence[LenderNotice]:
    """Oldest due first; each claimed one is due again when its lease ends, so a worker that
    dies mid-send leaves it to the next."""
    rows = session.scalars(
        sa.select(LenderNotice)
        .where(LenderNotice.next_attempt_at <= now)
        .order_by(LenderNotice.next_attempt_at, LenderNotice.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.next_attempt_at = now + lease
    session.flush()
    return rows


def get(session: Session, notice_id: uuid.UUID) -> LenderNotice:
    return session.get_one(LenderNotice, notice_id)
