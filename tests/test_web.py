"""The web app (digest serve, and digest run with web:): archive, issue pages, the Atom
feed of issues, sign-up with double opt-in, a reader's page, unsubscribe (one-click
too) and /healthz, each over real HTTP on 127.0.0.1 against a real SQLite file."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import feedparser
import pytest

from digest.config import Config, load_config
from digest.store import open_store
from digest.tokens import Purpose, sign
from tests.conftest import (
    FeedServer,
    SmtpServer,
    free_port,
    html_part,
    outbox_messages,
    run_cli,
    run_cli_process,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

SECRET = "a-long-random-test-key-that-signs-links"


@dataclass
class Site:
    """The running app, seen by one browser-like client that keeps its cookies."""

    folder: Path
    config: Config
    base: str

    def __post_init__(self) -> None:
        import http.cookiejar

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        return self._open(urllib.request.Request(self.base + path))

    def post(
        self, path: str, data: dict[str, str | list[str]] | str, csrf: bool = True
    ) -> tuple[int, str, dict[str, str]]:
        """POST a form as the page at *path* (or the front page, for /subscribe) has it:
        with that page's CSRF token unless *csrf* is False; a str is sent as it is."""
        if isinstance(data, str):
            body = data
        else:
            fields = dict(data)
            if csrf:
                page = self.get("/" if path == "/subscribe" else path)[1]
                found = re.search(r'name="csrf" value="([^"]+)"', page)
                assert found, page
                fields["csrf"] = found.group(1)
            body = urllib.parse.urlencode(fields, doseq=True)
        request = urllib.request.Request(self.base + path, data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)

    def mails(self) -> list[EmailMessage]:
        return outbox_messages(self.folder / "outbox")

    def reader(self, email: str) -> tuple[str, str, tuple[str, ...]]:
        with open_store(self.config.database) as store:
            found = store.subscriber(email=email)
            assert found is not None, email
            return found.status, found.token, found.sections

    def link(self, purpose: Purpose, email: str) -> str:
        """The path of *email*'s own signed link for *purpose*."""
        return f"/{purpose}/{sign(SECRET, purpose, self.reader(email)[1])}"


def feed(server: FeedServer) -> str:
    return server.serve(
        "/feed.xml",
        rss(
            FakeItem(
                "Festival premiere review",
                "https://news.example.org/film",
                categories=["film"],
                body="<p>The festival opened with a premiere that the critics loved.</p>",
            )
        ),
    )


