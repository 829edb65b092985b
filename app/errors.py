"""One exception hierarchy, rendered in one place as RFC 9457 problem+json."""

import logging
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Annotated, Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.config import Settings
from app.masking import mask_value

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger(__name__)


def encodable(text: str) -> str:
    """`text` with anything UTF-8 cannot encode (a lone surrogate) written as an escape: a
    message quoting the caller's input must still be sendable."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


Message = Annotated[str, AfterValidator(encodable)]


class FieldError(BaseModel):
    field: Message = Field(
        description="Dotted path to the offending field, e.g. `items.3.customer.phone`."
    )
    detail: Message


def not_one_of(field: str, allowed: Iterable[str]) -> FieldError:
    """A value outside its closed list, e.g. an unknown status in a filter."""
    return FieldError(field=field, detail="must be one of " + ", ".join(f"'{a}'" for a in allowed))


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(examples=["/problems/validation"])
    title: str = Field(examples=["Request validation failed"])
    status: int = Field(examples=[422])
    detail: Message = Field(examples=["1 field is invalid"])
    errors: list[FieldError] | None = None


class NudgeError(Exception):
    status = 500
    slug = "internal"
    title = "Internal server error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def problem(self) -> Problem:
        return Problem(
            type=f"/problems/{self.slug}", title=self.title, status=self.status, detail=self.detail
        )


class Unauthorized(NudgeError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"


class Forbidden(NudgeError):
    status, slug, title = 403, "forbidden", "The API key lacks a required scope"


class NotFound(NudgeError):
    status, slug, title = 404, "not-found", "Resource not found"


class Conflict(NudgeError):
    status, slug, title = 409, "conflict", "The resource is not in a state that allows this"


class IdempotencyInFlight(NudgeError):
    status, slug, title = 409, "idempotency-in-flight", "A request with this key is in progress"


class IdempotencyKeyReused(NudgeError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key reused with another body"


class RateLimited(NudgeError):
    status, slug, title = 429, "rate-limited", "Too many requests for this API key"

    def __init__(self, retry_after: int) -> None:
        super().__init__("slow down: try again after the seconds in Retry-After")
        self.retry_after = retry_after


class DatabaseUnavailable(NudgeError):
    status, slug, title = 503, "database-unavailable", "The database is not answering"


class ValidationFailed(NudgeError):
    status, slug, title = 422, "validation", "Request validation failed"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        count = len(errors)
        super().__init__(f"{count} field{'s are' if count != 1 else ' is'} invalid")
        self.errors = list(errors)

    def problem(self) -> Problem:
        return super().problem().model_copy(update={"errors": self.errors})


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    """Details quote the caller's input (`'13812345678' is not a phone number`): contact details
    in them are masked, whoever asked, as nothing is gained by echoing them."""
    return JSONResponse(
        mask_value(problem.model_dump(exclude_none=True)),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def field_path(loc: Sequence[int | str]) -> str:
    """`("body", "items", 3, "phone")` -> `items.3.phone`; query and header names stay."""
    parts = list(loc[1:]) if loc and loc[0] == "body" else list(loc)
    return ".".join(str(part) for part in parts) or "body"


KEY = "[key]"
"""Where pydantic's `loc` turns from a dict's path to the validation of one of its keys."""


def _message(error: dict[str, Any]) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _invalid_json(error: dict[str, Any], document: Any) -> FieldError:
    """`loc` is `("body", character offset)`: said as the line and column an editor shows."""
    position = int(error["loc"][-1])
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else str(document)
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    reason = error.get("ctx", {}).get("error", "not JSON")
    return FieldError(
        field="body",
        detail=f"invalid JSON at line {line}, column {column} (character {position}): {reason}",
    )


def _one(error: dict[str, Any], document: Any) -> FieldError:
    loc = tuple(error["loc"])
    if error["type"] == "json_invalid":
        return _invalid_json(error, document)
    if error["type"] == "extra_forbidden":
        return FieldError(field=field_path(loc), detail=f"unknown field '{loc[-1]}'")
    return FieldError(field=field_path(loc), detail=_message(error))


def _bad_key(field: str, errors: Sequence[dict[str, Any]]) -> FieldError:
    """One error for a key, whatever the number of types its key type is a union of."""
    expected = [error.get("ctx", {}).get("expected") for error in errors]
    if all(expected):
        reason = "must be " + " or ".join(str(e) for e in expected)
    else:
        reason = "; ".join(_message(error) for error in errors)
    return FieldError(
        field=field, detail=f"key '{errors[0].get('input')}' is not allowed: {reason}"
    )


def describe(errors: Sequence[dict[str, Any]], document: Any = None) -> list[FieldError]:
    """Pydantic's errors as Nudge's field paths, in their order.

    A dict key that fails (`windows.fax`, where a channel or `any` belongs) is one error at the
    key's path, naming the key and what it may be; pydantic reports it under
    `("windows", "fax", "[key]", "str-enum[Channel]")`, once per member of the key's type.
    Invalid JSON is the `body`'s, at a line and column of `document`.
    """
    described: list[FieldError | str] = []  # a str holds the place of a field's key errors
    key_errors: dict[str, list[dict[str, Any]]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        if KEY not in loc:
            described.append(_one(error, document))
            continue
        field = field_path(loc[: loc.index(KEY)])
        if field not in key_errors:
            described.append(field)
        key_errors.setdefault(field, []).append(error)
    return [
        item if isinstance(item, FieldError) else _bad_key(item, key_errors[item])
        for item in described
    ]


async def _nudge_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NudgeError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if exc.status == 503:  # not ready yet (migrations, the database): come back later
        settings: Settings = request.app.state.settings
        headers = {"Retry-After": str(settings.db_retry_after_seconds)}
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem_response(exc.problem(), headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(ValidationFailed(describe(exc.errors(), exc.body)).problem())


def http_problem(status: int, detail: str) -> Problem:
    """A problem with no type of Nudge's own: titled by the HTTP status phrase (RFC 9457 4.2.1)."""
    return Problem(
        type="about:blank", title=HTTPStatus(status).phrase, status=status, detail=detail
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    problem = http_problem(exc.status_code, str(exc.detail))
    return problem_response(problem, dict(exc.headers) if exc.headers else None)


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(NudgeError("An unexpected error occurred.").problem())


def database_unavailable(error: BaseException) -> bool:
    """The database could not be reached, or not in time: trying again later may work, unlike
    a query that is wrong (a bug) or data that is refused."""
    transient = (
        sqlalchemy.exc.OperationalError,
        sqlalchemy.exc.InterfaceError,
        sqlalchemy.exc.TimeoutError,
    )
    return isinstance(error, transient) or (
        isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """503 with `Retry-After` when the database is away, so clients and load balancers back
    off and come back; any other database error goes on to be an unexpected one (500)."""
    if not database_unavailable(exc):
        raise exc
    logger.warning("database unavailable: %s", type(exc).__name__)
    settings: Settings = request.app.state.settings
    problem = DatabaseUnavailable(f"try again later ({type(exc).__name__})").problem()
    return problem_response(problem, {"Retry-After": str(settings.db_retry_after_seconds)})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NudgeError, _nudge_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sqlalchemy.exc.DBAPIError, _database_error)
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem+json answers an endpoint may give. Every endpoint
    that takes an API key (401) may also answer 429, its rate limit."""
    if 401 in statuses and 429 not in statuses:
        statuses = (*statuses, 429)
    descriptions = {
        401: "Missing, unknown or revoked API key.",
        403: "The API key lacks the required scope.",
        404: "No such resource in this tenant.",
        409: "Conflicting state, or the same Idempotency-Key is still in flight.",
        413: "Request body over the size limit.",
        422: "Invalid body (field paths in `errors`), or Idempotency-Key reused with another body.",
        429: "Over this API key's request rate (see `Retry-After`).",
        503: "Not ready, or the database is not answering (see `Retry-After`).",
    }
    return {
        status: {
            "description": descriptions[status],
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
