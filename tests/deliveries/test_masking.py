"""Contact details are masked in every answer unless the key holds `pii:read`."""

import csv
import io
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.deliveries.conftest import BODY, EMAIL, PHONE, Log
from tests.factories import reminder
from tests.fakes.twilio_server import FakeTwilio

MASKED_PHONE = "+86 138****5678"
MASKED_EMAIL = "w***@example.com"
MASKED_BODY = (
    f"Wang Fang, 1,234.50 is due on 2026-12-01. Questions: {MASKED_EMAIL} or {MASKED_PHONE}."
)


@pytest.fixture
def ops(tenant: Tenant, db: Session, clock: FrozenClock) -> httpx.Client:
    """An ops key: reads the delivery log and reminders, but not personal data."""
    return tenant.key(db, clock, Scope.DELIVERIES_READ, Scope.REMINDERS_READ)


@pytest.fixture
def privileged(tenant: Tenant, db: Session, clock: FrozenClock) -> httpx.Client:
    return tenant.key(db, clock, Scope.DELIVERIES_READ, Scope.REMINDERS_READ, Scope.PII_READ)


@pytest.fixture
def attempts(tenant: Tenant, log_for: Any) -> tuple[str, str]:
    log: Log = log_for(tenant.id)
    sms = log.one()
    customer = log.customer("cust-2")
    [email] = log.attempts(log.reminder(customer), customer, channel="email", recipient=EMAIL)
    return str(sms), str(email)


def test_deliveries_mask_recipients_and_contact_details_in_the_body(
    ops: httpx.Client, attempts: tuple[str, str]
) -> None:
    sms, email = attempts
    items = {i["id"]: i for i in ops.get("/v1/deliveries").json()["items"]}
    assert (items[sms]["recipient"], items[sms]["body"]) == (MASKED_PHONE, MASKED_BODY)
    assert items[email]["recipient"] == MASKED_EMAIL
    one = ops.get(f"/v1/deliveries/{sms}").json()
    assert (one["recipient"], one["body"]) == (MASKED_PHONE, MASKED_BODY)


def test_deliveries_show_contact_details_to_a_key_with_pii_read(
    privileged: httpx.Client, tenant: Tenant, attempts: tuple[str, str]
) -> None:
    sms, email = attempts
    for client in (privileged, tenant.client):  # admin implies pii:read
        items = {i["id"]: i for i in client.get("/v1/deliveries").json()["items"]}
        assert (items[sms]["recipient"], items[sms]["body"]) == (PHONE, BODY)
        assert items[email]["recipient"] == EMAIL
        assert client.get(f"/v1/deliveries/{sms}").json()["recipient"] == PHONE


def csv_rows(client: httpx.Client) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get("/v1/deliveries.csv").text)))


def test_the_csv_export_masks_unless_the_key_has_pii_read(
    ops: httpx.Client, privileged: httpx.Client, attempts: tuple[str, str]
) -> None:
    masked = csv_rows(ops)
    assert {r["recipient"] for r in masked} == {"'" + MASKED_PHONE, MASKED_EMAIL}
    assert {r["body"] for r in masked} == {MASKED_BODY}
    assert PHONE not in str(masked)
    assert EMAIL not in str(masked)
    clear = csv_rows(privileged)
    assert {r["recipient"] for r in clear} == {"'" + PHONE, EMAIL}
    assert {r["body"] for r in clear} == {BODY}


def test_opt_outs_mask_phone_and_email_unless_the_key_has_pii_read(
    tenant: Tenant, db: Session, clock: FrozenClock, privileged: httpx.Client
) -> None:
    writer = tenant.key(db, clock, Scope.REMINDERS_WRITE, Scope.REMINDERS_READ)
    made = writer.post("/v1/opt-outs", json={"phone": PHONE, "channel": "sms"})
    assert made.status_code == 201, made.text
    assert made.json()["phone"] == MASKED_PHONE
    writer.post("/v1/opt-outs", json={"email": EMAIL, "channel": "email"})

    listed = writer.get("/v1/opt-outs").json()["items"]
    assert {(o["phone"], o["email"]) for o in listed} == {
        (None, MASKED_EMAIL),
        (MASKED_PHONE, None),
    }
    assert writer.get("/v1/opt-outs", params={"phone": PHONE}).json()["items"][0]["phone"] == (
        MASKED_PHONE
    )
    clear = privileged.get("/v1/opt-outs").json()["items"]
    assert {(o["phone"], o["email"]) for o in clear} == {(None, EMAIL), (PHONE, None)}


@pytest.mark.anyio
async def test_a_reminders_attempts_mask_contact_details_in_the_words_sent(
    tenant: Tenant,
    ops: httpx.Client,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    variables = {
        "amount": "1234.50",
        "due_date": "2026-12-01",
        "pay_url": f"https://pay.example.com/?contact={EMAIL}",
    }
    submitted = tenant.client.post(
        "/v1/reminders", json=reminder(channels=["sms"], variables=variables)
    ).json()
    await make_dispatcher().run_once()
    sent = twilio.received[0].form["Body"]
    [clear] = tenant.client.get(f"/v1/reminders/{submitted['id']}").json()["attempts"]
    [masked] = ops.get(f"/v1/reminders/{submitted['id']}").json()["attempts"]
    assert EMAIL in sent
    assert clear["body"] == sent
    assert masked["body"] == sent.replace(EMAIL, MASKED_EMAIL)


def test_a_cancel_answer_masks_contact_details_unless_the_key_has_pii_read(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    variables = {
        "amount": "1234.50",
        "due_date": "2026-12-01",
        "pay_url": f"https://p.example/?e={EMAIL}",
    }
    writer = tenant.key(db, clock, Scope.REMINDERS_WRITE, Scope.REMINDERS_READ)
    made = writer.post("/v1/reminders", json=reminder(variables=variables))
    assert made.status_code == 202, made.text
    cancelled = writer.post(f"/v1/reminders/{made.json()['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["variables"]["pay_url"] == f"https://p.example/?e={MASKED_EMAIL}"
