"""Webhook tests: reminders sent by the real dispatcher to the fake Twilio, then Twilio's
signed callbacks posted to the app under test."""

import httpx
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.dispatch.test_dispatcher import read, submit

__all__ = ["read", "submit"]

STATUS_PATH = "/v1/webhooks/twilio/status"
INBOUND_PATH = "/v1/webhooks/twilio/inbound"


def signature(
    path: str, form: dict[str, str], *, token: str = TWILIO_TOKEN, base: str = PUBLIC_URL
) -> str:
    """What Twilio puts in X-Twilio-Signature for a request to Nudge's public URL."""
    return str(RequestValidator(token).compute_signature(f"{base}{path}", form))


def post_signed(client: httpx.Client, path: str, form: dict[str, str]) -> httpx.Response:
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature(path, form)})
