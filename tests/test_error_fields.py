"""Validation errors name the field a person would look at: the JSON's line and column, the
dict key that is wrong."""

import json

import pytest

from tests.conftest import Tenant
from tests.helpers.api import template

BROKEN = b'{\n  "loan_ref": "loan-1",\n  "template": pre-due\n}'
JSON = {"Content-Type": "application/json"}
DAY = [{"start": "08:00", "end": "21:00"}]


def test_invalid_json_is_reported_on_the_body_at_its_line_and_column(tenant: Tenant) -> None:
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(BROKEN)
    response = tenant.client.post("/v1/reminders", content=BROKEN, headers=JSON)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    where = f"line {parsed.value.lineno}, column {parsed.value.colno}"
    assert error["detail"] == (
        f"invalid JSON at {where} (character {parsed.value.pos}): Expecting value"
    )


def test_a_truncated_body_is_reported_on_the_body(tenant: Tenant) -> None:
    response = tenant.client.post("/v1/reminders", content=b'{"customer": ', headers=JSON)
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["detail"].startswith("invalid JSON at line 1, column 14")


def test_an_unknown_channel_as_a_key_is_one_error_naming_the_key_and_the_choices(
    tenant: Tenant,
) -> None:
    policy = {"windows": {"any": DAY, "fax": DAY}}
    response = tenant.client.put("/v1/policies/mine", json=policy)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "windows.fax"
    assert error["detail"] == (
        "key 'fax' is not allowed: must be 'sms', 'voice', 'email' or 'webhook' or 'any'"
    )
    assert tenant.client.get("/v1/policies/mine").status_code == 404


def test_a_bad_variable_name_is_reported_at_its_key(tenant: Tenant) -> None:
    body = template()
    body["variables"]["Due Date"] = {"type": "date"}
    response = tenant.client.put("/v1/templates/due-soon", json=body)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "variables.Due Date"
    assert error["detail"].startswith("key 'Due Date' is not allowed: String should match")
