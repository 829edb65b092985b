"""Money variables at submission and preview: refused with the field path, nothing stored."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.models.reminders import Reminder
from tests.conftest import Tenant, count
from tests.factories import reminder

DUE = "2026-12-01"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"amount": "-5.00"}, "variables.amount"),
        ({"amount": "0"}, "variables.amount"),
        ({"amount": "1.234"}, "variables.amount"),
        ({"amount": "1234.50", "currency": "JPY"}, "variables.amount"),
        ({"amount": "1.00", "currency": "XXX"}, "variables.currency"),
        ({"amount": "1.00", "currency": "DEM"}, "variables.currency"),
    ],
)
def test_wrong_money_is_refused_at_submission_with_its_path_and_nothing_is_stored(
    db: Session, tenant: Tenant, variables: dict[str, Any], field: str
) -> None:
    body = reminder(variables=variables | {"due_date": DUE})
    response = tenant.client.post("/v1/reminders", json=body)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert count(db, Reminder) == 0


def test_a_batch_names_the_item_whose_amount_is_finer_than_its_currency(
    db: Session, tenant: Tenant
) -> None:
    items = [
        reminder(variables={"amount": "1234", "currency": "JPY", "due_date": DUE}),
        reminder(variables={"amount": "1.005", "currency": "CNY", "due_date": DUE}),
    ]
    response = tenant.client.post("/v1/reminders/batch", json={"items": items})
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["items.1.variables.amount"]
    assert count(db, Reminder) == 0


def test_amounts_are_checked_against_the_tenants_default_currency(tenant: Tenant) -> None:
    settings = {"display_name": "acme", "default_currency": "JPY"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    cents = reminder(variables={"amount": "1234.50", "due_date": DUE})
    assert tenant.client.post("/v1/reminders", json=cents).status_code == 422
    whole = reminder(variables={"amount": "1234", "due_date": DUE})
    assert tenant.client.post("/v1/reminders", json=whole).status_code == 202


def test_a_preview_refuses_an_amount_finer_than_its_currency(tenant: Tenant) -> None:
    preview = {
        "channel": "sms",
        "locale": "zh-CN",
        "variables": {"amount": "1.234", "due_date": DUE},
    }
    response = tenant.client.post("/v1/templates/pre-due/preview", json=preview)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["variables.amount"]


@pytest.mark.parametrize("code", ["XXX", "XTS", "DEM"])
def test_a_tenant_cannot_default_to_a_currency_nobody_pays_in(tenant: Tenant, code: str) -> None:
    response = tenant.client.put("/v1/tenant", json={"display_name": "x", "default_currency": code})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["default_currency"]
    assert tenant.client.get("/v1/tenant").json()["default_currency"] == "USD"
