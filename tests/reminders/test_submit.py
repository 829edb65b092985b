"""Submitting one reminder: what is stored, and what is refused with a field path."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.customers import Customer
from app.models.reminders import Reminder
from tests.conftest import START, Tenant, count
from tests.factories import customer, reminder


def test_submitted_reminder_is_stored_and_readable_with_its_timeline(tenant: Tenant) -> None:
    submitted = tenant.client.post("/v1/reminders", json=reminder(metadata={"campaign": "dec"}))
    assert submitted.status_code == 202
    created = submitted.json()
    assert created["status"] == "scheduled"

    read = tenant.client.get(f"/v1/reminders/{created['id']}")
    assert read.status_code == 200
    body = read.json()
    assert body["customer_ref"] == "cust-1"
    assert body["channels"] == ["sms", "email"]
    assert body["variables"] == {"amount": "1234.50", "due_date": "2026-12-01"}
    assert body["metadata"] == {"campaign": "dec"}
    assert [event["kind"] for event in body["events"]] == ["accepted"]
    assert body["attempts"] == []


def test_send_at_defaults_to_now_from_the_clock(tenant: Tenant, clock: FrozenClock) -> None:
    clock.advance(timedelta(minutes=7))
    created = tenant.client.post("/v1/reminders", json=reminder()).json()
    assert created["send_at"] == (START + timedelta(minutes=7)).isoformat().replace("+00:00", "Z")
    assert created["next_attempt_at"] == created["send_at"]


def test_send_at_with_offset_is_stored_in_utc(tenant: Tenant) -> None:
    created = tenant.client.post(
        "/v1/reminders", json=reminder(send_at="2026-11-28T10:00:00+08:00")
    ).json()
    assert created["send_at"] == "2026-11-28T02:00:00Z"


def test_national_phone_number_with_jurisdiction_is_stored_as_e164(
    tenant: Tenant, db: Session
) -> None:
    body = reminder(customer=customer(phone="138 1234 5678", jurisdiction="cn"))
    assert tenant.client.post("/v1/reminders", json=body).status_code == 202
    stored = db.query(Customer).one()
    assert (stored.phone, stored.jurisdiction, stored.locale) == ("+8613812345678", "CN", "zh-CN")


def test_customer_is_upserted_keeping_fields_not_sent_again(tenant: Tenant, db: Session) -> None:
    tenant.client.post("/v1/reminders", json=reminder())
    update = reminder(customer={"ref": "cust-1", "locale": "en-US"}, channels=["sms"])
    assert tenant.client.post("/v1/reminders", json=update).status_code == 202
    stored = db.query(Customer).one()
    assert (stored.locale, stored.phone, stored.email) == (
        "en-US",
        "+8613812345678",
        "wang.fang@example.com",
    )


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("phone", reminder(customer=customer(phone="12345")), "customer.phone"),
    (
        "national phone without jurisdiction",
        reminder(customer=customer(phone="13812345678", jurisdiction=None)),
        "customer.phone",
    ),
    ("timezone", reminder(customer=customer(timezone="Asia/Beijing")), "customer.timezone"),
    ("locale", reminder(customer=customer(locale="xx-YY")), "customer.locale"),
    ("jurisdiction", reminder(customer=customer(jurisdiction="ZZ")), "customer.jurisdiction"),
    ("email", reminder(customer=customer(email="not-an-email")), "customer.email"),
    ("naive send_at", reminder(send_at="2026-11-28T10:00:00"), "send_at"),
    ("naive expires_at", reminder(expires_at="2026-11-28T10:00:00"), "expires_at"),
    (
        "expires_at equal to send_at",
        reminder(send_at="2026-11-28T10:00:00Z", expires_at="2026-11-28T10:00:00Z"),
        "expires_at",
    ),
    (
        "expires_at before send_at",
        reminder(send_at="2026-11-28T10:00:00Z", expires_at="2026-11-28T09:00:00Z"),
        "expires_at",
    ),
    (
        "expires_at before the default send_at (now)",
        reminder(expires_at="2026-11-27T09:00:00Z"),
        "expires_at",
    ),
    ("unknown channel", reminder(channels=["fax"]), "channels.0"),
    ("repeated channel", reminder(channels=["sms", "sms"]), "channels"),
    ("no channel", reminder(channels=[]), "channels"),
    (
        "email channel without an email",
        reminder(customer=customer(email=None, ref="new"), channels=["sms", "email"]),
        "channels.1",
    ),
    ("template key", reminder(template="Due Soon!"), "template"),
    ("unknown field", reminder(priority="high"), "priority"),
    ("unknown customer field", reminder(customer=customer(nickname="x")), "customer.nickname"),
    ("missing loan_ref", {k: v for k, v in reminder().items() if k != "loan_ref"}, "loan_ref"),
]


@pytest.mark.parametrize(("case", "body", "field"), INVALID, ids=[case for case, _, _ in INVALID])
def test_invalid_reminder_is_rejected_with_field_path_and_nothing_stored(
    tenant: Tenant, db: Session, case: str, body: dict[str, Any], field: str
) -> None:
    response = tenant.client.post("/v1/reminders", json=body)
    assert response.status_code == 422, case
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation"
    assert field in [error["field"] for error in problem["errors"]], problem
    assert count(db, Reminder) == 0
    assert count(db, Customer) == 0
