"""Submission-time template checks, and reminders rendering the version they were submitted with."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.tenants import Tenant as TenantRow
from app.templates import service as templates
from app.templates.budget import RenderBudget
from app.templates.schemas import Rendered
from channels.base import Channel
from tests.conftest import START, Server, Tenant
from tests.factories import customer, reminder
from tests.helpers.api import template


def errors_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return sorted(error["field"] for error in response.json()["errors"])


def test_an_unknown_template_is_refused_at_submission(tenant: Tenant) -> None:
    response = tenant.client.post("/v1/reminders", json=reminder(template="no-such"))
    assert errors_of(response) == ["template"]


def test_a_channel_without_a_variant_is_refused_and_so_is_a_webhook_without_a_target(
    tenant: Tenant,
) -> None:
    sms_only = template(variants=[template()["variants"][0]])
    tenant.client.put("/v1/templates/due-soon", json=sms_only)
    body = reminder(template="due-soon", channels=["sms", "email", "webhook"])
    response = tenant.client.post("/v1/reminders", json=body)
    assert errors_of(response) == ["channels.1", "channels.2", "channels.2"]
    webhook = [e["detail"] for e in response.json()["errors"] if e["field"] == "channels.2"]
    assert any("has no webhook variant" in detail for detail in webhook)
    assert any("not configured for this tenant" in detail for detail in webhook)
    body = reminder(template="due-soon", channels=["sms"])
    assert tenant.client.post("/v1/reminders", json=body).status_code == 202


@pytest.mark.parametrize(
    ("variables", "fields"),
    [
        ({"amount": "1234.50"}, ["variables.due_date"]),
        ({}, ["variables.amount", "variables.due_date"]),
        ({"amount": 1234.5, "due_date": "2026-12-01"}, ["variables.amount"]),
        ({"amount": "12,34", "due_date": "2026-12-01"}, ["variables.amount"]),
        ({"amount": "1.00", "due_date": "01/12/2026"}, ["variables.due_date"]),
        ({"amount": "1.00", "due_date": "2026-02-30"}, ["variables.due_date"]),
        ({"amount": "1.00", "due_date": "2026-12-01", "pay_url": "ftp://x"}, ["variables.pay_url"]),
        ({"amount": "1.00", "due_date": "2026-12-01", "pay_url": "pay"}, ["variables.pay_url"]),
        ({"amount": "1.00", "due_date": "2026-12-01", "currency": "ZZZ"}, ["variables.currency"]),
        ({"amount": "1.00", "due_date": "2026-12-01", "currency": 7}, ["variables.currency"]),
    ],
)
def test_missing_or_mistyped_variables_are_refused_with_their_path(
    tenant: Tenant, variables: dict[str, Any], fields: list[str]
) -> None:
    response = tenant.client.post("/v1/reminders", json=reminder(variables=variables))
    assert errors_of(response) == fields


def test_int_variables_must_be_integers(tenant: Tenant) -> None:
    body = template()
    body["variables"]["days"] = {"type": "int", "required": True}
    body["variants"][0]["body"] = "还有{{ days }}天到期"
    tenant.client.put("/v1/templates/due-soon", json=body)
    variables = {"amount": "1.00", "due_date": "2026-12-01", "days": "3"}
    submitted = reminder(template="due-soon", channels=["sms"], variables=variables)
    assert errors_of(tenant.client.post("/v1/reminders", json=submitted)) == ["variables.days"]
    submitted["variables"]["days"] = 3
    assert tenant.client.post("/v1/reminders", json=submitted).status_code == 202


def test_a_batch_names_each_bad_item_by_index(tenant: Tenant) -> None:
    items = [reminder(), reminder(template="no-such"), reminder(variables={"amount": "1"})]
    response = tenant.client.post("/v1/reminders/batch", json={"items": items})
    assert errors_of(response) == ["items.1.template", "items.2.variables.due_date"]


@pytest.fixture
def template_queries(server: Server) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if "template_versions" in args[2]:
            seen.append(args[2])

    engine = server.app.state.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_a_batch_reads_all_its_templates_in_one_query(
    tenant: Tenant, template_queries: list[str]
) -> None:
    names = ["pre-due", "due-today", "overdue-early", "overdue-late"] * 25
    items = [reminder(template=name) for name in names]
    assert tenant.client.post("/v1/reminders/batch", json={"items": items}).status_code == 202
    assert len(template_queries) == 1


def render(db: Session, stored: Reminder, person: Customer, channel: Channel) -> Rendered:
    """What the dispatcher renders for this send, from the template version it is pinned to."""
    pinned = templates.pin(
        db, reminders=[stored], tenants=[db.get_one(TenantRow, stored.tenant_id)], now=START
    )
    [rendered] = templates.render_for_reminders(
        pinned,
        sends=[(stored, person, channel)],
        budget=RenderBudget(),
        manage_urls={stored.id: "https://nudge.example.com/m/AAAAAAAAAAAAAAAAAAAA"},
    )
    assert isinstance(rendered, Rendered), rendered
    return rendered


def _stored(db: Session, reminder_id: str) -> tuple[Reminder, Customer]:
    db.rollback()
    found = db.get_one(Reminder, uuid.UUID(reminder_id))
    return found, db.get_one(Customer, found.customer_id)


def test_a_reminder_keeps_the_wording_of_the_version_it_was_submitted_with(
    tenant: Tenant, db: Session
) -> None:
    tenant.client.put("/v1/tenant", json={"display_name": "acme", "default_currency": "CNY"})
    before = tenant.client.post("/v1/reminders", json=reminder()).json()
    assert before["template_version"] == 1

    edited = tenant.client.get("/v1/templates/pre-due").json()
    edited["variants"][0]["body"] = "【{{ tenant.display_name }}】新措辞：{{ amount | money }}"
    payload = {k: edited[k] for k in ("description", "variables", "variants")}
    assert tenant.client.put("/v1/templates/pre-due", json=payload).json()["version"] == 2
    after = tenant.client.post("/v1/reminders", json=reminder()).json()
    assert after["template_version"] == 2

    old, customer = _stored(db, before["id"])
    new, _ = _stored(db, after["id"])
    old_sms = render(db, old, customer, Channel.SMS)
    new_sms = render(db, new, customer, Channel.SMS)
    assert old_sms.version == 1
    assert old_sms.body is not None
    assert "温馨提醒：您的本期还款¥1,234.50将于2026年12月1日到期。" in old_sms.body
    assert (new_sms.version, new_sms.body) == (2, "【acme】新措辞：¥1,234.50回复TD退订")


def test_an_accepted_reminder_renders_on_every_channel_without_optional_values(
    tenant: Tenant, db: Session
) -> None:
    tenant.client.put("/v1/tenant", json={"display_name": "Sunrise Lending"})
    for key in ("pre-due", "due-today", "overdue-early", "overdue-late"):
        created = tenant.client.post(
            "/v1/reminders", json=reminder(template=key, channels=["sms", "voice", "email"])
        ).json()
        stored, customer = _stored(db, created["id"])
        for channel in (Channel.SMS, Channel.VOICE, Channel.EMAIL):
            rendered = render(db, stored, customer, channel)
            assert (rendered.locale, rendered.version) == ("zh-Hans", 1)
            assert "Sunrise Lending" in (rendered.body or rendered.script or rendered.text or "")


def test_a_variable_the_template_needs_is_refused_at_submission_not_at_send(
    tenant: Tenant, db: Session
) -> None:
    body = template()
    body["variables"]["loan_number"] = {"type": "text", "required": True}
    body["variants"][0]["body"] = "贷款{{ loan_number | mask }}的还款{{ amount | money }}即将到期"
    tenant.client.put("/v1/templates/due-soon", json=body)
    submitted = reminder(template="due-soon", channels=["sms"])
    assert errors_of(tenant.client.post("/v1/reminders", json=submitted)) == [
        "variables.loan_number"
    ]
    submitted["variables"]["loan_number"] = "LN-20261234"
    created = tenant.client.post("/v1/reminders", json=submitted).json()
    stored, customer = _stored(db, created["id"])
    rendered = render(db, stored, customer, Channel.SMS)
    assert rendered.body == "贷款****1234的还款US$1,234.50即将到期回复TD退订"


def test_a_customer_without_a_jurisdiction_gets_the_footer_of_their_phones_country(
    tenant: Tenant, db: Session
) -> None:
    tenant.client.put("/v1/templates/due-soon", json=template())  # no opt-out of its own
    body = reminder(customer=customer(jurisdiction=None), template="due-soon", channels=["sms"])
    created = tenant.client.post("/v1/reminders", json=body).json()
    stored, person = _stored(db, created["id"])
    assert person.jurisdiction is None
    rendered = render(db, stored, person, Channel.SMS)
    assert rendered.opt_out_footer == "回复TD退订"


def test_an_error_some_values_cause_is_refused_at_submission_naming_the_variables(
    tenant: Tenant,
) -> None:
    body = template()
    body["variables"]["n"] = {"type": "int", "required": True}
    body["variants"][0]["body"] = "每期{{ 600 // (n - 6) }}元"  # the dry run never tries 6
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200
    variables = {"amount": "1.00", "due_date": "2026-12-01", "n": 6}
    submitted = reminder(template="due-soon", channels=["sms"], variables=variables)
    response = tenant.client.post("/v1/reminders", json=submitted)
    assert errors_of(response) == ["variables"]
    detail = response.json()["errors"][0]["detail"]
    assert detail.startswith("render-failed: template 'due-soon', sms variant zh-CN:")
    assert "ZeroDivisionError" in detail
    submitted["variables"]["n"] = 7
    assert tenant.client.post("/v1/reminders", json=submitted).status_code == 202


def test_a_batch_reports_every_item_that_could_never_be_sent(tenant: Tenant) -> None:
    body = template()
    body["variables"]["n"] = {"type": "int", "required": True}
    body["variants"][0]["body"] = "每期{{ 600 // (n - 6) }}元"
    tenant.client.put("/v1/templates/due-soon", json=body)
    variables = {"amount": "1.00", "due_date": "2026-12-01", "n": 6}
    items = [
        reminder(),
        reminder(template="due-soon", channels=["sms"], variables=variables),
        reminder(channels=["sms", "webhook"]),
        reminder(template="due-soon", channels=["voice", "sms"], variables=variables),
    ]
    response = tenant.client.post("/v1/reminders/batch", json={"items": items})
    assert errors_of(response) == ["items.1.variables", "items.2.channels.1", "items.3.variables"]
