"""Loan events: repayments, promises, hardship, disputes and write-offs change what the plan
still sends, once per event id."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read
from tests.helpers.enrollments import enrol, put_plan, steps

pytestmark = pytest.mark.anyio

D_MINUS_3 = datetime(2026, 12, 7, 2, tzinfo=UTC)  # 10:00 in Shanghai, three days before the 10th
D_PLUS_3 = datetime(2026, 12, 13, 10, tzinfo=UTC)


def event(tenant: Tenant, kind: str, event_id: str, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        "/v1/loans/loan-1/events", json={"type": kind, "event_id": event_id} | fields
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def statuses(tenant: Tenant, enrolment: dict[str, Any]) -> dict[str, str]:
    return {
        key: read(tenant, step["reminder"]["id"])["status"]
        for key, step in steps(enrolment).items()
        if step["reminder"]
    }


def test_a_full_repayment_cancels_the_rest_counted_and_a_repeat_is_counted_once(
    tenant: Tenant,
) -> None:
    put_plan(tenant)
    made = enrol(tenant)

    paid = event(tenant, "repayment", "pay-1", amount="1000.00", currency="CNY")
    again = event(tenant, "repayment", "pay-1", amount="1000.00", currency="CNY")

    assert (paid["cancelled"], paid["status"], paid["amount_due"]) == (3, "ended", "0.00")
    assert again == paid
    assert set(statuses(tenant, made).values()) == {"cancelled"}
    body = tenant.client.get("/v1/enrollments/loan-1").json()
    assert (body["status"], body["ended_reason"]) == ("ended", "repaid")


def test_an_event_id_reused_for_another_event_is_a_conflict(tenant: Tenant) -> None:
    put_plan(tenant)
    enrol(tenant)
    event(tenant, "hardship", "e-1")
    reused = tenant.client.post(
        "/v1/loans/loan-1/events", json={"type": "dispute", "event_id": "e-1"}
    )
    assert reused.status_code == 409


def test_an_event_id_reused_for_another_amount_is_a_conflict_and_changes_nothing(
    tenant: Tenant,
) -> None:
    put_plan(tenant)
    enrol(tenant)
    first = event(tenant, "repayment", "pay-1", amount="300.00")
    reused = tenant.client.post(
        "/v1/loans/loan-1/events",
        json={"type": "repayment", "event_id": "pay-1", "amount": "500.00"},
    )
    assert reused.status_code == 409, reused.text
    assert event(tenant, "repayment", "pay-1", amount="300") == first
    assert tenant.client.get("/v1/enrollments/loan-1").json()["amount_due"] == "700.00"


async def test_a_partial_repayment_changes_the_amount_in_the_next_message(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    put_plan(tenant)
    made = enrol(tenant)

    paid = event(tenant, "repayment", "pay-1", amount="300.00")
    assert (paid["updated"], paid["amount_due"], paid["status"]) == (3, "700.00", "active")

    clock.set(D_MINUS_3)
    assert await make_dispatcher().run_once() == 1
    [request] = twilio.received
    assert "¥700.00" in request.form["Body"]
    assert "1,000" not in request.form["Body"]
    assert read(tenant, steps(made)["d-3"]["reminder"]["id"])["status"] == "sent"


def test_a_plan_made_reminder_lists_its_loan_and_a_partial_repayment_changes_it_there_too(
    tenant: Tenant,
) -> None:
    put_plan(tenant)
    made = enrol(tenant)
    d0 = steps(made)["d0"]["reminder"]["id"]
    listed = {
        "loan_ref": "loan-1",
        "amount": "1000.00",
        "currency": "CNY",
        "due_date": "2026-12-10",
    }
    assert read(tenant, d0)["variables"]["loans"] == [listed]

    event(tenant, "repayment", "pay-1", amount="300.00")

    variables = read(tenant, d0)["variables"]
    assert variables["amount"] == "700.00"
    assert variables["loans"] == [listed | {"amount": "700.00"}]


async def test_a_promise_to_pay_pauses_the_plan_until_the_grace_ends_then_it_resumes(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    put_plan(tenant, promise_grace_days=2)
    made = enrol(tenant)

    promised = event(tenant, "promise_to_pay", "ptp-1", promised_date="2026-12-10")
    # Paused until the end of the 12th (promised 10th + 2 days) in Shanghai.
    assert promised["paused_until"] == "2026-12-12T16:00:00Z"
    assert (promised["status"], promised["cancelled"]) == ("paused", 2)
    assert statuses(tenant, made) == {"d-3": "cancelled", "d0": "cancelled", "d+3": "scheduled"}
    body = tenant.client.get("/v1/enrollments/loan-1").json()
    assert [s["skipped"] for s in body["steps"]] == ["paused", "paused", None]

    clock.set(D_MINUS_3)
    assert await make_dispatcher().run_once() == 0  # nothing is due while paused

    clock.set(D_PLUS_3)
    assert tenant.client.get("/v1/enrollments/loan-1").json()["status"] == "active"
    assert await make_dispatcher().run_once() == 1
    assert len(twilio.received) == 1
    assert read(tenant, steps(made)["d+3"]["reminder"]["id"])["status"] == "sent"


def test_hardship_pauses_every_step_until_lifted_then_the_steps_ahead_resume(
    tenant: Tenant, clock: FrozenClock
) -> None:
    put_plan(tenant)
    made = enrol(tenant)

    paused = event(tenant, "hardship", "h-1")
    assert (paused["status"], paused["paused_until"], paused["cancelled"]) == ("paused", None, 3)
    assert set(statuses(tenant, made).values()) == {"cancelled"}

    clock.set(datetime(2026, 12, 8, tzinfo=UTC))  # after d-3, before d0
    lifted = event(tenant, "lifted", "h-1-lifted")
    assert (lifted["status"], lifted["created"]) == ("active", 2)
    body = tenant.client.get("/v1/enrollments/loan-1").json()
    resumed = steps(body)
    assert resumed["d-3"]["skipped"] == "past"
    assert resumed["d0"]["reminder"]["status"] == "scheduled"
    assert resumed["d0"]["reminder"]["send_at"] == "2026-12-10T02:00:00Z"
    assert resumed["d+3"]["reminder"]["status"] == "scheduled"


async def test_a_disputed_loan_is_never_chased(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    put_plan(tenant)
    enrol(tenant)
    event(tenant, "dispute", "d-1")

    changed = tenant.client.patch("/v1/enrollments/loan-1", json={"due_date": "2026-12-20"})
    assert changed.status_code == 200, changed.text
    assert {s["skipped"] for s in changed.json()["steps"]} == {"paused"}

    dispatcher = make_dispatcher()
    for day in range(30):
        clock.set(D_MINUS_3 + timedelta(days=day))
        await dispatcher.run_once()
    assert twilio.received == []


def test_a_written_off_loan_ends_its_plan(tenant: Tenant) -> None:
    put_plan(tenant)
    made = enrol(tenant)
    ended = event(tenant, "written_off", "w-1")
    assert (ended["status"], ended["cancelled"]) == ("ended", 3)
    assert set(statuses(tenant, made).values()) == {"cancelled"}
    again = tenant.client.patch("/v1/enrollments/loan-1", json={"due_date": "2026-12-20"})
    assert again.status_code == 409


def test_an_event_for_a_loan_not_enrolled_is_not_found(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/v1/loans/nope/events", json={"type": "hardship", "event_id": "x"}
    )
    assert response.status_code == 404


def test_a_promise_made_during_a_dispute_does_not_end_its_pause(
    tenant: Tenant, clock: FrozenClock
) -> None:
    put_plan(tenant)
    enrol(tenant)
    event(tenant, "dispute", "d-1")
    promised = event(tenant, "promise_to_pay", "p-1", promised_date="2026-11-28")
    assert (promised["status"], promised["paused_until"]) == ("paused", None)
    clock.set(D_PLUS_3)
    body = tenant.client.get("/v1/enrollments/loan-1").json()
    assert (body["status"], body["pause_reason"]) == ("paused", "dispute")
