"""Linking unlinked audit entries onto their tenants' chains, one sequencer at a time.

Writers insert entries unlinked (app/audit/service.py); this numbers and hashes them, per
tenant in id order, from the tenant's last linked entry, in batches of one transaction each,
as a transparency log's sequencer does. The worker's scheduler runs it every second.

Only one sequencer links at a time: on PostgreSQL it takes a transaction-scoped advisory lock
and steps aside when another process holds it; on SQLite it takes the database's single write
lock before reading anything. An entry committed late with a lower id than entries already
linked (PostgreSQL hands out ids before commit) is simply linked by a later batch: the chain's
order is the order of linking. Nothing is linked twice: an entry is updated only while its
`seq` is still null, and `(tenant_id, seq)` is unique, so a batch that somehow raced another
fails whole instead of forking a chain. Nothing is skipped: every batch starts from the oldest
entry still unlinked.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.audit.chain import GENESIS, seal
from app.models.audit import AuditEntry

INTERVAL_SECONDS = 1.0
"""How often the worker's scheduler runs the sequencer."""
BATCH = 5_000
"""Entries linked per transaction: a few hundred milliseconds of hashing and updates."""
MAX_BATCHES = 20
"""Batches per run, so a run under a backlog that keeps growing still ends (the next one
picks up where it stopped)."""
LOCK = int.from_bytes(hashlib.sha256(b"nudge.audit.sequencer").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key only sequencers take."""


class Contended(Exception):
    """Fewer entries were updated than the batch read: another sequencer linked some (it cannot
    happen under the lock) or they were deleted meanwhile (their tenant removed). The batch is
    rolled back rather than written over the other's; the next run reads afresh."""


def link_batch(session: Session, *, limit: int = BATCH) -> int | None:
    """Links up to `limit` of the oldest unlinked entries in the caller's transaction: how
    many, or None when another sequencer holds the lock. The caller commits."""
    unlinked = sa.select(AuditEntry.id).where(AuditEntry.seq.is_(None)).limit(1)
    if session.scalar(unlinked) is None:
        return 0  # idle: no lock taken (on SQLite it would queue behind every writer)
    if not _take_lock(session):
        return None
    pending = session.execute(
        sa.select(AuditEntry.id, AuditEntry.tenant_id, AuditEntry.payload)
        .where(AuditEntry.seq.is_(None))
        .order_by(AuditEntry.id)
        .limit(limit)
    ).all()
    by_tenant: dict[uuid.UUID, list[Any]] = {}
    for row in pending:
        by_tenant.setdefault(row.tenant_id, []).append(row)
    ids: list[int] = []
    links: list[tuple[int, str, str]] = []
    for tenant_id, rows in by_tenant.items():
        seq, prev = _head(session, tenant_id)
        ids += [row.id for row in rows]
        links += seal((row.payload for row in rows), seq=seq, prev=prev)
    if ids:
        _write(session, ids, links)
    return len(pending)


def link(sessions: sessionmaker[Session], *, limit: int = BATCH, batches: int = MAX_BATCHES) -> int:
    """Links the backlog, one transaction per batch, until it is empty, another sequencer
    holds the lock, or `batches` batches have run; returns how many entries it linked."""
    total = 0
    for _ in range(batches):
        with sessions.begin() as session:
            linked = link_batch(session, limit=limit)
        if linked is None:
            break
        total += linked
        if linked < limit:
            break
    return total


def _take_lock(session: Session) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        # Released when the transaction ends; taken first, so each statement after it (read
        # committed) sees every batch the previous holder committed.
        return bool(session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK))))
    # SQLite: a write that matches nothing takes the single write lock (waiting its turn)
    # before the reads below, so two processes' sequencers link one after the other.
    session.execute(sa.update(AuditEntry).where(sa.false()).values(seq=None))
    return True


def _head(session: Session, tenant_id: uuid.UUID) -> tuple[int, str]:
    """The tenant's last linked entry's number and hash, or a new chain's."""
    last = session.execute(
        sa.select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.tenant_id == tenant_id, AuditEntry.seq.is_not(None))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return 0, GENESIS
    return int(last.seq), str(last.hash)


def _write(session: Session, ids: list[int], links: list[tuple[int, str, str]]) -> None:
    """Only entries still unlinked are updated. One statement on PostgreSQL (arrays unnested:
    one round trip for the batch); SQLite, in-process, takes an update per entry as cheaply."""
    if session.get_bind().dialect.name == "postgresql":
        seqs, prevs, hashes = (list(column) for column in zip(*links, strict=True))
        result = session.execute(
            sa.text(
                "UPDATE audit_entries SET seq = linked.seq, prev_hash = linked.prev_hash, "
                "hash = linked.hash FROM unnest(CAST(:ids AS bigint[]), CAST(:seqs AS int[]), "
                "CAST(:prevs AS varchar[]), CAST(:hashes AS varchar[])) "
                "AS linked (id, seq, prev_hash, hash) "
                "WHERE audit_entries.id = linked.id AND audit_entries.seq IS NULL"
            ),
            {"ids": ids, "seqs": seqs, "prevs": prevs, "hashes": hashes},
        )
    else:
        table = cast(sa.Table, AuditEntry.__table__)
        result = session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("entry_id"), table.c.seq.is_(None))
            .values(
                seq=sa.bindparam("seq"),
                prev_hash=sa.bindparam("prev_hash"),
                hash=sa.bindparam("hash"),
            ),
            [
                {"entry_id": id_, "seq": seq, "prev_hash": prev, "hash": digest}
                for id_, (seq, prev, digest) in zip(ids, links, strict=True)
            ],
        )
    if result.rowcount not in (-1, len(ids)):  # type: ignore[attr-defined]
        raise Contended(f"linked {result.rowcount} of {len(ids)} entries")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Backlog:
    unlinked: int
    oldest_at: datetime | None
    """When the oldest unlinked entry (the lowest id) was written; None when none waits."""


def backlog(session: Session) -> Backlog:
    """Entries waiting to be linked, across tenants: both reads use the unlinked index."""
    unlinked = session.scalar(sa.select(sa.func.count()).where(AuditEntry.seq.is_(None)))
    oldest = session.scalar(
        sa.select(AuditEntry.at).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id).limit(1)
    )
    return Backlog(int(unlinked or 0), oldest)
