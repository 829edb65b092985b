"""SMS through the official Aliyun SDK against a fake Dysmsapi on loopback: the fake checks the
SDK's request signature with the account's own secret, and Aliyun's refusals are classified."""

import json
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from app.clock import FrozenClock
from bench.scratch import free_port
from channels.aliyun.adapter import AliyunSmsAdapter, phone_number
from channels.aliyun.settings import AliyunAccount, AliyunSettings
from channels.base import ApprovedTemplate, Channel, Message
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.status import DeliveryStatus
from tests.conftest import settings
from tests.fakes.aliyun_server import FakeAliyun, Reply

pytestmark = pytest.mark.anyio

KEY_ID, SECRET, SIGN = "LTAI5tLenderAlpha001", "Qm8v2Zt7Kc4Rn1Xw9Lp3Hd6Jy5Bs0F", "阿尔法金融"
APPROVED = {"SMS_4711": "您的本期还款${amount}将于${date}到期。回复TD退订"}
ACCOUNT = AliyunAccount.opened(
    {"access_key_id": KEY_ID, "sign_name": SIGN}, {"access_key_secret": SECRET}
)
MESSAGE = Message(
    channel=Channel.SMS,
    to="+8613812345678",
    reference="rem-0001",
    body="【阿尔法金融】您的本期还款¥1,234.50将于2026年12月1日到期。回复TD退订",
    account=ACCOUNT,
    template=ApprovedTemplate("SMS_4711", {"amount": "¥1,234.50", "date": "2026年12月1日"}),
)


@pytest.fixture
async def adapter(aliyun: FakeAliyun, clock: FrozenClock) -> AsyncIterator[AliyunSmsAdapter]:
    aliyun.add_account(KEY_ID, SECRET, sign_name=SIGN, templates=APPROVED)
    core = settings(channel_read_timeout_seconds=0.5)
    async with AliyunSmsAdapter(core, at(aliyun.url), clock=clock) as built:
        yield built


def at(api_base: str) -> AliyunSettings:
    return AliyunSettings(_env_file=None, api_base=api_base)  # type: ignore[call-arg]


async def test_a_message_is_sent_with_the_tenants_key_sign_name_and_approved_template(
    adapter: AliyunSmsAdapter, aliyun: FakeAliyun
) -> None:
    result = await adapter.send(MESSAGE)

    [request] = aliyun.received
    assert request.access_key_id == KEY_ID
    assert request.params["PhoneNumbers"] == "13812345678"
    assert request.params["SignName"] == SIGN
    assert request.params["TemplateCode"] == "SMS_4711"
    assert json.loads(request.params["TemplateParam"]) == MESSAGE.template.params  # type: ignore[union-attr]
    assert request.params["OutId"] == "rem-0001"
    assert request.rendered == MESSAGE.body
    assert (result.status, result.error) == (DeliveryStatus.SENT, None)
    assert result.provider_message_id == request.biz_id


@pytest.mark.parametrize(
    ("e164", "aliyun_form"),
    [("+8613812345678", "13812345678"), ("+85291234567", "0085291234567")],
)
def test_numbers_are_written_as_aliyun_wants_them(e164: str, aliyun_form: str) -> None:
    assert phone_number(e164) == aliyun_form


REFUSALS: list[tuple[str, Reply, type[ChannelError], bool]] = [
    ("throttled", Reply("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控"), RetryableError, False),
    ("aliyun down", Reply("ServiceUnavailable", "unavailable", status=503), RetryableError, False),
    ("bad number", Reply("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"), PermanentError, False),
    ("blacklisted", Reply("isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控"), PermanentError, True),
]


@pytest.mark.parametrize(
    ("reply", "kind", "opt_out"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
async def test_aliyuns_refusals_are_classified(
    adapter: AliyunSmsAdapter,
    aliyun: FakeAliyun,
    reply: Reply,
    kind: type[ChannelError],
    opt_out: bool,
) -> None:
    aliyun.answer(reply)
    result = await adapter.send(MESSAGE)
    assert type(result.error) is kind
    assert reply.code in str(result.error)
    assert result.opt_out is opt_out
    assert result.provider_message_id is None


MISCONFIGURED = [
    (
        "wrong secret",
        {"access_key_secret": "Zz9y8X7w6V5u4T3s2R1q0P9o8N7m6L"},
        "SignatureDoesNotMatch",
    ),
    ("unknown key", {"access_key_id": "LTAI5tNobodysKey0001"}, "InvalidAccessKeyId.NotFound"),
    ("unapproved sign name", {"sign_name": "别家金融"}, "isv.SMS_SIGNATURE_ILLEGAL"),
]


@pytest.mark.parametrize(
    ("change", "code"), [case[1:] for case in MISCONFIGURED], ids=[c[0] for c in MISCONFIGURED]
)
async def test_an_unusable_account_is_a_configuration_error(
    adapter: AliyunSmsAdapter, change: dict[str, str], code: str
) -> None:
    account = ACCOUNT.model_copy(update=change)
    if "access_key_secret" in change:
        account = ACCOUNT.model_copy(
            update={"access_key_secret": SecretStr(change["access_key_secret"])}
        )
    result = await adapter.send(Message(**{**MESSAGE.__dict__, "account": account}))
    assert isinstance(result.error, ConfigError)
    assert code in str(result.error)


async def test_an_unapproved_template_is_a_configuration_error(adapter: AliyunSmsAdapter) -> None:
    unapproved = ApprovedTemplate("SMS_9999", {"amount": "¥1"})
    result = await adapter.send(Message(**{**MESSAGE.__dict__, "template": unapproved}))
    assert isinstance(result.error, ConfigError)
    assert "isv.SMS_TEMPLATE_ILLEGAL" in str(result.error)


async def test_a_message_without_an_approved_template_is_refused_before_calling_aliyun(
    adapter: AliyunSmsAdapter, aliyun: FakeAliyun
) -> None:
    result = await adapter.send(Message(**{**MESSAGE.__dict__, "template": None}))
    assert isinstance(result.error, ConfigError)
    assert aliyun.received == []


async def test_a_refused_connection_is_retryable_and_a_silent_aliyun_is_ambiguous(
    aliyun: FakeAliyun, clock: FrozenClock
) -> None:
    aliyun.add_account(KEY_ID, SECRET, sign_name=SIGN, templates=APPROVED)
    closed = at(f"http://127.0.0.1:{free_port()}")
    async with AliyunSmsAdapter(settings(), closed, clock=clock) as unreachable:
        assert isinstance((await unreachable.send(MESSAGE)).error, RetryableError)

    aliyun.answer(Reply(hang=True))
    silent = settings(channel_read_timeout_seconds=0.3)
    async with AliyunSmsAdapter(silent, at(aliyun.url), clock=clock) as adapter:
        result = await adapter.send(MESSAGE)
    assert isinstance(result.error, AmbiguousError)
    assert result.status == DeliveryStatus.UNKNOWN
