"""Which network addresses a fetch may reach: the policy, with no I/O.

An address that did not come from config.yaml (an article link, a redirect to
another origin, a remembered move) could point the fetcher at the reader's own
machine or network: loopback, a private range, the cloud metadata service on
169.254.169.254. Such a page's text would then be mailed to every reader. So the
fetcher resolves the host once, hands every address it got to
:func:`checked_addresses`, and connects only to what that returns: a name that
resolves to a private address, or that resolves differently a moment later (DNS
rebinding), never gets a connection there.

Host names are read in every spelling a resolver accepts (``2130706433``,
``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``[::ffff:127.0.0.1]``) by
:func:`parse_address`, and IPv6 forms that carry an IPv4 address (mapped, 6to4,
NAT64, Teredo) are judged by the IPv4 address inside. ``fetch.allow_private``
(CIDR ranges) opens chosen ranges.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

# IANA's special-purpose ranges that are not globally reachable, by the name a reader
# is told. A range not listed here is judged by ipaddress's is_global (the catch-all).
_V4_KINDS: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),  # "this network": 0.0.0.0 reaches the local machine
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "private"),  # carrier-grade NAT: the provider's network
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "reserved"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),
    ("198.51.100.0/24", "reserved"),
    ("203.0.113.0/24", "reserved"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # and 255.255.255.255, the broadcast address
)
_V6_KINDS: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),  # NAT64 for local use
    ("100::/64", "reserved"),
    ("2001:2::/48", "reserved"),
    ("2001:10::/28", "reserved"),
    ("2001:db8::/32", "reserved"),
    ("3fff::/20", "reserved"),
    ("5f00::/16", "reserved"),
    ("fc00::/7", "private"),  # unique local addresses
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private"),  # site-local, deprecated
    ("ff00::/8", "multicast"),
    ("::/8", "reserved"),  # IPv4-compatible and the rest of the IETF's reserved block
)
_V4_TABLE = tuple((IPv4Network(net), kind) for net, kind in _V4_KINDS)
_V6_TABLE = tuple((IPv6Network(net), kind) for net, kind in _V6_KINDS)
_NAT64 = IPv6Network("64:ff9b::/96")
_TRANSLATED = IPv6Network("::ffff:0:0:0/96")  # SIIT: ::ffff:0:a.b.c.d


class PrivateAddress(Exception):
    """A host that resolves to an address the policy refuses; ``str()`` is the message."""

    def __init__(self, host: str, address: Address, kind: str) -> None:
        from digest.sanitize import server_text  # a refusal is rare: not loaded for every fetch

        self.host, self.address, self.kind = host, address, kind
        shown = server_text(host, 100)
        # "loopback", or "loopback, 127.0.0.1" when the host is spelled otherwise
        self.detail = kind if shown == str(address) else f"{kind}, {address}"
        super().__init__(
            f"refused: {shown} is a private address ({self.detail}); fetch.allow_private opens it"
        )


def parse_address(host: str) -> Address | None:
    """*host* (a URL's host, with or without brackets) as an IP address, else None (a name).

    IPv4 is read as resolvers read it (inet_aton, and browsers): one to four parts,
    each decimal, ``0x`` hex or ``0`` octal, the last filling the bytes left, so
    ``2130706433``, ``0x7f000001``, ``0177.0.0.1`` and ``127.1`` are all 127.0.0.1.
    A zone (``fe80::1%eth0``) is dropped.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]
    if ":" in text:
        try:
            return IPv6Address(text)
        except ValueError:
            return None
    return _parse_ipv4(text.removesuffix("."))


def _parse_ipv4(text: str) -> IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    *leading, last = values
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(values)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return IPv4Address(value)


def _ipv4_part(part: str) -> int | None:
    """One part of an IPv4 address: decimal, 0x hex or 0 octal; None if it is not one."""
    if not part.isascii():
        return None
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, SIIT, NAT64, 6to4, Teredo client)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _TRANSLATED or address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def classify(address: Address) -> str | None:
    """Why *address* is not public ("loopback", "private", "link-local", "multicast",
    "unspecified" or "reserved"), or None for a public address."""
    if isinstance(address, IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return classify(inner)
        table: Iterable[tuple[Network, str]] = _V6_TABLE
    else:
        table = _V4_TABLE
    for network, kind in table:
        if address in network:
            return kind
    return None if address.is_global else "reserved"


def allowed_networks(ranges: Iterable[str]) -> tuple[Network, ...]:
    """``fetch.allow_private`` as networks (config.py has checked each range)."""
    return tuple(ipaddress.ip_network(r.strip(), strict=False) for r in ranges)


def is_allowed(address: Address, allow: Sequence[Network]) -> bool:
    """True when *address* (or the IPv4 address it carries) is in one of *allow*."""
    inner = embedded_ipv4(address) if isinstance(address, IPv6Address) else None
    return any(
        candidate.version == network.version and candidate in network
        for network in allow
        for candidate in (address, inner)
        if candidate is not None
    )


def refusal(host: str, address: Address, allow: Sequence[Network] = ()) -> PrivateAddress | None:
    """The error for connecting to *address* (for *host*), or None when it may be reached."""
    kind = classify(address)
    if kind is None or is_allowed(address, allow):
        return None
    return PrivateAddress(host, address, kind)


def checked_addresses(
    host: str, resolved: Sequence[str], allow: Sequence[Network] = ()
) -> list[str]:
    """The addresses *host* resolved to, to connect to, once every one is checked.

    *resolved* is what the resolver gave (IP literals, maybe with an IPv6 zone). The
    caller connects to these strings, not to *host*, so the check holds for the
    connection made: a second lookup cannot answer differently. Raises
    PrivateAddress when ANY of them is refused (one private answer among public ones
    is how a rebinding name would get in), and ValueError for an answer that is not
    an IP address.
    """
    for text in resolved:
        address = parse_address(text)
        if address is None:
            raise ValueError(f"the resolver gave {text!r} for {host!r}, not an IP address")
        problem = refusal(host, address, allow)
        if problem is not None:
            raise problem
    return list(dict.fromkeys(resolved))
