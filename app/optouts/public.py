"""The unsubscribe link in every email: a public page, trusted only for what its token signs.

`GET` shows a confirmation page and changes nothing, since mail scanners and link previews
fetch links unasked. `POST` opts the customer out of email: the page's button posts it, and
so does a mail provider's one-click unsubscribe (RFC 8058), whose body is ignored.
"""

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.optouts import service
from app.optouts.links import PATH, Unsubscribe, UnsubscribeLinks

router = APIRouter(tags=["unsubscribe"])
templates = Jinja2Templates(directory=FilePath(__file__).parent / "templates")

TEXTS = {
    "zh": {
        "title": "退订邮件提醒",
        "ask": "不再接收{name}的邮件提醒？",
        "button": "退订",
        "done": "您已退订{name}的邮件提醒，我们将不再向您发送邮件。",
    },
    "en": {
        "title": "Unsubscribe from email reminders",
        "ask": "Stop email reminders from {name}?",
        "button": "Unsubscribe",
        "done": "You are unsubscribed: {name} will send you no more email reminders.",
    },
}
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A page for the customer."}
}


def signed_link(
    token: Annotated[str, Path(max_length=1000, description="The token Nudge signed.")],
    settings: SettingsDep,
) -> Unsubscribe:
    """The link's guard: a token this service did not sign, or that was altered, is refused."""
    link = UnsubscribeLinks(settings).read(token)
    if link is None:
        raise NotFound("this unsubscribe link is not valid")
    return link


SignedLink = Annotated[Unsubscribe, Depends(signed_link)]


@router.get(
    PATH,
    response_class=HTMLResponse,
    summary="Unsubscribe page",
    description="Asks the customer to confirm; changes nothing. No API key: the signed token in "
    "the path is the credential.",
    responses={**PAGE, **problem_responses(404)},
)
def confirm_page(request: Request, link: SignedLink, session: SessionDep) -> HTMLResponse:
    return _page(request, service.addressee(session, link=link), done=False)


@router.post(
    PATH,
    response_class=HTMLResponse,
    summary="Unsubscribe (one-click)",
    description="Opts the customer out of the link's channel (email), with source "
    "`email_link`; doing it again changes nothing. Takes RFC 8058's "
    "`List-Unsubscribe=One-Click` body, or none. No API key: the signed token in the path is "
    "the credential.",
    responses={**PAGE, **problem_responses(404)},
)
def unsubscribe(
    request: Request, link: SignedLink, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    return _page(request, service.unsubscribe(session, link=link, clock=clock), done=True)


def _page(request: Request, addressee: service.Addressee, *, done: bool) -> HTMLResponse:
    lang = "zh" if addressee.locale.lower().startswith("zh") else "en"
    texts = {key: text.format(name=addressee.sender) for key, text in TEXTS[lang].items()}
    response = templates.TemplateResponse(
        request, "unsubscribe.html", {"lang": lang, "t": texts, "done": done}
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response
