"""Moves the state tables do not allow are refused with one error, a 409 conflict problem, and
write nothing."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.lifecycle.changes import changes
from app.lifecycle.events import RoundFailed
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.states import IllegalTransition, ReminderStatus
from app.models.vocabulary import AttemptStatus
from tests.conftest import DispatcherFactory, Tenant
from tests.helpers.api import read, submit
from tests.helpers.twilio import message_status

pytestmark = pytest.mark.anyio


@pytest.fixture
async def delivered(
    tenant: Tenant, anonymous: httpx.Client, make_dispatcher: DispatcherFactory
) -> str:
    reminder_id = submit(tenant, channels=["sms"])
    await make_dispatcher().run_once()
    sid = read(tenant, reminder_id)["attempts"][0]["provider_message_id"]
    assert message_status(anonymous, reminder_id, sid, "delivered").status_code == 200
    return reminder_id


async def test_a_delivered_reminder_cannot_be_deferred_and_nothing_is_written(
    tenant: Tenant, delivered: str, db: Session, clock: FrozenClock
) -> None:
    reminder_id = delivered
    before = read(tenant, reminder_id)
    db.rollback()
    row = db.get_one(Reminder, uuid.UUID(reminder_id))
    later = clock.now() + timedelta(hours=1)
    event = RoundFailed(error="boom", round_failures=1, retry_at=later)
    with pytest.raises(IllegalTransition) as refused, changes(db, now=clock.now()) as change:
        change.move(row, ReminderStatus.DEFERRED, event, next_attempt_at=later)
    db.rollback()
    problem = refused.value.problem()
    assert (problem.status, problem.type) == (409, "/problems/conflict")
    assert problem.detail == "a reminder that is delivered cannot become deferred"
    assert read(tenant, reminder_id) == before
    assert tenant.client.get("/v1/audit/verify").json()["intact"] is True


async def test_a_delivered_attempt_cannot_go_back_to_sent(
    tenant: Tenant, delivered: str, db: Session, clock: FrozenClock
) -> None:
    reminder_id = delivered
    db.rollback()
    attempt_id = uuid.UUID(read(tenant, reminder_id)["attempts"][0]["id"])
    attempt = db.get_one(DeliveryAttempt, attempt_id)
    refusal = "an attempt that is delivered cannot become sent"
    with pytest.raises(IllegalTransition, match=refusal), changes(db, now=clock.now()) as change:
        change.settle(attempt, AttemptStatus.SENT)
    db.rollback()
    assert read(tenant, reminder_id)["attempts"][0]["status"] == "delivered"


async def test_cancelling_a_sent_reminder_answers_the_conflict_problem(
    tenant: Tenant, make_dispatcher: DispatcherFactory
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    await make_dispatcher().run_once()
    response = tenant.client.post(f"/v1/reminders/{reminder_id}/cancel")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/conflict",
        "title": "The resource is not in a state that allows this",
        "status": 409,
        "detail": "a reminder that is sent can no longer be cancelled",
    }
    assert [e["kind"] for e in read(tenant, reminder_id)["events"]] == ["accepted", "sent"]
