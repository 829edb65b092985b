"""Callbacks that come before the dispatcher has recorded their message are kept, then applied
when it does, through the same ranks; those never matched expire, and the table stays bounded.

Twilio's answer is held back by the fake (a scripted hang) so each callback is posted while the
attempt is committed as `sending` and Twilio's id is not yet recorded: the window in which it
used to be lost."""

import asyncio
import random
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.db import create_session_factory
from app.deliveries import callbacks, retention
from app.deliveries.pending_models import PendingCallback
from app.reminders.states import ReminderStatus
from channels.twilio.routes import parse_report
from tests.conftest import DispatcherFactory, Server, Tenant, count
from tests.deliveries.conftest import Log
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import kinds, read, submit
from tests.helpers.prometheus import sample
from tests.helpers.twilio import message_status

pytestmark = pytest.mark.anyio

SID = "SM" + "a" * 32
TTL = timedelta(hours=1)
"""NUDGE_PENDING_CALLBACK_TTL_SECONDS's default, which the test server runs with."""


@asynccontextmanager
async def in_flight(
    make_dispatcher: DispatcherFactory, twilio: FakeTwilio, sids: list[str]
) -> AsyncIterator[None]:
    """A dispatch round whose provider calls hang until the block ends: its attempts are
    committed as `sending` and the ids Twilio will answer with (`sids`, in the order the calls
    arrive) are not recorded yet. The read timeout outlasts the block, so the calls succeed."""
    twilio.answer(*(Reply(hang=True, sid=sid) for sid in sids))
    dispatcher = make_dispatcher(channel_read_timeout_seconds=30)
    round_ = asyncio.create_task(dispatcher.run_once())
    try:
        for _ in sids:
            assert await asyncio.to_thread(twilio.script.hung.acquire, True, 10)
        yield
    finally:
        twilio.script.released.set()
        await round_


def reminder_of_each_call(twilio: FakeTwilio) -> list[str]:
    """The reminder each provider call was for, in the order the calls arrived."""
    return [r.form["StatusCallback"].rsplit("reference=", 1)[1] for r in twilio.received]


def metric(anonymous: httpx.Client, name: str) -> float:
    return sample(anonymous.get("/metrics").text, name)


def intact(tenant: Tenant) -> bool:
    verified: dict[str, Any] = tenant.client.get("/v1/audit/verify").json()
    return bool(verified["intact"])


async def test_a_delivered_callback_before_the_id_is_recorded_delivers_the_reminder(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    db: Session,
) -> None:
    kept, matched = (metric(anonymous, f"nudge_callbacks_{n}_total") for n in ("kept", "matched"))
    reminder_id = submit(tenant, channels=["sms"])
    async with in_flight(make_dispatcher, twilio, [SID]):
        response = message_status(anonymous, reminder_id, SID, "delivered")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        assert "<Response />" in response.text
        assert read(tenant, reminder_id)["status"] == "dispatching"
        assert count(db, PendingCallback) == 1

    body = read(tenant, reminder_id)
    assert body["status"] == "delivered"
    [attempt] = body["attempts"]
    assert (attempt["status"], attempt["provider_status"], attempt["provider_message_id"]) == (
        "delivered",
        "delivered",
        SID,
    )
    assert kinds(body) == ["accepted", "sent", "delivered"]
    assert body["events"][-1]["detail"]["provider_message_id"] == SID
    assert body["events"][-1]["detail"]["reminder_status"] == "delivered"
    assert count(db, PendingCallback) == 0
    assert intact(tenant)
    assert metric(anonymous, "nudge_callbacks_kept_total") - kept == 1
    assert metric(anonymous, "nudge_callbacks_matched_total") - matched == 1


