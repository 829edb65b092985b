"""Which addresses Nudge may connect to, decided from the address alone (no I/O).

A provider URL is configuration, but a mistaken or planted one (`http://169.254.169.254/...`)
would carry signed reminders, or provider credentials, to the cloud's metadata service or to an
internal system. Settings validation applies these rules to what it can see (scheme, literal
addresses); `channels.outbound` applies them to every address a name resolves to, at connect time.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
"""Refused even when private targets are allowed: no provider lives there, credentials do."""

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",  # RFC 1918
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598), used inside some clouds
        "fc00::/7",  # unique-local IPv6 (RFC 4193)
    )
)

ALLOW_PRIVATE_SETTING = "NUDGE_ALLOW_PRIVATE_TARGETS"


def parse_address(host: str) -> IPAddress | None:
    """The address a literal host names (brackets and IPv6 zone dropped); None for a name."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        try:  # legacy IPv4 forms the resolver would accept: 127.1, 2130706433, 0x7f.0.0.1
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 reaches 127.0.0.1
    return address


def refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why Nudge must not connect to `address`, or None when it may.

    `allow_private` lets through loopback, RFC 1918, carrier-grade NAT and unique-local
    addresses (on-premises gateways, local fakes); metadata, link-local, multicast, unspecified
    and other reserved addresses are never a provider.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_loopback:
        return None if allow_private else "a loopback address"
    if any(address in network for network in PRIVATE_NETWORKS):
        return None if allow_private else "a private address"
    if not address.is_global:
        return "a reserved address"
    return None


def url_refusal(setting: str, url: str, *, production: bool, allow_private: bool) -> str | None:
    """What is wrong with an outbound URL setting, naming the setting but not the URL (its path
    or user part may hold a token), or None. Names are checked when they are resolved."""
    parts = urlsplit(url)
    if production and parts.scheme != "https":
        return f"{setting} must be an https:// URL in production"
    if parts.scheme not in {"http", "https"}:
        return f"{setting} must be an http(s) URL"
    if not parts.hostname:
        return f"{setting} must name a host"
    return host_refusal(setting, parts.hostname, production=production, allow_private=allow_private)


def host_refusal(setting: str, host: str, *, production: bool, allow_private: bool) -> str | None:
    """What is wrong with an outbound host setting, or None. Outside production loopback and
    private addresses are allowed (local fakes, development gateways); metadata never is."""
    allow = allow_private or not production
    address = parse_address(host)
    if address is None:
        if not allow and host.rstrip(".").lower().split(".")[-1] == "localhost":
            return f"{setting} names localhost{hint('a loopback address')}"
        return None
    reason = refusal(address, allow_private=allow)
    if reason is None:
        return None
    return f"{setting} points at {host}, {reason}{hint(reason)}"


def hint(reason: str) -> str:
    """How to allow an address the operator may legitimately mean; nothing for the rest."""
    if reason in {"a loopback address", "a private address"}:
        return f" (set {ALLOW_PRIVATE_SETTING}=true for an on-premises target)"
    return ""
