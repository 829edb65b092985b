"""enrollments: loans enrolled in a reminder plan, the events reported about them, and the
enrolment, plan step and experiment arm of each reminder a plan made

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(21, 6)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("loan_ref", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=True),
        sa.Column("segment_rule", sa.String(length=100), nullable=True),
        sa.Column("plan_key", sa.String(length=100), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(length=100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_due", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.String(length=40), nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_enrollments_customer_id_customers")
        ),
        _tenant_fk("enrollments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint(
            "tenant_id", "loan_ref", name=op.f("uq_enrollments_tenant_id_loan_ref")
        ),
    )
    op.create_table(
        "loan_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("loan_ref", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_fk("loan_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_events")),
        sa.UniqueConstraint(
            "tenant_id", "event_id", name=op.f("uq_loan_events_tenant_id_event_id")
        ),
    )
    op.create_index(
        "ix_loan_events_tenant_loan", "loan_events", ["tenant_id", "loan_ref", "occurred_at"]
    )
    # Nullable columns: SQLite adds them in place (never a batch rebuild of `reminders`,
    # whose children's rows a table copy would cascade away).
    # No foreign key to `enrollments`: SQLite can only add one inline, which it reflects without
    # its name or ON DELETE (a drift from the models), and adding it properly would rebuild
    # `reminders`. Enrolments are never deleted but with their tenant, whose reminders go too.
    op.add_column("reminders", sa.Column("enrollment_id", sa.Uuid(), nullable=True))
    op.add_column("reminders", sa.Column("plan_step", sa.String(length=100), nullable=True))
    op.add_column("reminders", sa.Column("arm", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column("reminders", "arm")
    op.drop_column("reminders", "plan_step")
    op.drop_column("reminders", "enrollment_id")
    op.drop_index("ix_loan_events_tenant_loan", table_name="loan_events")
    op.drop_table("loan_events")
    op.drop_table("enrollments")
