"""The whole path through the real entry point: fetch over HTTP, store, send, mark."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.conftest import (
    FIXTURE_FEEDS,
    JUNG_E_CHROME,
    FeedServer,
    SmtpServer,
    html_part,
    needs_shared,
    outbox_messages,
    run_cli,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss


@needs_shared
def test_send_jung_e_review_is_clean_and_marked_sent(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve_file("/jung_e.xml", FIXTURE_FEEDS / "jung_e_rss.xml")
    write_config(tmp_path, [url])
    first = run_cli("send", cwd=tmp_path)
    assert first.code == 0, first.err
    [msg] = outbox_messages(tmp_path / "outbox")
    assert msg.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in msg.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    for header in ("Subject", "From", "To", "Date", "Message-ID"):
        assert msg[header]
    text, html = text_part(msg).replace("\r\n", "\n"), html_part(msg)
    flat = " ".join(text.split())
    assert "Jung_E" in flat and "sci-fi thriller" in flat
    for chrome in JUNG_E_CHROME:
        assert chrome not in text, chrome
        assert chrome not in html, chrome
    assert "utm_source" not in html
    assert "\nCULTURE\n" in text
    second = run_cli("send", cwd=tmp_path)
    assert second.code == 0
    assert "Nothing new" in second.out
    assert len(outbox_messages(tmp_path / "outbox")) == 1


def test_failed_smtp_leaves_items_pending(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve(
        "/feed.xml",
        rss(
            FakeItem("Festival opens", "https://a.example.org/1", categories=["Culture"]),
            FakeItem("Council votes", "https://a.example.org/2", categories=["News"]),
        ),
    )
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, retries=0))
    smtp_server.stop()
    failed = run_cli("send", cwd=tmp_path)
    assert failed.code == 1
    assert failed.err.count("\n") == 1 and "Traceback" not in failed.err
    assert "Fetched 1 feed: 1 ok, 0 failed, 2 new items." in failed.out  # said all the same
    assert "2 items stay pending" in failed.err
    assert "refused the connection" in failed.err or "cannot reach" in failed.err
    status = run_cli("status", cwd=tmp_path)
    assert "Last digest: none sent yet" in status.out
    assert "Last attempt FAILED" in status.out and "items stay pending" in status.out
    smtp_server.start()
    ok = run_cli("send", cwd=tmp_path)
    assert ok.code == 0, ok.err
    smtp_server.mailbox.wait_for(1)
    [(_, rcpts, msg)] = smtp_server.mailbox.messages
    assert rcpts == ["reader@example.org"]
    text = text_part(msg)
    assert "Festival opens" in text and "Council votes" in text


def test_same_story_from_two_feeds_and_with_utm_appears_once(
    tmp_path: Path, http_server: FeedServer
) -> None:
    body = "<p>The council approved the new library on Monday. Building starts in spring.</p>"
    one = http_server.serve(
        "/one.xml",
        rss(
            FakeItem(
                "Council approves new library",
                "https://city.example/library?utm_source=rss",
                body=body,
                categories=["News"],
            ),
            title="Feed One",
        ),
    )
    two = http_server.serve(
        "/two.xml",
        rss(
            FakeItem(
                "Council approves new library",
                "https://city.example/library",
                guid="other-guid",
                body=body,
                categories=["News"],
            ),
            title="Feed Two",
        ),
    )
    write_config(tmp_path, [one, two])
    assert run_cli("send", cwd=tmp_path).code == 0
    [msg] = outbox_messages(tmp_path / "outbox")
    text = text_part(msg)
    assert text.count("Council approves new library") == 1
    assert "utm_source" not in text
    assert "Also covered by" in text
    status = run_cli("status", cwd=tmp_path).out
    assert "1 story (2 items), to reader@example.org" in status  # as send counted it


def test_missing_smtp_password_is_a_config_error_before_anything_is_fetched(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve("/feed.xml", rss(FakeItem("Festival opens", "https://a.example.org/1")))
    delivery = smtp_delivery(smtp_server, username="digest", password_env="DIGEST_TEST_NO_SUCH_PW")
    write_config(tmp_path, [url], delivery=delivery)
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 2
    assert "DIGEST_TEST_NO_SUCH_PW is empty" in result.err
    assert "export DIGEST_TEST_NO_SUCH_PW" in result.err
    assert not http_server.hits("/feed.xml")


def test_failing_feeds_back_off_doubling_up_to_a_day_and_never_for_longer(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """A first failure is tried again at the next run (a server restarting); from the
    second in a row the daemon leaves the feed alone for 15 min, 30, 60... at most a day;
    a Retry-After is honoured up to a day (a date in 2099 must not switch the feed off);
    a feed that has failed for months does not crash the run."""
    from datetime import UTC, datetime, timedelta

    from digest.config import load_config
    from digest.pipeline import fetch_feeds
    from digest.store import SQLiteStore

    broken = http_server.serve("/broken.xml", b"oops", status=500, etag=False)
    busy = http_server.serve(
        "/busy.xml",
        b"slow down",
        status=429,
        etag=False,
        headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"},
    )
    config = load_config(write_config(tmp_path, [broken, busy]))
    store = SQLiteStore(config.database)
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    report = fetch_feeds(config, store, now, respect_backoff=True)
    assert store.feed_states()[broken].next_fetch is None  # one failure: no waiting
    now += timedelta(minutes=1)
    fetch_feeds(config, store, now, respect_backoff=True)
    assert len(http_server.hits("/broken.xml")) == 2 and not report.waiting
    waits = []
    for _ in range(4):
        state = store.feed_states()[broken]
        assert state.next_fetch is not None
        waits.append(state.next_fetch - now)
        hits = len(http_server.hits("/broken.xml"))
        later = fetch_feeds(config, store, now + timedelta(minutes=1), respect_backoff=True)
        assert len(http_server.hits("/broken.xml")) == hits  # left alone until its time
        assert [o.url for o in later.waiting] == [broken, busy]
        now = state.next_fetch
        fetch_feeds(config, store, now, respect_backoff=True)
    assert waits == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    busy_state = store.feed_states()[busy]
    assert busy_state.next_fetch is not None and busy_state.last_fetch is not None
    assert busy_state.next_fetch - busy_state.last_fetch == timedelta(hours=24)

    store.save_feed(replace(store.feed_states()[broken], error_count=5000, next_fetch=None))
    report = fetch_feeds(config, store, now, respect_backoff=True)
    assert report.outcomes[0].error == "HTTP 500 Internal Server Error"
    assert store.feed_states()[broken].next_fetch == now + timedelta(hours=24)
    store.close()


def test_ssl_against_a_plain_smtp_port_says_to_try_starttls(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve("/feed.xml", rss(FakeItem("Festival opens", "https://a.example/1")))
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, retries=0, security="ssl"))
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 1 and "Traceback" not in result.err
    assert "WRONG_VERSION_NUMBER" in result.err
    assert "try delivery.smtp.security: starttls" in result.err


def test_a_copy_refused_for_a_while_is_sent_again_by_the_next_sends_then_given_up(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    """A greylisting server (451) for one reader must not cost that reader the digest:
    the others get it at once, theirs goes out with the next send, the same message."""
    from datetime import UTC, datetime, timedelta

    from digest.config import load_config
    from digest.pipeline import RESEND_FOR, resend_refused
    from digest.store import RefusedCopy, SQLiteStore

    url = http_server.serve("/feed.xml", rss(FakeItem("Festival opens", "https://a.example/1")))
    to = ["ok@example.org", "grey@example.org"]
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, to=to, retries=0))
    smtp_server.mailbox.reject["grey@example.org"] = "451 4.7.1 greylisted, try later"
    first = run_cli("send", cwd=tmp_path)
    assert first.code == 0, first.err
    assert "not delivered to grey@example.org" in first.err and "451" in first.err
    smtp_server.mailbox.wait_for(1)
    [(_, rcpts, sent)] = smtp_server.mailbox.messages
    assert rcpts == ["ok@example.org"]

    still = run_cli("send", cwd=tmp_path)  # still greylisted: it waits, nothing is lost
    assert still.code == 0 and "still not delivered to grey@example.org" in still.err

    del smtp_server.mailbox.reject["grey@example.org"]
    again = run_cli("send", cwd=tmp_path)
    assert again.code == 0, again.err
    assert "again to grey@example.org" in again.out and "Nothing new" in again.out
    smtp_server.mailbox.wait_for(2)
    [_, (_, rcpts, copy)] = smtp_server.mailbox.messages
    assert rcpts == ["grey@example.org"]
    assert copy["Subject"] == sent["Subject"] and copy["To"] == "grey@example.org"
    token = str(sent["Message-ID"]).split("@")[0].rsplit(".", 1)[0]  # then the reader's part
    assert str(copy["Message-ID"]).startswith(token)
    assert "again" not in run_cli("send", cwd=tmp_path).out  # sent once, then done

    # A reader refused for longer than RESEND_FOR is given up on, and says so.
    config = load_config(tmp_path / "config.yaml")
    store = SQLiteStore(config.database)
    now = datetime.now(UTC)
    refused = RefusedCopy("grey@example.org", b"Subject: x\r\n\r\nx\r\n", "451")
    store.queue_resends(1, [refused], now)
    smtp_server.mailbox.reject["grey@example.org"] = "451 4.7.1 greylisted, try later"
    [waiting] = resend_refused(config, store, now + timedelta(hours=1))
    assert waiting.outcome == "waiting" and store.resends()
    [given_up] = resend_refused(config, store, now + RESEND_FOR)
    assert given_up.outcome == "given up" and "451 4.7.1" in given_up.detail
    assert store.resends() == []
    store.close()


def test_an_outbox_copy_that_cannot_be_written_is_written_by_the_next_send(
    tmp_path: Path,
) -> None:
    """A full disk is passing trouble: the copy is kept, no half-written file stays, and the
    next send writes it; the reader does not lose the digest."""
    from datetime import UTC, datetime

    from digest.config import load_config
    from digest.deliver import Outgoing, write_outbox
    from digest.pipeline import resend_refused
    from digest.store import RefusedCopy, SQLiteStore

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    when = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    stamp = when.strftime("%Y%m%d-%H%M%SZ-%f")
    # the second copy's temporary file cannot be made (as on a full disk)
    (outbox / f".digest-{stamp}-002-b@example.org.eml.tmp").mkdir()
    told: list[tuple[str, str]] = []
    report = write_outbox(
        [Outgoing("a@example.org", b"one"), Outgoing("b@example.org", b"two")],
        outbox,
        when,
        lambda r, status, _detail: told.append((r, status)),
    )
    assert report.delivered == ("a@example.org",)
    assert [r for r, _ in report.refused] == ["b@example.org"]
    assert told == [("a@example.org", "sent")]  # not "refused": not for good
    assert sorted(p.name for p in outbox.iterdir() if p.suffix == ".eml") == [
        f"digest-{stamp}-001-a@example.org.eml"
    ]

    feed = tmp_path / "feed.xml"
    feed.write_text(rss(FakeItem("Festival opens", "https://a.example/1")))
    config = load_config(
        write_config(
            tmp_path,
            [str(feed)],
            delivery={"to": ["a@example.org", "b@example.org"]},
        )
    )
    store = SQLiteStore(config.database)
    digest_id = store.begin_digest("Subject", "tok", [], when)
    store.queue_resends(digest_id, [RefusedCopy("b@example.org", b"two", "cannot write")], when)
    [done] = resend_refused(config, store, when)
    assert done.outcome == "sent" and store.resends() == []
    assert b"two" in [p.read_bytes() for p in outbox.iterdir() if p.suffix == ".eml"]
    store.close()


def test_outbox_files_are_named_by_the_bare_address(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from digest.deliver import Outgoing, write_outbox

    when = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    write_outbox([Outgoing("Bärbel Groß <b@example.org>", b"x")], tmp_path, when)
    [written] = list(tmp_path.iterdir())
    assert written.name == f"digest-{when:%Y%m%d-%H%M%SZ-%f}-001-b@example.org.eml"


def test_a_moved_feed_is_followed_and_asked_at_its_old_address_when_the_new_one_fails(
    tmp_path: Path, http_server: FeedServer
) -> None:
    from http.server import BaseHTTPRequestHandler

    from tests.conftest import Route

    feed = rss(FakeItem("Festival opens", "https://a.example/1"))
    new = http_server.serve("/new.xml", feed)

    def moved(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(301)
        handler.send_header("Location", new)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    http_server.routes["/old.xml"] = Route(handler=moved)
    old = http_server.url("/old.xml")
    write_config(tmp_path, [{"url": old, "name": "Arts"}])
    assert run_cli("fetch", cwd=tmp_path).code == 0
    assert f"(moved to {new})" in run_cli("feeds", cwd=tmp_path).out
    # the site undoes the move: the old address serves again, the new one is gone
    http_server.serve("/old.xml", feed)
    del http_server.routes["/new.xml"]
    failed = run_cli("fetch", cwd=tmp_path)
    assert f"HTTP 404 Not Found at {new}, where it had moved" in failed.err
    again = run_cli("fetch", cwd=tmp_path)
    assert again.code == 0 and "1 ok, 0 failed" in again.out
    assert "moved to" not in run_cli("feeds", cwd=tmp_path).out


def test_a_typo_fixed_in_the_feed_before_the_send_is_fixed_in_the_digest(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """The daemon fetches every 30 minutes and sends once a day: a correction made soon
    after publishing reaches the digest; it is read once the feed changes."""

    def feed(title: str, body: str) -> str:
        return rss(FakeItem(title, "https://a.example/5", guid="a5", body=body))

    url = http_server.serve("/feed.xml", feed("Orchestra names new conductr", "<p>Draft.</p>"))
    write_config(tmp_path, [url])
    assert run_cli("fetch", cwd=tmp_path).code == 0
    http_server.serve("/feed.xml", feed("Orchestra names new conductor", "<p>Final text.</p>"))
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    [msg] = outbox_messages(tmp_path / "outbox")
    assert "Orchestra names new conductor" in msg["Subject"]
    assert "Final text." in text_part(msg) and "conductr" not in text_part(msg)
