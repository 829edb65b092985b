"""Texts customers send to Nudge's number: opt-out and opt-in keywords, HELP, and replies.

A provider plugin's route hands each over as an `InboundText`. A text is for the tenants that
send from the number it reached (`queries.tenants_sharing_the_sender`): the tenant whose own
account received it, else every tenant on the provider's shared (global) account. Among
those, the phone may belong to customers of several; the text answers the tenant that most
recently contacted it (`queries.sender`), since that is the message the customer is replying to.
A STOP from a number no customer has yet opts it out of every one of those tenants, so it is
never dropped.
"""

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.clock import Clock
from app.deliveries import queries
from app.deliveries.keywords import Keyword, keyword
from app.lifecycle.changes import changes
from app.lifecycle.events import Replied
from app.masking import mask_phone
from app.models.customers import Customer
from app.models.inbound import InboundMessage
from app.models.optouts import OptOutChannel, OptOutSource
from app.models.tenants import Tenant
from app.optouts import service as optouts
from app.optouts.schemas import OptOutIn
from app.templates.helpline import as_dialled, home_region
from channels.plugin import InboundText

logger = logging.getLogger(__name__)


def confirmation(word: Keyword, *, chinese: bool, name: str, help_phone: str | None) -> str:
    """What the customer reads back, in their language; every answer says how to opt out."""
    if chinese:
        texts = {
            Keyword.STOP: f"【{name}】您已退订短信提醒，我们将不再向您发送短信。回复START可恢复。",
            Keyword.START: f"【{name}】您已恢复接收短信提醒。回复TD退订。",
            Keyword.HELP: f"【{name}】"
            + (f"如需帮助，请致电{help_phone}。" if help_phone else "")
            + "回复TD退订。",
        }
    else:
        texts = {
            Keyword.STOP: f"{name}: you are unsubscribed and will get no more texts from us. "
            "Reply START to resubscribe.",
            Keyword.START: f"{name}: you are resubscribed to text reminders. "
            "Reply STOP to unsubscribe.",
            Keyword.HELP: f"{name}: "
            + (f"for help call {help_phone}. " if help_phone else "")
            + "Reply STOP to unsubscribe.",
        }
    return texts[word]


def handle(session: Session, *, inbound: InboundText, provider: str, clock: Clock) -> str | None:
    """Acts on one inbound text once; returns the answer to send back, if any.

    A message id seen before (the provider posting again, or anyone replaying a signed post)
    changes nothing and gets the answer it got the first time, whatever was texted since.
    """
    ids = {"provider": provider, "provider_message_id": inbound.provider_message_id}
    if not queries.claim_inbound(session, **ids, now=clock.now()):
        logger.info("inbound message %s seen before; answered as then", ids["provider_message_id"])
        return queries.inbound_answer(session, **ids)
    answer = _act(session, inbound=inbound, provider=provider, clock=clock)
    queries.record_inbound_answer(session, **ids, answer=answer)
    return answer


def _act(session: Session, *, inbound: InboundText, provider: str, clock: Clock) -> str | None:
    word = keyword(inbound.body)
    tenant_ids = queries.tenants_sharing_the_sender(session, provider=provider, owner=inbound.owner)
    customer = queries.sender(session, inbound.from_phone, tenant_ids=tenant_ids)
    if customer is None:
        _from_unknown_number(
            session, inbound=inbound, word=word, tenant_ids=tenant_ids, clock=clock
        )
        return None
    tenant = session.get_one(Tenant, customer.tenant_id)
    if word is None:
        _store_reply(session, customer=customer, inbound=inbound, clock=clock)
        return None
    if word is Keyword.STOP:
        _opt_out(session, tenant_id=tenant.id, phone=inbound.from_phone, clock=clock)
    elif word is Keyword.START:
        optouts.lift_sms(session, tenant_id=tenant.id, phone=inbound.from_phone)
    locale = customer.message_locale or tenant.default_locale
    return confirmation(
        word,
        chinese=locale.lower().startswith("zh"),
        name=tenant.display_name,
        help_phone=as_dialled(
            tenant.help_phone, customer_region=home_region(customer.phone, customer.jurisdiction)
        ),
    )


def _from_unknown_number(
    session: Session,
    *,
    inbound: InboundText,
    word: Keyword | None,
    tenant_ids: Sequence[uuid.UUID],
    clock: Clock,
) -> None:
    """No customer has this phone yet, but a STOP is still the phone owner's wish: the phone is
    opted out of SMS in every tenant that sends from the number it texted, so a customer given
    this phone later is not texted, whatever their ref. Nothing is answered (no tenant to sign
    the text as), and anything else is dropped: there is no customer to file a reply under."""
    masked = mask_phone(inbound.from_phone)
    if word is not Keyword.STOP:
        logger.info("inbound text from unknown number %s ignored", masked)
        return
    for tenant_id in tenant_ids:
        _opt_out(session, tenant_id=tenant_id, phone=inbound.from_phone, clock=clock)
    logger.info("STOP from unknown number %s: opted out in %d tenants", masked, len(tenant_ids))


def _opt_out(session: Session, *, tenant_id: uuid.UUID, phone: str, clock: Clock) -> None:
    optouts.register(
        session,
        tenant_id=tenant_id,
        opt_out=OptOutIn(phone=phone, channel=OptOutChannel.SMS, source=OptOutSource.INBOUND_STOP),
        now=clock.now(),
    )


def _store_reply(
    session: Session, *, customer: Customer, inbound: InboundText, clock: Clock
) -> None:
    """Pointed to from the customer's latest reminder; the timeline names the message, not its
    words, which stay in one erasable place."""
    now = clock.now()
    message = InboundMessage(
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        from_phone=inbound.from_phone,
        body=inbound.body,
        provider_message_id=inbound.provider_message_id,
        received_at=now,
    )
    session.add(message)
    session.flush()
    reminder_id = queries.latest_reminder_id(
        session, tenant_id=customer.tenant_id, customer_id=customer.id
    )
    if reminder_id is not None:
        with changes(session, now=now) as replied:
            event = Replied(
                inbound_message_id=message.id, provider_message_id=inbound.provider_message_id
            )
            replied.note(tenant_id=customer.tenant_id, reminder_id=reminder_id, event=event)
