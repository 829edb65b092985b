"""Every query on tenants' provider accounts."""

import uuid
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.accounts import ProviderAccount


def get(session: Session, *, tenant_id: uuid.UUID, provider: str) -> ProviderAccount | None:
    return session.get(ProviderAccount, (tenant_id, provider))


def of_tenant(session: Session, *, tenant_id: uuid.UUID) -> Sequence[ProviderAccount]:
    return session.scalars(
        sa.select(ProviderAccount)
        .where(ProviderAccount.tenant_id == tenant_id)
        .order_by(ProviderAccount.provider)
    ).all()


def of_tenants(session: Session, tenant_ids: Iterable[uuid.UUID]) -> Sequence[ProviderAccount]:
    return session.scalars(
        sa.select(ProviderAccount).where(ProviderAccount.tenant_id.in_(set(tenant_ids)))
    ).all()


def of_provider(session: Session, provider: str) -> Sequence[ProviderAccount]:
    return session.scalars(
        sa.select(ProviderAccount).where(ProviderAccount.provider == provider)
    ).all()


def any_stored(session: Session) -> bool:
    return session.scalar(sa.select(sa.exists().select_from(ProviderAccount))) or False


def every(session: Session) -> Sequence[ProviderAccount]:
    return session.scalars(sa.select(ProviderAccount).with_for_update()).all()
