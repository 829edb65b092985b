"""List filters refuse values outside their vocabulary instead of answering an empty list."""

import pytest

from tests.conftest import Tenant

STATS = {"group_by": "channel"}


@pytest.mark.parametrize(
    ("path", "name", "valid", "others"),
    [
        ("/v1/deliveries", "status", "delivered", {}),
        ("/v1/deliveries", "channel", "sms", {}),
        ("/v1/deliveries.csv", "status", "delivered", {}),
        ("/v1/stats/deliveries", "status", "delivered", STATS),
        ("/v1/stats/deliveries", "group_by", "channel", {}),
        ("/v1/reminders", "status", "deferred", {}),
    ],
)
def test_an_unknown_filter_value_is_a_422_naming_the_parameter_and_the_values_it_takes(
    tenant: Tenant, path: str, name: str, valid: str, others: dict[str, str]
) -> None:
    response = tenant.client.get(path, params=others | {name: "bogus"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == f"query.{name}"
    assert f"'{valid}'" in error["detail"]
    assert tenant.client.get(path, params=others | {name: valid}).status_code == 200


@pytest.mark.parametrize("status", ["sending", "delivered", "no_answer", "unknown"])
def test_every_delivery_status_is_a_valid_filter(tenant: Tenant, status: str) -> None:
    response = tenant.client.get("/v1/deliveries", params={"status": status})
    assert response.status_code == 200
    assert response.json()["items"] == []
