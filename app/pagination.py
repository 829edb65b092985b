"""Opaque keyset cursors over (created_at, id), shared by every paginated listing."""

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from app.errors import FieldError, ValidationFailed
from app.fields import check_instant


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return check_instant(datetime.fromisoformat(created_at)), uuid.UUID(row_id)
    except (ValueError, TypeError, binascii.Error):
        raise ValidationFailed(
            [FieldError(field="query.cursor", detail="not a cursor this API gave out")]
        ) from None


SelectT = TypeVar("SelectT", bound=sa.Select[*tuple[Any, ...]])


def newest_first(
    query: SelectT,
    *,
    key: tuple[Any, Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> SelectT:
    """Orders by the (time, id) key, newest first, and starts after the cursor's row: rows
    inserted meanwhile never shift a later page."""
    query = query.order_by(key[0].desc(), key[1].desc()).limit(limit)
    return query if after is None else query.where(sa.tuple_(*key) < sa.tuple_(*after))
