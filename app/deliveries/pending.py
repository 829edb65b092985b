"""The pending table: status callbacks kept until the dispatcher records their message's id.

The table is bounded whatever Twilio sends: reports older than the TTL are deleted whenever a
new one is kept and by the daily retention pass, and beyond the limit the oldest are dropped,
since a report is likeliest to be matched in its first seconds. Every report kept, matched,
expired or dropped is counted.
"""

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import among
from app.models.pending_callbacks import PendingCallback
from app.observability import metrics

logger = logging.getLogger(__name__)


def keep(session: Session, callback: PendingCallback, *, ttl: timedelta, limit: int) -> None:
    """Flushed at once: on SQLite this write takes the database's one writer lock, so whatever
    the caller reads next includes every dispatcher record committed before it."""
    expire(session, now=callback.received_at, ttl=ttl)
    session.add(callback)
    session.flush()
    metrics.CALLBACKS_KEPT.inc()
    logger.info(
        "status callback for message %s kept until the dispatcher records it",
        callback.provider_message_id,
    )
    _bound(session, limit)


def _bound(session: Session, limit: int) -> None:
    """Concurrent callbacks may each see the table just under the limit, so it can briefly
    hold a few more rows than `limit`; never many more."""
    excess = (session.scalar(sa.select(sa.func.count()).select_from(PendingCallback)) or 0) - limit
    if excess <= 0:
        return
    oldest = sa.select(PendingCallback.id).order_by(PendingCallback.id).limit(excess)
    dropped = session.execute(
        sa.delete(PendingCallback)
        .where(PendingCallback.id.in_(oldest))
        .execution_options(synchronize_session=False)
    )
    count = int(dropped.rowcount)  # type: ignore[attr-defined]
    metrics.CALLBACKS_DROPPED.inc(count)
    logger.warning(
        "%d pending status callbacks dropped, the oldest: more than %d were waiting", count, limit
    )


def take(session: Session, provider_message_ids: Collection[str]) -> list[PendingCallback]:
    """The reports kept for these messages, oldest first, deleted in the same statement: two
    transactions taking the same report cannot both get it."""
    if not provider_message_ids:
        return []
    taken = session.scalars(
        sa.delete(PendingCallback)
        .where(among(session, PendingCallback.provider_message_id, provider_message_ids))
        .returning(PendingCallback)
    ).all()
    metrics.CALLBACKS_MATCHED.inc(len(taken))
    return sorted(taken, key=lambda callback: callback.id)


def expire(session: Session, *, now: datetime, ttl: timedelta) -> int:
    """Deletes reports kept longer than `ttl`; their messages were never recorded (a worker
    died during the provider call, so the attempt is `unknown`, or the reference was wrong)."""
    expired = session.execute(
        sa.delete(PendingCallback)
        .where(PendingCallback.received_at < now - ttl)
        .execution_options(synchronize_session=False)
    )
    count = int(expired.rowcount)  # type: ignore[attr-defined]
    if count:
        metrics.CALLBACKS_EXPIRED.inc(count)
        logger.warning(
            "%d status callbacks expired: their messages were not recorded within %s", count, ttl
        )
    return count
