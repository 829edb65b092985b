"""Part 6: does the work per reminder grow with the data around it?

Claim time: the dispatcher's claim statement (`claim_due`, a batch of 100 due reminders) with
a small and then a large backlog of reminders not yet due in the table. Policy decision time:
the dispatcher's gate (`dry_run` runs the same code) for a customer with few and for one with
many past contacts inside the policy's look-back. Both in-process on the same database, the
median of several runs, so only the service's own code is timed.
"""

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.db import create_db_engine, create_session_factory
from app.dispatch.claim import claim_due
from app.models.customers import Customer
from app.policy import service as policies
from app.policy.schemas import EvaluateIn
from bench.bulk import Row, attempts, connect, copy_rows, customers, reminders
from bench.seeding import Prototyped, prototyped
from bench.sizes import Sizes
from channels.base import Channel

POLICY = {
    "windows": {"any": [{"start": "00:00", "end": "24:00"}]},
    "caps": [{"max": 1_000_000, "window": "P30D"}],
}
"""A cap no one reaches over 30 days: every contact of the last 30 days is read."""
Sessions = sessionmaker[Session]
OWNERS = 10_000
"""Customers the backlog is spread over: enough that no customer stands out, few enough that
a million reminders need not hold a million customers in memory while they are written."""
BATCH = 100
ROUNDS = 10


def add_reminders(seeded: Prototyped, count: int, *, due: datetime) -> None:
    """`count` reminders due at `due`, over at most OWNERS new customers."""
    with connect(seeded.url) as connection:
        with connection.transaction():
            people = customers(seeded.customer, min(count, OWNERS))
            copy_rows(connection, "customers", people)
            copy_rows(
                connection,
                "reminders",
                reminders(seeded.reminder, people, count, status="scheduled", due=lambda _: due),
            )
        connection.execute("ANALYZE")


def median_ms(action: Callable[[], object], times: int) -> float:
    spans = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        spans.append((time.perf_counter() - started) * 1000)
    return statistics.median(spans)


def claim_ms(seeded: Prototyped, sessions: Sessions) -> float:
    """The median time to claim a batch, over ROUNDS batches of freshly due reminders."""
    add_reminders(seeded, BATCH * ROUNDS, due=datetime.now(UTC) - timedelta(seconds=1))

    def claim() -> None:
        with sessions.begin() as session:
            taken = claim_due(
                session,
                worker="bench",
                now=datetime.now(UTC),
                limit=BATCH,
                lease=timedelta(minutes=5),
            )
        assert len(taken) == BATCH, taken

    return median_ms(claim, ROUNDS)


def decision_ms(seeded: Prototyped, sessions: Sessions, owner: Row, contacts: int) -> float:
    """The gate's time for `owner`'s reminder after `contacts` past contacts in 29 days."""
    now = datetime.now(UTC)
    later = now + timedelta(days=365)
    step = timedelta(days=29) / contacts
    [reminder] = reminders(seeded.reminder, [owner], 1, status="scheduled", due=lambda _: later)
    with connect(seeded.url) as connection:
        with connection.transaction():
            copy_rows(connection, "reminders", [reminder])
            copy_rows(
                connection,
                "delivery_attempts",
                attempts(
                    reminder, times=(now - step * (i + 1) for i in range(contacts)), channel="sms"
                ),
            )
        connection.execute("ANALYZE")
    with sessions() as session:
        customer = session.get(Customer, uuid.UUID(str(owner["id"])))
        assert customer is not None
        request = EvaluateIn(customer_ref=customer.ref, channel=Channel.SMS, policy="history")

        def decide() -> None:
            verdict = policies.dry_run(
                session, tenant_id=customer.tenant_id, request=request, now=datetime.now(UTC)
            )
            assert verdict.action == "send", verdict

        return median_ms(decide, ROUNDS)


def run(folder: Path, sizes: Sizes) -> dict[str, float]:
    later = datetime.now(UTC) + timedelta(days=30)
    with prototyped(folder, policy="history", spec=POLICY) as seeded:
        engine = create_db_engine(seeded.url)
        sessions = create_session_factory(engine)
        try:
            add_reminders(seeded, sizes.backlog_small, due=later)
            small = claim_ms(seeded, sessions)
            add_reminders(seeded, sizes.backlog_large - sizes.backlog_small, due=later)
            large = claim_ms(seeded, sessions)
            few, many = customers(seeded.customer, 2)
            with connect(seeded.url) as connection, connection.transaction():
                copy_rows(connection, "customers", [few, many])
            quiet = decision_ms(seeded, sessions, few, sizes.contacts_small)
            busy = decision_ms(seeded, sessions, many, sizes.contacts_large)
        finally:
            engine.dispose()
    return {
        "claim_small_ms": small,
        "claim_large_ms": large,
        "claim_scale_ratio": large / small,
        "policy_small_ms": quiet,
        "policy_large_ms": busy,
        "policy_scale_ratio": busy / quiet,
    }
