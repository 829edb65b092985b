"""Alembic migrations build exactly the models' schema, and undo cleanly, on both databases."""

import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts
from app.accounts.vault import Vault
from app.db import Base, create_db_engine
from app.models.reminders import Reminder
from bench.scratch import fresh_database
from channels.webhook.account import NAME as WEBHOOK
from channels.webhook.account import WebhookAccount
from tests.conftest import settings
from tests.databases import BACKENDS
from tests.helpers.outcomes import SENT_AT, Ledger


def drift(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_the_models_and_downgrade_to_base_and_back(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            migrate.upgrade(engine)
            assert drift(engine) == []

            migrate.downgrade(engine, "base")
            assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}

            migrate.upgrade(engine)
            assert drift(engine) == []
            with engine.connect() as connection:
                assert migrate.current_revision(connection) == migrate.head_revision()
        finally:
            engine.dispose()


def tenant_as_of_0001(engine: sa.Engine, *, name: str) -> None:
    """A database at revision 0001 holding one tenant, as the first release stored it."""
    migrate.upgrade(engine, "0001")
    tenants = sa.table(
        "tenants",
        sa.column("id", sa.Uuid()),
        sa.column("name"),
        sa.column("created_at", sa.DateTime()),
    )
    with engine.begin() as connection:
        connection.execute(
            tenants.insert().values(id=uuid.uuid4(), name=name, created_at=datetime(2026, 1, 1))
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_tenants_created_before_settings_existed_get_defaults(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            tenant_as_of_0001(engine, name="old lender")
            migrate.upgrade(engine)
            with engine.connect() as connection:
                row = connection.execute(
                    sa.text(
                        "SELECT display_name, default_locale, default_timezone, default_currency, "
                        "default_policy FROM tenants"
                    )
                ).one()
            assert tuple(row) == ("old lender", "en-US", "UTC", "USD", "default")
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_tenants_from_before_jurisdiction_policies_keep_their_data_and_get_the_built_in_map(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            tenant_as_of_0001(engine, name="old")
            migrate.upgrade(engine)
            with engine.connect() as connection:
                mapping = connection.scalar(sa.text("SELECT jurisdiction_policies FROM tenants"))
                starters = connection.scalar(sa.text("SELECT count(*) FROM template_versions"))
            if isinstance(mapping, str):  # SQLite hands JSON back as text through sa.text
                mapping = json.loads(mapping)
            assert mapping == {"CN": "cn", "US": "us-regf", "IN": "in-rbi"}
            assert starters  # loaded by 0003, not cascaded away when 0013 alters the tenants
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_webhook_secret_stored_in_clear_moves_into_the_sealed_store_and_back(
    backend: str, tmp_path: Path
) -> None:
    secret, url = "kP3xW9qL2mZ7vN4bR8tY1cF6hJ-webhook", "https://lender.example/nudge"
    tenant_id = uuid.uuid4()
    with fresh_database(backend, tmp_path) as database_url:
        engine = create_db_engine(database_url)
        try:
            migrate.upgrade(engine, "0015")
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO tenants (id, name, created_at, display_name, "
                        "default_locale, default_timezone, default_currency, default_policy, "
                        "webhook_url, webhook_secret) VALUES (:id, 'old', :at, 'old', 'en-US', "
                        "'UTC', 'USD', 'default', :url, :secret)"
                    ),
                    {
                        "id": tenant_id if backend == "postgresql" else tenant_id.hex,
                        "at": datetime(2026, 1, 1),
                        "url": url,
                        "secret": secret,
                    },
                )
            migrate.upgrade(engine, "0017")
            with Session(engine) as session:
                raw = repr(session.execute(sa.text("SELECT * FROM provider_accounts")).all())
                account = accounts.stored(session, tenant_id=tenant_id, provider=WEBHOOK)
                assert account is not None
                target = accounts.open_account(account, Vault(settings()), WebhookAccount)
            assert secret not in raw
            assert isinstance(target, WebhookAccount)
            assert (target.url, target.key()) == (url, secret)
            migrate.downgrade(engine, "0015")
            with engine.connect() as connection:
                back = connection.execute(
                    sa.text("SELECT webhook_url, webhook_secret FROM tenants")
                )
                assert back.one() == (url, secret)
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_plan_made_reminders_from_before_step_variants_record_their_template(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            tenant_as_of_0001(engine, name="old")
            migrate.upgrade(engine, "0025")
            with Session(engine) as session:
                tenant_id = session.scalar(sa.text("SELECT id FROM tenants"))
                ledger = Ledger(db=session, tenant_id=uuid.UUID(str(tenant_id)), now=SENT_AT)
                enrollment = ledger.enrol("loan-1", plan="gentle", arm=None)
                ledger.remind(enrollment, "loan-1", step="d-1", arm=None, send_at=SENT_AT)
                ledger.remind(
                    enrollment, "loan-1", step="d0", arm=None, send_at=SENT_AT, template="due-today"
                )
                ledger.rows[Reminder][-1].update(enrollment_id=None, plan_step=None)  # submitted
                for row in ledger.rows[Reminder]:
                    del row["step_variant"]  # the column 0026 adds
                ledger.commit()
            migrate.upgrade(engine)
            with engine.connect() as connection:
                recorded = connection.execute(
                    sa.text("SELECT plan_step, template, step_variant FROM reminders")
                ).all()
            assert sorted(map(tuple, recorded), key=str) == sorted(
                [("d-1", "pre-due", "pre-due"), (None, "due-today", None)], key=str
            )
        finally:
            engine.dispose()
