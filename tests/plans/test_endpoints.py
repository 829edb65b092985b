"""The plan and segment APIs: versioned saves, what a save refuses, and with which field."""

import copy
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.plans.schemas import PLAN_EXAMPLE, SEGMENTS_EXAMPLE
from tests.conftest import Tenant
from tests.helpers.api import template


def plan(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(PLAN_EXAMPLE)
    body["steps"][1]["template"] = "due-today"
    body["steps"][2]["template"] = "overdue-early"
    body.update(overrides)
    return body


def errors(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(e["field"], e["detail"]) for e in response.json()["errors"]]


def test_a_changed_plan_is_a_new_version_and_the_same_body_changes_nothing(
    tenant: Tenant,
) -> None:
    first = tenant.client.put("/v1/plans/gentle", json=plan())
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["attribution_hours"]) == (1, 72)
    again = tenant.client.put("/v1/plans/gentle", json=plan())
    assert again.json() == first.json()

    second = tenant.client.put("/v1/plans/gentle", json=plan(description="firmer"))
    assert second.json()["version"] == 2
    assert tenant.client.get("/v1/plans/gentle").json()["description"] == "firmer"
    old = tenant.client.get("/v1/plans/gentle", params={"version": 1}).json()
    assert (old["version"], old["description"]) == (1, PLAN_EXAMPLE["description"])
    assert old["steps"][2]["conditions"]["amount_due"]["min"] == "100"


def test_unknown_plans_and_versions_are_404(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/plans/nope").status_code == 404
    tenant.client.put("/v1/plans/gentle", json=plan())
    assert tenant.client.get("/v1/plans/gentle", params={"version": 2}).status_code == 404


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda b: b["steps"][0].update(offset="3 days"),
            ("steps.0.offset", "String should match pattern"),
        ),
        (lambda b: b["steps"][1].update(at="25:00"), ("steps.1.at", "String should match")),
        (
            lambda b: b["steps"][0].update(channels=["fax"]),
            ("steps.0.channels.0", "Input should be"),
        ),
        (
            lambda b: b["steps"][0].update(channels=["sms", "sms"]),
            ("steps.0.channels", "each channel may be listed once"),
        ),
        (
            lambda b: b["steps"][1].update(key="d-3"),
            ("steps", "step keys must be unique; repeated: d-3"),
        ),
        (
            lambda b: b["steps"][2]["conditions"].update(days_past_due={"min": 9, "max": 2}),
            ("steps.2.conditions.days_past_due", "min must not be more than max"),
        ),
        (
            lambda b: b.update(
                variants=[{"name": "holdout", "weight": 1}, {"name": "b", "weight": 1}]
            ),
            ("variants.0.name", "'holdout' is the arm that gets no message"),
        ),
        (lambda b: b.update(holdout=1), ("holdout", "Input should be less than 1")),
        (
            lambda b: b["digest"].update(window_hours=0),
            ("digest.window_hours", "Input should be greater than"),
        ),
    ],
)
def test_a_bad_plan_is_a_problem_naming_the_field(
    tenant: Tenant, change: Any, expected: tuple[str, str]
) -> None:
    body = plan()
    change(body)
    [(field, detail)] = errors(tenant.client.put("/v1/plans/gentle", json=body))
    assert (field, detail[: len(expected[1])]) == expected


def test_saving_checks_every_template_and_channel_any_arm_can_reach(tenant: Tenant) -> None:
    sms_only = template(
        variants=[{"channel": "sms", "locale": "zh-CN", "body": "{{ amount | money }}"}]
    )
    assert tenant.client.put("/v1/templates/sms-only", json=sms_only).status_code == 200
    body = plan(
        variants=[
            {"name": "champion", "weight": 50},
            {
                "name": "challenger",
                "weight": 50,
                "steps": [
                    {
                        "key": "d-3",
                        "offset": "-3d",
                        "at": "10:00",
                        "channels": ["sms", "voice"],
                        "templates": [
                            {"template": "pre-due", "weight": 1},
                            {"template": "nope", "weight": 1},
                        ],
                    },
                    {
                        "key": "d0",
                        "offset": "0d",
                        "at": "10:00",
                        "channels": ["email"],
                        "template": "sms-only",
                    },
                ],
            },
        ]
    )
    body["steps"][0]["template"] = "missing"
    assert errors(tenant.client.put("/v1/plans/gentle", json=body)) == [
        ("steps.0.template", "no template 'missing'"),
        ("variants.1.steps.0.templates.1.template", "no template 'nope'"),
        (
            "variants.1.steps.1.channels.0",
            "no-variant: template 'sms-only' has no email variant in any locale",
        ),
        (
            "variants.1.steps.1.template",
            "the plan merges loans (digest): template 'sms-only' must declare the variable "
            "`loans` (type `loans`), as the starters do",
        ),
    ]
    assert tenant.client.get("/v1/plans/gentle").status_code == 404


