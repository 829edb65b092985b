"""Engine, sessions and the shared column types; the request's session commits at the edge."""

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, cast

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker

if TYPE_CHECKING:  # the PostgreSQL driver is an extra (`.[postgres]`)
    import psycopg

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores UTC and always gives back aware datetimes, also on SQLite (which keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Runs for every datetime read (a dispatch round reads thousands): the cheap tests
        first."""
        if value is None:
            return None
        zone = value.tzinfo
        if zone is UTC:
            return value
        return value.replace(tzinfo=UTC) if zone is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: sa.Uuid(),
        dict[str, Any]: sa.JSON,
    }


def create_db_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 40
) -> Engine:
    """One pool per process: `pool_size + max_overflow` must cover the API's worker threads
    (40) plus the dispatcher's, since each request holds one connection at a time. Bound
    parameters are kept out of error messages and echoed SQL: they hold phone numbers."""
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if url.startswith("sqlite"):
        if sa.make_url(url).database in (None, "", ":memory:"):
            pool = {}  # one connection per thread, no pool to size
        engine = sa.create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
            **pool,
        )
        sa.event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = sa.create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, **pool)
    sa.event.listen(engine, "connect", _configure_postgresql)
    return engine


def _configure_postgresql(dbapi_connection: Any, _record: Any) -> None:
    """Timestamps come back in UTC, so reading one needs no conversion (UTCDateTime's first
    test); SQL here never depends on the session's zone."""
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work beside the single writer; foreign keys are off unless asked for."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Function scope: commit before the response is sent, so a failed commit is never a 2xx."""


def among(
    session: Session, column: InstrumentedAttribute[Any], values: Iterable[Any]
) -> sa.ColumnElement[bool]:
    """`column IN (...)`; on PostgreSQL `column = ANY(:values)`, one array parameter. psycopg
    keeps parsed statements of at most 50 parameters; one with more (a dispatch round's 100
    ids) is parsed again, in Python, every time it runs: about 1.5 ms each, ten times a round."""
    listed = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(listed, postgresql.ARRAY(column.type)))
    return column.in_(listed)


def dialect_insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the session's dialect (both spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_rows(session: Session, model: type["Base"], rows: Sequence[Mapping[str, Any]]) -> None:
    """Plain inserts of many rows in the session's transaction, nothing read back. On
    PostgreSQL one `COPY`: psycopg's `executemany` costs Python about 20 µs a row, a third of
    a 1,000-item batch's CPU (docs/benchmarks.md); elsewhere Core's `executemany`.

    Every row has the first row's keys, which include each column whose default is made in
    Python (an id): a column left out gets the database's default. Values pass through their
    column types' bind processors, and a failure is raised as SQLAlchemy's exception for it
    (`IntegrityError`, `OperationalError`...), as for any statement."""
    if not rows:
        return
    table = cast(sa.Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), list(rows))
        return
    names = list(rows[0])
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) or _unchanged
        for name in names
    ]
    listed = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({listed}) FROM STDIN'
    driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
    dbapi = dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [process(row[name]) for name, process in zip(names, processors, strict=True)]
                )
    except dbapi.Error as error:  # as SQLAlchemy raises it for a statement of its own
        gone = dialect.is_disconnect(error, connection.connection, None)
        if gone:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            statement, None, error, dbapi.Error, connection_invalidated=gone
        ) from error


def _unchanged(value: Any) -> Any:
    return value


def release_connection(session: Session) -> None:
    """Ends a transaction that only read, handing its connection back to the pool before slow
    work (rendering): the session takes one again when it next talks to the database."""
    session.commit()
