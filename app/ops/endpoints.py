"""The ops dashboard's pages, under /ops; HTML for people, kept out of the OpenAPI document."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth import (
    SHOWN_PREFIX_LENGTH,
    Principal,
    Scope,
    principal_for_secret,
    principal_for_session,
)
from app.clock import ClockDep
from app.config import Settings, SettingsDep
from app.customers import service as customers
from app.db import SessionDep
from app.deliveries import service as deliveries
from app.deliveries.schemas import ATTEMPT_STATUSES, DeliveryFilter
from app.errors import FieldError, NotFound, ValidationFailed, not_one_of
from app.fields import check_instant
from app.models.states import PENDING, ReminderStatus
from app.ops import chart, outcome_chart
from app.ops.i18n import pick_language, translator
from app.ops.session import (
    SESSION_COOKIE,
    SESSION_LIFETIME,
    SIGN_IN_COOKIE,
    OpsSession,
    new_csrf_token,
    read_session,
    session_cookie,
    sign_in_cookie,
    sign_in_csrf,
)
from app.ops.times import local_input, moment
from app.outcomes import service as outcomes
from app.outcomes.schemas import Dimension
from app.preferences.profile import borrower_says
from app.ratelimit import FailureThrottle
from app.reminders import service as reminders
from app.signing import same_token
from app.tenants import service as tenants
from channels.base import Channel

router = APIRouter(prefix="/ops", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["moment"] = moment
PAGE_SIZE = 50
CHANNELS = tuple(Channel)
DIMENSIONS = tuple(Dimension)
OUTCOMES_BY = (Dimension.PLAN, Dimension.ARM)
"""What the outcomes page groups by until the person picks: the experiments."""
ChoiceT = TypeVar("ChoiceT", bound=str)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    csrf: str
    zone: ZoneInfo
    """The tenant's time zone, which the pages show times in."""


