"""Twilio's calls into Nudge: no API key (Twilio holds none), a verified signature instead.

Each request must carry Twilio's signature of its URL and form fields, made with the auth
token of the account that sent the message: the tenant's own when it stored one, else the
global `NUDGE_TWILIO_*` one. A status callback belongs to the tenant whose message it reports
on, an inbound text to the tenant whose own number it was sent to. A request signed with any
other account's token is refused, so one tenant cannot move another's deliveries.

The app mounts this router under `/v1/webhooks/twilio`: the two URLs lenders configure in
Twilio's console are `/v1/webhooks/twilio/status` and `/v1/webhooks/twilio/inbound`.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, cast
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from channels.base import Account
from channels.plugin import CallbackInvalid, CallbackRefused, Host, InboundText, StatusReport
from channels.status import TWILIO_CALL, TWILIO_MESSAGE
from channels.twilio.settings import TwilioAccount, TwilioSettings

SIGNATURE_HEADER = "X-Twilio-Signature"
TWIML = "application/xml"
TWIML_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {TWIML: {}}}}


@dataclass(frozen=True)
class SignedPost:
    """A post as Twilio signed it: Nudge's public URL, the form fields, the signature."""

    url: str
    form: dict[str, str]
    signature: str


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio was given and signed: Nudge's public address, never the Host header,
    which a proxy rewrites and a forger chooses."""
    return f"{public_url.rstrip('/')}{path}{'?' + query if query else ''}"


async def read_post(request: Request, public_url: str) -> SignedPost:
    body = (await request.body()).decode("utf-8", errors="replace")
    return SignedPost(
        url=signed_url(public_url, request.url.path, request.url.query),
        form=dict(parse_qsl(body, keep_blank_values=True)),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
    )


def verify(post: SignedPost, account: Account | None, settings: TwilioSettings) -> None:
    """Checks the signature with the tenant's token, or the global one when the message went
    through the global account. Without a token nothing can be verified, so it is refused."""
    token = (
        account.token()
        if isinstance(account, TwilioAccount)
        else settings.auth_token.get_secret_value()
    )
    if not (
        post.signature
        and token
        and RequestValidator(token).validate(post.url, post.form, post.signature)
    ):
        raise CallbackRefused(f"the {SIGNATURE_HEADER} header is missing or does not match")


def required(form: Mapping[str, str], *names: str) -> None:
    missing = {name: "required" for name in names if not form.get(name)}
    if missing:
        raise CallbackInvalid(missing)


def parse_report(form: Mapping[str, str], reference: str | None) -> StatusReport:
    """Calls report `CallSid`/`CallStatus`; messages `MessageSid`/`MessageStatus`."""
    call = "CallSid" in form
    sid_field, status_field = ("CallSid", "CallStatus") if call else ("MessageSid", "MessageStatus")
    required(form, sid_field, status_field)
    words = TWILIO_CALL if call else TWILIO_MESSAGE
    return StatusReport(
        provider_message_id=form[sid_field],
        provider_status=form[status_field],
        status=words.normalize(form[status_field]),
        error_code=form.get("ErrorCode") or None,
        error_message=form.get("ErrorMessage") or None,
        reference=reference,
        to=form.get("To", ""),
    )


def parse_inbound(form: Mapping[str, str], owner: uuid.UUID | None) -> InboundText:
    required(form, "From", "MessageSid")
    return InboundText(
        from_phone=form["From"],
        to=form.get("To", ""),
        body=form.get("Body", ""),
        provider_message_id=form["MessageSid"],
        owner=owner,
    )


def owner_of(number: str, accounts: Mapping[uuid.UUID, Account]) -> uuid.UUID | None:
    """The tenant whose own Twilio account sends from this number (an inbound text's `To`)."""
    return next(
        (
            tenant
            for tenant, account in accounts.items()
            if number and isinstance(account, TwilioAccount) and account.from_number == number
        ),
        None,
    )


def twiml_response(twiml: MessagingResponse) -> Response:
    """Always 200: any other answer makes Twilio retry or log an error for the account."""
    return Response(str(twiml), media_type=TWIML)


def router(host: Host) -> APIRouter:
    settings = cast(TwilioSettings, host.settings)
    routes = APIRouter(tags=["webhooks"])

    @routes.post(
        "/status",
        response_class=Response,
        summary="Twilio message and call status callback",
        description="Twilio reports a message's or call's progress (form-encoded, signed with "
        "`X-Twilio-Signature` by the auth token of the account that sent it: the tenant's "
        "own or the global one). Applied only when it moves the delivery attempt forward; "
        "repeated, late and unknown callbacks are acknowledged and change nothing. A callback "
        "that comes before the dispatcher has recorded the message is kept and applied when "
        "it does.",
        responses=TWIML_ANSWER,
    )
    async def status_callback(
        request: Request,
        reference: Annotated[
            str | None, Query(description="The reminder id Nudge put on the callback URL.")
        ] = None,
    ) -> Response:
        post = await read_post(request, host.core.public_url)
        sid = post.form.get("CallSid") or post.form.get("MessageSid") or ""
        account = await run_in_threadpool(host.account_of_message, sid, reference) if sid else None
        verify(post, account, settings)
        await run_in_threadpool(host.record_status, parse_report(post.form, reference))
        return twiml_response(MessagingResponse())

    @routes.post(
        "/inbound",
        response_class=Response,
        summary="Twilio inbound SMS",
        description="A customer texted a Twilio number of Nudge's or of a tenant's own "
        "account. STOP-like keywords opt the number out of SMS, START-like ones opt it back "
        "in, HELP answers with the tenant's help line; anything else is kept on the "
        "customer's timeline. Each `MessageSid` acts once: a message posted again (a Twilio "
        "retry or a replay) changes nothing and gets the first answer again. Answers TwiML "
        "(`application/xml`).",
        responses=TWIML_ANSWER,
    )
    async def inbound_sms(request: Request) -> Response:
        post = await read_post(request, host.core.public_url)
        accounts = await run_in_threadpool(host.accounts)
        owner = owner_of(post.form.get("To", ""), accounts)
        verify(post, accounts.get(owner) if owner else None, settings)
        answer = await run_in_threadpool(host.receive_text, parse_inbound(post.form, owner))
        twiml = MessagingResponse()
        if answer is not None:
            twiml.message(answer)
        return twiml_response(twiml)

    return routes
