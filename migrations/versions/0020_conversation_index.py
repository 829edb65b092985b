"""conversations index: the contact policy finds a customer's newest conversation (an answered
call) by seeking a partial index instead of reading every contact in its look-back

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONVERSATION = sa.text("channel = 'voice' AND status = 'answered'")


def upgrade() -> None:
    op.create_index(
        "ix_delivery_attempts_conversations",
        "delivery_attempts",
        ["tenant_id", "customer_id", "started_at"],
        postgresql_where=CONVERSATION,
        sqlite_where=CONVERSATION,
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_attempts_conversations", table_name="delivery_attempts")
