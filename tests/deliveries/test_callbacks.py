"""Twilio status callbacks move delivery attempts and reminders forward, and only forward."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.pending_callbacks import PendingCallback
from app.models.reminders import ReminderEvent
from tests.conftest import DispatcherFactory, Server, Tenant, count
from tests.deliveries.conftest import Log
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import kinds, read, submit
from tests.helpers.twilio import STATUS_PATH, message_status, post_signed, signature

pytestmark = pytest.mark.anyio


async def sent_sms(tenant: Tenant, make_dispatcher: DispatcherFactory) -> tuple[str, str]:
    """A reminder the dispatcher sent by SMS, and Twilio's id for the message."""
    reminder_id = submit(tenant, channels=["sms"])
    await make_dispatcher().run_once()
    [attempt] = read(tenant, reminder_id)["attempts"]
    return reminder_id, attempt["provider_message_id"]


async def test_a_delivered_callback_marks_the_attempt_and_the_reminder_delivered(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    response = message_status(anonymous, reminder_id, sid, "delivered")
    assert response.status_code == 200, response.text
    body = read(tenant, reminder_id)
    assert body["status"] == "delivered"
    [attempt] = body["attempts"]
    assert (attempt["status"], attempt["provider_status"]) == ("delivered", "delivered")
    assert kinds(body) == ["accepted", "sent", "delivered"]
    assert body["events"][-1]["detail"]["provider_message_id"] == sid


async def test_an_undelivered_message_fails_the_reminder_with_twilios_error_code(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    message_status(anonymous, reminder_id, sid, "sent")
    message_status(anonymous, reminder_id, sid, "undelivered", ErrorCode="30003")
    body = read(tenant, reminder_id)
    assert body["status"] == "failed"
    [attempt] = body["attempts"]
    assert (attempt["status"], attempt["provider_status"], attempt["error_code"]) == (
        "undelivered",
        "undelivered",
        "30003",
    )
    assert kinds(body) == ["accepted", "sent", "sent", "undelivered"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"X-Twilio-Signature": ""}, id="empty"),
        pytest.param({"X-Twilio-Signature": "Zm9yZ2Vk"}, id="forged"),
        pytest.param("wrong-token", id="signed-with-another-token"),
        pytest.param("host-url", id="signed-for-the-host-not-the-public-url"),
        pytest.param("tampered", id="form-changed-after-signing"),
    ],
)
async def test_a_callback_without_twilios_signature_is_refused_and_changes_nothing(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    server: Server,
    db: Session,
    headers: dict[str, str] | str,
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    path = f"{STATUS_PATH}?reference={reminder_id}"
    form = {"MessageSid": sid, "MessageStatus": "delivered"}
    if headers == "wrong-token":
        headers = {"X-Twilio-Signature": signature(path, form, token="not-the-token")}
    elif headers == "host-url":
        headers = {"X-Twilio-Signature": signature(path, form, base=server.url)}
    elif headers == "tampered":
        headers = {"X-Twilio-Signature": signature(path, form | {"MessageStatus": "sent"})}
    assert isinstance(headers, dict)
    events = count(db, ReminderEvent)

    response = anonymous.post(path, data=form, headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/bad-signature"
    body = read(tenant, reminder_id)
    assert (body["status"], body["attempts"][0]["status"]) == ("sent", "queued")
    assert count(db, ReminderEvent) == events


async def test_a_late_sent_never_overwrites_delivered(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    message_status(anonymous, reminder_id, sid, "delivered")
    late = message_status(anonymous, reminder_id, sid, "sent")
    assert late.status_code == 200
    body = read(tenant, reminder_id)
    assert body["status"] == "delivered"
    assert (body["attempts"][0]["status"], body["attempts"][0]["provider_status"]) == (
        "delivered",
        "delivered",
    )
    assert kinds(body) == ["accepted", "sent", "delivered"]


async def test_a_repeated_callback_changes_nothing(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    for _ in range(3):
        assert message_status(anonymous, reminder_id, sid, "delivered").status_code == 200
    assert kinds(read(tenant, reminder_id)) == ["accepted", "sent", "delivered"]


async def test_the_first_final_word_wins(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    message_status(anonymous, reminder_id, sid, "delivered")
    message_status(anonymous, reminder_id, sid, "failed", ErrorCode="30008")
    body = read(tenant, reminder_id)
    assert (body["status"], body["attempts"][0]["error_code"]) == ("delivered", None)


async def test_a_callback_for_an_unknown_message_is_acknowledged_and_changes_nothing(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    db: Session,
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    events = count(db, ReminderEvent)
    unknown = message_status(anonymous, reminder_id, "SM" + "0" * 32, "delivered")
    other_reminder = message_status(
        anonymous, "0" * 8 + "-0000-0000-0000-" + "0" * 12, sid, "delivered"
    )
    assert (unknown.status_code, other_reminder.status_code) == (200, 200)
    assert read(tenant, reminder_id)["status"] == "sent"
    assert count(db, ReminderEvent) == events
    assert count(db, PendingCallback) == 0  # nothing of that reminder awaits an id


async def test_a_queued_callback_never_changes_an_attempt_twilio_answered_with_a_new_word(
    tenant: Tenant, log_for: Any, anonymous: httpx.Client, db: Session
) -> None:
    """The create answer's word was unmapped, so the attempt is `unknown`, below `queued`; a
    `queued` callback says nothing more (and has no timeline event to write)."""
    log: Log = log_for(tenant.id)
    customer_id = log.customer()
    reminder_id = log.reminder(customer_id)
    sid = "SM" + "1" * 32
    log.attempts(
        reminder_id,
        customer_id,
        status="unknown",
        provider_status="receiving",
        provider_message_id=sid,
    )
    events = count(db, ReminderEvent)
    response = message_status(anonymous, str(reminder_id), sid, "queued")
    assert response.status_code == 200, response.text
    [attempt] = read(tenant, str(reminder_id))["attempts"]
    assert (attempt["status"], attempt["provider_status"]) == ("unknown", "receiving")
    assert count(db, ReminderEvent) == events


async def test_a_signed_callback_without_a_status_is_a_validation_error(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id, sid = await sent_sms(tenant, make_dispatcher)
    response = post_signed(anonymous, STATUS_PATH, {"MessageSid": sid})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "MessageStatus", "detail": "required"}]
    assert read(tenant, reminder_id)["status"] == "sent"


US_CUSTOMER = customer(
    phone="+12015550123", locale="en-US", timezone="America/New_York", jurisdiction="US"
)


async def test_an_answered_call_makes_the_next_call_wait_after_the_conversation(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    clock: FrozenClock,
) -> None:
    clock.advance(timedelta(hours=6))  # 10:30 in New York
    reminder_id = submit(tenant, customer=US_CUSTOMER, channels=["voice"])
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    [attempt] = read(tenant, reminder_id)["attempts"]
    evaluate = {"customer_ref": US_CUSTOMER["ref"], "channel": "voice"}
    before = tenant.client.post("/v1/policy/evaluate", json=evaluate).json()
    assert (before["policy"], before["reason"]) == ("us-regf", None)

    form = {"CallSid": attempt["provider_message_id"], "CallStatus": "completed"}
    for status in ("ringing", "in-progress", "completed"):
        post_signed(
            anonymous, f"{STATUS_PATH}?reference={reminder_id}", form | {"CallStatus": status}
        )
    body = read(tenant, reminder_id)
    assert body["status"] == "delivered"
    assert (body["attempts"][0]["status"], body["attempts"][0]["provider_status"]) == (
        "answered",
        "in-progress",
    )
    assert kinds(body) == ["accepted", "sent", "sent", "answered"]

    clock.advance(timedelta(hours=1))
    after = tenant.client.post("/v1/policy/evaluate", json=evaluate).json()
    assert (after["allowed"], after["reason"]) == (False, "RECENT_CONVERSATION")
    next_call = submit(tenant, customer=US_CUSTOMER, loan_ref="loan-2", channels=["voice"])
    await dispatcher.run_once()
    waiting = read(tenant, next_call)
    assert (waiting["status"], waiting["events"][-1]["reason"]) == (
        "deferred",
        "RECENT_CONVERSATION",
    )


@pytest.mark.parametrize(
    ("call_status", "attempt_status"),
    [("no-answer", "no_answer"), ("busy", "busy"), ("failed", "failed")],
)
async def test_a_call_nobody_answered_fails_the_reminder(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    call_status: str,
    attempt_status: str,
) -> None:
    reminder_id = submit(tenant, channels=["voice"])
    await make_dispatcher().run_once()
    [attempt] = read(tenant, reminder_id)["attempts"]
    form = {"CallSid": attempt["provider_message_id"], "CallStatus": call_status}
    post_signed(anonymous, f"{STATUS_PATH}?reference={reminder_id}", form)
    body = read(tenant, reminder_id)
    assert (body["status"], body["attempts"][0]["status"]) == ("failed", attempt_status)
