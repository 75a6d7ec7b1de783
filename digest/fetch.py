"""Fetching feed documents: concurrent, polite, bounded.

The HTTP is aiohttp's (set up in ``digest.http``: keep-alive pools, proxies, the
address check); this module is the feed-level policy over it: conditional GET (ETag /
Last-Modified), a global and a per-host limit on requests in flight, and per request
a total deadline, a cap on the decoded body (gzip/deflate/brotli inflated here, step
by step, so a bomb stops at the cap), a cap on redirects, Retry-After, 410 Gone and
permanent moves. Every outcome is a ``FetchResult``; nothing here raises for a bad feed.

Only a URL the user wrote (``FetchRequest.configured``: config.yaml, the command line)
may reach a loopback, private, link-local or reserved address, and only on its own
origin. Everything else (article links, redirects to another origin, a remembered
move elsewhere, local files) is resolved once, checked by ``digest.addresses`` and
connected to at the address checked; ``FetchLimits.allow_private`` opens chosen ranges.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import errno
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, unquote, urljoin, urlsplit

from digest import __version__
from digest.addresses import PrivateAddress, parse_address
from digest.decode import (
    BadEncoding,
    BodyError,
    Decoder,
    TooLarge,
    decode_body,
    encoded_cap,
    size_text,
    too_large,
)
from digest.models import FetchResult
from digest.sanitize import server_text

if TYPE_CHECKING:
    from digest.http import Client

T = TypeVar("T")
__all__ = [  # decode_body and BodyError are also used where bodies are parsed
    "BodyError",
    "EncodedResult",
    "FetchLimits",
    "FetchRequest",
    "decode_body",
    "encoded_cap",
    "fetch_all",
    "fetch_each",
    "fetch_each_async",
    "fetch_many",
    "same_origin",
    "too_large",
]

DEFAULT_USER_AGENT = (
    f"digest/{__version__}"
    " (newsletter digest generator; +https://pypi.org/project/digest-newsletter/)"
)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml, */*;q=0.8"  # an article page
ACCEPT_ENCODING = "gzip, deflate, br"  # exactly what Decoder undoes
READ_SIZE = 65_536
DRAIN = 65_536  # bytes of an error page or redirect read to keep its connection
REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:-]+")  # a reg-name, IPv4 or IPv6 address


@dataclass(frozen=True)
class FetchRequest:
    """One URL to fetch, with the validators from the last fetch."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    accept: str = ""  # the Accept header; "" asks for a feed (ACCEPT)
    # True for an address the user wrote (config.yaml, the command line): its origin
    # may be a private address. Anything else (an article link, a redirect to another
    # origin, a remembered move elsewhere) is refused on one: see digest.addresses.
    configured: bool = False
    # (user, password) for HTTP Basic authentication, sent to the URL's own origin only
    # (feeds[].username with password_env or password_file): a password kept out of the URL.
    credentials: tuple[str, str] | None = None


@dataclass(frozen=True)
class FetchLimits:
    """Politeness and safety limits for a batch of fetches."""

    timeout: float = 30
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 4
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: tuple[str, ...] = ()  # CIDR ranges unconfigured addresses may reach
    proxy: str | None = None  # fetch.proxy; None: HTTPS_PROXY / HTTP_PROXY / NO_PROXY


