"""Lenders with their own Aliyun accounts: reminders go out through each one's AccessKey with
its approved templates, and Aliyun's pushes (status reports, replies) are taken only through
the push URLs made with that tenant's own secret."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from channels.aliyun.push import push_token
from tests.conftest import PUBLIC_URL, DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.aliyun_server import FakeAliyun, Received, report, uplink
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.aliyun import ACCOUNTS, ALIYUN_PART, PHONE, aliyun_template, on, own_aliyun
from tests.helpers.api import read, submit, template

pytestmark = pytest.mark.anyio

NewTenant = Callable[[str], Tenant]


def push(anonymous: httpx.Client, path: str, items: list[dict[str, Any]]) -> httpx.Response:
    """Posts as Aliyun does, to a push URL (under Nudge's public URL, here the server's)."""
    return anonymous.post(path, json=items)


def sent_for(aliyun: FakeAliyun, reminder_id: str) -> Received:
    [request] = [r for r in aliyun.received if r.params.get("OutId") == reminder_id]
    return request


async def test_each_tenant_sends_through_its_own_aliyun_account_and_approved_template(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    aliyun: FakeAliyun,
    twilio: FakeTwilio,
) -> None:
    alpha, beta, gamma = new_tenant("alpha"), new_tenant("beta"), new_tenant("gamma")
    for name, tenant in {"alpha": alpha, "beta": beta}.items():
        own_aliyun(tenant, aliyun, name)
        aliyun_template(tenant)
    sent = {
        name: submit(tenant, channels=["sms"], customer=customer(ref=f"{name}-1"))
        for name, tenant in {"alpha": alpha, "beta": beta, "gamma": gamma}.items()
    }
    await make_dispatcher(aliyun=on(aliyun)).run_once()

    for name, tenant in {"alpha": alpha, "beta": beta}.items():
        request = sent_for(aliyun, sent[name])
        assert request.access_key_id == ACCOUNTS[name]["access_key_id"]
        assert request.params["SignName"] == ACCOUNTS[name]["sign_name"]
        assert request.params["TemplateCode"] == "SMS_4711"
        assert json.loads(request.params["TemplateParam"]) == {
            "amount": "US$1,234.50",
            "date": "2026年12月1日",
        }
        assert request.params["PhoneNumbers"] == "13812345678"  # mainland: no +86
        body = read(tenant, sent[name])
        [attempt] = body["attempts"]
        assert body["status"] == "sent"
        assert attempt["provider"] == "aliyun_sms"
        assert attempt["provider_message_id"] == request.biz_id
        assert request.rendered == f"【{ACCOUNTS[name]['sign_name']}】" + (
            "您的本期还款US$1,234.50将于2026年12月1日到期。回复TD退订"
        )
    assert [r.form["StatusCallback"].rsplit("=", 1)[1] for r in twilio.received] == [sent["gamma"]]


async def test_status_reports_mark_attempts_delivered_or_undelivered_once(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    aliyun: FakeAliyun,
    anonymous: httpx.Client,
) -> None:
    alpha = new_tenant("alpha")
    urls = own_aliyun(alpha, aliyun, "alpha")
    aliyun_template(alpha)
    reached = submit(alpha, channels=["sms"], customer=customer(ref="c-1"))
    missed = submit(alpha, channels=["sms"], customer=customer(ref="c-2", phone="+8613912345678"))
    await make_dispatcher(aliyun=on(aliyun)).run_once()
    reports = [
        report(
            biz_id=sent_for(aliyun, reached).biz_id or "",
            out_id=reached,
            phone="13812345678",
            success=True,
        ),
        report(
            biz_id=sent_for(aliyun, missed).biz_id or "",
            out_id=missed,
            phone="13912345678",
            success=False,
            err_code="MK:0001",
            err_msg="空号",
        ),
    ]

    answered = push(anonymous, urls["report"], reports)
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"code": 0, "msg": "接收成功"}
    delivered, undelivered = read(alpha, reached), read(alpha, missed)
    assert (delivered["status"], delivered["attempts"][0]["status"]) == ("delivered", "delivered")
    assert (undelivered["status"], undelivered["attempts"][0]["status"]) == (
        "failed",
        "undelivered",
    )
    assert undelivered["attempts"][0]["error_code"] == "MK:0001"

    again = push(anonymous, urls["report"], reports)  # Aliyun may push a batch twice
    assert again.status_code == 200
    assert read(alpha, reached) == delivered
    assert read(alpha, missed) == undelivered


async def test_a_push_with_another_tenants_token_is_refused_and_changes_nothing(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    aliyun: FakeAliyun,
    anonymous: httpx.Client,
) -> None:
    alpha, beta = new_tenant("alpha"), new_tenant("beta")
    alphas = own_aliyun(alpha, aliyun, "alpha")
    betas = own_aliyun(beta, aliyun, "beta")
    aliyun_template(alpha)
    reminder_id = submit(alpha, channels=["sms"])
    await make_dispatcher(aliyun=on(aliyun)).run_once()
    before = read(alpha, reminder_id)
    delivered = [
        report(
            biz_id=sent_for(aliyun, reminder_id).biz_id or "",
            out_id=reminder_id,
            phone="13812345678",
            success=True,
        )
    ]
    alpha_path, beta_path = alphas["report"], betas["report"]
    beta_token = beta_path.split("/")[-2]
    forged = [
        beta_path,  # beta's own URL, about alpha's message
        alpha_path.replace(alpha_path.split("/")[-2], beta_token),  # alpha's, with beta's token
        alpha_path.replace(alpha_path.split("/")[-2], "0" * 64),
    ]
    for path in forged:
        refused = anonymous.post(path, json=delivered)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"] == "application/problem+json"
    assert read(alpha, reminder_id) == before
    assert before["status"] == "sent"


async def test_an_uplink_unsubscribe_opts_the_phone_out_of_that_tenant_only(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    aliyun: FakeAliyun,
    anonymous: httpx.Client,
) -> None:
    alpha, beta = new_tenant("alpha"), new_tenant("beta")
    urls = own_aliyun(alpha, aliyun, "alpha")
    own_aliyun(beta, aliyun, "beta")
    for tenant in (alpha, beta):
        aliyun_template(tenant)
        submit(tenant, channels=["sms"])
    dispatcher = make_dispatcher(aliyun=on(aliyun))
    await dispatcher.run_once()
    texts = [uplink(phone="13812345678", content="退订", sign_name="阿尔法金融", sequence_id=9001)]

    for _ in range(2):  # the second is Aliyun pushing the same text again
        answered = push(anonymous, urls["up"], texts)
        assert answered.status_code == 200, answered.text
        assert answered.json() == {"code": 0, "msg": "接收成功"}
    opted = alpha.client.get("/v1/opt-outs").json()["items"]
    assert [(item["phone"], item["channel"]) for item in opted] == [(PHONE, "sms")]
    assert beta.client.get("/v1/opt-outs").json()["items"] == []

    aliyun.received.clear()
    later = submit(alpha, channels=["sms"], loan_ref="loan-2")
    others = submit(beta, channels=["sms"], loan_ref="loan-2")
    await dispatcher.run_once()
    assert read(alpha, later)["status"] == "suppressed"
    assert [r.access_key_id for r in aliyun.received] == [ACCOUNTS["beta"]["access_key_id"]]
    assert read(beta, others)["status"] == "sent"


async def test_an_unapproved_template_fails_that_reminder_alone(
    new_tenant: NewTenant,
    make_dispatcher: DispatcherFactory,
    aliyun: FakeAliyun,
) -> None:
    alpha = new_tenant("alpha")
    own_aliyun(alpha, aliyun, "alpha")
    aliyun_template(alpha)
    aliyun_template(alpha, key="late", template_code="SMS_9999")  # never approved
    poisoned = submit(alpha, channels=["sms"], template="late", customer=customer(ref="c-1"))
    fine = submit(alpha, channels=["sms"], customer=customer(ref="c-2"))
    await make_dispatcher(aliyun=on(aliyun)).run_once()

    assert read(alpha, fine)["status"] == "sent"
    failed = read(alpha, poisoned)
    [attempt] = failed["attempts"]
    assert failed["status"] != "sent"
    assert attempt["provider_message_id"] is None
    assert "isv.SMS_TEMPLATE_ILLEGAL" in attempt["error_message"]


async def test_preview_shows_what_the_carrier_will_deliver(
    new_tenant: NewTenant, make_dispatcher: DispatcherFactory, aliyun: FakeAliyun
) -> None:
    alpha = new_tenant("alpha")
    aliyun_template(alpha)
    variables = {"amount": "1234.50", "due_date": "2026-12-01"}
    asked = {"channel": "sms", "locale": "zh-CN", "variables": variables}
    without_account = alpha.client.post("/v1/templates/pre-due/preview", json=asked).json()
    assert without_account["aliyun"]["carrier_text"] is None
    assert without_account["aliyun"]["params"] == {"amount": "US$1,234.50", "date": "2026年12月1日"}

    own_aliyun(alpha, aliyun, "alpha")
    preview = alpha.client.post("/v1/templates/pre-due/preview", json=asked)
    assert preview.status_code == 200, preview.text
    reminder_id = submit(alpha, channels=["sms"], variables=variables)
    await make_dispatcher(aliyun=on(aliyun)).run_once()
    carrier = preview.json()["aliyun"]["carrier_text"]
    assert carrier == "【阿尔法金融】您的本期还款US$1,234.50将于2026年12月1日到期。回复TD退订"
    assert sent_for(aliyun, reminder_id).rendered == carrier


async def test_a_variant_whose_params_leave_a_parameter_unfilled_is_refused(
    tenant: Tenant,
) -> None:
    before = tenant.client.get("/v1/templates/pre-due").json()
    body = template()
    body["variants"][0]["aliyun"] = ALIYUN_PART | {"params": {"amount": "{{ amount | money }}"}}
    refused = tenant.client.put("/v1/templates/pre-due", json=body)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"].startswith("variants.0")
    assert "${date}" in error["detail"]
    assert tenant.client.get("/v1/templates/pre-due").json() == before


async def test_the_account_shows_its_push_urls_and_never_its_secret(
    tenant: Tenant, aliyun: FakeAliyun
) -> None:
    own_aliyun(tenant, aliyun, "alpha")
    shown = tenant.client.get("/v1/tenant/providers/aliyun")
    assert shown.status_code == 200
    assert ACCOUNTS["alpha"]["access_key_secret"] not in shown.text
    assert shown.json()["secrets_set"] == ["access_key_secret"]
    assert shown.json()["settings"]["sign_name"] == "阿尔法金融"
    token = push_token(str(tenant.id), ACCOUNTS["alpha"]["access_key_secret"])
    base = f"{PUBLIC_URL}/v1/webhooks/aliyun/{tenant.id}/{token}"
    assert shown.json()["callback_urls"] == {"report": f"{base}/report", "up": f"{base}/up"}
    [listed] = tenant.client.get("/v1/tenant/providers").json()
    assert listed["callback_urls"] == shown.json()["callback_urls"]
