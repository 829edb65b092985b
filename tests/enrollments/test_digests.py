"""Digests: a plan with `digest` on sends one customer's loans whose steps fall due within its
window as one message, counted once by the caps, and every change to one loan takes just that
loan out of it."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.models.enrollments import DigestLoan, Enrollment
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from tests.conftest import DispatcherFactory, Tenant, count
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read
from tests.helpers.enrollments import enrol, loan, put_plan, steps
from tests.helpers.twilio import message_status

pytestmark = pytest.mark.anyio

DIGEST = {"enabled": True, "window_hours": 24}
D_MINUS_3 = datetime(2026, 12, 7, 2, tzinfo=UTC)  # 10:00 in Shanghai, three days before the 10th
SECOND = {"loan_ref": "loan-2", "amount_due": "234.50"}
ONE_A_DAY = {
    "windows": {"any": [{"start": "08:00", "end": "22:00"}]},
    "caps": [{"channel": "any", "max": 1, "window": "P1D"}],
}


def one_message_a_day(tenant: Tenant) -> None:
    """Chinese customers get at most one message a day (the `cn` preset caps only calls)."""
    assert tenant.client.put("/v1/policies/one-a-day", json=ONE_A_DAY).status_code == 200
    settings = tenant.client.get("/v1/tenant").json() | {
        "jurisdiction_policies": {"CN": "one-a-day"}
    }
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200


def event(tenant: Tenant, loan_ref: str, kind: str, event_id: str, **fields: Any) -> Any:
    response = tenant.client.post(
        f"/v1/loans/{loan_ref}/events", json={"type": kind, "event_id": event_id} | fields
    )
    assert response.status_code == 200, response.text
    return response.json()


def reminder_of(tenant: Tenant, loan_ref: str, step: str = "d-3") -> dict[str, Any]:
    """The reminder sending the loan's step, as GET /v1/enrollments shows it."""
    made = steps(tenant.client.get(f"/v1/enrollments/{loan_ref}").json())[step]["reminder"]
    assert made is not None
    return dict(made)


def listed(tenant: Tenant, reminder_id: str) -> list[str]:
    return [entry["loan_ref"] for entry in read(tenant, reminder_id)["variables"]["loans"]]


def rescheduled(tenant: Tenant, loan_ref: str, **change: str) -> dict[str, Any]:
    """PATCHes the loan; the reminder its `d-3` step is on then."""
    moved = tenant.client.patch(f"/v1/enrollments/{loan_ref}", json=change)
    assert moved.status_code == 200, moved.text
    return dict(steps(moved.json())["d-3"]["reminder"])


def two_loans(tenant: Tenant, **plan: Any) -> None:
    put_plan(tenant, **({"digest": DIGEST} | plan))
    enrol(tenant)
    enrol(tenant, **SECOND)


