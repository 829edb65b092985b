"""unbound opt-outs: a customer's opt-out names the lender's reference, not a customer row

So a lender can register "do not contact" for a customer Nudge has not seen yet. Existing
opt-outs take their customer's reference. Downgrading drops the opt-outs whose reference names
no customer, since the old schema cannot hold them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("opt_outs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_ref", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE opt_outs SET customer_ref = "
        "(SELECT customers.ref FROM customers WHERE customers.id = opt_outs.customer_id) "
        "WHERE customer_id IS NOT NULL"
    )
    with op.batch_alter_table("opt_outs", schema=None) as batch_op:
        batch_op.drop_index("ix_opt_outs_customer")
        batch_op.drop_constraint("fk_opt_outs_customer_id_customers", type_="foreignkey")
        batch_op.drop_column("customer_id")
        batch_op.create_index("ix_opt_outs_customer", ["tenant_id", "customer_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opt_outs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE opt_outs SET customer_id = (SELECT customers.id FROM customers "
        "WHERE customers.tenant_id = opt_outs.tenant_id AND customers.ref = opt_outs.customer_ref) "
        "WHERE customer_ref IS NOT NULL"
    )
    op.execute("DELETE FROM opt_outs WHERE customer_ref IS NOT NULL AND customer_id IS NULL")
    with op.batch_alter_table("opt_outs", schema=None) as batch_op:
        batch_op.drop_index("ix_opt_outs_customer")
        batch_op.drop_column("customer_ref")
        batch_op.create_foreign_key(
            "fk_opt_outs_customer_id_customers",
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_opt_outs_customer", ["tenant_id", "customer_id"], unique=False)
