"""API keys: how they are made and stored, who is calling, for which tenant, with which scopes.

Below every domain package: endpoints, the dashboard and `tenants` (which issues keys) all ask
this module who a key belongs to, and it asks none of them.
"""

import hashlib
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    return _principal_for_hash(session, hash_secret(secret))


def _principal_for_hash(session: Session, secret_hash: str) -> Principal | None:
    return _principal(
        session.scalar(
            sa.select(ApiKey).where(ApiKey.secret_hash == secret_hash, ApiKey.revoked_at.is_(None))
        )
    )


class VerifiedKeys:
    """The keys this process verified in the last `seconds`, so a busy integration's requests
    do not each look their key up (a query, a commit and a pooled connection per request).

    Only keys found and not revoked are kept, at most `max_keys` of them (the least recently
    used go first), so unknown keys cannot grow it. A revoked key therefore keeps working in a
    process that verified it for at most `seconds` (time from the injected clock); 0 turns
    the cache off and every request looks its key up again.
    """

    def __init__(self, *, seconds: float, max_keys: int = 10_000) -> None:
        self.ttl = timedelta(seconds=seconds)
        self.max_keys = max_keys
        self._keys: OrderedDict[str, tuple[datetime, Principal]] = OrderedDict()
        self._lock = threading.Lock()  # sync dependencies run on the thread pool

    def get(self, secret_hash: str, now: datetime) -> Principal | None:
        with self._lock:
            entry = self._keys.get(secret_hash)
            if entry is None:
                return None
            verified_at, principal = entry
            if not verified_at <= now < verified_at + self.ttl:  # stale, or the clock went back
                del self._keys[secret_hash]
                return None
            self._keys.move_to_end(secret_hash)
            return principal

    def put(self, secret_hash: str, principal: Principal, now: datetime) -> None:
        if not self.ttl:
            return
        with self._lock:
            self._keys[secret_hash] = (now, principal)
            self._keys.move_to_end(secret_hash)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)


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
    """Looks the key up, unless this process verified it within NUDGE_API_KEY_CACHE_SECONDS
    (so a revoked key stops working within that bound), then spends one token of that key's
    bucket: the limit is per key, so a 401 costs nothing here.

    The lookup's connection goes back to the pool at once: the request may wait a while for a
    worker thread before its endpoint runs, and must not hold a connection meanwhile.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    now = clock.now()
    verified: VerifiedKeys = request.app.state.verified_keys
    secret_hash = hash_secret(credentials.credentials)
    principal = verified.get(secret_hash, now)
    if principal is None:
        principal = _principal_for_hash(session, secret_hash)
        release_connection(session)
        if principal is None:
            raise Unauthorized("the API key is unknown or revoked")
        verified.put(secret_hash, principal, now)
    wait = request.app.state.key_buckets.take(principal.key_id, now)
    if wait is not None:
        raise RateLimited(wait)
    return principal


def require(scope: Scope) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        """Async because it does no I/O: a sync dependency costs a hop to a worker thread."""
        if not principal.has(scope):
            raise Forbidden(f"this endpoint needs the '{scope}' scope")
        return principal

    return check


ReminderWriter = Annotated[Principal, Depends(require(Scope.REMINDERS_WRITE))]
ReminderReader = Annotated[Principal, Depends(require(Scope.REMINDERS_READ))]
TemplateWriter = Annotated[Principal, Depends(require(Scope.TEMPLATES_WRITE))]
Admin = Annotated[Principal, Depends(require(Scope.ADMIN))]
DeliveryReader = Annotated[Principal, Depends(require(Scope.DELIVERIES_READ))]
