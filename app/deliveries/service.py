"""The delivery log's rules: paging, masking contact details, and the delivery rate."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from app.deliveries import repository
from app.deliveries.schemas import (
    DeliveryFilter,
    DeliveryOut,
    DeliveryPage,
    DeliveryStats,
    GroupBy,
    StatsGroup,
)
from app.errors import NotFound
from app.masking import mask_address, mask_text
from app.pagination import decode_cursor, encode_cursor
from channels.status import DeliveryStatus

FINAL = frozenset(
    {
        DeliveryStatus.DELIVERED,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.FAILED,
        DeliveryStatus.ANSWERED,
        DeliveryStatus.NO_ANSWER,
        DeliveryStatus.BUSY,
        DeliveryStatus.CANCELED,
    }
)
"""Statuses no later callback changes; only these count towards the delivery rate."""
REACHED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.ANSWERED})


def present(row: RowMapping, *, reveal: bool) -> DeliveryOut:
    """Without `pii:read` the recipient is masked, and so is any phone or email in the body or
    in the provider's error message (Twilio's quote the number)."""
    out = DeliveryOut.model_validate(dict(row))
    if reveal:
        return out
    return out.model_copy(
        update={
            "recipient": out.recipient and mask_address(out.recipient),
            "body": out.body and mask_text(out.body),
            "error_message": out.error_message and mask_text(out.error_message),
        }
    )


def list_page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    where: DeliveryFilter,
    cursor: str | None,
    limit: int,
    reveal: bool,
) -> DeliveryPage:
    after = decode_cursor(cursor) if cursor else None
    rows = repository.page(session, tenant_id=tenant_id, where=where, after=after, limit=limit + 1)
    items = [present(row, reveal=reveal) for row in rows[:limit]]
    more = len(rows) > limit
    return DeliveryPage(
        items=items,
        next_cursor=encode_cursor(items[-1].started_at, items[-1].id) if more else None,
    )


def get(
    session: Session, *, tenant_id: uuid.UUID, attempt_id: uuid.UUID, reveal: bool
) -> DeliveryOut:
    row = repository.get(session, tenant_id=tenant_id, attempt_id=attempt_id)
    if row is None:
        raise NotFound(f"no delivery {attempt_id}")
    return present(row, reveal=reveal)


def stats(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    where: DeliveryFilter,
    group_by: GroupBy,
    tz: ZoneInfo,
) -> DeliveryStats:
    counted = repository.counts(session, tenant_id=tenant_id, where=where, group_by=group_by)
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, status, attempts in counted:
        groups[_label(key, group_by, tz)].append((status, attempts))
    return DeliveryStats(
        group_by=group_by,
        tz=tz.key,
        groups=[_summarize(key, statuses) for key, statuses in sorted(groups.items())],
        total=_summarize("total", [(status, n) for _, status, n in counted]),
    )


def daily_counts(
    session: Session, *, tenant_id: uuid.UUID, since: datetime
) -> list[tuple[str, date | str, str, int]]:
    """(channel, UTC day, status, attempts) since `since`: the dashboard's chart of sends."""
    return repository.daily_counts(session, tenant_id=tenant_id, since=since)


def _label(key: Any, group_by: GroupBy, tz: ZoneInfo) -> str:
    if group_by is not GroupBy.DAY:
        return str(key)
    moment = datetime.fromtimestamp(int(key) * repository.BUCKET_SECONDS, UTC)
    return moment.astimezone(tz).date().isoformat()


def _summarize(key: str, statuses: Iterable[tuple[str, int]]) -> StatsGroup:
    attempts = final = reached = 0
    for status, count in statuses:
        attempts += count
        final += count if status in FINAL else 0
        reached += count if status in REACHED else 0
    return StatsGroup(
        key=key,
        attempts=attempts,
        final=final,
        reached=reached,
        delivery_rate=round(reached / final, 4) if final else None,
    )
