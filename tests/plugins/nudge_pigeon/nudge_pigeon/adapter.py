"""Texts through Pigeon: `POST {api_base}/messages` with a bearer key, JSON in and out."""

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
from channels.status import DeliveryStatus, StatusMap
from nudge_pigeon.settings import PigeonAccount, PigeonSettings, key

STATES = StatusMap(
    {
        "accepted": DeliveryStatus.QUEUED,
        "sent": DeliveryStatus.SENT,
        "delivered": DeliveryStatus.DELIVERED,
        "failed": DeliveryStatus.FAILED,
    }
)
"""Pigeon's words for a message's state; any other becomes `unknown`."""

RECEIPTS_PATH = "/v1/webhooks/pigeon/receipts"


class PigeonSmsAdapter(Adapter[httpx.Request, httpx.Response]):
    name: ClassVar[str] = "pigeon_sms"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.SMS})
    rate_per_second: ClassVar[float] = 20.0
    own: PigeonSettings

    _http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        """Made on first use, inside the event loop its pool belongs to; it connects only
        where the outbound rules allow (channels/outbound.py)."""
        if self._http is None:
            timeout = httpx.Timeout(
                self.settings.channel_read_timeout_seconds,
                connect=self.settings.channel_connect_timeout_seconds,
            )
            guard = self.outbound_guard("NUDGE_PIGEON_API_BASE")
            self._http = guarded_http_client(guard, timeout=timeout)
        return self._http

    def account_of(self, message: Message) -> PigeonAccount:
        """The tenant's own account, which the registry put on the message, else the global."""
        if isinstance(message.account, PigeonAccount):
            return message.account
        account = PigeonAccount.of(self.own)
        if account is None:
            raise ConfigError("no Pigeon account: set NUDGE_PIGEON_API_KEY or the tenant's own")
        return account

    def build(self, message: Message) -> httpx.Request:
        account = self.account_of(message)
        document = {
            "from": account.sender,
            "to": message.to,
            "text": message.body,
            "reference": message.reference,
            "callback_url": self.settings.public_url.rstrip("/") + RECEIPTS_PATH,
        }
        headers = {"Authorization": f"Bearer {key(account.api_key)}"}
        url = self.own.api_base.rstrip("/") + "/messages"
        return self.http.build_request("POST", url, json=document, headers=headers)

    async def transmit(self, request: httpx.Request) -> httpx.Response:
        return await self.http.send(request)

    def parse(self, answer: httpx.Response, message: Message) -> SendResult:
        if answer.status_code == 201:
            created = answer.json()
            return SendResult(
                status=STATES.normalize(created["state"]),
                provider_message_id=created["id"],
                provider_status=created["state"],
            )
        retry = http_status_error(
            answer.status_code,
            retry_after=answer.headers.get("Retry-After"),
            now=self.clock.now(),
            detail=answer.text[:200],
        )
        if retry is not None:
            raise retry
        if answer.status_code in {401, 403}:
            raise ConfigError(f"Pigeon refused the API key: HTTP {answer.status_code}")
        raise PermanentError(answer.text[:200], code=str(answer.status_code))

    def classify(self, error: Exception) -> ChannelError | None:
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return RetryableError(f"Pigeon unreachable, nothing sent: {error!r}")
        if isinstance(error, httpx.TransportError):
            return AmbiguousError(f"no answer from Pigeon after sending: {error!r}")
        return None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
