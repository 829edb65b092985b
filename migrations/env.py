"""Alembic environment: runs against a connection handed in, or NUDGE_DATABASE_URL."""

from alembic import context
from sqlalchemy.engine import Connection

from app.config import get_settings
from app.db import create_db_engine
from app.models import Base

target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_db_engine(url)
    with engine.connect() as new_connection:
        run(new_connection)
    engine.dispose()
