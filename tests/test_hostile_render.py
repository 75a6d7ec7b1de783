"""What hostile servers can make of the email, the log and the terminal, through the real
pipeline: feeds from a FeedServer on 127.0.0.1, the CLI as a process, the .eml in the outbox.

A failing feed's 100 KB reason phrase or an unnamed feed's 120 KB title must not wipe the
digest; a password in a feed's URL must not reach any output; escape sequences must not
reach the terminal; templates run sandboxed; pixels and private addresses are not images;
a copycat feed cannot lead a trusted feed's story."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import (
    FeedServer,
    Route,
    html_part,
    outbox_messages,
    run_cli,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

BODY = "<p>The council voted on Tuesday to keep the ferry running. Residents welcomed it.</p>"


def failing(reason: str, status: int = 503) -> Route:
    """A route that answers *status* with the reason phrase *reason*."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status, reason)
        request.send_header("Content-Length", "0")
        request.end_headers()

    handler: Callable[[BaseHTTPRequestHandler], None] = handle
    return Route(handler=handler)


def items_left_out(folder: Path) -> int:
    """Items the store marked as left out for good."""
    with sqlite3.connect(folder / "digest.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM items WHERE outcome = 'skipped'").fetchone()[0])


def stories(prefix: str, count: int, host: str) -> list[FakeItem]:
    return [
        FakeItem(f"{prefix} story number {n} about the harbour", f"https://{host}/{n}", body=BODY)
        for n in range(1, count + 1)
    ]


# --- finding 1: one feed cannot wipe the digest ------------------------------------------------


