"""API keys: how they are made and stored, who is calling, for which tenant, with which scopes.

Below every domain package: endpoints, the dashboard and `tenants` (which issues keys) all ask
this module who a key belongs to, and it asks none of them.
"""

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.clock import ClockDep
from app.db import SessionDep, release_connection
from app.errors import Forbidden, RateLimited, Unauthorized
from app.models.tenants import ApiKey

KEY_PREFIX = "nudge_"
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 6
"""How much of a key its listing keeps in clear (`ApiKey.prefix`)."""

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key made by `nudge tenants create` or `nudge keys create`.",
)


class Scope(StrEnum):
    REMINDERS_WRITE = "reminders:write"
    REMINDERS_READ = "reminders:read"
    TEMPLATES_WRITE = "templates:write"
    DELIVERIES_READ = "deliveries:read"
    PII_READ = "pii:read"
    ADMIN = "admin"
    """Implies every other scope."""


def new_secret() -> str:
    """256 random bits behind a recognisable prefix (secret scanners look for `nudge_`)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Keys carry 256 random bits, so one SHA-256 is enough: there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    scopes: frozenset[str]

    def has(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


def _principal(key: ApiKey | None) -> Principal | None:
    if key is None:
        return None
    return Principal(tenant_id=key.tenant_id, key_id=key.id, scopes=frozenset(key.scopes))


def principal_for_secret(session: Session, secret: str) -> Principal | None:
    """Who a typed or sent key is, or None if it is unknown or revoked."""
    return _principal(
        session.scalar(
            sa.select(ApiKey).where(
                ApiKey.secret_hash == hash_secret(secret), ApiKey.revoked_at.is_(None)
            )
        )
    )


def principal_for_session(
    session: Session, *, key_id: uuid.UUID, tenant_id: uuid.UUID
) -> Principal | None:
    """Who a dashboard session is: the key its cookie names, looked up again on every request
    (so revoking the key ends the session) and only for the tenant the cookie was signed for."""
    return _principal(
        session.scalar(
            sa.select(ApiKey).where(
                ApiKey.id == key_id, ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None)
            )
        )
    )


def authenticate(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Looks the key up on every request, so a revoked key stops working at once, then spends
    one token of that key's bucket: the limit is per key, so a 401 costs nothing here.

    The lookup's connection goes back to the pool at once: the request may wait a while for a
    worker thread before its endpoint runs, and must not hold a connection meanwhile.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    principal = principal_for_secret(session, credentials.credentials)
    release_connection(session)
    if principal is None:
        raise Unauthorized("the API key is unknown or revoked")
    wait = request.app.state.key_buckets.take(principal.key_id, clock.now())
    if wait is not None:
        raise RateLimited(wait)
    return principal


def require(scope: Scope) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has(scope):
            raise Forbidden(f"this endpoint needs the '{scope}' scope")
        return principal

    return check


ReminderWriter = Annotated[Principal, Depends(require(Scope.REMINDERS_WRITE))]
ReminderReader = Annotated[Principal, Depends(require(Scope.REMINDERS_READ))]
TemplateWriter = Annotated[Principal, Depends(require(Scope.TEMPLATES_WRITE))]
Admin = Annotated[Principal, Depends(require(Scope.ADMIN))]
DeliveryReader = Annotated[Principal, Depends(require(Scope.DELIVERIES_READ))]
