"""contacts by customer: the contact policy's indexes lead with the customer, not the tenant

The policy's per-customer lookups (newest contact, newest conversation, contacts counted in a
cap's window) named the tenant too, so the planner could also answer them from the delivery
log's index `(tenant_id, started_at, id)`, reading every contact of the tenant since the
look-back and filtering for the customer. It did, whenever its statistics on
`delivery_attempts` were stale (a table that grew since its last ANALYZE): a one-worker
dispatch run slowed from about 1,000 reminders a second to 100-200 for seconds at a time, with
PostgreSQL busy on that scan (docs/benchmarks.md). A customer id is unique across tenants, so
the lookups now name only the customer, and only these indexes can answer them.

The two indexes are rebuilt in the migration's transaction, so writes to `delivery_attempts`
wait while they build, which takes longer the larger the table (not measured here). On a
large table, run it when dispatch can pause: stop the workers, `nudge migrate`, start them.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONVERSATION = sa.text("channel = 'voice' AND status = 'answered'")


def _replace(leading: list[str]) -> None:
    op.drop_index("ix_delivery_attempts_contacts", table_name="delivery_attempts")
    op.drop_index("ix_delivery_attempts_conversations", table_name="delivery_attempts")
    op.create_index("ix_delivery_attempts_contacts", "delivery_attempts", [*leading, "started_at"])
    op.create_index(
        "ix_delivery_attempts_conversations",
        "delivery_attempts",
        [*leading, "started_at"],
        postgresql_where=CONVERSATION,
        sqlite_where=CONVERSATION,
    )


def upgrade() -> None:
    _replace(["customer_id"])


def downgrade() -> None:
    _replace(["tenant_id", "customer_id"])
