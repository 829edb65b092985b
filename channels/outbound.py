"""Outbound connections that go only where `channels.addresses` allows, with no DNS-rebinding gap.

A name is resolved once, every address it resolves to is checked, and the connection is made to
a checked address: a check on one lookup followed by a connect that looks the name up again
could be answered with a public address first and 169.254.169.254 second. TLS still uses the
name for SNI and certificate checks. A refused target fails the send with `TargetRefused`, a
`ConfigError`: the configuration is wrong, so retrying would only be refused again.

Three clients use it: httpx (the webhook) through a network backend for httpcore's pool,
aiohttp (the twilio library's transport) through a resolver for its connector, and aiosmtplib
through a socket connected here.
"""

import asyncio
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import anyio
import httpcore
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult

from channels.addresses import hint, parse_address, refusal
from channels.errors import ConfigError


class Resolver(Protocol):
    """Names to addresses; injected so tests answer names without touching the real DNS."""

    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver (getaddrinfo), as the clients would use themselves."""

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class TargetRefused(ConfigError):
    """The configured target resolves to an address Nudge must not connect to."""


@dataclass(frozen=True)
class OutboundGuard:
    """Resolves and vets one setting's targets; `allow_private` lets loopback and private
    addresses through (development, test, or NUDGE_ALLOW_PRIVATE_TARGETS)."""

    setting: str
    allow_private: bool
    resolver: Resolver

    async def vet(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, when all of them are allowed; refuses otherwise,
        so a name with one bad address among good ones is refused too."""
        literal = parse_address(host)
        addresses = [str(literal)] if literal else await self.resolver.resolve(host, port)
        if not addresses:
            raise OSError(f"{host} resolved to no address")
        for address in addresses:
            parsed = parse_address(address)
            reason = (
                "not an IP address"
                if parsed is None
                else refusal(parsed, allow_private=self.allow_private)
            )
            if reason is not None:
                raise TargetRefused(
                    f"{self.setting}: refused to connect to {host} at {address}, "
                    f"{reason}{hint(reason)}"
                )
        return addresses


async def open_socket(
    guard: OutboundGuard, host: str, port: int, *, timeout: float
) -> socket.socket:
    """A TCP socket connected to a vetted address of `host`, for clients that take a connected
    socket and still use the name for TLS (aiosmtplib). OSError when none can be reached."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        addresses = await guard.vet(host, port)
        failure: OSError | None = None
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            connection = socket.socket(family, socket.SOCK_STREAM)
            connection.setblocking(False)
            try:
                await loop.sock_connect(connection, (address, port))
            except BaseException as error:
                connection.close()
                if not isinstance(error, OSError):
                    raise
                failure = error
            else:
                return connection
        assert failure is not None
        raise failure


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the guard has vetted."""

    def __init__(
        self, guard: OutboundGuard, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._guard.vet(host, port)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from error
        except OSError as error:
            raise httpcore.ConnectError(f"could not resolve {host}: {error}") from error
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused(f"{self._guard.setting}: Unix sockets are not an outbound target")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_http_client(
    guard: OutboundGuard,
    *,
    timeout: httpx.Timeout,
    network: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """An httpx client whose every connection goes through the guard.

    `trust_env=False`: a proxy from HTTP(S)_PROXY would be connected to instead of the target,
    outside the guard. Certificates are checked against certifi's bundle, or SSL_CERT_FILE /
    SSL_CERT_DIR when set, as httpx does by default. `network` is what connects to a vetted
    address (httpcore's own by default).
    """
    transport = httpx.AsyncHTTPTransport()
    # httpx builds its httpcore pool with no way to pass a network backend: rebuild it with the
    # TLS context httpx would use. The pool is the transport's only state.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        network_backend=GuardedBackend(guard, network),
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False)


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver: the connector connects to the addresses returned, and only those.

    aiohttp does not ask the resolver about literal IP hosts, so `OutboundGuard.vet` must also
    be called on the URL's host before the request (no lookup is involved for a literal)."""

    def __init__(self, guard: OutboundGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._guard.vet(host, port)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release: the injected resolver holds no connections."""