@pytest.fixture
def site(
    tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    yield from _site(tmp_path, http_server, monkeypatch)


@pytest.fixture
def pg_site(
    tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> Iterator[Site]:
    """The web app on a PostgreSQL database."""
    yield from _site(tmp_path, http_server, monkeypatch, database=pg_url)


def _site(
    tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch, **settings: Any
) -> Iterator[Site]:
    from digest.web import start_in_thread

    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = write_config(
        tmp_path,
        [feed(http_server)],
        web={"base_url": base, "listen": f"127.0.0.1:{port}"},
        **settings,
    )
    config = load_config(path)
    stop = start_in_thread(config)
    try:
        yield Site(tmp_path, config, base)
    finally:
        stop()


def confirmation_link(mail: EmailMessage, base: str) -> str:
    found = re.search(rf"{re.escape(base)}(/confirm/\S+)", text_part(mail))
    assert found, text_part(mail)
    return found.group(1)


def test_sign_up_confirms_by_mail_and_answers_alike_for_known_addresses(site: Site) -> None:
    status, page, headers = site.post(
        "/subscribe", {"email": "new@example.org", "sections": ["Culture"]}
    )
    assert status == 200 and "Check your inbox" in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    [mail] = site.mails()
    assert mail["To"] == "new@example.org" and "Confirm your subscription" in mail["Subject"]
    assert site.reader("new@example.org")[0] == "pending"  # nothing mailed to it yet
    # the form sent again at once: the same answer, no second mail to that inbox
    assert "Check your inbox" in site.post("/subscribe", {"email": "new@example.org"})[1]
    assert len(site.mails()) == 1

    link = confirmation_link(mail, site.base)
    status, page, _ = site.get(link)  # a link scanner opening it confirms nothing
    assert status == 200 and "<button" in page and "Confirm" in page
    assert site.reader("new@example.org")[0] == "pending"
    with site.opener.open(urllib.request.Request(site.base + link, method="HEAD")) as head:
        assert head.status == 200
    assert site.reader("new@example.org")[0] == "pending"
    status, page, _ = site.post(link, {})  # the button
    assert status == 200 and "Subscribed" in page
    state, _token, sections = site.reader("new@example.org")
    assert (state, sections) == ("active", ("Culture",))
    assert site.link("manage", "new@example.org") in page

    # the same answer for an address already reading, and no mail to it so soon
    again, page_again, _ = site.post("/subscribe", {"email": "NEW@example.org"})
    assert again == 200 and "Check your inbox" in page_again
    assert len(site.mails()) == 1
    assert site.reader("new@example.org")[0] == "active"


def test_a_reader_who_signs_up_again_later_is_mailed_their_own_page(site: Site) -> None:
    import sqlite3

    assert run_cli("subscribers", "add", "lost@example.org", cwd=site.folder).code == 0
    db = sqlite3.connect(site.folder / "digest.sqlite3")
    with db:  # they subscribed long ago, and lost the link to their page
        db.execute("UPDATE subscribers SET changed = '2026-01-01T00:00:00+00:00'")
    db.close()
    status, page, _ = site.post("/subscribe", {"email": "lost@example.org"})
    assert status == 200 and "Check your inbox" in page  # as for anyone
    [reminder] = site.mails()
    assert reminder["Subject"].startswith("Your subscription to")
    assert site.link("manage", "lost@example.org") in text_part(reminder)
    assert site.reader("lost@example.org")[0] == "active"


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"email": "not an address"}, "not an email address"),
        ({"email": "a@example.org", "sections": ["Sport"]}, "no section"),
        ({}, "not an email address"),
    ],
)
def test_a_bad_sign_up_is_refused_in_words(site: Site, form: dict[str, str], said: str) -> None:
    status, page, _ = site.post("/subscribe", form)  # type: ignore[arg-type]
    assert status == 400 and said in page
    assert site.mails() == []


def test_a_forged_or_expired_confirmation_link_confirms_nothing(site: Site) -> None:
    site.post("/subscribe", {"email": "new@example.org"})
    link = confirmation_link(site.mails()[0], site.base)
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert site.get(forged)[0] == 410
    token = site.reader("new@example.org")[1]
    assert site.get("/confirm/" + sign("another key", "confirm", token))[0] == 410
    assert site.get("/confirm/" + sign(SECRET, "manage", token))[0] == 410  # another purpose
    assert site.get("/confirm/" + token)[0] == 410  # the bare id is no link
    assert site.reader("new@example.org")[0] == "pending"