def test_weighted_templates_of_a_step_must_speak_the_same_languages(tenant: Tenant) -> None:
    chinese = template(variants=[{"channel": "sms", "locale": "zh-CN", "body": "您好"}])
    tenant.client.put("/v1/templates/zh-only", json=chinese)
    step = {
        "key": "d0",
        "offset": "0d",
        "at": "10:00",
        "channels": ["sms"],
        "templates": [{"template": "pre-due", "weight": 1}, {"template": "zh-only", "weight": 1}],
    }
    merging_nothing = plan(steps=[step], digest={"enabled": False})
    [(field, detail)] = errors(tenant.client.put("/v1/plans/p", json=merging_nothing))
    assert field == "steps.0.templates"
    assert "must offer the same sms locales" in detail


def test_a_plan_that_merges_loans_needs_templates_that_list_them(tenant: Tenant) -> None:
    one_loan = template(variants=[{"channel": "sms", "locale": "zh-CN", "body": "{{ amount }}"}])
    tenant.client.put("/v1/templates/one-loan", json=one_loan)
    step = {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["sms"], "template": "one-loan"}
    [(field, detail)] = errors(tenant.client.put("/v1/plans/p", json=plan(steps=[step])))
    assert (field, "`loans`" in detail) == ("steps.0.template", True)
    alone = plan(steps=[step], digest={"enabled": False})
    assert tenant.client.put("/v1/plans/p", json=alone).status_code == 200


def test_saving_a_plan_needs_templates_write_and_reading_it_reminders_read(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ)
    assert reader.put("/v1/plans/gentle", json=plan()).status_code == 403
    assert reader.put("/v1/segments", json={"rules": []}).status_code == 403
    writer = tenant.key(db, clock, Scope.TEMPLATES_WRITE)
    assert writer.put("/v1/plans/gentle", json=plan()).status_code == 200
    assert reader.get("/v1/plans/gentle").status_code == 200
    assert reader.get("/v1/segments").status_code == 200


def test_segment_rules_are_versioned_and_each_plan_must_exist(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/segments").json() == {
        "rules": [],
        "version": 0,
        "created_at": None,
    }
    assert errors(tenant.client.put("/v1/segments", json=SEGMENTS_EXAMPLE)) == [
        ("rules.0.plan", "no plan 'hardship'"),
        ("rules.1.plan", "no plan 'gentle'"),
        ("rules.2.plan", "no plan 'standard'"),
    ]
    for key in ("hardship", "gentle", "standard"):
        assert tenant.client.put(f"/v1/plans/{key}", json=plan()).status_code == 200
    saved = tenant.client.put("/v1/segments", json=SEGMENTS_EXAMPLE).json()
    assert saved["version"] == 1
    assert [rule["segment"] for rule in saved["rules"]] == [
        "hardship",
        "first-time-late",
        "standard",
    ]
    assert tenant.client.put("/v1/segments", json=SEGMENTS_EXAMPLE).json() == saved
    assert tenant.client.get("/v1/segments").json() == saved
    reordered = {"rules": SEGMENTS_EXAMPLE["rules"][::-1]}
    assert tenant.client.put("/v1/segments", json=reordered).json()["version"] == 2


def test_a_segment_maps_to_one_plan(tenant: Tenant) -> None:
    rules = {
        "rules": [
            {"name": "a", "segment": "s", "plan": "one"},
            {"name": "b", "segment": "s", "plan": "two"},
        ]
    }
    [(field, detail)] = errors(tenant.client.put("/v1/segments", json=rules))
    assert (field, detail) == ("rules", "segment 's' maps to one plan; rule 'b'")


def test_another_tenants_plans_are_invisible(tenant: Tenant, new_tenant: Any) -> None:
    tenant.client.put("/v1/plans/gentle", json=plan())
    other = new_tenant("other")
    assert other.client.get("/v1/plans/gentle").status_code == 404
    rules = {"rules": [{"name": "all", "segment": "s", "plan": "gentle"}]}
    assert errors(other.client.put("/v1/segments", json=rules)) == [
        ("rules.0.plan", "no plan 'gentle'")
    ]
