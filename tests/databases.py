"""Fresh, throw-away databases on SQLite and PostgreSQL for the tests."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.servers import free_port

POSTGRES_URL = os.environ.get(
    "NUDGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """Yields the URL of an empty database that is dropped afterwards.

    PostgreSQL is required: if it cannot be reached the test errors; it is never skipped.
    """
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'nudge-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"nudge_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def unreachable_database(backend: str, folder: Path) -> str:
    """The URL of a database that cannot be reached: a PostgreSQL port nobody listens on, or a
    SQLite file in a folder that does not exist."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'missing' / 'nudge.db'}"
    return sa.make_url(POSTGRES_URL).set(port=free_port()).render_as_string(hide_password=False)
