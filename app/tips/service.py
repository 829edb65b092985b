"""The rules for tip libraries: saving a tenant's library for a locale, reading it, and choosing
tips for a borrower (the borrower's page, `{{ tip }}` in templates).

A save replaces the whole library for the locale as a new version, so a reader sees the old
library or the new one, never a mix; earlier versions stay stored.
"""

import uuid
from collections.abc import Collection

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import Clock
from app.errors import Conflict, NotFound, ValidationFailed
from app.models.tips import TipLibraryVersion
from app.templates import repository as templates
from app.templates.lint import phrase_lists
from app.tips import repository
from app.tips.check import library_errors
from app.tips.pick import Libraries, for_situation, library_for, starters_for, tips_of
from app.tips.pick import situation_of as situation_of
from app.tips.schemas import LibrarySummary, Tip, TipIn, TipLibraryIn, TipLibraryOut
from app.tips.starters import STARTERS


def choose(
    session: Session, *, tenant_id: uuid.UUID, locale: str, situation: str, count: int = 3
) -> list[Tip]:
    """Up to `count` tips for a borrower in `situation` (`situation_of`), reading `locale`:
    the tenant's library closest to it, else Nudge's starters; none in a script neither has."""
    tips = library_for(libraries_of(session, tenant_ids=[tenant_id])[tenant_id], locale)
    return for_situation(tips, situation)[:count]


def libraries_of(
    session: Session, *, tenant_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Libraries]:
    """Every current library of each tenant, in one query: a dispatch round reads its tenants'
    once, whatever the number of messages."""
    found: dict[uuid.UUID, dict[str, tuple[Tip, ...]]] = {tenant: {} for tenant in tenant_ids}
    for row in repository.current(session, tenant_ids=tenant_ids):
        found[row.tenant_id][row.locale] = tips_of(row.tips)
    return dict(found)


def _stored(session: Session, tenant_id: uuid.UUID, locale: str) -> TipLibraryVersion | None:
    rows = repository.current(session, tenant_ids=[tenant_id], locale=locale)
    return rows[0] if rows else None


def read_library(session: Session, *, tenant_id: uuid.UUID, locale: str) -> TipLibraryOut:
    """The tenant's library saved for exactly `locale`, else the starters in its script."""
    row = _stored(session, tenant_id, locale)
    if row is not None:
        return TipLibraryOut(
            locale=locale,
            source="tenant",
            version=row.version,
            created_at=row.created_at,
            tips=[TipIn.model_validate(tip) for tip in row.tips],
        )
    starters = starters_for(locale)
    if not starters:
        raise NotFound(f"no tips for '{locale}': save some, or use one of {sorted(STARTERS)}")
    return TipLibraryOut(
        locale=locale,
        source="starter",
        version=None,
        created_at=None,
        tips=[TipIn.model_validate(tip, from_attributes=True) for tip in starters],
    )


def save_library(
    session: Session, *, tenant_id: uuid.UUID, locale: str, library: TipLibraryIn, clock: Clock
) -> TipLibraryOut:
    """Stores the library as the next version for `locale`, after the wording lint (with the
    tenant's additions) and the SMS size check; refused as a whole, naming each field."""
    lint = templates.lint_settings(session, tenant_id=tenant_id)
    phrases = phrase_lists(lint.extra_phrases if lint else {})
    if errors := library_errors(library, locale=locale, phrases=phrases):
        raise ValidationFailed(errors)
    existing = _stored(session, tenant_id, locale)
    row = TipLibraryVersion(
        tenant_id=tenant_id,
        locale=locale,
        version=existing.version + 1 if existing else 1,
        tips=library.model_dump(mode="json")["tips"],
        created_at=clock.now(),
    )
    try:
        repository.add(session, row)
    except IntegrityError:
        raise Conflict(f"the '{locale}' tips were changed by another request; try again") from None
    return TipLibraryOut(
        locale=locale,
        source="tenant",
        version=row.version,
        created_at=row.created_at,
        tips=library.tips,
    )


def list_libraries(session: Session, *, tenant_id: uuid.UUID) -> list[LibrarySummary]:
    """The tenant's saved libraries (locales without one use the starters)."""
    return [
        LibrarySummary(
            locale=row.locale,
            version=row.version,
            tip_count=len(row.tips),
            created_at=row.created_at,
        )
        for row in repository.current(session, tenant_ids=[tenant_id])
    ]
