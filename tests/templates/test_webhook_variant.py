"""The webhook variant: a JSON payload whose strings are templates, checked on save."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.templates.budget import RenderBudget
from app.templates.render import Audience, render
from app.templates.schemas import WebhookVariant
from tests.conftest import Tenant

VARIABLES = {"amount": {"type": "money", "required": True}}


def webhook(payload: Any, **fields: Any) -> dict[str, Any]:
    variant = {"channel": "webhook", "locale": "en", "payload": payload, **fields}
    return {"variables": VARIABLES, "variants": [variant]}


def refusals(tenant: Tenant, body: dict[str, Any]) -> list[tuple[str, str]]:
    response = tenant.client.put("/v1/templates/crm-note", json=body)
    assert response.status_code == 422, response.text
    assert tenant.client.get("/v1/templates/crm-note").status_code == 404
    return [(error["field"], error["detail"]) for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ("amount={{ amount }}", "is not JSON"),
        ('{"amount": "{{ amount }}"', "is not JSON"),
        (["{{ amount }}"], "must be a JSON object"),
        ('["{{ amount }}"]', "must be a JSON object"),
    ],
)
def test_a_payload_that_is_not_a_json_object_is_refused_with_its_field(
    tenant: Tenant, payload: Any, words: str
) -> None:
    [(field, detail)] = refusals(tenant, webhook(payload))
    assert field == "variants.0.payload"
    assert words in detail


def test_a_broken_string_in_the_payload_is_named_by_its_path(tenant: Tenant) -> None:
    payload = {"loan": {"lines": ["ok", "{{ balance }}"]}, "amount": "{{ amount }}"}
    [(field, detail)] = refusals(tenant, webhook(payload))
    assert field == "variants.0.payload.loan.lines.1"
    assert "unknown variable 'balance'" in detail


def test_a_payload_over_the_webhook_budget_is_refused_on_save(tenant: Tenant) -> None:
    payload = {"padding": "{% for i in [1,2,3,4,5,6,7,8] %}" + "x" * 2500 + "{% endfor %}"}
    [(field, detail)] = refusals(tenant, webhook(payload))
    assert field == "variants.0.payload.padding"
    assert detail.startswith("render-budget")


def test_a_visit_template_must_declare_the_address_and_window(tenant: Tenant) -> None:
    fields = [field for field, _ in refusals(tenant, webhook({"a": "b"}, task="visit"))]
    assert fields == ["variables.visit_address", "variables.visit_start", "variables.visit_end"]


def test_a_json_payload_given_as_a_string_is_saved(tenant: Tenant) -> None:
    response = tenant.client.put("/v1/templates/crm-note", json=webhook('{"a": "{{ amount }}"}'))
    assert response.status_code == 200, response.text


def test_only_strings_are_rendered_and_the_rest_is_sent_as_written() -> None:
    variant = WebhookVariant.model_validate(
        {
            "channel": "webhook",
            "locale": "en",
            "payload": {
                "amount": "{{ amount }}",
                "shown": "{{ amount | money }}",
                "quote": '{{ note }}"}',
                "count": 3,
                "flags": [True, None, "{{ 1 + 1 }}"],
            },
        }
    )
    rendered = render(
        variant,
        {"amount": Decimal("1234.50"), "note": 'he said "no"'},
        Audience("en-US", "UTC", "USD", None),
        version=1,
        budget=RenderBudget(),
    )
    assert rendered.payload == {
        "amount": "1234.50",
        "shown": "$1,234.50",
        "quote": 'he said "no""}',
        "count": 3,
        "flags": [True, None, "2"],
    }


def test_a_string_that_is_exactly_a_list_variable_is_sent_as_the_list_and_absent_as_null() -> None:
    variant = WebhookVariant.model_validate(
        {
            "channel": "webhook",
            "locale": "en",
            "payload": {
                "loans": "{{ loans }}",
                "count": "{{ loans | length }} loans",
                "spare": "{{spare}}",
                "amount": "{{ amount }}",
            },
        }
    )
    loan = {
        "loan_ref": "loan-1",
        "amount": Decimal("12.50"),
        "currency": "USD",
        "due_date": date(2026, 12, 1),
    }
    rendered = render(
        variant,
        {"loans": [loan], "spare": None, "amount": Decimal("12.50")},
        Audience("en-US", "UTC", "USD", None),
        version=1,
        budget=RenderBudget(),
    )
    assert rendered.payload == {
        "loans": [
            {"loan_ref": "loan-1", "amount": "12.50", "currency": "USD", "due_date": "2026-12-01"}
        ],
        "count": "1 loans",
        "spare": None,
        "amount": "12.50",
    }


def test_a_payload_listing_the_loans_is_saved(tenant: Tenant) -> None:
    body = webhook({"loans": "{{ loans }}", "a": "{{ amount }}"})
    body["variables"] = VARIABLES | {"loans": {"type": "loans", "required": False}}
    response = tenant.client.put("/v1/templates/crm-note", json=body)
    assert response.status_code == 200, response.text
