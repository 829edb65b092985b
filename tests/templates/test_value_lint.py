"""Variable values are linted: at submission (422 naming the value, nothing stored) and just
before each render, where a value stored unlinted fails its channel alone, never sent."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.dispatch.poisons import rewrite, submit
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, sent_to_twilio, template

THREAT = "不还钱就去你单位，通知你的家人"
"""The value the issue saw sent as is."""
NOTE = {"amount": "1234.50", "due_date": "2026-12-01", "note": "请留意账单"}


def with_note(tenant: Tenant) -> None:
    """A template that prints a free-text `note` in every channel, saved through the API."""
    body = template()
    body["variables"]["note"] = {"type": "text", "required": True}
    sms = body["variants"][0]
    sms["body"] += "{{ note }}"
    response = tenant.client.put("/v1/templates/with-note", json=body)
    assert response.status_code in (200, 201), response.text


def problem_fields(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(error["field"], error["detail"]) for error in response.json()["errors"]]


def test_a_threat_in_a_variable_is_refused_at_submission_naming_the_variable(
    tenant: Tenant,
) -> None:
    with_note(tenant)
    body = reminder(template="with-note", channels=["sms"], variables={**NOTE, "note": THREAT})
    [(field, detail)] = problem_fields(tenant.client.post("/v1/reminders", json=body))
    assert field == "variables.note"
    assert detail.startswith("prohibited-wording")
    assert tenant.client.get("/v1/reminders").json()["items"] == []


def test_a_batch_names_the_item_whose_value_threatens_and_stores_none(tenant: Tenant) -> None:
    with_note(tenant)
    polite = reminder(template="with-note", channels=["sms"], variables=NOTE)
    threat = {**polite, "customer": customer(ref="c2"), "variables": {**NOTE, "note": THREAT}}
    response = tenant.client.post("/v1/reminders/batch", json={"items": [polite, threat]})
    assert [field for field, _ in problem_fields(response)] == ["items.1.variables.note"]
    assert tenant.client.get("/v1/reminders").json()["items"] == []


@pytest.mark.parametrize(
    "note", ["与家人一起制定家庭预算", "金额单位：元", "Our office is open 9-5"]
)
def test_innocent_values_that_use_the_same_words_are_accepted(tenant: Tenant, note: str) -> None:
    with_note(tenant)
    body = reminder(template="with-note", channels=["sms"], variables={**NOTE, "note": note})
    assert tenant.client.post("/v1/reminders", json=body).status_code == 202


def test_a_tenants_extra_phrase_refuses_a_value_too(tenant: Tenant) -> None:
    with_note(tenant)
    lint = {"extra_phrases": {"zh": ["砍头息"]}, "sms_segment_limit": 2}
    assert tenant.client.put("/v1/templates/_lint", json=lint).status_code == 200
    body = reminder(template="with-note", channels=["sms"], variables={**NOTE, "note": "无砍头息"})
    assert [f for f, _ in problem_fields(tenant.client.post("/v1/reminders", json=body))] == [
        "variables.note"
    ]


@pytest.mark.anyio
async def test_a_threat_stored_in_a_value_fails_its_reminder_at_render_and_is_never_sent(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    with_note(tenant)
    fields = {"template": "with-note", "channels": ["sms"], "variables": NOTE}
    poison = submit(tenant, customer=customer(ref="poison"), **fields)
    rewrite(db, poison, variables={**NOTE, "note": THREAT})  # as if stored before the lint
    good = submit(tenant, customer=customer(ref="good"), **fields)
    assert await make_dispatcher().run_once() == 2
    assert read(tenant, str(good))["status"] == "sent"
    body = read(tenant, str(poison))
    assert (body["status"], body["attempts"]) == ("failed", [])
    event = body["events"][-1]
    assert (event["kind"], event["reason"]) == ("failed", "WORDING_REFUSED")
    assert "variables.note" in event["detail"]["error"]
    assert sent_to_twilio(twilio, str(poison)) == []


def test_a_threat_in_a_preview_value_is_refused_naming_the_variable(tenant: Tenant) -> None:
    with_note(tenant)
    body = {"channel": "sms", "locale": "zh-CN", "variables": {**NOTE, "note": "我们知道你住哪"}}
    response = tenant.client.post("/v1/templates/with-note/preview", json=body)
    assert [field for field, _ in problem_fields(response)] == ["variables.note"]


def test_a_threat_in_a_loan_of_a_digest_is_refused_naming_that_loan(tenant: Tenant) -> None:
    body = template()
    body["variables"]["loans"] = {"type": "loans"}
    body["variants"][0]["body"] += "{% for l in loans or [] %}{{ l.loan_ref | mask }}{% endfor %}"
    response = tenant.client.put("/v1/templates/digest", json=body)
    assert response.status_code in (200, 201), response.text
    loans = [
        {"loan_ref": ref, "amount": "1234.50", "currency": "USD", "due_date": "2026-12-01"}
        for ref in ["loan-1", THREAT]
    ]
    variables = {**NOTE, "loans": loans}
    sent = reminder(template="digest", channels=["sms"], variables=variables)
    [(field, detail)] = problem_fields(tenant.client.post("/v1/reminders", json=sent))
    assert field == "variables.loans.1.loan_ref"
    assert detail.startswith("prohibited-wording")
