"""audit chain

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.audit.chain import extend
from app.audit.service import attempt_payload, event_payload
from app.db import UTCDateTime
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import ReminderEvent

AUDIT_ENTRIES = sa.table(
    "audit_entries",
    sa.column("tenant_id", sa.Uuid()),
    sa.column("seq", sa.Integer()),
    *(sa.column(name, sa.String()) for name in ("kind", "ref", "prev_hash", "hash")),
    sa.column("payload", sa.JSON()),
    sa.column("at", UTCDateTime()),
)
"""The table as this revision makes it (the model has moved on since: 0018)."""

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))
    chain_existing_rows()


def chain_existing_rows() -> None:
    """Events and attempts written before the chain existed enter it now, oldest first, so
    `audit verify` holds right after the upgrade."""
    bind = op.get_bind()
    events = ReminderEvent.__table__
    attempts = DeliveryAttempt.__table__
    entries: dict[object, list[tuple[str, str, dict[str, object], object]]] = {}
    event_columns = ("id", "tenant_id", "reminder_id", "kind", "reason", "detail", "at")
    attempt_columns = (
        "id",
        "tenant_id",
        "reminder_id",
        "channel",
        "provider",
        "provider_message_id",
        "status",
        "provider_status",
        "error_code",
        "started_at",
        "finished_at",
        "body",
        "body_sha256",
    )
    selected = sa.select(*(events.c[name] for name in event_columns)).order_by(events.c.id)
    for row in bind.execute(selected).mappings():
        entries.setdefault(row["tenant_id"], []).append(
            ("event", str(row["id"]), event_payload(row), row["at"])
        )
    selected = sa.select(*(attempts.c[name] for name in attempt_columns))
    for row in bind.execute(selected.order_by(attempts.c.started_at)):
        entries.setdefault(row.tenant_id, []).append(
            ("attempt", str(row.id), attempt_payload(row), row.started_at)
        )  # type: ignore[arg-type]
    for tenant_id, items in entries.items():
        bind.execute(sa.insert(AUDIT_ENTRIES), extend(tenant_id, items))


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_column("body_sha256")

    op.drop_table("audit_entries")
