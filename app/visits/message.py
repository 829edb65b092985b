"""The webhook message for one reminder: the tenant's rendered payload, a visit's task, and the
tenant's own target, without which nothing is sent."""

import json
from collections.abc import Mapping
from typing import Any

from app.customers.models import Customer
from app.policy.service import zones_for
from app.reminders.models import Reminder
from app.templates.schemas import Rendered
from app.templates.webhook import VISIT
from app.tenants.models import Tenant
from app.visits.window import address_of, requested_window, the_zone
from channels.base import Account, Channel, Message
from channels.errors import ConfigError
from channels.webhook.account import WebhookAccount

OUTCOME_PATH = "/v1/webhooks/tasks/{id}/outcome"


class NoWebhookTarget(ConfigError):
    """The tenant has not set its webhook URL and secret."""


def webhook_message(
    reminder: Reminder,
    customer: Customer,
    tenant: Tenant,
    rendered: Rendered,
    metadata: Mapping[str, str],
    target: Account | None,
) -> Message:
    """`target` is the tenant's webhook account, which the registry chose for the channel."""
    if not isinstance(target, WebhookAccount):
        raise NoWebhookTarget(
            "the tenant has no webhook account (PUT /v1/tenant/providers/webhook)"
        )
    document: dict[str, Any] = {"locale": rendered.locale, "data": rendered.payload}
    if reminder.task == VISIT:
        document["task"] = visit_task(reminder, customer, tenant)
    return Message(
        channel=Channel.WEBHOOK,
        to=customer.ref,
        reference=str(reminder.id),
        body=json.dumps(document, ensure_ascii=False, sort_keys=True),
        metadata=metadata,
        payload=document,
        account=target,
    )


def visit_task(reminder: Reminder, customer: Customer, tenant: Tenant) -> dict[str, Any]:
    """What the field team needs: where, when (in the customer's zone), and where to report."""
    zones = zones_for(
        timezone=customer.timezone, phone=customer.phone, fallback=tenant.default_timezone
    )
    window = requested_window(reminder.variables, the_zone(zones))
    return {
        "type": VISIT,
        "id": str(reminder.id),
        "address": address_of(reminder.variables),
        "window": window.as_json(),
        "outcome_path": OUTCOME_PATH.format(id=reminder.id),
    }
