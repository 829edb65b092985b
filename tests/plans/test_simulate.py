"""Simulating a plan: the schedule in the customer's time, the contact policy's verdict on each
step, and nothing stored or sent."""

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.db import Base
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from tests.conftest import Tenant
from tests.factories import customer, reminder
from tests.helpers.enrollments import SHANGHAI_STEPS, enrol, put_plan

BERLINER = {"ref": "berlin-1", "email": "anna@example.com", "timezone": "Europe/Berlin"}


def step(key: str, offset: str, at: str, *channels: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "offset": offset,
        "at": at,
        "channels": list(channels),
        "template": "pre-due",
        **extra,
    }


def save(tenant: Tenant, *steps: dict[str, Any], **extra: Any) -> None:
    response = tenant.client.put("/v1/plans/p", json={"steps": list(steps), **extra})
    assert response.status_code == 200, response.text


def simulate(tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = tenant.client.post("/v1/plans/p/simulate", json={"customer": BERLINER, **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def outcomes(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["key"], s["local"], s["outcome"], s["reason"], s["channel"], s["sent_local"])
        for s in result["steps"]
    ]


def test_steps_across_the_spring_change_get_the_policys_verdict_each_seeing_the_ones_before(
    tenant: Tenant,
) -> None:
    save(
        tenant,
        step("d-1", "-1d", "10:00", "email"),
        step("d0", "0d", "10:00", "email"),
        step("d0-again", "0d", "11:00", "email"),  # the default preset's 4 hours apart
        step("d+1", "+1d", "20:00", "email"),  # after 19:00: quiet hours
    )
    result = simulate(tenant, due_date="2027-03-28")  # Berlin moves to summer time that night
    assert (result["timezone"], result["policy"], result["arm"]) == (
        "Europe/Berlin",
        "default",
        None,
    )
    assert outcomes(result) == [
        ("d-1", "2027-03-27T10:00:00+01:00", "send", None, "email", "2027-03-27T10:00:00+01:00"),
        ("d0", "2027-03-28T10:00:00+02:00", "send", None, "email", "2027-03-28T10:00:00+02:00"),
        (
            "d0-again",
            "2027-03-28T11:00:00+02:00",
            "defer",
            "MIN_GAP",
            "email",
            "2027-03-28T14:00:00+02:00",
        ),
        (
            "d+1",
            "2027-03-29T20:00:00+02:00",
            "defer",
            "QUIET_HOURS",
            "email",
            "2027-03-30T09:00:00+02:00",
        ),
    ]
    assert result["steps"][1]["send_at"] == "2027-03-28T08:00:00Z"


def test_an_opted_out_channel_is_passed_over_and_a_step_with_no_other_is_suppressed(
    tenant: Tenant,
) -> None:
    optout = {"customer_ref": BERLINER["ref"], "channel": "email"}
    assert tenant.client.post("/v1/opt-outs", json=optout).status_code == 201
    save(tenant, step("d0", "0d", "10:00", "email"), step("d1", "+1d", "10:00", "email", "sms"))
    customer = {**BERLINER, "phone": "+4915112345678"}
    response = tenant.client.post(
        "/v1/plans/p/simulate", json={"customer": customer, "due_date": "2026-12-10"}
    )
    [first, second] = response.json()["steps"]
    assert (first["outcome"], first["reason"], first["channel"]) == ("suppress", "OPTED_OUT", None)
    assert (second["outcome"], second["channel"]) == ("send", "sms")


def test_past_steps_and_steps_whose_conditions_fail_are_skipped(
    tenant: Tenant, clock: FrozenClock
) -> None:
    save(
        tenant,
        step("d-3", "-3d", "10:00", "email"),
        step("big", "0d", "10:00", "email", conditions={"amount_due": {"min": "500"}}),
        step("d+1", "+1d", "10:00", "email"),
    )
    clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=UTC))  # 09:00 in Berlin on the due date
    result = simulate(tenant, due_date="2026-12-10", amount_due="100")
    assert [(s["key"], s["outcome"], s["skipped"]) for s in result["steps"]] == [
        ("d-3", "skipped", "past"),
        ("big", "skipped", "conditions"),
        ("d+1", "send", None),
    ]


