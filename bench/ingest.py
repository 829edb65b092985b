"""Batch ingestion through the real API, against the raw bulk-insert ceiling of the same database.

    python bench/ingest.py [--database sqlite|postgresql] [--batches 10] [--size 1000]

Starts `nudge serve` on a loopback port against a fresh database, posts batches of reminders,
then inserts the same number of rows straight into the same tables with SQLAlchemy Core (no
HTTP, no validation, no idempotency): the ceiling. Prints both rates and their ratio.
"""

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1]))

from app import migrate, onboarding
from app.audit.chain import GENESIS, extend
from app.audit.service import event_payload
from app.clock import SystemClock
from app.db import create_db_engine, create_session_factory
from app.models.audit import AuditEntry
from app.models.customers import Customer
from app.models.reminders import Reminder, ReminderEvent
from bench.scratch import fresh_database
from bench.serve import serving_url


def item(i: int) -> dict[str, object]:
    return {
        "customer": {
            "ref": f"c-{i}",
            "phone": "+8613812345678",
            "timezone": "Asia/Shanghai",
            "locale": "zh-CN",
            "jurisdiction": "CN",
        },
        "loan_ref": f"loan-{i}",
        "template": "pre-due",
        "channels": ["sms"],
        "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
    }


def through_api(url: str, batches: int, size: int) -> float:
    with (
        serving_url(url) as (base, key),
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
        ) as client,
    ):
        bodies = [{"items": [item(b * size + i) for i in range(size)]} for b in range(batches)]
        started = time.perf_counter()
        for body in bodies:
            client.post("/v1/reminders/batch", json=body).raise_for_status()
        return batches * size / (time.perf_counter() - started)


def raw_ceiling(url: str, batches: int, size: int) -> float:
    """The same rows (customers, reminders, events and their audit entries), written with plain
    bulk inserts: what the database alone can take."""
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with create_session_factory(engine).begin() as session:
        tenant_id = onboarding.create_tenant(session, name="raw", clock=SystemClock()).tenant_id
    seq, prev = 0, GENESIS
    started = time.perf_counter()
    for b in range(batches):
        customers = [
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "ref": f"c-{b * size + i}",
                "phone": "+8613812345678",
                "email": None,
                "locale": "zh-CN",
                "timezone": "Asia/Shanghai",
                "jurisdiction": "CN",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(size)
        ]
        reminders = [
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "customer_id": c["id"],
                "loan_ref": f"loan-{i}",
                "template": "pre-due",
                "channels": ["sms"],
                "variables": {"amount": "1234.50"},
                "policy": None,
                "metadata": {},
                "status": "scheduled",
                "send_at": now,
                "expires_at": None,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for i, c in enumerate(customers)
        ]
        events = [
            {
                "tenant_id": tenant_id,
                "reminder_id": r["id"],
                "kind": "accepted",
                "reason": None,
                "detail": None,
                "at": now,
            }
            for r in reminders
        ]
        with engine.begin() as connection:
            connection.execute(sa.insert(Customer.__table__), customers)
            connection.execute(sa.insert(Reminder.__table__), reminders)
            ids = connection.scalars(
                sa.insert(ReminderEvent.__table__).returning(
                    ReminderEvent.__table__.c.id, sort_by_parameter_order=True
                ),
                events,
            ).all()
            chained = extend(
                tenant_id,
                [
                    ("event", str(i), event_payload(e | {"id": i}), now)
                    for e, i in zip(events, ids, strict=True)
                ],
                seq=seq,
                prev=prev,
            )
            connection.execute(sa.insert(AuditEntry.__table__), chained)
            seq, prev = chained[-1]["seq"], chained[-1]["hash"]
    rate = batches * size / (time.perf_counter() - started)
    engine.dispose()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with fresh_database(args.database, Path(folder)) as url:
            api = through_api(url, args.batches, args.size)
        with fresh_database(args.database, Path(folder)) as url:
            raw = raw_ceiling(url, args.batches, args.size)
    print(f"database: {args.database}; {args.batches} batches of {args.size}")
    print(f"API batch ingest:   {api:10,.0f} reminders/s")
    print(f"raw bulk insert:    {raw:10,.0f} reminders/s (ceiling)")
    print(f"ratio API/ceiling:  {api / raw:10.2f}")


if __name__ == "__main__":
    main()
