"""borrower preferences: a customer's own restrictions and chosen language, the customer's
timeline of such changes, and the notices owed to the lender about them

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = "next_attempt_at IS NOT NULL"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    # A nullable column: SQLite adds it in place, no rebuild of `customers`.
    op.add_column("customers", sa.Column("chosen_locale", sa.String(length=35), nullable=True))
    op.create_table(
        "customer_preferences",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("channels_off", sa.JSON(), nullable=False),
        sa.Column("preferred", sa.JSON(), nullable=False),
        sa.Column("inconvenient", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("customer_preferences", "customer_id", "customers"),
        _fk("customer_preferences", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_preferences")),
    )
    op.create_table(
        "customer_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("customer_events", "tenant_id", "tenants"),
        _fk("customer_events", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_events")),
    )
    op.create_index("ix_customer_events_customer", "customer_events", ["customer_id", "id"])
    op.create_table(
        "lender_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("lender_notices", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lender_notices")),
    )
    op.create_index(
        "ix_lender_notices_due",
        "lender_notices",
        ["next_attempt_at"],
        postgresql_where=sa.text(DUE),
        sqlite_where=sa.text(DUE),
    )


def downgrade() -> None:
    op.drop_index("ix_lender_notices_due", table_name="lender_notices")
    op.drop_table("lender_notices")
    op.drop_index("ix_customer_events_customer", table_name="customer_events")
    op.drop_table("customer_events")
    op.drop_table("customer_preferences")
    op.drop_column("customers", "chosen_locale")
