"""Every template query. The current versions of a whole batch's templates are one query."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.templates import TemplateLintSettings, TemplateVersion
from app.models.tenants import Tenant
from app.tenants.schemas import TenantSettings


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


_LATEST = (
    sa.select(TemplateVersion.key, sa.func.max(TemplateVersion.version).label("version"))
    .where(
        TemplateVersion.tenant_id == sa.bindparam("tenant_id"),
        TemplateVersion.key.in_(sa.bindparam("keys", expanding=True)),
    )
    .group_by(TemplateVersion.key)
    .subquery()
)
_CURRENT = (
    sa.select(
        TemplateVersion.key,
        TemplateVersion.version,
        TemplateVersion.description,
        TemplateVersion.variables,
        TemplateVersion.variants,
    )
    .join(
        _LATEST,
        sa.and_(TemplateVersion.key == _LATEST.c.key, TemplateVersion.version == _LATEST.c.version),
    )
    .where(TemplateVersion.tenant_id == sa.bindparam("tenant_id"))
    .subquery()
)
_FOR_SUBMISSION = (
    sa.select(
        *(getattr(Tenant, name) for name in TenantSettings.model_fields),
        TemplateLintSettings.extra_phrases,
        _CURRENT,
    )
    .select_from(Tenant)
    .outerjoin(TemplateLintSettings, TemplateLintSettings.tenant_id == Tenant.id)
    .outerjoin(_CURRENT, sa.true())
    .where(Tenant.id == sa.bindparam("tenant_id"))
)
"""Built once: a submission reads it every time, and building it cost as much as running it."""


AnyRow = sa.Row[*tuple[Any, ...]]


def for_submission(
    session: Session, *, tenant_id: uuid.UUID, keys: Collection[str]
) -> Sequence[AnyRow]:
    """What a submission checks against, in one round trip: the tenant's settings and wording
    additions (`extra_phrases`, None when it has none) with the current version of each
    template of `keys`, one row per template found (`key` None on the only row if none is)."""
    return session.execute(_FOR_SUBMISSION, {"tenant_id": tenant_id, "keys": list(keys)}).all()


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
