"""Every enrolment and loan event query; reminders' statuses change through app/lifecycle/."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.enrollments import DigestLoan, Enrollment, LoanEvent
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


StepReminderRow = tuple[str, uuid.UUID, ReminderStatus, datetime, list[str]]


def _carrying(tenant_id: uuid.UUID, enrollment_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Reminders of the loan: the ones its plan made, and the digests it joined."""
    return sa.or_(
        Reminder.enrollment_id == enrollment_id,
        Reminder.id.in_(
            sa.select(DigestLoan.reminder_id).where(
                DigestLoan.tenant_id == tenant_id, DigestLoan.enrollment_id == enrollment_id
            )
        ),
    )


def step_reminders(
    session: Session, *, tenant_id: uuid.UUID, enrollment_id: uuid.UUID
) -> list[StepReminderRow]:
    """(step, id, status, send_at, loans listed) of each reminder carrying one of the
    enrolment's steps (its own, or a digest it joined, under its own step), oldest first."""
    own_step = (
        sa.select(DigestLoan.plan_step)
        .where(DigestLoan.reminder_id == Reminder.id, DigestLoan.enrollment_id == enrollment_id)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            sa.func.coalesce(own_step, Reminder.plan_step),
            Reminder.id,
            Reminder.status,
            Reminder.send_at,
            Reminder.variables,
        )
        .where(Reminder.tenant_id == tenant_id, _carrying(tenant_id, enrollment_id))
        .order_by(Reminder.created_at, Reminder.id)
    )
    return [
        (str(step), id_, status, send_at, [loan["loan_ref"] for loan in variables.get("loans", [])])
        for step, id_, status, send_at, variables in rows
    ]


def waiting_variables(
    session: Session, *, tenant_id: uuid.UUID, enrollment_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, dict[str, Any]]]:
    """The loan ref (its owner's) and variables of each reminder carrying the enrolment's
    steps that is still waiting to be sent."""
    rows = session.execute(
        sa.select(Reminder.id, Reminder.loan_ref, Reminder.variables).where(
            Reminder.tenant_id == tenant_id,
            _carrying(tenant_id, enrollment_id),
            Reminder.status.in_(WAITING),
        )
    )
    return [(id_, loan_ref, variables) for id_, loan_ref, variables in rows]


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


def lock_customers(
    session: Session, *, tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID]
) -> None:
    """Holds the customers' rows until the transaction ends: every change to a customer's
    digests takes turns, so two loans enrolled at once never make two digests, nor one loan's
    leaving lose another's joining. In id order, so two batches sharing customers cannot
    deadlock; the dispatcher skips a customer held (app/policy/repository.py). SQLite has no
    row locks: a no-op UPDATE takes its single writer lock now, rather than upgrading a read
    later, which it refuses when another writer got in between."""
    if not customer_ids:
        return
    these = [Customer.tenant_id == tenant_id, Customer.id.in_(sorted(customer_ids))]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.select(Customer.id).where(*these).order_by(Customer.id).with_for_update()
        ).all()
        return
    session.execute(
        sa.update(Customer).where(*these).values(updated_at=Customer.updated_at),
        execution_options={"synchronize_session": False},
    )


DIGEST_COLUMNS = (
    Reminder.id,
    Reminder.customer_id,
    Reminder.enrollment_id,
    Reminder.status,
    Reminder.template,
    Reminder.channels,
    Reminder.meta,
    Reminder.variables,
    Reminder.next_attempt_at,
)
MemberRow = tuple[uuid.UUID, str, str, datetime]
"""A digest's loan: (enrolment id, loan ref, its own step, its own moment)."""


def waiting_digests(
    session: Session, *, tenant_id: uuid.UUID, where: Sequence[sa.ColumnElement[bool]]
) -> list[tuple[sa.Row[Any], list[MemberRow]]]:
    """Waiting reminders of digest plans matching `where`, locked (a dispatcher's claim skips
    them meanwhile, and one it holds drops out once claimed), each with its loans."""
    reminders = session.execute(
        sa.select(*DIGEST_COLUMNS)
        .where(
            Reminder.tenant_id == tenant_id,
            Reminder.status.in_(WAITING),
            Reminder.id.in_(
                sa.select(DigestLoan.reminder_id).where(DigestLoan.tenant_id == tenant_id)
            ),
            *where,
        )
        .order_by(Reminder.id)
        .with_for_update(of=Reminder)
    ).all()
    members: dict[uuid.UUID, list[MemberRow]] = {row.id: [] for row in reminders}
    if members:
        rows = session.execute(
            sa.select(
                DigestLoan.reminder_id,
                DigestLoan.enrollment_id,
                Enrollment.loan_ref,
                DigestLoan.plan_step,
                DigestLoan.moment,
            )
            .join(Enrollment, Enrollment.id == DigestLoan.enrollment_id)
            .where(DigestLoan.tenant_id == tenant_id, DigestLoan.reminder_id.in_(members))
        )
        for reminder_id, enrollment_id, loan_ref, step, moment in rows:
            members[reminder_id].append((enrollment_id, loan_ref, step, moment))
    return [(row, members[row.id]) for row in reminders]


def joined_by(tenant_id: uuid.UUID, enrollment_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Reminders the enrolment's loan is one of the loans of."""
    return Reminder.id.in_(
        sa.select(DigestLoan.reminder_id).where(
            DigestLoan.tenant_id == tenant_id, DigestLoan.enrollment_id == enrollment_id
        )
    )


def add_members(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(DigestLoan), rows)


def drop_member(
    session: Session, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID, enrollment_id: uuid.UUID
) -> None:
    session.execute(
        sa.delete(DigestLoan).where(
            DigestLoan.tenant_id == tenant_id,
            DigestLoan.reminder_id == reminder_id,
            DigestLoan.enrollment_id == enrollment_id,
        )
    )


def rewrite(
    session: Session, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID, values: dict[str, Any]
) -> None:
    """A waiting digest's new loans, owner or moment (its status changes only in lifecycle);
    the caller holds its row, so it is still waiting."""
    session.execute(
        sa.update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.tenant_id == tenant_id,
            Reminder.status.in_(WAITING),
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    )


def enrollments_by_id(
    session: Session, *, tenant_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Enrollment]:
    rows = session.scalars(
        sa.select(Enrollment).where(Enrollment.tenant_id == tenant_id, Enrollment.id.in_(ids))
    )
    return {row.id: row for row in rows}
