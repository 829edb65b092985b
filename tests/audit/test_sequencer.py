"""The sequencer: a tenant's writers append without taking turns, and every entry they write
ends up linked exactly once, in one chain with no gap, however writers and sequencers
interleave."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.audit import sequencer
from app.audit.service import verify
from app.clock import FrozenClock
from app.db import create_db_engine, create_session_factory
from app.dispatch.scheduler import dispatching
from app.lifecycle.changes import changes
from app.lifecycle.events import Accepted
from app.models.audit import AuditEntry
from app.models.reminders import Reminder
from bench.scratch import fresh_database
from bench.seeding import body, seed
from tests.conftest import Tenant, app_providers, app_settings
from tests.databases import BACKENDS
from tests.factories import reminder
from tests.helpers.prometheus import sample

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


def write_lines(session: Session, tenant_id: uuid.UUID, reminder_id: uuid.UUID, n: int) -> None:
    """`n` timeline lines, and so `n` audit entries, in the session's transaction."""
    with changes(session, now=NOW) as noted:
        for _ in range(n):
            noted.note(tenant_id=tenant_id, reminder_id=reminder_id, event=Accepted())


def a_reminder(tenant: Tenant, db: Session) -> uuid.UUID:
    """One reminder submitted through the API: its `accepted` entry is the first."""
    assert tenant.client.post("/v1/reminders", json=reminder()).status_code == 202
    db.rollback()
    reminder_id: uuid.UUID = db.scalars(sa.select(Reminder.id)).one()
    return reminder_id


def seqs_in_id_order(db: Session) -> list[int | None]:
    db.rollback()
    return list(db.scalars(sa.select(AuditEntry.seq).order_by(AuditEntry.id)))


def intact(sessions: sessionmaker[Session], tenant_id: uuid.UUID) -> tuple[int, int]:
    """The linked entries and the backlog of a chain that must verify."""
    with sessions() as session:
        report = verify(session, tenant_id=tenant_id)
    assert report.broken is None
    return report.entries, report.unlinked


def test_two_open_transactions_of_one_tenant_both_get_linked_in_one_chain(
    tenant: Tenant, db: Session, engine: Engine
) -> None:
    """Neither writer waits for the other. On PostgreSQL the first takes the lower ids but
    commits last: the sequencer links what is committed and the first's entries in a later
    batch, after the second's (the chain's order is the order of linking). SQLite has one
    writer at a time, so there the first commits before the second writes."""
    reminder_id = a_reminder(tenant, db)
    sessions = create_session_factory(engine)
    on_postgres = engine.dialect.name == "postgresql"
    with sessions() as first, sessions() as second:
        write_lines(first, tenant.id, reminder_id, 3)
        if not on_postgres:
            first.commit()
        write_lines(second, tenant.id, reminder_id, 2)
        second.commit()
        linked_first = sequencer.link(sessions)
        first.commit()
    assert linked_first == (3 if on_postgres else 6)  # the `accepted` entry too
    assert sequencer.link(sessions) == 6 - linked_first
    assert intact(sessions, tenant.id) == (6, 0)
    seqs = seqs_in_id_order(db)
    assert sorted(seqs) == [1, 2, 3, 4, 5, 6]
    if on_postgres:  # ids 2-4 (the first's) were linked after ids 5-6 (the second's)
        assert seqs == [1, 4, 5, 6, 2, 3]


def test_writers_and_sequencers_running_at_once_link_every_entry_once(
    tenant: Tenant, db: Session, engine: Engine
) -> None:
    reminder_id = a_reminder(tenant, db)
    sessions = create_session_factory(engine)
    writing = threading.Event()
    linked: list[int] = []

    def writer() -> None:
        for _ in range(15):
            with sessions.begin() as session:
                write_lines(session, tenant.id, reminder_id, 10)

    def sequencer_loop() -> None:
        while writing.is_set():
            linked.append(sequencer.link(sessions, limit=7))

    writing.set()
    with ThreadPoolExecutor(4) as pool:
        loops = [pool.submit(sequencer_loop) for _ in range(2)]
        writers = [pool.submit(writer) for _ in range(2)]
        for future in writers:
            future.result()
        writing.clear()
        for future in loops:
            future.result()
    linked.append(sequencer.link(sessions))
    assert sum(linked) == 1 + 2 * 15 * 10  # each entry linked by one run only
    assert sorted(seqs_in_id_order(db)) == list(range(1, 302))
    assert intact(sessions, tenant.id) == (301, 0)


