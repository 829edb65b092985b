"""audit entries written unlinked, linked by a sequencer: an insertion-ordered id becomes the
key, and seq, prev_hash and hash stay null until linked; (tenant_id, seq) stays unique

Existing entries keep their seq and hashes, so chains written before verify unchanged.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNLINKED = "ix_audit_entries_unlinked"
UNIQUE = "uq_audit_entries_tenant_id_seq"
COLUMNS = "tenant_id, seq, kind, ref, payload, prev_hash, hash, at"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entries ADD COLUMN id BIGSERIAL NOT NULL")
        op.drop_constraint("pk_audit_entries", "audit_entries", type_="primary")
        op.create_primary_key("pk_audit_entries", "audit_entries", ["id"])
        for column in ("seq", "prev_hash", "hash"):
            op.alter_column("audit_entries", column, nullable=True)
        op.create_unique_constraint(UNIQUE, "audit_entries", ["tenant_id", "seq"])
    else:
        # SQLite cannot change a primary key in place: the table is copied (nothing refers to
        # audit_entries, so no foreign key cascades), its rows in chain order.
        _sqlite_copy(linked=False)
    op.create_index(
        UNLINKED,
        "audit_entries",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )


def downgrade() -> None:
    _link_backlog()
    op.drop_index(UNLINKED, table_name="audit_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(UNIQUE, "audit_entries", type_="unique")
        for column in ("seq", "prev_hash", "hash"):
            op.alter_column("audit_entries", column, nullable=False)
        op.drop_constraint("pk_audit_entries", "audit_entries", type_="primary")
        op.create_primary_key("pk_audit_entries", "audit_entries", ["tenant_id", "seq"])
        op.drop_column("audit_entries", "id")
    else:
        _sqlite_copy(linked=True)


def _sqlite_copy(*, linked: bool) -> None:
    """audit_entries rebuilt as the model has it (`linked=False`) or as 0008 made it."""
    key = (
        [sa.PrimaryKeyConstraint("tenant_id", "seq", name="pk_audit_entries")]
        if linked
        else [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
            sa.UniqueConstraint("tenant_id", "seq", name=UNIQUE),
        ]
    )
    op.create_table(
        "audit_entries_copy",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=not linked),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=not linked),
        sa.Column("hash", sa.String(length=64), nullable=not linked),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_audit_entries_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        *key,
    )
    order = "tenant_id, seq" if linked else "seq IS NULL, tenant_id, seq"
    op.execute(
        f"INSERT INTO audit_entries_copy ({COLUMNS}) "  # noqa: S608 (constants only)
        f"SELECT {COLUMNS} FROM audit_entries ORDER BY {order}"
    )
    op.drop_table("audit_entries")
    op.rename_table("audit_entries_copy", "audit_entries")


def _link_backlog() -> None:
    """Before going back to a schema where every entry is linked, link the unlinked ones, as
    the sequencer of this revision does (per tenant, in id order, from the last linked)."""
    import hashlib
    import json

    bind = op.get_bind()
    entries = sa.table(
        "audit_entries",
        sa.column("id", sa.BigInteger()),
        sa.column("tenant_id", sa.Uuid()),
        sa.column("seq", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    pending = bind.execute(
        sa.select(entries.c.id, entries.c.tenant_id, entries.c.payload)
        .where(entries.c.seq.is_(None))
        .order_by(entries.c.id)
    ).all()
    heads: dict[object, tuple[int, str]] = {}
    for row in pending:
        if row.tenant_id not in heads:
            last = bind.execute(
                sa.select(entries.c.seq, entries.c.hash)
                .where(entries.c.tenant_id == row.tenant_id, entries.c.seq.is_not(None))
                .order_by(entries.c.seq.desc())
                .limit(1)
            ).first()
            heads[row.tenant_id] = (last.seq, last.hash) if last else (0, "0" * 64)
        seq, prev = heads[row.tenant_id]
        text = json.dumps(row.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256((prev + text).encode()).hexdigest()
        bind.execute(
            entries.update()
            .where(entries.c.id == row.id)
            .values(seq=seq + 1, prev_hash=prev, hash=digest)
        )
        heads[row.tenant_id] = (seq + 1, digest)
