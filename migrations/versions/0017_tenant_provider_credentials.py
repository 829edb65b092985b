"""tenant provider credentials: each tenant's own provider accounts, secrets encrypted; the
webhook target moves there from the tenants table, where its secret was stored in clear

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.accounts.vault import Vault
from app.config import get_settings

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

tenants = sa.table(
    "tenants",
    sa.column("id", sa.Uuid()),
    sa.column("webhook_url", sa.String()),
    sa.column("webhook_secret", sa.String()),
)
accounts = sa.table(
    "provider_accounts",
    sa.column("tenant_id", sa.Uuid()),
    sa.column("provider", sa.String()),
    sa.column("settings", sa.JSON()),
    sa.column("sealed", sa.Text()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "provider_accounts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_provider_accounts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "provider", name=op.f("pk_provider_accounts")),
    )
    connection = op.get_bind()
    targets = connection.execute(
        sa.select(tenants.c.id, tenants.c.webhook_url, tenants.c.webhook_secret).where(
            tenants.c.webhook_url.is_not(None), tenants.c.webhook_secret.is_not(None)
        )
    ).all()
    if targets:  # only then is a key needed (production refuses the development one)
        vault, now = Vault(get_settings()), datetime.now(UTC)
        op.bulk_insert(
            accounts,
            [
                {
                    "tenant_id": tenant_id,
                    "provider": "webhook",
                    "settings": {"url": url},
                    "sealed": vault.seal({"secret": secret}),
                    "updated_at": now,
                }
                for tenant_id, url, secret in targets
            ],
        )
    # Plain drops: a batch rebuild of `tenants` on SQLite would cascade to its children.
    op.drop_column("tenants", "webhook_secret")
    op.drop_column("tenants", "webhook_url")


def downgrade() -> None:
    op.add_column("tenants", sa.Column("webhook_url", sa.String(length=2000), nullable=True))
    op.add_column("tenants", sa.Column("webhook_secret", sa.String(length=256), nullable=True))
    connection = op.get_bind()
    stored = connection.execute(
        sa.select(accounts.c.tenant_id, accounts.c.settings, accounts.c.sealed).where(
            accounts.c.provider == "webhook"
        )
    ).all()
    if stored:
        vault = Vault(get_settings())
        for tenant_id, shown, sealed in stored:
            connection.execute(
                tenants.update()
                .where(tenants.c.id == tenant_id)
                .values(webhook_url=shown["url"], webhook_secret=vault.open(sealed)["secret"])
            )
    op.drop_table("provider_accounts")
