"""Dashboard tests: a signed-in browser-like client, and reminders the dispatcher has sent."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.main import create_app
from app.tenants.service import Scope
from tests.conftest import DispatcherFactory, Server, Tenant, app_providers, app_settings
from tests.factories import reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.ops import Send, SignIn, issue_key, sign_in
from tests.servers import serving


@pytest.fixture(scope="session")
def server(database_url: str, clock: FrozenClock) -> Iterator[Server]:
    """The app as the dashboard sees it in tests: served over plain http on loopback, so its
    public URL is plain http too and cookies come without the Secure flag."""
    settings = app_settings(database_url, public_url="http://127.0.0.1")
    app = create_app(settings, clock, app_providers(settings))
    with serving(app) as url:
        yield Server(url=url, app=app)


@pytest.fixture
def browser(server: Server) -> Iterator[httpx.Client]:
    """A cookie-keeping client with no Authorization header, as a person's browser is."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


async def dispatched(
    tenant: Tenant, make_dispatcher: DispatcherFactory, *bodies: dict[str, Any]
) -> list[str]:
    """Submits reminders and lets one dispatch round send them; returns their ids."""
    ids = []
    for body in bodies:
        response = tenant.client.post("/v1/reminders", json=reminder(**body))
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    await make_dispatcher().run_once()
    return ids


@pytest.fixture
def signed_in(browser: httpx.Client, db: Session, clock: FrozenClock, tenant: Tenant) -> SignIn:
    """Signs the browser in with a new key of `tenant` (or `of`) holding just these scopes."""

    def sign(*scopes: Scope, of: Tenant | None = None) -> httpx.Client:
        response = sign_in(browser, issue_key(db, clock, of or tenant, *scopes))
        assert response.status_code == 303, response.text
        return browser

    return sign


@pytest.fixture
def send(make_dispatcher: DispatcherFactory, twilio: FakeTwilio) -> Send:
    """Submits reminders for a tenant and sends them through the fake Twilio."""

    async def submit_and_dispatch(tenant: Tenant, *bodies: dict[str, Any]) -> list[str]:
        return await dispatched(tenant, make_dispatcher, *bodies)

    return submit_and_dispatch
