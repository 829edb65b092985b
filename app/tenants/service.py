"""Creating tenants and issuing or revoking their API keys."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.vault import Vault
from app.clock import Clock
from app.config import Settings
from app.errors import NotFound, ValidationFailed
from app.models.tenants import ApiKey, Tenant
from app.policy.service import unknown_policy_errors
from app.templates import service as templates
from app.tenants import webhook
from app.tenants.schemas import TenantSettings, TenantSettingsIn, TenantSettingsOut

KEY_PREFIX = "nudge_"


class Scope(StrEnum):
    REMINDERS_WRITE = "reminders:write"
    REMINDERS_READ = "reminders:read"
    TEMPLATES_WRITE = "templates:write"
    DELIVERIES_READ = "deliveries:read"
    PII_READ = "pii:read"
    ADMIN = "admin"
    """Implies every other scope."""


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once to its owner; only `hash_secret(secret)` is kept."""

    key_id: uuid.UUID
    tenant_id: uuid.UUID
    secret: str


def hash_secret(secret: str) -> str:
    """Keys carry 256 random bits, so one SHA-256 is enough: there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_tenant(
    session: Session, *, name: str, clock: Clock, settings: TenantSettings | None = None
) -> IssuedKey:
    """`settings` default to the schema's (en-US, UTC, USD), displayed as `name`."""
    settings = settings or TenantSettings(display_name=name[:200])
    tenant = Tenant(name=name, created_at=clock.now(), **settings.model_dump())
    session.add(tenant)
    session.flush()
    templates.load_starters(session, tenant_id=tenant.id, now=tenant.created_at)
    return create_key(session, tenant_id=tenant.id, scopes=[Scope.ADMIN], clock=clock)


def create_key(
    session: Session, *, tenant_id: uuid.UUID, scopes: list[Scope], clock: Clock
) -> IssuedKey:
    if session.get(Tenant, tenant_id) is None:
        raise NotFound(f"no tenant {tenant_id}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=tenant_id,
        secret_hash=hash_secret(secret),
        prefix=secret[: len(KEY_PREFIX) + 6],
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


def find_active_key(session: Session, secret: str) -> ApiKey | None:
    return session.scalar(
        sa.select(ApiKey).where(
            ApiKey.secret_hash == hash_secret(secret), ApiKey.revoked_at.is_(None)
        )
    )


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
    tenant = session.get_one(Tenant, tenant_id)
    named = {"default_policy": settings.default_policy} | {
        f"jurisdiction_policies.{code}": name
        for code, name in settings.jurisdiction_policies.items()
    }
    errors = unknown_policy_errors(session, tenant_id=tenant_id, named=named)
    if errors:
        raise ValidationFailed(errors)
    webhook.apply(session, tenant_id=tenant_id, body=settings, vault=vault, rules=rules, now=now)
    for name in TenantSettings.model_fields:
        setattr(tenant, name, getattr(settings, name))
    session.flush()
    return _settings_out(session, tenant)
