"""The address policy as a table: every spelling read, every range named. Pure: these
addresses are parsed and classified, never connected to."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest

from digest.addresses import (
    PrivateAddress,
    allowed_networks,
    checked_addresses,
    classify,
    parse_address,
    refusal,
)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.43518", "169.254.169.254"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("[fe80::1%25eth0]", "fe80::1"),
        ("fe80::1%eth0", "fe80::1"),
    ],
)
def test_every_spelling_of_an_address_is_read(host: str, address: str) -> None:
    assert parse_address(host) == ip_address(address)


@pytest.mark.parametrize(
    "host",
    ["localhost", "example.org", "127.0.0.1.example.org", "1.2.3.4.5", "256.0.0.1", "09", ""],
)
def test_names_and_impossible_numbers_are_not_addresses(host: str) -> None:
    assert parse_address(host) is None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "private"),
        ("10.255.255.255", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "reserved"),
        ("198.18.0.1", "reserved"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "reserved"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:0:127.0.0.1", "loopback"),
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("64:ff9b:1::1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("2002:c0a8:101::1", "private"),
        ("::127.0.0.1", "reserved"),
        ("::8.8.8.8", "reserved"),  # IPv4-compatible: deprecated, never a public server
    ],
)
def test_addresses_that_are_not_public_are_named(address: str, kind: str) -> None:
    assert classify(ip_address(address)) == kind


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.216.34",
        "1.1.1.1",
        "172.32.0.1",  # just past 172.16/12
        "100.128.0.1",  # just past 100.64/10
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert classify(ip_address(address)) is None
    assert refusal("feeds.example.org", ip_address(address)) is None


def test_the_refusal_names_the_host_the_kind_and_the_setting() -> None:
    literal = refusal("127.0.0.1", IPv4Address("127.0.0.1"))
    assert str(literal) == (
        "refused: 127.0.0.1 is a private address (loopback); fetch.allow_private opens it"
    )
    spelled = refusal("2130706433", IPv4Address("127.0.0.1"))
    assert str(spelled) == (
        "refused: 2130706433 is a private address (loopback, 127.0.0.1);"
        " fetch.allow_private opens it"
    )
    assert "(link-local, 169.254.169.254)" in str(
        refusal("metadata.internal", IPv4Address("169.254.169.254"))
    )


def test_allow_private_opens_only_the_ranges_it_names() -> None:
    allow = allowed_networks(["127.0.0.0/8", "::1/128", "10.1.0.0/16"])
    assert refusal("a", IPv4Address("127.0.0.1"), allow) is None
    assert refusal("a", IPv6Address("::1"), allow) is None
    assert refusal("a", IPv6Address("::ffff:127.0.0.1"), allow) is None  # the same address
    assert refusal("a", IPv4Address("10.1.2.3"), allow) is None
    assert isinstance(refusal("a", IPv4Address("10.2.0.1"), allow), PrivateAddress)
    assert isinstance(refusal("a", IPv4Address("169.254.169.254"), allow), PrivateAddress)
    assert isinstance(refusal("a", IPv6Address("fe80::1"), allow), PrivateAddress)


def test_the_addresses_to_connect_to_are_the_ones_checked() -> None:
    """DNS rebinding: the fetcher connects to what this returns, the answers it checked;
    one private answer among public ones refuses the host."""
    public = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert checked_addresses("feeds.example.org", public) == public
    with pytest.raises(PrivateAddress) as caught:
        checked_addresses("rebind.example.org", ["93.184.216.34", "127.0.0.1"])
    assert str(caught.value).startswith("refused: rebind.example.org is a private address")
    with pytest.raises(PrivateAddress):
        checked_addresses("rebind.example.org", ["::ffff:169.254.169.254"])
    allow = allowed_networks(["127.0.0.0/8"])
    assert checked_addresses("localhost", ["127.0.0.1"], allow) == ["127.0.0.1"]
    with pytest.raises(ValueError):
        checked_addresses("odd.example.org", ["not-an-address"])
