"""Field visits end to end: a tenant with its own webhook target, a visit template, and the
real webhook receiver standing in for the lender's collection system."""

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.clock import FrozenClock
from tests.conftest import Tenant
from tests.factories import reminder
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver

VISIT_TEMPLATE: dict[str, Any] = {
    "description": "Ask the collection team for a visit",
    "variables": {
        "visit_address": {"type": "text", "required": True},
        "visit_start": {"type": "text", "required": True, "max_length": 25},
        "visit_end": {"type": "text", "required": True, "max_length": 25},
        "amount": {"type": "money", "required": True},
    },
    "variants": [
        {
            "channel": "webhook",
            "locale": "zh-CN",
            "task": "visit",
            "payload": {
                "kind": "field_visit",
                "owed": "{{ amount }}",
                "lender": "{{ tenant.display_name }}",
            },
        }
    ],
}
WINDOW = {"visit_start": "2026-11-28T10:00", "visit_end": "2026-11-28T12:00"}
"""Saturday morning in Shanghai; the clock starts on Friday 17:30 there."""


def visit(**overrides: Any) -> dict[str, Any]:
    variables = {"visit_address": "上海市浦东新区世纪大道100号", "amount": "1234.50", **WINDOW}
    return reminder(
        template="field-visit",
        channels=["webhook"],
        variables=variables | overrides.pop("variables", {}),
        **overrides,
    )


def submit_visit(tenant: Tenant, **overrides: Any) -> str:
    response = tenant.client.post("/v1/reminders", json=visit(**overrides))
    assert response.status_code == 202, response.text
    reminder_id: str = response.json()["id"]
    return reminder_id


def set_target(tenant: Tenant, url: str, secret: str) -> None:
    body = {"display_name": "acme", "webhook_url": url, "webhook_secret": secret}
    response = tenant.client.put("/v1/tenant", json=body)
    assert response.status_code == 200, response.text


def signed(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """Headers signed the way docs/channels.md tells the lender to sign a callback."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "Nudge-Timestamp": str(timestamp),
        "Nudge-Signature": f"v1={digest.hexdigest()}",
    }


def report(
    client: httpx.Client,
    task_id: str,
    outcome: dict[str, Any],
    *,
    secret: str,
    clock: FrozenClock,
    age_seconds: int = 0,
) -> httpx.Response:
    body = json.dumps(outcome).encode()
    timestamp = int(clock.now().timestamp()) - age_seconds
    return client.post(
        f"/v1/webhooks/tasks/{task_id}/outcome",
        content=body,
        headers=signed(secret, body, timestamp),
    )


class Lender:
    """One tenant with its own receiver and secret."""

    def __init__(self, tenant: Tenant, receiver: WebhookReceiver, secret: str) -> None:
        self.tenant, self.receiver, self.secret = tenant, receiver, secret


@pytest.fixture
def lender(tenant: Tenant) -> Iterator[Lender]:
    secret = secrets.token_urlsafe(32)
    with webhook_receiver(secret.encode()) as receiver:
        set_target(tenant, receiver.url, secret)
        response = tenant.client.put("/v1/templates/field-visit", json=VISIT_TEMPLATE)
        assert response.status_code in {200, 201}, response.text
        yield Lender(tenant, receiver, secret)
