"""Every query the callback and inbound webhooks make."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.customers.models import Customer
from app.db import dialect_insert
from app.deliveries.inbound_models import InboundReceipt
from app.dispatch.claim import STARTED
from app.optouts.models import OptOut, OptOutChannel
from app.reminders.models import DeliveryAttempt, Reminder
from app.tenants.models import Tenant


def attempt_by_provider_id(session: Session, provider_message_id: str) -> DeliveryAttempt | None:
    """Row-locked, so two callbacks for one message compare ranks one after the other."""
    return session.scalar(
        sa.select(DeliveryAttempt)
        .where(DeliveryAttempt.provider_message_id == provider_message_id)
        .with_for_update()
    )


def tenant_of_message(
    session: Session, provider_message_id: str, reminder_id: uuid.UUID | None
) -> uuid.UUID | None:
    """Whose message a callback is about: the attempt's tenant, or, before the dispatcher has
    recorded the message's id, the tenant of the reminder the callback URL names. No lock:
    only the signature is checked with it."""
    found = session.scalar(
        sa.select(DeliveryAttempt.tenant_id).where(
            DeliveryAttempt.provider_message_id == provider_message_id
        )
    )
    if found is None and reminder_id is not None:
        found = session.scalar(sa.select(Reminder.tenant_id).where(Reminder.id == reminder_id))
    return found


def awaits_provider_id(session: Session, reminder_id: uuid.UUID) -> bool:
    """Whether the reminder has an attempt started whose provider answer is not recorded yet.

    Locks the reminder first. The dispatcher's record updates it in the transaction that sets
    the message id, so on PostgreSQL this waits for a record in flight, and a record that starts
    later waits for this transaction: a callback and the record never miss each other.
    """
    locked = session.scalar(
        sa.select(Reminder.id).where(Reminder.id == reminder_id).with_for_update()
    )
    if locked is None:
        return False
    started = sa.exists().where(
        DeliveryAttempt.reminder_id == reminder_id, DeliveryAttempt.status == STARTED
    )
    return bool(session.scalar(sa.select(started)))


def sender(session: Session, phone: str, *, tenant_ids: Sequence[uuid.UUID]) -> Customer | None:
    """The customer behind an inbound number: of those with this phone in the tenants the text
    was sent to, the one Nudge contacted most recently (then the one most recently updated)."""
    last_contact = (
        sa.select(sa.func.max(DeliveryAttempt.started_at))
        .where(
            DeliveryAttempt.tenant_id == Customer.tenant_id,
            DeliveryAttempt.customer_id == Customer.id,
        )
        .scalar_subquery()
    )
    return session.scalar(
        sa.select(Customer)
        .where(Customer.phone == phone, Customer.tenant_id.in_(tenant_ids))
        .order_by(last_contact.desc().nulls_last(), Customer.updated_at.desc(), Customer.id)
        .limit(1)
    )


def tenants_sharing_the_sender(
    session: Session, *, provider: str, owner: uuid.UUID | None
) -> list[uuid.UUID]:
    """The tenants that send from the number an inbound text reached: its `owner`, the tenant
    whose own account received it, else every tenant without an account of its own with the
    provider, since those all send through the service's one sender (for Twilio,
    `NUDGE_TWILIO_FROM_NUMBER` or the Messaging Service's numbers). A STOP to one lender's own
    number never opts the phone out of another's."""
    if owner is not None:
        return [owner]
    own = accounts.holders(session, provider)
    return [
        tenant_id
        for tenant_id in session.scalars(sa.select(Tenant.id).order_by(Tenant.id))
        if tenant_id not in own
    ]


def latest_reminder_id(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> uuid.UUID | None:
    return session.scalar(
        sa.select(Reminder.id)
        .where(Reminder.tenant_id == tenant_id, Reminder.customer_id == customer_id)
        .order_by(Reminder.created_at.desc(), Reminder.id.desc())
        .limit(1)
    )


def lift_sms_opt_outs(session: Session, *, tenant_id: uuid.UUID, phone: str) -> None:
    """Only the number's own SMS opt-outs: one ops registered for the customer, or for every
    channel, stays until ops lift it."""
    session.execute(
        sa.delete(OptOut).where(
            OptOut.tenant_id == tenant_id,
            OptOut.phone == phone,
            OptOut.customer_ref.is_(None),
            OptOut.channel == OptOutChannel.SMS,
        )
    )


def claim_inbound(
    session: Session, *, provider: str, provider_message_id: str, now: datetime
) -> bool:
    """Whether this post is the message's first: its receipt is written now, in the request's
    transaction. A concurrent post of the same id waits here until that transaction ends (the
    key is taken on PostgreSQL; SQLite has one writer), then finds the receipt and gets False."""
    inserted = session.execute(
        dialect_insert(session, InboundReceipt)
        .values(provider=provider, provider_message_id=provider_message_id, received_at=now)
        .on_conflict_do_nothing()
        .returning(InboundReceipt.provider_message_id)
    ).first()
    return inserted is not None


def record_inbound_answer(
    session: Session, *, provider: str, provider_message_id: str, answer: str | None
) -> None:
    session.execute(
        sa.update(InboundReceipt)
        .where(
            InboundReceipt.provider == provider,
            InboundReceipt.provider_message_id == provider_message_id,
        )
        .values(answer=answer)
    )


def inbound_answer(session: Session, *, provider: str, provider_message_id: str) -> str | None:
    return session.scalar(
        sa.select(InboundReceipt.answer).where(
            InboundReceipt.provider == provider,
            InboundReceipt.provider_message_id == provider_message_id,
        )
    )