def test_a_huge_reason_phrase_and_a_huge_title_do_not_wipe_the_digest(
    tmp_path: Path, http_server: FeedServer
) -> None:
    normal = http_server.serve("/ledger", rss(*stories("Ledger", 3, "ledger.example.org")))
    unnamed = http_server.serve(
        "/unnamed", rss(*stories("Unnamed", 2, "unnamed.example.org"), title="T" * 120_000)
    )
    # 100 KB, and 60 KB (under the fetcher's 64 KB limit on a header line: it is stored)
    http_server.routes["/huge"] = failing("Unavailable " * 8_500)
    http_server.routes["/down"] = failing("Unavailable " * 5_000)
    huge, down = http_server.url("/huge"), http_server.url("/down")
    write_config(
        tmp_path,
        [
            {"url": normal, "name": "Ledger"},
            {"url": unnamed},
            {"url": huge, "name": "Huge"},
            {"url": down, "name": "Field"},
        ],
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    [msg] = outbox_messages(tmp_path / "outbox")
    html, text = html_part(msg), text_part(msg)
    for n in (1, 2, 3):
        assert f"Ledger story number {n} about the harbour" in html
    for n in (1, 2):
        assert f"Unnamed story number {n} about the harbour" in html
    assert "left out" not in html and "left out" not in text
    assert items_left_out(tmp_path) == 0
    assert "Field (HTTP 503 from the server)" in html and "Huge (" in html
    assert "Unavailable" not in html and "Unavailable" not in text
    assert "T" * 100 not in html and "T" * 100 not in text  # the title as a short name
    assert len(html.encode()) < 100_000


# --- finding 2: no password from a feed's URL anywhere ----------------------------------------


def test_a_password_in_a_feed_url_reaches_no_email_json_log_or_listing(
    tmp_path: Path, http_server: FeedServer
) -> None:
    body = '<p>The ferry runs all winter. <a href="more/2">More</a> <img src="img/1.jpg"></p>'
    http_server.serve(
        "/feed",
        rss(FakeItem("Ferry runs all winter long", "/story/1", body=body), link="/"),
    )
    url = f"http://user:secret@127.0.0.1:{http_server.port}/feed"
    write_config(tmp_path, [{"url": url, "name": "Private"}])
    outputs = []
    preview = run_cli(
        "preview", "--json", "digest.json", "--out", "p.html", "--log-level", "debug", cwd=tmp_path
    )
    assert preview.code == 0, preview.err
    outputs += [preview.out, preview.err]
    data = (tmp_path / "digest.json").read_text(encoding="utf-8")
    [story] = json.loads(data)["sections"][0]["items"]
    assert story["link"] == f"http://127.0.0.1:{http_server.port}/story/1"  # resolved, no user
    send = run_cli("send", "--log-format", "json", "--log-level", "debug", cwd=tmp_path)
    assert send.code == 0, send.err
    http_server.routes["/feed"] = failing("Service Unavailable")
    fetch = run_cli("fetch", "--log-format", "json", cwd=tmp_path)
    listing = run_cli("feeds", cwd=tmp_path)
    status = run_cli("status", cwd=tmp_path)
    for result in (send, fetch, listing, status):
        outputs += [result.out, result.err]
    assert "Private" in listing.out and "127.0.0.1" in listing.out
    [eml] = (tmp_path / "outbox").glob("*.eml")
    files = [data, (tmp_path / "p.html").read_text(encoding="utf-8"), eml.read_text("latin-1")]
    for output in outputs + files:
        assert "secret" not in output and "user:" not in output and "user@" not in output


# --- finding 3: escape sequences never reach the terminal ------------------------------------


def test_escape_sequences_from_a_server_never_reach_the_terminal_or_the_log(
    tmp_path: Path, http_server: FeedServer
) -> None:
    title = "Red &#27;[31mFeed&#27;]0;pwned&#7;"
    url = http_server.serve("/feed", rss(FakeItem("Ferry runs all winter long"), title=title))
    write_config(tmp_path, [{"url": url}])
    assert run_cli("fetch", cwd=tmp_path).code == 0
    http_server.routes["/feed"] = failing("\x1b]0;pwned\x07\x1b[2J\x1b[31mDown")
    results = [
        run_cli("fetch", cwd=tmp_path),
        run_cli("fetch", "--log-format", "json", cwd=tmp_path),
        run_cli("feeds", cwd=tmp_path),
        run_cli("status", cwd=tmp_path),
        run_cli("preview", "--out", "p.html", cwd=tmp_path),
    ]
    for result in results:
        assert result.code == 0, result.err
        for output in (result.out, result.err):
            assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    listing = results[2].out
    assert "Down" in listing  # the error is still told, without its escapes


# --- finding 4: templates run sandboxed -------------------------------------------------------


SNEAKY_SUBJECT = "{{ ''.__class__.__mro__ }}"


def test_a_subject_template_reaching_for_python_internals_is_a_one_line_error(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve("/feed", rss(FakeItem("Ferry runs all winter long")))
    write_config(
        tmp_path,
        [{"url": url}],
        digest={"max_age_days": 0, "subject": "{{ ''.__class__.__mro__ }}"},
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert "digest.subject" in result.err and "unsafe" in result.err
    assert not list((tmp_path / "outbox").glob("*.eml"))


def test_a_user_template_reaching_for_python_internals_is_a_one_line_error(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve("/feed", rss(FakeItem("Ferry runs all winter long")))
    write_config(tmp_path, [{"url": url}])
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.txt").write_text(
        "{{ cycler.__init__.__globals__ }}\n", encoding="utf-8"
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert "template digest.txt" in result.err and "unsafe" in result.err


# --- finding 5: pixels and internal addresses are not images ----------------------------------

BAD_IMAGES = [
    '<media:content url="http://127.0.0.1/a.jpg" medium="image"/>',
    '<media:content url="http://169.254.169.254/latest/b.jpg" medium="image"/>',
    '<media:content url="http://2130706433/c.jpg" medium="image"/>',
    '<media:content url="http://0x7f.1/d.jpg" medium="image"/>',
    '<media:content url="http://[::1]/e.jpg" medium="image"/>',
    '<media:content url="http://10.1.2.3/f.jpg" medium="image"/>',
    '<media:content url="http://localhost/g.jpg" medium="image"/>',
    '<media:content url="https://img.example.org/h.gif" medium="image" width="1" height="1"/>',
    '<media:content url="https://feeds.feedburner.com/~r/news/~4/i.gif" medium="image"/>',
    '<media:content url="https://ad.doubleclick.net/j.gif" medium="image"/>',
]
GOOD_IMAGE = '<media:content url="https://img.example.org/photo.jpg" medium="image"/>'


def test_tracking_pixels_and_internal_addresses_never_become_images(
    tmp_path: Path, http_server: FeedServer
) -> None:
    items = [
        FakeItem(f"Story {n} of the harbour week", f"https://n.example.org/{n}", extra=image)
        for n, image in enumerate([*BAD_IMAGES, GOOD_IMAGE], 1)
    ]
    items.append(  # an <img> in the content, 2 px high
        FakeItem(
            "Story 99 of the harbour week",
            "https://n.example.org/99",
            body='<p>Text.</p><img src="https://img.example.org/t.png" width="600" height="2">',
        )
    )
    url = http_server.serve("/feed", rss(*items))
    write_config(
        tmp_path,
        [{"url": url, "name": "News"}],
        digest={"max_age_days": 0, "max_items_per_section": 20, "max_items_per_feed": 0},
    )
    result = run_cli("preview", "--out", "p.html", cwd=tmp_path)
    assert result.code == 0, result.err
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Story 1 of the harbour week" in html and "Story 99 of the harbour week" in html
    sources = [part.split('"', 1)[0] for part in html.split('<img class="thumb" src="')[1:]]
    assert sources == ["https://img.example.org/photo.jpg"], sources


# --- finding 6: a copycat feed cannot lead a trusted feed's story ------------------------------


def test_a_copycat_repeating_a_trusted_link_does_not_lead_its_story(
    tmp_path: Path, http_server: FeedServer
) -> None:
    link = "https://trusted.example.org/2026/ferry"
    trusted = http_server.serve(
        "/trusted", rss(FakeItem("Council keeps the winter ferry running", link, body=BODY))
    )
    padding = "<p>Buy our pills today, the ferry story says so. Click to learn more.</p>" * 30
    copycat = http_server.serve(
        "/copycat", rss(FakeItem("Council keeps the winter ferry running!", link, body=padding))
    )
    write_config(
        tmp_path, [{"url": trusted, "name": "Trusted"}, {"url": copycat, "name": "Copycat"}]
    )
    result = run_cli("preview", "--json", "-", cwd=tmp_path)
    assert result.code == 0, result.err
    [story] = json.loads(result.out)["sections"][0]["items"]
    assert story["source"] == "Trusted"
    assert "voted on Tuesday" in story["blurb"] and "pills" not in story["blurb"]
    assert [other["name"] for other in story["also"]] == ["Copycat"]


def test_log_lines_carry_no_escape_sequence_newline_or_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The daemon logs feed names and errors: a server's words must not forge a log line,
    retitle the terminal, or show a feed's password."""
    from digest.logs import setup_logging

    hostile = "\x1b]0;pwned\x07\x1b[31mRed\nFAKE ERROR line http://user:secret@h.example/feed"
    for fmt in ("text", "json"):
        setup_logging("info", fmt)
        logging.getLogger("digest.test").warning("feed %s failed", hostile)
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        for bad in ("\x1b", "\x07", "secret", "user:"):
            assert bad not in err, (fmt, err)
        assert "Red FAKE ERROR line http://h.example/feed" in err
    logging.getLogger().handlers.clear()
