"""A submission renders each distinct reminder once and reuses the outcome for the items it
would be the same for; compiled templates are cached by their text. Neither may change what
any item is told: each bad item is still named, an edited template is never served stale, and
two tenants' templates of one name never mix."""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.tenants import Tenant as TenantRow
from app.templates import service as templates
from app.templates.budget import RenderBudget
from app.templates.schemas import Rendered
from channels.base import Channel
from tests.conftest import START, Tenant, count
from tests.factories import customer, reminder
from tests.helpers.api import template


def fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return sorted(error["field"] for error in response.json()["errors"])


def sms_template(body: str, **variables: dict[str, Any]) -> dict[str, Any]:
    return template(
        variables={"amount": {"type": "money", "required": True}, **variables},
        variants=[{"channel": "sms", "locale": "zh-CN", "body": body}],
    )


def rendered(db: Session, reminder_ids: list[str]) -> list[Rendered]:
    """What the dispatcher would send for these reminders, all rendered in one call."""
    db.rollback()
    stored = [db.get_one(Reminder, uuid.UUID(reminder_id)) for reminder_id in reminder_ids]
    sends = [(r, db.get_one(Customer, r.customer_id), Channel.SMS) for r in stored]
    tenants = {r.tenant_id: db.get_one(TenantRow, r.tenant_id) for r in stored}
    pinned = templates.pin(db, reminders=stored, tenants=list(tenants.values()), now=START)
    links = {r.id: "https://nudge.example.com/m/AAAAAAAAAAAAAAAAAAAA" for r in stored}
    out = templates.render_for_reminders(
        pinned, sends=sends, budget=RenderBudget(), manage_urls=links
    )
    assert all(isinstance(one, Rendered) for one in out), out
    return [one for one in out if isinstance(one, Rendered)]


def test_every_item_whose_values_cannot_render_is_named_when_items_repeat(
    tenant: Tenant, db: Session
) -> None:
    body = sms_template("每期{{ 600 // (n - 6) }}元", n={"type": "int", "required": True})
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200
    items = [
        reminder(template="due-soon", channels=["sms"], variables={"amount": "1.00", "n": n})
        for n in (6, 7, 6, 7, 6)
    ]
    response = tenant.client.post("/v1/reminders/batch", json={"items": items})
    assert fields(response) == ["items.0.variables", "items.2.variables", "items.4.variables"]
    assert len({error["detail"] for error in response.json()["errors"]}) == 1
    assert count(db, Reminder) == 0


def test_values_equal_as_numbers_but_written_differently_are_rendered_each_as_written(
    tenant: Tenant, db: Session
) -> None:
    body = sms_template('{% if amount | string == "1.50" %}{{ 1 // 0 }}{% endif %}{{ amount }}')
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200
    items = [
        reminder(template="due-soon", channels=["sms"], variables={"amount": amount})
        for amount in ("1.5", "1.50", "1.5")
    ]
    response = tenant.client.post("/v1/reminders/batch", json={"items": items})
    assert fields(response) == ["items.1.variables"]


def test_an_edit_that_breaks_a_value_is_caught_at_the_next_submission(
    tenant: Tenant, db: Session
) -> None:
    submitted = reminder(
        template="due-soon", channels=["sms"], variables={"amount": "1.00", "n": 6}
    )
    first = sms_template("每期{{ n }}元", n={"type": "int", "required": True})
    assert tenant.client.put("/v1/templates/due-soon", json=first).status_code == 200
    accepted = tenant.client.post("/v1/reminders", json=submitted)
    assert accepted.status_code == 202

    broken = sms_template("每期{{ 600 // (n - 6) }}元", n={"type": "int", "required": True})
    assert tenant.client.put("/v1/templates/due-soon", json=broken).json()["version"] == 2
    assert fields(tenant.client.post("/v1/reminders", json=submitted)) == ["variables"]
    assert fields(tenant.client.post("/v1/reminders/batch", json={"items": [submitted]})) == [
        "items.0.variables"
    ]

    fixed = sms_template("每期{{ 600 // (n - 5) }}元", n={"type": "int", "required": True})
    assert tenant.client.put("/v1/templates/due-soon", json=fixed).json()["version"] == 3
    later = tenant.client.post("/v1/reminders", json=submitted)
    assert later.status_code == 202
    old, new = rendered(db, [accepted.json()["id"], later.json()["id"]])
    assert (old.version, old.body) == (1, "每期6元回复TD退订")
    assert (new.version, new.body) == (3, "每期600元回复TD退订")


def test_two_tenants_templates_of_one_name_never_mix(new_tenant: Any, db: Session) -> None:
    acme, beta = new_tenant("acme"), new_tenant("beta")
    ids = []
    for tenant, words in ((acme, "甲方"), (beta, "乙方")):
        body = sms_template(words + "{{ tenant.display_name }}：{{ amount | money }}")
        assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200
        items = [
            reminder(
                customer=customer(ref=f"c-{i}"),
                template="due-soon",
                channels=["sms"],
                variables={"amount": "5.00"},
            )
            for i in range(3)
        ]
        created = tenant.client.post("/v1/reminders/batch", json={"items": items})
        assert created.status_code == 202, created.text
        ids += created.json()["ids"]
    bodies = [one.body for one in rendered(db, ids)]
    assert bodies == ["甲方acme：US$5.00回复TD退订"] * 3 + ["乙方beta：US$5.00回复TD退订"] * 3
