"""Fetching feed documents: concurrent, polite, bounded.

One asyncio event loop with an httpx client: keep-alive, gzip/deflate/brotli,
conditional GET (ETag / Last-Modified), a global and a per-host limit on
requests in flight, and per request a total deadline, a cap on the decoded
body and a cap on redirects. Every outcome is a ``FetchResult``; nothing
here raises for a bad feed.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import httpx

from digest import __version__
from digest.models import FetchResult

T = TypeVar("T")

DEFAULT_USER_AGENT = (
    f"digest/{__version__} (newsletter digest generator; +https://pypi.org/project/digest/)"
)


@dataclass(frozen=True)
class FetchRequest:
    """One URL to fetch, with the validators from the last fetch."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchLimits:
    """Politeness and safety limits for a batch of fetches."""

    timeout: float = 30
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 4
    user_agent: str = DEFAULT_USER_AGENT


class _TooLarge(Exception):
    pass


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
) -> list[T]:
    """Fetch every request and give each result to *handle* as soon as it arrives.

    *handle* gets the request's index and its result and may await (a parse in
    a worker process, say); what it returns comes back in request order. At
    most *window* results are held, fetched but not yet handled: the bodies
    in memory stay bounded however many feeds there are.
    """
    if not requests:
        return []
    return asyncio.run(fetch_each_async(requests, limits, handle, window=window))


async def fetch_each_async(
    requests: Sequence[FetchRequest],
    limits: FetchLimits,
    handle: Callable[[int, FetchResult], Awaitable[T]],
    *,
    window: int = 32,
) -> list[T]:
    """The async core of :func:`fetch_each`."""
    overall = asyncio.Semaphore(limits.concurrency)
    held = asyncio.Semaphore(max(1, window))
    hosts: dict[str, asyncio.Semaphore] = {}
    async with _client(limits) as client:

        async def one(index: int, request: FetchRequest) -> T:
            host = urlsplit(request.url).hostname or ""
            per_host = hosts.setdefault(host, asyncio.Semaphore(limits.per_host))
            async with held:
                async with per_host, overall:
                    result = await fetch_one(client, request, limits)
                return await handle(index, result)

        return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(requests))))


def _client(limits: FetchLimits) -> httpx.AsyncClient:
    """One client for a run: keep-alive connections shared by every request."""
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        limits=httpx.Limits(
            max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency
        ),
        timeout=httpx.Timeout(limits.timeout),
        headers={"User-Agent": limits.user_agent},
        trust_env=False,
    )


async def fetch_one(
    client: httpx.AsyncClient, request: FetchRequest, limits: FetchLimits
) -> FetchResult:
    """Fetch one URL (http(s) or file) within the limits; never raises for network faults."""
    if request.url.lower().startswith("file:"):
        return _read_file(request.url, limits.max_bytes)
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/feed+json,"
        " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
    }
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    try:
        async with asyncio.timeout(limits.timeout):
            async with client.stream("GET", request.url, headers=headers) as response:
                return await _result(request.url, response, limits.max_bytes)
    except TimeoutError:
        return _error(request.url, f"timed out after {limits.timeout:g} s")
    except _TooLarge:
        return _error(request.url, f"response larger than {_size(limits.max_bytes)}: cut off")
    except httpx.TooManyRedirects:
        return _error(request.url, f"too many redirects (more than {limits.max_redirects})")
    except httpx.ConnectError as exc:
        return _error(request.url, _connect_reason(exc))
    except httpx.TimeoutException:
        return _error(request.url, f"timed out after {limits.timeout:g} s")
    except (httpx.DecodingError, _BadEncoding):
        return _error(request.url, "the response could not be decompressed")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return _error(request.url, f"network error: {exc.__class__.__name__}: {exc}"[:200])


async def _result(url: str, response: httpx.Response, max_bytes: int) -> FetchResult:
    history = [r.status_code for r in response.history]
    moved = str(response.url) if history and all(s in (301, 308) for s in history) else None
    status = response.status_code
    if status == 304 or status >= 400:
        await _drain(response)
    if status == 304:
        return FetchResult(
            url,
            "not_modified",
            new_url=moved,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
    if status >= 400:
        reason = f"HTTP {status} {response.reason_phrase}".strip()
        gone = status == 410
        if gone:
            reason += ": the feed was removed, it will not be fetched again"
        retry = _retry_after(response.headers.get("retry-after")) if status in (429, 503) else None
        return FetchResult(url, "error", error=reason, gone=gone, retry_after=retry, new_url=moved)
    declared = response.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > max_bytes
        and not response.headers.get("content-encoding")
    ):
        raise _TooLarge
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():  # decoded here, never past the cap (bombs)
        chunk = decoder.feed(raw, max_bytes - size)
        size += len(chunk)
        chunks.append(chunk)
    chunks.append(decoder.feed(b"", max_bytes - size, final=True))
    return FetchResult(
        url,
        "ok",
        body=b"".join(chunks),
        content_type=response.headers.get("content-type"),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        new_url=moved,
    )


