"""A full dispatch run, every kind of change in it, verifies clean on the audit chain; and an
edit made behind Nudge's back afterwards is still caught."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant, smtp_options
from tests.factories import customer
from tests.fakes.smtp_server import Inbox, smtp_server
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import read, submit
from tests.helpers.audit import link
from tests.helpers.cli import nudge
from tests.helpers.twilio import INBOUND_PATH, message_status, post_signed

pytestmark = pytest.mark.anyio


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


def person(i: int) -> dict[str, Any]:
    """A customer of their own, so no contact cap of one holds back another's reminder."""
    return customer(ref=f"c-{i}", phone=f"+86138123456{i:02d}", email=f"c{i}@example.com")


def text(anonymous: httpx.Client, *, from_phone: str, body: str, sid: str) -> None:
    form = {"From": from_phone, "To": "+15005550006", "Body": body, "MessageSid": sid}
    assert post_signed(anonymous, INBOUND_PATH, form).status_code == 200


def sid_of(tenant: Tenant, reminder_id: str) -> str:
    sid: str = read(tenant, reminder_id)["attempts"][-1]["provider_message_id"]
    return sid


@pytest.fixture
async def run(
    tenant: Tenant,
    anonymous: httpx.Client,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    inbox: Inbox,
) -> dict[str, str]:
    """Sent and delivered, sent and undelivered (then a late `sent`), a retry, a fallback from
    SMS to email, a cancel, a STOP and a reply."""
    dispatcher = make_dispatcher(smtp=smtp_options(inbox.port))
    ids = {
        name: submit(tenant, customer=person(i), loan_ref=f"loan-{i}", channels=channels)
        for i, (name, channels) in enumerate(
            [
                ("delivered", ["sms"]),
                ("undelivered", ["sms"]),
                ("cancelled", ["sms"]),
            ]
        )
    }
    assert tenant.client.post(f"/v1/reminders/{ids['cancelled']}/cancel").status_code == 200
    assert await dispatcher.run_once() == 2

    for name, status in [("delivered", "delivered"), ("undelivered", "undelivered")]:
        sid = sid_of(tenant, ids[name])
        assert message_status(anonymous, ids[name], sid, status).status_code == 200
    late = message_status(anonymous, ids["delivered"], sid_of(tenant, ids["delivered"]), "sent")
    assert late.status_code == 200  # acknowledged, and changes nothing

    ids["retried"] = submit(tenant, customer=person(3), loan_ref="loan-3", channels=["sms"])
    twilio.answer(Reply(status=503))
    await dispatcher.run_once()
    clock.set(datetime.fromisoformat(read(tenant, ids["retried"])["next_attempt_at"]))
    clock.advance(timedelta(seconds=1))
    await dispatcher.run_once()

    ids["fell_back"] = submit(
        tenant, customer=person(4), loan_ref="loan-4", channels=["sms", "email"]
    )
    twilio.answer(Reply(status=400, code=21211, message="Invalid 'To' Phone Number"))
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert len(inbox.received) == 1

    text(anonymous, from_phone=person(0)["phone"], body="STOP", sid="SMin0001")
    text(anonymous, from_phone=person(1)["phone"], body="I paid yesterday", sid="SMin0002")
    return ids


def verified(tenant: Tenant, engine: Engine) -> dict[str, Any]:
    """The chain's verdict once the sequencer has linked everything the run wrote."""
    link(engine)
    response = tenant.client.get("/v1/audit/verify")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_a_full_dispatch_run_verifies_clean_with_every_change_on_the_chain(
    tenant: Tenant, run: dict[str, str], database_url: str, engine: Engine
) -> None:
    reminders = {name: read(tenant, id_) for name, id_ in run.items()}
    assert {name: body["status"] for name, body in reminders.items()} == {
        "delivered": "delivered",
        "undelivered": "failed",
        "cancelled": "cancelled",
        "retried": "sent",
        "fell_back": "sent",
    }
    kinds = {name: [e["kind"] for e in body["events"]] for name, body in reminders.items()}
    assert kinds["delivered"] == ["accepted", "sent", "delivered"]
    assert kinds["undelivered"] == ["accepted", "sent", "undelivered", "reply"]
    assert kinds["retried"] == ["accepted", "retry", "sent"]
    assert kinds["fell_back"] == ["accepted", "fallback", "sent"]

    events = sum(len(body["events"]) for body in reminders.values())
    attempts = sum(len(body["attempts"]) for body in reminders.values())
    callbacks_applied = 2
    report = verified(tenant, engine)
    # Each attempt's start and outcome, each applied callback, and each event: nothing escaped.
    assert report == {
        "intact": True,
        "entries": events + 2 * attempts + callbacks_applied,
        "first_broken": None,
        "unlinked": 0,
        "oldest_unlinked_age_seconds": None,
    }
    command = nudge(database_url, "audit", "verify", "--tenant", str(tenant.id))
    assert (command.returncode, command.stdout.strip()) == (
        0,
        f"{tenant.id}: intact ({report['entries']} entries)",
    )


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE delivery_attempts SET provider_status = 'read' WHERE status = 'delivered'",
        "UPDATE delivery_attempts SET status = 'delivered' WHERE status = 'undelivered'",
        "UPDATE reminder_events SET reason = 'EDITED' WHERE kind = 'fallback'",
        "DELETE FROM reminder_events WHERE kind = 'reply'",
    ],
)
async def test_an_attempt_or_event_edited_after_a_full_run_is_reported(
    tenant: Tenant, run: dict[str, str], db: Session, engine: Engine, edit: str
) -> None:
    db.execute(sa.text(edit))
    db.commit()
    report = verified(tenant, engine)
    assert report["intact"] is False
    assert "changed or deleted outside Nudge" in report["first_broken"]["reason"]
