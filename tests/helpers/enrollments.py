"""Enrolling loans as a lender does: a plan saved through the API, then a loan enrolled in it."""

from typing import Any

from tests.conftest import Tenant
from tests.factories import customer

SHANGHAI_STEPS = [
    {"key": "d-3", "offset": "-3d", "at": "10:00", "channels": ["sms"], "template": "pre-due"},
    {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["sms"], "template": "due-today"},
    {
        "key": "d+3",
        "offset": "+3d",
        "at": "18:00",
        "channels": ["sms"],
        "template": "overdue-early",
    },
]


def put_plan(tenant: Tenant, key: str = "gentle", **body: Any) -> dict[str, Any]:
    plan = {"description": "test plan", "steps": SHANGHAI_STEPS} | body
    response = tenant.client.put(f"/v1/plans/{key}", json=plan)
    assert response.status_code in (200, 201), response.text
    saved: dict[str, Any] = response.json()
    return saved


def loan(**overrides: Any) -> dict[str, Any]:
    """A loan of the factories' Shanghai customer, due 2026-12-10 (START is 2026-11-27)."""
    return {
        "loan_ref": "loan-1",
        "customer": customer(),
        "plan": "gentle",
        "due_date": "2026-12-10",
        "amount_due": "1000.00",
        "currency": "CNY",
    } | overrides


def enrol(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    response = tenant.client.post("/v1/enrollments", json=loan(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def steps(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An enrolment's steps by key."""
    return {step["key"]: step for step in body["steps"]}