async def test_digests_merge_two_loans_into_one_message_and_one_cap_count(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    one_message_a_day(tenant)
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")
    assert reminder_of(tenant, "loan-2") == shared
    assert shared["loans"] == ["loan-1", "loan-2"]

    clock.set(D_MINUS_3)
    assert await make_dispatcher().run_once() == 1

    [sms] = twilio.received
    assert "¥1,234.50" in sms.form["Body"]  # the total: 1,000.00 + 234.50
    waiting = tenant.client.get("/v1/reminders?status=deferred").json()["items"]
    suppressed = tenant.client.get("/v1/reminders?status=suppressed").json()["items"]
    assert (waiting, suppressed) == ([], [])
    assert read(tenant, shared["id"])["status"] == "sent"


async def test_without_digests_two_loans_are_two_reminders_and_the_cap_holds_the_second(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    one_message_a_day(tenant)
    two_loans(tenant, digest={"enabled": False})
    first, second = reminder_of(tenant, "loan-1"), reminder_of(tenant, "loan-2")
    assert first["id"] != second["id"]

    clock.set(D_MINUS_3)
    await make_dispatcher().run_once()

    assert len(twilio.received) == 1
    statuses = sorted(read(tenant, r["id"])["status"] for r in (first, second))
    assert statuses[1] == "sent"
    assert statuses[0] in {"deferred", "suppressed"}


async def test_repaying_one_loan_takes_it_out_and_the_next_message_shows_only_the_other(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")

    paid = event(tenant, "loan-2", "repayment", "pay-2", full=True)

    assert (paid["cancelled"], paid["status"]) == (3, "ended")
    assert reminder_of(tenant, "loan-1") == shared | {"loans": ["loan-1"]}
    body = tenant.client.get("/v1/enrollments/loan-2").json()
    assert [step["reminder"] for step in body["steps"]] == [None, None, None]
    clock.set(D_MINUS_3)
    assert await make_dispatcher().run_once() == 1
    [sms] = twilio.received
    assert "¥1,000.00" in sms.form["Body"]


async def test_repaying_the_loan_that_owns_the_digest_hands_it_to_the_other(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")
    assert read(tenant, shared["id"])["loan_ref"] == "loan-1"

    event(tenant, "loan-1", "repayment", "pay-1", amount="1000.00")

    handed = read(tenant, shared["id"])
    assert (handed["status"], handed["loan_ref"]) == ("scheduled", "loan-2")
    assert (handed["variables"]["amount"], handed["metadata"]["step"]) == ("234.50", "d-3")
    assert reminder_of(tenant, "loan-2") == shared | {"loans": ["loan-2"]}
    clock.set(D_MINUS_3)
    assert await make_dispatcher().run_once() == 1
    [sms] = twilio.received
    assert "¥234.50" in sms.form["Body"]


def test_repaying_both_loans_cancels_the_digest(tenant: Tenant) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")
    event(tenant, "loan-2", "repayment", "pay-2", full=True)
    assert read(tenant, shared["id"])["status"] == "scheduled"

    paid = event(tenant, "loan-1", "repayment", "pay-1", full=True)

    assert paid["cancelled"] == 3
    cancelled = read(tenant, shared["id"])
    assert (cancelled["status"], cancelled["events"][-1]["reason"]) == (
        "cancelled",
        "LOAN_CANCELLED",
    )


def test_the_same_event_twice_takes_the_loan_out_once(tenant: Tenant) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")
    first = event(tenant, "loan-1", "repayment", "pay-1", full=True)
    again = event(tenant, "loan-1", "repayment", "pay-1", full=True)
    assert again == first
    assert listed(tenant, shared["id"]) == ["loan-2"]
    assert read(tenant, shared["id"])["status"] == "scheduled"


async def test_a_partial_repayment_changes_that_loans_amount_in_the_shared_message(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")

    paid = event(tenant, "loan-2", "repayment", "pay-2", amount="34.50")

    assert paid["updated"] == 3
    variables = read(tenant, shared["id"])["variables"]
    assert variables["amount"] == "1000.00"  # the owner's own amount is unchanged
    assert [entry["amount"] for entry in variables["loans"]] == ["1000.00", "200.00"]
    clock.set(D_MINUS_3)
    await make_dispatcher().run_once()
    [sms] = twilio.received
    assert "¥1,200.00" in sms.form["Body"]


def test_rescheduling_one_loan_moves_it_out_of_the_digest(tenant: Tenant) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")

    own = rescheduled(tenant, "loan-2", due_date="2026-12-20")

    assert (own["loans"], own["send_at"]) == (["loan-2"], "2026-12-17T02:00:00Z")
    assert own["id"] != shared["id"]
    assert reminder_of(tenant, "loan-1") == shared | {"loans": ["loan-1"]}
    assert read(tenant, shared["id"])["status"] == "scheduled"


def test_rescheduling_the_owner_next_to_the_other_keeps_one_digest(tenant: Tenant) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")

    again = rescheduled(tenant, "loan-1", amount_due="900.00")

    assert again["id"] == shared["id"]  # loan-2 took it over, loan-1 joined back
    assert sorted(again["loans"]) == ["loan-1", "loan-2"]
    entries = read(tenant, shared["id"])["variables"]["loans"]
    assert sorted(entry["amount"] for entry in entries) == ["234.50", "900.00"]


def test_a_paused_loan_leaves_the_digest_and_rejoins_it_when_lifted(
    tenant: Tenant, clock: FrozenClock
) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")

    paused = event(tenant, "loan-1", "hardship", "h-1")

    assert paused["cancelled"] == 3
    assert reminder_of(tenant, "loan-2") == shared | {"loans": ["loan-2"]}
    body = tenant.client.get("/v1/enrollments/loan-1").json()
    assert [step["skipped"] for step in body["steps"]] == ["paused"] * 3
    assert [step["reminder"] for step in body["steps"]] == [None] * 3

    lifted = event(tenant, "loan-1", "lifted", "h-1-lifted")

    assert (lifted["status"], lifted["created"]) == ("active", 3)
    assert reminder_of(tenant, "loan-1") == shared | {"loans": ["loan-1", "loan-2"]}


def test_a_promise_to_pay_takes_the_loan_out_only_of_the_digests_before_it_ends(
    tenant: Tenant,
) -> None:
    two_loans(tenant, promise_grace_days=0)
    d3 = reminder_of(tenant, "loan-1", "d+3")

    promised = event(tenant, "loan-1", "promise_to_pay", "p-1", promised_date="2026-12-10")

    assert promised["cancelled"] == 2
    assert reminder_of(tenant, "loan-2", "d-3")["loans"] == ["loan-2"]
    assert reminder_of(tenant, "loan-2", "d0")["loans"] == ["loan-2"]
    assert reminder_of(tenant, "loan-1", "d+3") == d3  # the 13th: after the promise


def test_a_batch_of_two_loans_of_one_customer_is_one_digest_per_step_and_idempotent(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant, digest=DIGEST)
    batch = {"items": [loan(), loan(**SECOND)]}
    headers = {"Idempotency-Key": "digest-batch"}

    first = tenant.client.post("/v1/enrollments/batch", json=batch, headers=headers)
    again = tenant.client.post("/v1/enrollments/batch", json=batch, headers=headers)

    assert first.status_code == 201, first.text
    assert again.json() == first.json()
    one, two = (steps(item) for item in first.json()["items"])
    assert {key: step["reminder"] for key, step in one.items()} == {
        key: step["reminder"] for key, step in two.items()
    }
    assert one["d0"]["reminder"]["loans"] == ["loan-1", "loan-2"]
    assert (count(db, Enrollment), count(db, Reminder), count(db, DigestLoan)) == (2, 3, 6)
    assert tenant.client.get("/v1/enrollments/loan-2").json() == first.json()["items"][1]


def test_a_poison_loan_in_a_batch_joins_nothing(tenant: Tenant, db: Session) -> None:
    put_plan(tenant, digest=DIGEST)
    enrol(tenant)
    shared = reminder_of(tenant, "loan-1")
    batch = {"items": [loan(**SECOND), loan(loan_ref="loan-3", plan="missing")]}

    refused = tenant.client.post("/v1/enrollments/batch", json=batch)

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["items.1.plan"]
    assert reminder_of(tenant, "loan-1") == shared
    assert (count(db, Enrollment), count(db, Reminder), count(db, DigestLoan)) == (1, 3, 3)


def test_loans_of_other_customers_or_due_apart_are_not_merged(tenant: Tenant) -> None:
    put_plan(tenant, digest={"enabled": True, "window_hours": 48})
    enrol(tenant)
    enrol(tenant, loan_ref="other", customer=customer(ref="cust-2"))
    enrol(tenant, loan_ref="later", due_date="2026-12-13")  # three days later: 72 hours apart
    enrol(tenant, loan_ref="close", due_date="2026-12-12")  # two days: within 48 hours

    assert reminder_of(tenant, "other")["loans"] == ["other"]
    assert reminder_of(tenant, "later")["loans"] == ["later"]
    assert reminder_of(tenant, "loan-1")["loans"] == ["loan-1", "close"]
    assert reminder_of(tenant, "close") == reminder_of(tenant, "loan-1")


def test_concurrent_enrolments_of_one_customers_loans_make_one_digest_and_lose_no_loan(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    put_plan(tenant, digest=DIGEST)
    clients = [tenant.key(db, clock, Scope.REMINDERS_WRITE, Scope.REMINDERS_READ) for _ in range(2)]
    rounds = 4
    ready = threading.Barrier(2)

    def enrol_at_once(index: int) -> list[int]:
        client = clients[index]
        codes = []
        for round_ in range(rounds):
            body = loan(
                loan_ref=f"r{round_}-l{index}", customer=customer(ref=f"cust-race-{round_}")
            )
            ready.wait()
            codes.append(client.post("/v1/enrollments", json=body).status_code)
        return codes

    try:
        with ThreadPoolExecutor(2) as pool:
            codes = [code for answer in pool.map(enrol_at_once, range(2)) for code in answer]
    finally:
        for client in clients:
            client.close()

    assert set(codes) == {201}
    for round_ in range(rounds):
        shared = reminder_of(tenant, f"r{round_}-l0", "d0")
        assert reminder_of(tenant, f"r{round_}-l1", "d0") == shared
        assert sorted(shared["loans"]) == [f"r{round_}-l0", f"r{round_}-l1"]
    assert (count(db, Reminder), count(db, DigestLoan)) == (3 * rounds, 6 * rounds)


def test_a_digest_the_dispatcher_has_claimed_is_not_edited(tenant: Tenant, db: Session) -> None:
    two_loans(tenant)
    claimed = reminder_of(tenant, "loan-1")
    db.execute(
        sa.update(Reminder)
        .where(Reminder.id == uuid.UUID(claimed["id"]))
        .values(status=ReminderStatus.DISPATCHING)
    )
    db.commit()

    paid = event(tenant, "loan-2", "repayment", "pay-2", full=True)

    assert paid["cancelled"] == 2  # d0 and d+3; d-3 is being sent with both loans
    assert listed(tenant, claimed["id"]) == ["loan-1", "loan-2"]
    assert reminder_of(tenant, "loan-2")["status"] == "dispatching"
    assert read(tenant, reminder_of(tenant, "loan-1", "d0")["id"])["variables"]["loans"] == [
        {"loan_ref": "loan-1", "amount": "1000.00", "currency": "CNY", "due_date": "2026-12-10"}
    ]


def test_a_repayment_racing_an_enrolment_of_the_same_customer_loses_no_loan(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    put_plan(tenant, digest=DIGEST)
    rounds = 4
    for round_ in range(rounds):
        enrol(tenant, loan_ref=f"paid-{round_}", customer=customer(ref=f"c-{round_}"))
    clients = [tenant.key(db, clock, Scope.REMINDERS_WRITE, Scope.REMINDERS_READ) for _ in range(2)]
    ready = threading.Barrier(2)

    def race(index: int) -> list[int]:
        codes = []
        for round_ in range(rounds):
            ready.wait()
            if index == 0:
                response = clients[0].post(
                    f"/v1/loans/paid-{round_}/events",
                    json={"type": "repayment", "event_id": f"pay-{round_}", "full": True},
                )
            else:
                body = loan(loan_ref=f"new-{round_}", customer=customer(ref=f"c-{round_}"))
                response = clients[1].post("/v1/enrollments", json=body)
            codes.append(response.status_code)
        return codes

    try:
        with ThreadPoolExecutor(2) as pool:
            zero, one = pool.map(race, range(2))
    finally:
        for client in clients:
            client.close()

    assert (set(zero), set(one)) == ({200}, {201})
    for round_ in range(rounds):
        for key in ("d-3", "d0", "d+3"):
            made = reminder_of(tenant, f"new-{round_}", key)
            assert (made["status"], made["loans"]) == ("scheduled", [f"new-{round_}"])
            assert read(tenant, made["id"])["loan_ref"] == f"new-{round_}"


def test_a_batch_of_a_thousand_loans_makes_one_digest_per_customer_and_step(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant, digest=DIGEST)
    items = [loan(loan_ref=f"l-{i}", customer=customer(ref=f"c-{i % 400}")) for i in range(1000)]
    response = tenant.client.post("/v1/enrollments/batch", json={"items": items})
    assert response.status_code == 201, response.text[:500]
    assert (count(db, Enrollment), count(db, Reminder), count(db, DigestLoan)) == (
        1000,
        1200,
        3000,
    )
    first = steps(response.json()["items"][0])["d0"]["reminder"]
    assert first["loans"] == ["l-0", "l-400", "l-800"]


async def test_the_worked_example_of_the_digests_section_happens_as_written(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    one_message_a_day(tenant)
    two_loans(tenant)
    made = {key: reminder_of(tenant, "loan-1", key) for key in ("d-3", "d0", "d+3")}
    assert {key: r["send_at"] for key, r in made.items()} == {
        "d-3": "2026-12-07T02:00:00Z",
        "d0": "2026-12-10T02:00:00Z",
        "d+3": "2026-12-13T10:00:00Z",
    }
    assert {tuple(r["loans"]) for r in made.values()} == {("loan-1", "loan-2")}
    dispatcher = make_dispatcher()
    clock.set(D_MINUS_3)
    assert await dispatcher.run_once() == 1

    clock.set(datetime(2026, 12, 8, 2, tzinfo=UTC))
    paid = event(tenant, "loan-1", "repayment", "pay-1", full=True)

    assert paid["cancelled"] == 2
    assert reminder_of(tenant, "loan-2", "d0")["id"] == made["d0"]["id"]
    clock.set(datetime(2026, 12, 10, 2, tzinfo=UTC))
    assert await dispatcher.run_once() == 1
    first, second = (sms.form["Body"] for sms in twilio.received)
    assert ("¥1,234.50" in first, "12月10日" in first) == (True, True)
    assert "¥234.50" in second


def test_steps_that_may_call_are_never_merged(tenant: Tenant) -> None:
    calls = [
        {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["voice"], "template": "due-today"}
    ]
    put_plan(tenant, steps=calls, digest=DIGEST)
    enrol(tenant)
    enrol(tenant, **SECOND)
    assert reminder_of(tenant, "loan-1", "d0")["loans"] == ["loan-1"]
    assert reminder_of(tenant, "loan-2", "d0")["loans"] == ["loan-2"]


def test_a_loan_due_earlier_moves_the_digest_earlier_and_back_when_it_leaves(
    tenant: Tenant,
) -> None:
    put_plan(tenant, digest=DIGEST)
    enrol(tenant)
    enrol(tenant, loan_ref="earlier", due_date="2026-12-09")  # its d-3: a day before loan-1's

    shared = reminder_of(tenant, "loan-1")
    assert (shared["loans"], shared["send_at"]) == (["earlier", "loan-1"], "2026-12-06T02:00:00Z")
    assert read(tenant, shared["id"])["next_attempt_at"] == "2026-12-06T02:00:00Z"

    event(tenant, "earlier", "dispute", "d-1")

    back = read(tenant, shared["id"])
    assert (back["send_at"], back["next_attempt_at"]) == (
        "2026-12-07T02:00:00Z",
        "2026-12-07T02:00:00Z",
    )
    assert listed(tenant, shared["id"]) == ["loan-1"]


async def test_a_repayment_of_either_loan_is_credited_to_the_digest_that_listed_it(
    tenant: Tenant,
    anonymous: httpx.Client,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    two_loans(tenant)
    shared = reminder_of(tenant, "loan-1")
    clock.set(D_MINUS_3)
    assert await make_dispatcher().run_once() == 1
    [attempt] = tenant.client.get("/v1/deliveries").json()["items"]
    clock.set(D_MINUS_3 + timedelta(minutes=5))
    delivered = message_status(anonymous, shared["id"], attempt["provider_message_id"], "delivered")
    assert delivered.status_code == 200, delivered.text

    clock.set(D_MINUS_3 + timedelta(hours=30))
    event(tenant, "loan-2", "repayment", "pay-2", full=True, amount="234.50", currency="CNY")

    body = tenant.client.get("/v1/stats/outcomes", params={"group_by": "plan,step"}).json()
    [group] = [group for group in body["groups"] if group["step"] == "d-3"]
    assert (group["enrolled"], group["sent"], group["delivered"]) == (2, 1, 1)  # one message
    assert group["repaid"] == 1  # loan-2 paid after the message listing it, though loan-1 owns it
    assert group["repaid_amount"] == [{"currency": "CNY", "amount": "234.50"}]
    assert group["median_hours_to_repay"] == pytest.approx(30 - 5 / 60)
