"""Turns a rendered reminder into the message one channel sends."""

import json

from app.customers.models import Customer
from app.optouts.links import UnsubscribeLinks
from app.reminders.models import Reminder
from app.templates.schemas import Rendered
from app.tenants.models import Tenant
from app.visits.message import webhook_message
from channels.base import Channel, Message


def compose(
    reminder: Reminder,
    customer: Customer,
    tenant: Tenant,
    rendered: Rendered,
    *,
    links: UnsubscribeLinks,
) -> Message:
    """The message for the provider; addresses were checked at submission. An email carries
    the customer's signed one-click unsubscribe link."""
    reference = str(reminder.id)
    metadata = {
        "loan_ref": reminder.loan_ref,
        "customer_ref": customer.ref,
        "template": reminder.template,
    }
    channel = rendered.channel
    if channel is Channel.EMAIL:
        assert customer.email is not None
        return Message(
            channel=channel,
            to=customer.email,
            reference=reference,
            body=rendered.text or "",
            subject=rendered.subject,
            html=rendered.html,
            unsubscribe_url=links.email(tenant_id=reminder.tenant_id, customer_id=customer.id),
            metadata=metadata,
        )
    if channel is Channel.VOICE:
        assert customer.phone is not None
        return Message(
            channel=channel,
            to=customer.phone,
            reference=reference,
            body=rendered.script or "",
            voice=rendered.voice,
            language=rendered.language,
            metadata=metadata,
        )
    if channel is Channel.WEBHOOK:
        return webhook_message(reminder, customer, tenant, rendered, metadata)
    to = customer.phone
    assert to is not None
    return Message(
        channel=channel, to=to, reference=reference, body=rendered.body or "", metadata=metadata
    )


def text_of(rendered: Rendered) -> str:
    """The words the customer received, as the delivery record keeps them."""
    if rendered.channel is Channel.EMAIL:
        return f"Subject: {rendered.subject}\n\n{rendered.text}"
    if rendered.channel is Channel.WEBHOOK:
        return json.dumps(rendered.payload, ensure_ascii=False, sort_keys=True)
    return (rendered.script if rendered.channel is Channel.VOICE else rendered.body) or ""
