"""step variants: the template variant of its step each plan-made reminder was sent in, so the
outcomes report can compare a step's templates

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: SQLite adds it in place, never a batch rebuild of `reminders`.
    op.add_column("reminders", sa.Column("step_variant", sa.String(length=100), nullable=True))
    # What plan-made reminders drew so far is their template (plans arrived in 0021).
    op.execute(
        "UPDATE reminders SET step_variant = template "
        "WHERE enrollment_id IS NOT NULL AND step_variant IS NULL"
    )


def downgrade() -> None:
    op.drop_column("reminders", "step_variant")
