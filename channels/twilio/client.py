"""What Nudge's SMS and voice adapters share: the official `twilio` client on its own pooled
aiohttp transport, aimed at the configured base URL, and Twilio's errors classified."""

import base64
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast
from urllib.parse import quote

from aiohttp import (
    ClientConnectorError,
    ClientError,
    ClientSession,
    ClientTimeout,
    ConnectionTimeoutError,
    TCPConnector,
)
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from yarl import URL

from app.clock import Clock
from channels.addresses import parse_address
from channels.base import Adapter, Cost, Message, SendResult
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
    http_status_error,
)
from channels.outbound import GuardedResolver, OutboundGuard
from channels.status import StatusMap
from channels.twilio.settings import TwilioAccount, TwilioSettings

CALLBACK_PATH = "/v1/webhooks/twilio/status"

OPT_OUT_CODE = 21610
"""The recipient replied STOP: Twilio refuses every message to them until they opt back in."""
RETRYABLE_CODES = frozenset({20429, 30001})
"""Too many requests; queue overflow."""
CONFIG_CODES = frozenset({20003, 20404, 21212, 21606, 21659})
"""Authentication failed; no such account; the sender is invalid or not this account's."""


class TwilioTransport(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """The library's async client with four things it lacks.

    It forwards `timeout=None` to aiohttp, which then waits forever; this one gives up on
    connecting after the connect timeout (safe: nothing sent) and on the answer after the read
    timeout (ambiguous). Twilio's exception drops the Retry-After header, so 429 and 5xx are
    classified here while the response is still at hand. aiohttp's errors are told apart into
    "never sent" and "may have been sent". And it connects only where `guard` allows
    (channels/outbound.py).
    """

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        clock: Clock,
        guard: OutboundGuard,
    ) -> None:
        super().__init__(pool_connections=False)
        self._pool: ClientSession | None = None  # needs a running loop, so made on first use
        # `connect` covers waiting for a pooled connection and the TCP/TLS handshake: either
        # way nothing was sent when it runs out
        self._timeout = ClientTimeout(connect=connect_timeout, sock_read=read_timeout)
        self._clock = clock
        self._guard = guard
        self._vetted: set[tuple[str, int]] = set()
        """Literal addresses already allowed: their verdict cannot change (nothing resolves)."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self._pool is None:
            connector = TCPConnector(resolver=GuardedResolver(self._guard))
            self._pool = ClientSession(connector=connector)
        target = URL(url)
        where = (target.host, target.port or 443) if target.host is not None else None
        if where is not None and where not in self._vetted and parse_address(where[0]) is not None:
            # aiohttp connects to a literal address without asking the resolver
            await self._guard.vet(*where)
            self._vetted.add(where)
        try:
            async with self._pool.request(
                method.upper(),
                url,
                params=cast(Any, params),
                data=data,
                headers={**(headers or {}), **_basic_auth(auth)},
                timeout=self._timeout,
                allow_redirects=allow_redirects,
            ) as answer:
                text = await answer.text()
        except (ClientConnectorError, ConnectionTimeoutError) as error:
            raise RetryableError(f"Twilio unreachable, nothing sent: {error}") from error
        except (TimeoutError, ClientError) as error:
            raise AmbiguousError(f"no answer from Twilio after sending: {error!r}") from error
        if answer.status >= 400:  # a success's body is the library's to parse, once
            retry = http_status_error(
                answer.status,
                retry_after=answer.headers.get("Retry-After"),
                now=self._clock.now(),
                detail=_error_message(text),
            )
            if retry is not None:
                raise retry
        return Response(answer.status, text, answer.headers)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


def _basic_auth(auth: tuple[str, str] | None) -> dict[str, str]:
    if auth is None:
        return {}
    token = base64.b64encode(":".join(auth).encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _error_message(text: str) -> str:
    try:
        return str(json.loads(text)["message"])
    except (ValueError, KeyError, TypeError):
        return text[:200]


def classify_twilio_code(status: int, code: int | None, message: str) -> ChannelError:
    """Twilio's refusal in Nudge's terms; any code not listed fails with Twilio's own words."""
    if code in RETRYABLE_CODES:
        return RetryableError(f"Twilio {code}: {message}")
    if code in CONFIG_CODES or status in {401, 403}:
        return ConfigError(f"Twilio {code}: {message}")
    return PermanentError(message, code=str(code or status), opt_out=code == OPT_OUT_CODE)


