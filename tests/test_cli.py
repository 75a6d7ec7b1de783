"""Every command through the entry point (`digest.cli.main`, in this process): exit codes and
messages; the installed `digest` script and `python -m digest` as processes of their own."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from tests.conftest import (
    FIXTURE_FEEDS,
    FeedServer,
    SmtpServer,
    html_part,
    needs_shared,
    outbox_messages,
    run_cli,
    run_cli_process,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

ITEMS = (
    FakeItem(
        "Festival premiere review",
        "https://a.example.org/festival",
        categories=["Film"],
        body="<p>The festival opened with a premiere. Critics were kind to it.</p>",
    ),
    FakeItem(
        "Parliament passes budget",
        "https://a.example.org/budget",
        categories=["Politics"],
        body="<p>The budget passed late on Tuesday. Opposition members walked out.</p>",
    ),
    FakeItem(
        "Gardening notes for winter",
        "https://a.example.org/garden",
        body="<p>Cover the beds before the frost. Mulch helps.</p>",
    ),
)


def setup(tmp_path: Path, server: FeedServer, *items: FakeItem, **settings: object) -> str:
    url = server.serve("/feed.xml", rss(*(items or ITEMS), title="Example Feed"))
    write_config(tmp_path, [url], **settings)
    return url


def test_send_then_nothing_new(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server)
    first = run_cli("send", cwd=tmp_path)
    assert first.code == 0, first.err
    assert "Sent" in first.out and "3 stories" in first.out
    [msg] = outbox_messages(tmp_path / "outbox")
    text = text_part(msg).replace("\r\n", "\n")
    # sections in config order, unmatched items last under "More"
    assert text.index("\nCULTURE\n") < text.index("\nNEWS\n") < text.index("\nMORE\n")
    assert text.index("Festival premiere review") < text.index("Parliament passes budget")
    again = run_cli("send", cwd=tmp_path)
    assert again.code == 0
    assert again.out.endswith("Nothing new: no digest sent.\n")
    assert len(outbox_messages(tmp_path / "outbox")) == 1
    # a second feed brings one story already told (same page): said, not sent
    other = http_server.serve("/other.xml", rss(ITEMS[0], title="Other Feed"))
    write_config(tmp_path, [http_server.url("/feed.xml"), other])
    told = run_cli("send", cwd=tmp_path)
    assert "1 new item" in told.out
    assert "Nothing new: no digest sent (1 pending item left out: already told" in told.out


def test_new_item_after_a_send_is_the_only_one_in_the_next(
    tmp_path: Path, http_server: FeedServer
) -> None:
    setup(tmp_path, http_server)
    assert run_cli("send", cwd=tmp_path).code == 0
    newer = FakeItem(
        "Museum reopens",
        "https://a.example.org/museum",
        categories=["Culture"],
        body="<p>The museum reopened after two years. Queues formed early.</p>",
    )
    http_server.serve("/feed.xml", rss(newer, *ITEMS, title="Example Feed"))
    assert run_cli("send", cwd=tmp_path).code == 0
    second = outbox_messages(tmp_path / "outbox")[-1]
    text = text_part(second)
    assert "Museum reopens" in text
    assert "Festival premiere review" not in text


def test_preview_writes_html_and_marks_nothing(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server)
    result = run_cli("preview", cwd=tmp_path)
    assert result.code == 0, result.err
    html = (tmp_path / "digest-preview.html").read_text(encoding="utf-8")
    assert "Festival premiere review" in html and "<table" in html
    custom = run_cli("preview", "--out", "p/x.html", cwd=tmp_path)
    assert custom.code == 0 and (tmp_path / "p" / "x.html").exists()
    assert not (tmp_path / "outbox").exists()
    # nothing was marked: send still delivers all three
    sent = run_cli("send", cwd=tmp_path)
    assert "3 stories" in sent.out


def test_preview_json_contract(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server)
    result = run_cli("preview", "--json", "d.json", cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert data["title"] == "Test Digest"
    assert [s["name"] for s in data["sections"]] == ["Culture", "News", "More"]
    item = data["sections"][0]["items"][0]
    assert set(item) >= {"title", "link", "source", "published", "blurb"}
    assert item["title"] == "Festival premiere review"
    assert item["link"] == "https://a.example.org/festival"
    assert item["source"] == "Example Feed"
    assert item["published"].startswith("20") and "T" in item["published"]
    assert item["blurb"] == "The festival opened with a premiere. Critics were kind to it."
    assert item["date_only"] is False and item["feed_url"].endswith("/feed.xml")
    assert data["item_count"] == 3 and data["subject"].startswith("Test Digest: ")
    text = run_cli("preview", "--no-fetch", "--text", "-", cwd=tmp_path)
    assert text.out.startswith("Test Digest\n") and "Wrote digest-preview.html" in text.err
    piped = run_cli("preview", "--json", "-", "--text", "t.txt", cwd=tmp_path)  # for a script
    assert piped.code == 0 and json.loads(piped.out) | {"created": data["created"]} == data
    assert "Fetched 1 feed" in piped.err and "Wrote t.txt" in piped.err  # not in the JSON
    assert not (tmp_path / "-").exists()


def test_fetch_and_feeds(tmp_path: Path, http_server: FeedServer) -> None:
    url = setup(tmp_path, http_server)
    broken = http_server.url("/missing.xml")
    write_config(tmp_path, [url, {"url": broken, "name": "Broken Feed"}])
    unfetched = run_cli("feeds", cwd=tmp_path)
    assert unfetched.out.count("last fetch: never\titems: 0\tnot fetched yet") == 2
    fetched = run_cli("fetch", cwd=tmp_path)
    assert fetched.code == 0
    assert "3 new items" in fetched.out
    assert "Broken Feed" in fetched.err and "HTTP 404" in fetched.err
    listing = run_cli("feeds", cwd=tmp_path)
    assert listing.code == 0
    lines = listing.out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Example Feed\t" + url) and "items: 3" in lines[0]
    assert "last fetch: 20" in lines[0] and lines[0].endswith("ok")
    assert lines[1].startswith("Broken Feed\t" + broken) and "error: HTTP 404" in lines[1]


def test_warnings_follow_the_log_options(tmp_path: Path, http_server: FeedServer) -> None:
    url = setup(tmp_path, http_server)
    write_config(tmp_path, [url, {"url": http_server.url("/missing.xml"), "name": "Broken"}])
    as_json = run_cli("--log-format", "json", "fetch", cwd=tmp_path)
    [line] = as_json.err.splitlines()
    record = json.loads(line)
    assert record["level"] == "warning" and "feed Broken" in record["message"]
    quiet = run_cli("fetch", "--log-level", "error", cwd=tmp_path)
    assert quiet.code == 0 and quiet.err == "" and "1 failed" in quiet.out


def test_fetch_revalidates_with_etag_and_sends_user_agent(
    tmp_path: Path, http_server: FeedServer
) -> None:
    setup(tmp_path, http_server)
    assert run_cli("fetch", cwd=tmp_path).code == 0
    second = run_cli("fetch", cwd=tmp_path)
    assert "0 new items" in second.out
    first_hit, second_hit = http_server.hits("/feed.xml")
    assert first_hit.headers["User-Agent"].startswith("digest/")
    assert "If-None-Match" in second_hit.headers
    assert "If-Modified-Since" in second_hit.headers


def test_a_failing_feed_does_not_stop_the_digest(tmp_path: Path, http_server: FeedServer) -> None:
    url = setup(tmp_path, http_server)
    html = http_server.serve(
        "/page", "<!doctype html><html><body>hi</body></html>", content_type="text/html"
    )
    write_config(tmp_path, [url, {"url": html, "name": "Not A Feed"}])
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "not a feed: got an HTML page" in result.err
    [msg] = outbox_messages(tmp_path / "outbox")
    assert "Festival premiere review" in text_part(msg)
    assert "Not A Feed" in html_part(msg) and "Not A Feed" in text_part(msg)


def test_blurbs_prints_title_and_blurb(tmp_path: Path, http_server: FeedServer) -> None:
    url = setup(tmp_path, http_server)
    result = run_cli("blurbs", url, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Festival premiere review\n  The festival opened with a premiere." in result.out
    local = tmp_path / "local.xml"
    local.write_text(rss(FakeItem("Only a title", "https://a.example.org/x", body="")))
    offline = run_cli("blurbs", str(local), cwd=tmp_path)
    assert offline.code == 0
    assert "Only a title\n  (no blurb" in offline.out
    missing = run_cli("blurbs", str(tmp_path / "nope.xml"), cwd=tmp_path)
    assert missing.code == 2 and "no such feed file" in missing.err
    write_config(tmp_path, [{"url": url, "name": "Example Feed"}])
    by_name = run_cli("blurbs", "example feed", cwd=tmp_path)
    assert by_name.code == 0 and "Festival premiere review\n  The festival" in by_name.out
    unknown = run_cli("blurbs", "Exemple Feed", cwd=tmp_path)
    assert unknown.code == 2 and "or the name of a configured feed: 'Example Feed'" in unknown.err
    ftp = run_cli("blurbs", "ftp://example.org/feed.xml", cwd=tmp_path)
    assert ftp.code == 2 and "not a feed address" in ftp.err


def test_status_before_and_after_a_digest(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server)
    before = run_cli("status", cwd=tmp_path)
    assert before.code == 0
    assert "Next send:" in before.out and "none sent yet" in before.out
    assert "Daemon:     not running (never started" in before.out
    assert "(if digest run is running then)" in before.out
    assert "Sending:" not in before.out
    from digest.locks import send_lock

    # lockf locks are a process's: status must run in another process to see this one
    with send_lock(tmp_path / "digest.sqlite3"):  # as a send in another process would
        during = run_cli_process("status", cwd=tmp_path)
    assert "Sending:    a digest is being sent right now" in during.out
    run_cli("send", cwd=tmp_path)
    after = run_cli("status", cwd=tmp_path)
    assert "3 stories, to reader@example.org" in after.out
    assert "Failing feeds: none" in after.out
    broken = http_server.url("/gone.xml")
    write_config(tmp_path, [http_server.url("/feed.xml"), broken])
    run_cli("fetch", cwd=tmp_path)
    failing = run_cli("status", cwd=tmp_path)
    assert f"127.0.0.1 ({broken}): HTTP 404" in failing.out  # which feed, not just its host


def test_output_into_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`digest feeds | head -1`: head exits after one line; digest must not print a traceback."""
    import subprocess
    import sys

    feeds = [f"https://feeds{n}.example.org/a-rather-long-path/feed-{n}.xml" for n in range(1500)]
    write_config(tmp_path, feeds)
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "feeds"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line: the rest meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0, err
    assert first.startswith(b"feeds0.example.org\t") and err == ""


