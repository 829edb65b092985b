"""ASGI middleware that must see the raw request before FastAPI parses it."""

import asyncio
import contextlib
import json
import math
import re
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import FieldError, ValidationFailed, field_path, http_problem, problem_response
from app.observability.logs import request_id

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")


class BodySizeLimit:
    """Answers 413 for bodies over the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"request bodies are limited to {self.max_bytes} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await problem_response(http_problem(413, detail))(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, detail)
            return message

        await self.app(scope, counting_receive, send)


class RequestId:
    """Gives every request an id (the caller's `X-Request-ID` when it is sane), puts it on
    every log line written while the request runs, and returns it as a response header."""

    HEADER = b"x-request-id"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(self.HEADER, b"").decode("latin-1")
        current = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (self.HEADER, current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class Admission:
    """Runs at most `max_in_flight` requests at once, keeps at most `max_queued` more waiting
    their turn (first come, first served), and answers the rest 503 (problem+json with
    `Retry-After`) at once, as it answers one that waited `timeout_seconds` without a turn.

    Without it uvicorn accepts every request and each waits for a worker thread, so under more
    load than the process can take the queue (and every request's wait) grows without bound,
    and the process goes on working through requests whose clients gave up long ago. With it
    an overload costs the excess requests a quick 503, the backlog is never older than the
    timeout, and the API answers promptly again soon after the load ends. It sits outside the
    body checks, so a request refused or waiting has not had its body read yet. Liveness,
    readiness and metrics are never queued: probes must see a busy process as alive.
    """

    UNQUEUED = frozenset({"/healthz", "/readyz", "/metrics"})
    RETRY_AFTER_SECONDS = 1

    def __init__(
        self, app: ASGIApp, *, max_in_flight: int, max_queued: int, timeout_seconds: float
    ) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_queued = max_queued
        self.timeout_seconds = timeout_seconds
        self.in_flight = 0
        self._waiting: deque[asyncio.Future[bool]] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.UNQUEUED:
            await self.app(scope, receive, send)
            return
        if not await self._admitted():
            await self._refuse(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admitted(self) -> bool:
        """Takes a turn now, or waits for one; False when the queue is full or the wait ran out.
        Turns are handed over and timeouts fire on the event loop, so neither races the other."""
        if self.in_flight < self.max_in_flight and not self._waiting:
            self.in_flight += 1
            return True
        if len(self._waiting) >= self.max_queued:
            return False
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[bool] = loop.create_future()
        self._waiting.append(turn)
        timer = loop.call_later(self.timeout_seconds, self._expire, turn)
        try:
            return await asyncio.shield(turn)
        except asyncio.CancelledError:  # the server is stopping this request
            if turn.done() and turn.result():
                self._release()  # the turn came with the cancellation: pass it on
            else:
                self._forget(turn)
            raise
        finally:
            timer.cancel()

    def _expire(self, turn: "asyncio.Future[bool]") -> None:
        if not turn.done():
            self._forget(turn)
            turn.set_result(False)

    def _forget(self, turn: "asyncio.Future[bool]") -> None:
        with contextlib.suppress(ValueError):
            self._waiting.remove(turn)

    def _release(self) -> None:
        """Hands this request's turn to the longest waiting one, if any."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(True)
                return
        self.in_flight -= 1

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = http_problem(503, "the service is over capacity; retry after Retry-After")
        headers = {"Retry-After": str(self.RETRY_AFTER_SECONDS)}
        await problem_response(problem, headers)(scope, receive, send)


NUL = "must not contain the NUL character (U+0000)"
SURROGATE = "must not contain a lone surrogate (U+D800 to U+DFFF), which is not text"
NOT_FINITE = "must be a finite number"


class RefuseUnstorableText:
    """Answers 422 for a NUL character or a lone surrogate anywhere in a request: the path, the
    query, a header, or a JSON or form body (and for NaN or an infinity in a JSON body).

    PostgreSQL refuses NUL in text where SQLite stores it, no encoder takes a lone surrogate
    (JSON's `"\\udfff"` decodes to one), and no JSON column or response holds NaN: each would
    fail deep in a query or in the answer, as a 500. One check before any endpoint runs covers
    every field, on both databases. Sits inside `BodySizeLimit`, so it never reads more than
    the limit.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = [*_url_flaws(scope), *_header_flaws(scope["headers"])]
        kind = _body_kind(dict(scope["headers"]).get(b"content-type", b"").decode("latin-1"))
        if not errors and kind is not None:
            try:
                body = await _read_body(receive)
            except HTTPException as refused:  # BodySizeLimit stopped the body
                await problem_response(http_problem(refused.status_code, refused.detail))(
                    scope, receive, send
                )
                return
            if body is None:  # the client went away
                return
            errors = list(_json_flaws(body) if kind == "json" else _form_flaws(body))
            receive = _replaying(body, receive)
        if errors:
            await problem_response(ValidationFailed(errors).problem())(scope, receive, send)
            return
        await self.app(scope, receive, send)


def unstorable(text: str) -> str | None:
    """Why `text` cannot be stored and sent back, or None if it can."""
    if "\x00" in text:
        return NUL
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None


def _url_flaws(scope: Scope) -> Iterator[FieldError]:
    """The path (named as a whole: routing comes later) and the query, decoded as the server
    and Starlette decode them."""
    if flaw := unstorable(scope["path"]):
        yield FieldError(field="path", detail=flaw)
    query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    yield from _pair_flaws(query, prefix="query.")


def _header_flaws(headers: Iterable[tuple[bytes, bytes]]) -> Iterator[FieldError]:
    """Header values arrive as bytes (read as Latin-1): only NUL can be wrong in them."""
    for name, value in headers:
        if b"\x00" in value:
            yield FieldError(field=f"header.{name.decode('latin-1')}", detail=NUL)


def _body_kind(content_type: str) -> str | None:
    """The kind of body endpoints parse as text: JSON (also when no type is given, as FastAPI
    reads it) or a urlencoded form; None for any other, which no endpoint reads."""
    media = content_type.partition(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return "form"
    if not media or media == "application/json" or media.endswith("+json"):
        return "json"
    return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """Hands the endpoint the body already read, then the client's later messages (a
    disconnect) as they come."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _form_flaws(body: bytes) -> Iterator[FieldError]:
    """Decoded as the dashboard and the Twilio webhooks decode their forms."""
    yield from _pair_flaws(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _pair_flaws(pairs: Iterable[tuple[str, str]], *, prefix: str = "") -> Iterator[FieldError]:
    for name, value in pairs:
        if flaw := unstorable(name) or unstorable(value):
            yield FieldError(field=f"{prefix}{name}", detail=flaw)


_TEXT_FLAW = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
"""What an unstorable string needs in a JSON body's bytes: a NUL byte (every UTF-16 or UTF-32
body, which `json.loads` takes, has some), NUL or a surrogate escaped, or a surrogate encoded as
UTF-8 (`json.loads` decodes with `surrogatepass`). Without one no string is unstorable."""


def _json_flaws(body: bytes) -> Iterator[FieldError]:
    """Every key and value of the parsed body, in document order, by path (`items.3.loan_ref`).

    A body that does not parse is left to FastAPI, which answers it with its own 422. Walked
    without recursion: `json.loads` nests as deep as Python may recurse; and only when the
    parse met a number that is not finite or the bytes hold what a bad string needs, so an
    ordinary body is not walked at all (a 1,000-item batch's walk cost 10 ms of CPU).
    """
    not_finite = False

    def number(text: str) -> float:
        nonlocal not_finite
        value = float(text)  # NaN and the infinities too, and "1e999", which overflows
        not_finite = not_finite or not math.isfinite(value)
        return value

    try:
        document = json.loads(body, parse_float=number, parse_constant=number) if body else None
    except (ValueError, RecursionError):
        return
    if not not_finite and not _TEXT_FLAW.search(body):
        return
    pending: list[tuple[tuple[str | int, ...], Any]] = [(("body",), document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            for key in value:
                if flaw := unstorable(key):
                    yield FieldError(field=field_path((*path, key)), detail=flaw)
            pending.extend(((*path, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(((*path, n), item) for n, item in reversed(list(enumerate(value))))
        elif flaw := _scalar_flaw(value):
            yield FieldError(field=field_path(path), detail=flaw)


def _scalar_flaw(value: Any) -> str | None:
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE
    return None
