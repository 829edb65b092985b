"""Turns a rendered reminder into the message one channel sends."""

import json

from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.tenants import Tenant
from app.optouts.links import UnsubscribeLinks, with_link
from app.templates.render import carrier_text
from app.templates.schemas import Rendered
from app.visits.message import webhook_message
from channels.aliyun.settings import AliyunAccount
from channels.base import Account, ApprovedTemplate, Channel, Message


def compose(
    reminder: Reminder,
    customer: Customer,
    tenant: Tenant,
    rendered: Rendered,
    *,
    links: UnsubscribeLinks,
    account: Account | None,
) -> Message:
    """The message for the provider, with the tenant's own account with it if the registry
    chose one; addresses were checked at submission. An email carries
    the customer's signed one-click unsubscribe link, in its header and at its end (not in the
    delivery record's copy: the link is a credential)."""
    reference = str(reminder.id)
    metadata = {
        "loan_ref": reminder.loan_ref,
        "customer_ref": customer.ref,
        "template": reminder.template,
    }
    channel = rendered.channel
    if channel is Channel.EMAIL:
        assert customer.email is not None
        url = links.email(tenant_id=reminder.tenant_id, customer_id=customer.id)
        text, html = with_link(rendered.text or "", rendered.html, url=url, locale=rendered.locale)
        return Message(
            channel=channel,
            to=customer.email,
            reference=reference,
            body=text,
            subject=rendered.subject,
            html=html,
            unsubscribe_url=url,
            metadata=metadata,
            account=account,
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
            account=account,
        )
    if channel is Channel.WEBHOOK:
        return webhook_message(reminder, customer, tenant, rendered, metadata, account)
    to = customer.phone
    assert to is not None
    if isinstance(account, AliyunAccount):
        return _through_aliyun(rendered, to=to, reference=reference, account=account)
    return Message(
        channel=channel,
        to=to,
        reference=reference,
        body=rendered.body or "",
        metadata=metadata,
        account=account,
    )


def _through_aliyun(
    rendered: Rendered, *, to: str, reference: str, account: AliyunAccount
) -> Message:
    """A tenant with its own Aliyun account texts through it, with the approved template its
    variant names; a variant naming none leaves the message without one, which the adapter
    refuses (that reminder fails alone, saying why)."""
    own = rendered.aliyun
    return Message(
        channel=Channel.SMS,
        to=to,
        reference=reference,
        body=carrier_text(account.sign_name, own.text) if own else "",
        account=account,
        template=ApprovedTemplate(own.template_code, own.params) if own else None,
    )


def text_of(rendered: Rendered, message: Message) -> str:
    """The words the customer received, as the delivery record keeps them: through a
    provider's approved template, the carrier's text."""
    if message.template is not None:
        return message.body
    if rendered.channel is Channel.EMAIL:
        return f"Subject: {rendered.subject}\n\n{rendered.text}"
    if rendered.channel is Channel.WEBHOOK:
        return json.dumps(rendered.payload, ensure_ascii=False, sort_keys=True)
    return (rendered.script if rendered.channel is Channel.VOICE else rendered.body) or ""
