"""Migration 0014 keeps every opt-out: customer ids become the customers' references."""

import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import migrate
from app.db import create_db_engine
from bench.scratch import fresh_database
from tests.databases import BACKENDS

NOW = datetime(2026, 1, 1)
TENANT, CUSTOMER = uuid.uuid4(), uuid.uuid4()

tenants = sa.table(
    "tenants",
    *(sa.column(name) for name in ("name", "display_name", "default_locale")),
    *(sa.column(name) for name in ("default_timezone", "default_currency", "default_policy")),
    sa.column("id", sa.Uuid()),
    sa.column("created_at", sa.DateTime()),
)
customers = sa.table(
    "customers",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("ref"),
    sa.column("created_at", sa.DateTime()),
    sa.column("updated_at", sa.DateTime()),
)


def opt_outs(subject: str) -> sa.TableClause:
    """The table as a revision has it: customers by `customer_id` (0011) or `customer_ref`."""
    return sa.table(
        "opt_outs",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.Uuid()),
        sa.column(subject, sa.Uuid() if subject == "customer_id" else sa.String()),
        sa.column("channel"),
        sa.column("source"),
        sa.column("created_at", sa.DateTime()),
    )


def add_opt_out(
    connection: sa.Connection, subject: sa.ColumnClause[object], **values: object
) -> None:
    connection.execute(
        opt_outs(subject)
        .insert()
        .values(id=uuid.uuid4(), tenant_id=TENANT, source="api", created_at=NOW, **values)
    )


def rows(engine: sa.Engine, subject: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        found = connection.execute(
            sa.text(f"SELECT {subject}, channel FROM opt_outs ORDER BY channel")
        ).all()
    # PostgreSQL answers a UUID, SQLite its 32 hex digits
    return [tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row) for row in found]


@pytest.mark.parametrize("backend", BACKENDS)
def test_opt_outs_keep_their_customer_through_0014_and_back(backend: str, tmp_path: Path) -> None:
    by_id, by_ref = "customer_id", "customer_ref"
    with fresh_database(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            migrate.upgrade(engine, "0011")
            with engine.begin() as connection:
                connection.execute(
                    tenants.insert().values(
                        id=TENANT,
                        name="old",
                        display_name="Old",
                        default_locale="zh-CN",
                        default_timezone="Asia/Shanghai",
                        default_currency="CNY",
                        default_policy="cn",
                        created_at=NOW,
                    )
                )
                connection.execute(
                    customers.insert().values(
                        id=CUSTOMER, tenant_id=TENANT, ref="cust-9", created_at=NOW, updated_at=NOW
                    )
                )
                add_opt_out(connection, by_id, customer_id=CUSTOMER, channel="voice")
                add_opt_out(connection, by_id, customer_id=None, channel="email")

            migrate.upgrade(engine, "0014")
            assert rows(engine, "customer_ref") == [(None, "email"), ("cust-9", "voice")]

            with engine.begin() as connection:  # a customer Nudge has not seen yet
                add_opt_out(connection, by_ref, customer_ref="not-yet", channel="sms")
            migrate.downgrade(engine, "0011")
            assert rows(engine, "customer_id") == [(None, "email"), (CUSTOMER.hex, "voice")]
        finally:
            engine.dispose()
