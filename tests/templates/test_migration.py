"""Migration 0003 gives tenants that existed before templates the starter templates."""

import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import migrate
from app.db import create_db_engine
from app.templates.starters import STARTERS
from bench.scratch import fresh_database
from tests.databases import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_tenants_made_before_templates_get_the_starters_on_upgrade(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            migrate.upgrade(engine, "0002")
            tenants = sa.table(
                "tenants",
                sa.column("id", sa.Uuid()),
                sa.column("name"),
                sa.column("created_at", sa.DateTime()),
                sa.column("display_name"),
                sa.column("default_locale"),
                sa.column("default_timezone"),
                sa.column("default_currency"),
                sa.column("default_policy"),
            )
            with engine.begin() as connection:
                connection.execute(
                    tenants.insert().values(
                        id=uuid.uuid4(),
                        name="old",
                        created_at=datetime(2026, 1, 1),
                        display_name="old",
                        default_locale="en-US",
                        default_timezone="UTC",
                        default_currency="USD",
                        default_policy="default",
                    )
                )
            migrate.upgrade(engine)
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT key, version FROM template_versions ORDER BY key")
                ).all()
            assert [tuple(row) for row in rows] == [(key, 1) for key in sorted(STARTERS)]
        finally:
            engine.dispose()
