"""Three lenders on one service, none on a shared provider account: two with their own Twilio
accounts and one with its own Aliyun account each send through their own, and each provider's
report is taken only when it is verified with the secret of the lender whose message it is."""

from collections.abc import Callable

import httpx
import pytest

from channels.twilio.settings import TwilioSettings
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.aliyun_server import FakeAliyun, report
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.aliyun import ACCOUNTS as ALIYUN_ACCOUNTS
from tests.helpers.aliyun import aliyun_template, on, own_aliyun
from tests.helpers.api import read, submit
from tests.helpers.twilio import OWN_ACCOUNTS as TWILIO_ACCOUNTS
from tests.helpers.twilio import message_status, own_twilio

pytestmark = pytest.mark.anyio


async def test_two_twilio_lenders_and_an_aliyun_lender_each_send_and_are_verified_alone(
    new_tenant: Callable[[str], Tenant],
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    aliyun: FakeAliyun,
    anonymous: httpx.Client,
) -> None:
    alpha, beta, gamma = new_tenant("alpha"), new_tenant("beta"), new_tenant("gamma")
    tokens = {
        name: own_twilio(tenant, twilio, TWILIO_ACCOUNTS[name])["auth_token"]
        for name, tenant in {"alpha": alpha, "beta": beta}.items()
    }
    pushes = own_aliyun(gamma, aliyun, "alpha")  # gamma's account: the helper's first one
    aliyun_template(gamma)
    sent = {
        name: submit(tenant, channels=["sms"], customer=customer(ref=f"{name}-1"))
        for name, tenant in {"alpha": alpha, "beta": beta, "gamma": gamma}.items()
    }
    no_global_twilio = TwilioSettings(_env_file=None, api_base=twilio.url)  # type: ignore[call-arg]
    await make_dispatcher(twilio=no_global_twilio, aliyun=on(aliyun)).run_once()

    by_reminder = {r.form["StatusCallback"].rsplit("=", 1)[1]: r for r in twilio.received}
    assert set(by_reminder) == {sent["alpha"], sent["beta"]}
    for name in ("alpha", "beta"):
        assert by_reminder[sent[name]].account_sid == TWILIO_ACCOUNTS[name]["account_sid"]
    [to_aliyun] = aliyun.received
    assert to_aliyun.params["OutId"] == sent["gamma"]
    assert to_aliyun.access_key_id == ALIYUN_ACCOUNTS["alpha"]["access_key_id"]

    sids = {
        name: read(tenant, sent[name])["attempts"][0]["provider_message_id"]
        for name, tenant in {"alpha": alpha, "beta": beta}.items()
    }
    crossed = message_status(
        anonymous, sent["alpha"], sids["alpha"], "delivered", token=tokens["beta"]
    )
    assert crossed.status_code == 403
    assert read(alpha, sent["alpha"])["status"] == "sent"
    for name, tenant in {"alpha": alpha, "beta": beta}.items():
        own = message_status(anonymous, sent[name], sids[name], "delivered", token=tokens[name])
        assert own.status_code == 200, own.text
        assert read(tenant, sent[name])["status"] == "delivered"

    delivered = [
        report(
            biz_id=to_aliyun.biz_id or "",
            out_id=sent["gamma"],
            phone="13812345678",
            success=True,
        )
    ]
    gamma_path = pushes["report"]
    forged = gamma_path.replace(gamma_path.split("/")[-2], tokens["alpha"])
    assert anonymous.post(forged, json=delivered).status_code == 403
    assert read(gamma, sent["gamma"])["status"] == "sent"
    assert anonymous.post(gamma_path, json=delivered).status_code == 200
    assert read(gamma, sent["gamma"])["status"] == "delivered"
