"""dispatch isolation: round failures per reminder, and each worker's heartbeat

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("round_failures", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "dispatch_heartbeats",
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_dispatch_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("dispatch_heartbeats")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("round_failures")
