"""Every delivery-log query: one filtered select, read as a page, a stream or group counts."""

import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.deliveries.schemas import DeliveryFilter, GroupBy
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.pagination import newest_first

A = DeliveryAttempt
BUCKET_SECONDS = 900
"""`day` stats count in quarter hours, which every time zone's offset is a multiple of."""

_COLUMNS: tuple[Any, ...] = (
    A.id,
    A.reminder_id,
    Customer.ref.label("customer_ref"),
    Reminder.loan_ref,
    Reminder.template,
    A.channel,
    A.provider,
    A.provider_message_id,
    A.status,
    A.provider_status,
    A.error_kind,
    A.error_code,
    A.error_message,
    A.recipient,
    A.body,
    A.locale,
    A.body_sha256,
    A.started_at,
    A.finished_at,
    A.latency_ms,
    A.worker,
    A.cost_amount,
    A.cost_currency,
)


def _filtered(query: sa.Select[Any], tenant_id: uuid.UUID, where: DeliveryFilter) -> sa.Select[Any]:
    query = (
        query.join(Customer, Customer.id == A.customer_id)
        .join(Reminder, Reminder.id == A.reminder_id)
        .where(A.tenant_id == tenant_id)
    )
    equal = {
        Customer.ref: where.customer_ref,
        Reminder.loan_ref: where.loan_ref,
        A.reminder_id: where.reminder_id,
        A.channel: where.channel,
        A.provider: where.provider,
        A.status: where.status,
        A.error_code: where.error_code,
    }
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(A.started_at >= where.since)
    if where.until is not None:
        query = query.where(A.started_at < where.until)
    return query


def _newest_first(tenant_id: uuid.UUID, where: DeliveryFilter) -> sa.Select[Any]:
    return _filtered(sa.select(*_COLUMNS), tenant_id, where).order_by(
        A.started_at.desc(), A.id.desc()
    )


def page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    where: DeliveryFilter,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[RowMapping]:
    query = newest_first(
        _filtered(sa.select(*_COLUMNS), tenant_id, where),
        key=(A.started_at, A.id),
        after=after,
        limit=limit,
    )
    return session.execute(query).mappings().all()


def get(session: Session, *, tenant_id: uuid.UUID, attempt_id: uuid.UUID) -> RowMapping | None:
    query = _filtered(sa.select(*_COLUMNS), tenant_id, DeliveryFilter()).where(A.id == attempt_id)
    return session.execute(query).mappings().first()


def stream(
    session: Session, *, tenant_id: uuid.UUID, where: DeliveryFilter, chunk: int
) -> Iterator[RowMapping]:
    """A server-side cursor read `chunk` rows at a time, so an export never holds the table."""
    result = session.execute(
        _newest_first(tenant_id, where).execution_options(yield_per=chunk, stream_results=True)
    )
    yield from result.mappings()


def counts(
    session: Session, *, tenant_id: uuid.UUID, where: DeliveryFilter, group_by: GroupBy
) -> Sequence[tuple[Any, str, int]]:
    """(group key, status, attempts); a `day` key is a quarter-hour bucket number since 1970."""
    key = _group_key(session, group_by).label("key")
    query = _filtered(sa.select(key, A.status, sa.func.count()), tenant_id, where).group_by(
        key, A.status
    )
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def _group_key(session: Session, group_by: GroupBy) -> sa.ColumnElement[Any] | Any:
    if group_by is GroupBy.CHANNEL:
        return A.channel
    if group_by is GroupBy.STATUS:
        return A.status
    if group_by is GroupBy.TEMPLATE:
        return Reminder.template
    if session.get_bind().dialect.name == "sqlite":  # UTC text, see app.db.UTCDateTime
        seconds: sa.ColumnElement[Any] = sa.cast(sa.func.strftime("%s", A.started_at), sa.Integer)
        return seconds / BUCKET_SECONDS
    return sa.cast(sa.func.floor(sa.extract("epoch", A.started_at) / BUCKET_SECONDS), sa.BigInteger)


def _utc_day(session: Session, column: InstrumentedAttribute[datetime]) -> sa.ColumnElement[date]:
    """The UTC calendar day of a stored timestamp (SQLite keeps UTC text, PostgreSQL a zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def daily_counts(
    session: Session, *, tenant_id: uuid.UUID, since: datetime
) -> list[tuple[str, date | str, str, int]]:
    """(channel, UTC day, status, attempts) for every attempt started since `since`."""
    day = _utc_day(session, A.started_at).label("day")
    query = (
        sa.select(A.channel, day, A.status, sa.func.count())
        .where(A.tenant_id == tenant_id, A.started_at >= since)
        .group_by(A.channel, day, A.status)
    )
    return [(row[0], row[1], row[2], row[3]) for row in session.execute(query)]
