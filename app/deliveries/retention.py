"""Erasing what old records say about people, while keeping what happened to them.

A delivery attempt older than the limit loses its body (its SHA-256 stays in `body_sha256`, so
the record still proves which words were sent) and its recipient address. A customer loses
their phone and email only once nothing about them is recent or still to come: no reminder
pending, no reminder or attempt or update inside the limit. A hardship request older than the
limit loses the borrower's own words (`note`, `callback`) from the customer's timeline and from
its lender notice once that notice is done (delivered or given up; one still to be sent keeps
them until then), each beside its SHA-256, which is all the audit chain ever held of them.
Statuses, counts, reminder events and opt-outs (the do-not-contact registry must keep working)
are never touched.

The same pass deletes, whatever `days` is, what is not history: status callbacks kept for a
message that was never recorded (reports that found nothing to apply to), and Idempotency-Key
records past their `expires_at` (a retry that late takes the key over anyway, so the stored
response would never be replayed; left alone they grow with every keyed request), and borrower
links expired for 90 days.
"""

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.audit.service import FREE_TEXT, digest
from app.borrower import repository as borrower_links
from app.deliveries import pending
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.idempotency import IdempotencyRecord
from app.models.inbound import InboundMessage
from app.models.preferences import CustomerEvent, LenderNotice
from app.models.reminders import Reminder
from app.models.states import PENDING, ReminderStatus

logger = logging.getLogger(__name__)
CHUNK = 1000
MAY_STILL_SEND = PENDING | {ReminderStatus.UNKNOWN}
"""Reminders that may still reach the customer, so their contact details are still needed: the
pending ones, and those of unknown outcome, which ops may resolve into a retry."""


@dataclass(frozen=True)
class Erased:
    attempts: int
    customers: int
    replies: int = 0
    """Inbound texts whose words were erased (the record of the reply stays)."""
    callbacks: int = 0
    """Status callbacks kept for a message never recorded, deleted after their TTL."""
    idempotency_keys: int = 0
    """Idempotency-Key records deleted once expired."""
    notes: int = 0
    """Hardship requests' timeline lines and lender notices whose free text was erased."""
    links: int = 0
    """Borrower links expired for 90 days (app/borrower), deleted."""


def erase_expired(session: Session, *, now: datetime, days: int) -> Erased:
    """Flushes only: the caller commits. `days == 0` keeps everything forever."""
    if days == 0:
        return Erased(attempts=0, customers=0)
    cutoff = now - timedelta(days=days)
    return Erased(
        attempts=_erase_attempts(session, cutoff),
        customers=_erase_customers(session, cutoff),
        replies=_erase_replies(session, cutoff),
        notes=_erase_notes(session, cutoff),
    )


def _erase_notes(session: Session, cutoff: datetime) -> int:
    """The timeline's free text, then the done notices'; a JSON null is SQL NULL to
    `as_string()` on both databases, so erased rows are not read again."""
    line, notice = CustomerEvent, LenderNotice
    lines = session.execute(
        sa.select(line.id, line.detail).where(
            line.at < cutoff,
            sa.or_(*(line.detail[name].as_string().is_not(None) for name in FREE_TEXT)),
        )
    ).all()
    notices = session.execute(
        sa.select(notice.id, notice.payload).where(
            notice.created_at < cutoff,
            notice.next_attempt_at.is_(None),
            sa.or_(
                *(notice.payload[("notice", name)].as_string().is_not(None) for name in FREE_TEXT)
            ),
        )
    ).all()
    for id_, detail in lines:
        session.execute(sa.update(line).where(line.id == id_).values(detail=_erased(detail)))
    for id_, payload in notices:
        erased = payload | {"notice": _erased(payload["notice"])}
        session.execute(sa.update(notice).where(notice.id == id_).values(payload=erased))
    return len(lines) + len(notices)


def _erased(fields: dict[str, Any]) -> dict[str, Any]:
    """Each free-text field null beside its digest (`<field>_sha256`)."""
    erased = dict(fields)
    for name in FREE_TEXT:
        if fields.get(name) is not None:
            erased |= {name: None, f"{name}_sha256": digest(fields[name])}
    return erased


def _erase_replies(session: Session, cutoff: datetime) -> int:
    erased = session.execute(
        sa.update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.body.is_not(None))
        .values(body=None)
    )
    return int(erased.rowcount)  # type: ignore[attr-defined]


def delete_expired_idempotency_keys(session: Session, *, now: datetime) -> int:
    """The same test the service makes (`expires_at <= now` frees a key), so nothing a retry
    could still replay is deleted."""
    deleted = session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def _erase_attempts(session: Session, cutoff: datetime) -> int:
    A = DeliveryAttempt
    erased = 0
    while True:
        rows = session.execute(
            sa.select(A.id, A.body)
            .where(A.started_at < cutoff, sa.or_(A.body.is_not(None), A.recipient.is_not(None)))
            .limit(CHUNK)
        ).all()
        if not rows:
            return erased
        session.execute(
            sa.update(A),
            [
                {
                    "id": attempt_id,
                    "body": None,
                    "recipient": None,
                    **({"body_sha256": digest(body)} if body is not None else {}),
                }
                for attempt_id, body in rows
            ],
        )
        erased += len(rows)


def _erase_customers(session: Session, cutoff: datetime) -> int:
    recent_reminder = sa.exists().where(
        Reminder.customer_id == Customer.id,
        sa.or_(Reminder.status.in_(MAY_STILL_SEND), Reminder.updated_at >= cutoff),
    )
    recent_attempt = sa.exists().where(
        DeliveryAttempt.customer_id == Customer.id, DeliveryAttempt.started_at >= cutoff
    )
    ids: list[uuid.UUID] = list(
        session.scalars(
            sa.select(Customer.id).where(
                sa.or_(Customer.phone.is_not(None), Customer.email.is_not(None)),
                Customer.updated_at < cutoff,
                ~recent_reminder,
                ~recent_attempt,
            )
        )
    )
    for start in range(0, len(ids), CHUNK):
        session.execute(
            sa.update(Customer)
            .where(Customer.id.in_(ids[start : start + CHUNK]))
            .values(phone=None, email=None),
        )
    return len(ids)


def run(
    sessions: sessionmaker[Session], *, now: datetime, days: int, pending_ttl: timedelta
) -> Erased:
    """One retention pass in its own transaction: the daily job and `nudge retention run`."""
    with sessions.begin() as session:
        erased = erase_expired(session, now=now, days=days)
        erased = replace(
            erased,
            callbacks=pending.expire(session, now=now, ttl=pending_ttl),
            idempotency_keys=delete_expired_idempotency_keys(session, now=now),
            links=borrower_links.delete_stale(session, now=now),
        )
    logger.info(
        "retention erased %d attempt bodies, %d customers' contact details, %d replies and "
        "%d hardship notes, and deleted %d expired status callbacks, %d expired idempotency "
        "keys and %d stale borrower links",
        erased.attempts,
        erased.customers,
        erased.replies,
        erased.notes,
        erased.callbacks,
        erased.idempotency_keys,
        erased.links,
    )
    return erased
