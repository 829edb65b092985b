"""Turns a reminder into the message one channel sends, rendered from its pinned template."""

from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.reminders.models import Reminder
from app.templates.schemas import Rendered
from app.templates.service import render_for_reminder
from channels.base import Channel, Message


def compose(
    session: Session, *, reminder: Reminder, customer: Customer, channel: Channel
) -> tuple[Message, Rendered]:
    """The message for the provider, and the rendering kept in the delivery record."""
    rendered = render_for_reminder(
        session, tenant_id=reminder.tenant_id, reminder=reminder, channel=channel, customer=customer
    )
    reference = str(reminder.id)
    metadata = {
        "loan_ref": reminder.loan_ref,
        "customer_ref": customer.ref,
        "template": reminder.template,
    }
    if channel is Channel.EMAIL:
        assert customer.email is not None, "checked at submission"
        return Message(
            channel=channel,
            to=customer.email,
            reference=reference,
            body=rendered.text or "",
            subject=rendered.subject,
            html=rendered.html,
            metadata=metadata,
        ), rendered
    if channel is Channel.VOICE:
        assert customer.phone is not None, "checked at submission"
        return Message(
            channel=channel,
            to=customer.phone,
            reference=reference,
            body=rendered.script or "",
            voice=rendered.voice,
            language=rendered.language,
            metadata=metadata,
        ), rendered
    to = customer.ref if channel is Channel.WEBHOOK else customer.phone
    assert to is not None, "checked at submission"
    return Message(
        channel=channel, to=to, reference=reference, body=rendered.body or "", metadata=metadata
    ), rendered


def text_of(rendered: Rendered) -> str:
    """The words the customer received, as the delivery record keeps them."""
    if rendered.channel is Channel.EMAIL:
        return f"Subject: {rendered.subject}\n\n{rendered.text}"
    return (rendered.script if rendered.channel is Channel.VOICE else rendered.body) or ""
