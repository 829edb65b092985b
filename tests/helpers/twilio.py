"""Twilio's side of the webhooks: signed status callbacks and inbound texts."""

import httpx
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_URL, TWILIO_TOKEN

STATUS_PATH = "/v1/webhooks/twilio/status"
INBOUND_PATH = "/v1/webhooks/twilio/inbound"


def signature(
    path: str, form: dict[str, str], *, token: str = TWILIO_TOKEN, base: str = PUBLIC_URL
) -> str:
    """What Twilio puts in X-Twilio-Signature for a request to Nudge's public URL."""
    return str(RequestValidator(token).compute_signature(f"{base}{path}", form))


def post_signed(client: httpx.Client, path: str, form: dict[str, str]) -> httpx.Response:
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature(path, form)})


def message_status(
    anonymous: httpx.Client, reminder_id: str, sid: str, status: str, **extra: str
) -> httpx.Response:
    form = {"MessageSid": sid, "MessageStatus": status, "To": "+8613812345678", **extra}
    return post_signed(anonymous, f"{STATUS_PATH}?reference={reminder_id}", form)
