"""Failed dashboard sign-ins are throttled per client address and per key prefix, on a server
with the shipped limit (5 failures a minute). The test server trusts `X-Forwarded-For` from
loopback, as uvicorn does by default, so each test speaks for several addresses."""

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.main import create_app
from app.ops.session import SESSION_COOKIE
from tests.conftest import Server, Tenant, app_settings, default_limits
from tests.helpers.ops import csrf_token, issue_key
from tests.servers import serving

FAILURES = default_limits()["ops_sign_in_max_failures"]


@pytest.fixture
def server(database_url: str, clock: FrozenClock) -> Iterator[Server]:
    """A server of its own per test: failures counted by another test must not carry over."""
    settings = app_settings(database_url, public_url="http://127.0.0.1", **default_limits())
    app = create_app(settings, clock)
    with serving(app) as url:
        yield Server(url=url, app=app)


def sign_in_from(server: Server, address: str, secret: str) -> httpx.Response:
    """A fresh browser at `address` loads the form and posts the key."""
    headers = {"X-Forwarded-For": address}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as browser:
        form = browser.get("/ops/login")
        response = browser.post("/ops/login", data={"api_key": secret, "csrf": csrf_token(form)})
        response.read()
        if response.status_code == 303:
            assert SESSION_COOKIE in browser.cookies
        return response


def test_the_shipped_limit_is_5_failures_a_minute() -> None:
    assert FAILURES == 5


def test_an_address_with_5_failures_is_refused_even_the_right_key_until_the_minute_passes(
    server: Server, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    for n in range(FAILURES):
        assert sign_in_from(server, "203.0.113.7", f"nudge_wrong-{n}").status_code == 401
    clock.advance(timedelta(seconds=20))
    refused = sign_in_from(server, "203.0.113.7", secret)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "40"
    assert "Too many failed sign-ins" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert sign_in_from(server, "198.51.100.9", secret).status_code == 303  # another address
    clock.advance(timedelta(seconds=40))
    assert sign_in_from(server, "203.0.113.7", secret).status_code == 303


def test_fewer_failures_than_the_limit_leave_the_right_key_signing_in(
    server: Server, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    for n in range(FAILURES - 1):
        assert sign_in_from(server, "203.0.113.7", f"nudge_wrong-{n}").status_code == 401
    assert sign_in_from(server, "203.0.113.7", secret).status_code == 303


def test_wrong_keys_sharing_a_prefix_from_many_addresses_are_throttled_but_its_owner_signs_in(
    server: Server, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    prefix = secret[:12]  # what key listings show: `nudge_` and six more characters
    for n in range(FAILURES):
        assert sign_in_from(server, f"192.0.2.{n}", f"{prefix}guess{n}").status_code == 401
    refused = sign_in_from(server, "192.0.2.100", f"{prefix}guess-more")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert sign_in_from(server, "192.0.2.101", "nudge_other-prefix").status_code == 401
    assert sign_in_from(server, "192.0.2.102", secret).status_code == 303
    clock.advance(timedelta(minutes=1))
    assert sign_in_from(server, "192.0.2.103", f"{prefix}guess-later").status_code == 401
