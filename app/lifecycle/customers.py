"""A customer's own timeline (what the borrower, or the lender for them, changed), written
here with its audit entry like a reminder's events, so neither reaches the database alone."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.models.preferences import CustomerEvent


def record(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    kind: str,
    source: str,
    detail: dict[str, Any],
    now: datetime,
) -> int:
    """Adds one line and its entry; the line's id."""
    row = {
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "kind": kind,
        "source": source,
        "detail": detail,
        "at": now,
    }
    id_: int | None = session.scalar(sa.insert(CustomerEvent).returning(CustomerEvent.id), row)
    assert id_ is not None
    audit.append(session, events=[], attempts=[], now=now, customer_events=[row | {"id": id_}])
    return id_
