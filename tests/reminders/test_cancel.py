"""Cancelling one reminder, or every pending reminder of a repaid loan."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from tests.conftest import Tenant
from tests.factories import reminder


def submit(tenant: Tenant, loan_ref: str = "loan-1") -> str:
    response = tenant.client.post("/v1/reminders", json=reminder(loan_ref=loan_ref))
    reminder_id: str = response.json()["id"]
    return reminder_id


def force_status(db: Session, reminder_id: str, status: ReminderStatus) -> None:
    """Puts a reminder where the dispatcher would have, without a dispatcher."""
    db.execute(
        sa.update(Reminder).where(Reminder.id == uuid.UUID(reminder_id)).values(status=status)
    )
    db.commit()


def test_cancelling_a_pending_reminder_records_it_on_the_timeline(tenant: Tenant) -> None:
    reminder_id = submit(tenant)
    response = tenant.client.post(f"/v1/reminders/{reminder_id}/cancel")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert [(e["kind"], e["reason"]) for e in body["events"]] == [
        ("accepted", None),
        ("cancelled", "API"),
    ]


def test_cancelling_a_sent_reminder_is_a_conflict_and_changes_nothing(
    tenant: Tenant, db: Session
) -> None:
    reminder_id = submit(tenant)
    force_status(db, reminder_id, ReminderStatus.SENT)
    response = tenant.client.post(f"/v1/reminders/{reminder_id}/cancel")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "sent" in response.json()["detail"]
    after = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    assert after["status"] == "sent"
    assert [e["kind"] for e in after["events"]] == ["accepted"]


def test_cancelling_twice_is_a_conflict(tenant: Tenant) -> None:
    reminder_id = submit(tenant)
    assert tenant.client.post(f"/v1/reminders/{reminder_id}/cancel").status_code == 200
    assert tenant.client.post(f"/v1/reminders/{reminder_id}/cancel").status_code == 409


def test_a_reminder_being_dispatched_cannot_be_cancelled(tenant: Tenant, db: Session) -> None:
    reminder_id = submit(tenant)
    force_status(db, reminder_id, ReminderStatus.DISPATCHING)
    assert tenant.client.post(f"/v1/reminders/{reminder_id}/cancel").status_code == 409


def test_loan_cancel_cancels_only_that_loans_pending_reminders_and_counts_them(
    tenant: Tenant, db: Session
) -> None:
    pending = [submit(tenant, "repaid") for _ in range(3)]
    sent = submit(tenant, "repaid")
    force_status(db, sent, ReminderStatus.SENT)
    other_loan = submit(tenant, "still-open")

    response = tenant.client.post("/v1/loans/repaid/cancel-reminders")
    assert response.status_code == 200
    assert response.json() == {"cancelled": 3}
    for reminder_id in pending:
        body = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
        assert body["status"] == "cancelled"
        assert body["events"][-1]["reason"] == "LOAN_CANCELLED"
    assert tenant.client.get(f"/v1/reminders/{sent}").json()["status"] == "sent"
    assert tenant.client.get(f"/v1/reminders/{other_loan}").json()["status"] == "scheduled"
    assert tenant.client.post("/v1/loans/repaid/cancel-reminders").json() == {"cancelled": 0}


def test_loan_cancel_leaves_other_tenants_loans_alone(tenant: Tenant, new_tenant) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    theirs = submit(other, "shared-ref")
    assert tenant.client.post("/v1/loans/shared-ref/cancel-reminders").json() == {"cancelled": 0}
    assert other.client.get(f"/v1/reminders/{theirs}").json()["status"] == "scheduled"
