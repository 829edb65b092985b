"""A lender may opt a customer out before Nudge has seen them; the opt-out waits for them."""

from typing import Any

import pytest

from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio

pytestmark = pytest.mark.anyio


def submit(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def status_and_reason(tenant: Tenant, reminder_id: str) -> tuple[str, str | None]:
    body = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    return body["status"], body["events"][-1]["reason"]


async def test_an_opt_out_for_an_unseen_customer_suppresses_their_first_reminder(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    made = tenant.client.post("/v1/opt-outs", json={"customer_ref": "new-1", "channel": "sms"})
    assert made.status_code == 201, made.text
    listed = tenant.client.get("/v1/opt-outs", params={"customer_ref": "new-1"}).json()
    assert [(o["customer_ref"], o["channel"]) for o in listed["items"]] == [("new-1", "sms")]

    first = submit(tenant, customer=customer(ref="new-1"), channels=["sms"])
    await make_dispatcher().run_once()

    assert status_and_reason(tenant, first["id"]) == ("suppressed", "OPTED_OUT")
    assert twilio.received == []


async def test_an_unseen_customers_opt_out_covers_only_its_channel_and_its_ref(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    tenant.client.post("/v1/opt-outs", json={"customer_ref": "new-1", "channel": "voice"})
    texted = submit(tenant, customer=customer(ref="new-1"), channels=["voice", "sms"])
    other = submit(
        tenant, customer=customer(ref="new-2", phone="+8613900001111"), channels=["voice"]
    )
    await make_dispatcher().run_once()

    assert status_and_reason(tenant, texted["id"])[0] == "sent"
    assert status_and_reason(tenant, other["id"])[0] == "sent"
    assert sorted(r.resource for r in twilio.received) == ["Calls", "Messages"]
    [text] = [r for r in twilio.received if r.resource == "Messages"]
    assert text.form["To"] == "+8613812345678"


def test_an_unseen_customers_opt_out_stays_in_its_own_tenant(tenant: Tenant, new_tenant) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    other.client.post("/v1/opt-outs", json={"customer_ref": "new-1", "channel": "all"})
    assert tenant.client.get("/v1/opt-outs", params={"customer_ref": "new-1"}).json() == {
        "items": [],
        "next_cursor": None,
    }