def test_a_reader_changes_sections_and_unsubscribes_with_one_click(site: Site) -> None:
    assert run_cli("subscribers", "add", "r@example.org", cwd=site.folder).code == 0
    manage, leave = site.link("manage", "r@example.org"), site.link("unsubscribe", "r@example.org")
    status, page, headers = site.get(manage)
    assert status == 200 and "r@example.org" in page and 'value="News"' in page
    assert headers["Referrer-Policy"] == "no-referrer"
    status, page, _ = site.post(manage, {"edition": "daily", "sections": ["News"]})
    assert status == 200 and "Saved." in page
    assert site.reader("r@example.org")[2] == ("News",)
    assert re.search(r'value="News" checked', page)
    assert leave in page  # the page links to the reader's own unsubscribe page

    status, page, _ = site.get(leave)
    assert status == 200 and "<button" in page
    assert site.reader("r@example.org")[0] == "active"  # a GET (a link scanner) changes nothing
    status, page, _ = site.post(leave, "List-Unsubscribe=One-Click")  # no cookie, no token
    assert status == 200 and "Unsubscribed" in page
    assert site.reader("r@example.org")[0] == "unsubscribed"
    # RFC 8058 asks mail programs for multipart/form-data: that one-click works too
    assert run_cli("subscribers", "add", "r@example.org", cwd=site.folder).code == 0
    boundary = "digestboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(site.base + leave, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    assert site.reader("r@example.org")[0] == "unsubscribed"
    broken = urllib.request.Request(site.base + leave, data=b"x", method="POST")
    broken.add_header("Content-Type", "multipart/form-data")  # no boundary: refused, no 500
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(broken, timeout=10)
    assert refused.value.code == 403
    assert site.get("/issues/999999999999999999999999")[0] == 404


def test_links_forms_and_sign_ups_resist_forgery_and_floods(site: Site) -> None:
    assert run_cli("subscribers", "add", "r@example.org", cwd=site.folder).code == 0
    token = site.reader("r@example.org")[1]
    manage = site.link("manage", "r@example.org")
    # a link signed for managing does not unsubscribe; a bare or forged one does nothing
    for path in [
        "/unsubscribe/" + sign(SECRET, "manage", token),
        "/unsubscribe/" + token,
        "/unsubscribe/" + sign("another key", "unsubscribe", token),
        "/manage/" + sign(SECRET, "unsubscribe", token),
    ]:
        assert site.get(path)[0] == 404, path
        assert site.post(path, "List-Unsubscribe=One-Click")[0] == 404, path
    assert site.reader("r@example.org")[0] == "active"
    # a form posted without this site's CSRF token (another site's form) changes nothing
    assert site.post(manage, {"sections": ["News"]}, csrf=False)[0] == 403
    leave = site.link("unsubscribe", "r@example.org")
    assert site.post(leave, {"x": "y"}, csrf=False)[0] == 403
    assert site.post("/subscribe", {"email": "csrf@example.org"}, csrf=False)[0] == 403
    assert site.reader("r@example.org")[0:3:2] == ("active", ())
    # a header injected in the address is no address
    injected = {"email": "a@example.org\r\nBcc: victim@example.org"}
    assert site.post("/subscribe", injected)[0] == 400
    # floods: one address many times, then many addresses from one client
    codes = [site.post("/subscribe", {"email": "same@example.org"})[0] for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    codes = [site.post("/subscribe", {"email": f"n{i}@example.org"})[0] for i in range(8)]
    assert codes[-1] == 429 and codes.count(200) == 10 - 4
    assert len(site.mails()) == 1 + 6  # one mail for "same", one per new address let through


def test_the_archive_the_issue_page_and_the_atom_feed_show_what_was_sent(site: Site) -> None:
    archive_shows_what_was_sent(site)


def test_the_web_app_works_on_postgresql_too(pg_site: Site) -> None:
    archive_shows_what_was_sent(pg_site)
    status, _, _ = pg_site.post("/subscribe", {"email": "new@example.org"})
    assert status == 200
    assert pg_site.reader("new@example.org")[0] == "pending"


def archive_shows_what_was_sent(site: Site) -> None:
    assert site.get("/")[0] == 200 and "No issue has been sent yet." in site.get("/")[1]
    assert run_cli("subscribers", "add", "r@example.org", cwd=site.folder).code == 0
    sent = run_cli("send", cwd=site.folder)
    assert sent.code == 0, sent.err
    copy = next(m for m in site.mails() if m["To"] == "r@example.org")
    view = re.search(rf'href="{re.escape(site.base)}(/issues/\d+)"', html_part(copy))
    assert view, "the copy links to its page"

    status, page, headers = site.get(view.group(1))  # "View in browser"
    assert status == 200 and "Festival premiere review" in page
    assert "script-src" not in headers["Content-Security-Policy"]  # nothing runs
    token = site.reader("r@example.org")[1]
    assert token not in page and "r@example.org" not in page  # no reader on a public page

    status, front, _ = site.get("/")
    assert status == 200 and view.group(1) in front and copy["Subject"] in front

    status, body, headers = site.get("/feed.atom")
    assert "r@example.org" not in body
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.link for e in parsed.entries] == [site.base + view.group(1)]
    assert parsed.entries[0].title == copy["Subject"]
    assert site.get("/issues/999")[0] == 404


