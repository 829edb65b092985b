"""Throw-away databases and free loopback ports, for the benchmarks and the tests alike.

They live with the benchmarks so that `bench/` runs from a checkout without the test suite;
the tests take them from here rather than keeping a second copy.
"""

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "NUDGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """Yields the URL of an empty database that is dropped afterwards.

    PostgreSQL is required: if it cannot be reached the caller errors; it is never skipped.
    """
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'nudge-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"nudge_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:  # also when the block failed: a failed run must not leave databases behind
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def free_port() -> int:
    """A loopback port nobody listens on right now: for servers that cannot take port 0, and
    for testing a refused connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