def cost_of(price: str | None, unit: str | None) -> Cost | None:
    """Twilio reports what it charged as a negative string, often only later."""
    if not price or not unit:
        return None
    try:
        return Cost(abs(Decimal(price)), unit.upper())
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class TwilioRequest:
    """The resource's parameters, and the client of the account that sends them."""

    client: Client
    params: dict[str, Any]


class TwilioAdapter(Adapter[TwilioRequest, Any]):
    """Sends through `twilio.rest.Client` and its `create_async`; subclasses name the resource.

    A message carrying its tenant's own `TwilioAccount` goes through that account; any other
    through the global `NUDGE_TWILIO_*` one. Each account gets one client, kept for the
    adapter's life; its credentials stay in the client and are never logged.
    """

    statuses: ClassVar[StatusMap]
    own: TwilioSettings

    _clients: dict[tuple[str, str], Client] | None = None

    def check_settings(self) -> None:
        if self.own.account_sid and not self.own.auth_token.get_secret_value():
            raise ConfigError(f"{self.name} needs NUDGE_TWILIO_AUTH_TOKEN with the account SID")

    def account_of(self, message: Message) -> TwilioAccount:
        """The tenant's own account, else the global one; neither is a configuration error."""
        if isinstance(message.account, TwilioAccount):
            return message.account
        account = TwilioAccount.of(self.own)
        if account is None:
            raise ConfigError(
                "no Twilio account: set NUDGE_TWILIO_ACCOUNT_SID and _AUTH_TOKEN, or store the "
                "tenant's own (PUT /v1/tenant/providers/twilio)"
            )
        return account

    def client_for(self, account: TwilioAccount) -> Client:
        """Made on first use, inside the event loop its aiohttp pool will belong to. Keyed by
        the token too, so a tenant that changes it gets a new client."""
        if self._clients is None:
            self._clients = {}
        key = (account.account_sid, account.token())
        if key not in self._clients:
            settings = self.settings
            transport = TwilioTransport(
                connect_timeout=settings.channel_connect_timeout_seconds,
                read_timeout=settings.channel_read_timeout_seconds,
                clock=self.clock,
                guard=self.outbound_guard("NUDGE_TWILIO_API_BASE"),
            )
            client = Client(account.account_sid, account.token(), http_client=transport)
            # NUDGE_TWILIO_API_BASE alone says where requests go: the library would rewrite
            # the host for TWILIO_EDGE / TWILIO_REGION found in the environment.
            client.edge = client.region = None
            client.api.base_url = self.own.api_base.rstrip("/")
            self._clients[key] = client
        return self._clients[key]

    def status_callback(self, message: Message) -> str:
        base = self.settings.public_url.rstrip("/")
        return f"{base}{CALLBACK_PATH}?reference={quote(message.reference, safe='')}"

    def parse(self, answer: Any, message: Message) -> SendResult:
        raw = {
            "sid": answer.sid,
            "status": answer.status,
            "price": answer.price,
            "price_unit": answer.price_unit,
        }
        return SendResult(
            status=self.statuses.normalize(answer.status),
            provider_message_id=answer.sid,
            provider_status=answer.status,
            cost=cost_of(answer.price, answer.price_unit),
            raw=raw,
        )

    def classify(self, error: Exception) -> ChannelError | None:
        if isinstance(error, TwilioRestException):
            return classify_twilio_code(error.status, error.code, error.msg)
        if isinstance(error, TwilioServiceException):
            return classify_twilio_code(error.status, error.code, error.detail or error.title)
        return None

    async def aclose(self) -> None:
        for client in (self._clients or {}).values():
            await client.http_client.close()
