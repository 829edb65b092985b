"""A migrated database holding one tenant, its policies and its reminders, written directly
through the services (no HTTP): the starting point of the benchmarks, and of the process and
concurrency tests."""

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app import migrate, onboarding
from app.clock import Clock, SystemClock
from app.db import create_db_engine, create_session_factory
from app.policy import service as policies
from app.policy.spec import Policy
from app.reminders import service as reminders
from app.reminders.schemas import ReminderIn
from app.templates.budget import RenderBudget
from app.tenants.service import IssuedKey
from bench.bulk import Row, connect, prototype
from bench.scratch import fresh_database

ZONE = "Asia/Shanghai"


def tenant(url: str, *, clock: Clock) -> IssuedKey:
    """Migrates `url` and stores a tenant; its admin API key."""
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    with create_session_factory(engine).begin() as session:
        issued = onboarding.create_tenant(session, name="seeded", clock=clock)
    engine.dispose()
    return issued


def seed(
    url: str,
    *,
    clock: Clock,
    bodies: Sequence[Mapping[str, Any]],
    policy: Mapping[str, Mapping[str, Any]] | None = None,
) -> uuid.UUID:
    """Migrates `url`, then stores a tenant, the named policies and the reminders; returns the
    tenant's id."""
    tenant_id = tenant(url, clock=clock).tenant_id
    engine = create_db_engine(url)
    with create_session_factory(engine)() as session:  # create() ends its read transaction
        for name, spec in (policy or {}).items():
            policies.save(
                session,
                tenant_id=tenant_id,
                name=name,
                policy=Policy.model_validate(spec),
                clock=clock,
            )
        items = [ReminderIn.model_validate(body) for body in bodies]
        reminders.create(
            session, tenant_id=tenant_id, items=items, clock=clock, budget=RenderBudget()
        )
        session.commit()
    engine.dispose()
    return tenant_id


def body(index: int, *, policy: str | None = None, send_at: str | None = None) -> dict[str, Any]:
    """One SMS reminder of the built-in `pre-due` template, to a customer of its own."""
    return {
        "customer": {
            "ref": f"c-{index}",
            "phone": f"+86138{index:08d}",
            "timezone": ZONE,
            "locale": "zh-CN",
            "jurisdiction": "CN",
        },
        "loan_ref": f"loan-{index}",
        "template": "pre-due",
        "channels": ["sms"],
        "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
        "policy": policy,
        "send_at": send_at,
    }


@dataclass(frozen=True)
class Prototyped:
    url: str
    customer: Row
    """The stored customer, every column as text, to clone (bench/bulk.py)."""
    reminder: Row
    """Its reminder, not due for a year, so that only its clones are ever sent."""


@contextmanager
def prototyped(folder: Path, *, policy: str, spec: Mapping[str, Any]) -> Iterator[Prototyped]:
    """A fresh PostgreSQL database holding one tenant, the policy `policy` and one reminder
    under it, stored by the services: the rows the part clones."""
    later = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    with fresh_database("postgresql", folder) as url:
        seed(
            url,
            clock=SystemClock(),
            bodies=[body(0, policy=policy, send_at=later)],
            policy={policy: spec},
        )
        with connect(url) as connection:
            customer = prototype(connection, "customers")
            reminder = prototype(connection, "reminders")
        yield Prototyped(url, customer, reminder)
