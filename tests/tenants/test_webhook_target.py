"""Each tenant sets its own webhook URL and signing secret; the secret is never shown again."""

import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.vault import Vault
from channels.webhook.account import NAME as WEBHOOK
from channels.webhook.account import WebhookAccount
from tests.conftest import Tenant, settings
from tests.helpers.secrets import GUESSABLE

URL = "http://127.0.0.1:9100/hooks/nudge"


def stored_secret(db: Session, tenant: Tenant) -> str | None:
    """The secret as the dispatcher will open it from the tenant's `webhook` account."""
    db.rollback()  # see what the server committed
    account = accounts.stored(db, tenant_id=tenant.id, provider=WEBHOOK)
    if account is None:
        return None
    target = accounts.open_account(account, Vault(settings()), WebhookAccount)
    assert isinstance(target, WebhookAccount)
    return target.key()


def put(tenant: Tenant, **target: Any) -> Any:
    return tenant.client.put("/v1/tenant", json={"display_name": "acme", **target})


def test_the_secret_is_write_only_and_shown_as_set(tenant: Tenant, db: Session) -> None:
    secret = secrets.token_urlsafe(32)
    response = put(tenant, webhook_url=URL, webhook_secret=secret)
    assert response.status_code == 200, response.text
    shown = tenant.client.get("/v1/tenant")
    assert (shown.json()["webhook_url"], shown.json()["webhook_secret_set"]) == (URL, True)
    for answer in (response, shown):
        assert secret not in answer.text
        assert secret[:10] not in answer.text
    assert stored_secret(db, tenant) == secret
    db.rollback()
    assert secret not in repr(db.execute(sa.text("SELECT * FROM provider_accounts")).all())


def test_a_get_sent_back_keeps_the_secret_and_a_null_url_removes_both(
    tenant: Tenant, db: Session
) -> None:
    secret = secrets.token_urlsafe(32)
    put(tenant, webhook_url=URL, webhook_secret=secret)
    settings = tenant.client.get("/v1/tenant").json() | {"display_name": "Sunrise"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    assert stored_secret(db, tenant) == secret
    cleared = put(tenant, webhook_url=None).json()
    assert (cleared["webhook_url"], cleared["webhook_secret_set"]) == (None, False)


def test_targets_are_per_tenant(tenant: Tenant, new_tenant: Any) -> None:
    other = new_tenant("other")
    put(tenant, webhook_url=URL, webhook_secret=secrets.token_urlsafe(32))
    assert other.client.get("/v1/tenant").json()["webhook_secret_set"] is False


@pytest.mark.parametrize("pattern", sorted(GUESSABLE))
def test_a_guessable_secret_is_refused_without_quoting_it(tenant: Tenant, pattern: str) -> None:
    value = GUESSABLE[pattern]
    response = put(tenant, webhook_url=URL, webhook_secret=value)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "webhook_secret"
    assert value[:8] not in response.text
    assert tenant.client.get("/v1/tenant").json()["webhook_secret_set"] is False


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://169.254.169.254/latest/meta-data", "a cloud metadata address"),
        ("file:///etc/passwd", "must be an http(s) URL"),
        ("https://[::ffff:169.254.169.254]/", "a cloud metadata address"),
        ("https://[::1/hook", "is not a URL"),
    ],
)
def test_an_unsafe_url_is_refused_and_nothing_changes(tenant: Tenant, url: str, words: str) -> None:
    response = put(tenant, webhook_url=url, webhook_secret=secrets.token_urlsafe(32))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], words in error["detail"]) == ("webhook_url", True)
    assert tenant.client.get("/v1/tenant").json()["webhook_url"] is None


def test_a_url_needs_a_secret_and_a_secret_needs_a_url(tenant: Tenant) -> None:
    assert [e["field"] for e in put(tenant, webhook_url=URL).json()["errors"]] == ["webhook_secret"]
    lone = put(tenant, webhook_secret=secrets.token_urlsafe(32))
    assert [e["field"] for e in lone.json()["errors"]] == ["webhook_url"]
