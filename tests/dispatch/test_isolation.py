"""A reminder that cannot be rendered, composed or prepared fails alone: its round goes on."""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.dispatch.batch import claim_batch
from app.dispatch.drafts import draft_batch
from app.dispatch.failures import isolated, render_reason
from app.dispatch.prepare import start_sends
from app.models.reminders import Reminder
from app.reminders.repository import timeline
from tests.conftest import DispatcherFactory, Tenant
from tests.dispatch.poisons import (
    policy_that_no_longer_parses,
    rewrite,
    submit,
    template_dividing_by_zero,
    webhook_without_variant,
)
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, sent_to_twilio

pytestmark = pytest.mark.anyio

Poison = Callable[[Session, Tenant, datetime], uuid.UUID]


def last_event(tenant: Tenant, reminder_id: uuid.UUID) -> dict[str, Any]:
    event: dict[str, Any] = read(tenant, str(reminder_id))["events"][-1]
    return event


async def test_a_webhook_reminder_without_a_variant_fails_with_no_variant_and_the_round_goes_on(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    poison = webhook_without_variant(db, tenant, clock.now())
    good = submit(tenant, customer=customer(ref="good"), channels=["sms"])
    assert await make_dispatcher().run_once() == 2
    assert read(tenant, str(good))["status"] == "sent"
    body = read(tenant, str(poison))
    assert body["status"] == "failed"
    assert body["attempts"] == []
    event = body["events"][-1]
    assert (event["kind"], event["reason"]) == ("failed", "NO_VARIANT")
    assert event["detail"]["channel"] == "webhook"
    assert "has no webhook variant" in event["detail"]["error"]


async def test_a_template_that_raises_fails_its_reminder_with_render_error_and_the_error_text(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    poison = template_dividing_by_zero(db, tenant, clock.now())
    good = submit(tenant, customer=customer(ref="good"), channels=["sms"])
    assert await make_dispatcher().run_once() == 2
    assert read(tenant, str(good))["status"] == "sent"
    assert read(tenant, str(poison))["status"] == "failed"
    event = last_event(tenant, poison)
    assert event["reason"] == "RENDER_ERROR"
    assert event["detail"]["error"].startswith("ZeroDivisionError")
    assert sent_to_twilio(twilio, str(poison)) == []


async def test_a_channel_that_cannot_be_rendered_is_passed_over_for_the_next_one(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    poison = webhook_without_variant(db, tenant, clock.now())
    reminder_id = rewrite(db, poison, channels=["webhook", "sms"])
    await make_dispatcher().run_once()
    body = read(tenant, str(reminder_id))
    assert body["status"] == "sent"
    assert [a["channel"] for a in body["attempts"]] == ["sms"]
    skipped = body["events"][-2]
    assert (skipped["kind"], skipped["reason"]) == ("skipped", "NO_VARIANT")
    assert (skipped["detail"]["channel"], skipped["detail"]["next_channel"]) == ("webhook", "sms")
    assert sent_to_twilio(twilio, str(reminder_id)) == ["Messages"]


async def test_a_channel_no_build_knows_fails_its_reminder_with_no_adapter_not_the_round(
    tenant: Tenant, db: Session, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    poison = rewrite(db, submit(tenant, customer=customer(ref="p")), channels=["pigeon"])
    good = submit(tenant, customer=customer(ref="good"), channels=["sms"])
    assert await make_dispatcher().run_once() == 2
    assert read(tenant, str(good))["status"] == "sent"
    db.rollback()  # the API cannot show a channel it does not know: read the rows
    assert db.get_one(Reminder, poison).status == "failed"
    [event] = timeline(db, poison)[-1:]
    assert (event.kind, event.reason) == ("failed", "NO_ADAPTER")


def test_a_render_over_its_budget_is_told_apart_from_other_render_errors() -> None:
    class RenderBudgetExceeded(Exception):
        """Named as the render budget's exception is; this module need not import it."""

    class TooSlow(RenderBudgetExceeded):
        pass

    assert render_reason(RenderBudgetExceeded("2 s")) == "RENDER_BUDGET"
    assert render_reason(TooSlow("2 s")) == "RENDER_BUDGET"
    assert render_reason(ZeroDivisionError("division by zero")) == "RENDER_ERROR"


def round_failures(db: Session, reminder_id: uuid.UUID) -> int:
    db.rollback()
    return db.get_one(Reminder, reminder_id).round_failures


async def test_a_reminder_that_makes_its_round_fail_is_struck_then_set_aside_at_the_limit(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    broken = policy_that_no_longer_parses(db, tenant, clock.now())
    poison = submit(tenant, customer=customer(ref="p"), channels=["sms"], policy=broken)
    good = [submit(tenant, customer=customer(ref=f"g-{i}"), channels=["sms"]) for i in range(3)]
    dispatcher = make_dispatcher(dispatch_max_round_failures=3, dispatch_backoff_seconds=30.0)

    assert await dispatcher.run_once() == 4
    assert all(read(tenant, str(i))["status"] == "sent" for i in good)
    waits = []
    for strikes in (1, 2):
        body = read(tenant, str(poison))
        event = body["events"][-1]
        assert (body["status"], event["kind"], event["reason"]) == (
            "deferred",
            "retry",
            "PREPARE_ERROR",
        )
        assert event["detail"]["round_failures"] == strikes == round_failures(db, poison)
        retry_at = datetime.fromisoformat(event["detail"]["next_attempt_at"])
        waits.append((retry_at - clock.now()).total_seconds())
        clock.set(retry_at)
        assert await dispatcher.run_once() == 1
    assert waits == [30, 60]
    body = read(tenant, str(poison))
    event = body["events"][-1]
    assert (body["status"], event["kind"], event["reason"]) == ("failed", "failed", "PREPARE_ERROR")
    assert "ValidationError" in event["detail"]["error"]
    assert body["attempts"] == []
    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0
    assert sent_to_twilio(twilio, str(poison)) == []


async def test_strikes_count_only_rounds_in_a_row_and_are_forgiven_once_it_goes_through(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    broken = policy_that_no_longer_parses(db, tenant, clock.now())
    poison = submit(tenant, channels=["sms"], policy=broken)
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    assert round_failures(db, poison) == 1
    fixed = tenant.client.put(
        "/v1/policies/broken", json={"windows": {"any": [{"start": "00:00", "end": "24:00"}]}}
    )
    assert fixed.status_code == 200, fixed.text
    clock.advance(timedelta(minutes=1))
    assert await dispatcher.run_once() == 1
    assert read(tenant, str(poison))["status"] == "sent"
    assert round_failures(db, poison) == 0


async def test_a_claim_that_expired_while_rendering_is_never_sent_by_its_first_worker(
    tenant: Tenant,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    slow, other = make_dispatcher(), make_dispatcher()
    slow.name, other.name = "slow", "other"
    with slow.sessions.begin() as session:
        batch = claim_batch(
            session,
            worker="slow",
            now=clock.now(),
            limit=10,
            lease=slow.lease,
            fallback=slow.fallback,
        )
    drafts = draft_batch(
        batch,
        budget=slow.budget,
        links=slow.links,
        manage=slow.manage,
        vault=slow.vault,
        registry=slow.registry,
    )
    clock.advance(slow.lease + timedelta(seconds=1))  # a render slower than the lease
    assert await other.run_once() == 1  # recovers the claim, takes it and sends it

    with slow.sessions.begin() as session:
        prepared = start_sends(
            session,
            items=batch.items,
            drafts=drafts,
            worker="slow",
            now=clock.now(),
            lease=slow.lease,
            due_again_at=clock.now(),
            fallback=slow.fallback,
            rng=slow.rng,
            link_lifetime=slow.manage.lifetime,
        )
    assert prepared.started == []
    assert sent_to_twilio(twilio, str(reminder_id)) == ["Messages"]
    [attempt] = read(tenant, str(reminder_id))["attempts"]
    assert attempt["status"] == "queued"


async def test_a_customer_changed_between_render_and_prepare_is_rendered_again_next_round(
    tenant: Tenant,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    dispatcher = make_dispatcher()
    with dispatcher.sessions.begin() as session:
        batch = claim_batch(
            session,
            worker="test",
            now=clock.now(),
            limit=10,
            lease=dispatcher.lease,
            fallback=dispatcher.fallback,
        )
    drafts = draft_batch(
        batch,
        budget=dispatcher.budget,
        links=dispatcher.links,
        manage=dispatcher.manage,
        vault=dispatcher.vault,
        registry=dispatcher.registry,
    )  # in Chinese, as the customer's locale says
    english = customer(locale="en-GB", jurisdiction="GB", timezone="Europe/London")
    assert submit(tenant, customer=english, loan_ref="another", send_at="2027-01-01T00:00:00Z")

    with dispatcher.sessions.begin() as session:
        prepared = start_sends(
            session,
            items=batch.items,
            drafts=drafts,
            worker="test",
            now=clock.now(),
            lease=dispatcher.lease,
            due_again_at=clock.now() + timedelta(seconds=2),
            fallback=dispatcher.fallback,
            rng=dispatcher.rng,
            link_lifetime=dispatcher.manage.lifetime,
        )
    assert prepared.started == []
    body = read(tenant, str(reminder_id))
    assert (body["status"], body["attempts"]) == ("scheduled", [])
    assert await dispatcher.run_once() == 0
    clock.advance(timedelta(seconds=2))
    assert await dispatcher.run_once() == 1
    assert read(tenant, str(reminder_id))["status"] == "sent"
    [request] = twilio.received
    assert request.form["To"] == "+8613812345678"
    assert "1,234.50" in request.form["Body"]
    assert "还款" not in request.form["Body"]


@pytest.mark.parametrize(
    "poison", [webhook_without_variant, template_dividing_by_zero], ids=["webhook", "zero"]
)
async def test_a_poison_reminder_of_one_tenant_never_holds_up_another_tenants_hundred(
    poison: Poison,
    new_tenant: Callable[[str], Tenant],
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    a, b = new_tenant("a"), new_tenant("b")
    poisoned = poison(db, a, clock.now())
    clock.advance(timedelta(seconds=1))  # the poison is the oldest due: first in the batch
    items = [
        {
            "customer": customer(ref=f"b-{i}"),
            "loan_ref": f"loan-{i}",
            "template": "pre-due",
            "channels": ["sms"],
            "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
        }
        for i in range(100)
    ]
    created = b.client.post("/v1/reminders/batch", json={"items": items})
    assert created.status_code == 202, created.text
    ids = created.json()["ids"]
    dispatcher = make_dispatcher(channel_rate_limits={"twilio_sms": 1000})

    rounds = 0
    while await dispatcher.run_once():
        rounds += 1
        assert rounds < 5, "the rounds should have emptied the queue"
    assert sorted(sent_to_twilio(twilio, i) for i in ids) == [["Messages"]] * 100
    assert len(twilio.received) == 100
    assert {read(b, i)["status"] for i in ids} == {"sent"}
    body = read(a, str(poisoned))
    assert body["status"] == "failed"
    assert body["events"][-1]["reason"] in ("NO_VARIANT", "RENDER_ERROR")
    assert body["events"][-1]["detail"]["error"]


def test_a_failing_batch_step_is_retried_one_by_one_and_only_the_bad_item_set_aside() -> None:
    ran: list[list[int]] = []
    set_aside: list[tuple[int, str]] = []

    def run(items: Sequence[int]) -> int:
        ran.append(list(items))
        if 2 in items:
            raise ValueError("bad item")
        return sum(items)

    results = isolated([1, 2, 3], run, alone=lambda item, e: set_aside.append((item, str(e))))
    assert (results, set_aside) == ([1, 3], [(2, "bad item")])
    assert ran == [[1, 2, 3], [1], [2], [3]]


def test_a_database_error_is_no_items_fault_and_fails_the_step() -> None:
    def run(items: Sequence[int]) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection lost"))

    with pytest.raises(OperationalError):
        isolated([1, 2], run, alone=lambda item, e: pytest.fail("no item is to blame"))