def test_healthz_says_when_the_last_send_failed(site: Site) -> None:
    from datetime import UTC, datetime, timedelta

    from digest.store import Refused

    status, body, _ = site.get("/healthz")
    assert status == 200 and json.loads(body)["last_send"] == {"daily": None}
    assert run_cli("send", cwd=site.folder).code == 0
    data = json.loads(site.get("/healthz")[1])
    assert data["status"] == "ok" and data["last_send"]["daily"] and data["last_fetch"]
    # a later attempt that reached no one: unhealthy until a send succeeds
    with open_store(site.folder / "digest.sqlite3") as store:
        later = datetime.now(UTC) + timedelta(minutes=1)
        attempt = store.begin_digest("Test Digest", "<later@example.org>", [], later)
        store.fail_digest(attempt, [Refused("reader@example.org", "451 try later")], later)
    status, body, _ = site.get("/healthz")
    assert status == 503 and json.loads(body)["status"] == "failing"


def test_serve_needs_its_key_and_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGEST_SECRET", raising=False)
    write_config(
        tmp_path, ["https://news.example.org/feed.xml"], web={"base_url": "https://d.example.org"}
    )
    result = run_cli("serve", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("digest: error: the environment variable DIGEST_SECRET")
    assert result.err.count("\n") == 1
    write_config(tmp_path, ["https://news.example.org/feed.xml"])
    assert "needs a web: section" in run_cli("serve", cwd=tmp_path).err


def test_without_double_opt_in_a_sign_up_reads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.web import start_in_thread

    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = write_config(
        tmp_path,
        ["https://news.example.org/feed.xml"],
        web={"base_url": base, "listen": f"127.0.0.1:{port}"},
        subscribers={"double_opt_in": False},
    )
    stop = start_in_thread(load_config(path))
    try:
        site = Site(tmp_path, load_config(path), base)
        status, page, _ = site.post("/subscribe", {"email": "now@example.org"})
        assert status == 200 and "Subscribed" in page
        assert site.reader("now@example.org")[0] == "active" and site.mails() == []
    finally:
        stop()


CHROMIUM = Path("/usr/bin/chromium")


def test_a_reader_signs_up_chooses_sections_and_leaves_in_a_real_browser(site: Site) -> None:
    """Chromium (Debian's, as .ci/email-tools.sh installs it) through Playwright: the
    forms as a reader uses them, at a phone's width."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (Debian package chromium; .ci/email-tools.sh)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 375, "height": 700})
            page.goto(site.base + "/")
            assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no overflow
            page.get_by_label("Your email address").fill("phone@example.org")
            page.get_by_label("News").check()
            page.get_by_role("button", name="Subscribe").click()
            page.wait_for_selector("text=Check your inbox")
            assert site.reader("phone@example.org")[0] == "pending"

            page.goto(site.base + confirmation_link(site.mails()[0], site.base))
            page.get_by_role("button", name="Confirm").click()
            page.wait_for_selector("h1:has-text('Subscribed')")
            page.get_by_role("link", name="Choose your edition and sections").click()
            assert page.get_by_label("News").is_checked()
            page.get_by_label("Culture").check()
            page.get_by_role("button", name="Save").click()
            page.wait_for_selector("text=Saved.")
            assert site.reader("phone@example.org")[2] == ("Culture", "News")

            page.get_by_role("link", name="Unsubscribe").click()
            page.get_by_role("button", name="Unsubscribe").click()
            page.wait_for_selector("h1:has-text('Unsubscribed')")
            assert site.reader("phone@example.org")[0] == "unsubscribed"
        finally:
            browser.close()


def test_the_archive_of_a_thousand_issues_comes_in_pages(site: Site) -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2024, 1, 1, 7, tzinfo=UTC)
    with open_store(site.folder / "digest.sqlite3") as store:
        for n in range(1000):
            when = start + timedelta(days=n)
            number = store.begin_digest(f"Issue {n + 1}", f"<{n}@example.org>", [], when)
            store.archive_issue(number, f"<p>issue {n + 1}</p>", f"issue {n + 1}")
            store.finish_digest(number, [], [], when)
    status, first, _ = site.get("/")
    assert status == 200 and ">Issue 1000<" in first and ">Issue 951<" in first
    assert ">Issue 950<" not in first and "page 1 of 20" in first
    assert 'href="' + site.base + '/?page=2" rel="next"' in first
    status, last, _ = site.get("/?page=20")
    assert (
        status == 200 and ">Issue 1<" in last and 'rel="prev"' in last and 'rel="next"' not in last
    )
    assert site.get("/?page=21")[0] == 404
    assert site.get("/?page=x")[0] == 200  # not a number: the first page
    assert len(feedparser.parse(site.get("/feed.atom")[1]).entries) == 50


def test_the_signing_key_may_come_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.web import start_in_thread

    monkeypatch.delenv("DIGEST_SECRET", raising=False)
    port = free_port()
    web = {"base_url": f"http://127.0.0.1:{port}", "listen": f"127.0.0.1:{port}"}
    path = write_config(
        tmp_path, ["https://news.example.org/feed.xml"], web={**web, "secret_file": "key"}
    )
    missing = run_cli("serve", cwd=tmp_path)
    assert missing.code == 2 and "cannot read the signing key from" in missing.err
    (tmp_path / "key").write_text(SECRET + "\n", encoding="utf-8")
    stop = start_in_thread(load_config(path))
    try:
        site = Site(tmp_path, load_config(path), web["base_url"])
        assert run_cli("subscribers", "add", "r@example.org", cwd=tmp_path).code == 0
        assert site.get(site.link("manage", "r@example.org"))[0] == 200  # signed with it
    finally:
        stop()


def test_metrics_say_what_a_monitor_needs_in_the_prometheus_format(site: Site) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    def values() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, body, headers = site.get("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
        }

    before = values()
    assert before[("digest_feeds", (("state", "never_fetched"),))] == 1
    assert before[("digest_sends_total", ())] == 0
    assert before[("digest_last_send_timestamp_seconds", ())] == 0
    assert run_cli("subscribers", "add", "r@example.org", cwd=site.folder).code == 0
    assert run_cli("send", cwd=site.folder).code == 0
    after = values()
    assert after[("digest_feeds", (("state", "ok"),))] == 1
    assert after[("digest_sends_total", ())] == 1
    assert after[("digest_items_pending", ())] == 0
    assert after[("digest_last_send_failed", ())] == 0
    assert after[("digest_last_send_timestamp_seconds", ())] > 1.7e9
    assert 0 < after[("digest_last_send_duration_seconds", ())] < 60
    assert after[("digest_last_fetch_timestamp_seconds", ())] > 1.7e9
    assert after[("digest_subscribers", (("status", "active"),))] == 1
    assert "r@example.org" not in site.get("/metrics")[1]


def test_a_reader_subscribes_reads_and_leaves_as_a_reader_does(
    tmp_path: Path,
    http_server: FeedServer,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole way in Chromium and a real SMTP server: sign up for the weekly edition and
    the News section, confirm by the mailed link, get the next weekly issue with News only,
    open it in the browser, leave by the one-click POST the mail program sends, get
    nothing more."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (Debian package chromium; .ci/email-tools.sh)")
    from digest.web import start_in_thread

    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    stories = [
        FakeItem("Festival premiere review", "https://n.example.org/1", categories=["film"]),
        FakeItem("Council passes the budget", "https://n.example.org/2", categories=["news"]),
    ]
    url = http_server.serve("/feed.xml", rss(*stories))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = write_config(
        tmp_path,
        [url],
        delivery=smtp_delivery(smtp_server, ["editor@example.org"]),
        editions=[
            {"name": "daily", "schedule": "0 7 * * *"},
            {"name": "weekly", "schedule": "0 8 * * mon"},
        ],
        web={"base_url": base, "listen": f"127.0.0.1:{port}"},
    )
    mailbox = smtp_server.mailbox

    def mails_to(address: str) -> list[EmailMessage]:
        return [m for _s, rcpts, m in mailbox.messages if rcpts == [address]]

    stop = start_in_thread(load_config(path))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(base + "/")
            page.get_by_label("Your email address").fill("reader@example.net")
            page.get_by_label("weekly").check()
            page.get_by_label("News").check()
            page.get_by_role("button", name="Subscribe").click()
            page.wait_for_selector("text=Check your inbox")
            mailbox.wait_for(1)
            [confirmation] = mails_to("reader@example.net")
            page.goto(base + confirmation_link(confirmation, base))
            page.get_by_role("button", name="Confirm").click()
            page.wait_for_selector("h1:has-text('Subscribed')")

            # a process of its own: Playwright's loop runs in this thread
            sent = run_cli_process("send", "--edition", "weekly", cwd=tmp_path)
            assert sent.code == 0, sent.err
            mailbox.wait_for(2)
            [_, issue] = mails_to("reader@example.net")
            assert "Council passes the budget" in text_part(issue)
            assert "Festival premiere review" not in text_part(issue)  # not their section
            view = re.search(rf'href="({re.escape(base)}/issues/\d+)"', html_part(issue))
            assert view, "View in browser"
            page.goto(view.group(1))
            assert "Council passes the budget" in page.content()
            browser.close()
        # the mail program's one-click unsubscribe: a POST to the List-Unsubscribe URL
        leave = re.search(r"<(https?://[^>]+/unsubscribe/[^>]+)>", str(issue["List-Unsubscribe"]))
        assert leave and issue["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        request = urllib.request.Request(
            leave.group(1), data=b"List-Unsubscribe=One-Click", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        http_server.serve(
            "/feed.xml",
            rss(
                *stories,
                FakeItem("Tram line opens", "https://n.example.org/3", categories=["news"]),
            ),
        )
        assert run_cli("send", "--edition", "weekly", cwd=tmp_path).code == 0
        assert len(mails_to("reader@example.net")) == 2  # nothing more
    finally:
        stop()


def test_the_pages_and_their_mails_speak_the_digests_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.web import start_in_thread

    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = write_config(
        tmp_path,
        ["https://news.example.org/feed.xml"],
        digest={"lang": "de"},
        web={"base_url": base, "listen": f"127.0.0.1:{port}"},
    )
    stop = start_in_thread(load_config(path))
    try:
        site = Site(tmp_path, load_config(path), base)
        status, page, _ = site.get("/")
        assert status == 200 and '<html lang="de">' in page
        assert "Abonnieren" in page and "Ihre E-Mail-Adresse" in page and "Subscribe" not in page
        status, page, _ = site.post("/subscribe", {"email": "leser@example.org"})
        assert status == 200 and "Sehen Sie in Ihr Postfach" in page
        [mail] = site.mails()
        assert mail["Subject"] == "Bestätigen Sie Ihr Abonnement von Test Digest"
        assert "Zur Bestätigung öffnen Sie innerhalb von 7 Tagen diesen Link" in text_part(mail)
        assert site.get("/unsubscribe/no-such-token")[1].count("Unbekannter Link") >= 1
    finally:
        stop()