def test_a_variant_is_simulated_by_name_and_the_holdout_gets_nothing(tenant: Tenant) -> None:
    variants = [
        {"name": "champion", "weight": 1},
        {"name": "sms-first", "weight": 1, "steps": [step("d0", "0d", "12:00", "sms", "email")]},
    ]
    save(tenant, step("d0", "0d", "10:00", "email"), variants=variants, holdout=0.1)
    challenger = simulate(tenant, due_date="2026-12-10", arm="sms-first")
    assert [(s["key"], s["channels"], s["local"][11:16]) for s in challenger["steps"]] == [
        ("d0", ["sms", "email"], "12:00")
    ]
    assert simulate(tenant, due_date="2026-12-10", arm="holdout")["steps"] == []
    response = tenant.client.post(
        "/v1/plans/p/simulate", json={"customer": BERLINER, "due_date": "2026-12-10", "arm": "x"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "arm"


def test_simulating_an_unknown_plan_is_404(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/v1/plans/nope/simulate", json={"customer": BERLINER, "due_date": "2026-12-10"}
    )
    assert response.status_code == 404


def row_counts(db: Session) -> dict[str, int]:
    db.rollback()
    return {
        table.name: db.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def test_simulating_stores_nothing(tenant: Tenant, db: Session) -> None:
    save(tenant, step("d0", "0d", "10:00", "email"), step("d1", "+1d", "10:00", "email"))
    before = row_counts(db)
    simulate(tenant, due_date="2026-12-10", loan_ref="loan-9")
    stranger = {"ref": "new-2", "phone": "+8613812345678", "jurisdiction": "CN"}
    response = tenant.client.post(
        "/v1/plans/p/simulate", json={"customer": stranger, "due_date": "2026-12-10"}
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Shanghai"
    assert response.json()["policy"] == "cn"
    assert row_counts(db) == before
    assert before["plan_versions"] == 1


def test_the_customers_stored_contacts_count(tenant: Tenant, db: Session) -> None:
    """Regulation F: no call for 7 days after a conversation, here one held the day before."""
    new_yorker = customer(ref="ny-1", phone="+12125550123", timezone=None, jurisdiction=None)
    submitted = tenant.client.post(
        "/v1/reminders",
        json=reminder(customer=new_yorker, loan_ref="loan-1", send_at="2027-06-01T00:00:00Z"),
    )
    assert submitted.status_code == 202, submitted.text
    row = db.get_one(Reminder, uuid.UUID(submitted.json()["id"]))
    db.add(
        DeliveryAttempt(
            tenant_id=row.tenant_id,
            reminder_id=row.id,
            customer_id=row.customer_id,
            channel="voice",
            provider="twilio_voice",
            status="answered",
            started_at=datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
        )
    )
    db.commit()
    save(tenant, step("call", "0d", "10:00", "voice"), step("text", "0d", "10:00", "sms"))
    response = tenant.client.post(
        "/v1/plans/p/simulate",
        json={"customer": {"ref": "ny-1"}, "due_date": "2026-11-30", "loan_ref": "loan-1"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["timezone"], result["policy"]) == ("America/New_York", "us-regf")
    assert outcomes(result) == [
        (
            "call",
            "2026-11-30T10:00:00-05:00",
            "defer",
            "RECENT_CONVERSATION",
            "voice",
            "2026-12-03T10:00:00-05:00",
        ),
        ("text", "2026-11-30T10:00:00-05:00", "send", None, "sms", "2026-11-30T10:00:00-05:00"),
    ]


def test_the_worked_example_of_docs_plans_md_answers_as_its_table_says(tenant: Tenant) -> None:
    text = (Path(__file__).parents[2] / "docs" / "plans.md").read_text()
    plan, rules, request = (
        json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)
    )
    for key in ("gentle", "hardship", "standard"):
        assert tenant.client.put(f"/v1/plans/{key}", json=plan).status_code == 200
    assert tenant.client.put("/v1/segments", json=rules).status_code == 200
    result = tenant.client.post("/v1/plans/gentle/simulate", json=request).json()
    assert (result["timezone"], result["policy"]) == ("Asia/Shanghai", "cn")
    assert [
        (
            s["key"],
            s["local"],
            s["outcome"],
            s["reason"],
            s["channel"],
            s["sent_local"],
            s["skipped"],
        )
        for s in result["steps"]
    ] == [
        (
            "d-3",
            "2026-12-07T10:00:00+08:00",
            "send",
            None,
            "sms",
            "2026-12-07T10:00:00+08:00",
            None,
        ),
        ("d0", "2026-12-10T09:30:00+08:00", "send", None, "sms", "2026-12-10T09:30:00+08:00", None),
        (
            "d+3",
            "2026-12-13T22:30:00+08:00",
            "defer",
            "QUIET_HOURS",
            "sms",
            "2026-12-14T08:00:00+08:00",
            None,
        ),
        ("d+10", "2026-12-20T10:00:00+08:00", "skipped", None, None, None, "conditions"),
    ]


def test_simulate_shows_each_customer_the_arm_their_enrolment_draws(tenant: Tenant) -> None:
    challenger = {"name": "challenger", "weight": 1, "steps": SHANGHAI_STEPS[:1]}
    put_plan(tenant, variants=[{"name": "champion", "weight": 1}, challenger], holdout=0.2)
    drawn = []
    for i in range(12):
        person = customer(ref=f"cust-{i}")
        simulated = tenant.client.post(
            "/v1/plans/gentle/simulate", json={"customer": person, "due_date": "2026-12-10"}
        )
        assert simulated.status_code == 200, simulated.text
        enrolled = enrol(tenant, loan_ref=f"loan-{i}", customer=person)
        assert simulated.json()["arm"] == enrolled["arm"]
        drawn.append(enrolled["arm"])
    assert len(set(drawn)) > 1, drawn