def fetch_all(
    requests: Sequence[FetchRequest],
    limits: FetchLimits,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch every request concurrently; results come back in request order."""
    if not requests:
        return []
    return asyncio.run(fetch_many(requests, limits, on_result))


async def fetch_many(
    requests: Sequence[FetchRequest],
    limits: FetchLimits,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """The async core of :func:`fetch_all`."""

    async def keep(_index: int, result: FetchResult) -> FetchResult:
        if on_result:
            on_result(result)
        return result

    return await fetch_each_async(requests, limits, keep, window=len(requests) or 1)


def fetch_each(
    requests: Sequence[FetchRequest],
    limits: FetchLimits,
    handle: Callable[[int, FetchResult], Awaitable[T]],
    *,
    window: int = 32,
    decode: bool = True,
) -> list[T]:
    """Fetch every request and give each result to *handle* as soon as it arrives.

    *handle* gets the request's index and its result and may await (a parse in
    a worker process, say); what it returns comes back in request order. At
    most *window* results are held, fetched but not yet handled: the bodies
    in memory stay bounded however many feeds there are.

    With *decode* false, a compressed body is handed over as it came, in an
    :class:`EncodedResult`, for :func:`decode_body` to undo elsewhere (in the
    parse worker: the fetching process then neither inflates nor copies the
    larger body).
    """
    if not requests:
        return []
    return asyncio.run(fetch_each_async(requests, limits, handle, window=window, decode=decode))


async def fetch_each_async(
    requests: Sequence[FetchRequest],
    limits: FetchLimits,
    handle: Callable[[int, FetchResult], Awaitable[T]],
    *,
    window: int = 32,
    decode: bool = True,
) -> list[T]:
    """The async core of :func:`fetch_each`."""
    # aiohttp (15 MB) is imported here, not with this module: the parse workers the
    # pipeline forks before fetching start without it.
    from digest.http import Client

    overall = asyncio.Semaphore(limits.concurrency)
    held = asyncio.Semaphore(max(1, window))
    hosts: dict[str, asyncio.Semaphore] = {}
    async with Client(limits) as client:

        async def one(index: int, request: FetchRequest) -> T:
            try:
                host = urlsplit(request.url).hostname or ""
            except ValueError:
                host = ""
            per_host = hosts.setdefault(host, asyncio.Semaphore(limits.per_host))
            async with held:
                async with per_host, overall:
                    result = await fetch_one(client, request, limits, decode=decode)
                return await handle(index, result)

        return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(requests))))


class _TooManyRedirects(Exception):
    pass


class ProtocolError(Exception):
    """The server broke HTTP (or the URL cannot be requested): a network error."""


Origin = tuple[str, str, int]  # scheme, host, port


@dataclass(frozen=True)
class _Target:
    """What a URL means to the client: where to connect and what to ask for."""

    url: str  # as given (what a relative redirect is joined to)
    origin: Origin
    request_url: str  # percent-encoded, the host as connected to, no user info
    host_header: str
    authorization: str | None


def _target(url: str) -> _Target:
    """Raises ProtocolError for a URL that cannot be requested."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ProtocolError(f"invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ProtocolError(f"unsupported URL scheme {scheme!r}")
    host = parts.hostname or ""
    if not host:
        raise ProtocolError("no host in the URL")
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ProtocolError(f"invalid host name {host!r}") from None
    if not _HOST.fullmatch(ascii_host):
        raise ProtocolError(f"invalid host name {host[:60]!r}")
    port = port or DEFAULT_PORTS[scheme]
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    host_header = shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    # 2130706433, 0177.0.0.1, 127.1: connected to at the address they spell, as a
    # resolver would (aiohttp refuses these spellings); the Host header stays as written.
    address = parse_address(ascii_host)
    connect = shown if address is None else f"[{address}]" if address.version == 6 else str(address)
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@~-._")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@~-._")
    authorization = None
    if parts.username is not None or parts.password is not None:
        user = unquote(parts.username or "")
        secret = unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        authorization = f"Basic {token}"
    request_url = f"{scheme}://{connect}:{port}{path}"
    return _Target(url, (scheme, ascii_host, port), request_url, host_header, authorization)


def same_origin(url: str, other: str) -> bool:
    """True when *url* is *other*, or on the same scheme, host and port (the same server)."""
    if url == other:
        return True
    try:
        return _target(url).origin == _target(other).origin
    except ProtocolError:
        return False


@dataclass
class _Answer:
    """The last response of a GET: status and headers, its body read or not, as asked."""

    url: str
    status: int
    reason: str
    headers: dict[str, str]
    history: list[int]
    body: bytes = b""
    coding: str = ""  # the Content-Encoding still on *body*


