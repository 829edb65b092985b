"""inbound receipts: each inbound message id acts once, replays get the first answer

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_receipts",
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("provider_message_id", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "provider", "provider_message_id", name=op.f("pk_inbound_receipts")
        ),
    )
    # Replies stored before this revision were acted on already: a replay of one stays a no-op.
    op.execute(
        "INSERT INTO inbound_receipts (provider, provider_message_id, answer, received_at) "
        "SELECT 'twilio', provider_message_id, NULL, received_at FROM inbound_messages"
    )


def downgrade() -> None:
    op.drop_table("inbound_receipts")
