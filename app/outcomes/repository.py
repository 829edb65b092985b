"""Every query of the outcomes report, each scoped to the tenant.

The report reads plan-made reminders (their enrolment's plan and segment), what providers said
about them, the holdout's enrolments (and those held out of a step), the plans they were made
with and the loans' repayments.
Reminders are reached from their enrolment by (tenant, loan) so the reminders' loan index
serves the join; `reminders.enrollment_id` has none.
"""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.enrollments import DigestLoan, Enrollment, LoanEvent, LoanEventType
from app.models.plans import PlanVersion
from app.models.reminders import EventKind, Reminder, ReminderEvent
from app.models.tenants import Tenant

E, R, D = Enrollment, Reminder, DigestLoan
REACHED = (EventKind.DELIVERED, EventKind.ANSWERED)
"""A provider's word that the message reached the borrower (or the call was picked up)."""


def _plan_made(
    tenant_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> sa.Select[*tuple[Any, ...]]:
    query: sa.Select[*tuple[Any, ...]] = (
        sa.select(
            R.id,
            R.enrollment_id,
            R.loan_ref,
            E.plan_key,
            E.plan_version,
            R.plan_step,
            R.arm,
            R.step_variant,
            E.segment,
        )
        .join(
            E,
            sa.and_(E.tenant_id == R.tenant_id, E.loan_ref == R.loan_ref, E.id == R.enrollment_id),
        )
        .where(R.tenant_id == tenant_id, R.enrollment_id.is_not(None))
    )
    if since is not None:
        query = query.where(R.send_at >= since)
    if until is not None:
        query = query.where(R.send_at < until)
    return query


def reminders(
    session: Session, *, tenant_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> Sequence[RowMapping]:
    """Reminders that plans made with `send_at` in [since, until)."""
    return session.execute(_plan_made(tenant_id, since, until)).mappings().all()


def _listed(tenant_id: uuid.UUID) -> sa.Select[*tuple[Any, ...]]:
    """A digest's other loans: each loan a reminder lists that is not the one it was made for,
    with that loan's own enrolment, plan and step."""
    return (
        sa.select(
            R.id,
            D.enrollment_id,
            E.loan_ref,
            E.plan_key,
            E.plan_version,
            D.plan_step,
            R.arm,
            R.step_variant,
            E.segment,
        )
        .join(R, sa.and_(R.tenant_id == D.tenant_id, R.id == D.reminder_id))
        .join(E, sa.and_(E.tenant_id == D.tenant_id, E.id == D.enrollment_id))
        .where(D.tenant_id == tenant_id, D.enrollment_id != R.enrollment_id)
    )


def listed_loans(
    session: Session, *, tenant_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> Sequence[RowMapping]:
    """The other loans of the digests among `reminders`: each is exposed to the message too."""
    query = _listed(tenant_id)
    if since is not None:
        query = query.where(R.send_at >= since)
    if until is not None:
        query = query.where(R.send_at < until)
    return session.execute(query).mappings().all()


def provider_words(
    session: Session, *, tenant_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> Sequence[RowMapping]:
    """(reminder_id, kind, at, detail) of each `sent`, `delivered` and `answered` event of
    those reminders, oldest first: when each was accepted or reached, and on which channel."""
    ids = _plan_made(tenant_id, since, until).with_only_columns(R.id)
    return (
        session.execute(
            sa.select(
                ReminderEvent.reminder_id,
                ReminderEvent.kind,
                ReminderEvent.at,
                ReminderEvent.detail,
            )
            .where(
                ReminderEvent.tenant_id == tenant_id,
                ReminderEvent.reminder_id.in_(ids),
                ReminderEvent.kind.in_([EventKind.SENT, *REACHED]),
            )
            .order_by(ReminderEvent.at, ReminderEvent.id)
        )
        .mappings()
        .all()
    )


def reached(
    session: Session, *, tenant_id: uuid.UUID, since: datetime | None
) -> Sequence[RowMapping]:
    """(id, loan_ref, at, plan_key, plan_version) of every reminder of an enrolled loan that
    first reached the borrower since `since`, plan-made or not, with the loan's plan: the
    touches a repayment may be credited to. One before `since` never changes the report: the
    reminders reported reached the borrower after it, so an earlier one is never the last
    before a repayment they could be credited with."""
    query = (
        sa.select(
            R.id,
            R.loan_ref,
            sa.func.min(ReminderEvent.at).label("at"),
            E.plan_key,
            E.plan_version,
        )
        .join(E, sa.and_(E.tenant_id == R.tenant_id, E.loan_ref == R.loan_ref))
        .join(ReminderEvent, ReminderEvent.reminder_id == R.id)
        .where(R.tenant_id == tenant_id, ReminderEvent.kind.in_(REACHED))
        .group_by(R.id, R.loan_ref, E.plan_key, E.plan_version)
    )
    if since is not None:
        query = query.having(sa.func.min(ReminderEvent.at) >= since)
    return session.execute(query).mappings().all()


def reached_listed(
    session: Session, *, tenant_id: uuid.UUID, since: datetime | None
) -> Sequence[RowMapping]:
    """As `reached`, for a digest's other loans: the message touched each loan it listed."""
    listed = _listed(tenant_id).subquery()
    query = (
        sa.select(
            listed.c.id,
            listed.c.loan_ref,
            sa.func.min(ReminderEvent.at).label("at"),
            listed.c.plan_key,
            listed.c.plan_version,
        )
        .join(ReminderEvent, ReminderEvent.reminder_id == listed.c.id)
        .where(ReminderEvent.tenant_id == tenant_id, ReminderEvent.kind.in_(REACHED))
        .group_by(listed.c.id, listed.c.loan_ref, listed.c.plan_key, listed.c.plan_version)
    )
    if since is not None:
        query = query.having(sa.func.min(ReminderEvent.at) >= since)
    return session.execute(query).mappings().all()


def holdouts(session: Session, *, tenant_id: uuid.UUID, arm: str) -> Sequence[RowMapping]:
    """Enrolments in the holdout, with what places their steps in a zone (as an enrolment
    places a plan's steps: the customer's zone, else the phone number's, else the tenant's)."""
    return (
        session.execute(
            sa.select(
                E.id,
                E.loan_ref,
                E.plan_key,
                E.plan_version,
                E.segment,
                E.due_date,
                E.amount_due,
                E.attributes,
                E.created_at,
                Customer.timezone,
                Customer.phone,
                Tenant.default_timezone,
            )
            .join(Customer, Customer.id == E.customer_id)
            .join(Tenant, Tenant.id == E.tenant_id)
            .where(E.tenant_id == tenant_id, E.arm == arm)
        )
        .mappings()
        .all()
    )


def step_holdouts(
    session: Session, *, tenant_id: uuid.UUID, plans: Collection[tuple[str, int]]
) -> Sequence[RowMapping]:
    """Enrolments in those plan versions (the ones with a step holdout), with their planned
    steps (`enrollments.steps`: which the customer was held out of, and when)."""
    if not plans:
        return []
    return (
        session.execute(
            sa.select(
                E.id, E.loan_ref, E.plan_key, E.plan_version, E.arm, E.segment, E.steps
            ).where(
                E.tenant_id == tenant_id,
                sa.or_(
                    *(sa.and_(E.plan_key == key, E.plan_version == v) for key, v in sorted(plans))
                ),
            )
        )
        .mappings()
        .all()
    )


def plans(session: Session, *, tenant_id: uuid.UUID) -> dict[tuple[str, int], dict[str, Any]]:
    """Every version of the tenant's plans (a few per plan: versions are made by hand)."""
    rows = session.execute(
        sa.select(PlanVersion.key, PlanVersion.version, PlanVersion.body).where(
            PlanVersion.tenant_id == tenant_id
        )
    )
    return {(key, version): body for key, version, body in rows}


def repayments(
    session: Session, *, tenant_id: uuid.UUID, since: datetime | None
) -> Sequence[RowMapping]:
    """(event_id, loan_ref, occurred_at, amount, currency) of enrolled loans' repayments since
    `since`; attribution keeps those that follow one of the report's reminders."""
    query = sa.select(
        LoanEvent.event_id,
        LoanEvent.loan_ref,
        LoanEvent.occurred_at,
        LoanEvent.amount,
        LoanEvent.currency,
    ).where(
        LoanEvent.tenant_id == tenant_id,
        LoanEvent.type == LoanEventType.REPAYMENT,
        LoanEvent.loan_ref.in_(sa.select(E.loan_ref).where(E.tenant_id == tenant_id)),
    )
    if since is not None:
        query = query.where(LoanEvent.occurred_at >= since)
    return session.execute(query).mappings().all()