async def get(
    client: Client,
    url: str,
    headers: dict[str, str],
    limits: FetchLimits,
    *,
    configured: bool = False,
    decode: bool = True,
    credentials: tuple[str, str] | None = None,
) -> _Answer:
    """GET *url*, following redirects, and read the body of a 200 within the cap.

    A *configured* URL's origin may be a private address, and so may a redirect that
    stays on that origin (the same server); any other is refused on one. *credentials*
    (or a user and password in the URL) go to that first origin only.
    Raises _TooManyRedirects, TooLarge, BadEncoding, PrivateAddress, ProtocolError,
    aiohttp.ClientError, OSError.
    """
    history: list[int] = []
    authorization: str | None = None
    first_origin: Origin | None = None
    while True:
        target = _target(url)
        if first_origin is None:
            first_origin, authorization = target.origin, target.authorization
            if credentials and not authorization:
                pair = f"{credentials[0]}:{credentials[1]}".encode()
                authorization = "Basic " + base64.b64encode(pair).decode("ascii")
        sent = dict(headers, Host=target.host_header)
        auth = target.authorization or (authorization if target.origin == first_origin else None)
        if auth:
            sent["Authorization"] = auth
        for name, value in sent.items():
            if any(c in value for c in "\r\n\0"):
                raise ProtocolError(f"invalid value for the {name} header")
        trusted = configured and target.origin == first_origin
        answer = await _send(client, target, sent, trusted, limits.max_bytes, decode)
        answer.history = history
        location = answer.headers.get("location")
        if answer.status not in REDIRECTS or location is None:
            return answer
        history = [*history, answer.status]
        if len(history) > limits.max_redirects:
            raise _TooManyRedirects
        try:
            url = urljoin(url, location.strip())
        except ValueError:
            raise ProtocolError("invalid redirect location") from None


async def _send(
    client: Client,
    target: _Target,
    headers: dict[str, str],
    trusted: bool,
    max_bytes: int,
    decode: bool,
) -> _Answer:
    """One request; a server that dropped a kept-alive connection is asked once more.

    (aiohttp asks again itself, once, on a pooled connection that may be stale too.)
    """
    import aiohttp

    from digest.http import check

    scheme, host, port = target.origin
    proxy = client.proxy_for(scheme, host)
    if not trusted and (proxy or parse_address(host) is not None):
        # aiohttp asks no resolver for an IP address, nor for the host behind a proxy
        await check(client.resolver, host, port, client.allow)
    for attempt in (1, 2):
        try:
            async with client.request(
                target.request_url,
                trusted,
                proxy,
                headers=headers,
                ssl=client.ssl_for(scheme) or True,
                server_hostname=host if scheme == "https" else None,
            ) as response:
                return await _read(target.url, response, max_bytes, decode)
        except aiohttp.ServerDisconnectedError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _read(url: str, response: Any, max_bytes: int, decode: bool) -> _Answer:
    status: int = response.status
    headers = {k.lower(): v for k, v in response.headers.items()}
    reason = server_text(response.reason or "", 80)
    answer = _Answer(url, status, reason, headers, [])
    coding = headers.get("transfer-encoding", "chunked")
    if coding.strip().lower() != "chunked":
        raise ProtocolError(f"unsupported Transfer-Encoding {coding[:40]!r}")
    if status == 304 or status >= 400 or (status in REDIRECTS and "location" in headers):
        size = 0  # a short body is read so the connection can be kept; closing is cheaper
        async for piece in response.content.iter_chunked(READ_SIZE):  # than a long one
            size += len(piece)
            if size > DRAIN:
                break
        return answer
    declared = headers.get("content-length")
    coding = headers.get("content-encoding", "")
    if declared and declared.isdigit() and int(declared) > max_bytes and not coding:
        raise TooLarge
    decoder = Decoder(coding)
    chunks: list[bytes] = []
    size = 0
    if decoder.steps and not decode:  # decode_body undoes it elsewhere
        cap = encoded_cap(max_bytes)
        async for raw in response.content.iter_chunked(READ_SIZE):
            size += len(raw)
            if size > cap:
                raise TooLarge
            chunks.append(raw)
        answer.coding = coding
    else:
        async for raw in response.content.iter_chunked(READ_SIZE):  # never past the cap
            chunk = decoder.feed(raw, max_bytes - size)
            size += len(chunk)
            chunks.append(chunk)
        chunks.append(decoder.feed(b"", max_bytes - size, final=True))
    answer.body = b"".join(chunks)
    return answer


