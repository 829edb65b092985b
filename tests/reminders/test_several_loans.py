"""One reminder for several loans of a customer: the lender lists them in `loans` and the
customer gets one message, counted once."""

import secrets
from datetime import UTC, datetime

import pytest

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.fakes.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.anyio

LOANS = [
    {"loan_ref": "loan-1", "amount": "1000.00", "currency": "CNY", "due_date": "2026-12-10"},
    {"loan_ref": "loan-2", "amount": "234.50", "currency": "CNY", "due_date": "2026-12-08"},
]


async def test_two_loans_listed_in_one_reminder_go_out_as_one_sms_with_their_total(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    body = reminder(
        channels=["sms"],
        variables={"amount": "1000.00", "due_date": "2026-12-10", "loans": LOANS},
    )
    submitted = tenant.client.post("/v1/reminders", json=body)
    assert submitted.status_code == 202, submitted.text

    clock.set(datetime(2026, 12, 5, 2, tzinfo=UTC))  # 10:00 in Shanghai
    assert await make_dispatcher().run_once() == 1
    [request] = twilio.received
    assert "¥1,234.50" in request.form["Body"]
    assert "12月8日" in request.form["Body"]
    deliveries = tenant.client.get("/v1/deliveries").json()["items"]
    assert len(deliveries) == 1


async def test_loans_in_two_currencies_are_refused_naming_the_field(tenant: Tenant) -> None:
    loans = [LOANS[0], LOANS[1] | {"currency": "USD"}]
    body = reminder(variables={"amount": "1000.00", "due_date": "2026-12-10", "loans": loans})
    refused = tenant.client.post("/v1/reminders", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"].startswith("variables.loans")


async def test_two_loans_go_to_the_lenders_webhook_with_their_total_and_each_loan(
    tenant: Tenant, make_dispatcher: DispatcherFactory, clock: FrozenClock
) -> None:
    secret = secrets.token_urlsafe(32)
    with webhook_receiver(secret.encode()) as receiver:
        target = {"display_name": "acme", "webhook_url": receiver.url, "webhook_secret": secret}
        assert tenant.client.put("/v1/tenant", json=target).status_code == 200
        body = reminder(
            channels=["webhook"],
            variables={"amount": "1000.00", "due_date": "2026-12-10", "loans": LOANS},
        )
        submitted = tenant.client.post("/v1/reminders", json=body)
        assert submitted.status_code == 202, submitted.text
        clock.set(datetime(2026, 12, 5, 2, tzinfo=UTC))
        assert await make_dispatcher().run_once() == 1

    [delivery] = receiver.received
    assert delivery.signature_valid
    data = delivery.payload["data"]
    assert (data["amount"], data["currency"], data["due_date"]) == ("1234.50", "CNY", "2026-12-08")
    assert data["loans"] == LOANS
