"""The dry run (`POST /v1/policy/evaluate`) answers what the dispatcher then does, on the
database: the same gate, the same history."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.reminders.models import DeliveryAttempt, Reminder
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer, reminder

pytestmark = pytest.mark.anyio

NEW_YORK_NUMBER = "+12125550123"
WEDNESDAY_10_NEW_YORK = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
FAR_FUTURE = "2027-06-01T00:00:00Z"
"""When the reminders that only carry history are due: never within a test."""


def us_customer(ref: str = "us-1", phone: str = NEW_YORK_NUMBER) -> dict[str, Any]:
    return customer(
        ref=ref,
        phone=phone,
        email="pat@example.com",
        locale="en-US",
        timezone=None,
        jurisdiction=None,
    )


def submit(tenant: Tenant, **fields: Any) -> uuid.UUID:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


Contact = tuple[datetime, str, str, bool]
"""When, on which channel, about which loan, and whether a call was answered."""


def record_history(
    db: Session, tenant: Tenant, ref: dict[str, Any], contacts: Sequence[Contact]
) -> None:
    """Past attempts to reach the customer, each on a reminder of its loan (kept out of
    dispatch: due long after the test)."""
    reminders: dict[str, Reminder] = {}
    for loan in sorted({loan for _, _, loan, _ in contacts}):
        reminder_id = submit(tenant, customer=ref, loan_ref=loan, send_at=FAR_FUTURE)
        reminders[loan] = db.get_one(Reminder, reminder_id)
    for at, channel, loan, answered in contacts:
        row = reminders[loan]
        db.add(
            DeliveryAttempt(
                tenant_id=row.tenant_id,
                reminder_id=row.id,
                customer_id=row.customer_id,
                channel=channel,
                provider="twilio_voice" if channel == "voice" else "console",
                status="answered" if answered else "sent",
                started_at=at,
            )
        )
    db.commit()


def dry_run(tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = tenant.client.post("/v1/policy/evaluate", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def dispatch(
    tenant: Tenant, make_dispatcher: DispatcherFactory, reminder_id: uuid.UUID
) -> dict[str, Any]:
    """One real dispatch round; what it made of the reminder, as the dry run words it."""
    await make_dispatcher().run_once()
    body = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    if body["attempts"]:
        return {"allowed": True, "reason": None, "next_allowed_at": None}
    event = body["events"][-1]
    return {
        "allowed": False,
        "reason": event["reason"],
        "next_allowed_at": event["detail"].get("next_attempt_at"),
    }


def instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


async def test_an_eighth_call_on_a_loan_is_refused_by_the_dry_run_as_by_the_dispatcher(
    tenant: Tenant, db: Session, clock: FrozenClock, make_dispatcher: DispatcherFactory
) -> None:
    """The reported mismatch: the dry run ignored per-loan caps and said "allowed" where the
    dispatcher deferred with CALL_7_IN_7 (Regulation F, 12 CFR 1006.14(b)(2))."""
    now = WEDNESDAY_10_NEW_YORK
    calls = [(now - timedelta(days=6, hours=n), "voice", "loan-1", False) for n in range(7)]
    clock.set(now - timedelta(days=7))
    record_history(db, tenant, us_customer(), calls)
    clock.set(now)
    reminder_id = submit(tenant, customer=us_customer(), loan_ref="loan-1", channels=["voice"])

    answer = dry_run(
        tenant, customer_ref="us-1", loan_ref="loan-1", channel="voice", at=instant(now)
    )
    # the oldest call leaves the 7 days at 04:00 in New York; then the night is quiet
    freed = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # Thursday 08:00 in New York
    assert (answer["allowed"], answer["reason"], answer["policy"]) == (
        False,
        "CALL_7_IN_7",
        "us-regf",
    )
    assert answer["next_allowed_at"] == instant(freed)
    decided = await dispatch(tenant, make_dispatcher, reminder_id)
    assert (decided["allowed"], decided["reason"]) == (False, "CALL_7_IN_7")
    deferred_to = datetime.fromisoformat(decided["next_allowed_at"])
    assert freed <= deferred_to < freed + timedelta(minutes=10)  # the preset's spread
    assert dry_run(
        tenant, customer_ref="us-1", loan_ref="loan-2", channel="voice", at=instant(now)
    )["allowed"]
