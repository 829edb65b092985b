"""Which databases every database test runs on, and one that cannot be reached."""

from pathlib import Path

import sqlalchemy as sa

from bench.scratch import POSTGRES_URL, free_port

BACKENDS = ("sqlite", "postgresql")


def unreachable_database(backend: str, folder: Path) -> str:
    """The URL of a database that cannot be reached: a PostgreSQL port nobody listens on, or a
    SQLite file in a folder that does not exist."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'missing' / 'nudge.db'}"
    return sa.make_url(POSTGRES_URL).set(port=free_port()).render_as_string(hide_password=False)
