"""Dispatch throughput of one worker, against the raw claim-and-record ceiling of the same database.

    python bench/dispatch.py [--database sqlite|postgresql] [--reminders 5000] [--batch 100]

Fills a fresh database with due reminders (one customer each, a policy that allows any hour),
then times one `Dispatcher` sending them all through the console adapter (logging off): claim,
policy gate, template rendering, attempt records, adapter call, outcome records. The ceiling is
the same number of reminders claimed with the same `FOR UPDATE SKIP LOCKED` statement and
marked sent with one bulk attempt insert per batch, on a second fresh database: no policy, no
rendering, no adapter. Prints both rates and their ratio.
"""

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1]))

from app.clock import SystemClock
from app.config import Settings
from app.db import create_db_engine, create_session_factory
from app.dispatch.worker import Dispatcher
from app.reminders.models import DeliveryAttempt, Reminder
from bench.scratch import fresh_database
from bench.seeding import seed
from channels.registry import Providers, Registry

ALWAYS = {"windows": {"any": [{"start": "00:00", "end": "24:00"}]}}


def fill(url: str, count: int) -> None:
    bodies = [
        {
            "customer": {"ref": f"c-{i}", "phone": "+8613812345678", "timezone": "Asia/Shanghai"},
            "loan_ref": f"loan-{i}",
            "template": "pre-due",
            "channels": ["sms"],
            "policy": "always",
            "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
        }
        for i in range(count)
    ]
    seed(url, clock=SystemClock(), bodies=bodies, policy={"always": ALWAYS})


def through_dispatcher(url: str, batch: int) -> float:
    engine = create_db_engine(url)
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=url,  # type: ignore[call-arg]
        dispatch_batch_size=batch,
        channel_rate_limits={"console": 1e9},
    )
    clock = SystemClock()

    async def run() -> tuple[int, float]:
        providers = Providers.load(settings, env_file=None)
        registry = Registry.from_settings(settings, providers, clock=clock)
        dispatcher = Dispatcher(
            sessions=create_session_factory(engine),
            settings=settings,
            clock=clock,
            registry=registry,
            rng=random.Random(0),
        )
        started, taken = time.perf_counter(), 0
        while claimed := await dispatcher.run_once():
            taken += claimed
        elapsed = time.perf_counter() - started
        await registry.aclose()
        return taken, elapsed

    taken, elapsed = asyncio.run(run())
    engine.dispose()
    return taken / elapsed


def raw_ceiling(url: str, batch: int) -> float:
    engine = create_db_engine(url)
    taken, started = 0, time.perf_counter()
    while True:
        with engine.begin() as connection:
            now = datetime.now(UTC)
            due = (
                sa.select(Reminder.id)
                .where(Reminder.status == "scheduled")
                .order_by(Reminder.next_attempt_at, Reminder.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            rows = connection.execute(
                sa.update(Reminder)
                .where(Reminder.id.in_(due.scalar_subquery()))
                .values(status="sent", updated_at=now)
                .returning(Reminder.id, Reminder.tenant_id, Reminder.customer_id)
            ).all()
            if not rows:
                break
            connection.execute(
                sa.insert(DeliveryAttempt),
                [
                    {
                        "id": uuid.uuid4(),
                        "tenant_id": t,
                        "reminder_id": r,
                        "customer_id": c,
                        "channel": "sms",
                        "provider": "raw",
                        "status": "sent",
                        "started_at": now,
                    }
                    for r, t, c in rows
                ],
            )
            taken += len(rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return taken / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--reminders", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as folder:
        with fresh_database(args.database, Path(folder)) as url:
            fill(url, args.reminders)
            dispatched = through_dispatcher(url, args.batch)
        with fresh_database(args.database, Path(folder)) as url:
            fill(url, args.reminders)
            ceiling = raw_ceiling(url, args.batch)
    print(f"database: {args.database}; {args.reminders} reminders, batches of {args.batch}")
    print(f"dispatcher (console):      {dispatched:10,.0f} reminders/s")
    print(f"raw claim + record:        {ceiling:10,.0f} reminders/s (ceiling)")
    print(f"ratio dispatcher/ceiling:  {dispatched / ceiling:10.2f}")


if __name__ == "__main__":
    main()
