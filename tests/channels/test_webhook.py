"""Signed JSON POSTs through httpx to a receiver on loopback that checks the signature."""

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from pydantic import SecretStr

from app.clock import FrozenClock
from app.config import Settings
from bench.scratch import free_port
from channels.base import Channel, Message, ProviderSettings
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.outbound import TargetRefused
from channels.status import DeliveryStatus
from channels.webhook.account import WebhookAccount
from channels.webhook.adapter import WebhookAdapter
from tests.channels.conftest import WEBHOOK_SECRET
from tests.conftest import START, settings
from tests.fakes.listener import counting_listener
from tests.fakes.resolver import StaticResolver
from tests.fakes.webhook_receiver import Reply, WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.anyio

PAYLOAD = {"data": {"amount": "1234.50", "due_date": "2026-12-01"}, "locale": "en"}


def event(url: str, secret: str = WEBHOOK_SECRET) -> Message:
    """A webhook for the tenant whose target is `url`, signed with `secret`."""
    return Message(
        channel=Channel.WEBHOOK,
        to="cust-1",
        reference="rem-0007",
        body="{}",
        metadata={"loan_ref": "loan-1"},
        payload=PAYLOAD,
        account=WebhookAccount.model_construct(url=url, secret=SecretStr(secret)),
    )


def webhook_settings(**overrides: object) -> tuple[Settings, ProviderSettings]:
    """The service's settings, and the plugin's (it has none of its own)."""
    return settings(**{"channel_read_timeout_seconds": 0.5} | overrides), ProviderSettings()


@pytest.fixture
async def webhook(receiver: WebhookReceiver, clock: FrozenClock) -> AsyncIterator[WebhookAdapter]:
    async with WebhookAdapter(*webhook_settings(), clock=clock) as adapter:
        yield adapter


async def test_webhook_posts_json_signed_with_hmac_over_timestamp_and_body(
    webhook: WebhookAdapter, receiver: WebhookReceiver
) -> None:
    result = await webhook.send(event(receiver.url))
    [delivery] = receiver.received
    assert delivery.signature_valid
    assert delivery.headers["nudge-timestamp"] == str(int(START.timestamp()))
    assert delivery.headers["idempotency-key"] == "rem-0007"
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.payload == {
        "reference": "rem-0007",
        "to": "cust-1",
        "metadata": {"loan_ref": "loan-1"},
        "sent_at": START.isoformat(),
        **PAYLOAD,
    }
    assert (result.status, result.provider_status) == (DeliveryStatus.DELIVERED, "204")


async def test_receiver_refusing_the_signature_is_a_config_error(
    receiver: WebhookReceiver, clock: FrozenClock
) -> None:
    async with WebhookAdapter(*webhook_settings(), clock=clock) as adapter:
        result = await adapter.send(event(receiver.url, secret="whsec-someone-else"))
    assert not receiver.received[0].signature_valid
    assert isinstance(result.error, ConfigError)


@pytest.mark.parametrize(
    ("reply", "expected", "retry_after"),
    [
        (Reply(status=429, retry_after="30"), RetryableError, 30.0),
        (Reply(status=503), RetryableError, None),
        (Reply(status=422), PermanentError, None),
    ],
)
async def test_receiver_answers_are_classified(
    webhook: WebhookAdapter,
    receiver: WebhookReceiver,
    reply: Reply,
    expected: type[ChannelError],
    retry_after: float | None,
) -> None:
    receiver.script.answer(reply)
    result = await webhook.send(event(receiver.url))
    assert type(result.error) is expected
    assert getattr(result.error, "retry_after", None) == retry_after


async def test_no_answer_after_posting_is_ambiguous(
    webhook: WebhookAdapter, receiver: WebhookReceiver
) -> None:
    receiver.script.answer(Reply(hang=True))
    result = await webhook.send(event(receiver.url))
    assert isinstance(result.error, AmbiguousError)
    assert result.status is DeliveryStatus.UNKNOWN


async def test_unreachable_receiver_is_retryable(clock: FrozenClock) -> None:
    async with WebhookAdapter(*webhook_settings(), clock=clock) as adapter:
        result = await adapter.send(event(f"http://127.0.0.1:{free_port()}/h"))
    assert result.retryable


async def test_a_message_without_its_tenants_target_fails_without_sending(
    webhook: WebhookAdapter, receiver: WebhookReceiver
) -> None:
    result = await webhook.send(replace(event(receiver.url), account=None))
    assert isinstance(result.error, ConfigError)
    assert "PUT /v1/tenant/providers/webhook" in result.error.message
    assert receiver.received == []


PRODUCTION = {"env": "production", "secret_key": "RNxuKP92ONDZ7pTRz3z8OB22u0tSeVL_r9CA5XuTI_8"}


async def test_production_refuses_a_public_name_that_resolves_to_loopback_without_connecting(
    clock: FrozenClock,
) -> None:
    resolver = StaticResolver({"hooks.lender.example": ["127.0.0.1"]})
    with counting_listener() as listener:
        url = f"https://hooks.lender.example:{listener.port}/hooks/nudge"
        async with WebhookAdapter(
            *webhook_settings(**PRODUCTION), clock=clock, resolver=resolver
        ) as adapter:
            result = await adapter.send(event(url))
    assert isinstance(result.error, TargetRefused)
    assert not result.retryable
    assert "the tenant's webhook_url" in result.error.message
    assert "127.0.0.1, a loopback address" in result.error.message
    assert (resolver.asked, listener.connections) == (["hooks.lender.example"], 0)


async def test_production_refuses_a_name_that_resolves_to_the_metadata_address(
    clock: FrozenClock,
) -> None:
    resolver = StaticResolver({"hooks.lender.example": ["169.254.169.254"]})
    config = webhook_settings(allow_private_targets=True, **PRODUCTION)
    async with WebhookAdapter(*config, clock=clock, resolver=resolver) as adapter:
        result = await adapter.send(event("https://hooks.lender.example/hooks/nudge"))
    assert isinstance(result.error, TargetRefused)
    assert "169.254.169.254, a cloud metadata address" in result.error.message
    assert result.status is DeliveryStatus.FAILED


@pytest.fixture
def hooks_ca(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> trustme.CA:
    """A CA the webhook client trusts (through SSL_CERT_FILE, as a deployment's would be)."""
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return ca


async def test_allowing_private_targets_lets_production_post_to_an_on_premises_name(
    hooks_ca: trustme.CA, clock: FrozenClock
) -> None:
    """The connection goes to the vetted address while TLS checks the certificate for the
    name: the receiver's certificate is for hooks.lender.example, not for 127.0.0.1."""
    resolver = StaticResolver({"hooks.lender.example": ["127.0.0.1"]})
    tls = hooks_ca.issue_cert("hooks.lender.example")
    with webhook_receiver(WEBHOOK_SECRET.encode(), tls=tls) as onsite:
        port = onsite.url.split(":")[2].split("/")[0]
        url = f"https://hooks.lender.example:{port}/hooks/nudge"
        config = webhook_settings(allow_private_targets=True, **PRODUCTION)
        async with WebhookAdapter(*config, clock=clock, resolver=resolver) as adapter:
            result = await adapter.send(event(url))
    assert result.error is None
    assert result.status is DeliveryStatus.DELIVERED
    assert [delivery.signature_valid for delivery in onsite.received] == [True]
