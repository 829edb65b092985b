"""jurisdiction policies: each tenant maps customer jurisdictions to contact policies

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUILT_IN = '{"CN": "cn", "US": "us-regf", "IN": "in-rbi"}'
"""What every tenant used before this revision, then fixed in code."""


def upgrade() -> None:
    # One ADD COLUMN with its default: making the column NOT NULL afterwards would rebuild
    # the table on SQLite, and dropping the old one there cascades to the tenants' rows.
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(
            sa.Column("jurisdiction_policies", sa.JSON(), server_default=BUILT_IN, nullable=False)
        )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of `tenants` would cascade there.
    op.drop_column("tenants", "jurisdiction_policies")
