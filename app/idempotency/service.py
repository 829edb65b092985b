"""Idempotency-Key handling as the IETF draft "The Idempotency-Key HTTP Header Field" describes.

One transaction per request, on the request's own session (so a request never holds more than
one pooled connection): the key is looked up with the request's first reads; if it is new, the
work runs and the key is written last, with its answer, in the same transaction as the work it
describes, so a replay can never describe work that was rolled back and a failed request leaves
nothing behind (no key to release, no lease to wait out).

Twins (the same key sent again while the first is still running) both do the work, and the key's
primary key decides: the second insert of the key finds the first's (on PostgreSQL it waits for
the first's commit), so the second rolls its own work back and replays the first's answer. A
twin whose work fails because the first's changed things (a cancel that is no longer allowed)
also replays the first's answer. Until the first commits nothing of either is visible, so a
reminder is stored once per key.

Records written by earlier versions with a lease (`locked_until`, a reservation made before the
work) are still honoured: 409 while the lease runs, free once it has run out.
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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.clock import Clock
from app.config import Settings
from app.errors import IdempotencyInFlight, IdempotencyKeyReused, NudgeError
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

_KEYS: sa.Table = IdempotencyRecord.__table__  # type: ignore[assignment]
_ANSWER = ("fingerprint", "created_at", "expires_at", "locked_until", "response_status")
_THIS_KEY = sa.and_(
    _KEYS.c.tenant_id == sa.bindparam("this_tenant"), _KEYS.c.key == sa.bindparam("this_key")
)
_FIND = sa.select(
    _KEYS.c.fingerprint,
    _KEYS.c.expires_at,
    _KEYS.c.locked_until,
    _KEYS.c.response_status,
    _KEYS.c.response_body,
).where(_THIS_KEY)
"""Built once, on the table rather than the mapped class: every keyed request runs these, and
building them and passing them through the ORM's execution layers cost as much as running
them (about 13% of a submit's CPU in a profile)."""
_REPLACEABLE = sa.or_(
    _KEYS.c.expires_at <= sa.bindparam("now"),
    sa.and_(
        _KEYS.c.response_status.is_(None),
        sa.or_(_KEYS.c.locked_until.is_(None), _KEYS.c.locked_until <= sa.bindparam("now")),
    ),
)
_TAKE_OVER = (
    sa.update(_KEYS)
    .where(_THIS_KEY, _REPLACEABLE)
    .values({name: sa.bindparam(f"new_{name}") for name in (*_ANSWER, "response_body")})
    .returning(_KEYS.c.key)
)
_INSERTS = {
    dialect: module.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.key)
    for dialect, module in (("postgresql", postgresql), ("sqlite", sqlite))
}


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
    with the work `produce` did; the request's session dependency commits it.
    """
    if key is None:
        return JSONResponse(produce().model_dump(mode="json"), status_code=status)
    state = request.app.state
    store = _Store(
        session,
        state.clock,
        state.settings,
        tenant_id,
        key,
        fingerprint(request.method, request.url.path, payload),
    )
    now = store.clock.now()
    replay = store.replay(store.find(), now)
    if replay is not None:
        return replay
    try:
        content = produce().model_dump(mode="json")
    except NudgeError:
        # A twin that finished first may be why this one failed (it cancelled the reminder
        # this one was cancelling): its answer is this key's answer.
        session.rollback()
        replay = store.replay(store.find(), now, finished_only=True)
        if replay is not None:
            return replay
        raise
    if store.answer(status, content, now):
        return JSONResponse(content, status_code=status)
    # A twin stored this key first: its work stands, this one's is undone.
    session.rollback()
    replay = store.replay(store.find(), now)
    if replay is None:  # unreachable: the key was there a moment ago, and keys are only added
        raise IdempotencyInFlight("a request with this Idempotency-Key is being processed")
    return replay


@dataclass(frozen=True)
class _Seen:
    fingerprint: str
    expires_at: datetime
    locked_until: datetime | None
    response_status: int | None
    response_body: Any


@dataclass
class _Store:
    session: Session
    clock: Clock
    settings: Settings
    tenant_id: uuid.UUID
    key: str
    print_: str

    def find(self) -> _Seen | None:
        """The key's record as it is now, as plain values (a rollback expires ORM objects)."""
        row = (
            self.session.connection()
            .execute(_FIND, {"this_tenant": self.tenant_id, "this_key": self.key})
            .first()
        )
        return None if row is None else _Seen(*row)

    def replay(
        self, seen: _Seen | None, now: datetime, *, finished_only: bool = False
    ) -> JSONResponse | None:
        """The first answer to replay, None if this request is to do the work, or a refusal:
        the key used for another body (422) or held by a live lease (409)."""
        if seen is None or seen.expires_at <= now:
            return None
        if finished_only and seen.response_status is None:
            return None
        if seen.fingerprint != self.print_:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request body; use a new key"
            )
        if seen.response_status is not None:
            return JSONResponse(
                seen.response_body,
                status_code=seen.response_status,
                headers={REPLAYED_HEADER: "true"},
            )
        if seen.locked_until is not None and seen.locked_until > now:
            raise IdempotencyInFlight(
                "a request with this Idempotency-Key is still being processed; retry later"
            )
        return None  # a lease whose request died: free for this one

    def answer(self, status: int, content: Any, now: datetime) -> bool:
        """Writes the key with its answer beside the work; False if a twin's is there first.

        A record this request may replace (expired, or a dead request's lease) is taken over
        only if it is still such a record, so of two requests taking it over one wins.
        """
        values = {
            "tenant_id": self.tenant_id,
            "key": self.key,
            "fingerprint": self.print_,
            "created_at": now,
            "expires_at": now + timedelta(hours=self.settings.idempotency_ttl_hours),
            "locked_until": None,
            "response_status": status,
            "response_body": content,
        }
        connection = self.session.connection()
        insert = _INSERTS[connection.dialect.name]
        if connection.execute(insert, values).first() is not None:
            return True
        replacing = {f"new_{name}": values[name] for name in (*_ANSWER, "response_body")}
        taken = connection.execute(
            _TAKE_OVER,
            {"this_tenant": self.tenant_id, "this_key": self.key, "now": now} | replacing,
        ).first()
        return taken is not None
