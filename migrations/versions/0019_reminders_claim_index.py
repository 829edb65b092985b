"""reminders claim index: the dispatcher's claim (oldest due first over `scheduled` and
`deferred`) read in order from a partial index, instead of sorting every due reminder each
round (100,000 in the 08:00 wave: 150-200 ms a claim, ~0.3 ms with the index)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMABLE = "status IN ('deferred', 'scheduled')"


def upgrade() -> None:
    op.create_index(
        "ix_reminders_claim",
        "reminders",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_claim", table_name="reminders")
