"""Appending to the audit chain, and verifying it against the rows it vouches for.

Every timeline event and every state a delivery attempt reaches is appended, per tenant, as
`hash = SHA-256(prev_hash + canonical JSON)`. Verification walks the chain and then compares
the rows in the database with what the chain says they were: an entry edited or deleted, an
event or attempt edited, deleted or added behind Nudge's back, each shows as the first broken
link. Message bodies, and the borrower's own words on their timeline (a hardship request's
`note` and `callback`), enter the chain only as SHA-256 digests, so retention can erase them
and the chain still verifies.
"""

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.chain import Break, Link, first_break
from app.db import insert_rows
from app.models.audit import AuditEntry
from app.models.deliveries import DeliveryAttempt
from app.models.preferences import CustomerEvent
from app.models.reminders import ReminderEvent

EVENT, ATTEMPT, CUSTOMER_EVENT = "event", "attempt", "customer_event"
FREE_TEXT = ("note", "callback")
"""A customer timeline line's fields in the borrower's own words: retention erases them to
null beside a `<field>_sha256` digest (app/deliveries/retention.py)."""


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


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def customer_event_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": event["id"],
        "customer_id": str(event["customer_id"]),
        "kind": event["kind"],
        "source": event["source"],
        "detail": sealed(event["detail"]),
        "at": _iso(event["at"]),
    }


def sealed(detail: Mapping[str, Any]) -> dict[str, Any]:
    """`detail` with each free-text field as its digest: the text while it is kept, the
    stored digest once erased, so both give the same entry."""
    hidden = {*FREE_TEXT, *(f"{name}_sha256" for name in FREE_TEXT)}
    kept = {name: value for name, value in detail.items() if name not in hidden}
    for name in FREE_TEXT:
        if name in detail:
            text = detail[name]
            kept[f"{name}_sha256"] = (
                digest(text) if text is not None else detail.get(f"{name}_sha256")
            )
    return kept


class AttemptState(Protocol):
    """What an attempt's entry records: a `DeliveryAttempt`, or the plain row a dispatch round
    writes with Core (app/lifecycle/answers.py)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def reminder_id(self) -> uuid.UUID: ...
    @property
    def channel(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def provider_message_id(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def provider_status(self) -> str | None: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def body(self) -> str | None: ...
    @property
    def body_sha256(self) -> str | None: ...


def attempt_payload(attempt: AttemptState) -> dict[str, Any]:
    body_sha256 = digest(attempt.body) if attempt.body is not None else attempt.body_sha256
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
        "body_sha256": body_sha256,
    }


def append(
    session: Session,
    *,
    events: Sequence[Mapping[str, Any]],
    attempts: Iterable[AttemptState],
    now: datetime,
    customer_events: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Appends `events` (rows as inserted, with their ids), `attempts` (as they stand now: a
    new one, or a changed status) and `customer_events` (a customer's own timeline) to their
    tenants' chains.

    Only the lifecycle (app/lifecycle/) calls this, as part of every change it makes, so no
    change can reach the database without its entry."""
    _append(
        session,
        [(a.tenant_id, ATTEMPT, str(a.id), attempt_payload(a), now) for a in attempts]
        + [(e["tenant_id"], EVENT, str(e["id"]), event_payload(e), e["at"]) for e in events]
        + [
            (e["tenant_id"], CUSTOMER_EVENT, str(e["id"]), customer_event_payload(e), e["at"])
            for e in customer_events
        ],
    )


Entry = tuple[uuid.UUID, str, str, dict[str, Any], datetime]
"""Tenant, kind, the row's id, the payload, and when."""


def _append(session: Session, entries: list[Entry]) -> None:
    """Inserts the entries unlinked, in one statement: no lock on the tenant, no read of its
    chain and no hashing in the writer's transaction, so a tenant's writers never take turns.
    The sequencer (app/audit/sequencer.py) links them in id order moments later.

    The caller's pending changes are flushed first, so an entry's id is taken after the row
    it records was written (and locked, for an update): a later change of the same row can
    only be inserted after this transaction ends, with a higher id, and so is linked after
    this one; a row's latest entry is always its latest state. The insert itself is one bulk
    insert (`insert_rows`)."""
    if entries:
        session.flush()
        insert_rows(
            session,
            AuditEntry,
            [
                {"tenant_id": tenant_id, "kind": kind, "ref": ref, "payload": payload, "at": at}
                for tenant_id, kind, ref, payload, at in entries
            ],
        )


