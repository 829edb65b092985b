"""Idempotency-Key handling as the IETF draft "The Idempotency-Key HTTP Header Field" describes.

Everything runs on the request's own session, so a request never holds more than one pooled
connection (two per request exhausted the pool under a burst and deadlocked it). The key is
reserved in a transaction of its own, committed at once, so a twin arriving meanwhile sees the
reservation and gets 409. The response is stored in the same transaction as the work it
describes, so a replay can never describe work that was rolled back. A request that fails rolls
its work back first, releasing its locks, then releases its key; one whose process died leaves
a lease that expires.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.clock import Clock
from app.config import Settings
from app.db import dialect_insert
from app.errors import IdempotencyInFlight, IdempotencyKeyReused
from app.models.idempotency import IdempotencyRecord

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Makes retries safe: the same key with the same body replays the first "
        "response. Kept for at least 24 hours per tenant.",
        examples=["9f1c2a6e-5b8d-4f1e-a0c3-7d2e4b6a8c10"],
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"


def fingerprint(method: str, path: str, payload: BaseModel | None) -> str:
    """Same method, path and body (as parsed, so spacing and key order do not matter)."""
    body = payload.model_dump(mode="json") if payload is not None else None
    canonical = json.dumps([method, path, body], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def respond_once(
    request: Request,
    session: Session,
    *,
    tenant_id: uuid.UUID,
    key: str | None,
    status: int,
    produce: Callable[[], BaseModel],
    payload: BaseModel | None = None,
) -> JSONResponse:
    """Runs `produce` once per key: a retry with the same key and body gets the first answer.

    The answer is stored through the request's session, so it commits (or rolls back) together
    with the work `produce` did.
    """
    if key is None:
        return JSONResponse(produce().model_dump(mode="json"), status_code=status)
    state = request.app.state
    store = _Store(session, state.clock, state.settings, tenant_id, key)
    replay = store.reserve(fingerprint(request.method, request.url.path, payload))
    if replay is not None:
        return replay
    try:
        content = produce().model_dump(mode="json")
        store.answer(status, content)
    except BaseException:
        store.release()
        raise
    return JSONResponse(content, status_code=status)


@dataclass
class _Store:
    session: Session
    clock: Clock
    settings: Settings
    tenant_id: uuid.UUID
    key: str

    def reserve(self, print_: str) -> JSONResponse | None:
        """Takes the key for this request (committed), or returns the first response to replay."""
        session = self.session
        session.commit()  # whatever the request read so far (its API key) is not ours to hold
        try:
            replay = self._reserve(print_, self.clock.now())
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return replay

    def _reserve(self, print_: str, now: datetime) -> JSONResponse | None:
        fresh = self._fresh(print_, now)
        inserted = self.session.execute(
            dialect_insert(self.session, IdempotencyRecord)
            .values(tenant_id=self.tenant_id, key=self.key, **fresh)
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        ).first()
        if inserted is not None:
            return None
        record = self.session.get(
            IdempotencyRecord, (self.tenant_id, self.key), with_for_update=True
        )
        if record is None:  # its first request failed and released it just now
            self.session.add(IdempotencyRecord(tenant_id=self.tenant_id, key=self.key, **fresh))
            return None
        if record.expires_at <= now:
            _take_over(record, fresh)
            return None
        if record.fingerprint != print_:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request body; use a new key"
            )
        if record.response_status is not None:
            return JSONResponse(
                record.response_body,
                status_code=record.response_status,
                headers={REPLAYED_HEADER: "true"},
            )
        if record.locked_until is not None and record.locked_until > now:
            raise IdempotencyInFlight(
                "a request with this Idempotency-Key is still being processed; retry later"
            )
        _take_over(record, fresh)
        return None

    def _fresh(self, print_: str, now: datetime) -> dict[str, Any]:
        return {
            "fingerprint": print_,
            "created_at": now,
            "expires_at": now + timedelta(hours=self.settings.idempotency_ttl_hours),
            "locked_until": now + timedelta(seconds=self.settings.idempotency_lease_seconds),
            "response_status": None,
            "response_body": None,
        }

    def answer(self, status: int, content: Any) -> None:
        """Stores the response beside the work; the request's commit makes both visible."""
        self.session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.tenant_id == self.tenant_id, IdempotencyRecord.key == self.key)
            .values(response_status=status, response_body=content, locked_until=None)
        )

    def release(self) -> None:
        """The request failed: its work is rolled back first, so its locks go at once (on
        SQLite the delete would otherwise wait on the request's own write lock)."""
        self.session.rollback()
        self.session.execute(
            sa.delete(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == self.tenant_id,
                IdempotencyRecord.key == self.key,
                IdempotencyRecord.response_status.is_(None),
            )
        )
        self.session.commit()


def _take_over(record: IdempotencyRecord, fresh: dict[str, Any]) -> None:
    """An expired key, or one whose request died, is free for this request."""
    for name, value in fresh.items():
        setattr(record, name, value)