class _Decoder:
    """Content-Encoding undone step by step, each step's output capped.

    httpx decodes a whole network chunk in one call: a 1 kB chunk of a gzip or
    brotli bomb becomes hundreds of megabytes before any size check. Here each
    step yields at most the bytes still allowed (plus one, to notice more), and
    more than that raises _TooLarge. Encodings httpx does not know are left as
    they are, as httpx does.
    """

    def __init__(self, header: str) -> None:
        names = [name.strip().lower() for name in header.split(",") if name.strip()]
        # Listed in the order applied: undone last one first.
        self.steps = [_step(name) for name in reversed(names) if name in _STEPS]

    def feed(self, data: bytes, room: int, final: bool = False) -> bytes:
        """Decode *data*; raises _TooLarge past *room* bytes, _BadEncoding if corrupt."""
        for step in self.steps:
            data = step(data, room, final)
        if len(data) > room:
            raise _TooLarge
        return data


class _BadEncoding(Exception):
    pass


def _step(name: str) -> Callable[[bytes, int, bool], bytes]:
    return _STEPS[name]()


class _Zlib:
    """One gzip or deflate step (deflate may come with or without its zlib header)."""

    def __init__(self, wbits: int, fallback: int | None = None) -> None:
        self.obj = zlib.decompressobj(wbits)
        self.fallback = fallback
        self.started = False

    def __call__(self, data: bytes, room: int, final: bool) -> bytes:
        try:
            out = self.obj.decompress(data, room + 1) if data else b""
            if final and not self.obj.unconsumed_tail:
                out += self.obj.flush()
        except zlib.error:
            if self.fallback is None or self.started:
                raise _BadEncoding from None
            self.obj, self.fallback = zlib.decompressobj(self.fallback), None
            return self(data, room, final)
        self.started = self.started or bool(data)
        if len(out) > room or self.obj.unconsumed_tail:
            raise _TooLarge
        return out


def _brotli_step() -> Callable[[bytes, int, bool], bytes]:
    import brotli  # type: ignore[import-untyped]

    decompressor = brotli.Decompressor()

    def step(data: bytes, room: int, final: bool) -> bytes:
        if not data:
            return b""
        try:
            out: bytes = decompressor.process(data, output_buffer_limit=room + 1)
        except brotli.error:
            raise _BadEncoding from None
        if len(out) > room or not decompressor.can_accept_more_data():
            raise _TooLarge
        return out

    return step


def _identity_step() -> Callable[[bytes, int, bool], bytes]:
    return lambda data, room, final: data


_STEPS: dict[str, Callable[[], Callable[[bytes, int, bool], bytes]]] = {
    "gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "deflate": lambda: _Zlib(zlib.MAX_WBITS, -zlib.MAX_WBITS),
    "br": _brotli_step,
    "identity": _identity_step,
}


async def _drain(response: httpx.Response, limit: int = 65_536) -> None:
    """Read a short body to its end, so the connection goes back to the pool.

    httpx closes a connection whose response was not read to the end; without
    this every 304 would cost a new TCP (and TLS) connection. A long error
    page is left unread: closing is cheaper than downloading it.
    """
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > limit:
            return


def _read_file(url: str, max_bytes: int) -> FetchResult:
    path = Path(unquote(urlsplit(url).path))
    try:
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        return _error(url, f"cannot read {path}: {exc.strerror or exc}")
    if len(body) > max_bytes:
        return _error(url, f"file larger than {_size(max_bytes)}: cut off")
    return FetchResult(url, "ok", body=body)


def _error(url: str, reason: str) -> FetchResult:
    return FetchResult(url, "error", error=reason)


def _connect_reason(exc: Exception) -> str:
    if _caused_by(exc, ConnectionRefusedError):  # anyio says "All connection attempts failed"
        return "connection refused"
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service" in lowered or "nodename" in lowered or "resolution" in lowered:
        return "host not found"
    if "ssl" in lowered or "certificate" in lowered:
        return f"TLS error: {text[:120]}"
    return f"cannot connect: {text[:120]}" if text else "cannot connect"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when *kind* is anywhere in the chain of causes of *exc*."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


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


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} KB"


def monotonic() -> float:
    """Seconds on a monotonic clock (for run summaries)."""
    return time.monotonic()
