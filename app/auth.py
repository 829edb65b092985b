"""Bearer API keys: who is calling, for which tenant, with which scopes."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.clock import ClockDep
from app.db import SessionDep, release_connection
from app.errors import Forbidden, RateLimited, Unauthorized
from app.tenants.service import Scope, find_active_key

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key made by `nudge tenants create` or `nudge keys create`.",
)


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    scopes: frozenset[str]

    def has(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


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
    key = find_active_key(session, credentials.credentials)
    release_connection(session)
    if key is None:
        raise Unauthorized("the API key is unknown or revoked")
    wait = request.app.state.key_buckets.take(key.id, clock.now())
    if wait is not None:
        raise RateLimited(wait)
    return Principal(tenant_id=key.tenant_id, key_id=key.id, scopes=frozenset(key.scopes))


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
