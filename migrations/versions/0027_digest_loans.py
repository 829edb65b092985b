"""digest_loans: the loans each reminder of a digest plan carries (issue 14, digests)

A new table rather than a column on `reminders`: a reminder may carry several loans, and
SQLite must never rebuild `reminders` (its children's rows would cascade away).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_loans",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reminder_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("plan_step", sa.String(length=100), nullable=False),
        sa.Column("moment", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_digest_loans_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name=op.f("fk_digest_loans_reminder_id_reminders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_digest_loans_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reminder_id", "enrollment_id", name=op.f("pk_digest_loans")),
    )
    op.create_index(
        "ix_digest_loans_tenant_enrollment", "digest_loans", ["tenant_id", "enrollment_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_digest_loans_tenant_enrollment", table_name="digest_loans")
    op.drop_table("digest_loans")
