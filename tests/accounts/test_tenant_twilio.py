"""Tenants with their own Twilio accounts send through them, and Twilio's callbacks about their
messages are verified with their own auth tokens; a tenant without one uses the global account."""

from collections.abc import Callable

import httpx
import pytest

from channels.twilio.settings import TwilioSettings
from tests.conftest import TWILIO_SID, TWILIO_TOKEN, DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, submit
from tests.helpers.twilio import INBOUND_PATH, message_status, own_twilio, signature
from tests.helpers.twilio import OWN_ACCOUNTS as ACCOUNTS

pytestmark = pytest.mark.anyio

NewTenant = Callable[[str], Tenant]


def own_account(tenant: Tenant, twilio: FakeTwilio, name: str) -> dict[str, str]:
    return own_twilio(tenant, twilio, ACCOUNTS[name])


def status_post(
    anonymous: httpx.Client, reminder_id: str, sid: str, status: str, *, token: str | None = None
) -> httpx.Response:
    return message_status(anonymous, reminder_id, sid, status, token=token or TWILIO_TOKEN)


async def test_each_tenant_sends_through_its_own_account_and_one_without_through_the_global(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
) -> None:
    alpha, beta, gamma = new_tenant("alpha"), new_tenant("beta"), new_tenant("gamma")
    accounts = {
        "alpha": own_account(alpha, twilio, "alpha"),
        "beta": own_account(beta, twilio, "beta"),
    }
    sent = {
        name: submit(tenant, channels=["sms"], customer=customer(ref=f"{name}-1"))
        for name, tenant in {"alpha": alpha, "beta": beta, "gamma": gamma}.items()
    }
    await make_dispatcher().run_once()

    by_reminder = {
        request.form["StatusCallback"].rsplit("=", 1)[1]: request for request in twilio.received
    }
    assert all(request.authorized for request in twilio.received)
    for name in ("alpha", "beta"):
        request = by_reminder[sent[name]]
        assert request.account_sid == accounts[name]["account_sid"]
        assert request.form["From"] == accounts[name]["from_number"]
    assert by_reminder[sent["gamma"]].account_sid == TWILIO_SID
    assert by_reminder[sent["gamma"]].form["From"] == "+15005550006"

    tenants = {"alpha": alpha, "beta": beta, "gamma": gamma}
    for name, tenant in tenants.items():
        [attempt] = read(tenant, sent[name])["attempts"]
        token = accounts[name]["auth_token"] if name in accounts else None
        answer = status_post(
            anonymous, sent[name], attempt["provider_message_id"], "delivered", token=token
        )
        assert answer.status_code == 200, answer.text
        assert read(tenant, sent[name])["status"] == "delivered"


async def test_with_no_global_twilio_each_tenant_sends_and_is_verified_through_its_own_account(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
) -> None:
    """The service has no Twilio account of its own (only the API's address): each lender's
    texts still go out through its own account, and each callback and inbound text is
    verified with its own token, never with the other's."""
    tenants = {"alpha": new_tenant("alpha"), "beta": new_tenant("beta")}
    accounts = {name: own_account(tenant, twilio, name) for name, tenant in tenants.items()}
    sent = {name: submit(tenant, channels=["sms"]) for name, tenant in tenants.items()}
    no_global = TwilioSettings(_env_file=None, api_base=twilio.url)  # type: ignore[call-arg]
    await make_dispatcher(twilio=no_global).run_once()

    by_reminder = {
        request.form["StatusCallback"].rsplit("=", 1)[1]: request for request in twilio.received
    }
    sids = {}
    for name, tenant in tenants.items():
        request = by_reminder[sent[name]]
        assert (request.account_sid, request.authorized) == (accounts[name]["account_sid"], True)
        [attempt] = read(tenant, sent[name])["attempts"]
        assert attempt["provider"] == "twilio_sms"
        sids[name] = attempt["provider_message_id"]

    forged = status_post(
        anonymous, sent["alpha"], sids["alpha"], "failed", token=accounts["beta"]["auth_token"]
    )
    assert forged.status_code == 403
    assert read(tenants["alpha"], sent["alpha"])["status"] == "sent"
    for name, tenant in tenants.items():
        token = accounts[name]["auth_token"]
        answer = status_post(anonymous, sent[name], sids[name], "delivered", token=token)
        assert answer.status_code == 200, answer.text
        assert read(tenant, sent[name])["status"] == "delivered"

    attempts = [("alpha", "beta", 403), ("alpha", "alpha", 200)]
    attempts += [("beta", "alpha", 403), ("beta", "beta", 200)]
    for n, (name, signer, expected) in enumerate(attempts):
        form = {
            "From": "+8613812345678",
            "To": accounts[name]["from_number"],
            "Body": "HELP",
            "MessageSid": f"SM{n:032d}",
        }
        signed = signature(INBOUND_PATH, form, token=accounts[signer]["auth_token"])
        answer = anonymous.post(INBOUND_PATH, data=form, headers={"X-Twilio-Signature": signed})
        assert answer.status_code == expected, (name, signer, answer.text)
        if expected == 200:  # answered as the tenant whose own number was texted
            assert f"【{name}】" in answer.text


