"""pending callbacks: status callbacks kept until their message's id is recorded

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_callbacks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("provider_message_id", sa.String(length=100), nullable=False),
        sa.Column("reminder_id", sa.Uuid(), nullable=False),
        sa.Column("provider_status", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name=op.f("fk_pending_callbacks_reminder_id_reminders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_callbacks")),
    )
    op.create_index(
        "ix_pending_callbacks_provider_message_id",
        "pending_callbacks",
        ["provider_message_id"],
        unique=False,
    )
    op.create_index(
        "ix_pending_callbacks_received_at", "pending_callbacks", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_pending_callbacks_received_at", table_name="pending_callbacks")
    op.drop_index("ix_pending_callbacks_provider_message_id", table_name="pending_callbacks")
    op.drop_table("pending_callbacks")
