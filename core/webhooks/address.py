"""The SSRF guard: a webhook URL must be http(s) and resolve only to public addresses, unless an
address is inside a configured allow-list (``webhook_allowed_networks``). The sender connects to
the very address checked here (:class:`Target`), so a DNS answer cannot change in between."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2000


class AddressRefused(Exception):
    """The URL is malformed or leads somewhere Kembar must not send to (final)."""


class Unresolvable(Exception):
    """The host name did not resolve (now: DNS may answer later, so the caller retries)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect (``ip``, ``port``) for ``url``, whose host keeps the Host header and SNI."""

    url: str
    scheme: str
    host: str
    port: int
    ip: IPAddress


def normalised(url: str) -> str:
    """``url`` with an international host name as its ASCII (punycode, IDNA 2008/UTS 46) form,
    which DNS, the Host header and TLS need; ValueError when the name is not a valid one."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.isascii():
        return url
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"the host {host!r} is not a valid international name ({exc})") from exc
    netloc = ascii_host if parts.port is None else f"{ascii_host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook URL (scheme, host, length), or None. No DNS lookup."""
    if len(url) > MAX_URL_LENGTH:
        return f"at most {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.hostname and not parts.hostname.isascii():
        try:
            normalised(url)
        except ValueError as exc:
            return f"has a host name that is not valid ({exc})"[:300]
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    if port == 0:
        return "port 0 is not a port"
    return None


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """The allow-list as networks (``127.0.0.0/8``, ``::1/128``); ValueError on a bad one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4 or Teredo IPv6 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return None


def _public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _public(ip.ipv4_mapped)  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        return False
    inner = _embedded_ipv4(ip)
    return inner is None or _public(inner)


def allowed(ip: IPAddress, networks: Iterable[Network] = ()) -> bool:
    """Whether Kembar may connect to ``ip``: a public address, or one inside ``networks``."""
    inner = _embedded_ipv4(ip)
    for candidate in (ip, inner):
        if candidate is not None and any(
            candidate.version == net.version and candidate in net for net in networks
        ):
            return True
    return _public(ip)


async def resolve(url: str, networks: Iterable[Network] = ()) -> Target:
    """The address to send ``url`` to; :class:`AddressRefused` when the URL is bad or any address
    it resolves to is not allowed, :class:`Unresolvable` when it does not resolve."""
    problem = url_problem(url)
    if problem is not None:
        raise AddressRefused(f"webhook URL {problem}")
    url = normalised(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    nets = tuple(networks)
    try:
        ips = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            raise Unresolvable(f"cannot resolve {host}: {exc}") from exc
        ips = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not ips:
        raise Unresolvable(f"{host} has no address")
    refused = [ip for ip in ips if not allowed(ip, nets)]
    if refused:
        raise AddressRefused(f"{host} resolves to a non-public address ({refused[0]})")
    pinned = next((ip for ip in ips if ip.version == 4), ips[0])  # IPv4 first: fewer dead routes
    return Target(url=url, scheme=parts.scheme, host=host, port=port, ip=pinned)
