"""Driving the API as a lender does: submitting and reading reminders, and what was sent."""

import random
from typing import Any

from app.dispatch.worker import Dispatcher
from channels.base import Channel
from channels.registry import Registry
from tests.conftest import Tenant
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio


def kinds(body: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in body["events"]]


def items(n: int) -> list[dict[str, Any]]:
    return [reminder(customer=customer(ref=f"c-{i}"), loan_ref=f"loan-{i}") for i in range(n)]


def template(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": "due soon",
        "variables": {
            "amount": {"type": "money", "required": True},
            "due_date": {"type": "date", "required": True},
        },
        "variants": [
            {
                "channel": "sms",
                "locale": "zh-CN",
                "body": "【{{ tenant.display_name }}】您的还款{{ amount | money }}将于"
                "{{ due_date | date }}到期。",
            },
            {
                "channel": "email",
                "locale": "en-US",
                "subject": "Payment due {{ due_date | date }}",
                "text": "Your payment of {{ amount | money }} is due.",
                "html": "<p>Your payment of {{ amount | money }} is due.</p>",
            },
            {
                "channel": "voice",
                "locale": "zh-CN",
                "script": "您好，这里是{{ tenant.display_name }}。",
                "voice": "Polly.Zhiyu",
            },
        ],
    }
    body.update(overrides)
    return body


def submit(tenant: Tenant, **fields: Any) -> str:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    reminder_id: str = response.json()["id"]
    return reminder_id


def read(tenant: Tenant, reminder_id: str) -> dict[str, Any]:
    body: dict[str, Any] = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    return body


def sent_to_twilio(twilio: FakeTwilio, reminder_id: str) -> list[str]:
    """Which resources the fake received for this reminder (its id rides on the callback)."""
    return [
        r.resource
        for r in twilio.received
        if r.form.get("StatusCallback", "").endswith(f"reference={reminder_id}")
    ]


def sms_only(full: Dispatcher) -> Dispatcher:
    """A dispatcher of a build with no provider but Twilio SMS configured."""
    sms = full.registry.adapter_for(Channel.SMS)
    return Dispatcher(
        sessions=full.sessions,
        settings=full.settings,
        clock=full.clock,
        registry=Registry({sms.name: sms}, chosen={Channel.SMS: sms.name}, own={}, models={}),
        rng=random.Random(0),
        name="sms-only",
    )
