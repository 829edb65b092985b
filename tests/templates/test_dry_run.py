"""The save's dry run: every variant rendered under the budget with samples, empty values and
the extremes its variables accept, and `max_length` bounding what a submission may bring."""

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.templates import TemplateVersion
from app.templates.schemas import STARTER_EXAMPLE
from tests.conftest import Tenant
from tests.factories import reminder
from tests.helpers.api import template

NESTED_LOOPS = (
    "{% for a in s %}{% for b in s %}{% for c in s %}{% for d in s %}x"
    "{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
)


def with_sms(body: str, **variables: dict[str, Any]) -> dict[str, Any]:
    """The test template with one more variable or two and this SMS body."""
    saved = template()
    saved["variables"].update(variables)
    saved["variants"][0]["body"] = body
    return saved


def refusal(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {error["field"]: error["detail"] for error in response.json()["errors"]}


def test_nested_loops_over_a_text_are_refused_on_save_though_the_sample_is_short(
    tenant: Tenant,
) -> None:
    body = with_sms(NESTED_LOOPS, s={"type": "text", "required": True})
    detail = refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.0.body"]
    assert detail.startswith("render-budget: with the longest values")
    assert tenant.client.get("/v1/templates/due-soon").status_code == 404


def test_five_megabytes_of_padding_are_refused_on_save(tenant: Tenant) -> None:
    body = with_sms("{{ 'x'.ljust(5000000) }}")
    detail = refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.0.body"]
    assert detail.startswith("render-budget: with sample values")
    assert "ljust() is given 5000000" in detail


def test_an_error_only_large_values_reach_is_refused_on_save(tenant: Tenant) -> None:
    body = with_sms("{% if n > 5 %}{{ 1 // 0 }}{% endif %}", n={"type": "int", "required": True})
    detail = refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.0.body"]
    assert detail.startswith("render-failed: with the longest values")
    assert "ZeroDivisionError" in detail


def test_an_error_only_empty_values_reach_is_refused_on_save(tenant: Tenant) -> None:
    body = with_sms("Dear {{ name[0] }}.", name={"type": "text", "required": True})
    detail = refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.0.body"]
    assert detail.startswith("render-failed: with empty values")


def test_an_sms_too_long_at_the_declared_max_length_is_refused_and_fits_when_lowered(
    tenant: Tenant,
) -> None:
    names = {"first": {"type": "text"}, "last": {"type": "text"}, "note": {"type": "text"}}
    body = with_sms("{{ first }} {{ last }}: {{ note }}", **names)
    for spec in body["variables"].values():
        spec["required"] = True
    detail = refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.0.body"]
    assert "4-byte characters" in detail
    assert "more than the 2048 bytes" in detail
    for name in names:
        body["variables"][name]["max_length"] = 100
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200


def test_email_html_is_tried_with_the_characters_escaping_widens_most(tenant: Tenant) -> None:
    body = template()
    body["variables"]["note"] = {"type": "text", "required": True, "max_length": 500}
    # 105 x 500 '"' escaped = 262 500 bytes, over 256 KiB; 105 x 500 x 4 bytes would fit
    body["variants"][1]["html"] = "<p>{{ note }}</p>" * 105
    detail = refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.1.html"]
    assert detail.startswith("render-budget: with the longest values HTML escaping widens")
    body["variants"][1]["html"] = "<p>{{ note }}</p>" * 100
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200


def test_a_text_variable_takes_200_characters_unless_it_says_otherwise(tenant: Tenant) -> None:
    body = with_sms("{{ name }}", name={"type": "text", "required": True})
    body["variables"]["code"] = {"type": "text", "max_length": 8}
    saved = tenant.client.put("/v1/templates/due-soon", json=body).json()
    assert (saved["variables"]["name"]["max_length"], saved["variables"]["code"]["max_length"]) == (
        200,
        8,
    )
    variables = {"amount": "1.00", "due_date": "2026-12-01", "name": "x" * 201, "code": "123456789"}
    submitted = reminder(template="due-soon", channels=["sms"], variables=variables)
    refused = refusal(tenant.client.post("/v1/reminders", json=submitted))
    assert sorted(refused) == ["variables.code", "variables.name"]
    assert "at most 200 characters" in refused["variables.name"]
    submitted["variables"] |= {"name": "x" * 200, "code": "12345678"}
    assert tenant.client.post("/v1/reminders", json=submitted).status_code == 202


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ({"type": "money", "max_length": 10}, "text and url variables only"),
        ({"type": "text", "max_length": 501}, "less than or equal to 500"),
        ({"type": "url", "max_length": 10}, "at least 20"),
    ],
)
def test_max_length_is_for_texts_and_urls_within_bounds(
    tenant: Tenant, spec: dict[str, Any], complaint: str
) -> None:
    body = template()
    body["variables"]["x"] = spec
    response = tenant.client.put("/v1/templates/due-soon", json=body)
    assert response.status_code == 422
    assert complaint in response.text


def test_templates_stored_before_max_length_still_accept_500_characters(
    tenant: Tenant, db: Session
) -> None:
    body = with_sms("{{ name|length }}", name={"type": "text", "required": True})
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200
    stored = {name: dict(spec) for name, spec in body["variables"].items()}  # no max_length
    db.execute(
        sa.update(TemplateVersion)
        .where(TemplateVersion.tenant_id == tenant.id, TemplateVersion.key == "due-soon")
        .values(variables=stored)
    )
    db.commit()
    assert tenant.client.get("/v1/templates/due-soon").json()["variables"]["name"] == {
        "type": "text",
        "required": True,
        "max_length": 500,
    }
    variables = {"amount": "1.00", "due_date": "2026-12-01", "name": "x" * 500}
    submitted = reminder(template="due-soon", channels=["sms"], variables=variables)
    assert tenant.client.post("/v1/reminders", json=submitted).status_code == 202


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("{{ amount|format }}", "filter 'format' is not available"),
        ("{{ due_date|slice(3) }}", "filter 'slice' is not available"),
        ("{{ amount|safe }}", "filter 'safe' is not available"),
        ("{% macro m() %}x{% endmacro %}{{ m() }}", "macros are not available"),
        ("{% for c in 'ab' recursive %}{{ c }}{% endfor %}", "recursive loops are not available"),
        ("{% autoescape false %}x{% endautoescape %}", "autoescape blocks are not available"),
        ("{{ 1 ~ " + "9" * 5000 + " }}", "cannot be compiled"),
        ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nested too deeply"),
    ],
)
def test_what_the_sandbox_does_not_offer_is_refused_on_save_by_name(
    tenant: Tenant, source: str, named: str
) -> None:
    body = with_sms(source)
    assert (
        named in refusal(tenant.client.put("/v1/templates/due-soon", json=body))["variants.0.body"]
    )


def test_the_documented_example_template_saves(tenant: Tenant) -> None:
    assert tenant.client.put("/v1/templates/example", json=STARTER_EXAMPLE).status_code == 200
