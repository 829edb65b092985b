"""What submission checks beyond the template: the tenant's webhook target, and each visit's
requested window against the visit hours of the policy the dispatcher will apply."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.errors import FieldError
from app.models.tenants import Tenant
from app.policy.service import choose, zones_for
from app.policy.spec import Policy
from app.reminders.schemas import ReminderIn
from app.templates.schemas import TemplateIn
from app.templates.webhook import VISIT
from app.visits.rules import visit_policy
from app.visits.window import BadWindow, check_allowed, requested_window, the_zone
from channels.base import Channel
from channels.webhook.account import NAME as WEBHOOK

NOT_CONFIGURED = (
    "the webhook channel is not configured for this tenant: set its URL and secret with "
    "PUT /v1/tenant/providers/webhook"
)


def check_items(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    items: Sequence[ReminderIn],
    templates: Mapping[str, TemplateIn],
    customers: Mapping[str, Mapping[str, Any]],
    now: datetime,
    field_prefix: str = "",
) -> list[FieldError]:
    """Each read is made only when an item needs it: most submissions are neither webhooks
    nor visits, and need none."""
    visits = {key for key, template in templates.items() if template.task == VISIT}
    tenant = (
        session.get_one(Tenant, tenant_id) if any(i.template in visits for i in items) else None
    )
    configured = any(Channel.WEBHOOK in item.channels for item in items) and accounts.has(
        session, tenant_id=tenant_id, provider=WEBHOOK
    )
    policies: dict[tuple[str | None, str | None], Policy] = {}
    errors = []
    for index, item in enumerate(items):
        prefix = field_prefix.format(index=index)
        if Channel.WEBHOOK in item.channels and not configured:
            position = item.channels.index(Channel.WEBHOOK)
            errors.append(FieldError(field=f"{prefix}channels.{position}", detail=NOT_CONFIGURED))
        if tenant is None or item.template not in visits:
            continue
        customer = customers[item.customer.ref]
        key = (item.policy, customer.get("jurisdiction"))
        if key not in policies:
            _, policies[key] = choose(
                session, tenant=tenant, requested=item.policy, jurisdiction=key[1]
            )
        zones = zones_for(
            timezone=customer.get("timezone"),
            phone=customer.get("phone"),
            fallback=tenant.default_timezone,
        )
        try:
            window = requested_window(item.variables, the_zone(zones))
            check_allowed(window, visit_policy(policies[key]), now)
        except BadWindow as bad:
            errors.append(FieldError(field=f"{prefix}variables.{bad.variable}", detail=bad.detail))
    return errors
