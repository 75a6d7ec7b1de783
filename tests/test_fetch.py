"""Fetching against a real HTTP server on 127.0.0.1: validators, limits, politeness."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import gzip
import random
import shutil
import socket
import ssl
import subprocess
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

import digest.http
from digest.fetch import (
    DEFAULT_USER_AGENT,
    BodyError,
    EncodedResult,
    FetchLimits,
    FetchRequest,
    decode_body,
    encoded_cap,
    fetch_all,
    fetch_each,
)
from digest.models import FetchResult
from tests.conftest import FeedServer, Route, free_port
from tests.feeds import FakeItem, rss

FEED = rss(FakeItem("A story", "https://news.example.org/a")).encode()


def feed_request(url: str, *validators: str | None, **fields: Any) -> FetchRequest:
    """A request for a configured feed: its address may be on 127.0.0.1."""
    return FetchRequest(url, *validators, configured=True, **fields)


def fetch(url: str, **limits: object) -> FetchResult:
    """One fetch of a configured feed with the given limits."""
    return fetch_all([feed_request(url)], FetchLimits(**limits))[0]  # type: ignore[arg-type]


# --- helpers for special server behaviour ------------------------------------------------


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Send one complete response from a route handler."""
    handler.send_response(status)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Concurrency:
    """Counts requests in flight on the server side."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.delay)
        with self.lock:
            self.now -= 1
        reply(handler, 200, FEED, {"Content-Type": "application/rss+xml"})


# --- conditional GET, headers, encodings -------------------------------------------------


def test_conditional_get_sends_validators_and_handles_304(http_server: FeedServer) -> None:
    url = http_server.serve("/feed.xml", FEED)
    first = fetch(url)
    assert first.status == "ok" and first.body == FEED
    assert first.etag and first.last_modified
    again = fetch_all([feed_request(url, first.etag, first.last_modified)], FetchLimits())[0]
    assert again.status == "not_modified" and again.body == b""
    sent = http_server.hits("/feed.xml")[-1].headers
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == first.last_modified


def test_user_agent_names_the_project(http_server: FeedServer) -> None:
    url = http_server.serve("/feed.xml", FEED)
    fetch(url)
    fetch(url, user_agent="my-reader/1.0")
    first, second = http_server.hits("/feed.xml")
    assert first.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("digest/")
    assert second.headers["User-Agent"] == "my-reader/1.0"


def test_gzip_is_asked_for_and_decoded(http_server: FeedServer) -> None:
    url = http_server.serve("/feed.xml", gzip.compress(FEED), headers={"Content-Encoding": "gzip"})
    result = fetch(url)
    assert result.status == "ok" and result.body == FEED
    accepted = http_server.hits("/feed.xml")[0].headers["Accept-Encoding"]
    assert "gzip" in accepted and "deflate" in accepted


def test_304s_reuse_one_keep_alive_connection(http_server: FeedServer) -> None:
    ports: set[int] = set()

    def not_modified(handler: BaseHTTPRequestHandler) -> None:
        ports.add(handler.client_address[1])
        reply(handler, 304, headers={"ETag": '"x"'})

    http_server.routes["/feed.xml"] = Route(handler=not_modified)
    requests = [feed_request(http_server.url("/feed.xml"), '"x"') for _ in range(20)]
    results = fetch_all(requests, FetchLimits(concurrency=1, per_host=1))
    assert {r.status for r in results} == {"not_modified"}
    assert len(ports) == 1  # an unread 304 would have cost a new connection each time


# --- limits --------------------------------------------------------------------------------


def test_per_host_limit_is_respected(http_server: FeedServer) -> None:
    counter = Concurrency(0.15)
    http_server.routes["/slow.xml"] = Route(handler=counter)
    requests = [feed_request(http_server.url(f"/slow.xml?{n}")) for n in range(8)]
    results = fetch_all(requests, FetchLimits(concurrency=8, per_host=2))
    assert all(r.status == "ok" for r in results)
    assert counter.most == 2


def test_global_limit_is_respected(http_server: FeedServer) -> None:
    counter = Concurrency(0.15)
    http_server.routes["/slow.xml"] = Route(handler=counter)
    requests = [feed_request(http_server.url(f"/slow.xml?{n}")) for n in range(8)]
    fetch_all(requests, FetchLimits(concurrency=3, per_host=8))
    assert counter.most == 3


def test_a_slow_server_times_out_with_a_plain_message(http_server: FeedServer) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(40):  # a byte every 0.1 s: never idle long, never done
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    http_server.routes["/drip.xml"] = Route(handler=drip)
    started = time.monotonic()
    result = fetch(http_server.url("/drip.xml"), timeout=1)
    assert result.status == "error"
    assert result.error == "timed out after 1 s"
    assert time.monotonic() - started < 3


def test_size_cap_cuts_off_a_large_body(http_server: FeedServer) -> None:
    url = http_server.serve("/big.xml", b"x" * 50_000)
    result = fetch(url, max_bytes=10_000)
    assert result.status == "error"
    assert result.error == "response larger than 10 KB: cut off"


def test_size_cap_counts_decoded_bytes_of_a_gzip_bomb(http_server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    url = http_server.serve("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    result = fetch(url, max_bytes=100_000)
    assert result.status == "error"
    assert result.error == "response larger than 100 KB: cut off"


@pytest.mark.parametrize("encoding", ["gzip, gzip", "br", "deflate"])
def test_size_cap_holds_inside_one_network_chunk(http_server: FeedServer, encoding: str) -> None:
    """A few kB that decode to 200 MB: cut off at the cap, never decoded whole."""
    import brotli  # type: ignore[import-untyped]

    plain = b"\0" * 200_000_000
    if encoding == "br":
        bomb = brotli.compress(plain, quality=5)
    elif encoding == "deflate":
        bomb = zlib.compress(plain, 9)
    else:
        bomb = gzip.compress(gzip.compress(plain, 9), 9)
    assert len(bomb) < 300_000
    url = http_server.serve("/bomb.xml", bomb, headers={"Content-Encoding": encoding})
    result = fetch(url, max_bytes=1_000_000)
    assert result.error == "response larger than 1 MB: cut off"


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "deflate-raw", "gzip, br"])
def test_every_encoding_decodes_to_the_same_bytes(http_server: FeedServer, encoding: str) -> None:
    import brotli

    body = FEED * 50
    encoded = {
        "gzip": lambda: gzip.compress(body),
        "br": lambda: brotli.compress(body),
        "deflate": lambda: zlib.compress(body),
        "deflate-raw": lambda: zlib.compress(body)[2:-4],
        "gzip, br": lambda: brotli.compress(gzip.compress(body)),
    }[encoding]()
    header = "deflate" if encoding == "deflate-raw" else encoding
    url = http_server.serve("/enc.xml", encoded, headers={"Content-Encoding": header})
    result = fetch(url)
    assert result.status == "ok" and result.body == body


def test_corrupt_compression_is_reported(http_server: FeedServer) -> None:
    url = http_server.serve("/bad.xml", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    assert fetch(url).error == "the response could not be decompressed"


def test_redirect_cap(http_server: FeedServer) -> None:
    def loop(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, 302, headers={"Location": "/loop.xml"})

    http_server.routes["/loop.xml"] = Route(handler=loop)
    result = fetch(http_server.url("/loop.xml"), max_redirects=3)
    assert result.status == "error"
    assert result.error == "too many redirects (more than 3)"


# --- politeness: Retry-After, gone, moved --------------------------------------------------


def test_retry_after_seconds_on_429(http_server: FeedServer) -> None:
    url = http_server.serve(
        "/busy.xml", b"slow down", status=429, headers={"Retry-After": "120"}, etag=False
    )
    result = fetch(url)
    assert result.status == "error" and result.error == "HTTP 429 Too Many Requests"
    assert result.retry_after == 120


def test_retry_after_http_date_on_503(http_server: FeedServer) -> None:
    when = email.utils.formatdate(time.time() + 600, usegmt=True)
    url = http_server.serve("/down.xml", b"", status=503, headers={"Retry-After": when}, etag=False)
    result = fetch(url)
    assert result.retry_after is not None and 590 <= result.retry_after <= 600


def test_retry_after_is_ignored_on_other_errors(http_server: FeedServer) -> None:
    url = http_server.serve("/nope.xml", b"", status=500, headers={"Retry-After": "60"}, etag=False)
    assert fetch(url).retry_after is None


def test_410_gone_says_the_feed_will_not_be_fetched_again(http_server: FeedServer) -> None:
    url = http_server.serve("/gone.xml", b"", status=410, etag=False)
    result = fetch(url)
    assert result.gone
    assert result.error == ("HTTP 410 Gone: the feed was removed, it will not be fetched again")


@pytest.mark.parametrize(("status", "permanent"), [(301, True), (308, True), (302, False)])
def test_permanent_redirects_report_the_new_url(
    http_server: FeedServer, status: int, permanent: bool
) -> None:
    target = http_server.serve("/new.xml", FEED)

    def moved(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, status, headers={"Location": target})

    http_server.routes["/old.xml"] = Route(handler=moved)
    result = fetch(http_server.url("/old.xml"))
    assert result.status == "ok" and result.body == FEED
    assert result.new_url == (target if permanent else None)


def test_connection_refused_and_local_files(tmp_path: Path) -> None:
    refused = fetch(f"http://127.0.0.1:{free_port()}/feed.xml", timeout=5)
    assert refused.error == "connection refused"
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    assert fetch(path.as_uri()).body == FEED
    assert fetch((tmp_path / "missing.xml").as_uri()).error.startswith("cannot read")


# --- fetch_each: results handled as they arrive, a bounded number held --------------------


def test_fetch_each_hands_over_results_as_they_arrive_within_the_window(
    http_server: FeedServer,
) -> None:
    url = http_server.serve("/feed.xml", FEED)
    held = 0
    most = 0

    async def handle(index: int, result: FetchResult) -> tuple[int, int]:
        nonlocal held, most
        held += 1
        most = max(most, held)
        await asyncio.sleep(0.02)  # a parse in a worker process, say
        held -= 1
        return index, len(result.body)

    requests = [feed_request(f"{url}?{n}") for n in range(30)]
    out = fetch_each(requests, FetchLimits(concurrency=16, per_host=16), handle, window=4)
    assert out == [(n, len(FEED)) for n in range(30)]
    assert most == 4


# --- the HTTP/1.1 client itself: framing, keep-alive, redirects, TLS ------------------------


class Scripted:
    """A raw TCP server on 127.0.0.1: each request gets the next scripted reply, as bytes.

    A reply of ``None`` closes the connection without answering. Records each request's
    head and the number of the connection it came on.
    """

    def __init__(self, replies: list[bytes | None], tls: ssl.SSLContext | None = None) -> None:
        self.replies = list(replies)
        self.heads: list[tuple[int, bytes]] = []
        self.tls = tls
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.drop: set[int] = set()  # connections closed, unanswered, at their next request
        self.linger = 0.0  # seconds a connection stays open after a reply that ends it
        self.wasted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/feed.xml", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                if number in self.drop:  # a kept-alive connection the server let go
                    self.drop.discard(number)
                    return
                self.heads.append((number, head))
                reply = self.replies.pop(0) if self.replies else None
                if reply is None:
                    return
                conn.sendall(reply)
                head = reply.split(b"\r\n\r\n")[0]
                if b"Connection: close" in head or head.startswith(b"HTTP/1.0"):
                    time.sleep(self.linger)  # as a busy server may: the close comes later
                    conn.setblocking(False)
                    with contextlib.suppress(BlockingIOError):
                        if conn.recv(65536):
                            self.wasted += 1  # a request sent on a connection told to close
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.sock.close()


def ok(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode() + body


def test_chunked_bodies_are_joined_and_the_connection_kept() -> None:
    server = Scripted(
        [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;name=value\r\n<rss \r\n3\r\nok>\r\n0\r\nX-Trailer: 1\r\n\r\n",
            ok(b"second"),
        ]
    )
    results = fetch_all(
        [feed_request(server.url()), feed_request(server.url("/b"))],
        FetchLimits(concurrency=1, per_host=1),
    )
    assert [r.body for r in results] == [b"<rss ok>", b"second"]
    assert server.connections == 1
    server.close()


def test_a_body_delimited_by_closing_the_connection_is_read_to_the_end() -> None:
    server = Scripted([b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<rss>all of it</rss>"])
    result = fetch(server.url())
    assert result.status == "ok" and result.body == b"<rss>all of it</rss>"
    server.close()


def test_a_kept_alive_connection_the_server_dropped_is_replaced() -> None:
    server = Scripted([ok(b"one"), None, ok(b"two")])
    results = fetch_all(
        [feed_request(server.url("/a")), feed_request(server.url("/b"))],
        FetchLimits(concurrency=1, per_host=1),
    )
    assert [r.body for r in results] == [b"one", b"two"]
    assert [number for number, _ in server.heads] == [1, 1, 2]
    server.close()


def test_a_304_that_ends_its_connection_is_not_kept_alive() -> None:
    """An HTTP/1.0 server (python -m http.server) closes after every 304: reusing those
    connections made healthy feeds fail with "closed the connection without answering"."""
    not_modified = b"HTTP/1.0 304 Not Modified\r\nServer: SimpleHTTP/0.6\r\n\r\n"
    closing = b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n"
    server = Scripted([not_modified, closing] * 6)
    server.linger = 0.3
    requests = [feed_request(server.url(f"/{n}.xml"), etag='"x"') for n in range(12)]
    results = fetch_all(requests, FetchLimits(concurrency=4, per_host=4))
    assert [r.status for r in results] == ["not_modified"] * 12
    assert server.wasted == 0  # no request sent on a connection the 304 ended
    server.close()


def test_a_retry_after_a_stale_connection_opens_a_new_one() -> None:
    """Two kept-alive connections the server dropped: the retry must not take the other."""
    server = Scripted([ok(b"a"), ok(b"b"), ok(b"c"), ok(b"d")])
    limits = FetchLimits(concurrency=2, per_host=2)

    async def run() -> list[bytes]:
        from digest.fetch import fetch_one
        from digest.http import Client

        async with Client(limits) as client:
            first = [feed_request(server.url(f"/{n}")) for n in "ab"]
            await asyncio.gather(*(fetch_one(client, r, limits) for r in first))  # two kept
            assert server.connections == 2
            server.drop = {1, 2}  # the server let both idle connections go
            second = [
                await fetch_one(client, feed_request(server.url(f"/{n}")), limits) for n in "cd"
            ]
            return [r.body for r in second]

    assert asyncio.run(run()) == [b"c", b"d"]
    assert server.connections == 3  # one stale try, then one new connection for both
    server.close()


def test_informational_responses_are_skipped() -> None:
    server = Scripted([b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"feed")])
    assert fetch(server.url()).body == b"feed"
    server.close()


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",  # then the connection closes
        b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxxx\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 200 + b"\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"",  # accepted, then closed without a word
    ],
)
def test_broken_http_is_a_network_error(reply: bytes) -> None:
    server = Scripted([reply + b"" if reply else None])
    if reply.startswith(b"HTTP/1.1 200 OK\r\nContent-Length: 100"):
        server.replies = [reply.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")]
    result = fetch(server.url(), timeout=5)
    assert result.status == "error"
    assert result.error and result.error.startswith("network error: "), result.error
    server.close()


def test_validators_cannot_inject_headers() -> None:
    server = Scripted([ok(b"x")])
    result = fetch_all(
        [feed_request(server.url(), etag='"a"\r\nX-Injected: 1')], FetchLimits(timeout=5)
    )[0]
    assert result.status == "error" and result.error and "network error" in result.error
    assert not any(b"X-Injected" in head for _, head in server.heads)
    server.close()


def test_credentials_in_the_url_go_to_that_origin_only() -> None:
    other = Scripted([ok(b"elsewhere")])
    server = Scripted(
        [
            b"HTTP/1.1 302 Found\r\nLocation: /next.xml\r\nContent-Length: 0\r\n\r\n",
            f"HTTP/1.1 301 Moved\r\nLocation: {other.url()}\r\nContent-Length: 0\r\n\r\n".encode(),
        ]
    )
    url = server.url().replace("://", "://me:p%40ss@")
    result = fetch(url, allow_private=("127.0.0.0/8",))  # the other origin is on 127.0.0.1 too
    assert result.status == "ok" and result.body == b"elsewhere"
    token = base64.b64encode(b"me:p@ss")
    assert [head.count(b"Authorization: Basic " + token) for _, head in server.heads] == [1, 1]
    assert b"/next.xml HTTP/1.1" in server.heads[1][1]
    assert b"Authorization" not in other.heads[0][1]
    assert result.new_url is None  # a 302 on the way: not a permanent move
    server.close()
    other.close()


def test_request_line_host_and_path_are_well_formed() -> None:
    server = Scripted([ok(b"x")])
    fetch(server.url("/a feed/é.xml?q=a b#part"))
    [(_, head)] = server.heads
    lines = head.split(b"\r\n")
    assert lines[0] == b"GET /a%20feed/%C3%A9.xml?q=a%20b HTTP/1.1"
    assert lines[1] == f"Host: 127.0.0.1:{server.port}".encode()
    server.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_certificates_are_checked(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    server = Scripted([ok(b"secret feed"), ok(b"secret feed")], tls=served)
    refused = fetch(server.url(scheme="https"), timeout=5)
    assert refused.status == "error" and refused.error, refused
    assert refused.error.startswith("TLS error: ") and "certificate" in refused.error

    real = digest.http.ssl_context

    def trusting() -> ssl.SSLContext:
        context = real()
        context.load_verify_locations(cert)
        return context

    monkeypatch.setattr(digest.http, "ssl_context", trusting)
    trusted = fetch(server.url(scheme="https"), timeout=5)
    assert trusted.status == "ok" and trusted.body == b"secret feed"
    server.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/feed.xml", "unsupported URL scheme 'ftp'"),
        ("http://exa mple.org/feed.xml", "invalid host name"),
        ("http://127.0.0.1:99999/feed.xml", "invalid URL"),
        ("http:///feed.xml", "no host in the URL"),
    ],
)
def test_urls_that_cannot_be_requested_are_network_errors(url: str, reason: str) -> None:
    result = fetch(url, timeout=5)
    assert result.status == "error" and result.error and reason in result.error, result.error


# --- bodies handed over still encoded (the pipeline decodes them in its parse workers) ------


def fetch_encoded(url: str, **limits: object) -> FetchResult:
    async def keep(_index: int, result: FetchResult) -> FetchResult:
        return result

    return fetch_each([feed_request(url)], FetchLimits(**limits), keep, decode=False)[0]  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "deflate-raw", "gzip, br", ""])
def test_an_encoded_body_decodes_to_what_fetch_decodes(
    http_server: FeedServer, encoding: str
) -> None:
    import brotli

    body = FEED * 50
    encoded = {
        "gzip": lambda: gzip.compress(body),
        "br": lambda: brotli.compress(body),
        "deflate": lambda: zlib.compress(body),
        "deflate-raw": lambda: zlib.compress(body)[2:-4],
        "gzip, br": lambda: brotli.compress(gzip.compress(body)),
        "": lambda: body,
    }[encoding]()
    header = "deflate" if encoding == "deflate-raw" else encoding
    headers = {"Content-Encoding": header} if header else {}
    url = http_server.serve("/enc.xml", encoded, headers=headers)
    raw = fetch_encoded(url)
    assert raw.status == "ok"
    if not encoding:  # nothing to undo: a plain result
        assert not isinstance(raw, EncodedResult) and raw.body == body
        return
    assert isinstance(raw, EncodedResult) and raw.body == encoded
    assert raw.content_encoding == header
    assert decode_body(raw.body, raw.content_encoding, 10_000_000) == fetch(url).body == body


@pytest.mark.parametrize("encoding", ["gzip, gzip", "br", "deflate"])
def test_an_encoded_bomb_is_cut_off_where_fetch_cuts_it(
    http_server: FeedServer, encoding: str
) -> None:
    import brotli

    plain = b"\0" * 200_000_000
    bomb = {
        "br": lambda: brotli.compress(plain, quality=5),
        "deflate": lambda: zlib.compress(plain, 9),
        "gzip, gzip": lambda: gzip.compress(gzip.compress(plain, 9), 9),
    }[encoding]()
    url = http_server.serve("/bomb.xml", bomb, headers={"Content-Encoding": encoding})
    raw = fetch_encoded(url, max_bytes=1_000_000)
    assert isinstance(raw, EncodedResult) and len(raw.body) == len(bomb)
    with pytest.raises(BodyError) as caught:
        decode_body(raw.body, raw.content_encoding, 1_000_000)
    assert caught.value.message == fetch(url, max_bytes=1_000_000).error
    assert caught.value.message == "response larger than 1 MB: cut off"


def test_an_encoded_body_too_large_to_decode_within_the_cap_is_not_kept(
    http_server: FeedServer,
) -> None:
    noise = random.Random(7).randbytes(300_000)  # incompressible: gzip makes it larger
    url = http_server.serve(
        "/noise.xml", gzip.compress(noise), headers={"Content-Encoding": "gzip"}
    )
    assert encoded_cap(200_000) < len(gzip.compress(noise))
    raw = fetch_encoded(url, max_bytes=200_000)
    assert raw.status == "error" and raw.error == "response larger than 200 KB: cut off"
    assert fetch(url, max_bytes=200_000).error == raw.error
    within = fetch_encoded(url, max_bytes=300_000)  # decoded, it fits exactly
    assert isinstance(within, EncodedResult)
    assert decode_body(within.body, "gzip", 300_000) == noise


def test_a_corrupt_encoded_body_says_so_as_fetch_does(http_server: FeedServer) -> None:
    url = http_server.serve("/bad.xml", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    raw = fetch_encoded(url)
    with pytest.raises(BodyError) as caught:
        decode_body(raw.body, "gzip", 1_000_000)
    assert caught.value.message == fetch(url).error == "the response could not be decompressed"


def test_a_location_in_utf_8_is_followed_as_percent_encoded_utf_8() -> None:
    server = Scripted(
        [
            b"HTTP/1.1 302 Found\r\nLocation: /caf\xc3\xa9.xml\r\nContent-Length: 0\r\n\r\n",
            ok(b"coffee"),
        ]
    )
    assert fetch(server.url()).body == b"coffee"
    assert server.heads[1][1].startswith(b"GET /caf%C3%A9.xml HTTP/1.1\r\n")
    server.close()


def test_validators_go_back_as_they_came() -> None:
    etag = '"caf\u00e9-1"'
    server = Scripted(
        [
            b'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nETag: "caf\xc3\xa9-1"\r\n\r\nx',
            b"HTTP/1.1 304 Not Modified\r\n\r\n",
        ]
    )
    first = fetch(server.url())
    assert first.etag == etag
    again = fetch_all([feed_request(server.url(), first.etag)], FetchLimits())[0]
    assert again.status == "not_modified"
    assert b'If-None-Match: "caf\xc3\xa9-1"' in server.heads[1][1].split(b"\r\n")
    server.close()


def test_cookies_set_on_a_redirect_are_sent_back_as_httpx_did() -> None:
    server = Scripted(
        [
            b"HTTP/1.1 302 Found\r\n"
            b"Set-Cookie: seen=1; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT\r\n"
            b"Set-Cookie: lang=en; Path=/\r\nLocation: /feed.xml?checked\r\nContent-Length: 0\r\n"
            b"\r\n",
            ok(b"the feed"),
        ]
    )
    assert fetch(server.url()).body == b"the feed"
    first, second = (head.split(b"\r\n") for _, head in server.heads)
    assert not any(line.startswith(b"Cookie") for line in first)
    [cookie] = [line for line in second if line.startswith(b"Cookie:")]
    assert sorted(cookie.removeprefix(b"Cookie: ").split(b"; ")) == [b"lang=en", b"seen=1"]
    server.close()


# --- private addresses: what a feed points at is checked, what the user configured is not ---

LOOPBACK = ("127.0.0.0/8", "::1/128")


def test_an_address_that_was_not_configured_is_refused_on_loopback() -> None:
    server = Scripted([ok(b"internal")])
    result = fetch_all([FetchRequest(server.url())], FetchLimits(timeout=5))[0]
    assert result.status == "error" and result.body == b""
    assert result.error == (
        "refused: 127.0.0.1 is a private address (loopback); fetch.allow_private opens it"
    )
    assert server.connections == 0  # refused before connecting
    opened = fetch_all([FetchRequest(server.url())], FetchLimits(allow_private=LOOPBACK))[0]
    assert opened.status == "ok" and opened.body == b"internal"
    server.close()


def test_a_link_in_a_feed_cannot_read_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_bytes(b"internal")
    refused = fetch_all([FetchRequest(path.as_uri())], FetchLimits())[0]
    assert refused.status == "error" and refused.body == b""
    assert refused.error == "refused: a local file (only config.yaml names those)"


@pytest.mark.parametrize("elsewhere", ["localhost", "2130706433", "other port"])
def test_a_configured_feed_redirected_to_another_loopback_origin_is_refused(
    elsewhere: str,
) -> None:
    inside = Scripted([ok(b"internal")])
    host = "127.0.0.1" if elsewhere == "other port" else elsewhere
    target = f"http://{host}:{inside.port}/admin"
    redirect = f"HTTP/1.1 301 Moved\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode()
    feed = Scripted([redirect, redirect])
    result = fetch(feed.url(), timeout=5)
    assert result.status == "error" and result.new_url is None  # no move to remember
    assert result.error and result.error.startswith(f"refused: {host} is a private address")
    assert inside.connections == 0
    opened = fetch(feed.url(), timeout=5, allow_private=LOOPBACK)
    assert opened.body == b"internal" and opened.new_url == target
    feed.close()
    inside.close()


def test_a_kept_alive_connection_to_a_configured_feed_is_not_lent_to_a_link() -> None:
    """The feed on 127.0.0.1 is allowed; a link to the same server is not, pooled or not."""
    server = Scripted([ok(b"the feed"), ok(b"internal")])
    requests = [feed_request(server.url("/feed.xml")), FetchRequest(server.url("/admin"))]
    feed, link = fetch_all(requests, FetchLimits(concurrency=1, per_host=1))
    assert feed.body == b"the feed"
    assert link.status == "error" and link.error and link.error.startswith("refused: 127.0.0.1")
    assert [head.split(b" ")[1] for _, head in server.heads] == [b"/feed.xml"]
    server.close()


def test_links_allowed_by_allow_private_share_kept_alive_connections_and_the_per_host_limit(
    http_server: FeedServer,
) -> None:
    ports: set[int] = set()
    counter = Concurrency(0.1)

    def page(handler: BaseHTTPRequestHandler) -> None:
        ports.add(handler.client_address[1])
        counter(handler)

    http_server.routes["/page.html"] = Route(handler=page)
    pages = [FetchRequest(http_server.url(f"/page.html?{n}")) for n in range(6)]
    one = fetch_all(pages, FetchLimits(concurrency=1, per_host=1, allow_private=LOOPBACK))
    assert {r.status for r in one} == {"ok"} and len(ports) == 1
    fetch_all(pages, FetchLimits(concurrency=6, per_host=2, allow_private=LOOPBACK))
    assert counter.most == 2


def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    """DNS rebinding: the host is resolved once, by the client's resolver, and the address
    it gave is connected to. rebind.invalid cannot be resolved by the system: that it is
    reached at all shows no second lookup was made."""
    server = Scripted([ok(b"checked")])
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    async def one(limits: FetchLimits) -> FetchResult:
        from digest.fetch import fetch_one
        from digest.http import Client

        url = f"http://rebind.invalid:{server.port}/feed.xml"
        async with Client(limits, resolver) as client:
            return await fetch_one(client, FetchRequest(url), limits)

    refused = asyncio.run(one(FetchLimits(timeout=5)))
    assert refused.error == (
        "refused: rebind.invalid is a private address (loopback, 127.0.0.1);"
        " fetch.allow_private opens it"
    )
    assert server.connections == 0
    reached = asyncio.run(one(FetchLimits(timeout=5, allow_private=LOOPBACK)))
    assert reached.body == b"checked"
    assert asked == ["rebind.invalid", "rebind.invalid"]  # once per connection
    [(_, head)] = server.heads
    assert f"Host: rebind.invalid:{server.port}".encode() in head.split(b"\r\n")
    server.close()


# --- through the pipeline: a full_text feed on 127.0.0.1 linking to internal pages ----------

SECRET = "Internal wiki: the staging database password is hunter2"


def internal_page() -> bytes:
    paragraphs = "".join(
        f"<p>{SECRET}. Paragraph {n} of the internal page, long enough to be an article's"
        " text and not its chrome, as an extractor would judge it.</p>"
        for n in range(6)
    )
    return (
        "<!doctype html><html><head><title>Internal</title></head><body><article>"
        f"<h1>Internal</h1>{paragraphs}</article></body></html>"
    ).encode()


class IPv6Page:
    """The internal page served on [::1], where this machine has IPv6 loopback."""

    def __init__(self) -> None:
        from http.server import ThreadingHTTPServer

        body = internal_page()
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                paths.append(self.path)
                reply(self, 200, body, {"Content-Type": "text/html; charset=utf-8"})

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6

        self.httpd = Server(("::1", 0), Handler)  # OSError without IPv6 loopback
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


SPELLINGS = ("2130706433", "0x7f000001", "0177.0.0.1", "127.1", "localhost", "127.0.0.1", "[::1]")
TOPICS = ("harbour", "orchestra", "tramway", "library", "glacier", "vineyard", "lighthouse")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_full_text_link_to_loopback_keeps_its_teaser_and_the_page_is_never_mailed(
    tmp_path: Path, http_server: FeedServer, spelling: str
) -> None:
    import json

    from tests.conftest import run_cli, write_config

    port = http_server.port
    ipv6 = None
    if spelling == "[::1]":
        try:
            ipv6 = IPv6Page()
        except OSError as exc:
            pytest.skip(f"this machine cannot listen on [::1]: {exc}")
        port = ipv6.port
    http_server.serve("/internal.html", internal_page(), content_type="text/html")
    topic = TOPICS[SPELLINGS.index(spelling)]
    link = f"http://{spelling}:{port}/internal.html?{topic}"
    teaser = f"<p>The {topic} story in the feed's own short words.</p>"
    feed = http_server.serve("/feed.xml", rss(FakeItem(f"News of the {topic}", link, body=teaser)))
    write_config(tmp_path, [{"url": feed, "name": "Teasers", "full_text": True}])
    try:
        result = run_cli("preview", "--json", "-", cwd=tmp_path)
        assert result.code == 0, result.err
        [story] = [s for section in json.loads(result.out)["sections"] for s in section["items"]]
        assert story["blurb"] == f"The {topic} story in the feed's own short words."
        assert SECRET not in result.out
        host = spelling.strip("[]")
        assert f"refused: {host} is a private address (loopback" in result.err  # named
        assert http_server.hits("/internal.html") == [] and (ipv6 is None or ipv6.paths == [])
        # Opened by fetch.allow_private, the page is read: this is what was refused.
        write_config(
            tmp_path,
            [{"url": feed, "name": "Teasers", "full_text": True}],
            fetch={"allow_private": list(LOOPBACK)},
            database="opened.sqlite3",
        )
        opened = run_cli("preview", "--json", "-", cwd=tmp_path)
        assert opened.code == 0, opened.err
        assert SECRET in opened.out and "refused" not in opened.err
    finally:
        if ipv6 is not None:
            ipv6.close()


@pytest.mark.parametrize("elsewhere", ["localhost", "0x7f000001"])
def test_a_feed_moved_to_another_loopback_origin_is_refused_and_not_remembered(
    tmp_path: Path, http_server: FeedServer, elsewhere: str
) -> None:
    from tests.conftest import run_cli, write_config

    new = http_server.serve("/new.xml", rss(FakeItem("Festival opens", "https://a.example/1")))
    target = new.replace("127.0.0.1", elsewhere)

    def moved(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, 301, headers={"Location": target})

    http_server.routes["/old.xml"] = Route(handler=moved)
    write_config(tmp_path, [{"url": http_server.url("/old.xml"), "name": "Arts"}])
    refused = run_cli("fetch", cwd=tmp_path)
    assert refused.code == 0 and "0 ok, 1 failed" in refused.out
    assert f"feed Arts ({http_server.url('/old.xml')}): refused: {elsewhere} is a private" in (
        refused.err
    )
    assert http_server.hits("/new.xml") == []
    assert "moved to" not in run_cli("feeds", cwd=tmp_path).out


def test_a_remembered_move_now_refused_falls_back_to_the_configured_address(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """A move remembered before this check (or to a name that now resolves to loopback)
    is refused once, named, and forgotten: the next fetch asks the configured address."""
    from digest.models import FeedState
    from digest.store import SQLiteStore
    from tests.conftest import run_cli, write_config

    feed = http_server.serve("/feed.xml", rss(FakeItem("Festival opens", "https://a.example/1")))
    http_server.serve("/internal.xml", rss(FakeItem("Internal", "https://a.example/2")))
    moved = f"http://localhost:{http_server.port}/internal.xml"
    write_config(tmp_path, [{"url": feed, "name": "Arts"}])
    store = SQLiteStore(tmp_path / "digest.sqlite3")
    store.save_feed(FeedState(url=feed, moved_to=moved))
    store.close()
    refused = run_cli("fetch", cwd=tmp_path)
    assert "refused: localhost is a private address (loopback, 127.0.0.1)" in refused.err
    assert f"at {moved}, where it had moved" in refused.err
    again = run_cli("fetch", cwd=tmp_path)
    assert again.code == 0 and "1 ok, 0 failed" in again.out, again.err
    assert http_server.hits("/internal.xml") == []


# --- proxies and IDN hosts ------------------------------------------------------------------


class Proxy:
    """A tiny HTTP proxy on 127.0.0.1: absolute-form GET and CONNECT, to 127.0.0.1 only.

    Records each request line it was sent (and the Proxy-Authorization, if any).
    """

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.auth: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
            head, rest = buffer.split(b"\r\n\r\n", 1)
            first, *headers = head.split(b"\r\n")
            self.lines.append(first)
            self.auth += [h for h in headers if h.lower().startswith(b"proxy-authorization:")]
            method, target, _ = first.split(b" ", 2)
            if method == b"CONNECT":
                host, port = target.rsplit(b":", 1)
                assert host == b"127.0.0.1"
                upstream = socket.create_connection(("127.0.0.1", int(port)))
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._relay(conn, upstream, rest)
                return
            scheme, _, address_path = target.partition(b"://")
            address, _, path = address_path.partition(b"/")
            host, port = address.rsplit(b":", 1)
            assert scheme == b"http" and host == b"127.0.0.1"
            upstream = socket.create_connection(("127.0.0.1", int(port)))
            kept = [h for h in headers if not h.lower().startswith((b"connection", b"proxy-"))]
            request = [b"GET /" + path + b" HTTP/1.1", *kept, b"Connection: close"]
            self._relay(conn, upstream, b"\r\n".join(request) + b"\r\n\r\n" + rest)

    @staticmethod
    def _relay(client: socket.socket, upstream: socket.socket, first: bytes) -> None:
        def pump(source: socket.socket, sink: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

        with upstream:
            upstream.sendall(first)
            back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
            back.start()
            pump(client, upstream)
            back.join(10)

    def close(self) -> None:
        self.sock.close()


def test_a_feed_is_fetched_through_the_configured_proxy() -> None:
    server = Scripted([ok(b"through the proxy")])
    proxy = Proxy()
    result = fetch(server.url(), timeout=5, proxy=proxy.url("me:p%40ss@"))
    assert result.status == "ok" and result.body == b"through the proxy"
    assert proxy.lines == [f"GET {server.url()} HTTP/1.1".encode()]  # absolute-form
    assert proxy.auth == [b"Proxy-Authorization: Basic " + base64.b64encode(b"me:p@ss")]
    server.close()
    proxy.close()


def test_the_proxy_from_the_environment_is_used_and_no_proxy_is_honoured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Scripted([ok(b"one"), ok(b"two")])
    proxy = Proxy()
    monkeypatch.setenv("HTTP_PROXY", proxy.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert fetch(server.url("/a.xml"), timeout=5).body == b"one"
    assert proxy.lines == [f"GET {server.url('/a.xml')} HTTP/1.1".encode()]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert fetch(server.url("/b.xml"), timeout=5).body == b"two"
    assert len(proxy.lines) == 1  # asked directly
    server.close()
    proxy.close()


def test_https_goes_through_the_proxy_by_connect(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    server = Scripted([ok(b"secret feed")], tls=served)
    proxy = Proxy()
    real = digest.http.ssl_context

    def trusting() -> ssl.SSLContext:
        context = real()
        context.load_verify_locations(cert)
        return context

    monkeypatch.setattr(digest.http, "ssl_context", trusting)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = fetch(server.url(scheme="https"), timeout=5)
    assert result.status == "ok" and result.body == b"secret feed"
    assert proxy.lines == [f"CONNECT 127.0.0.1:{server.port} HTTP/1.1".encode()]
    server.close()
    proxy.close()


def test_a_link_through_the_proxy_is_still_checked() -> None:
    """The proxy resolves and connects; the address is checked here before it is asked."""
    server = Scripted([ok(b"internal")])
    proxy = Proxy()
    refused = fetch_all([FetchRequest(server.url())], FetchLimits(timeout=5, proxy=proxy.url()))
    assert refused[0].error and refused[0].error.startswith("refused: 127.0.0.1 is a private")
    assert proxy.lines == [] and server.connections == 0
    limits = FetchLimits(timeout=5, proxy=proxy.url(), allow_private=LOOPBACK)
    assert fetch_all([FetchRequest(server.url())], limits)[0].body == b"internal"
    assert proxy.lines == [f"GET {server.url()} HTTP/1.1".encode()]
    server.close()
    proxy.close()


def test_a_feed_on_an_international_host_name_is_fetched() -> None:
    """bücher.example is asked for as xn--bcher-kva.example (the resolver seam maps it to
    127.0.0.1, the only address a test may touch)."""
    server = Scripted([ok(b"books")])
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    async def one() -> FetchResult:
        from digest.fetch import fetch_one
        from digest.http import Client

        limits = FetchLimits(timeout=5, allow_private=LOOPBACK)
        async with Client(limits, resolver) as client:
            url = f"http://bücher.example:{server.port}/feed.xml"
            return await fetch_one(client, FetchRequest(url), limits)

    result = asyncio.run(one())
    assert result.status == "ok" and result.body == b"books"
    assert asked == ["xn--bcher-kva.example"]
    [(_, head)] = server.heads
    assert f"Host: xn--bcher-kva.example:{server.port}".encode() in head.split(b"\r\n")
    server.close()


def test_configured_credentials_go_to_the_feeds_origin_only() -> None:
    """feeds[].username with a password from the environment or a file: Basic auth to the
    feed's own server, on its same-origin redirects, never to another origin."""
    from dataclasses import replace

    other = Scripted([ok(b"elsewhere")])
    server = Scripted(
        [
            b"HTTP/1.1 302 Found\r\nLocation: /next.xml\r\nContent-Length: 0\r\n\r\n",
            f"HTTP/1.1 301 Moved\r\nLocation: {other.url()}\r\nContent-Length: 0\r\n\r\n".encode(),
        ]
    )
    request = replace(feed_request(server.url()), credentials=("me", "p@ss:word"))
    limits = FetchLimits(allow_private=("127.0.0.0/8",))  # type: ignore[arg-type]
    result = fetch_all([request], limits)[0]
    assert result.status == "ok" and result.body == b"elsewhere"
    token = base64.b64encode(b"me:p@ss:word")
    assert [head.count(b"Authorization: Basic " + token) for _, head in server.heads] == [1, 1]
    assert b"Authorization" not in other.heads[0][1]
    assert "p@ss" not in (result.url + (result.new_url or ""))
    server.close()
    other.close()


