"""A signed JSON POST to the tenant's own URL, for CRMs, field-visit systems and chat apps.

Each message carries its tenant's `WebhookAccount` (URL and secret, set with
`PUT /v1/tenant/providers/webhook`):
there is no global target, so one lender's reminders never reach another's system. The receiver
checks `Nudge-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`
with `Nudge-Timestamp` (Unix seconds) and drops repeats by `Idempotency-Key` (the reminder id);
docs/channels.md has the recipe.
"""

import hashlib
import hmac
import json
from typing import ClassVar

import httpx

from channels.base import Adapter, Channel, Message, SendResult
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
    http_status_error,
)
from channels.outbound import guarded_http_client
from channels.status import DeliveryStatus
from channels.webhook.account import WebhookAccount

SIGNATURE_VERSION = "v1"
TARGET_SETTING = "the tenant's webhook_url"


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature covers the timestamp so a captured request cannot be replayed later."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


class WebhookAdapter(Adapter[httpx.Request, httpx.Response]):
    name: ClassVar[str] = "webhook"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.WEBHOOK})
    rate_per_second: ClassVar[float] = 20.0
    max_concurrency: ClassVar[int] = 10

    _http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        """Made on first use, inside the event loop its connection pool will belong to."""
        if self._http is None:
            timeout = httpx.Timeout(
                self.settings.channel_read_timeout_seconds,
                connect=self.settings.channel_connect_timeout_seconds,
            )
            guard = self.outbound_guard(TARGET_SETTING)
            self._http = guarded_http_client(guard, timeout=timeout)
        return self._http

    def build(self, message: Message) -> httpx.Request:
        target = _target(message)
        now = self.clock.now()
        document = {
            "reference": message.reference,
            "to": message.to,
            "metadata": dict(message.metadata),
            "sent_at": now.isoformat(),
            **(message.payload or {}),
        }
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "Nudge-Timestamp": timestamp,
            "Nudge-Signature": sign(target.key().encode(), timestamp, body),
            "Idempotency-Key": message.reference,
        }
        return self.http.build_request("POST", target.url, content=body, headers=headers)

    async def transmit(self, request: httpx.Request) -> httpx.Response:
        return await self.http.send(request)

    def parse(self, answer: httpx.Response, message: Message) -> SendResult:
        status = answer.status_code
        if answer.is_success:
            return SendResult(
                status=DeliveryStatus.DELIVERED,
                provider_message_id=message.reference,
                provider_status=str(status),
            )
        detail = answer.text[:200]
        retry = http_status_error(
            status,
            retry_after=answer.headers.get("Retry-After"),
            now=self.clock.now(),
            detail=detail,
        )
        if retry is not None:
            raise retry
        if status in {401, 403}:
            raise ConfigError(f"webhook receiver refused Nudge's signature: HTTP {status}")
        raise PermanentError(f"HTTP {status}: {detail}", code=str(status))

    def classify(self, error: Exception) -> ChannelError | None:
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return RetryableError(f"webhook receiver unreachable, nothing sent: {error!r}")
        if isinstance(error, httpx.TransportError):
            return AmbiguousError(f"no answer from the webhook receiver after sending: {error!r}")
        return None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


def _target(message: Message) -> WebhookAccount:
    target = message.account
    if not (isinstance(target, WebhookAccount) and target.url and target.key()):
        raise ConfigError("the tenant has no webhook account (PUT /v1/tenant/providers/webhook)")
    return target
