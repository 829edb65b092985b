"""Recording what the lender's field team reports: once per visit, on the reminder's timeline
and so on the tenant's audit chain. A repeat of the same report changes nothing and gets the
same answer (the lender's system retries); a different one is refused."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts.service import open_account
from app.accounts.vault import Vault
from app.db import dialect_insert
from app.errors import Conflict
from app.reminders import repository as reminders
from app.reminders.models import EventKind, Reminder
from app.reminders.states import ReminderStatus
from app.templates.webhook import VISIT
from app.visits import repository
from app.visits.models import VisitOutcome
from app.visits.schemas import OutcomeIn, OutcomeOut, Promise, VisitOutcomeKind
from channels.webhook.account import WebhookAccount

REQUESTED = frozenset({ReminderStatus.SENT, ReminderStatus.DELIVERED})
"""A visit can only have an outcome once its request reached the lender's system."""


def secret_for(
    session: Session, *, task_id: uuid.UUID, vault: Vault
) -> tuple[Reminder, str | None] | None:
    """The task and its tenant's webhook secret, which alone can sign a report about it."""
    found = repository.task_with_account(session, task_id)
    if found is None:
        return None
    reminder, account = found
    if account is None:
        return reminder, None
    target = open_account(account, vault, WebhookAccount)
    return reminder, target.key() if isinstance(target, WebhookAccount) else None


def record(session: Session, *, reminder: Reminder, report: OutcomeIn, now: datetime) -> OutcomeOut:
    if reminder.task != VISIT:
        raise Conflict(f"task {reminder.id} is not a visit")
    if reminder.status not in REQUESTED:
        raise Conflict(f"the visit was not requested yet: the reminder is {reminder.status}")
    promise = report.promise
    values = {
        "reminder_id": reminder.id,
        "tenant_id": reminder.tenant_id,
        "outcome": str(report.outcome),
        "promised_amount": promise and str(promise.amount),
        "promised_currency": promise and promise.currency,
        "promised_date": promise and promise.date,
        "visited_at": report.visited_at,
        "note": report.note,
        "received_at": now,
    }
    # A concurrent report of the same visit waits on the key until the first one's transaction
    # ends (PostgreSQL; SQLite has one writer), then finds it.
    inserted = session.execute(
        dialect_insert(session, VisitOutcome)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(VisitOutcome.reminder_id)
    ).first()
    stored = session.get_one(VisitOutcome, reminder.id, populate_existing=True)
    answer = _out(stored)
    if inserted is None:
        if _report_of(answer) != report:
            raise Conflict(f"another outcome ({stored.outcome}) is already recorded for this visit")
        return answer
    reminders.add_events(
        session,
        [
            {
                "tenant_id": reminder.tenant_id,
                "reminder_id": reminder.id,
                "kind": EventKind.VISIT_OUTCOME,
                "reason": stored.outcome.upper(),
                "detail": report.model_dump(mode="json", exclude_none=True),
                "at": now,
            }
        ],
    )
    return answer


def _report_of(answer: OutcomeOut) -> OutcomeIn:
    return OutcomeIn.model_validate(
        answer.model_dump(mode="json", include=set(OutcomeIn.model_fields))
    )


def _out(row: VisitOutcome) -> OutcomeOut:
    promise = None
    if row.promised_amount is not None:
        promise = Promise.model_validate(
            {
                "amount": row.promised_amount,
                "currency": row.promised_currency,
                "date": row.promised_date,
            }
        )
    return OutcomeOut(
        task_id=row.reminder_id,
        outcome=VisitOutcomeKind(row.outcome),
        promise=promise,
        visited_at=row.visited_at,
        note=row.note,
        received_at=row.received_at,
    )