async def fetch_one(
    client: Client, request: FetchRequest, limits: FetchLimits, *, decode: bool = True
) -> FetchResult:
    """Fetch one URL (http(s) or file) within the limits; never raises for network faults."""
    if request.url.lower().startswith("file:"):
        if not request.configured:  # a link in a feed must not mail a local file
            return _error(request.url, "refused: a local file (only config.yaml names those)")
        return _read_file(request.url, limits.max_bytes)
    headers = {
        "Accept": request.accept or ACCEPT,
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": limits.user_agent,
    }
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    try:
        async with asyncio.timeout(limits.timeout):
            answer = await get(
                client,
                request.url,
                headers,
                limits,
                configured=request.configured,
                decode=decode,
                credentials=request.credentials,
            )
    except TimeoutError:
        return _error(request.url, f"timed out after {limits.timeout:g} s")
    except TooLarge:
        return _error(request.url, too_large(limits.max_bytes))
    except _TooManyRedirects:
        return _error(request.url, f"too many redirects (more than {limits.max_redirects})")
    except BadEncoding:
        return _error(request.url, "the response could not be decompressed")
    except Exception as exc:
        return _error(request.url, _reason(exc))
    return _result(request.url, answer)


def _reason(exc: Exception) -> str:
    """The one-line error for a failed request."""
    import aiohttp

    refused = _cause(exc, PrivateAddress)
    if refused is not None:
        return str(refused)
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ClientProxyConnectionError):
        return _connect_reason(exc)
    if isinstance(exc, ProtocolError | aiohttp.ClientError | OSError | ValueError | ssl.SSLError):
        return server_text(f"network error: {exc.__class__.__name__}: {exc}", 200)
    raise exc  # a bug: shown with its traceback


def _result(url: str, answer: _Answer) -> FetchResult:
    history = answer.history
    moved = answer.url if history and all(s in (301, 308) for s in history) else None
    status, headers = answer.status, answer.headers
    if status == 304:
        return FetchResult(
            url,
            "not_modified",
            new_url=moved,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )
    if status >= 400:
        reason = f"HTTP {status} {answer.reason}".strip()
        gone = status == 410
        if gone:
            reason += ": the feed was removed, it will not be fetched again"
        retry = _retry_after(headers.get("retry-after")) if status in (429, 503) else None
        return FetchResult(url, "error", error=reason, gone=gone, retry_after=retry, new_url=moved)
    result = FetchResult(
        url,
        "ok",
        body=answer.body,
        content_type=headers.get("content-type"),
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        new_url=moved,
    )
    if answer.coding:
        return EncodedResult(**vars(result), content_encoding=answer.coding)
    return result


@dataclass(frozen=True)
class EncodedResult(FetchResult):
    """A fetched body still content-encoded: ``decode_body(body, content_encoding, cap)``."""

    content_encoding: str = ""


def _read_file(url: str, max_bytes: int) -> FetchResult:
    path = Path(unquote(urlsplit(url).path))
    try:
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        return _error(url, f"cannot read {path}: {exc.strerror or exc}")
    if len(body) > max_bytes:
        return _error(url, f"file larger than {size_text(max_bytes)}: cut off")
    return FetchResult(url, "ok", body=body)


def _error(url: str, reason: str) -> FetchResult:
    return FetchResult(url, "error", error=reason)


def _connect_reason(exc: BaseException) -> str:
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"TLS error: {exc.certificate_error}"[:130]
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return f"TLS error: {exc.os_error}"[:130]
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or _cause(exc, socket.gaierror):
        return "host not found"
    if _cause(exc, ConnectionRefusedError) is not None:
        return "connection refused"
    text = str(exc)
    lowered = text.lower()
    # Every address refused: "Multiple exceptions: [Errno 111] Connect call failed"
    if "refused" in lowered or f"[errno {errno.ECONNREFUSED}]" in lowered:
        return "connection refused"
    if _cause(exc, ssl.SSLError) is not None or "certificate" in lowered:
        return f"TLS error: {text[:120]}"
    return f"cannot connect: {text[:120]}" if text else "cannot connect"


E = TypeVar("E", bound=BaseException)


def _cause(exc: BaseException, kind: type[E]) -> E | None:
    """The first *kind* in the chain of causes of *exc* (itself included), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
