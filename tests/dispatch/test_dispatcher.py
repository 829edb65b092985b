"""Dispatch rounds end to end: policy, template, the real twilio library, the records."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.optouts import OptOut
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import read, sent_to_twilio, sms_only, submit

pytestmark = pytest.mark.anyio


async def test_a_due_reminder_is_sent_once_with_its_rendered_text_recorded(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    dispatcher = make_dispatcher()
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert sent_to_twilio(twilio, reminder_id) == ["Messages"]
    [request] = twilio.received
    assert request.form["To"] == "+8613812345678"
    assert "1,234.50" in request.form["Body"]

    body = read(tenant, reminder_id)
    assert body["status"] == "sent"
    [attempt] = body["attempts"]
    assert (attempt["channel"], attempt["provider"], attempt["status"]) == (
        "sms",
        "twilio_sms",
        "queued",
    )
    assert attempt["provider_message_id"].startswith("SM")
    assert attempt["latency_ms"] is not None
    assert [e["kind"] for e in body["events"]] == ["accepted", "sent"]


async def test_the_attempt_records_the_exact_words_the_customer_received(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    await make_dispatcher().run_once()
    [attempt] = read(tenant, reminder_id)["attempts"]
    assert attempt["body"] == twilio.received[0].form["Body"]


async def test_a_reminder_not_yet_due_is_left_alone(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    later = (clock.now() + timedelta(hours=1)).isoformat()
    reminder_id = submit(tenant, send_at=later)
    assert await make_dispatcher().run_once() == 0
    assert read(tenant, reminder_id)["status"] == "scheduled"
    assert twilio.received == []


async def test_quiet_hours_defer_the_reminder_without_contacting_anyone(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    clock.advance(timedelta(hours=5))  # 22:30 in Shanghai
    reminder_id = submit(tenant)
    assert await make_dispatcher().run_once() == 1
    body = read(tenant, reminder_id)
    assert body["status"] == "deferred"
    assert body["events"][-1]["reason"] == "QUIET_HOURS"
    assert twilio.received == []


async def test_a_permanent_sms_error_falls_back_to_voice(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["sms", "voice"])
    twilio.answer(Reply(status=400, code=21614, message="'To' number is not a valid mobile"))
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    after_sms = read(tenant, reminder_id)
    assert after_sms["status"] == "scheduled"
    fallback = after_sms["events"][-1]
    assert (fallback["kind"], fallback["detail"]["error_code"]) == ("fallback", "21614")
    assert (fallback["detail"]["channel"], fallback["detail"]["next_channel"]) == ("sms", "voice")
    clock.advance(timedelta(seconds=1))
    await dispatcher.run_once()
    assert sent_to_twilio(twilio, reminder_id) == ["Messages", "Calls"]
    body = read(tenant, reminder_id)
    assert body["status"] == "sent"
    assert [a["channel"] for a in body["attempts"]] == ["sms", "voice"]


async def test_a_permanent_error_on_the_last_channel_fails_with_the_providers_code(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    twilio.answer(Reply(status=400, code=21211, message="Invalid 'To' Phone Number"))
    await make_dispatcher().run_once()
    body = read(tenant, reminder_id)
    assert body["status"] == "failed"
    assert body["attempts"][0]["error_code"] == "21211"
    assert "Invalid" in body["attempts"][0]["error_message"]


async def test_twilio_21610_opts_the_number_out_so_the_next_reminder_is_suppressed(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, db: Session
) -> None:
    first = submit(tenant, channels=["sms"])
    twilio.answer(Reply(status=400, code=21610, message="Attempt to send to unsubscribed"))
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    assert read(tenant, first)["status"] == "failed"
    db.rollback()
    [opt_out] = db.scalars(sa.select(OptOut)).all()
    assert (opt_out.phone, opt_out.channel, opt_out.source) == (
        "+8613812345678",
        "sms",
        "provider_error",
    )

    second = submit(tenant, customer=customer(ref="same-phone"), channels=["sms"])
    await dispatcher.run_once()
    assert (read(tenant, second)["status"], read(tenant, second)["events"][-1]["reason"]) == (
        "suppressed",
        "OPTED_OUT",
    )
    assert len(twilio.received) == 1


async def test_429_waits_at_least_retry_after_then_sends(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    twilio.answer(Reply(status=429, retry_after="120"))
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    body = read(tenant, reminder_id)
    assert body["status"] == "deferred"
    assert body["events"][-1]["kind"] == "retry"
    assert body["next_attempt_at"] >= (clock.now() + timedelta(seconds=120)).isoformat()[:19]

    clock.advance(timedelta(seconds=119))
    assert await dispatcher.run_once() == 0
    clock.advance(timedelta(seconds=2))
    assert await dispatcher.run_once() == 1
    assert read(tenant, reminder_id)["status"] == "sent"
    assert sent_to_twilio(twilio, reminder_id) == ["Messages", "Messages"]


async def test_5xx_backs_off_exponentially_then_fails_after_max_attempts(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    twilio.answer(*[Reply(status=500)] * 3)
    dispatcher = make_dispatcher(dispatch_max_attempts=3, dispatch_backoff_seconds=30.0)
    delays = []
    for _ in range(2):
        await dispatcher.run_once()
        body = read(tenant, reminder_id)
        assert body["status"] == "deferred"
        retry_at = datetime.fromisoformat(body["events"][-1]["detail"]["next_attempt_at"])
        delays.append((retry_at - clock.now()).total_seconds())
        clock.set(retry_at)
    assert 15 <= delays[0] <= 30  # half the 30 s backoff fixed, half random
    assert 30 <= delays[1] <= 60  # doubled
    await dispatcher.run_once()
    body = read(tenant, reminder_id)
    assert (body["status"], body["events"][-1]["reason"]) == ("failed", "MAX_ATTEMPTS")
    assert len(body["attempts"]) == 3


async def test_a_reminder_expiring_while_retrying_becomes_expired(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    expires = (clock.now() + timedelta(seconds=10)).isoformat()
    reminder_id = submit(tenant, channels=["sms"], expires_at=expires)
    twilio.answer(Reply(status=503))
    await make_dispatcher().run_once()
    body = read(tenant, reminder_id)
    assert (body["status"], body["events"][-1]["reason"]) == ("expired", "EXPIRED")


async def test_a_hung_provider_leaves_the_reminder_unknown_and_it_is_never_resent(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    twilio.answer(Reply(hang=True))
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    twilio.script.released.set()
    body = read(tenant, reminder_id)
    assert body["status"] == "unknown"
    assert body["attempts"][0]["status"] == "unknown"

    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0
    assert sent_to_twilio(twilio, reminder_id) == ["Messages"]

    resolved = tenant.client.post(f"/v1/reminders/{reminder_id}/resolve", json={"outcome": "retry"})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "scheduled"
    assert await dispatcher.run_once() == 1
    assert read(tenant, reminder_id)["status"] == "sent"


async def test_resolving_only_applies_to_unknown_reminders(tenant: Tenant) -> None:
    reminder_id = submit(tenant)
    response = tenant.client.post(f"/v1/reminders/{reminder_id}/resolve", json={"outcome": "sent"})
    assert response.status_code == 409


async def test_an_open_circuit_holds_reminders_back_without_calling_the_provider(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    ids = [submit(tenant, customer=customer(ref=f"c-{i}"), channels=["sms"]) for i in range(3)]
    twilio.answer(Reply(status=500), Reply(status=500))
    dispatcher = make_dispatcher(
        channel_breaker_failures=2, channel_breaker_open_seconds=600, dispatch_concurrency=1
    )
    await dispatcher.run_once()
    assert len(twilio.received) == 2  # the third never reached Twilio: the circuit was open
    assert all(read(tenant, i)["status"] == "deferred" for i in ids)

    clock.advance(timedelta(minutes=11))
    await dispatcher.run_once()
    assert all(read(tenant, i)["status"] == "sent" for i in ids)
    assert len(twilio.received) == 5


async def test_reminders_of_a_cancelled_loan_are_never_sent(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    submit(tenant, loan_ref="repaid")
    tenant.client.post("/v1/loans/repaid/cancel-reminders")
    assert await make_dispatcher().run_once() == 0
    assert twilio.received == []


async def test_a_reminder_no_configured_provider_can_send_fails_without_holding_up_the_rest(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    stranded = submit(tenant, customer=customer(ref="mail-only"), channels=["email"])
    normal = submit(tenant, channels=["sms"])
    assert await sms_only(make_dispatcher()).run_once() == 2
    body = read(tenant, stranded)
    assert (body["status"], body["events"][-1]["reason"]) == ("failed", "NO_ADAPTER")
    assert read(tenant, normal)["status"] == "sent"
