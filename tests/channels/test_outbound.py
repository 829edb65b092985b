"""Outbound targets: which addresses are refused, and that the check is made on the address
connected to, before connecting. Names come from a table resolver; nothing leaves loopback."""

import ipaddress
from collections.abc import Iterable

import httpcore
import httpx
import pytest

from channels.addresses import refusal
from channels.outbound import OutboundGuard, TargetRefused, guarded_http_client
from tests.fakes.listener import counting_listener
from tests.fakes.resolver import StaticResolver

pytestmark = pytest.mark.anyio

TIMEOUT = httpx.Timeout(2.0)


@pytest.mark.parametrize(
    ("address", "strict", "with_private_allowed"),
    [
        ("169.254.169.254", "a cloud metadata address", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address", "a cloud metadata address"),
        ("::ffff:169.254.169.254", "a cloud metadata address", "a cloud metadata address"),
        ("169.254.10.1", "a link-local address", "a link-local address"),
        ("fe80::1", "a link-local address", "a link-local address"),
        ("0.0.0.0", "the unspecified address", "the unspecified address"),
        ("::", "the unspecified address", "the unspecified address"),
        ("224.0.0.1", "a multicast address", "a multicast address"),
        ("ff02::1", "a multicast address", "a multicast address"),
        ("240.0.0.1", "a reserved address", "a reserved address"),
        ("192.0.2.10", "a reserved address", "a reserved address"),
        ("127.0.0.1", "a loopback address", None),
        ("::1", "a loopback address", None),
        ("::ffff:127.0.0.1", "a loopback address", None),
        ("10.1.2.3", "a private address", None),
        ("172.16.0.9", "a private address", None),
        ("192.168.1.1", "a private address", None),
        ("100.64.0.1", "a private address", None),
        ("fd12:3456::1", "a private address", None),
        ("8.8.8.8", None, None),
        ("2606:4700:4700::1111", None, None),
    ],
)
def test_addresses_are_refused_by_kind_and_only_loopback_and_private_can_be_allowed(
    address: str, strict: str | None, with_private_allowed: str | None
) -> None:
    parsed = ipaddress.ip_address(address)
    assert refusal(parsed, allow_private=False) == strict
    assert refusal(parsed, allow_private=True) == with_private_allowed


class RecordingNetwork(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, noting every connection it is asked to open."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guard(answers: dict[str, list[str]], *, allow_private: bool) -> OutboundGuard:
    return OutboundGuard(
        setting="NUDGE_WEBHOOK_URL",
        allow_private=allow_private,
        resolver=StaticResolver(answers),
    )


async def test_name_resolving_to_metadata_is_refused_before_any_connection_is_opened() -> None:
    network = RecordingNetwork()
    rules = guard({"hooks.lender.example": ["169.254.169.254"]}, allow_private=True)
    async with guarded_http_client(rules, timeout=TIMEOUT, network=network) as client:
        with pytest.raises(TargetRefused, match=r"169\.254\.169\.254, a cloud metadata address"):
            await client.post("http://hooks.lender.example/hooks/nudge?token=s3cr3t")
    assert network.connects == []


async def test_one_disallowed_address_among_a_names_answers_refuses_the_name() -> None:
    network = RecordingNetwork()
    rules = guard({"hooks.lender.example": ["10.0.0.7", "127.0.0.1"]}, allow_private=False)
    async with guarded_http_client(rules, timeout=TIMEOUT, network=network) as client:
        with pytest.raises(TargetRefused, match="NUDGE_WEBHOOK_URL") as refused:
            await client.post("https://hooks.lender.example/hooks/nudge?token=s3cr3t")
    assert network.connects == []
    assert "s3cr3t" not in str(refused.value)


async def test_literal_metadata_address_is_refused_without_asking_the_resolver() -> None:
    network = RecordingNetwork()
    resolver = StaticResolver({})
    rules = OutboundGuard(setting="NUDGE_WEBHOOK_URL", allow_private=True, resolver=resolver)
    async with guarded_http_client(rules, timeout=TIMEOUT, network=network) as client:
        with pytest.raises(TargetRefused, match="cloud metadata"):
            await client.get("http://[::ffff:a9fe:a9fe]/latest/meta-data/")
    assert (network.connects, resolver.asked) == ([], [])


async def test_vetted_name_is_connected_to_at_the_address_the_resolver_gave() -> None:
    network = RecordingNetwork()
    rules = guard({"gateway.lender.internal": ["127.0.0.1"]}, allow_private=True)
    with counting_listener() as listener:
        async with guarded_http_client(rules, timeout=TIMEOUT, network=network) as client:
            # the listener hangs up at once: closed (or reset) before an answer
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await client.get(f"http://gateway.lender.internal:{listener.port}/")
    assert network.connects == [("127.0.0.1", listener.port)]
    assert listener.connections == 1


async def test_name_the_resolver_cannot_answer_is_unreachable_not_refused() -> None:
    async with guarded_http_client(guard({}, allow_private=True), timeout=TIMEOUT) as client:
        with pytest.raises(httpx.ConnectError, match="could not resolve"):
            await client.get("http://nowhere.lender.example/")
