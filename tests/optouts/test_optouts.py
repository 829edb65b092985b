"""The do-not-contact registry over HTTP."""

from typing import Any

import pytest

from tests.conftest import Tenant
from tests.factories import reminder


def test_register_list_and_lift_an_opt_out(tenant: Tenant) -> None:
    tenant.client.post("/v1/reminders", json=reminder())
    created = tenant.client.post(
        "/v1/opt-outs", json={"customer_ref": "cust-1", "channel": "voice"}
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["customer_ref"], body["channel"], body["source"]) == ("cust-1", "voice", "api")

    listed = tenant.client.get("/v1/opt-outs", params={"customer_ref": "cust-1"}).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]

    assert tenant.client.delete(f"/v1/opt-outs/{body['id']}").status_code == 204
    assert tenant.client.get("/v1/opt-outs").json()["items"] == []
    assert tenant.client.delete(f"/v1/opt-outs/{body['id']}").status_code == 404


def test_registering_the_same_opt_out_twice_keeps_one(tenant: Tenant) -> None:
    first = tenant.client.post("/v1/opt-outs", json={"phone": "+8613812345678", "channel": "sms"})
    again = tenant.client.post(
        "/v1/opt-outs", json={"phone": "+86 138 1234 5678", "channel": "sms"}
    )
    assert first.json()["id"] == again.json()["id"]
    assert len(tenant.client.get("/v1/opt-outs").json()["items"]) == 1


def test_opt_outs_are_filtered_by_phone_in_any_format(tenant: Tenant) -> None:
    tenant.client.post("/v1/opt-outs", json={"phone": "+8613812345678", "channel": "sms"})
    tenant.client.post("/v1/opt-outs", json={"email": "a@example.com", "channel": "email"})
    found = tenant.client.get("/v1/opt-outs", params={"phone": "+86 138-1234-5678"}).json()
    assert [item["phone"] for item in found["items"]] == ["+8613812345678"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "sms"}, "body"),
        ({"phone": "+8613812345678", "email": "a@example.com", "channel": "all"}, "body"),
        ({"phone": "12", "channel": "sms"}, "phone"),
        ({"email": "a@example.com", "channel": "fax"}, "channel"),
        ({"email": "a@example.com", "channel": "sms", "source": "gossip"}, "source"),
    ],
)
def test_an_invalid_opt_out_is_rejected_with_a_field_path(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    response = tenant.client.post("/v1/opt-outs", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert tenant.client.get("/v1/opt-outs").json()["items"] == []


def test_another_tenants_opt_out_cannot_be_seen_or_lifted(tenant: Tenant, new_tenant) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    theirs = other.client.post(
        "/v1/opt-outs", json={"email": "a@example.com", "channel": "all"}
    ).json()
    assert tenant.client.get("/v1/opt-outs").json()["items"] == []
    assert tenant.client.delete(f"/v1/opt-outs/{theirs['id']}").status_code == 404
    assert len(other.client.get("/v1/opt-outs").json()["items"]) == 1
