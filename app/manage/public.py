"""The borrower's own page, opened by the short link in their messages (`/m/{link}`).

No API key: the link is the credential, so every answer is personal and is neither cached,
framed, indexed nor leaked through a Referer. Forms post back to the page with a token bound
to the link (CSRF) and redirect to the same page (POST, redirect, GET), never to a URL the
request names. Requests are rate-limited per link and per client address.
"""

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.borrower import service
from app.borrower.links import PREFIX, digest
from app.clock import ClockDep
from app.config import Settings, SettingsDep
from app.db import SessionDep
from app.manage.texts import (
    CALLBACKS,
    CHANNELS,
    LANGUAGES,
    MESSAGE_LOCALES,
    TEXTS,
    language_of,
    reason_label,
)
from app.manage.throttle import BorrowerLimits
from app.preferences import service as preferences
from app.preferences.schemas import HARDSHIP_REASONS, PreferencesIn
from app.signing import mac_bytes, same_token
from app.tips import service as tips

router = APIRouter(tags=["borrower page"])
templates = Jinja2Templates(directory=FilePath(__file__).parent / "templates")

STYLE = (FilePath(__file__).parent / "templates" / "page.css").read_text()
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the link is in the URL
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
SECTIONS = ("channels", "times", "language", "hardship")
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The borrower's page."},
    404: {"content": {"text/html": {}}, "description": "Not a link Nudge issued."},
    410: {"content": {"text/html": {}}, "description": "An expired or revoked link."},
    429: {"content": {"text/html": {}}, "description": "Too many requests; see Retry-After."},
}
POSTED: dict[int | str, dict[str, Any]] = {
    **{k: v for k, v in PAGE.items() if k != 200},
    303: {"description": "Back to the page, saying what was saved."},
    403: {"content": {"text/html": {}}, "description": "The form's token is not this page's."},
}
LinkToken = Annotated[
    str, Path(max_length=64, description="The link's 20 characters, as the message gave them.")
]


class Refused(Exception):
    """A request the page answers with the polite error page, which shows no data."""

    def __init__(self, status: int, reason: str, *, retry_after: int | None = None) -> None:
        self.status_code, self.reason, self.retry_after = status, reason, retry_after


def refused_page(request: Request, error: Exception) -> HTMLResponse:
    """Both languages: whose link it was is exactly what the page must not say."""
    assert isinstance(error, Refused)
    response = templates.TemplateResponse(
        request,
        "error.html",
        {"texts": TEXTS, "reason": error.reason, "style": STYLE},
        status_code=error.status_code,
        headers=HEADERS,
    )
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def borrower_link(
    request: Request, link: LinkToken, session: SessionDep, clock: ClockDep
) -> service.Opened:
    """The page's guard: within the rate limits, a link Nudge issued, not expired or revoked."""
    limits: BorrowerLimits = request.app.state.borrower_limits
    client = request.client.host if request.client else "?"
    wait = limits.take(client=client, link=digest(link), now=clock.now())
    if wait is not None:
        raise Refused(429, "throttled", retry_after=wait)
    opened = service.open_link(session, token=link, now=clock.now())
    if isinstance(opened, service.Refusal):
        raise Refused(404 if opened is service.Refusal.UNKNOWN else 410, opened.value)
    return opened


BorrowerLink = Annotated[service.Opened, Depends(borrower_link)]


def csrf_token(settings: Settings, opened: service.Opened) -> str:
    return base64.urlsafe_b64encode(mac_bytes(settings, "manage-csrf", opened.digest)[:16]).decode()


