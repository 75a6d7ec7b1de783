"""The HTTP client of one fetch run: aiohttp sessions, proxies and the address check.

Why aiohttp: on bench/fetch.py's server (200 feeds, 16 in flight, bodies read raw and
inflated by us), aiohttp spent 0.15 s of CPU on the cold run and 0.10-0.13 s on the
warm one (200 × 304); httpx (httpcore on anyio) spent 0.8 s and 0.6-0.7 s, five times
as much, which would have undone the warm-run lead over reader. aiohttp offers no
HTTP/2; feeds are small single documents, where HTTP/2 gains little.

Two sessions share one cookie jar (cookies kept for the run, as a browser would):

- the *configured* one, for a URL the user wrote (config.yaml, the command line) and
  redirects on its own origin: the system resolver, any address;
- the *checked* one, for everything else (article links, redirects elsewhere, moves):
  its resolver asks *resolver* once, hands every answer to
  :func:`digest.addresses.checked_addresses` and gives aiohttp only those addresses
  to connect to (the TLS check still names the host). Its pool holds connections to
  checked addresses only, so a kept-alive connection to a configured feed on
  127.0.0.1 is never lent to a link to the same server.

Through a proxy the proxy makes the connection and its own DNS lookup: a URL that was
not configured is resolved here and every address checked before the request is sent
(a private answer is refused as without a proxy), but the address cannot be pinned.
"""

from __future__ import annotations

import base64
import socket
import ssl
import urllib.request
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from digest.addresses import Network, allowed_networks, checked_addresses, parse_address

if TYPE_CHECKING:
    from digest.fetch import FetchLimits

Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_FIELD = 65_536  # bytes of one header line
MAX_HEADERS = 100


async def resolve(host: str, port: int) -> list[str]:
    """The IP addresses *host* resolves to, as the system resolver gives them (OSError if none)."""
    import asyncio

    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def ssl_context() -> ssl.SSLContext:
    """Certificate checks against certifi's CA bundle (loaded by the first https request)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class _CheckingResolver(AbstractResolver):
    """Resolves once with *resolver* and answers only with addresses the policy allows."""

    def __init__(self, resolver: Resolver, allow: tuple[Network, ...]) -> None:
        self.resolver = resolver
        self.allow = allow

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Every address of *host*, checked; raises PrivateAddress, OSError."""
        addresses = await check(self.resolver, host, port, self.allow)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""


async def check(resolver: Resolver, host: str, port: int, allow: tuple[Network, ...]) -> list[str]:
    """The addresses of *host* once every one is allowed (an IP literal is its own address).

    Raises PrivateAddress for a refused one, OSError when the host cannot be resolved.
    """
    literal = parse_address(host)
    if literal is not None:
        return checked_addresses(host, [str(literal)], allow)
    try:
        resolved = await resolver(host, port)
    except UnicodeError as exc:
        raise OSError(f"invalid host name: {exc}") from exc
    return checked_addresses(host, resolved, allow)


class Client:
    """The sessions of one run; ``async with Client(limits) as client``.

    *resolver* answers for hosts that were not configured (a test seam: it lets a test
    show that the connection goes to the address that was checked).
    """

    def __init__(self, limits: FetchLimits, resolver: Resolver = resolve) -> None:
        self.limits = limits
        self.resolver = resolver
        self.allow: tuple[Network, ...] = allowed_networks(limits.allow_private)
        self.sessions: dict[bool, aiohttp.ClientSession] = {}
        self.cookies: aiohttp.CookieJar | None = None
        self._ssl: ssl.SSLContext | None = None
        self._env = urllib.request.getproxies_environment()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in self.sessions.values():
            await session.close()
        self.sessions.clear()

    def session(self, trusted: bool) -> aiohttp.ClientSession:
        """The configured session (*trusted*) or the checked one, made on first use."""
        session = self.sessions.get(trusted)
        if session is None:
            if self.cookies is None:
                self.cookies = aiohttp.CookieJar(unsafe=True)  # a feed on an IP address too
            limits = self.limits
            connector = aiohttp.TCPConnector(
                limit=max(1, limits.concurrency),
                limit_per_host=max(1, limits.per_host),
                resolver=None if trusted else _CheckingResolver(self.resolver, self.allow),
                use_dns_cache=trusted,  # checked: one lookup per connection, none kept
            )
            session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=self.cookies,
                auto_decompress=False,  # digest.decode inflates, never past the cap
                trust_env=False,  # proxies are chosen by proxy_for
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=limits.timeout, sock_read=limits.timeout
                ),
                max_field_size=MAX_FIELD,
                max_line_size=MAX_FIELD,
                max_headers=MAX_HEADERS,
            )
            self.sessions[trusted] = session
        return session

    def ssl_for(self, scheme: str) -> ssl.SSLContext | None:
        """The TLS context for an https request (made once), None for http."""
        if scheme != "https":
            return None
        if self._ssl is None:
            self._ssl = ssl_context()
        return self._ssl

    def proxy_for(self, scheme: str, host: str) -> str | None:
        """The proxy URL for a request: fetch.proxy, else HTTPS_PROXY/HTTP_PROXY; NO_PROXY
        names the hosts reached directly."""
        proxy = self.limits.proxy or self._env.get(scheme)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if not proxy or bypass(host, self._env):
            return None
        return proxy

    def request(self, url: str, trusted: bool, proxy: str | None, **options: Any) -> Any:
        """A GET (an async context manager for the response), redirects not followed.

        Through a proxy the configured session carries it: the connection goes to the
        proxy, the target was checked by the caller.
        """
        session = self.session(trusted or proxy is not None)
        auth: dict[str, str] = {}
        if proxy:
            parts = urlsplit(proxy)
            if parts.username is not None:  # user:password@ in the proxy URL
                pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
                token = base64.b64encode(pair.encode()).decode("ascii")
                auth["Proxy-Authorization"] = f"Basic {token}"
                proxy = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
            if auth and url.startswith("http:"):  # absolute-form: the proxy reads the request
                options["headers"] = {**options.get("headers", {}), **auth}
                auth = {}
        return session.get(
            url,  # already percent-encoded by digest.fetch: left as it is
            allow_redirects=False,
            proxy=proxy,
            proxy_headers=auth or None,
            **options,
        )
