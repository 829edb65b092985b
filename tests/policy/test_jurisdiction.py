"""A customer's jurisdiction, stated or taken from the phone number, picks both the contact
policy (through the tenant's `jurisdiction_policies`) and the opt-out footer: one answer."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio

pytestmark = pytest.mark.anyio

CASES = [
    # phone, stated jurisdiction, its zone, the policy, the footer
    ("+12125550123", None, "America/New_York", "us-regf", "Reply STOP to opt out"),
    ("+8613812345678", None, "Asia/Shanghai", "cn", "Reply TD to opt out"),
    ("+919876543210", None, "Asia/Kolkata", "in-rbi", None),
    ("+442071234567", None, "Europe/London", "default", None),  # unmapped: tenant default
    ("+12125550123", "CN", "America/New_York", "cn", "Reply TD to opt out"),  # stated wins
]
FOOTERS = ("Reply STOP to opt out", "Reply TD to opt out")
PLAIN = {
    "variables": {"amount": {"type": "money", "required": True}},
    "variants": [{"channel": "sms", "locale": "en-US", "body": "{{ amount | money }} is due."}],
}
"""A template that says nothing of opting out: any footer is the jurisdiction's."""


@pytest.mark.parametrize(("phone", "stated", "zone", "policy", "footer"), CASES)
async def test_the_phone_or_stated_jurisdiction_picks_the_policy_and_the_footer_alike(
    tenant: Tenant,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    phone: str,
    stated: str | None,
    zone: str,
    policy: str,
    footer: str | None,
) -> None:
    clock.set(datetime(2026, 12, 2, 3, 0, tzinfo=ZoneInfo(zone)))  # night everywhere
    assert tenant.client.put("/v1/templates/plain", json=PLAIN).status_code in (200, 201)
    who = customer(phone=phone, jurisdiction=stated, timezone=None, locale="en-US")
    submitted = tenant.client.post(
        "/v1/reminders",
        json=reminder(customer=who, channels=["sms"], template="plain", variables={"amount": "5"}),
    )
    assert submitted.status_code == 202, submitted.text
    reminder_id = submitted.json()["id"]
    dry_run = tenant.client.post(
        "/v1/policy/evaluate", json={"customer_ref": who["ref"], "channel": "sms"}
    ).json()
    assert (dry_run["allowed"], dry_run["policy"]) == (False, policy)

    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    deferred = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    assert (deferred["status"], deferred["events"][-1]["detail"]["policy"]) == ("deferred", policy)
    clock.set(datetime.fromisoformat(deferred["next_attempt_at"]))
    await dispatcher.run_once()

    [sent] = twilio.received
    assert sent.form["To"] == phone
    shown = [words for words in FOOTERS if words in sent.form["Body"]]
    assert shown == ([footer] if footer else [])


def test_the_tenants_map_sends_a_jurisdiction_to_its_own_policy_and_unmapped_ones_to_the_default(
    tenant: Tenant,
) -> None:
    tenant.client.put("/v1/policies/us-gentle", json={"description": "gentler than Reg F"})
    settings = tenant.client.get("/v1/tenant").json() | {
        "default_policy": "in-rbi",
        "jurisdiction_policies": {"US": "us-gentle"},
    }
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200

    def policy_for(phone: str) -> str:
        body = {"customer": customer(phone=phone, jurisdiction=None), "channel": "sms"}
        answer: str = tenant.client.post("/v1/policy/evaluate", json=body).json()["policy"]
        return answer

    assert policy_for("+12125550123") == "us-gentle"
    assert policy_for("+8613812345678") == "in-rbi"  # CN no longer mapped