@pytest.mark.parametrize(
    ("order", "timeline"),
    [
        (["sent", "delivered"], ["accepted", "sent", "sent", "delivered"]),
        (["delivered", "sent"], ["accepted", "sent", "delivered"]),
    ],
)
async def test_an_early_sent_and_delivered_end_delivered_in_either_order(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    order: list[str],
    timeline: list[str],
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    async with in_flight(make_dispatcher, twilio, [SID]):
        for status in order:
            assert message_status(anonymous, reminder_id, SID, status).status_code == 200
    body = read(tenant, reminder_id)
    assert (body["status"], body["attempts"][0]["status"]) == ("delivered", "delivered")
    assert kinds(body) == timeline
    assert intact(tenant)


async def test_a_duplicate_early_callback_applies_once(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    db: Session,
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    async with in_flight(make_dispatcher, twilio, [SID]):
        for _ in range(3):
            message_status(anonymous, reminder_id, SID, "delivered")
    body = read(tenant, reminder_id)
    assert kinds(body) == ["accepted", "sent", "delivered"]
    assert count(db, PendingCallback) == 0
    # ... and a late copy of it, once the id is known, changes nothing either.
    message_status(anonymous, reminder_id, SID, "delivered")
    assert kinds(read(tenant, reminder_id)) == ["accepted", "sent", "delivered"]


async def test_an_early_final_word_wins_over_a_later_one(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    async with in_flight(make_dispatcher, twilio, [SID]):
        message_status(anonymous, reminder_id, SID, "undelivered", ErrorCode="30003")
    message_status(anonymous, reminder_id, SID, "delivered")
    body = read(tenant, reminder_id)
    assert body["status"] == "failed"
    assert (body["attempts"][0]["status"], body["attempts"][0]["error_code"]) == (
        "undelivered",
        "30003",
    )
    assert kinds(body) == ["accepted", "sent", "undelivered"]


async def test_an_early_callback_never_matched_expires_after_the_ttl_and_is_counted(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    db: Session,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    expired = metric(anonymous, "nudge_callbacks_expired_total")
    reminder_id = submit(tenant, channels=["sms"])
    stray = "SM" + "f" * 32  # Twilio answers with SID: this message is never recorded
    async with in_flight(make_dispatcher, twilio, [SID]):
        message_status(anonymous, reminder_id, stray, "delivered")
    assert read(tenant, reminder_id)["status"] == "sent"
    assert count(db, PendingCallback) == 1
    sessions = create_session_factory(db.get_bind())  # type: ignore[arg-type]

    clock.advance(TTL)  # days=0 keeps personal data forever, but not unmatched callbacks
    kept = retention.run(sessions, now=clock.now(), days=0, pending_ttl=TTL)
    assert (kept.callbacks, count(db, PendingCallback)) == (0, 1)

    clock.advance(timedelta(seconds=1))
    done = retention.run(sessions, now=clock.now(), days=0, pending_ttl=TTL)
    assert (done.callbacks, count(db, PendingCallback)) == (1, 0)
    assert metric(anonymous, "nudge_callbacks_expired_total") - expired == 1
    assert "1 status callbacks expired" in caplog.text
    assert read(tenant, reminder_id)["status"] == "sent"
    assert intact(tenant)


async def test_early_callbacks_naming_another_reminder_are_never_applied(
    new_tenant: Any,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    db: Session,
) -> None:
    """The callback carries no tenant; the reference must be the attempt's own reminder, so a
    report about one tenant's message never moves another tenant's reminder."""
    acme, other = new_tenant("acme"), new_tenant("other")
    mine, theirs = submit(acme, channels=["sms"]), submit(other, channels=["sms"])
    sids = ["SM" + "1" * 32, "SM" + "2" * 32]
    async with in_flight(make_dispatcher, twilio, sids):
        sid_of = dict(zip(reminder_of_each_call(twilio), sids, strict=True))
        message_status(anonymous, theirs, sid_of[mine], "delivered")  # crossed
        message_status(anonymous, mine, sid_of[theirs], "failed", ErrorCode="30008")  # crossed
        message_status(anonymous, mine, sid_of[mine], "sent")
        assert count(db, PendingCallback) == 3
    assert count(db, PendingCallback) == 0
    acme_body, other_body = read(acme, mine), read(other, theirs)
    assert (acme_body["status"], kinds(acme_body)) == ("sent", ["accepted", "sent", "sent"])
    assert (other_body["status"], kinds(other_body)) == ("sent", ["accepted", "sent"])
    assert other_body["attempts"][0]["status"] == "queued"
    assert intact(acme)
    assert intact(other)


async def test_a_burst_of_200_early_callbacks_applies_each_final_word_once(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    server: Server,
    db: Session,
) -> None:
    """Ten messages in flight (the adapter's concurrency), twenty callbacks each: every status
    five times, shuffled, posted concurrently."""
    reminders = [
        submit(
            tenant,
            customer=customer(ref=f"cust-{n}", phone=f"+86138000000{n:02d}"),
            channels=["sms"],
        )
        for n in range(10)
    ]
    sids = [f"SM{n:032d}" for n in range(10)]
    rng = random.Random(9)
    async with in_flight(make_dispatcher, twilio, sids):
        sid_of = dict(zip(reminder_of_each_call(twilio), sids, strict=True))
        posts = [
            (reminder_id, status)
            for reminder_id in reminders
            for status in ["queued", "sending", "sent", "delivered"] * 5
        ]
        rng.shuffle(posts)

        def post(share: list[tuple[str, str]]) -> list[int]:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                return [
                    message_status(client, reminder_id, sid_of[reminder_id], status).status_code
                    for reminder_id, status in share
                ]

        def burst(threads: int = 4) -> list[int]:
            with ThreadPoolExecutor(threads) as pool:
                shares = pool.map(post, [posts[n::threads] for n in range(threads)])
                return [answer for share in shares for answer in share]

        answers = await asyncio.to_thread(burst)
        assert answers == [200] * 200
        assert count(db, PendingCallback) == 150  # `queued` never applies, so is never kept

    assert count(db, PendingCallback) == 0
    for reminder_id in reminders:
        body = read(tenant, reminder_id)
        assert (body["status"], body["attempts"][0]["status"]) == ("delivered", "delivered")
        assert kinds(body) in (
            ["accepted", "sent", "sent", "delivered"],  # a `sending` or `sent` came first
            ["accepted", "sent", "delivered"],  # `delivered` came first
        )
    assert intact(tenant)


def in_flight_attempt(log: Log) -> str:
    """A reminder whose attempt is committed as `sending`, with no provider id yet."""
    customer_id = log.customer("cust-in-flight")
    reminder_id = log.reminder(customer_id, status=ReminderStatus.DISPATCHING)
    log.attempts(reminder_id, customer_id, status="sending", provider_message_id=None)
    return str(reminder_id)


def keep(db: Session, clock: FrozenClock, reminder_id: str, sid: str, *, limit: int) -> None:
    report = parse_report({"MessageSid": sid, "MessageStatus": "delivered"}, reminder_id)
    callbacks.receive(db, report=report, now=clock.now(), ttl=TTL, limit=limit)
    db.commit()


def pending_ids(db: Session) -> list[str]:
    db.rollback()
    return list(
        db.scalars(
            sa.select(PendingCallback.provider_message_id).order_by(PendingCallback.id)
        ).all()
    )


def test_beyond_the_limit_the_oldest_pending_callbacks_are_dropped_and_counted(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock, anonymous: httpx.Client
) -> None:
    dropped = metric(anonymous, "nudge_callbacks_dropped_total")
    reminder_id = in_flight_attempt(log_for(tenant.id))
    for n in range(5):
        keep(db, clock, reminder_id, f"SM{n:032d}", limit=3)
    assert pending_ids(db) == [f"SM{n:032d}" for n in (2, 3, 4)]
    assert metric(anonymous, "nudge_callbacks_dropped_total") - dropped == 2


def test_keeping_a_callback_deletes_those_past_their_ttl(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock, anonymous: httpx.Client
) -> None:
    expired = metric(anonymous, "nudge_callbacks_expired_total")
    reminder_id = in_flight_attempt(log_for(tenant.id))
    keep(db, clock, reminder_id, "SM" + "0" * 32, limit=10)
    clock.advance(TTL + timedelta(seconds=1))
    keep(db, clock, reminder_id, "SM" + "1" * 32, limit=10)
    assert pending_ids(db) == ["SM" + "1" * 32]
    assert metric(anonymous, "nudge_callbacks_expired_total") - expired == 1


def test_a_callback_is_kept_only_while_its_reminder_awaits_a_provider_id(
    tenant: Tenant, log_for: Any, db: Session, clock: FrozenClock
) -> None:
    """Nothing in flight for the reminder the URL names, no such reminder, a reference Nudge
    never writes, or a word that never applies: logged and dropped, not kept."""
    log: Log = log_for(tenant.id)
    customer_id = log.customer()
    sent = log.reminder(customer_id)
    log.attempts(sent, customer_id, status="queued")
    awaiting = in_flight_attempt(log)
    for reference, status in [
        (str(sent), "delivered"),
        ("00000000-0000-0000-0000-000000000000", "delivered"),
        (awaiting.upper(), "delivered"),
        (None, "delivered"),
        (awaiting, "queued"),
        (awaiting, "receiving"),
    ]:
        form = {"MessageSid": "SM" + "9" * 32, "MessageStatus": status}
        report = parse_report(form, reference)
        callbacks.receive(db, report=report, now=clock.now(), ttl=TTL, limit=10)
        db.commit()
    assert pending_ids(db) == []
