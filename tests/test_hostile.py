"""Hostile feeds and broken servers, through the real CLI and a real HTTP server.

Each failing feed must be reported with a reason a person understands, skipped, listed
by ``digest feeds`` and in the digest's footer, while the other feeds still make the
digest. Feeds that try to get code into the email, XML entity tricks, bad encodings,
decompression bombs, slow drips and endless bodies are all served by the test server.
"""

from __future__ import annotations

import base64
import functools
import itertools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from tests.conftest import (
    ROOT,
    FeedServer,
    Mailbox,
    SmtpServer,
    free_port,
    html_part,
    outbox_messages,
    run_cli,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss
from tests.test_sanitize import executable_problems

DATA = Path(__file__).resolve().parent / "data" / "hostile"
TIMEOUT = 3  # fetch.timeout for these tests, in seconds
MAX_BYTES = 1_000_000  # fetch.max_bytes for these tests
STARTUP = 6.0  # seconds a run may take beyond fetch.timeout (interpreter start, render, write)
PEAK_RSS_MB = 300  # a run of `digest send` needs about 75 MB; a bomb must not add hundreds


# --- running the CLI with its time and memory measured ---------------------------------------


@dataclass(frozen=True)
class Measured:
    """A finished ``python -m digest`` run: exit code, output, wall time and peak memory."""

    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


# The CLI runs under this small parent: a child forked straight from pytest would report
# pytest's own size (hundreds of MB late in a run) as its peak, since the kernel's high-water
# mark survives exec.
_MEASURE = """
import os, resource, signal, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
if code < 0:
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def run_measured(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> Measured:
    """Run the CLI as a real process; its peak RSS comes from getrusage in a small parent."""
    full_env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    full_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    peak = cwd / ".peak-rss"
    command = [sys.executable, "-c", _MEASURE, str(peak), sys.executable, "-m", "digest"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            [*command, *map(str, args)],
            cwd=cwd,
            env=full_env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        kilobytes = int(peak.read_text()) if peak.exists() else 0
        peak.unlink(missing_ok=True)
        return Measured(
            code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            kilobytes / 1024,
        )


# --- what the test server can do wrong ---------------------------------------------------------


Handler = Callable[[BaseHTTPRequestHandler], None]


def _headers(
    h: BaseHTTPRequestHandler, status: int = 200, headers: dict[str, str] | None = None
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/rss+xml; charset=utf-8")
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True


def drip_body(h: BaseHTTPRequestHandler) -> None:
    """Headers at once, then the body one byte per second (for at most a minute)."""
    _headers(h)
    try:
        for byte in itertools.islice(itertools.cycle(b"<rss version='2.0'><channel>"), 60):
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(1)
    except OSError:  # the client gave up, as it should
        pass


def drip_headers(h: BaseHTTPRequestHandler) -> None:
    """The status line, then a header one byte per second: the response never starts."""
    h.close_connection = True
    try:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(60):
            h.wfile.write(b"a")
            h.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


def endless_body(h: BaseHTTPRequestHandler, declared: str | None = None) -> None:
    """A feed that never ends: items as fast as the client reads (at most 1 GB or a minute)."""
    _headers(h, headers={"Content-Length": declared} if declared else None)
    chunk = b"<item><title>again</title><link>https://endless.example/</link></item>" * 900
    deadline = time.monotonic() + 60
    try:
        h.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel><title>Endless</title>")
        for _ in range(1_000_000_000 // len(chunk)):
            if time.monotonic() > deadline:
                break
            h.wfile.write(chunk)
    except OSError:
        pass


def redirect_loop(h: BaseHTTPRequestHandler) -> None:
    """/loop/a → /loop/b → /loop/a → …"""
    target = "/loop/b" if h.path.startswith("/loop/a") else "/loop/a"
    h.send_response(302)
    h.send_header("Location", target)
    h.send_header("Content-Length", "0")
    h.end_headers()


def _deflate(chunks: Any, wbits: int = 31) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(compressor.compress(c) for c in chunks) + compressor.flush()


def _zeros(megabytes: int) -> Any:
    block = b"\0" * (1 << 20)
    return (block for _ in range(megabytes))


@functools.cache
def gzip_bomb() -> bytes:
    """256 MB of zeros, gzip-compressed to about 260 kB."""
    return _deflate(_zeros(256))


@functools.cache
def double_gzip_bomb() -> bytes:
    """512 MB of zeros, gzipped twice (``Content-Encoding: gzip, gzip``): about 1 kB."""
    return _deflate([_deflate(_zeros(512))])


@functools.cache
def brotli_bomb() -> bytes:
    """512 MB of zeros, brotli-compressed to under 1 kB."""
    import brotli

    compressor = brotli.Compressor(quality=5)
    out = [compressor.process(block) for block in _zeros(512)]
    return b"".join(out) + compressor.finish()


# --- the scenario: one good feed and one hostile one -------------------------------------------

GOOD = rss(
    FakeItem(
        "Festival opens downtown",
        "https://good.example.org/festival",
        categories=["Culture"],
        body="<p>The summer festival opened on Friday. Thousands came to the square.</p>",
    ),
    FakeItem(
        "Council passes budget",
        "https://good.example.org/budget",
        categories=["News"],
        body="<p>The council passed the budget. The vote was close.</p>",
    ),
    title="Good Feed",
)


def send_with(
    tmp_path: Path, server: FeedServer, feeds: list[dict[str, Any]], **settings: Any
) -> Measured:
    """`digest send` (outbox) for the good feed plus *feeds*, with tight fetch limits."""
    good = {"url": server.serve("/good.xml", GOOD), "name": "Good Feed"}
    fetch = {"timeout": TIMEOUT, "max_bytes": MAX_BYTES, **settings.pop("fetch", {})}
    write_config(
        tmp_path,
        [good, *feeds],
        fetch=fetch,
        digest={"max_age_days": 0, "max_items_per_section": 50},
        **settings,
    )
    return run_measured("send", cwd=tmp_path)


def only_message(tmp_path: Path) -> EmailMessage:
    [msg] = outbox_messages(tmp_path / "outbox")
    return msg


def flat(text: str) -> str:
    """Text with line wrapping undone."""
    return " ".join(text.split())


def assert_good_feed_delivered(msg: EmailMessage) -> None:
    text = flat(text_part(msg))
    assert "Festival opens downtown" in text and "Council passes budget" in text


def assert_reported(tmp_path: Path, result: Measured, name: str, reason: str) -> None:
    """The failing feed is named with *reason* on stderr, by `digest feeds`, in the footer."""
    warnings = [line for line in result.err.splitlines() if name in line]
    assert warnings and reason in warnings[0], result.err
    feeds = run_cli("feeds", cwd=tmp_path)
    assert feeds.code == 0, feeds.err
    [line] = [line for line in feeds.out.splitlines() if line.startswith(name)]
    assert "error: " + reason in line or ("error:" in line and reason in line), line
    msg = only_message(tmp_path)
    footer_text = flat(text_part(msg)).split("Not updated this time:", 1)[-1]
    assert name in footer_text and reason in footer_text
    footer_html = flat(lxml.html.document_fromstring(html_part(msg)).text_content())
    assert f"{name} ({reason}" in footer_html.split("Not updated this time:", 1)[-1]


@dataclass(frozen=True)
class Broken:
    """One way for a feed to fail, the reason the user must read, and extra settings."""

    route: Callable[[FeedServer], str]  # sets the route up; returns the feed URL
    reason: str
    fetch: dict[str, Any] | None = None


def _serve(path: str, body: bytes | str, **kwargs: Any) -> Callable[[FeedServer], str]:
    return lambda server: server.serve(path, body, **kwargs)


def _handler(path: str, handler: Handler) -> Callable[[FeedServer], str]:
    return lambda server: server.serve(path, b"", handler=handler)


def _redirect_loop(server: FeedServer) -> str:
    server.serve("/loop/b", b"", handler=redirect_loop)
    return server.serve("/loop/a", b"", handler=redirect_loop)


def _bomb(path: str, body: Callable[[], bytes], encoding: str) -> Callable[[FeedServer], str]:
    return lambda server: server.serve(path, body(), headers={"Content-Encoding": encoding})


BROKEN: dict[str, Broken] = {
    "http-404": Broken(
        _serve("/gone.xml", "no", status=404, content_type="text/plain"), "HTTP 404"
    ),
    "http-500": Broken(
        _serve("/error.xml", "oops", status=500, content_type="text/plain"), "HTTP 500"
    ),
    "html-page": Broken(
        _serve(
            "/page.xml",
            (DATA / "not_a_feed.html").read_bytes(),
            content_type="text/html; charset=utf-8",
        ),
        "not a feed: got an HTML page",
    ),
    "empty-body": Broken(_serve("/empty.xml", b""), "not a feed: the response was empty"),
    "binary-garbage": Broken(
        _serve("/garbage.xml", bytes(range(256)) * 40, content_type="application/octet-stream"),
        "not a feed",
    ),
    "redirect-loop": Broken(
        _redirect_loop,
        "too many redirects (more than 5)",
    ),
    "slow-drip-body": Broken(_handler("/drip.xml", drip_body), f"timed out after {TIMEOUT} s"),
    "slow-drip-headers": Broken(
        _handler("/drip-headers.xml", drip_headers), f"timed out after {TIMEOUT} s"
    ),
    "endless-body": Broken(
        _handler("/endless.xml", endless_body), "response larger than 1 MB: cut off"
    ),
    "endless-body-2gb-declared": Broken(
        _handler(
            "/endless-declared.xml", functools.partial(endless_body, declared=str(2 * 1024**3))
        ),
        "response larger than 1 MB: cut off",
    ),
    "gzip-bomb": Broken(
        _bomb("/bomb.xml", gzip_bomb, "gzip"), "response larger than 1 MB: cut off"
    ),
    "connection-refused": Broken(
        lambda server: f"http://127.0.0.1:{free_port()}/feed.xml", "connection refused"
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_feed_is_reported_and_skipped(
    case: str, tmp_path: Path, http_server: FeedServer
) -> None:
    broken = BROKEN[case]
    url = broken.route(http_server)
    result = send_with(
        tmp_path, http_server, [{"url": url, "name": "Broken Feed"}], fetch=broken.fetch or {}
    )
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert "1 failed" in result.out
    assert_good_feed_delivered(only_message(tmp_path))
    assert_reported(tmp_path, result, "Broken Feed", broken.reason)
    # A server that drips must not hold the run much past the deadline of one response.
    assert result.seconds < TIMEOUT + STARTUP, f"run took {result.seconds:.1f} s"
    assert result.peak_mb < PEAK_RSS_MB, f"peak memory {result.peak_mb:.0f} MB"


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        pytest.param("gzip, gzip", double_gzip_bomb, id="double-gzip"),
        pytest.param("br", brotli_bomb, id="brotli"),
    ],
)
def test_decompression_bomb_is_cut_off_without_filling_memory(
    encoding: str, body: Callable[[], bytes], tmp_path: Path, http_server: FeedServer
) -> None:
    """A 1 kB response that decodes to 512 MB: cut off at fetch.max_bytes, memory stays low.

    httpx's own decoders expand a whole network chunk per call, so a stacked or brotli
    encoding used to be expanded in full (4 GB for a 3 kB response) before any size check.
    """
    url = _bomb("/bomb.xml", body, encoding)(http_server)
    result = send_with(tmp_path, http_server, [{"url": url, "name": "Bomb Feed"}])
    assert result.code == 0, result.err
    assert_reported(tmp_path, result, "Bomb Feed", "response larger than 1 MB: cut off")
    assert result.peak_mb < PEAK_RSS_MB, f"peak memory {result.peak_mb:.0f} MB"


def test_all_failures_at_once_are_listed_and_the_run_stays_short(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """Every broken feed in one run: each is listed, the good feed is mailed, no long wait."""
    feeds = [
        {"url": broken.route(http_server), "name": f"Broken {case}"}
        for case, broken in sorted(BROKEN.items())
    ]
    result = send_with(tmp_path, http_server, feeds)
    assert result.code == 0, result.err
    assert f"{len(BROKEN)} failed" in result.out
    msg = only_message(tmp_path)
    assert_good_feed_delivered(msg)
    footer = flat(text_part(msg)).split("Not updated this time:", 1)[-1]
    listing = run_cli("feeds", cwd=tmp_path).out
    for case, broken in BROKEN.items():
        assert f"Broken {case} ({broken.reason}" in footer
        [line] = [line for line in listing.splitlines() if line.startswith(f"Broken {case}\t")]
        assert f"error: {broken.reason}" in line
    assert result.seconds < TIMEOUT + STARTUP, f"run took {result.seconds:.1f} s"


# --- nothing executable reaches the email ------------------------------------------------------


def test_scripts_and_event_handlers_never_reach_the_email(
    tmp_path: Path, http_server: FeedServer
) -> None:
    feeds = [
        {"url": http_server.serve_file("/scripts.rss", DATA / "scripts_rss.xml")},
        {
            "url": http_server.serve_file(
                "/scripts.atom", DATA / "scripts_atom.xml", content_type="application/atom+xml"
            )
        },
    ]
    result = send_with(tmp_path, http_server, feeds)
    assert result.code == 0, result.err
    msg = only_message(tmp_path)
    html, text = html_part(msg), text_part(msg)
    assert executable_problems(html) == []
    root = lxml.html.document_fromstring(html)
    titles = [a.text_content() for a in root.xpath('//h3[contains(@class, "story-title")]')]
    # A title that reads as markup is shown as those characters, in both parts.
    shown = "<img src=x onerror=alert(1)> Title that reads as markup"
    assert shown in titles
    assert shown in flat(text)
    assert "<script>alert(22)</script> plain-text title" in titles
    assert "Bold html title" in titles  # an Atom type="html" title is markup: its text is shown
    assert "Council approves the budget" in flat(text)
    for attribute in root.xpath("//@href | //@src"):
        assert str(attribute).startswith(("https://", "http://", "mailto:", "#")), attribute
    assert "javascript:" not in html.lower() and "vbscript:" not in html.lower()
    # The preview writes the same HTML.
    preview = run_cli("preview", "--out", "preview.html", cwd=tmp_path)
    assert preview.code == 0, preview.err
    assert executable_problems((tmp_path / "preview.html").read_text(encoding="utf-8")) == []


# --- XML attacks -----------------------------------------------------------------------------


def test_entity_bombs_are_never_expanded(tmp_path: Path, http_server: FeedServer) -> None:
    feeds = [
        {
            "url": http_server.serve_file("/laughs.xml", DATA / "entity_bomb_rss.xml"),
            "name": "Laughs",
        },
        {
            "url": http_server.serve_file(
                "/quadratic.xml", DATA / "entity_bomb_atom.xml", content_type="application/atom+xml"
            ),
            "name": "Quadratic",
        },
    ]
    result = send_with(tmp_path, http_server, feeds)
    assert result.code == 0, result.err
    assert result.peak_mb < PEAK_RSS_MB and result.seconds < TIMEOUT + STARTUP
    msg = only_message(tmp_path)
    text = flat(text_part(msg))
    assert "Quiet item" in text and "The bridge will be painted in spring." in text
    assert "lollol" not in text and "lollol" not in html_part(msg)
    assert "BIGBIGBIGBIG" * 40 not in text
    database = (tmp_path / "digest.sqlite3").read_bytes()
    assert b"lollol" not in database and b"BIGBIG" * 40 not in database


def _xxe_document(name: str, server: FeedServer, secret: Path) -> bytes:
    return (
        (DATA / name)
        .read_text(encoding="utf-8")
        .replace("SERVER/", server.url("/"))
        .replace("SECRET_FILE", str(secret))
        .encode("utf-8")
    )


MARKER = "XXE-MARKER-7f3a9c"


def _everything(tmp_path: Path, *outputs: str) -> str:
    """Every output and every file the run wrote (database, outbox), as one text."""
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "secret.txt"]
    return "\n".join([*outputs, *(p.read_bytes().decode("utf-8", "replace") for p in files)])


def test_external_entities_are_never_read_or_fetched(
    tmp_path: Path, http_server: FeedServer
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(MARKER, encoding="utf-8")
    http_server.serve("/xxe-remote.txt", MARKER, content_type="text/plain")
    http_server.serve(
        "/xxe-evil.dtd", f'<!ENTITY leak "{MARKER}">', content_type="application/xml-dtd"
    )
    url = http_server.serve("/xxe.xml", _xxe_document("xxe_rss.xml", http_server, secret))
    result = send_with(tmp_path, http_server, [{"url": url, "name": "XXE"}])
    assert result.code == 0, result.err
    text = flat(text_part(only_message(tmp_path)))
    assert "The orchestra announced its new season." in text
    everything = _everything(tmp_path, result.out, result.err)
    assert MARKER not in everything
    assert "root:x:0:0" not in everything
    assert http_server.hits("/xxe-remote.txt") == []
    assert http_server.hits("/xxe-evil.dtd") == []


def test_fetched_article_pages_do_not_expand_entities(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """full_text: article pages go through trafilatura (lxml); their DTDs are inert."""
    secret = tmp_path / "secret.txt"
    secret.write_text(MARKER, encoding="utf-8")
    http_server.serve(
        "/xxe-article.dtd", f'<!ENTITY leak "{MARKER}">', content_type="application/xml-dtd"
    )
    bomb = http_server.serve_file(
        "/articles/concert.html",
        DATA / "article_bomb.html",
        content_type="text/html; charset=utf-8",
    )
    xxe = http_server.serve(
        "/articles/harbour.html",
        _xxe_document("article_xxe.html", http_server, secret),
        content_type="text/html; charset=utf-8",
    )
    feed = http_server.serve(
        "/teasers.xml",
        rss(
            FakeItem("Concert hall opens", bomb, categories=["Culture"], body="<p>Teaser.</p>"),
            FakeItem(
                "Harbour festival returns", xxe, categories=["Culture"], body="<p>Teaser.</p>"
            ),
        ),
    )
    loopback = {"allow_private": ["127.0.0.0/8", "::1/128"]}  # the pages are on the test server
    result = send_with(
        tmp_path, http_server, [{"url": feed, "name": "Teasers", "full_text": True}], fetch=loopback
    )
    assert result.code == 0, result.err
    assert result.peak_mb < PEAK_RSS_MB
    text = flat(text_part(only_message(tmp_path)))
    # The pages were read (the blurbs come from them), and nothing was expanded.
    assert "concert hall opened on Saturday" in text
    assert "harbour festival returns this summer" in text
    everything = _everything(tmp_path, result.out, result.err)
    assert "lollol" not in everything
    assert MARKER not in everything
    assert "root:x:0:0" not in everything
    assert http_server.hits("/xxe-article.dtd") == []


# --- encodings and limits ---------------------------------------------------------------------


def test_bad_encodings_are_read_or_reported(tmp_path: Path, http_server: FeedServer) -> None:
    names = sorted(p.name for p in DATA.glob("encoding_*.xml"))
    feeds = [
        {"url": http_server.serve_file(f"/{n}", DATA / n), "name": n.removesuffix(".xml")}
        for n in names
    ]
    result = send_with(tmp_path, http_server, feeds)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    msg = only_message(tmp_path)
    html, text = html_part(msg), text_part(msg)
    shown = flat(text)
    assert "“Café” reopens" in shown  # declared UTF-8, really windows-1252
    assert "Bogus charset story" in shown
    assert "Control" in shown and "title" in shown
    assert "encoding_utf16_no_bom (not a feed" in shown  # unreadable: reported, not crashed on
    for part in (html, text, msg["Subject"]):
        assert not any(ch in part for ch in "\x00\x07\x1b"), repr(part)


def test_items_kept_per_feed_are_capped(tmp_path: Path, http_server: FeedServer) -> None:
    items = [FakeItem(f"Story number {n}", f"https://many.example.org/{n}") for n in range(400)]
    url = http_server.serve("/many.xml", rss(*items))
    write_config(tmp_path, [{"url": url, "name": "Many"}], fetch={"max_items_per_feed": 25})
    result = run_cli("fetch", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "25 new items" in result.out
    [line] = run_cli("feeds", cwd=tmp_path).out.splitlines()
    assert "items: 25" in line


# --- broken SMTP servers ---------------------------------------------------------------------

READERS = ["ann@example.org", "bad@example.org", "cy@example.org"]


def two_item_feed(server: FeedServer) -> str:
    return server.serve(
        "/feed.xml",
        rss(
            FakeItem("Festival opens", "https://a.example.org/1", categories=["Culture"]),
            FakeItem("Council votes", "https://a.example.org/2", categories=["News"]),
        ),
    )


def rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows from the run's SQLite database."""
    with sqlite3.connect(tmp_path / "digest.sqlite3") as db:
        return list(db.execute(sql))


def pending(tmp_path: Path) -> int:
    return int(rows(tmp_path, "SELECT count(*) FROM items WHERE outcome IS NULL")[0][0])


def test_temporary_smtp_failure_is_retried_with_backoff(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox.temporary_failures = 1  # the first DATA gets "451 try again later"
    write_config(
        tmp_path,
        [two_item_feed(http_server)],
        delivery=smtp_delivery(smtp_server, ["ann@example.org"], retries=2),
    )
    result = run_measured("send", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.seconds >= 2, "the retry came without a backoff"
    smtp_server.mailbox.wait_for(1)
    [(_, rcpts, msg)] = smtp_server.mailbox.messages
    assert rcpts == ["ann@example.org"]
    assert "Festival opens" in text_part(msg)
    assert pending(tmp_path) == 0
    assert rows(tmp_path, "SELECT recipient, status FROM deliveries") == [
        ("ann@example.org", "sent")
    ]


def test_dropped_connection_is_retried_within_the_run(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    """The first connection is dropped with a 421; the server is back for the retry."""
    smtp_server.stop()
    listener = socket.create_server((smtp_server.host, smtp_server.port))
    dropped: list[float] = []

    def drop_once() -> None:
        connection, _ = listener.accept()
        connection.sendall(b"421 4.3.2 service not available, closing channel\r\n")
        connection.close()
        listener.close()
        dropped.append(time.monotonic())
        smtp_server.start()

    thread = threading.Thread(target=drop_once, daemon=True)
    thread.start()
    write_config(
        tmp_path,
        [two_item_feed(http_server)],
        delivery=smtp_delivery(smtp_server, ["ann@example.org"], retries=2),
    )
    result = run_measured("send", cwd=tmp_path)
    thread.join(5)
    assert dropped, "the sender never connected"
    assert result.code == 0, result.err
    smtp_server.mailbox.wait_for(1)
    assert [m[1] for m in smtp_server.mailbox.messages] == [["ann@example.org"]]
    assert pending(tmp_path) == 0


def test_refused_recipient_does_not_stop_the_others(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox.reject["bad@example.org"] = "550 5.1.1 no such user"
    write_config(
        tmp_path, [two_item_feed(http_server)], delivery=smtp_delivery(smtp_server, READERS)
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "not delivered to bad@example.org: refused: 550 5.1.1 no such user" in result.err
    assert "ann@example.org and cy@example.org" in result.out
    smtp_server.mailbox.wait_for(2)
    received = {tuple(rcpts): msg for _, rcpts, msg in smtp_server.mailbox.messages}
    assert set(received) == {("ann@example.org",), ("cy@example.org",)}
    # The database says who got which digest, under the Message-ID they received.
    [(digest_id, token, status)] = rows(tmp_path, "SELECT id, message_id, status FROM digests")
    assert status == "sent"
    for msg in received.values():
        assert token in msg["Message-ID"]
    assert sorted(rows(tmp_path, "SELECT recipient, status, detail FROM deliveries")) == [
        ("ann@example.org", "sent", None),
        ("bad@example.org", "refused", "refused: 550 5.1.1 no such user"),
        ("cy@example.org", "sent", None),
    ]
    assert rows(tmp_path, "SELECT DISTINCT outcome, digest_id FROM items") == [("sent", digest_id)]
    status_lines = run_cli("status", cwd=tmp_path).out
    assert "to ann@example.org and cy@example.org" in status_lines
    assert "Nothing new" in run_cli("send", cwd=tmp_path).out


def test_items_stay_pending_until_a_delivery_succeeds(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    for reader in READERS:
        smtp_server.mailbox.reject[reader] = "550 5.7.1 relaying denied"
    write_config(
        tmp_path,
        [two_item_feed(http_server)],
        delivery=smtp_delivery(smtp_server, READERS, retries=0),
    )
    refused = run_cli("send", cwd=tmp_path)
    assert refused.code == 1
    assert "Traceback" not in refused.err and refused.err.count("\n") == 1
    assert "2 items stay pending" in refused.err and "550 5.7.1 relaying denied" in refused.err
    assert pending(tmp_path) == 2
    assert rows(tmp_path, "SELECT DISTINCT status FROM deliveries") == [("refused",)]
    # A server that keeps answering 4xx, past the retries: still nothing lost.
    smtp_server.mailbox.reject.clear()
    smtp_server.mailbox.temporary_failures = 10
    temporary = run_cli("send", cwd=tmp_path)
    assert temporary.code == 1 and "451" in temporary.err
    assert pending(tmp_path) == 2
    smtp_server.mailbox.temporary_failures = 0
    ok = run_cli("send", cwd=tmp_path)
    assert ok.code == 0, ok.err
    smtp_server.mailbox.wait_for(3)
    assert len(smtp_server.mailbox.messages) == 3
    for _, _, msg in smtp_server.mailbox.messages:
        assert "Festival opens" in text_part(msg) and "Council votes" in text_part(msg)
    assert pending(tmp_path) == 0
    assert rows(tmp_path, "SELECT status, count(*) FROM digests GROUP BY status ORDER BY 1") == [
        ("failed", 2),
        ("sent", 1),
    ]


# --- secrets ---------------------------------------------------------------------------------

PASSWORD = "Zq9-hunter2-S3CR3T-x7Kp"


def _secret_forms(user: str, password: str) -> list[str]:
    """The password as it could leak: plain, and base64 as AUTH PLAIN / LOGIN send it."""
    raw = password.encode()
    return [
        password,
        base64.b64encode(raw).decode(),
        base64.b64encode(b"\0" + user.encode() + b"\0" + raw).decode(),
        base64.b64encode(user.encode() + b"\0" + user.encode() + b"\0" + raw).decode(),
    ]


@pytest.fixture
def smtp_refusing_login() -> Any:
    """aiosmtpd that offers AUTH without TLS and refuses every login (535)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    attempts: list[Any] = []

    def refuse(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        attempts.append((mechanism, data))
        return AuthResult(success=False, handled=False)

    controller = Controller(
        Mailbox(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=refuse,
        auth_require_tls=False,
    )
    controller.start()
    controller.attempts = attempts
    yield controller
    controller.stop()


def test_secrets_never_appear_in_output_logs_or_status(
    tmp_path: Path, http_server: FeedServer, smtp_refusing_login: Any
) -> None:
    server = smtp_refusing_login
    smtp = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "timeout": 5,
        "retries": 0,
        "username": "digest",
        "password_env": "DIGEST_TEST_SMTP_PASSWORD",
    }
    write_config(
        tmp_path,
        [two_item_feed(http_server)],
        delivery={"method": "smtp", "smtp": smtp, "to": ["ann@example.org"]},
    )
    env = {"DIGEST_TEST_SMTP_PASSWORD": PASSWORD}
    runs = [
        run_cli("send", cwd=tmp_path, env=env),
        run_cli("--log-level", "debug", "send", cwd=tmp_path, env=env),
        run_cli("--log-level", "debug", "--log-format", "json", "send", cwd=tmp_path, env=env),
        run_cli("--log-level", "debug", "status", cwd=tmp_path, env=env),
        run_cli("--log-level", "debug", "feeds", cwd=tmp_path, env=env),
        run_cli("--log-level", "debug", "fetch", cwd=tmp_path, env=env),
        run_cli("--log-level", "debug", "preview", cwd=tmp_path, env=env),
    ]
    first = runs[0]
    assert first.code == 1
    assert "SMTP login" in first.err and "535" in first.err, first.err
    # The password did reach the server (so there was something to leak)...
    assert any(getattr(data, "password", b"") == PASSWORD.encode() for _, data in server.attempts)
    everything = _everything(tmp_path, *(r.out + r.err for r in runs))
    for form in _secret_forms("digest", PASSWORD):
        assert form not in everything, "the SMTP password leaked"
    assert pending(tmp_path) == 2


def test_server_without_auth_is_reported_as_such(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    delivery = smtp_delivery(
        smtp_server,
        ["ann@example.org"],
        retries=0,
        username="digest",
        password_env="DIGEST_TEST_SMTP_PASSWORD",
    )
    write_config(tmp_path, [two_item_feed(http_server)], delivery=delivery)
    result = run_cli("send", cwd=tmp_path, env={"DIGEST_TEST_SMTP_PASSWORD": PASSWORD})
    assert result.code == 1
    assert PASSWORD not in result.err
    assert "does not offer STARTTLS" not in result.err and "AUTH" in result.err, result.err


def test_credentials_in_a_feed_url_are_never_shown(tmp_path: Path, http_server: FeedServer) -> None:
    """A private feed's URL may carry a password (user:password@host); it is used, not shown."""
    http_server.serve("/private.xml", "oops", status=500, content_type="text/plain")
    secret = "FeedPa55-" + PASSWORD
    url = f"http://reader:{secret}@127.0.0.1:{http_server.port}/private.xml"
    write_config(tmp_path, [url])
    runs = [
        run_cli("send", cwd=tmp_path),
        run_cli("feeds", cwd=tmp_path),
        run_cli("status", cwd=tmp_path),
        run_cli("preview", "--json", "preview.json", cwd=tmp_path),
    ]
    # send exits 1 when every feed failed and nothing went out; the others succeed
    assert [r.code for r in runs] == [1, 0, 0, 0], [r.err for r in runs]
    assert http_server.hits("/private.xml"), "the feed was not fetched"
    shown = "\n".join(r.out + r.err for r in runs)
    shown += (tmp_path / "preview.json").read_text(encoding="utf-8")
    assert secret not in shown


# --- deeply nested markup (issue 18) -----------------------------------------------------------


def test_an_item_of_deeply_nested_lists_is_fetched_with_its_text(
    tmp_path: Path, http_server: FeedServer
) -> None:
    from tests.test_sanitize import nesting_depth

    # 480 KB of lists nested in each other: html5's own parser took 48 s on this before the
    # sanitiser cut and flattened it (the text of every level is kept; past the first
    # 256 KB the item is cut).
    levels = "".join(f"<ul><li>level{n} " for n in range(40_000))
    body = f"<p>Opening words of the nested story.</p>{levels}"
    assert len(body) > 480_000
    nested = FakeItem("Nested story", "https://deep.example.org/nested", body=body)
    plain_item = FakeItem("Plain story", "https://deep.example.org/plain")
    url = http_server.serve("/deep.xml", rss(nested, plain_item))
    write_config(tmp_path, [{"url": url, "name": "Deep"}])
    result = run_cli("fetch", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "2 new items" in result.out
    [(html,)] = rows(tmp_path, "SELECT html FROM items WHERE title = 'Nested story'")
    words = re.sub(r"<[^>]*>", " ", html).split()
    assert "Opening" in words and "level0" in words and "level99" in words
    assert "level5000" in words  # far below the depth where the tags were dropped
    assert nesting_depth(html) <= 200
    send = run_cli("send", "--no-fetch", cwd=tmp_path)
    assert send.code == 0, send.err
    assert "Nested story" in html_part(only_message(tmp_path))


def test_an_smtp_password_from_a_file_is_used_and_never_shown(
    tmp_path: Path, http_server: FeedServer, smtp_refusing_login: Any
) -> None:
    """delivery.smtp.password_file (a container secret, a systemd credential): its first
    line is the password, relative to config.yaml; a missing file is a one-line error."""
    server = smtp_refusing_login
    smtp = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "timeout": 5,
        "retries": 0,
        "username": "digest",
        "password_file": "secrets/smtp",
    }
    write_config(
        tmp_path,
        [two_item_feed(http_server)],
        delivery={"method": "smtp", "smtp": smtp, "to": ["ann@example.org"]},
    )
    missing = run_cli("send", cwd=tmp_path)
    assert missing.code == 2 and missing.err.count("\n") == 1
    assert "cannot read it from" in missing.err and "secrets/smtp" in missing.err
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "smtp").write_text(PASSWORD + "\n", encoding="utf-8")
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 1 and "535" in sent.err  # this server refuses every login
    assert any(getattr(data, "password", b"") == PASSWORD.encode() for _, data in server.attempts)
    assert PASSWORD not in sent.out + sent.err