def test_prune_drops_only_old_handled_items(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server, store={"keep_days": 1})
    run_cli("send", cwd=tmp_path)
    # Two items age; only one has left the feed since. The other must stay, or the
    # next fetch would find it "new" and mail it again.
    db = sqlite3.connect(tmp_path / "digest.sqlite3")
    db.execute(
        "UPDATE items SET last_seen = '2020-01-01T00:00:00+00:00',"
        " first_seen = '2020-01-01T00:00:00+00:00' WHERE link NOT LIKE '%festival'"
    )
    db.commit()
    db.close()
    http_server.serve("/feed.xml", rss(ITEMS[0], ITEMS[2], title="Example Feed"))
    assert run_cli("fetch", cwd=tmp_path).code == 0  # garden is still carried: seen again
    result = run_cli("prune", cwd=tmp_path)
    assert result.code == 0
    assert "Pruned 1 item " in result.out
    again = run_cli("send", cwd=tmp_path)
    assert "Nothing new" in again.out


def test_usage_errors_exit_2_in_one_line(tmp_path: Path) -> None:
    for args in (["frobnicate"], [], ["preview", "--bogus"]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.code == 2, args
        assert result.err.strip().count("\n") == 0, result.err
        assert "Traceback" not in result.err


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0 and result.out.startswith("digest ")


def test_the_installed_digest_command(tmp_path: Path, http_server: FeedServer) -> None:
    """The console script pip installed: its output is all there although `run` leaves
    through os._exit, and a usage error is one line and exit 2 there too."""
    setup(tmp_path, http_server)
    sent = run_cli_process("send", cwd=tmp_path, installed=True)
    assert sent.code == 0, sent.err
    assert "Sent" in sent.out and "3 stories" in sent.out
    assert len(outbox_messages(tmp_path / "outbox")) == 1
    wrong = run_cli_process("frobnicate", cwd=tmp_path, installed=True)
    assert wrong.code == 2 and wrong.err.count("\n") == 1 and "digest: error:" in wrong.err


@needs_shared
def test_blurbs_on_the_jung_e_review_say_what_the_film_is(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve_file("/jung_e.xml", FIXTURE_FEEDS / "jung_e_rss.xml")
    result = run_cli("blurbs", url, cwd=tmp_path)
    assert result.code == 0, result.err
    title, blurb = result.out.strip().splitlines()[:2]
    assert "Jung_E" in title
    assert "sci-fi thriller" in blurb
    for chrome in (
        "Netflix/YouTube screenshot",
        "Watch Jung_E",
        "See at Netflix",
        "Related",
        "Recent Posts",
        "minutes ago",
    ):
        assert chrome not in blurb
    assert len(blurb.strip()) <= 300


def test_blurbs_on_a_page_that_is_not_a_feed_exit_1(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve(
        "/page", "<!doctype html><html><body><p>Hi</p></body></html>", content_type="text/html"
    )
    result = run_cli("blurbs", url, cwd=tmp_path)
    assert result.code == 1
    assert "not a feed" in result.err and result.err.count("\n") == 1


def test_common_options_work_after_the_command_too(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server)
    (tmp_path / "elsewhere").mkdir()
    config = tmp_path / "config.yaml"
    result = run_cli(
        "status", "--config", config, "--log-format", "json", cwd=tmp_path / "elsewhere"
    )
    assert result.code == 0, result.err
    assert "Next send:" in result.out


def test_export_to_an_unwritable_place_is_one_line(tmp_path: Path, http_server: FeedServer) -> None:
    setup(tmp_path, http_server)
    (tmp_path / "file").write_text("x")
    result = run_cli("export", "--out", tmp_path / "file" / "feeds.opml", cwd=tmp_path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "cannot write" in result.err


def test_a_day_without_a_time_and_no_date_at_all_are_shown_as_given(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """'2026-11-25' is the 25th in New York too, with no made-up time; an undated item
    shows no date rather than the time it was fetched."""
    items = (
        "<item><title>Day only</title><link>https://a.example/1</link>"
        "<pubDate>2026-11-25</pubDate><description>A note.</description></item>"
        "<item><title>No date</title><link>https://a.example/2</link>"
        "<description>Another note.</description></item>"
        "<item><title>Full date</title><link>https://a.example/3</link>"
        "<pubDate>Wed, 25 Nov 2026 08:30:00 +0100</pubDate><description>Text.</description>"
        "</item>"
    )
    url = http_server.serve(
        "/feed.xml", f'<rss version="2.0"><channel><title>Notes</title>{items}</channel></rss>'
    )
    write_config(tmp_path, [url], timezone="America/New_York")
    result = run_cli("preview", "--json", "d.json", "--text", "d.txt", cwd=tmp_path)
    assert "Wrote d.txt (the text part)." in result.out
    assert result.code == 0, result.err
    stories = {
        s["title"]: s
        for sec in json.loads((tmp_path / "d.json").read_text())["sections"]
        for s in sec["items"]
    }
    assert stories["Day only"]["published"] == "2026-11-25"
    assert stories["No date"]["published"] is None
    assert stories["Full date"]["published"].startswith("2026-11-25T07:30:00")
    text = (tmp_path / "d.txt").read_text()
    assert "Notes · Wed 25 Nov 2026\n" in text  # not "Tue 24 Nov 2026, 19:00"
    assert "Notes · Wed 25 Nov 2026, 02:30" in text  # 07:30 UTC in New York
    no_date = text.split("No date", 1)[1].split("\n\n", 1)[0]
    assert "2026" not in no_date and "Notes" in no_date


# --- what the user is told (issue 13) ------------------------------------------------------


def test_send_says_how_many_items_were_left_out_and_why_when_it_sends(
    tmp_path: Path, http_server: FeedServer
) -> None:
    from datetime import UTC, datetime, timedelta

    month_ago = datetime.now(UTC) - timedelta(days=30)
    old = FakeItem("Last month's gala", "https://a.example.org/gala", published=month_ago)
    setup(
        tmp_path,
        http_server,
        *ITEMS[:2],
        old,
        digest={"max_age_days": 7, "max_items_per_feed": 1},
    )
    preview = run_cli("preview", "--json", "d.json", cwd=tmp_path)
    assert preview.code == 0, preview.err
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert data["dropped"] == {"too old": 1, "over a cap": 1}
    assert "2 pending items left out: " in preview.out
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    assert "with 1 story" in sent.out
    # said although a digest went out, not only when nothing is sent
    assert "2 pending items left out: " in sent.out
    assert "1 too old" in sent.out and "1 over a cap" in sent.out


def test_left_out_reasons_read_as_one_sentence() -> None:
    from datetime import UTC, datetime

    from digest.cli import left_out_text
    from digest.models import Digest

    def digest(*dropped: tuple[str, int], skipped: tuple[int, ...] = ()) -> Digest:
        now = datetime.now(UTC)
        return Digest("D", now, "UTC", (), dropped=dropped, skipped_ids=skipped)

    assert left_out_text(digest()) == ""
    assert left_out_text(digest(("ads", 1))) == "1 pending item left out: ads"
    both = digest(("too old", 3), ("duplicates", 1), ("ads", 0))
    assert left_out_text(both) == "4 pending items left out: 3 too old, 1 duplicates"


def test_send_exits_1_when_every_feed_failed_and_0_when_some_did(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = setup(tmp_path, http_server)
    broken = http_server.url("/missing.xml")
    write_config(tmp_path, [{"url": url}, {"url": broken, "name": "Broken Feed"}])
    some = run_cli("send", cwd=tmp_path)
    assert some.code == 0, some.err
    assert "Sent" in some.out
    assert "1 feed of 2 failed: Broken Feed" in some.err
    down = http_server.url("/down.xml")
    write_config(tmp_path, [{"url": down, "name": "Down Feed"}, {"url": broken}])
    every = run_cli("send", cwd=tmp_path)
    assert every.code == 1, every.out  # a cron job can tell this from "nothing new"
    assert "digest: error: no digest sent: every feed failed (2 feeds" in every.err
    assert "Traceback" not in every.err and "Nothing new" not in every.out


def test_a_feed_address_without_a_scheme_gets_a_suggestion(tmp_path: Path) -> None:
    write_config(tmp_path, ["www.example.com/feed.xml"])
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 2
    assert "did you mean https://www.example.com/feed.xml?" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "outbox").exists()
    (tmp_path / "elsewhere").mkdir()  # no config.yaml there: blurbs needs none
    blurbs = run_cli("blurbs", "example.com/rss", cwd=tmp_path / "elsewhere")
    assert blurbs.code == 2 and "did you mean https://example.com/rss?" in blurbs.err
    assert blurbs.err.count("\n") == 1


def test_blurbs_takes_the_names_digest_feeds_prints(
    tmp_path: Path, http_server: FeedServer
) -> None:
    setup(tmp_path, http_server)  # no name in config.yaml: the feed's own title is shown
    assert run_cli("fetch", cwd=tmp_path).code == 0
    feeds = run_cli("feeds", cwd=tmp_path)
    assert feeds.out.startswith("Example Feed\t")
    by_title = run_cli("blurbs", "Example Feed", cwd=tmp_path)
    assert by_title.code == 0, by_title.err
    assert "Festival premiere review\n  The festival opened" in by_title.out
    helped = run_cli("blurbs", "--help", cwd=tmp_path)
    assert "digest feeds" in " ".join(helped.out.split())
    unknown = run_cli("blurbs", "Exemple Feed", cwd=tmp_path)
    assert unknown.code == 2 and "or the name of a configured feed: 'Example Feed'" in unknown.err


def test_status_names_a_feed_that_has_failed_for_a_week(
    tmp_path: Path, http_server: FeedServer
) -> None:
    from datetime import UTC, datetime, timedelta

    from digest.scheduler import FAILING

    url = setup(tmp_path, http_server)
    broken = http_server.url("/broken.xml")
    write_config(tmp_path, [{"url": url}, {"url": broken, "name": "Broken Feed"}])
    assert run_cli("fetch", cwd=tmp_path).code == 0
    fresh = run_cli("status", cwd=tmp_path)
    assert "Failing feeds (1):" in fresh.out and "failing for" not in fresh.out
    assert run_cli("preview", "--out", "p.html", "--text", "p.txt", cwd=tmp_path).code == 0
    for part in ("p.html", "p.txt"):
        footer = (tmp_path / part).read_text()
        assert "Broken Feed" in footer and "failing since" not in footer
    # eight days on, every fetch still failing (the run of failures began eight days ago)
    db = sqlite3.connect(tmp_path / "digest.sqlite3")
    start = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    with db:
        db.execute(
            "UPDATE state SET value = ? WHERE key = ?", (json.dumps({broken: start}), FAILING)
        )
    db.close()
    assert run_cli("fetch", cwd=tmp_path).code == 0
    week = run_cli("status", cwd=tmp_path)
    assert "Failing feeds (1, 1 of them for a week or more):" in week.out
    assert "Broken Feed (" in week.out and "(failing for 8 days: every fetch since" in week.out
    # ... and the digest's footer says so too, with the day it began
    began = (datetime.now(UTC) - timedelta(days=8)).strftime("%a %d %b %Y")
    assert run_cli("preview", "--out", "p.html", "--text", "p.txt", cwd=tmp_path).code == 0
    html = (tmp_path / "p.html").read_text()
    text = " ".join((tmp_path / "p.txt").read_text().split())  # unwrapped
    for footer in (html, text):
        assert re.search(rf"Broken Feed \([^)]*; failing since {began}\)", footer), footer[-600:]
    # read once again, its run of failures is over: a new failure starts a new one
    http_server.serve("/broken.xml", rss(ITEMS[0], title="Back"))
    assert run_cli("fetch", cwd=tmp_path).code == 0
    http_server.routes.pop("/broken.xml")
    assert run_cli("fetch", cwd=tmp_path).code == 0
    again = run_cli("status", cwd=tmp_path)
    assert "Failing feeds (1):" in again.out and "failing for" not in again.out


def test_a_run_in_this_process_leaves_it_as_it_was(tmp_path: Path, http_server: FeedServer) -> None:
    """run_cli calls main here: the next test must find the folder, environment, streams,
    logging and signal handlers it had (a JSON log run replaces the root handlers)."""
    import logging
    import os
    import signal
    import sys

    setup(tmp_path, http_server)
    root = logging.getLogger()
    before = (
        os.getcwd(),
        dict(os.environ),
        (sys.stdin, sys.stdout, sys.stderr, sys.argv),
        root.handlers[:],
        root.level,
        logging.getLogger("httpx").level,
        signal.getsignal(signal.SIGALRM),
        signal.getsignal(signal.SIGTERM),
    )
    os.environ["DIGEST_CONFIG"] = str(tmp_path / "elsewhere.yaml")  # removed for the run
    result = run_cli(
        "--log-level", "error", "--log-format", "json", "send", cwd=tmp_path, env={"X_T": "1"}
    )
    del os.environ["DIGEST_CONFIG"]
    assert result.code == 0, result.err
    after = (
        os.getcwd(),
        dict(os.environ),
        (sys.stdin, sys.stdout, sys.stderr, sys.argv),
        root.handlers[:],
        root.level,
        logging.getLogger("httpx").level,
        signal.getsignal(signal.SIGALRM),
        signal.getsignal(signal.SIGTERM),
    )
    assert after == before


def test_every_command_help_says_what_the_command_does(tmp_path: Path) -> None:
    import argparse

    from digest.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        page = run_cli(name, "--help", cwd=tmp_path)
        assert page.code == 0, name
        # usage, then a paragraph of its own before the options: not an empty page
        body = page.out.split("\n\n")[1]
        assert command.description and len(body.split()) >= 8, (name, page.out)
        assert body.split()[0] != "options:", (name, page.out)
    prune = " ".join(run_cli("prune", "--help", cwd=tmp_path).out.split())
    assert "still in its feed is kept" in prune
    blurbs = " ".join(run_cli("blurbs", "--help", cwd=tmp_path).out.split())
    assert "without storing anything" in blurbs


def test_status_check_tells_a_monitor_what_needs_care(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    """`status --check`: 'OK' and 0 while all is well; one line per problem and 1 when the
    last send failed, a scheduled send is late, or a feed has failed too long."""
    from datetime import UTC, datetime, timedelta

    from digest.pipeline import SEND_RAN
    from digest.scheduler import FAILING

    url = setup(tmp_path, http_server)
    broken = http_server.url("/broken.xml")
    feeds = [{"url": url}, {"url": broken, "name": "Broken Feed"}]
    write_config(tmp_path, feeds, delivery=smtp_delivery(smtp_server))
    fresh = run_cli("status", "--check", cwd=tmp_path)
    assert (fresh.code, fresh.out) == (0, "OK\n")  # nothing has run yet: nothing is late
    assert run_cli("send", cwd=tmp_path).code == 0
    assert smtp_server.mailbox.messages
    ok = run_cli("status", "--check", cwd=tmp_path)
    assert (ok.code, ok.out) == (0, "OK\n")  # a feed failing for a moment is no problem yet
    # the feed's failures began three days ago; the last send ran two days ago
    db = sqlite3.connect(tmp_path / "digest.sqlite3")
    days_ago = lambda n: (datetime.now(UTC) - timedelta(days=n)).isoformat()  # noqa: E731
    with db:
        db.execute(
            "UPDATE state SET value = ? WHERE key = ?", (json.dumps({broken: days_ago(3)}), FAILING)
        )
        db.execute("UPDATE state SET value = ? WHERE key = ?", (days_ago(2), SEND_RAN))
        db.execute("UPDATE digests SET sent_at = ?", (days_ago(2),))
    db.close()
    late = run_cli("status", "--check", cwd=tmp_path)
    assert late.code == 1, late.out
    lines = late.out.splitlines()
    assert any(
        re.match(r"digest: feed Broken Feed \(.*\) has failed since .*: HTTP 404", ln)
        for ln in lines
    ), lines
    assert any(
        re.match(r"digest: the send scheduled for .* has not happened$", ln) for ln in lines
    ), lines
    # the server goes away and a send fails: said first
    smtp_server.stop()
    fresh_story = FakeItem("Harbour bridge reopens", "https://news.example.org/bridge")
    http_server.serve("/new.xml", rss(fresh_story, title="New"))
    write_config(
        tmp_path,
        [*feeds, {"url": http_server.url("/new.xml")}],
        delivery=smtp_delivery(smtp_server, retries=0),
    )
    assert run_cli("send", cwd=tmp_path).code == 1
    failed = run_cli("status", "--check", cwd=tmp_path)
    assert failed.code == 1 and failed.out.startswith("digest: the last send failed at ")


def test_send_to_one_address_is_a_test_copy_that_marks_nothing(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    setup(tmp_path, http_server, delivery=smtp_delivery(smtp_server, ["list@example.org"]))
    test = run_cli("send", "--to", "Me@Example.org", cwd=tmp_path)
    assert test.code == 0, test.err
    assert 'Sent a test copy of "' in test.out and "with 3 stories to Me@example.org;" in test.out
    [(_sender, rcpts, msg)] = smtp_server.mailbox.messages
    assert rcpts == ["Me@example.org"] and msg["To"] == "Me@example.org"
    assert all(item.title in text_part(msg) for item in ITEMS)  # the digest itself
    # nothing was marked: the real send carries every story, to the list only
    real = run_cli("send", cwd=tmp_path)
    assert real.code == 0 and "with 3 stories to list@example.org." in real.out
    assert [m[1] for m in smtp_server.mailbox.messages] == [
        ["Me@example.org"],
        ["list@example.org"],
    ]
    bad = run_cli("send", "--to", "not an address", cwd=tmp_path)
    assert bad.code == 2 and "not an email address" in bad.err


def test_init_writes_a_starter_config_that_loads_and_never_overwrites(tmp_path: Path) -> None:
    from digest.config import load_config

    first = run_cli("init", cwd=tmp_path)
    assert first.code == 0, first.err
    assert "Wrote config.yaml. Next:" in first.out and "digest preview" in first.out
    config = load_config(tmp_path / "config.yaml")
    assert len(config.feeds) == 3 and [s.name for s in config.sections] == ["Culture", "News"]
    assert config.delivery.method == "outbox"
    text = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert text.count("# replace") >= 2  # the user is told which lines are theirs to change
    (tmp_path / "config.yaml").write_text(text + "# mine\n", encoding="utf-8")
    again = run_cli("init", cwd=tmp_path)
    assert again.code == 2 and "exists: digest init never overwrites" in again.err
    assert (tmp_path / "config.yaml").read_text(encoding="utf-8").endswith("# mine\n")
    other = run_cli("init", "site/digest.yaml", cwd=tmp_path)
    assert other.code == 0 and "digest --config site/digest.yaml preview" in other.out
    assert load_config(tmp_path / "site" / "digest.yaml").title == "My Digest"


def test_a_config_in_the_users_config_folder_keeps_its_data_in_the_users_data_folder(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """No --config, no $DIGEST_CONFIG, no ./config.yaml: $XDG_CONFIG_HOME/digest/config.yaml,
    with its database and outbox in $XDG_DATA_HOME/digest/ unless it names its own."""
    home, work = tmp_path / "config-home", tmp_path / "work"
    data = tmp_path / "data-home"
    (home / "digest").mkdir(parents=True)
    work.mkdir()
    url = http_server.serve("/feed.xml", rss(*ITEMS, title="Example Feed"))
    written = write_config(home / "digest", [url])
    text = written.read_text(encoding="utf-8")
    text = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith(("database:", "outbox:"))
    )
    written.write_text(text + "\n", encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(data), "DIGEST_CONFIG": ""}
    sent = run_cli("send", cwd=work, env=env)
    assert sent.code == 0, sent.err
    assert (data / "digest" / "digest.sqlite3").is_file()
    assert len(list((data / "digest" / "outbox").glob("*.eml"))) == 1
    assert not list(work.iterdir()) and not (home / "digest" / "digest.sqlite3").exists()
    # a ./config.yaml comes first, and nothing at all is an error that says where to look
    (work / "config.yaml").write_text("feeds: []\n", encoding="utf-8")
    assert "feeds" in run_cli("status", cwd=work, env=env).err
    (work / "config.yaml").unlink()
    empty = {**env, "XDG_CONFIG_HOME": str(tmp_path / "nowhere")}
    missing = run_cli("status", cwd=work, env=empty)
    assert missing.code == 2 and "config file not found: config.yaml" in missing.err
    assert "digest init writes one" in missing.err


def test_check_tries_feeds_smtp_and_dkim_without_storing_or_sending(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve("/feed.xml", rss(*ITEMS, title="Example Feed"))
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, retries=0))
    good = run_cli("check", cwd=tmp_path)
    assert good.code == 0, good.out + good.err
    assert good.out.startswith(
        f"OK: {tmp_path / 'config.yaml'} loads, the database {tmp_path / 'digest.sqlite3'}"
        " opens, 1 feed read, SMTP 127.0.0.1:"
    )
    assert smtp_server.mailbox.messages == []  # connected, said EHLO, sent nothing
    assert not (tmp_path / "digest.sqlite3").exists()  # nothing stored
    # a feed that is gone, a server that is down, a DKIM key that is no key
    smtp_server.stop()
    (tmp_path / "dkim.pem").write_text("not a key\n", encoding="utf-8")
    dkim = {"selector": "bad_selector!", "domain": "example.org", "key_file": "dkim.pem"}
    write_config(
        tmp_path,
        [url, http_server.url("/gone.xml")],
        delivery={**smtp_delivery(smtp_server, retries=0, timeout=2), "dkim": dkim},
    )
    bad = run_cli("check", cwd=tmp_path)
    assert bad.code == 1
    lines = bad.out.splitlines()
    assert len(lines) == 4, lines
    assert re.match(r"digest: feed .*gone\.xml\): HTTP 404", lines[0])
    assert lines[1].startswith("digest: SMTP: SMTP server 127.0.0.1:") and "refused" in lines[1]
    assert lines[2] == "digest: delivery.dkim.selector 'bad_selector!' is not a DNS name"
    assert lines[3].startswith("digest: the DKIM key ") and "is not a PEM private key" in lines[3]
