"""Enrolling a loan: its plan's steps become reminders at their local times, through the same
checks as any submitted reminder; rescheduling plans the pending ones again."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.enrollments import Enrollment
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from tests.conftest import Tenant, count
from tests.factories import customer
from tests.helpers.api import kinds, read
from tests.helpers.enrollments import enrol, loan, put_plan, steps

NEW_YORKER = customer(
    ref="cust-ny",
    phone="+12015550123",
    email=None,
    locale="en-US",
    timezone="America/New_York",
    jurisdiction="US",
)


def test_steps_are_sent_at_their_local_time_on_either_side_of_a_dst_change(
    tenant: Tenant, clock: FrozenClock
) -> None:
    clock.set(datetime(2027, 3, 1, 12, tzinfo=UTC))  # New York springs forward on 14 March
    put_plan(
        tenant,
        steps=[
            {
                "key": "d-3",
                "offset": "-3d",
                "at": "10:00",
                "channels": ["sms"],
                "template": "pre-due",
            },
            {
                "key": "d0",
                "offset": "0d",
                "at": "10:00",
                "channels": ["sms"],
                "template": "due-today",
            },
        ],
    )
    body = enrol(tenant, customer=NEW_YORKER, due_date="2027-03-15", currency="USD")

    made = steps(body)
    assert made["d-3"]["local"] == "2027-03-12T10:00:00-05:00"
    assert made["d0"]["local"] == "2027-03-15T10:00:00-04:00"
    for key, template, utc in (
        ("d-3", "pre-due", "2027-03-12T15:00:00Z"),
        ("d0", "due-today", "2027-03-15T14:00:00Z"),
    ):
        reminder = read(tenant, made[key]["reminder"]["id"])
        assert (reminder["status"], reminder["send_at"]) == ("scheduled", utc)
        assert (reminder["template"], reminder["variables"]["due_date"]) == (template, "2027-03-15")
    assert body["segment_rule"] is None
    assert body["plan"] == "gentle"


def test_steps_whose_moment_has_passed_are_skipped_not_sent_late(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant)
    body = enrol(tenant, due_date="2026-11-28")  # d-3 was on the 25th; now is the 27th 17:30

    made = steps(body)
    assert (made["d-3"]["skipped"], made["d-3"]["reminder"]) == ("past", None)
    assert made["d0"]["skipped"] is None
    assert made["d0"]["reminder"]["status"] == "scheduled"
    assert count(db, Reminder) == 2
    listed = tenant.client.get("/v1/reminders?loan_ref=loan-1").json()["items"]
    assert sorted(r["metadata"]["step"] for r in listed) == ["d+3", "d0"]


def test_each_plan_made_reminder_records_its_enrolment_and_step(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant)
    body = enrol(tenant)
    db.rollback()
    rows = db.execute(sa.select(Reminder.enrollment_id, Reminder.plan_step, Reminder.arm)).all()
    assert sorted(rows) == sorted(
        (uuid.UUID(body["id"]), key, None) for key in ("d-3", "d0", "d+3")
    )


def test_a_loan_enrolled_twice_is_a_conflict_and_a_retry_with_its_key_replays(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant)
    headers = {"Idempotency-Key": "enrol-loan-1"}
    first = tenant.client.post("/v1/enrollments", json=loan(), headers=headers)
    again = tenant.client.post("/v1/enrollments", json=loan(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()

    twice = tenant.client.post("/v1/enrollments", json=loan())
    assert twice.status_code == 409, twice.text
    assert "PATCH" in twice.json()["detail"]
    assert (count(db, Enrollment), count(db, Reminder)) == (1, 3)


def test_segment_rules_choose_the_plan_and_the_rule_is_recorded(tenant: Tenant) -> None:
    put_plan(tenant, "gentle")
    put_plan(
        tenant,
        "firm",
        steps=[
            {
                "key": "d0",
                "offset": "0d",
                "at": "09:00",
                "channels": ["sms"],
                "template": "due-today",
            }
        ],
    )
    rules = {
        "rules": [
            {
                "name": "risky",
                "segment": "high-risk",
                "conditions": {"risk_tier": ["high"]},
                "plan": "firm",
            },
            {"name": "rest", "segment": "standard", "plan": "gentle"},
        ]
    }
    assert tenant.client.put("/v1/segments", json=rules).status_code == 200

    risky = enrol(tenant, loan_ref="l-1", plan=None, attributes={"risk_tier": "high"})
    rest = enrol(tenant, loan_ref="l-2", plan=None, attributes={"risk_tier": "low"})
    named = enrol(tenant, loan_ref="l-3", plan=None, segment="high-risk")

    assert (risky["segment"], risky["segment_rule"], risky["plan"]) == (
        "high-risk",
        "risky",
        "firm",
    )
    assert (rest["segment"], rest["segment_rule"], rest["plan"]) == ("standard", "rest", "gentle")
    assert (named["segment"], named["segment_rule"], named["plan"]) == (
        "high-risk",
        "named",
        "firm",
    )


def test_a_loan_no_plan_can_reach_is_refused_naming_its_field(tenant: Tenant, db: Session) -> None:
    response = tenant.client.post("/v1/enrollments", json=loan(plan=None))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["plan"]
    unknown = tenant.client.post("/v1/enrollments", json=loan(plan="nope"))
    assert unknown.json()["errors"][0]["field"] == "plan"
    assert count(db, Enrollment) == 0


def test_a_step_the_customer_cannot_receive_is_refused_with_the_loans_field(
    tenant: Tenant, db: Session
) -> None:
    put_plan(
        tenant,
        steps=[
            {
                "key": "mail",
                "offset": "0d",
                "at": "10:00",
                "channels": ["email"],
                "template": "pre-due",
            }
        ],
    )
    no_email = customer(ref="no-email", email=None)
    response = tenant.client.post("/v1/enrollments", json=loan(customer=no_email))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "customer"
    assert error["detail"].startswith("step 'mail':")
    assert (count(db, Enrollment), count(db, Reminder)) == (0, 0)


def test_rescheduling_moves_pending_steps_and_never_resends_a_sent_one(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant)
    before = steps(enrol(tenant))
    sent = before["d-3"]["reminder"]["id"]
    db.execute(
        sa.update(Reminder).where(Reminder.id == uuid.UUID(sent)).values(status=ReminderStatus.SENT)
    )
    db.commit()

    response = tenant.client.patch("/v1/enrollments/loan-1", json={"due_date": "2026-12-17"})
    assert response.status_code == 200, response.text
    after = steps(response.json())
    assert response.json()["due_date"] == "2026-12-17"
    assert after["d-3"]["skipped"] == "done"
    assert after["d-3"]["reminder"]["id"] == sent
    assert after["d0"]["send_at"] == "2026-12-17T02:00:00Z"
    assert after["d0"]["reminder"]["send_at"] == "2026-12-17T02:00:00Z"
    assert after["d0"]["reminder"]["id"] != before["d0"]["reminder"]["id"]
    old = read(tenant, before["d0"]["reminder"]["id"])
    assert old["status"] == "cancelled"
    assert old["events"][-1]["reason"] == "RESCHEDULED"
    assert read(tenant, sent)["status"] == "sent"
    assert kinds(read(tenant, after["d+3"]["reminder"]["id"])) == ["accepted"]


def test_a_new_amount_is_what_the_rescheduled_reminders_show(tenant: Tenant) -> None:
    put_plan(tenant)
    enrol(tenant)
    response = tenant.client.patch("/v1/enrollments/loan-1", json={"amount_due": "800.00"})
    assert response.status_code == 200, response.text
    assert response.json()["amount_due"] == "800.00"
    for step in response.json()["steps"]:
        assert read(tenant, step["reminder"]["id"])["variables"]["amount"] == "800.00"


def test_the_enrolment_reads_back_with_its_steps_and_reminders(tenant: Tenant) -> None:
    put_plan(tenant)
    made = enrol(tenant, due_date="2026-11-28")
    body = tenant.client.get("/v1/enrollments/loan-1").json()
    assert body == made
    assert tenant.client.get("/v1/enrollments/other").status_code == 404


def test_a_batch_is_all_or_nothing_and_idempotent(tenant: Tenant, db: Session) -> None:
    put_plan(tenant)
    good, bad = loan(loan_ref="b-1"), loan(loan_ref="b-2", plan="missing")
    refused = tenant.client.post("/v1/enrollments/batch", json={"items": [good, bad]})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["items.1.plan"]
    assert (count(db, Enrollment), count(db, Reminder)) == (0, 0)

    batch = {"items": [good, loan(loan_ref="b-2", customer=customer(ref="cust-2"))]}
    headers = {"Idempotency-Key": "batch-1"}
    first = tenant.client.post("/v1/enrollments/batch", json=batch, headers=headers)
    again = tenant.client.post("/v1/enrollments/batch", json=batch, headers=headers)
    assert first.status_code == 201, first.text
    assert again.json() == first.json()
    assert [item["loan_ref"] for item in first.json()["items"]] == ["b-1", "b-2"]
    assert (count(db, Enrollment), count(db, Reminder)) == (2, 6)


def test_a_loan_whose_steps_have_all_passed_is_enrolled_with_nothing_to_send(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant)
    body = enrol(tenant, due_date="2026-11-01")
    assert {step["skipped"] for step in body["steps"]} == {"past"}
    assert (count(db, Enrollment), count(db, Reminder)) == (1, 0)


def test_a_batch_of_a_thousand_loans_is_enrolled_in_one_request(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant)
    items = [loan(loan_ref=f"l-{i}", customer=customer(ref=f"c-{i % 400}")) for i in range(1000)]
    response = tenant.client.post("/v1/enrollments/batch", json={"items": items})
    assert response.status_code == 201, response.text[:500]
    assert len(response.json()["items"]) == 1000
    assert (count(db, Enrollment), count(db, Reminder)) == (1000, 3000)
    too_many = tenant.client.post("/v1/enrollments/batch", json={"items": [*items, loan()]})
    assert too_many.status_code == 422