@router.get(
    PREFIX + "{link}",
    response_class=HTMLResponse,
    summary="Borrower page",
    description="The customer's own page: how and when they may be contacted, the language "
    "of their messages, hardship help and a few tips. Shows no personal data but the "
    "lender's name, the masked amount due and the due date. No API key: the link is the "
    "credential.",
    responses=PAGE,
)
def show_page(
    request: Request,
    link: LinkToken,
    opened: BorrowerLink,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    lang: Annotated[str, Query(max_length=5)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    error: Annotated[str, Query(max_length=20)] = "",
    paused: Annotated[int, Query(ge=0, le=10_000)] = 0,
    told: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    summary = service.summary(session, link=opened)
    language = lang if lang in LANGUAGES else language_of(summary.locale)
    current = preferences.read(session, tenant_id=opened.tenant_id, customer_id=opened.customer_id)
    situation = tips.situation_of(summary.due_date, summary.today(clock.now()))
    chosen = tips.choose(
        session,
        tenant_id=opened.tenant_id,
        locale="zh-CN" if language == "zh" else "en",
        situation=situation,
    )
    texts = {k: v.replace("{lender}", summary.lender) for k, v in TEXTS[language].items()}
    context = {
        "lang": language,
        "other": "en" if language == "zh" else "zh",
        "t": texts,
        "style": STYLE,
        "link": link,
        "csrf": csrf_token(settings, opened),
        "summary": summary,
        "amount": summary.amount_text(language),
        "due_date": summary.due_text(language),
        "prefs": current,
        "windows": [w.model_dump(mode="json") for w in current.inconvenient],
        "message_locale": current.locale or summary.locale,
        "channels": CHANNELS,
        "message_locales": MESSAGE_LOCALES,
        "reasons": [(r, reason_label(texts, r)) for r in HARDSHIP_REASONS],
        "callbacks": CALLBACKS,
        "tips": chosen,
        "done": done if done in SECTIONS else "",
        "error": error if error in SECTIONS else "",
        "paused": paused,
        "told": bool(told),
    }
    return templates.TemplateResponse(request, "page.html", context, headers=HEADERS)


class Posted:
    """A page's urlencoded form (no multipart here, so no extra parser dependency): each
    field's first value, or every value of a repeated one, cut to `limit` characters."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields

    def one(self, name: str, limit: int = 100) -> str:
        return (self.fields.get(name) or [""])[0][:limit]

    def every(self, name: str, limit: int = 10) -> list[str]:
        return [value[:limit] for value in self.fields.get(name, [])[:10]]


async def posted(request: Request) -> Posted:
    body = (await request.body()).decode("utf-8", "replace")
    return Posted(parse_qs(body, keep_blank_values=True))


PostedForm = Annotated[Posted, Depends(posted)]
FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    }
}


Handler = TypeVar("Handler", bound=Callable[..., RedirectResponse])


def page_form(section: str, *, summary: str, description: str) -> Callable[[Handler], Handler]:
    """A form of the page: posted urlencoded to `/m/{link}/<section>`, answered with a
    redirect back to the page."""
    return router.post(
        PREFIX + "{link}/" + section,
        summary=summary,
        description=description,
        status_code=303,
        response_class=RedirectResponse,
        responses=POSTED,
        openapi_extra=FORM_BODY,
    )


@dataclass(frozen=True)
class Posting:
    """A form posted to the page by its own link, the form's token checked."""

    link: str
    opened: service.Opened
    form: Posted
    lang: str
    """The page's language, one of a closed set."""

    def back(self, **outcome: str | int) -> RedirectResponse:
        """To this page only: the path is the link's own (checked by the guard), the query
        made of closed values."""
        language = self.lang if self.lang in LANGUAGES else ""
        query = "&".join(f"{k}={v}" for k, v in {"lang": language, **outcome}.items() if v != "")
        return RedirectResponse(f"{PREFIX}{self.link}?{query}", status_code=303, headers=HEADERS)


async def posting(
    link: LinkToken, opened: BorrowerLink, form: PostedForm, settings: SettingsDep
) -> Posting:
    """The page's guard, then the form's token checked against the page's (a 403 page
    otherwise). Async because it does no I/O: a sync dependency costs a hop to a thread."""
    if not same_token(csrf_token(settings, opened), form.one("csrf")):
        raise Refused(403, "forbidden")
    lang = form.one("lang", 5)
    return Posting(link, opened, form, lang if lang in LANGUAGES else "")


PostingDep = Annotated[Posting, Depends(posting)]


@page_form(
    "channels",
    summary="Borrower page: channels",
    description="Turns channels off (`off`, repeated) and names the preferred one "
    "(`preferred`), with source `borrower`.",
)
def save_channels(posting: PostingDep, session: SessionDep, clock: ClockDep) -> RedirectResponse:
    form = posting.form
    preferred = form.one("preferred", 10)
    change = _change(channels_off=form.every("off"), preferred=[preferred] if preferred else [])
    return _save(session, posting, change, clock.now(), section="channels")


@page_form(
    "times",
    summary="Borrower page: inconvenient times",
    description="Adds a weekly window (`weekday` repeated, `start`, `end`) the borrower is not "
    "to be contacted in, in their own time zone, or (`action=clear`) removes them all.",
)
def save_times(posting: PostingDep, session: SessionDep, clock: ClockDep) -> RedirectResponse:
    form, opened = posting.form, posting.opened
    if form.one("action", 10) == "clear":
        change = _change(inconvenient=[])
    else:
        current = preferences.read(
            session, tenant_id=opened.tenant_id, customer_id=opened.customer_id
        )
        window = {
            "weekdays": form.every("weekday", 2),
            "start": form.one("start", 5),
            "end": form.one("end", 5),
        }
        kept = [w.model_dump(mode="json") for w in current.inconvenient]
        change = _change(inconvenient=[*kept, window])
    return _save(session, posting, change, clock.now(), section="times")


@page_form(
    "language",
    summary="Borrower page: language of messages",
    description="The language of the customer's future messages (`locale`).",
)
def save_language(posting: PostingDep, session: SessionDep, clock: ClockDep) -> RedirectResponse:
    locale = posting.form.one("locale", 35)
    change = _change(locale=locale) if locale in MESSAGE_LOCALES else None
    return _save(session, posting, change, clock.now(), section="language")


@page_form(
    "hardship",
    summary="Borrower page: hardship help",
    description="Asks for help (`reason`, optional `note` and `callback`): pauses the "
    "customer's enrolled loans and tells the lender through its signed webhook; the page then "
    "says what happens next.",
)
def ask_for_help(posting: PostingDep, session: SessionDep, clock: ClockDep) -> RedirectResponse:
    form, opened = posting.form, posting.opened
    reason, callback = form.one("reason", 40), form.one("callback", 20)
    note = form.one("note", 501).strip()
    if reason not in HARDSHIP_REASONS or callback not in ("", *CALLBACKS) or len(note) > 500:
        return posting.back(error="hardship")
    hardship = preferences.request_hardship(
        session,
        tenant_id=opened.tenant_id,
        customer_id=opened.customer_id,
        reason=reason,
        note=note or None,
        callback=callback or None,
        now=clock.now(),
    )
    told = int(hardship.lender_notified)
    return posting.back(done="hardship", paused=hardship.paused, told=told)


def _change(**fields: Any) -> PreferencesIn | None:
    """The borrower's change, or None when the form's values are not valid ones."""
    try:
        return PreferencesIn.model_validate(fields)
    except ValidationError:
        return None


def _save(
    session: Session, posting: Posting, change: PreferencesIn | None, now: datetime, section: str
) -> RedirectResponse:
    if change is None:
        return posting.back(error=section)
    preferences.save(
        session,
        tenant_id=posting.opened.tenant_id,
        customer_id=posting.opened.customer_id,
        change=change,
        source="borrower",
        now=now,
    )
    return posting.back(done=section)
