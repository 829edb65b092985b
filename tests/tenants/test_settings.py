"""The tenant's own settings: read by any key of the tenant, replaced only by an admin."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.tenants.service import Scope
from tests.conftest import Tenant

SETTINGS = {
    "display_name": "阳光小贷",
    "help_phone": "+86 400 123 4567",
    "default_locale": "zh-cn",
    "default_timezone": "Asia/Shanghai",
    "default_currency": "cny",
    "default_policy": "cn",
}


def test_a_new_tenant_has_sensible_defaults(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/tenant").json() == {
        "display_name": "acme",
        "help_phone": None,
        "default_locale": "en-US",
        "default_timezone": "UTC",
        "default_currency": "USD",
        "default_policy": "default",
        "webhook_url": None,
        "webhook_secret_set": False,
    }


def test_an_admin_replaces_the_settings_normalised(tenant: Tenant) -> None:
    response = tenant.client.put("/v1/tenant", json=SETTINGS)
    assert response.status_code == 200
    expected = SETTINGS | {
        "help_phone": "+864001234567",
        "default_locale": "zh-CN",
        "default_currency": "CNY",
        "webhook_url": None,
        "webhook_secret_set": False,
    }
    assert response.json() == expected
    assert tenant.client.get("/v1/tenant").json() == expected


def test_settings_are_per_tenant(tenant: Tenant, new_tenant) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    tenant.client.put("/v1/tenant", json=SETTINGS)
    assert other.client.get("/v1/tenant").json()["display_name"] == "other"


def test_only_an_admin_key_may_change_settings(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    writer = tenant.key(db, clock, Scope.REMINDERS_WRITE, Scope.REMINDERS_READ)
    assert writer.put("/v1/tenant", json=SETTINGS).status_code == 403
    assert writer.get("/v1/tenant").json()["display_name"] == "acme"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("help_phone", "12"),
        ("default_locale", "xx-YY"),
        ("default_timezone", "Asia/Beijing"),
        ("default_currency", "ZZZ"),
        ("display_name", ""),
        ("default_policy", "no-such-policy"),
    ],
)
def test_invalid_settings_are_rejected_with_a_field_path_and_nothing_changes(
    tenant: Tenant, field: str, value: Any
) -> None:
    response = tenant.client.put("/v1/tenant", json=SETTINGS | {field: value})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert tenant.client.get("/v1/tenant").json()["display_name"] == "acme"
