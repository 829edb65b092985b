"""Reminders and the timeline of events each one keeps."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.columns import BigIntId, stored_as_text
from app.models.states import ReminderStatus, sources_of


class EventKind(StrEnum):
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"
    SUPPRESSED = "suppressed"
    EXPIRED = "expired"
    SENT = "sent"
    RETRY = "retry"
    FALLBACK = "fallback"
    """A send on a channel failed and the reminder moves on to its next channel."""
    SKIPPED = "skipped"
    """A channel passed over without a provider call (opted out, no variant, quiet hours...)."""
    FAILED = "failed"
    UNKNOWN = "unknown"
    RESOLVED = "resolved"
    # A provider's status callback changed an attempt (kinds named after the new status).
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CANCELED = "canceled"
    REPLY = "reply"
    """The customer texted something that is not a keyword (stored in `inbound_messages`)."""
    VISIT_OUTCOME = "visit_outcome"
    """The lender's field team reported how a requested visit went (app/visits/)."""


CLAIMABLE = tuple(sorted(sources_of(ReminderStatus.DISPATCHING)))
"""The statuses a dispatcher claims from, in the claim index's predicate and in the claim."""
CLAIMABLE_SQL = "status IN ({})".format(", ".join(f"'{status}'" for status in CLAIMABLE))


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        sa.Index("ix_reminders_due", "status", "next_attempt_at"),
        # The claim's order (oldest due first) over both claimable statuses, read from the
        # front: without it each claim sorts every due reminder (the 08:00 wave: 100,000).
        sa.Index(
            "ix_reminders_claim",
            "next_attempt_at",
            "id",
            postgresql_where=sa.text(CLAIMABLE_SQL),
            sqlite_where=sa.text(CLAIMABLE_SQL),
        ),
        sa.Index("ix_reminders_tenant_created", "tenant_id", "created_at", "id"),
        sa.Index("ix_reminders_tenant_loan", "tenant_id", "loan_ref"),
        sa.Index("ix_reminders_tenant_customer", "tenant_id", "customer_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("customers.id"))
    loan_ref: Mapped[str] = mapped_column(sa.String(200))
    template: Mapped[str] = mapped_column(sa.String(100))
    template_version: Mapped[int | None]
    """The template's version when submitted; sends render it, whatever is edited later."""
    channels: Mapped[list[str]] = mapped_column(sa.JSON)
    variables: Mapped[dict[str, Any]]
    policy: Mapped[str | None] = mapped_column(sa.String(100))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", sa.JSON)
    status: Mapped[ReminderStatus] = mapped_column(stored_as_text(ReminderStatus, 16))
    send_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime]
    """When the dispatcher should next look at it: `send_at`, later if deferred or retried."""
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    """The worker holding it while `dispatching`."""
    lease_expires_at: Mapped[datetime | None]
    """A `dispatching` reminder whose lease ran out belongs to a worker that died."""
    attempt_count: Mapped[int] = mapped_column(default=0, server_default="0")
    """Provider calls made so far, for the retry limit."""
    task: Mapped[str | None] = mapped_column(sa.String(16))
    """`visit` when the template asks the lender's field team for a visit (app/visits/)."""
    round_failures: Mapped[int] = mapped_column(server_default="0")
    """Dispatch rounds in a row this reminder made fail; at the limit it is set aside. Only the
    server's default, so that inserts through this table's columns still work on a database
    migrated to before it existed (the upgrade tests write such rows)."""
    enrollment_id: Mapped[uuid.UUID | None]
    """The enrolment whose plan made it (app/enrollments/); null for a reminder submitted. No
    foreign key: SQLite cannot add one to an existing table without rebuilding it (0022)."""
    plan_step: Mapped[str | None] = mapped_column(sa.String(100))
    arm: Mapped[str | None] = mapped_column(sa.String(100))
    """The experiment arm it was sent in (app/outcomes/arms.py)."""
    step_variant: Mapped[str | None] = mapped_column(sa.String(100))
    """The template its step's customer drew (app/plans/experiment.py `variant_of`): one of
    the step's weighted templates, or its only one; null for a reminder submitted."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReminderEvent(Base):
    """One line of a reminder's timeline: what happened, and why."""

    __tablename__ = "reminder_events"
    __table_args__ = (sa.Index("ix_reminder_events_reminder", "reminder_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    reminder_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    at: Mapped[datetime]