def _viewer(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Viewer | None:
    """The signed-in key, looked up again on every request: revoking it ends the session."""
    ops = read_session(settings, request.cookies.get(SESSION_COOKIE), now=clock.now())
    if ops is None:
        return None
    principal = principal_for_session(session, key_id=ops.key_id, tenant_id=ops.tenant_id)
    if principal is None or not principal.has(Scope.DELIVERIES_READ):
        return None
    zone = tenants.time_zone(session, tenant_id=principal.tenant_id)
    return Viewer(principal, ops.csrf, zone)


ViewerDep = Annotated[Viewer | None, Depends(_viewer)]


def _signed_in(viewer: ViewerDep) -> Viewer:
    """Pages need a session; without one the browser is sent to the sign-in form."""
    if viewer is None:
        raise HTTPException(303, "sign in first", headers={"Location": "/ops/login"})
    return viewer


SignedIn = Annotated[Viewer, Depends(_signed_in)]


def _page(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    language = pick_language(request.headers.get("accept-language"))
    response = templates.TemplateResponse(
        request,
        name,
        {"lang": language, "t": translator(language), **context},
        status_code=status,
        headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"},
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/ops/login", status_code=303)


def _set_cookie(
    response: Response, settings: Settings, name: str, value: str, *, max_age: int
) -> None:
    """Script can't read it, other sites can't send it, and https keeps it off plain http."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/ops",
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
    )


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form (no multipart on these pages, so no extra parser dependency)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/ops/deliveries", status_code=303)


@router.get("/login")
def sign_in_form(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _sign_in_page(request, settings)


def _sign_in_page(
    request: Request, settings: SettingsDep, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    csrf = new_csrf_token()
    response = _page(request, "login.html", {"csrf": csrf, "error": error}, status=status)
    _set_cookie(response, settings, SIGN_IN_COOKIE, sign_in_cookie(settings, csrf), max_age=3600)
    return response


@router.post("/login")
async def sign_in(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """Failures are counted per client address and per key prefix (`app/ratelimit.py`). An
    address over the limit is refused before its key is even looked up; a prefix over it
    refuses further wrong keys, but its owner typing the right key from elsewhere still
    signs in, so an attacker cannot lock a person out by naming their key's prefix."""
    form = await _form(request)
    expected = sign_in_csrf(settings, request.cookies.get(SIGN_IN_COOKIE))
    if not same_token(expected, form.get("csrf")):
        return _sign_in_page(request, settings, error="bad_csrf", status=403)
    failures: FailureThrottle = request.app.state.sign_in_failures
    now, typed = clock.now(), form.get("api_key", "").strip()
    by_address = f"address:{request.client.host if request.client else '?'}"
    by_prefix = f"prefix:{typed[:SHOWN_PREFIX_LENGTH]}"  # as a key's listing shows it
    if (wait := failures.penalty(by_address, now)) is not None:
        return _throttled(request, settings, wait)
    prefix_wait = failures.penalty(by_prefix, now)
    principal = principal_for_secret(session, typed)
    if principal is None:
        failures.fail(by_address, now)
        failures.fail(by_prefix, now)
        if prefix_wait is not None:
            return _throttled(request, settings, prefix_wait)
        return _sign_in_page(request, settings, error="bad_key", status=401)
    if not principal.has(Scope.DELIVERIES_READ):
        return _sign_in_page(request, settings, error="no_scope", status=403)
    ops = OpsSession(
        key_id=principal.key_id,
        tenant_id=principal.tenant_id,
        csrf=new_csrf_token(),
        expires_at=clock.now() + SESSION_LIFETIME,
    )
    response = RedirectResponse("/ops/deliveries", status_code=303)
    lifetime = int(SESSION_LIFETIME.total_seconds())
    _set_cookie(response, settings, SESSION_COOKIE, session_cookie(settings, ops), max_age=lifetime)
    response.delete_cookie(SIGN_IN_COOKIE, path="/ops")
    return response


def _throttled(request: Request, settings: Settings, wait: int) -> HTMLResponse:
    logger.warning("ops sign-in throttled for %d s", wait)
    response = _sign_in_page(request, settings, error="throttled", status=429)
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/logout")
async def sign_out(request: Request, viewer: ViewerDep) -> Response:
    if viewer is not None and not same_token(viewer.csrf, (await _form(request)).get("csrf")):
        return _page(request, "error.html", {"message": "bad_csrf", "viewer": viewer}, status=403)
    response = _to_sign_in()
    response.delete_cookie(SESSION_COOKIE, path="/ops")
    return response


def _optional(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _time(
    name: str, value: str | None, zone: ZoneInfo, errors: list[FieldError]
) -> datetime | None:
    """A `datetime-local` field, read in the tenant's zone (the one the pages show times in),
    held to the range the API accepts."""
    if not value:
        return None
    try:
        parsed = local_input(value, zone)
    except ValueError:
        errors.append(FieldError(field=f"query.{name}", detail="not a date and time"))
        return None
    try:
        return check_instant(parsed)
    except ValueError as error:
        errors.append(FieldError(field=f"query.{name}", detail=str(error)))
        return None


def _choice(
    name: str, value: str | None, allowed: Sequence[ChoiceT], errors: list[FieldError]
) -> ChoiceT | None:
    """A select's value: empty for "any", else one of `allowed` (a typed URL may say more)."""
    chosen = _optional(value)
    found = next((option for option in allowed if option == chosen), None)
    if chosen is not None and found is None:
        errors.append(not_one_of(f"query.{name}", allowed))
    return found


@router.get("/deliveries")
def delivery_log(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    customer_ref: str | None = None,
    loan_ref: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
) -> Response:
    errors: list[FieldError] = []
    where = DeliveryFilter(
        customer_ref=_optional(customer_ref),
        loan_ref=_optional(loan_ref),
        channel=_choice("channel", channel, CHANNELS, errors),
        status=_choice("status", status, ATTEMPT_STATUSES, errors),
        since=_time("since", since, viewer.zone, errors),
        until=_time("until", until, viewer.zone, errors),
    )
    if errors:
        raise ValidationFailed(errors)
    found = deliveries.list_page(
        session,
        tenant_id=viewer.principal.tenant_id,
        where=where,
        cursor=cursor,
        limit=PAGE_SIZE,
        reveal=viewer.principal.has(Scope.PII_READ),
    )
    filters = {
        "customer_ref": where.customer_ref or "",
        "loan_ref": where.loan_ref or "",
        "channel": where.channel or "",
        "status": where.status or "",
        "since": since or "",
        "until": until or "",
    }
    next_page = None
    if found.next_cursor:
        query = {k: v for k, v in filters.items() if v}
        next_page = "?" + urlencode(query | {"cursor": found.next_cursor})
    return _page(
        request,
        "deliveries.html",
        {
            "viewer": viewer,
            "rows": found.items,
            "filters": filters,
            "channels": CHANNELS,
            "statuses": ATTEMPT_STATUSES,
            "next_page": next_page,
            "paged": cursor is not None,
        },
    )


@router.get("/reminders/{reminder_id}")
def timeline(
    request: Request, session: SessionDep, viewer: SignedIn, reminder_id: uuid.UUID
) -> Response:
    pii = viewer.principal.has(Scope.PII_READ)
    try:
        reminder = reminders.get(
            session, tenant_id=viewer.principal.tenant_id, reminder_id=reminder_id
        )
    except NotFound:
        return _page(request, "error.html", {"message": "not_found", "viewer": viewer}, status=404)
    contacts = customers.contacts(
        session, tenant_id=viewer.principal.tenant_id, ref=reminder.customer_ref, reveal=pii
    )
    stated, said = borrower_says(
        session, tenant_id=viewer.principal.tenant_id, ref=reminder.customer_ref, reveal=pii
    ) or (None, [])
    return _page(
        request,
        "timeline.html",
        {
            "viewer": viewer,
            "reminder": reminder if pii else reminder.masked(),
            "contacts": contacts,
            "stated": stated,
            "said": said,
        },
    )


@router.get("/chart")
def sends_chart(
    request: Request, session: SessionDep, viewer: SignedIn, clock: ClockDep
) -> Response:
    today = clock.now().date()
    since = datetime.combine(chart.window(today)[0], datetime.min.time(), tzinfo=UTC)
    rows = deliveries.daily_counts(session, tenant_id=viewer.principal.tenant_id, since=since)
    charts = [
        chart.lay_out(channel, days) for channel, days in chart.tally(rows, today=today).items()
    ]
    return _page(
        request,
        "chart.html",
        {"viewer": viewer, "charts": charts, "width": chart.WIDTH, "height": chart.HEIGHT},
    )


@router.get("/backlog")
def due_backlog(
    request: Request, session: SessionDep, viewer: SignedIn, clock: ClockDep
) -> Response:
    now = clock.now()
    backlog = reminders.backlog(session, tenant_id=viewer.principal.tenant_id, now=now)
    oldest = backlog.oldest_due
    return _page(
        request,
        "backlog.html",
        {
            "viewer": viewer,
            "statuses": [status.value for status in ReminderStatus if status in PENDING],
            "buckets": backlog.buckets,
            "table": backlog.counts,
            "oldest_minutes": None if oldest is None else int((now - oldest).total_seconds() // 60),
            "oldest": oldest,
        },
    )


@router.get("/outcomes")
def outcome_report(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    group_by: Annotated[list[str] | None, Query()] = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    errors: list[FieldError] = []
    chosen = [_choice("group_by", name, DIMENSIONS, errors) for name in group_by or ()]
    dimensions = [dimension for dimension in DIMENSIONS if dimension in chosen] or OUTCOMES_BY
    start = _time("since", since, viewer.zone, errors)
    end = _time("until", until, viewer.zone, errors)
    if errors:
        raise ValidationFailed(errors)
    stats = outcomes.outcomes(
        session,
        tenant_id=viewer.principal.tenant_id,
        group_by=dimensions,
        since=start,
        until=end,
    )
    return _page(
        request,
        "outcomes.html",
        {
            "viewer": viewer,
            "stats": stats,
            "dimensions": DIMENSIONS,
            "group_by": dimensions,
            "filters": {"since": since or "", "until": until or ""},
            "chart": outcome_chart.lay_out(stats.groups, dimensions),
            "width": outcome_chart.WIDTH,
        },
    )
