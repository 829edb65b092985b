"""Every query of the borrower's links."""

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.borrower.links import Issue
from app.db import dialect_insert
from app.models.borrower_links import BorrowerLink


def store(session: Session, issues: Sequence[Issue]) -> None:
    """One statement for a round's links; a link stored by an earlier try of the same reminder
    keeps its first expiry (and its revocation)."""
    if issues:
        rows = [asdict(issue) for issue in issues]
        session.execute(dialect_insert(session, BorrowerLink).on_conflict_do_nothing(), rows)


def find(session: Session, *, digest: str) -> BorrowerLink | None:
    return session.get(BorrowerLink, digest)


def revoke(session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, now: datetime) -> int:
    """How many links were still open."""
    result = session.execute(
        sa.update(BorrowerLink)
        .where(
            BorrowerLink.tenant_id == tenant_id,
            BorrowerLink.customer_id == customer_id,
            BorrowerLink.revoked_at.is_(None),
            BorrowerLink.expires_at > now,
        )
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


STALE_AFTER = timedelta(days=90)
"""How long an expired link still says "expired" (410) rather than "not valid" (404)."""


def delete_stale(session: Session, *, now: datetime) -> int:
    """Links expired long ago: they open nothing, and left alone they grow with every send."""
    deleted = session.execute(
        sa.delete(BorrowerLink).where(BorrowerLink.expires_at <= now - STALE_AFTER)
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
