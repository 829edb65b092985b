"""Appending to the audit chain, and verifying it against the rows it vouches for.

Every timeline event and every state a delivery attempt reaches is appended, per tenant, as
`hash = SHA-256(prev_hash + canonical JSON)`. Verification walks the chain and then compares
the rows in the database with what the chain says they were: an entry edited or deleted, an
event or attempt edited, deleted or added behind Nudge's back, each shows as the first broken
link. Message bodies enter the chain only as SHA-256 digests, so retention can erase them and
the chain still verifies.
"""

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.chain import GENESIS, Break, Link, extend, first_break
from app.models.audit import AuditEntry
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import ReminderEvent
from app.models.tenants import Tenant

EVENT, ATTEMPT = "event", "attempt"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def event_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": event["id"],
        "reminder_id": str(event["reminder_id"]),
        "kind": str(event["kind"]),
        "reason": event["reason"],
        "detail": event["detail"],
        "at": _iso(event["at"]),
    }


def attempt_payload(attempt: DeliveryAttempt) -> dict[str, Any]:
    digest = (
        hashlib.sha256(attempt.body.encode()).hexdigest()
        if attempt.body is not None
        else attempt.body_sha256
    )
    return {
        "id": str(attempt.id),
        "reminder_id": str(attempt.reminder_id),
        "channel": attempt.channel,
        "provider": attempt.provider,
        "provider_message_id": attempt.provider_message_id,
        "status": str(attempt.status),
        "provider_status": attempt.provider_status,
        "error_code": attempt.error_code,
        "started_at": _iso(attempt.started_at),
        "finished_at": _iso(attempt.finished_at),
        "body_sha256": digest,
    }


def append(
    session: Session,
    *,
    events: Sequence[Mapping[str, Any]],
    attempts: Iterable[DeliveryAttempt],
    now: datetime,
) -> None:
    """Appends `events` (rows as inserted, with their ids) and `attempts` (as they stand now: a
    new one, or a changed status) to their tenants' chains.

    Only the lifecycle (app/lifecycle/) calls this, as part of every change it makes, so no
    change can reach the database without its entry."""
    _append(
        session,
        [(a.tenant_id, ATTEMPT, str(a.id), attempt_payload(a), now) for a in attempts]
        + [(e["tenant_id"], EVENT, str(e["id"]), event_payload(e), e["at"]) for e in events],
    )


Entry = tuple[uuid.UUID, str, str, dict[str, Any], datetime]
"""Tenant, kind, the row's id, the payload, and when."""


def _append(session: Session, entries: list[Entry]) -> None:
    by_tenant: dict[uuid.UUID, list[tuple[str, str, dict[str, Any], datetime]]] = {}
    for tenant_id, kind, ref, payload, at in entries:
        by_tenant.setdefault(tenant_id, []).append((kind, ref, payload, at))
    rows = []
    for tenant_id in sorted(by_tenant):  # one lock order for every writer
        # Appends to one chain take turns on the tenant row (SQLite: one writer). FOR NO KEY
        # UPDATE, not FOR UPDATE: the foreign-key checks of rows this transaction already
        # inserted hold KEY SHARE on the tenant, which FOR UPDATE would wait on, deadlocking two
        # writers that each inserted first.
        session.execute(
            sa.select(Tenant.id).where(Tenant.id == tenant_id).with_for_update(key_share=True)
        )
        last = session.execute(
            sa.select(AuditEntry.seq, AuditEntry.hash)
            .where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).first()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        rows += extend(tenant_id, by_tenant[tenant_id], seq=seq, prev=prev)
    if rows:
        session.execute(sa.insert(AuditEntry), rows)


@dataclass(frozen=True)
class Report:
    tenant_id: uuid.UUID
    entries: int
    broken: Break | None


def verify(session: Session, *, tenant_id: uuid.UUID) -> Report:
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.tenant_id == tenant_id)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    vouched: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    links = []
    for entry in entries:
        links.append(Link(entry.seq, entry.payload, entry.prev_hash, entry.hash))
        vouched[(entry.kind, entry.ref)] = (entry.seq, entry.payload)  # the latest wins
    count, broken = first_break(links)
    if broken is None:
        broken = _rows_disagree(session, tenant_id, vouched)
    return Report(tenant_id, count, broken)


def _rows_disagree(
    session: Session,
    tenant_id: uuid.UUID,
    vouched: dict[tuple[str, str], tuple[int, dict[str, Any]]],
) -> Break | None:
    """The rows as they are now against the chain's last word on each."""
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for event in session.scalars(
        sa.select(ReminderEvent)
        .where(ReminderEvent.tenant_id == tenant_id)
        .execution_options(yield_per=1000)
    ):
        current[(EVENT, str(event.id))] = event_payload(
            {
                name: getattr(event, name)
                for name in ("id", "reminder_id", "kind", "reason", "detail", "at")
            }
        )
    for attempt in session.scalars(
        sa.select(DeliveryAttempt)
        .where(DeliveryAttempt.tenant_id == tenant_id)
        .execution_options(yield_per=1000)
    ):
        current[(ATTEMPT, str(attempt.id))] = attempt_payload(attempt)
    problems = [
        Break(seq, f"the {kind} {ref} was changed or deleted outside Nudge")
        for (kind, ref), (seq, payload) in vouched.items()
        if current.get((kind, ref)) != payload
    ]
    extra = sorted(key for key in current if key not in vouched)
    if extra:
        kind, ref = extra[0]
        problems.append(Break(len(vouched) + 1, f"the {kind} {ref} was added outside Nudge"))
    return min(problems, key=lambda problem: problem.seq, default=None)