async def test_a_callback_signed_with_another_tenants_token_is_refused_and_changes_nothing(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
) -> None:
    alpha, beta = new_tenant("alpha"), new_tenant("beta")
    own_account(alpha, twilio, "alpha")
    other = own_account(beta, twilio, "beta")
    reminder_id = submit(alpha, channels=["sms"])
    await make_dispatcher().run_once()
    [attempt] = read(alpha, reminder_id)["attempts"]
    sid = attempt["provider_message_id"]

    for token in (other["auth_token"], None):  # beta's token, and the global one
        refused = status_post(anonymous, reminder_id, sid, "delivered", token=token)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    after = read(alpha, reminder_id)
    assert after["status"] == "sent"
    assert after["attempts"][0]["status"] == attempt["status"]


async def test_a_text_to_a_tenants_own_number_is_verified_with_that_tenants_token(
    new_tenant: NewTenant, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    alpha = new_tenant("alpha")
    account = own_account(alpha, twilio, "alpha")
    form = {
        "From": "+8613812345678",
        "To": account["from_number"],
        "Body": "HELP",
        "MessageSid": "SM" + "1" * 32,
    }
    forged = signature(INBOUND_PATH, form)  # the global token
    refused = anonymous.post(INBOUND_PATH, data=form, headers={"X-Twilio-Signature": forged})
    assert refused.status_code == 403
    signed = signature(INBOUND_PATH, form, token=account["auth_token"])
    answered = anonymous.post(INBOUND_PATH, data=form, headers={"X-Twilio-Signature": signed})
    assert answered.status_code == 200, answered.text


SHARED_SENDER = "+15005550006"
"""The service's own Twilio number (`twilio_from_number` in the tests' settings)."""


def stop(anonymous: httpx.Client, *, phone: str, to: str, token: str | None, sid: str) -> None:
    form = {"From": phone, "To": to, "Body": "STOP", "MessageSid": sid}
    signed = signature(INBOUND_PATH, form, **({"token": token} if token else {}))
    answered = anonymous.post(INBOUND_PATH, data=form, headers={"X-Twilio-Signature": signed})
    assert answered.status_code == 200, answered.text


def opted_out_phones(tenant: Tenant) -> list[str]:
    return [item["phone"] for item in tenant.client.get("/v1/opt-outs").json()["items"]]


async def test_a_stop_to_a_tenants_own_number_opts_the_phone_out_of_that_tenant_only(
    new_tenant: NewTenant, twilio: FakeTwilio, anonymous: httpx.Client
) -> None:
    alpha, beta, gamma = new_tenant("alpha"), new_tenant("beta"), new_tenant("gamma")
    account = own_account(alpha, twilio, "alpha")
    own_account(beta, twilio, "beta")
    phone, stranger = "+8613812345678", "+8613900000000"
    for tenant in (alpha, beta, gamma):  # beta and gamma know the phone more recently
        submit(tenant, channels=["sms"], customer=customer(ref="shared", phone=phone))

    stop(anonymous, phone=phone, to=account["from_number"], token=account["auth_token"], sid="SM1")
    stop(
        anonymous, phone=stranger, to=account["from_number"], token=account["auth_token"], sid="SM2"
    )
    assert sorted(opted_out_phones(alpha)) == [phone, stranger]
    assert opted_out_phones(beta) == opted_out_phones(gamma) == []

    stop(anonymous, phone=stranger, to=SHARED_SENDER, token=None, sid="SM3")  # the shared sender
    assert opted_out_phones(gamma) == [stranger]
    assert opted_out_phones(beta) == []  # beta texts from its own number only
