"""Every tip library query. The current libraries of a whole dispatch round are one query."""

import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.tips import TipLibraryVersion


def current(
    session: Session, *, tenant_ids: Collection[uuid.UUID], locale: str | None = None
) -> Sequence[TipLibraryVersion]:
    """The highest version of each library of `tenant_ids` (of one `locale`, or of all)."""
    latest = (
        sa.select(
            TipLibraryVersion.tenant_id,
            TipLibraryVersion.locale,
            sa.func.max(TipLibraryVersion.version).label("version"),
        )
        .where(TipLibraryVersion.tenant_id.in_(list(tenant_ids)))
        .group_by(TipLibraryVersion.tenant_id, TipLibraryVersion.locale)
    )
    if locale is not None:
        latest = latest.where(TipLibraryVersion.locale == locale)
    newest = latest.subquery()
    return session.scalars(
        sa.select(TipLibraryVersion)
        .join(
            newest,
            sa.and_(
                TipLibraryVersion.tenant_id == newest.c.tenant_id,
                TipLibraryVersion.locale == newest.c.locale,
                TipLibraryVersion.version == newest.c.version,
            ),
        )
        .order_by(TipLibraryVersion.tenant_id, TipLibraryVersion.locale)
    ).all()


def add(session: Session, row: TipLibraryVersion) -> None:
    session.add(row)
    session.flush()
