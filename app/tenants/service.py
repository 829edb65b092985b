"""Creating tenants and issuing or revoking their API keys."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.vault import Vault
from app.auth import SHOWN_PREFIX_LENGTH, Scope, hash_secret, new_secret
from app.clock import Clock
from app.config import Settings
from app.errors import NotFound
from app.models.tenants import ApiKey, Tenant
from app.tenants import webhook
from app.tenants.schemas import TenantSettings, TenantSettingsIn, TenantSettingsOut


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once to its owner; only `hash_secret(secret)` is kept."""

    key_id: uuid.UUID
    tenant_id: uuid.UUID
    secret: str


def create_tenant(
    session: Session, *, name: str, clock: Clock, settings: TenantSettings | None = None
) -> IssuedKey:
    """`settings` default to the schema's (en-US, UTC, USD), displayed as `name`. A lender
    starts with more than its tenant: `app.onboarding` adds the starter templates."""
    settings = settings or TenantSettings(display_name=name[:200])
    tenant = Tenant(name=name, created_at=clock.now(), **settings.model_dump())
    session.add(tenant)
    session.flush()
    return create_key(session, tenant_id=tenant.id, scopes=[Scope.ADMIN], clock=clock)


def create_key(
    session: Session, *, tenant_id: uuid.UUID, scopes: list[Scope], clock: Clock
) -> IssuedKey:
    if session.get(Tenant, tenant_id) is None:
        raise NotFound(f"no tenant {tenant_id}")
    secret = new_secret()
    key = ApiKey(
        tenant_id=tenant_id,
        secret_hash=hash_secret(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        scopes=sorted(set(scopes)),
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    return IssuedKey(key_id=key.id, tenant_id=tenant_id, secret=secret)


def revoke_key(session: Session, *, key_id: uuid.UUID, clock: Clock) -> None:
    revoked = session.execute(
        sa.update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    if revoked.rowcount == 0 and session.get(ApiKey, key_id) is None:  # type: ignore[attr-defined]
        raise NotFound(f"no API key {key_id}")


def time_zone(session: Session, *, tenant_id: uuid.UUID) -> ZoneInfo:
    """The zone the tenant's dashboard shows times in: its `default_timezone`."""
    name = session.scalar(sa.select(Tenant.default_timezone).where(Tenant.id == tenant_id))
    return ZoneInfo(name or "UTC")


def read_settings(session: Session, *, tenant_id: uuid.UUID) -> TenantSettingsOut:
    tenant = session.get_one(Tenant, tenant_id)
    return _settings_out(session, tenant)


def _settings_out(session: Session, tenant: Tenant) -> TenantSettingsOut:
    shown = TenantSettings.model_validate(tenant, from_attributes=True).model_dump()
    return TenantSettingsOut.model_validate(shown | webhook.shown(session, tenant_id=tenant.id))


def replace_settings(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    settings: TenantSettingsIn,
    rules: Settings,
    vault: Vault,
    now: datetime,
) -> TenantSettingsOut:
    """The policies `settings` name are the caller's to check: policies sit above tenants."""
    tenant = session.get_one(Tenant, tenant_id)
    webhook.apply(session, tenant_id=tenant_id, body=settings, vault=vault, rules=rules, now=now)
    for name in TenantSettings.model_fields:
        setattr(tenant, name, getattr(settings, name))
    session.flush()
    return _settings_out(session, tenant)
