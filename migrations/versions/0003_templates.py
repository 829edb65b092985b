"""templates: versioned per-tenant templates, lint settings, reminders pinned to a version

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.templates.service import starter_rows

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    template_versions = op.create_table(
        "template_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_template_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_versions")),
        sa.UniqueConstraint(
            "tenant_id", "key", "version", name=op.f("uq_template_versions_tenant_id_key_version")
        ),
    )
    op.create_table(
        "template_lint_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("extra_phrases", sa.JSON(), nullable=False),
        sa.Column("sms_segment_limit", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_template_lint_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_template_lint_settings")),
    )
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.add_column(sa.Column("template_version", sa.Integer(), nullable=True))
    _load_starters_for_existing_tenants(template_versions)


def _load_starters_for_existing_tenants(template_versions: sa.Table | None) -> None:
    """Tenants made before templates existed get the starters, so their reminders still submit.

    Uses the starters shipped with the code being installed; reminders already stored keep a
    null `template_version` and render the current version.
    """
    assert template_versions is not None
    tenants = sa.table("tenants", sa.column("id", sa.Uuid()))
    tenant_ids = op.get_bind().scalars(sa.select(tenants.c.id)).all()
    now = datetime.now(UTC)
    rows = [row for tenant_id in tenant_ids for row in starter_rows(tenant_id, now)]
    if rows:
        op.bulk_insert(template_versions, rows)


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.drop_column("template_version")
    op.drop_table("template_lint_settings")
    op.drop_table("template_versions")
