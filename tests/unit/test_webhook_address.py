"""The SSRF guard: which addresses a webhook may reach, and what the sender connects to."""

from __future__ import annotations

import ipaddress

import pytest

from core.webhooks import address
from core.webhooks.address import AddressRefused, Target, allowed, parse_networks, url_problem
from core.webhooks.sender import _host_header, pinned_url

LOOPBACK = parse_networks(["127.0.0.0/8"])


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "100.64.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1",
        "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo around 10.0.0.1
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(ip: str) -> None:
    assert not allowed(ipaddress.ip_address(ip))


@pytest.mark.parametrize("ip", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(ip: str) -> None:
    assert allowed(ipaddress.ip_address(ip))


def test_allow_list_opens_exactly_its_networks() -> None:
    assert allowed(ipaddress.ip_address("127.0.0.1"), LOOPBACK)
    assert allowed(ipaddress.ip_address("127.8.9.10"), LOOPBACK)
    assert allowed(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK)  # mapped: the IPv4 inside
    assert not allowed(ipaddress.ip_address("::1"), LOOPBACK)  # IPv6 loopback is not listed
    assert not allowed(ipaddress.ip_address("10.0.0.1"), LOOPBACK)
    assert allowed(ipaddress.ip_address("::1"), parse_networks(["::1/128"]))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.org/x", "http"),
        ("file:///etc/passwd", "http"),
        ("gopher://example.org", "http"),
        ("http://", "host"),
        ("https://user:pw@example.org/", "password"),
        ("http://example.org:99999/", "URL"),
        ("http://exa mple.org/", "spaces"),
        ("http://example.org/\n", "control"),
        ("https://example.org/" + "a" * 2000, "2000"),
    ],
)
def test_url_problems(url: str, problem: str) -> None:
    found = url_problem(url)
    assert found is not None and problem in found


def test_good_urls_have_no_problem() -> None:
    assert url_problem("https://hooks.example.org/kembar?x=1") is None
    assert url_problem("http://[2001:db8::1]:8080/") is None


async def test_resolve_refuses_names_and_literals_leading_inside() -> None:
    with pytest.raises(AddressRefused, match="non-public"):
        await address.resolve("http://localhost:9/hook")
    with pytest.raises(AddressRefused, match="non-public"):
        await address.resolve("http://169.254.169.254/latest/meta-data")
    with pytest.raises(AddressRefused, match="non-public"):
        await address.resolve("http://[::ffff:127.0.0.1]:8000/")
    with pytest.raises(AddressRefused, match="http"):
        await address.resolve("ftp://example.org/")
    with pytest.raises(address.Unresolvable, match="resolve"):  # not final: DNS may recover
        await address.resolve("http://no-such-host.invalid/")


async def test_resolve_pins_the_checked_address() -> None:
    both = parse_networks(["127.0.0.0/8", "::1/128"])  # localhost may also resolve to ::1
    target = await address.resolve("http://localhost:8123/in?a=1", both)
    assert target.ip == ipaddress.ip_address("127.0.0.1")
    assert target.host == "localhost" and target.port == 8123
    assert pinned_url(target) == "http://127.0.0.1:8123/in?a=1"
    assert _host_header(target) == "localhost:8123"


def test_pinned_url_for_ipv6_and_default_ports() -> None:
    target = Target(
        url="https://hooks.example.org/x",
        scheme="https",
        host="hooks.example.org",
        port=443,
        ip=ipaddress.ip_address("2001:db8::5"),
    )
    assert pinned_url(target) == "https://[2001:db8::5]:443/x"
    assert _host_header(target) == "hooks.example.org"


def test_international_host_names_become_punycode() -> None:
    assert address.normalised("https://bücher.de/hook?x=ü") == "https://xn--bcher-kva.de/hook?x=ü"
    assert address.normalised("http://BÜCHER.de:8080/") == "http://xn--bcher-kva.de:8080/"
    assert address.normalised("https://hooks.example.org/x") == "https://hooks.example.org/x"
    assert address.normalised("http://[2001:db8::1]:8080/") == "http://[2001:db8::1]:8080/"
    assert url_problem("https://bücher.de/hook") is None


@pytest.mark.parametrize(
    "url", ["http://bücher..de/", "http://\u200d.de/", "http://b\u00fc" + "x" * 70 + ".de/"]
)
def test_host_names_that_are_no_idna_are_problems(url: str) -> None:
    found = url_problem(url)
    assert found is not None and "host" in found


async def test_resolve_sends_the_punycode_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host: str, *args: object, **kwargs: object) -> list:
        asked.append(host)
        return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    target = await address.resolve("http://bücher.de:8123/in", LOOPBACK)
    assert asked == ["xn--bcher-kva.de"] and target.host == "xn--bcher-kva.de"
    assert _host_header(target) == "xn--bcher-kva.de:8123"
