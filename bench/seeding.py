"""A migrated database holding one tenant, its policies and its reminders, written directly
through the services (no HTTP): the starting point of the benchmarks, and of the process and
concurrency tests."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from app import migrate, onboarding
from app.clock import Clock
from app.db import create_db_engine, create_session_factory
from app.policy import service as policies
from app.policy.spec import Policy
from app.reminders import service as reminders
from app.reminders.schemas import ReminderIn
from app.templates.budget import RenderBudget


def seed(
    url: str,
    *,
    clock: Clock,
    bodies: Sequence[Mapping[str, Any]],
    policy: Mapping[str, Mapping[str, Any]] | None = None,
) -> uuid.UUID:
    """Migrates `url`, then stores a tenant, the named policies and the reminders; returns the
    tenant's id."""
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    with create_session_factory(engine)() as session:  # create() ends its read transaction
        tenant_id = onboarding.create_tenant(session, name="seeded", clock=clock).tenant_id
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
