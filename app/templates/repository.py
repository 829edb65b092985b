"""Every template query. The current versions of a whole batch's templates are one query."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.templates import TemplateLintSettings, TemplateVersion


def current(
    session: Session, *, tenant_id: uuid.UUID, keys: Collection[str] | None = None
) -> dict[str, TemplateVersion]:
    """The highest version of each template (of `keys`, or of all), by key."""
    latest = sa.select(TemplateVersion.key, sa.func.max(TemplateVersion.version).label("version"))
    latest = latest.where(TemplateVersion.tenant_id == tenant_id).group_by(TemplateVersion.key)
    if keys is not None:
        latest = latest.where(TemplateVersion.key.in_(keys))
    newest = latest.subquery()
    rows = session.scalars(
        sa.select(TemplateVersion)
        .join(
            newest,
            sa.and_(
                TemplateVersion.key == newest.c.key, TemplateVersion.version == newest.c.version
            ),
        )
        .where(TemplateVersion.tenant_id == tenant_id)
        .order_by(TemplateVersion.key)
    )
    return {row.key: row for row in rows}


def get_version(
    session: Session, *, tenant_id: uuid.UUID, key: str, version: int
) -> TemplateVersion | None:
    return session.scalar(
        sa.select(TemplateVersion).where(
            TemplateVersion.tenant_id == tenant_id,
            TemplateVersion.key == key,
            TemplateVersion.version == version,
        )
    )


def pinned(
    session: Session, *, wanted: Collection[tuple[uuid.UUID, str, int | None]]
) -> dict[tuple[uuid.UUID, str, int | None], TemplateVersion]:
    """The versions reminders are pinned to, in one query; a reminder stored before versions
    were recorded (version None) gets the current one. A version not stored is left out, for
    the caller to fail only the reminders that need it."""
    exact = [key for key in wanted if key[2] is not None]
    found: dict[tuple[uuid.UUID, str, int | None], TemplateVersion] = {}
    if exact:
        rows = session.scalars(
            sa.select(TemplateVersion).where(
                sa.tuple_(
                    TemplateVersion.tenant_id, TemplateVersion.key, TemplateVersion.version
                ).in_(exact)
            )
        )
        found = {(row.tenant_id, row.key, row.version): row for row in rows}
    for tenant_id, key, _ in (key for key in wanted if key[2] is None):
        newest = current(session, tenant_id=tenant_id, keys=[key]).get(key)
        if newest is not None:
            found[(tenant_id, key, None)] = newest
    return found


def versions(session: Session, *, tenant_id: uuid.UUID, key: str) -> Sequence[TemplateVersion]:
    return session.scalars(
        sa.select(TemplateVersion)
        .where(TemplateVersion.tenant_id == tenant_id, TemplateVersion.key == key)
        .order_by(TemplateVersion.version.desc())
    ).all()


def add_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(sa.insert(TemplateVersion), rows)


def lint_settings(session: Session, *, tenant_id: uuid.UUID) -> TemplateLintSettings | None:
    return session.get(TemplateLintSettings, tenant_id)


def save_lint_settings(session: Session, settings: TemplateLintSettings) -> None:
    session.merge(settings)
    session.flush()
