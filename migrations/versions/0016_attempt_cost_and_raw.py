"""attempt cost and raw: what the provider charged for an attempt and what it answered

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns added and dropped in place: a batch rebuild of a reminders child is
    # not needed, and SQLite 3.35+ drops a column without one.
    op.add_column("delivery_attempts", sa.Column("cost_amount", sa.Numeric(12, 6), nullable=True))
    op.add_column(
        "delivery_attempts", sa.Column("cost_currency", sa.String(length=3), nullable=True)
    )
    op.add_column("delivery_attempts", sa.Column("provider_response", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("delivery_attempts", "provider_response")
    op.drop_column("delivery_attempts", "cost_currency")
    op.drop_column("delivery_attempts", "cost_amount")
