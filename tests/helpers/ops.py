"""The dashboard as a browser uses it: keys, sign-in and its CSRF token."""

import re
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.tenants import service as tenants
from tests.conftest import Tenant

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def issue_key(db: Session, clock: FrozenClock, tenant: Tenant, *scopes: Scope) -> str:
    issued = tenants.create_key(db, tenant_id=tenant.id, scopes=list(scopes), clock=clock)
    db.commit()
    return issued.secret


def csrf_token(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: httpx.Client, secret: str) -> httpx.Response:
    """What a browser does: load the form (and its cookie), post the key with the token."""
    form = client.get("/ops/login")
    return client.post("/ops/login", data={"api_key": secret, "csrf": csrf_token(form)})


SignIn = Callable[..., httpx.Client]
"""Signs the browser in with a new key holding these scopes (the `signed_in` fixture)."""
Send = Callable[..., Awaitable[list[str]]]
"""Submits reminders and dispatches them (the `sent` fixture); returns their ids."""