def test_a_second_sequencer_links_nothing_while_the_first_is_linking(
    tenant: Tenant, db: Session, engine: Engine
) -> None:
    """PostgreSQL: the second does not get the advisory lock and steps aside at once. SQLite:
    it waits for the write lock, then finds nothing left to link."""
    reminder_id = a_reminder(tenant, db)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        write_lines(session, tenant.id, reminder_id, 4)
    with sessions() as first, ThreadPoolExecutor(1) as pool:
        assert sequencer.link_batch(first) == 5
        second = pool.submit(sequencer.link, sessions)
        if engine.dialect.name == "postgresql":
            assert second.result(timeout=30) == 0
        first.commit()
        assert second.result(timeout=30) == 0
    assert seqs_in_id_order(db) == [1, 2, 3, 4, 5]
    assert intact(sessions, tenant.id) == (5, 0)


def test_the_backlog_and_its_age_are_counted_until_linked_and_shown_in_metrics(
    tenant: Tenant, db: Session, engine: Engine, anonymous: httpx.Client, clock: FrozenClock
) -> None:
    reminder_id = a_reminder(tenant, db)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        write_lines(session, tenant.id, reminder_id, 2)
    clock.advance(timedelta(seconds=3))
    waiting = anonymous.get("/metrics").text
    assert sample(waiting, "nudge_audit_unlinked") == 3
    assert sample(waiting, "nudge_audit_unlinked_oldest_age_seconds") == 3  # the first entry's
    assert intact(sessions, tenant.id) == (0, 3)
    assert sequencer.link(sessions, limit=2) == 3  # two batches
    linked = anonymous.get("/metrics").text
    assert sample(linked, "nudge_audit_unlinked") == 0
    assert sample(linked, "nudge_audit_unlinked_oldest_age_seconds") == 0
    assert intact(sessions, tenant.id) == (3, 0)


@pytest.mark.anyio
async def test_the_workers_scheduler_links_what_writers_append(
    tenant: Tenant, db: Session, engine: Engine, database_url: str, clock: FrozenClock
) -> None:
    reminder_id = a_reminder(tenant, db)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        write_lines(session, tenant.id, reminder_id, 5)
    settings = app_settings(database_url, embedded_worker=True)
    async with dispatching(
        sessions=sessions, settings=settings, providers=app_providers(settings), clock=clock
    ):
        with anyio.fail_after(20):  # the six written, and any the dispatch round adds
            while intact(sessions, tenant.id)[0] < 6:
                await anyio.sleep(0.05)


@pytest.mark.parametrize("backend", BACKENDS)
def test_chains_survive_the_migration_both_ways_and_keep_growing(
    backend: str, tmp_path: Path
) -> None:
    """Going back below 0018 links the backlog (every entry was linked then); coming back,
    the chains linked before verify as they were and new entries continue them."""
    with fresh_database(backend, tmp_path) as url:
        tenant_id = seed(url, clock=FrozenClock(NOW), bodies=[body(i) for i in range(3)])
        engine = create_db_engine(url)
        sessions = create_session_factory(engine)
        try:
            assert intact(sessions, tenant_id) == (0, 3)
            migrate.downgrade(engine, "0017")
            with engine.connect() as connection:
                seqs = connection.scalars(sa.text("SELECT seq FROM audit_entries ORDER BY seq"))
                assert list(seqs) == [1, 2, 3]
            migrate.upgrade(engine)
            assert intact(sessions, tenant_id) == (3, 0)
            with sessions.begin() as session:
                reminder_id = session.scalars(sa.select(Reminder.id).limit(1)).one()
                write_lines(session, tenant_id, reminder_id, 2)
            assert sequencer.link(sessions) == 2
            assert intact(sessions, tenant_id) == (5, 0)
        finally:
            engine.dispose()
