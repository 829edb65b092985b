"""Twilio's side of the webhooks: signed status callbacks and inbound texts."""

import httpx
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_URL, TWILIO_TOKEN, Tenant
from tests.fakes.twilio_server import FakeTwilio

STATUS_PATH = "/v1/webhooks/twilio/status"
INBOUND_PATH = "/v1/webhooks/twilio/inbound"

OWN_ACCOUNTS = {
    "alpha": {
        "account_sid": "AC" + "a1" * 16,
        "auth_token": "f3b9c1d7e2a84605b1c9d3e7f2a6b0c4",
        "from_number": "+15005550101",
    },
    "beta": {
        "account_sid": "AC" + "b2" * 16,
        "auth_token": "9e4d2c7b1a0f8e3d6c5b4a29187f6e5d",
        "from_number": "+15005550202",
    },
}
"""Two lenders' own Twilio accounts (`own_twilio`), apart from the global one."""


def signature(
    path: str, form: dict[str, str], *, token: str = TWILIO_TOKEN, base: str = PUBLIC_URL
) -> str:
    """What Twilio puts in X-Twilio-Signature for a request to Nudge's public URL."""
    return str(RequestValidator(token).compute_signature(f"{base}{path}", form))


def post_signed(
    client: httpx.Client, path: str, form: dict[str, str], *, token: str = TWILIO_TOKEN
) -> httpx.Response:
    signed = signature(path, form, token=token)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signed})


def message_status(
    anonymous: httpx.Client,
    reminder_id: str,
    sid: str,
    status: str,
    *,
    token: str = TWILIO_TOKEN,
    **extra: str,
) -> httpx.Response:
    """A message's status callback, signed with `token` (the global account's by default)."""
    form = {"MessageSid": sid, "MessageStatus": status, "To": "+8613812345678", **extra}
    return post_signed(anonymous, f"{STATUS_PATH}?reference={reminder_id}", form, token=token)


def own_twilio(tenant: Tenant, twilio: FakeTwilio, account: dict[str, str]) -> dict[str, str]:
    """The tenant stores its own Twilio account, which the fake then knows."""
    twilio.add_account(account["account_sid"], account["auth_token"])
    stored = tenant.client.put("/v1/tenant/providers/twilio", json=account)
    assert stored.status_code == 200, stored.text
    return account
