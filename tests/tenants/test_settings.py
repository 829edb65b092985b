"""The tenant's own settings: read by any key of the tenant, replaced only by an admin."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
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
        "jurisdiction_policies": {"CN": "cn", "US": "us-regf", "IN": "in-rbi"},
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
        "jurisdiction_policies": {"CN": "cn", "US": "us-regf", "IN": "in-rbi"},
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


@pytest.mark.parametrize(
    ("mapping", "path"),
    [
        ({"US": "no-such-policy"}, "jurisdiction_policies.US"),
        ({"XX": "cn"}, "jurisdiction_policies.XX"),
        ({"US": ""}, "jurisdiction_policies.US"),
    ],
)
def test_a_jurisdiction_mapped_to_an_unknown_policy_or_no_country_is_rejected_by_its_path(
    tenant: Tenant, mapping: dict[str, str], path: str
) -> None:
    response = tenant.client.put("/v1/tenant", json=SETTINGS | {"jurisdiction_policies": mapping})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [path]
    assert tenant.client.get("/v1/tenant").json()["default_policy"] == "default"


def test_jurisdiction_codes_are_stored_upper_case_and_the_mapping_replaced_whole(
    tenant: Tenant,
) -> None:
    tenant.client.put("/v1/policies/gentle", json={"description": "gentle"})
    response = tenant.client.put(
        "/v1/tenant", json=SETTINGS | {"jurisdiction_policies": {"gb": "gentle"}}
    )
    assert response.status_code == 200, response.text
    assert tenant.client.get("/v1/tenant").json()["jurisdiction_policies"] == {"GB": "gentle"}
