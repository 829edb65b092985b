"""A provider's "this number unsubscribed" is registered like any other opt-out: once, and
recognised as the same opt-out whichever route registers it again."""

import httpx
import pytest

from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import read, submit
from tests.helpers.twilio import INBOUND_PATH, post_signed

pytestmark = pytest.mark.anyio

PHONE = "+8613812345678"
UNSUBSCRIBED = Reply(status=400, code=21610, message="Attempt to send to unsubscribed recipient")


def opt_outs(tenant: Tenant) -> list[tuple[str | None, str, str]]:
    items = tenant.client.get("/v1/opt-outs").json()["items"]
    return [(o["phone"], o["channel"], o["source"]) for o in items]


async def test_two_sends_refused_as_unsubscribed_in_one_round_leave_one_opt_out(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    first = submit(tenant, channels=["sms"])
    second = submit(
        tenant, customer=customer(ref="same-phone"), loan_ref="loan-2", channels=["sms"]
    )
    twilio.answer(UNSUBSCRIBED, UNSUBSCRIBED)
    await make_dispatcher().run_once()
    assert len(twilio.received) == 2
    assert [read(tenant, reminder)["status"] for reminder in (first, second)] == ["failed"] * 2
    assert opt_outs(tenant) == [(PHONE, "sms", "provider_error")]


async def test_a_stop_after_the_providers_refusal_is_the_same_opt_out(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    submit(tenant, channels=["sms"])
    twilio.answer(UNSUBSCRIBED)
    await make_dispatcher().run_once()
    form = {"From": PHONE, "To": "+15005550006", "Body": "STOP", "MessageSid": "SMin0001"}
    assert post_signed(anonymous, INBOUND_PATH, form).status_code == 200
    api = tenant.client.post("/v1/opt-outs", json={"phone": PHONE, "channel": "sms"})
    assert api.status_code == 201
    assert opt_outs(tenant) == [(PHONE, "sms", "provider_error")]
