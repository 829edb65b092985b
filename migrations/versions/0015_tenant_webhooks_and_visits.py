"""tenant webhooks and visits: each tenant's own webhook target, visit tasks and their outcomes

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place, no table copy is needed.
    op.add_column("tenants", sa.Column("webhook_url", sa.String(length=2000), nullable=True))
    op.add_column("tenants", sa.Column("webhook_secret", sa.String(length=256), nullable=True))
    op.add_column("reminders", sa.Column("task", sa.String(length=16), nullable=True))
    op.create_table(
        "visit_outcomes",
        sa.Column("reminder_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("promised_amount", sa.String(length=32), nullable=True),
        sa.Column("promised_currency", sa.String(length=3), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name=op.f("fk_visit_outcomes_reminder_id_reminders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_visit_outcomes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reminder_id", name=op.f("pk_visit_outcomes")),
    )


def downgrade() -> None:
    op.drop_table("visit_outcomes")
    # Plain DROP COLUMNs (SQLite 3.35+): a batch rebuild of `reminders` or `tenants` would
    # cascade to their children's rows there.
    op.drop_column("reminders", "task")
    op.drop_column("tenants", "webhook_secret")
    op.drop_column("tenants", "webhook_url")
