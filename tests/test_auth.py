"""API keys: 401 without a valid key, 403 without the scope, 404 for another tenant's data."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from app.auth import Scope, hash_secret
from app.clock import FrozenClock
from app.config import Settings
from app.main import create_app
from app.models.reminders import Reminder
from app.models.tenants import ApiKey
from app.tenants.service import revoke_key
from tests.conftest import Tenant, app_settings, count
from tests.factories import reminder
from tests.servers import serving


@pytest.mark.parametrize("header", [None, "Bearer nudge_not-a-real-key", "Basic dXNlcjpwYXNz"])
def test_a_missing_or_unknown_key_gets_401(
    anonymous: httpx.Client, db: Session, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = anonymous.post("/v1/reminders", json=reminder(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert count(db, Reminder) == 0


def test_a_key_without_the_scope_gets_403_and_changes_nothing(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ)
    response = reader.post("/v1/reminders", json=reminder())
    assert response.status_code == 403
    assert "reminders:write" in response.json()["detail"]
    assert count(db, Reminder) == 0
    assert reader.get("/v1/reminders").status_code == 200


def test_a_write_only_key_cannot_read(tenant: Tenant, db: Session, clock: FrozenClock) -> None:
    writer = tenant.key(db, clock, Scope.REMINDERS_WRITE)
    created = writer.post("/v1/reminders", json=reminder())
    assert created.status_code == 202
    assert writer.get(f"/v1/reminders/{created.json()['id']}").status_code == 403


def test_another_tenants_reminder_is_404_and_never_shown(tenant: Tenant, new_tenant) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    theirs = other.client.post("/v1/reminders", json=reminder()).json()["id"]
    for response in (
        tenant.client.get(f"/v1/reminders/{theirs}"),
        tenant.client.post(f"/v1/reminders/{theirs}/cancel"),
    ):
        assert response.status_code == 404
        assert "cust-1" not in response.text
        assert "loan-1" not in response.text
    assert other.client.get(f"/v1/reminders/{theirs}").json()["status"] == "scheduled"


def test_a_revoked_key_stops_working_within_the_key_cache_bound(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    client = tenant.key(db, clock, Scope.REMINDERS_READ)
    assert client.get("/v1/reminders").status_code == 200
    secret = client.headers["Authorization"].removeprefix("Bearer ")
    key = db.query(ApiKey).filter(ApiKey.secret_hash == hash_secret(secret)).one()
    revoke_key(db, key_id=key.id, clock=clock)
    db.commit()
    clock.advance(timedelta(seconds=Settings.model_fields["api_key_cache_seconds"].default))
    assert client.get("/v1/reminders").status_code == 401


def test_a_revoked_key_stops_working_at_once_without_the_key_cache(
    database_url: str, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    settings = app_settings(database_url, api_key_cache_seconds=0)
    client = tenant.key(db, clock, Scope.REMINDERS_READ)
    with (
        serving(create_app(settings, clock)) as url,
        httpx.Client(base_url=url, headers=client.headers) as direct,
    ):
        assert direct.get("/v1/reminders").status_code == 200
        secret = client.headers["Authorization"].removeprefix("Bearer ")
        key = db.query(ApiKey).filter(ApiKey.secret_hash == hash_secret(secret)).one()
        revoke_key(db, key_id=key.id, clock=clock)
        db.commit()
        assert direct.get("/v1/reminders").status_code == 401


def test_keys_are_stored_only_as_hashes(tenant: Tenant, db: Session) -> None:
    secret = tenant.client.headers["Authorization"].removeprefix("Bearer ")
    stored = db.query(ApiKey).one()
    assert secret not in (stored.secret_hash, stored.prefix)
    assert len(secret) - len("nudge_") >= 32  # 256 random bits, base64url
