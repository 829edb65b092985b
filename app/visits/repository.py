"""Visit queries."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import ProviderAccount
from app.reminders.models import Reminder
from channels.webhook.account import NAME as WEBHOOK


def task_with_account(
    session: Session, task_id: uuid.UUID
) -> tuple[Reminder, ProviderAccount | None] | None:
    """The task and its tenant's webhook account, in one query."""
    row = session.execute(
        sa.select(Reminder, ProviderAccount)
        .outerjoin(
            ProviderAccount,
            sa.and_(
                ProviderAccount.tenant_id == Reminder.tenant_id,
                ProviderAccount.provider == WEBHOOK,
            ),
        )
        .where(Reminder.id == task_id)
    ).first()
    return None if row is None else (row[0], row[1])