def test_a_feed_password_from_the_environment_or_a_file_reads_a_private_feed(
    tmp_path: Path, http_server: FeedServer
) -> None:
    from tests.conftest import run_cli, write_config

    url = http_server.serve("/private.xml", rss(FakeItem("Members' news", "https://p.example/1")))
    feeds = [{"url": url, "username": "reader", "password_env": "DIGEST_TEST_FEED_PW"}]
    write_config(tmp_path, feeds)
    result = run_cli("fetch", cwd=tmp_path, env={"DIGEST_TEST_FEED_PW": "s3cret"})
    assert result.code == 0 and "1 new item" in result.out, result.err
    [request] = http_server.hits("/private.xml")
    assert (
        request.headers["Authorization"] == "Basic " + base64.b64encode(b"reader:s3cret").decode()
    )
    (tmp_path / "feed-password").write_text("fr0m-a-file\n", encoding="utf-8")
    feeds = [{"url": url, "username": "reader", "password_file": "feed-password"}]
    write_config(tmp_path, feeds, database="other.sqlite3")
    assert run_cli("fetch", cwd=tmp_path).code == 0
    latest = http_server.hits("/private.xml")[-1]
    assert (
        latest.headers["Authorization"]
        == "Basic " + base64.b64encode(b"reader:fr0m-a-file").decode()
    )
    both = [{"url": url, "password_env": "X"}]
    write_config(tmp_path, both)
    bad = run_cli("fetch", cwd=tmp_path)
    assert bad.code == 2 and "a password needs a username" in bad.err
