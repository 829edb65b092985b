"""Notices owed to a lender about its customers (a hardship request), sent to its signed
webhook. Queued in the transaction that makes them, so one is sent only if that commits, and
delivered after it by the worker (app/notices/delivery.py)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.models.preferences import LenderNotice
from channels.webhook.account import NAME as WEBHOOK


def queue(
    session: Session, *, tenant_id: uuid.UUID, kind: str, body: dict[str, Any], now: datetime
) -> bool:
    """Queues the notice when the tenant has a webhook target; whether it did."""
    if not accounts.has(session, tenant_id=tenant_id, provider=WEBHOOK):
        return False
    session.add(
        LenderNotice(
            tenant_id=tenant_id,
            kind=kind,
            payload={"notice": {"type": kind} | body},
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    session.flush()
    return True
