"""Twilio's calls into Nudge: no API key (Twilio holds none), a verified signature instead."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from twilio.twiml.messaging_response import MessagingResponse

from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.deliveries import callbacks, inbound
from app.deliveries.signature import InboundForm, StatusForm
from app.errors import problem_responses
from channels.twilio_common import CALLBACK_PATH

router = APIRouter(tags=["webhooks"])

TWIML = "application/xml"


@router.post(
    CALLBACK_PATH,
    response_class=Response,
    summary="Twilio message and call status callback",
    description="Twilio reports a message's or call's progress (form-encoded, signed with "
    "`X-Twilio-Signature`). Applied only when it moves the delivery attempt forward; "
    "repeated, late and unknown callbacks are acknowledged and change nothing. A callback that "
    "comes before the dispatcher has recorded the message is kept and applied when it does.",
    responses={200: {"content": {TWIML: {}}}, **problem_responses(403, 413, 422)},
)
def status_callback(
    form: StatusForm,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    reference: Annotated[
        str | None, Query(description="The reminder id Nudge put on the callback URL.")
    ] = None,
) -> Response:
    report = callbacks.parse_report(form, reference)
    callbacks.receive(
        session,
        report=report,
        now=clock.now(),
        ttl=timedelta(seconds=settings.pending_callback_ttl_seconds),
        limit=settings.pending_callback_limit,
    )
    return twiml_response(MessagingResponse())


@router.post(
    "/v1/webhooks/twilio/inbound",
    response_class=Response,
    summary="Twilio inbound SMS",
    description="A customer texted Nudge's number. STOP-like keywords opt the number out of "
    "SMS, START-like ones opt it back in, HELP answers with the tenant's help line; anything "
    "else is kept on the customer's timeline. Each `MessageSid` acts once: a message posted "
    "again (a Twilio retry or a replay) changes nothing and gets the first answer again. "
    "Answers TwiML (`application/xml`).",
    responses={200: {"content": {TWIML: {}}}, **problem_responses(403, 413, 422)},
)
def inbound_sms(form: InboundForm, session: SessionDep, clock: ClockDep) -> Response:
    answer = inbound.handle(session, inbound=inbound.parse_inbound(form), clock=clock)
    twiml = MessagingResponse()
    if answer is not None:
        twiml.message(answer)
    return twiml_response(twiml)


def twiml_response(twiml: MessagingResponse) -> Response:
    """Always 200: any other answer makes Twilio retry or log an error for the account."""
    return Response(str(twiml), media_type=TWIML)