@dataclass(frozen=True)
class Report:
    tenant_id: uuid.UUID
    entries: int
    """Linked entries that verified before the first break (all of them when intact)."""
    broken: Break | None
    unlinked: int = 0
    """Entries written but not linked yet: their rows are compared, their content is not
    sealed by the chain until the sequencer links them."""
    oldest_unlinked_at: datetime | None = None


class Vouched(NamedTuple):
    """A row's latest entry: its number (for an unlinked one, the number it will get if the
    sequencer links the backlog as it stands), its payload, and whether it is linked."""

    seq: int
    payload: dict[str, Any]
    linked: bool


def verify(session: Session, *, tenant_id: uuid.UUID) -> Report:
    """Walks the linked chain, then compares every event and attempt row with its latest
    entry, linked or not: a row edited behind Nudge's back moments after its change, before
    the sequencer linked the entry, is caught as well. Read-only, so it never waits on or
    delays the sequencer. Call it at the start of a transaction, so that it reads one
    snapshot."""
    _one_snapshot(session)
    # One statement reads linked and unlinked entries alike, so an entry the sequencer links
    # meanwhile is seen once (as it stood at the snapshot), never missed between two reads.
    rows = session.execute(
        sa.select(
            AuditEntry.id,
            AuditEntry.seq,
            AuditEntry.kind,
            AuditEntry.ref,
            AuditEntry.payload,
            AuditEntry.prev_hash,
            AuditEntry.hash,
            AuditEntry.at,
        )
        .where(AuditEntry.tenant_id == tenant_id)
        .order_by(AuditEntry.seq)  # the unlinked (null) all come first or all last
        .execution_options(yield_per=1000)
    )
    vouched: dict[tuple[str, str], Vouched] = {}
    links, unlinked = [], []
    for row in rows:
        if row.seq is None:
            unlinked.append(row)
            continue
        links.append(Link(row.seq, row.payload, row.prev_hash, row.hash))
        vouched[(row.kind, row.ref)] = Vouched(row.seq, row.payload, linked=True)  # latest wins
    unlinked.sort(key=lambda row: row.id)  # the order the sequencer will link them in
    for position, row in enumerate(unlinked, start=len(links) + 1):
        vouched[(row.kind, row.ref)] = Vouched(position, row.payload, linked=False)
    count, broken = first_break(links)
    if broken is None:
        next_seq = len(links) + len(unlinked) + 1
        broken = _rows_disagree(session, tenant_id, vouched, next_seq=next_seq)
    return Report(
        tenant_id,
        count,
        broken,
        unlinked=len(unlinked),
        oldest_unlinked_at=min((row.at for row in unlinked), default=None),
    )


def _one_snapshot(session: Session) -> None:
    """Makes the transaction about to begin read one snapshot: an event or attempt and its
    entry, committed together while verify reads, are then seen together or not at all (else a
    row newer than the entries read would look edited behind Nudge's back). Within a
    transaction already under way it changes nothing."""
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        # pysqlite opens a transaction only before a write, so each read would be a snapshot
        # of its own; in WAL mode an explicit BEGIN keeps the first read's for the rest.
        session.execute(sa.text("BEGIN"))


def _rows_disagree(
    session: Session,
    tenant_id: uuid.UUID,
    vouched: dict[tuple[str, str], Vouched],
    *,
    next_seq: int,
) -> Break | None:
    """The rows as they are now against the latest entry on each."""
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
    for line in session.scalars(
        sa.select(CustomerEvent)
        .where(CustomerEvent.tenant_id == tenant_id)
        .execution_options(yield_per=1000)
    ):
        current[(CUSTOMER_EVENT, str(line.id))] = customer_event_payload(
            {
                name: getattr(line, name)
                for name in ("id", "customer_id", "kind", "source", "detail", "at")
            }
        )
    problems = [
        Break(
            entry.seq,
            f"the {kind} {ref} was changed or deleted outside Nudge"
            + ("" if entry.linked else " (its latest entry is not linked yet)"),
        )
        for (kind, ref), entry in vouched.items()
        if current.get((kind, ref)) != entry.payload
    ]
    extra = sorted(key for key in current if key not in vouched)
    if extra:
        kind, ref = extra[0]
        problems.append(Break(next_seq, f"the {kind} {ref} was added outside Nudge"))
    return min(problems, key=lambda problem: problem.seq, default=None)
