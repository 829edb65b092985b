"""inbound messages; lookups for provider callbacks and inbound SMS

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("from_phone", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_inbound_messages_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_inbound_messages_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint(
            "provider_message_id", name=op.f("uq_inbound_messages_provider_message_id")
        ),
    )
    op.create_index(
        "ix_inbound_messages_customer",
        "inbound_messages",
        ["tenant_id", "customer_id", "id"],
        unique=False,
    )
    op.create_index("ix_customers_phone", "customers", ["phone"], unique=False)
    op.create_index(
        "ix_delivery_attempts_provider_message_id",
        "delivery_attempts",
        ["provider_message_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_attempts_provider_message_id", table_name="delivery_attempts")
    op.drop_index("ix_customers_phone", table_name="customers")
    op.drop_index("ix_inbound_messages_customer", table_name="inbound_messages")
    op.drop_table("inbound_messages")
