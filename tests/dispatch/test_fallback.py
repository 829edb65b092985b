"""Falling back to the next channel when one is down, and why each channel was passed over:
the real SMTP client against a port nobody listens on (or aiosmtpd), the fake Twilio server."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.clock import FrozenClock
from app.dispatch.worker import Dispatcher
from bench.scratch import free_port
from tests.conftest import DispatcherFactory, Tenant, smtp_options
from tests.factories import customer
from tests.fakes.smtp_server import Inbox, smtp_server
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import read, sent_to_twilio, sms_only, submit

pytestmark = pytest.mark.anyio

SHANGHAI_22H = datetime.fromisoformat("2026-11-27T14:00:00+00:00")
"""When quiet hours begin for the test customer (Asia/Shanghai, `cn` preset)."""


def smtp(port: int) -> dict[str, Any]:
    return {"smtp": smtp_options(port)}


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


def smtp_down(make_dispatcher: DispatcherFactory, **overrides: Any) -> Dispatcher:
    """A dispatcher whose SMTP relay refuses connections: every email send is retryable."""
    return make_dispatcher(**smtp(free_port()) | overrides)


def opt_out(tenant: Tenant, channel: str) -> None:
    """The test customer asks not to be contacted on `channel`."""
    body = {"customer_ref": "cust-1", "channel": channel}
    assert tenant.client.post("/v1/opt-outs", json=body).status_code == 201


def events(tenant: Tenant, reminder_id: str) -> list[tuple[str, str | None]]:
    return [(e["kind"], e["reason"]) for e in read(tenant, reminder_id)["events"]]


def event(tenant: Tenant, reminder_id: str, kind: str) -> dict[str, Any]:
    [found] = [e for e in read(tenant, reminder_id)["events"] if e["kind"] == kind]
    return found


def channels_tried(tenant: Tenant, reminder_id: str) -> list[str]:
    return [a["channel"] for a in read(tenant, reminder_id)["attempts"]]


async def until_retry(dispatcher: Dispatcher, clock: FrozenClock, tenant: Tenant, id_: str) -> None:
    """One round, then the clock moved to just after the reminder is due again (attempts are
    listed by start time)."""
    await dispatcher.run_once()
    due = datetime.fromisoformat(read(tenant, id_)["next_attempt_at"])
    clock.set(due + timedelta(seconds=1))


@pytest.mark.parametrize("after", [1, 2, 3])
async def test_with_smtp_down_the_sms_goes_out_once_after_the_configured_email_failures(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    after: int,
) -> None:
    reminder_id = submit(tenant, channels=["email", "sms"])
    dispatcher = smtp_down(make_dispatcher, dispatch_fallback_after=after)
    for _ in range(after):
        assert twilio.received == []
        await until_retry(dispatcher, clock, tenant, reminder_id)
    await dispatcher.run_once()

    assert sent_to_twilio(twilio, reminder_id) == ["Messages"]
    body = read(tenant, reminder_id)
    assert body["status"] == "sent"
    assert channels_tried(tenant, reminder_id) == ["email"] * after + ["sms"]
    fallback = event(tenant, reminder_id, "fallback")
    assert fallback["reason"] == "RETRYABLE_ERROR"
    assert (fallback["detail"]["channel"], fallback["detail"]["next_channel"]) == ("email", "sms")
    assert fallback["detail"]["failures"] == after
    assert "nothing sent" in fallback["detail"]["error"]
    assert events(tenant, reminder_id)[-2:] == [("fallback", "RETRYABLE_ERROR"), ("sent", None)]

    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0
    assert len(twilio.received) == 1


async def test_when_the_fallback_channel_fails_too_the_reminder_ends_at_the_attempts_limit(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["email", "sms"])
    twilio.answer(*[Reply(status=503)] * 3)
    dispatcher = smtp_down(make_dispatcher, dispatch_max_attempts=4)
    for _ in range(3):
        await until_retry(dispatcher, clock, tenant, reminder_id)
    await dispatcher.run_once()
    body = read(tenant, reminder_id)
    assert (body["status"], body["events"][-1]["reason"]) == ("failed", "MAX_ATTEMPTS")
    assert channels_tried(tenant, reminder_id) == ["email", "email", "sms", "sms"]
    assert [kind for kind, _ in events(tenant, reminder_id)].count("fallback") == 1


async def test_an_open_smtp_circuit_sends_the_sms_at_once_without_trying_email(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    dispatcher = smtp_down(make_dispatcher, channel_breaker_failures=1)
    opener = submit(tenant, customer=customer(ref="mail-only"), channels=["email"])
    await dispatcher.run_once()  # SMTP refuses: the circuit opens
    assert read(tenant, opener)["status"] == "deferred"

    reminder_id = submit(tenant, channels=["email", "sms"])
    assert await dispatcher.run_once() == 1
    assert sent_to_twilio(twilio, reminder_id) == ["Messages"]
    assert channels_tried(tenant, reminder_id) == ["sms"]
    skipped = event(tenant, reminder_id, "skipped")
    assert skipped["reason"] == "CIRCUIT_OPEN"
    assert (skipped["detail"]["channel"], skipped["detail"]["next_channel"]) == ("email", "sms")
    assert events(tenant, reminder_id) == [
        ("accepted", None),
        ("skipped", "CIRCUIT_OPEN"),
        ("sent", None),
    ]


async def test_reminders_refused_by_a_circuit_opening_mid_round_go_out_by_sms_next_round(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    ids = [submit(tenant, customer=customer(ref=f"c-{i}"), channels=["email", "sms"]) for i in "ab"]
    dispatcher = smtp_down(make_dispatcher, channel_breaker_failures=1, dispatch_concurrency=1)
    await dispatcher.run_once()
    refused = [i for i in ids if read(tenant, i)["status"] == "scheduled"]
    assert len(refused) == 1  # the second email never left: the circuit had opened
    fallback = event(tenant, refused[0], "fallback")
    assert (fallback["reason"], fallback["detail"]["next_channel"]) == ("CIRCUIT_OPEN", "sms")

    clock.advance(timedelta(seconds=61))  # the circuit lets a trial through again
    await dispatcher.run_once()
    assert sent_to_twilio(twilio, refused[0]) == ["Messages"]  # its email was left for good
    [first] = [i for i in ids if i not in refused]
    assert channels_tried(tenant, first) == ["email", "email"]  # the trial, its second failure

    clock.advance(timedelta(seconds=1))
    await dispatcher.run_once()
    assert all(sent_to_twilio(twilio, i) == ["Messages"] for i in ids)
    assert all(read(tenant, i)["status"] == "sent" for i in ids)


async def test_a_fallback_channel_in_quiet_hours_is_deferred_not_sent(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["email", "sms"])
    dispatcher = smtp_down(make_dispatcher)
    await dispatcher.run_once()
    clock.set(SHANGHAI_22H - timedelta(minutes=1))
    await dispatcher.run_once()  # the second failure: over to SMS
    assert read(tenant, reminder_id)["status"] == "scheduled"

    clock.set(SHANGHAI_22H + timedelta(minutes=1))
    await dispatcher.run_once()
    body = read(tenant, reminder_id)
    assert (body["status"], body["events"][-1]["reason"]) == ("deferred", "QUIET_HOURS")
    assert twilio.received == []
    assert channels_tried(tenant, reminder_id) == ["email", "email"]

    clock.set(datetime.fromisoformat(body["next_attempt_at"]))  # 08:00 in Shanghai, spread
    await dispatcher.run_once()
    assert sent_to_twilio(twilio, reminder_id) == ["Messages"]
    assert [kind for kind, _ in events(tenant, reminder_id)] == [
        "accepted",
        "retry",
        "fallback",
        "deferred",
        "sent",
    ]


async def test_an_opted_out_channel_is_skipped_with_an_event_and_the_next_one_sends(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, inbox: Inbox
) -> None:
    reminder_id = submit(tenant, channels=["sms", "email"])
    opt_out(tenant, "sms")
    await make_dispatcher(**smtp(inbox.port)).run_once()

    assert twilio.received == []
    [mail] = inbox.received
    assert mail.rcpt_tos == ["wang.fang@example.com"]
    assert events(tenant, reminder_id) == [
        ("accepted", None),
        ("skipped", "OPTED_OUT"),
        ("sent", None),
    ]
    skipped = event(tenant, reminder_id, "skipped")
    assert (skipped["detail"]["channel"], skipped["detail"]["next_channel"]) == ("sms", "email")


async def test_an_opted_out_fallback_channel_sends_the_reminder_back_to_email_never_drops_it(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["email", "sms"])
    opt_out(tenant, "sms")
    port = free_port()
    dispatcher = make_dispatcher(**smtp(port), dispatch_fallback_after=1)
    await until_retry(dispatcher, clock, tenant, reminder_id)  # SMTP down: over to SMS
    with smtp_server(port=port) as relay:  # back up
        await dispatcher.run_once()
    assert twilio.received == []
    assert len(relay.received) == 1
    assert events(tenant, reminder_id) == [
        ("accepted", None),
        ("fallback", "RETRYABLE_ERROR"),
        ("skipped", "OPTED_OUT"),
        ("sent", None),
    ]
    skipped = event(tenant, reminder_id, "skipped")
    assert (skipped["detail"]["channel"], skipped["detail"]["next_channel"]) == ("sms", "email")


async def test_a_reminder_whose_every_channel_is_opted_out_names_each_on_its_timeline(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    reminder_id = submit(tenant, channels=["sms", "voice"])
    opt_out(tenant, "sms")
    opt_out(tenant, "voice")
    await make_dispatcher().run_once()
    assert twilio.received == []
    body = read(tenant, reminder_id)
    assert body["status"] == "suppressed"
    skipped = [e for e in body["events"] if e["kind"] == "skipped"]
    assert [(e["detail"]["channel"], e["reason"]) for e in skipped] == [
        ("sms", "OPTED_OUT"),
        ("voice", "OPTED_OUT"),
    ]
    assert all("next_channel" not in e["detail"] for e in skipped)


async def test_an_unknown_sms_outcome_never_falls_back_to_email(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    inbox: Inbox,
) -> None:
    reminder_id = submit(tenant, channels=["sms", "email"])
    twilio.answer(Reply(hang=True))  # the SMS request left; no answer came
    dispatcher = make_dispatcher(**smtp(inbox.port), dispatch_fallback_after=1)
    await dispatcher.run_once()
    twilio.script.released.set()
    assert read(tenant, reminder_id)["status"] == "unknown"

    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0
    assert inbox.received == []
    assert channels_tried(tenant, reminder_id) == ["sms"]
    assert "fallback" not in [kind for kind, _ in events(tenant, reminder_id)]


async def test_a_channel_the_policy_refuses_now_is_skipped_for_one_it_allows_with_the_reason(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, inbox: Inbox
) -> None:
    mornings_only = {
        "windows": {
            "any": [{"start": "08:00", "end": "22:00"}],
            "sms": [{"start": "08:00", "end": "09:00"}],
        }
    }
    assert tenant.client.put("/v1/policies/sms-mornings", json=mornings_only).status_code == 200
    reminder_id = submit(tenant, channels=["sms", "email"], policy="sms-mornings")
    await make_dispatcher(**smtp(inbox.port)).run_once()  # 17:30 in Shanghai

    assert twilio.received == []
    assert len(inbox.received) == 1
    skipped = event(tenant, reminder_id, "skipped")
    assert (skipped["reason"], skipped["detail"]["channel"]) == ("QUIET_HOURS", "sms")


async def test_a_channel_no_provider_serves_here_is_skipped_with_no_adapter(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    reminder_id = submit(tenant, channels=["email", "sms"])
    await sms_only(make_dispatcher()).run_once()
    assert sent_to_twilio(twilio, reminder_id) == ["Messages"]
    assert events(tenant, reminder_id) == [
        ("accepted", None),
        ("skipped", "NO_ADAPTER"),
        ("sent", None),
    ]
