"""Rows written straight into PostgreSQL with psycopg 3: the raw ceilings of ingestion, and the
quick way to fill a database with the many reminders a part starts from.

A part stores one real reminder through the services (bench/seeding.py) and then clones it:
every column is copied as PostgreSQL's own text of the stored row, and only the ids, the
customer, the loan and the times change. So the clones are rows the service itself would
have written, whatever columns the schema has grown.
"""

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import psycopg
import sqlalchemy as sa
from psycopg import sql

Row = dict[str, str | None]


@contextmanager
def connect(url: str) -> Iterator[psycopg.Connection]:
    """A plain psycopg connection to the SQLAlchemy URL `url`, in autocommit: transactions
    are explicit (`connection.transaction()`), so that a harness connection polling for the
    end of a run never holds one open (it would hold back vacuum, and freeze its view of
    pg_stat_activity)."""
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        yield connection


def prototype(connection: psycopg.Connection, table: str) -> Row:
    """The first row of `table`, every column as text."""
    columns = [
        name
        for (name,) in connection.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s"
            " ORDER BY ordinal_position",
            (table,),
        )
    ]
    query = sql.SQL("SELECT {} FROM {} LIMIT 1").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
        sql.Identifier(table),
    )
    row = connection.execute(query).fetchone()
    if row is None:
        raise RuntimeError(f"{table} has no row to clone")
    return dict(zip(columns, row, strict=True))


def copy_rows(connection: psycopg.Connection, table: str, rows: Iterable[Row]) -> int:
    """COPY the rows (all with the same columns) into `table`; how many it wrote."""
    remaining = iter(rows)
    first = next(remaining, None)
    if first is None:
        return 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, first))
    )
    written = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in itertools.chain([first], remaining):
            copy.write_row(tuple(row.values()))
            written += 1
    return written


def insert_rows(connection: psycopg.Connection, table: str, rows: Sequence[Row]) -> None:
    """The rows through one `executemany` of a plain INSERT (no RETURNING)."""
    if not rows:
        return
    columns = list(rows[0])
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(statement, [tuple(row.values()) for row in rows])


def customers(proto: Row, count: int) -> list[Row]:
    """`count` customers like `proto`, each with its own id, ref and phone number."""
    made = []
    for i in range(count):
        made_id = uuid.uuid4()
        phone = f"+86138{i % 10**8:08d}"
        made.append(proto | {"id": str(made_id), "ref": f"bench-{made_id.hex}", "phone": phone})
    return made


def reminders(
    proto: Row,
    owners: Sequence[Row],
    count: int,
    *,
    status: str,
    due: Callable[[int], datetime],
) -> Iterator[Row]:
    """`count` reminders like `proto`, spread round-robin over `owners`, the i-th due at
    `due(i)` in `status`."""
    for i in range(count):
        at = due(i).isoformat()
        yield proto | {
            "id": str(uuid.uuid4()),
            "customer_id": owners[i % len(owners)]["id"],
            "loan_ref": f"loan-{i}",
            "status": status,
            "send_at": at,
            "next_attempt_at": at,
        }


def attempts(reminder: Row, *, times: Iterable[datetime], channel: str) -> Iterator[Row]:
    """Past delivery attempts (contacts) of one reminder's customer, one at each time."""
    for at in times:
        yield {
            "id": str(uuid.uuid4()),
            "tenant_id": reminder["tenant_id"],
            "reminder_id": reminder["id"],
            "customer_id": reminder["customer_id"],
            "channel": channel,
            "provider": "bench",
            "status": "delivered",
            "recipient": "+8613800000000",
            "started_at": at.isoformat(),
            "finished_at": at.isoformat(),
        }
