"""Loans enrolled in a reminder plan, and what the lender reported about each loan since."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.columns import stored_as_text

Money = sa.Numeric(21, 6)
"""A money variable's range: 15 whole digits and up to 6 decimals (app/templates/variables.py)."""


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    """Until `paused_until` (a promise to pay), or until a `lifted` event when that is null."""
    ENDED = "ended"


class LoanEventType(StrEnum):
    REPAYMENT = "repayment"
    PROMISE_TO_PAY = "promise_to_pay"
    HARDSHIP = "hardship"
    DISPUTE = "dispute"
    WRITTEN_OFF = "written_off"
    LIFTED = "lifted"
    """Ends a hardship or dispute pause."""


class Enrollment(Base):
    """One loan in one plan: its reminders carry its id and the step that made them."""

    __tablename__ = "enrollments"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "loan_ref"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    loan_ref: Mapped[str] = mapped_column(sa.String(200))
    customer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("customers.id"))
    segment: Mapped[str | None] = mapped_column(sa.String(100))
    segment_rule: Mapped[str | None] = mapped_column(sa.String(100))
    """The segment rule that chose the segment, `named` when the lender named it."""
    plan_key: Mapped[str] = mapped_column(sa.String(100))
    plan_version: Mapped[int]
    arm: Mapped[str | None] = mapped_column(sa.String(100))
    due_date: Mapped[date]
    amount_due: Mapped[Decimal] = mapped_column(Money)
    """What is still owed: a partial repayment lowers it."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    variables: Mapped[dict[str, Any]]
    attributes: Mapped[dict[str, Any]]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    """The schedule as last planned: each step's key, its send time, and why it was skipped."""
    status: Mapped[EnrollmentStatus] = mapped_column(stored_as_text(EnrollmentStatus, 16))
    paused_until: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(sa.String(40))
    ended_reason: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LoanEvent(Base):
    """One report about a loan, once per `event_id`: a repeat is answered with `outcome`."""

    __tablename__ = "loan_events"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "event_id"),
        sa.Index("ix_loan_events_tenant_loan", "tenant_id", "loan_ref", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    loan_ref: Mapped[str] = mapped_column(sa.String(200))
    event_id: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[LoanEventType] = mapped_column(stored_as_text(LoanEventType, 20))
    occurred_at: Mapped[datetime]
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    full: Mapped[bool] = mapped_column(default=False)
    """A repayment that clears the loan."""
    detail: Mapped[dict[str, Any]]
    outcome: Mapped[dict[str, Any]]
    """What the event did (the answer a repeat of it gets)."""
    created_at: Mapped[datetime]


class DigestLoan(Base):
    """One loan's step carried by a reminder of a plan with digests on (app/enrollments/digests).

    Every reminder such a plan makes has a row for the loan that made it (its owner, the
    reminder's `enrollment_id`); each loan of the customer that joined it adds one. A loan that
    leaves the reminder loses its row, so the rows are the loans it will list when sent.
    """

    __tablename__ = "digest_loans"
    __table_args__ = (
        sa.PrimaryKeyConstraint("reminder_id", "enrollment_id"),
        sa.Index("ix_digest_loans_tenant_enrollment", "tenant_id", "enrollment_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    plan_step: Mapped[str] = mapped_column(sa.String(100))
    """The loan's own step that the reminder sends."""
    moment: Mapped[datetime]
    """When the loan's step falls due: the reminder goes out at its loans' earliest."""
    created_at: Mapped[datetime]
