"""tenant settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULTS = {
    "default_locale": (sa.String(length=35), "en-US"),
    "default_timezone": (sa.String(length=64), "UTC"),
    "default_currency": (sa.String(length=3), "USD"),
    "default_policy": (sa.String(length=100), "default"),
}


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("help_phone", sa.String(length=20), nullable=True))
        for name, (type_, _) in DEFAULTS.items():
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    tenants = sa.table(
        "tenants",
        sa.column("name"),
        sa.column("display_name"),
        *(sa.column(name) for name in DEFAULTS),
    )
    op.execute(
        tenants.update().values(
            display_name=tenants.c.name, **{name: value for name, (_, value) in DEFAULTS.items()}
        )
    )
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.alter_column("display_name", existing_type=sa.String(length=200), nullable=False)
        for name, (type_, _) in DEFAULTS.items():
            batch_op.alter_column(name, existing_type=type_, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        for name in reversed(DEFAULTS):
            batch_op.drop_column(name)
        batch_op.drop_column("help_phone")
        batch_op.drop_column("display_name")
