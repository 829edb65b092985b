"""Visit queries."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.reminders.models import Reminder
from app.tenants.models import Tenant


def task_with_secret(session: Session, task_id: uuid.UUID) -> tuple[Reminder, str | None] | None:
    """The task and its tenant's webhook secret, in one query."""
    row = session.execute(
        sa.select(Reminder, Tenant.webhook_secret)
        .join(Tenant, Tenant.id == Reminder.tenant_id)
        .where(Reminder.id == task_id)
    ).first()
    return None if row is None else (row[0], row[1])
