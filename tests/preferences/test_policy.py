"""The contact policy obeys the borrower: a channel turned off is refused like an opt-out
(`BORROWER_RESTRICTED`), preferred channels go first, an inconvenient time defers the reminder
to its end in the customer's zone, and the chosen language writes the next message. Each
through the dispatcher's real round."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, submit
from tests.helpers.borrower import state

pytestmark = pytest.mark.anyio

NEW_YORKER = customer(
    ref="cust-ny", phone="+12125550123", timezone="America/New_York", jurisdiction="US"
)


def restrict(
    db: Session,
    tenant: Tenant,
    clock: FrozenClock,
    person: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """The borrower, known to Nudge from an earlier reminder (due tomorrow), saves the form on
    their page."""
    person = person or customer()
    tomorrow = (clock.now() + timedelta(days=1)).isoformat()
    submit(tenant, customer=person, channels=["sms"], send_at=tomorrow, loan_ref="loan-1")
    state(db, tenant, clock, ref=person["ref"], **fields)


def timeline(tenant: Tenant, reminder_id: str) -> list[tuple[str, str | None]]:
    return [(e["kind"], e["reason"]) for e in read(tenant, reminder_id)["events"]]


async def test_voice_turned_off_falls_back_to_sms_and_says_why(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    restrict(db, tenant, clock, channels_off=["voice"])
    reminder_id = submit(tenant, customer=customer(), channels=["voice", "sms"], loan_ref="loan-2")
    assert await make_dispatcher().run_once() == 1
    assert [r.resource for r in twilio.received] == ["Messages"]
    assert timeline(tenant, reminder_id) == [
        ("accepted", None),
        ("skipped", "BORROWER_RESTRICTED"),
        ("sent", None),
    ]


async def test_voice_turned_off_suppresses_a_voice_only_reminder(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    restrict(db, tenant, clock, channels_off=["voice"])
    reminder_id = submit(tenant, customer=customer(), channels=["voice"], loan_ref="loan-2")
    assert await make_dispatcher().run_once() == 1
    assert twilio.received == []
    body = read(tenant, reminder_id)
    assert (body["status"], body["events"][-1]["reason"]) == ("suppressed", "BORROWER_RESTRICTED")


async def test_a_preferred_channel_is_tried_before_the_reminders_own_first(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    restrict(db, tenant, clock, preferred=["sms"])
    reminder_id = submit(tenant, customer=customer(), channels=["voice", "sms"], loan_ref="loan-2")
    assert await make_dispatcher().run_once() == 1
    assert [r.resource for r in twilio.received] == ["Messages"]
    assert [a["channel"] for a in read(tenant, reminder_id)["attempts"]] == ["sms"]


def deferred_to(tenant: Tenant, reminder_id: str) -> datetime:
    body = read(tenant, reminder_id)
    event = body["events"][-1]
    assert (body["status"], event["reason"]) == ("deferred", "BORROWER_RESTRICTED")
    return datetime.fromisoformat(event["detail"]["next_attempt_local"])


async def test_an_inconvenient_time_defers_the_reminder_to_its_end_in_the_customers_zone(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    # 17:30 on Friday 27 November in Shanghai; the borrower named Fridays 17:00-19:00
    restrict(db, tenant, clock, inconvenient=[{"weekdays": [4], "start": "17:00", "end": "19:00"}])
    reminder_id = submit(tenant, customer=customer(), channels=["sms"], loan_ref="loan-2")
    dispatcher = make_dispatcher()
    assert await dispatcher.run_once() == 1
    local = deferred_to(tenant, reminder_id)
    assert local.utcoffset() == timedelta(hours=8)
    assert (
        datetime(2026, 11, 27, 19, 0) <= local.replace(tzinfo=None) < datetime(2026, 11, 27, 19, 10)
    )
    assert twilio.received == []
    clock.set(local + timedelta(minutes=10))
    assert await dispatcher.run_once() == 1
    assert read(tenant, reminder_id)["status"] == "sent"


@pytest.mark.parametrize(
    ("now", "window", "ends"),
    [
        # Friday 08:30 in New York, inside Thursday's 20:00-10:00: it ends Friday 10:00
        (
            datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
            {"weekdays": [3], "start": "20:00", "end": "10:00"},
            datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        ),
        # Sunday 1 November, 08:30 EST: Saturday's 22:00-11:00 began in daylight time and
        # ends at 11:00 EST (16:00 UTC), not 11:00 EDT
        (
            datetime(2026, 11, 1, 13, 30, tzinfo=UTC),
            {"weekdays": [5], "start": "22:00", "end": "11:00"},
            datetime(2026, 11, 1, 16, 0, tzinfo=UTC),
        ),
        # All of Friday: on to Saturday, whose quiet hours end at 08:00
        (
            datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
            {"weekdays": [4], "start": "00:00", "end": "24:00"},
            datetime(2026, 11, 28, 13, 0, tzinfo=UTC),
        ),
    ],
    ids=["crosses-midnight", "crosses-the-fall-back", "a-whole-day"],
)
async def test_an_inconvenient_time_across_midnight_ends_at_its_local_end(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    now: datetime,
    window: dict[str, Any],
    ends: datetime,
) -> None:
    clock.set(now)
    restrict(db, tenant, clock, NEW_YORKER, inconvenient=[window])
    reminder_id = submit(tenant, customer=NEW_YORKER, channels=["sms"], loan_ref="loan-2")
    assert await make_dispatcher().run_once() == 1
    local = deferred_to(tenant, reminder_id)
    assert ends <= local < ends + timedelta(minutes=10)  # the preset's spread
    assert local.utcoffset() == timedelta(hours=-5)
    assert twilio.received == []


async def test_the_chosen_language_writes_the_next_message_whatever_the_lender_sends(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    restrict(db, tenant, clock, locale="en-US")
    reminder_id = submit(
        tenant, customer=customer(locale="zh-CN"), channels=["sms"], loan_ref="loan-2"
    )
    assert await make_dispatcher().run_once() == 1
    [request] = twilio.received
    assert "A friendly reminder" in request.form["Body"]
    assert read(tenant, reminder_id)["attempts"][0]["locale"] == "en"
