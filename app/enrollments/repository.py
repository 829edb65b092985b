"""Every enrolment and loan event query; reminders' statuses change through app/lifecycle/."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.enrollments import Enrollment, LoanEvent
from app.models.reminders import Reminder
from app.models.states import ReminderStatus

WAITING = (ReminderStatus.SCHEDULED, ReminderStatus.DEFERRED)
"""Reminders not yet claimed by a dispatcher: the ones a change to the loan still reaches."""


def enrolled(session: Session, *, tenant_id: uuid.UUID, loan_refs: Collection[str]) -> set[str]:
    """Which of these loans are enrolled already."""
    return set(
        session.scalars(
            sa.select(Enrollment.loan_ref).where(
                Enrollment.tenant_id == tenant_id, Enrollment.loan_ref.in_(loan_refs)
            )
        )
    )


def find(
    session: Session, *, tenant_id: uuid.UUID, loan_ref: str, lock: bool = False
) -> tuple[Enrollment, str] | None:
    """The enrolment and its customer's ref. `lock`: held until the transaction ends, so two
    events on one loan take turns (PostgreSQL; SQLite's writer lock serialises them anyway)."""
    query = (
        sa.select(Enrollment, Customer.ref)
        .join(Customer, Customer.id == Enrollment.customer_id)
        .where(Enrollment.tenant_id == tenant_id, Enrollment.loan_ref == loan_ref)
    )
    row = session.execute(query.with_for_update(of=Enrollment) if lock else query).first()
    return None if row is None else (row[0], row[1])


def of_customer(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> Sequence[Enrollment]:
    return session.scalars(
        sa.select(Enrollment)
        .where(Enrollment.tenant_id == tenant_id, Enrollment.customer_id == customer_id)
        .order_by(Enrollment.loan_ref)
    ).all()


def insert(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(sa.insert(Enrollment), rows)


StepReminderRow = tuple[str, uuid.UUID, ReminderStatus, datetime]


def step_reminders(
    session: Session, *, tenant_id: uuid.UUID, enrollment_id: uuid.UUID
) -> list[StepReminderRow]:
    """(step, id, status, send_at) of each reminder the enrolment's plan made, oldest first."""
    rows = session.execute(
        sa.select(Reminder.plan_step, Reminder.id, Reminder.status, Reminder.send_at)
        .where(Reminder.tenant_id == tenant_id, Reminder.enrollment_id == enrollment_id)
        .order_by(Reminder.created_at, Reminder.id)
    )
    return [(str(step), id_, status, send_at) for step, id_, status, send_at in rows]


def waiting_variables(
    session: Session, *, tenant_id: uuid.UUID, enrollment_id: uuid.UUID
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """The variables of each reminder of the enrolment still waiting to be sent."""
    rows = session.execute(
        sa.select(Reminder.id, Reminder.variables).where(
            Reminder.tenant_id == tenant_id,
            Reminder.enrollment_id == enrollment_id,
            Reminder.status.in_(WAITING),
        )
    )
    return [(id_, variables) for id_, variables in rows]


def set_variables(
    session: Session, *, tenant_id: uuid.UUID, values: Sequence[tuple[uuid.UUID, dict[str, Any]]]
) -> int:
    """New variables for reminders that are still waiting (one a dispatcher claimed meanwhile
    keeps what it is being rendered with); returns how many changed."""
    changed = 0
    for reminder_id, variables in values:
        result = session.execute(
            sa.update(Reminder)
            .where(
                Reminder.id == reminder_id,
                Reminder.tenant_id == tenant_id,
                Reminder.status.in_(WAITING),
            )
            .values(variables=variables),
            execution_options={"synchronize_session": False},
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed


def find_event(session: Session, *, tenant_id: uuid.UUID, event_id: str) -> LoanEvent | None:
    return session.scalar(
        sa.select(LoanEvent).where(LoanEvent.tenant_id == tenant_id, LoanEvent.event_id == event_id)
    )


def add_event(session: Session, *, row: dict[str, Any]) -> None:
    session.execute(sa.insert(LoanEvent), [row])
