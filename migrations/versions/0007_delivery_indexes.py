"""delivery log: recipient, erased-body digest, and indexes for the ops filters

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient", sa.String(length=320), nullable=True))
        batch_op.create_index(
            "ix_delivery_attempts_tenant_log", ["tenant_id", "started_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_delivery_attempts_tenant_status",
            ["tenant_id", "status", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_delivery_attempts_tenant_channel",
            ["tenant_id", "channel", "started_at"],
            unique=False,
        )
        batch_op.create_index("ix_delivery_attempts_started", ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_attempts_started")
        batch_op.drop_index("ix_delivery_attempts_tenant_channel")
        batch_op.drop_index("ix_delivery_attempts_tenant_status")
        batch_op.drop_index("ix_delivery_attempts_tenant_log")
        batch_op.drop_column("recipient")
