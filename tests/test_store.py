"""The SQLite store: schema versions, pending items, marking sent in one step."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.errors import StorageError
from digest.models import Added, Entry, FeedState, FeedUpdate, Image
from digest.plan import new_items
from digest.store import MIGRATIONS, ROTATING_KEEP, Refused, SQLiteStore, SQLStore
from tests.conftest import FeedServer, run_cli, write_config
from tests.feeds import FakeItem, rss

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def entry(guid: str, link: str = "", **kw: object) -> Entry:
    values: dict[str, object] = {
        "guid": guid,
        "title": f"Story {guid}",
        "link": link or f"https://a.example/{guid}",
        "published": NOW - timedelta(hours=1),
        "html": "<p>Text.</p>",
    }
    values.update(kw)
    return Entry(**values)  # type: ignore[arg-type]


def opened(database: Path | str) -> SQLStore:
    """The store on *database* (an SQLite file or a PostgreSQL URL)."""
    if isinstance(database, Path):
        return SQLiteStore(database)
    from digest.postgres import PostgresStore

    return PostgresStore(database)


def fetched(
    store: SQLStore,
    feed: str,
    entries: list[Entry],
    at: datetime,
    *,
    carried: tuple[str, ...] = (),
    carried_at: datetime | None = None,
) -> Added:
    """Store one fetch of *feed* at *at* as the pipeline does: its new *entries*, the
    stored guids its document still *carried*, and its state."""
    state = FeedState(url=feed, last_fetch=at, carried_at=carried_at)
    [added] = store.apply([FeedUpdate(state, tuple(new_items(feed, entries, at)), carried)])
    return added


def test_new_database_is_at_the_latest_schema(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "d.sqlite3")
    version = store.db.execute("PRAGMA user_version").fetchone()[0]
    mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    store.close()
    assert version == len(MIGRATIONS)
    assert mode == "wal"


def test_database_from_a_newer_digest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 5}")
    db.close()
    with pytest.raises(StorageError, match="newer digest"):
        SQLiteStore(path)


def test_unusable_database_path_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="cannot open database"):
        SQLiteStore(tmp_path / "file" / "d.sqlite3")


def test_items_are_stored_once_and_pending_until_sent(database: Path | str) -> None:
    store = opened(database)
    image = Image("https://a.example/i.jpg", 640, 480, "alt")
    assert fetched(store, "f1", [entry("1", image=image), entry("2")], NOW).kept == 2
    assert fetched(store, "f1", [entry("1", image=image), entry("3")], NOW).kept == 1
    assert store.known_guids("f1", ["1", "2", "3", "4"]) == {"1", "2", "3"}
    pending = store.pending_items()
    assert [i.guid for i in pending] == ["1", "2", "3"]
    assert pending[0].image == image
    digest_id = store.begin_digest("Subject", "tok", [pending[0].id], NOW)
    assert store.unfinished_message_id([pending[0].id]) == "tok"
    store.record_delivery(digest_id, "a@example.org", "sent", None, NOW)
    store.record_delivery(digest_id, "b@example.org", "refused", "refused: 550", NOW)
    store.finish_digest(digest_id, [pending[0].id], [pending[1].id], NOW)
    assert store.delivered_to("tok") == {"a@example.org"}
    assert [i.guid for i in store.pending_items()] == ["3"]
    assert store.delivered_keys(["https://a.example/1", "https://a.example/2"]) == {
        "https://a.example/1"
    }
    last = store.last_digest()
    assert last is not None and last.recipients == ("a@example.org",)
    store.close()


def test_failed_digest_leaves_items_pending(database: Path | str) -> None:
    store = opened(database)
    fetched(store, "f1", [entry("1")], NOW)
    [item] = store.pending_items()
    digest_id = store.begin_digest("Subject", "tok", [item.id], NOW)
    store.fail_digest(digest_id, [Refused("a@example.org", "connection refused")], NOW)
    assert [i.id for i in store.pending_items()] == [item.id]
    assert store.last_digest() is None
    store.close()


def test_dates_in_the_future_are_clamped_and_missing_dates_use_first_seen(
    database: Path | str,
) -> None:
    store = opened(database)
    fetched(
        store,
        "f1",
        [
            entry("future", published=NOW + timedelta(days=30)),
            entry("undated", published=None),
            entry("skewed", published=NOW + timedelta(minutes=5)),  # a clock a little ahead
            entry("today", published=NOW + timedelta(hours=4), date_only=True),  # noon UTC
        ],
        NOW,
    )
    future, undated, skewed, today = store.pending_items()
    assert future.published == NOW and not future.dated  # a made-up date is no date
    assert undated.published == NOW and not undated.dated
    assert skewed.published == NOW and skewed.dated
    assert today.published == NOW and today.date_only
    store.close()


def test_tracking_parameters_do_not_change_the_story_key(database: Path | str) -> None:
    store = opened(database)
    fetched(store, "f1", [entry("1", link="https://a.example/s?utm_source=rss&id=4")], NOW)
    fetched(store, "f2", [entry("9", link="https://WWW.a.example/s/?id=4")], NOW)
    first, second = store.pending_items()
    assert first.key == second.key
    store.close()


def test_prune_keeps_what_the_feed_still_carries_even_through_304s(database: Path | str) -> None:
    store = opened(database)
    long_ago = NOW - timedelta(days=400)
    # then only 304s for a year
    fetched(store, "f1", [entry("kept"), entry("gone")], long_ago, carried_at=long_ago)
    store.skip_items([i.id for i in store.pending_items()])
    assert store.prune(NOW - timedelta(days=90)) == 0
    later = long_ago + timedelta(days=1)
    fetched(store, "f1", [], later, carried=("kept",), carried_at=later)  # without "gone"
    assert store.prune(NOW - timedelta(days=90)) == 1
    assert store.known_guids("f1", ["kept", "gone"]) == {"kept"}
    store.close()


def test_the_parser_is_told_what_the_latest_document_carried_not_every_stored_guid(
    database: Path | str,
) -> None:
    """A year of stored items must not be loaded on every fetch; an old item that comes
    back is parsed again but stored once, pending no more, and kept by prune."""
    store = opened(database)
    assert store.stored_guids("f1") == frozenset()
    fetched(store, "f1", [entry("old"), entry("a")], NOW - timedelta(days=200))
    assert store.stored_guids("f1") == {"old", "a"}  # no carried_at yet: everything
    store.save_feed(FeedState(url="f1", carried_at=NOW - timedelta(days=200)))
    store.skip_items([i.id for i in store.pending_items()])
    later = NOW - timedelta(days=100)
    # the next document carries "a", not "old"
    assert fetched(store, "f1", [entry("b")], later, carried=("a",), carried_at=later).kept == 1
    assert store.stored_guids("f1") == {"a", "b"}
    # "old" comes back in today's document: parsed as new, stored once, not pending again
    assert fetched(store, "f1", [entry("old"), entry("c")], NOW, carried_at=NOW).kept == 1
    assert [i.guid for i in store.pending_items()] == ["b", "c"]
    assert store.stored_guids("f1") == {"old", "c"}
    assert store.prune(NOW - timedelta(days=90)) == 1  # "a": handled, not carried since
    assert store.known_guids("f1", ["old", "a", "b", "c"]) == {"old", "b", "c"}
    store.close()


def test_prune_drops_old_items_of_feeds_no_longer_configured(database: Path | str) -> None:
    store = opened(database)
    long_ago = NOW - timedelta(days=200)
    for feed in ("kept", "removed", "quiet"):
        fetched(store, feed, [entry(f"{feed}-1")], long_ago, carried_at=long_ago)
    store.skip_items([i.id for i in store.pending_items()])
    # "kept" is fetched (304s then a full document still carrying its item) every day
    day = NOW - timedelta(days=1)
    fetched(store, "kept", [], day, carried=("kept-1",), carried_at=day)
    # "quiet" has answered 304 since: its item is still in it, and stays
    size = database.stat().st_size if isinstance(database, Path) else 0
    assert store.prune(NOW - timedelta(days=90), ["kept", "quiet"]) == 1
    assert store.known_guids("kept", ["kept-1"]) == {"kept-1"}
    assert store.known_guids("quiet", ["quiet-1"]) == {"quiet-1"}
    assert store.known_guids("removed", ["removed-1"]) == set()
    if isinstance(database, Path):  # SQLite gives the pages back
        assert database.stat().st_size <= size
    store.close()


def test_prune_keeps_what_a_reader_of_another_edition_has_not_had(database: Path | str) -> None:
    from digest.models import Subscriber

    store = opened(database)
    long_ago = NOW - timedelta(days=200)
    fetched(store, "gone", [entry("g-1"), entry("g-2")], long_ago, carried_at=long_ago)
    first, second = (i.id for i in store.pending_items())
    store.skip_items([first, second])  # the daily handled both
    weekly = Subscriber("w@example.org", "token", "active", "weekly", (), NOW, NOW, first)
    store.save_subscriber(weekly, NOW)
    store.advance_readers(["w@example.org"], first)  # the weekly reader has had g-1 only
    assert store.prune(NOW - timedelta(days=90), []) == 1
    assert store.known_guids("gone", ["g-1", "g-2"]) == {"g-2"}
    store.advance_readers(["w@example.org"], second)
    assert store.prune(NOW - timedelta(days=90), []) == 1
    store.close()


def test_a_correction_before_the_digest_goes_out_reaches_it_and_none_after(
    database: Path | str,
) -> None:
    store = opened(database)
    draft = entry("a5", title="Orchestra names new conductr", html="<p>Draft text.</p>")
    fetched(store, "f1", [draft], NOW - timedelta(hours=2))
    # pending and new: parsed again at the next fetches; an older pending item is not
    assert store.stored_guids("f1", NOW - timedelta(hours=3)) == frozenset()
    assert store.stored_guids("f1", NOW - timedelta(hours=1)) == {"a5"}
    fixed = entry("a5", title="Orchestra names new conductor", html="<p>Final text.</p>")
    # read again in the same second as it was stored (a send right after a fetch): not new
    assert fetched(store, "f1", [fixed], NOW - timedelta(hours=2)).kept == 0
    [item] = store.pending_items()
    assert (item.title, item.html) == ("Orchestra names new conductor", "<p>Final text.</p>")
    store.skip_items([item.id])  # as a delivered digest marks it
    again = entry("a5", title="Orchestra names new conductor (updated)")
    fetched(store, "f1", [again], NOW)
    assert store.known_guids("f1", ["a5"]) == {"a5"}
    [row] = store.db.execute("SELECT title FROM items").fetchall()
    assert row[0] == "Orchestra names new conductor"  # what the reader got stays
    store.close()


def stored_items(folder: Path) -> int:
    """The item count ``digest feeds`` shows for the one configured feed."""
    result = run_cli("feeds", cwd=folder)
    assert result.code == 0, result.err
    found = re.search(r"items: (\d+)", result.out)
    assert found, result.out
    return int(found.group(1))


WORDS = "harbour library museum river orchestra garden market theatre bridge station".split()


def story(n: int, guid: str) -> FakeItem:
    """The *n*th of a feed's distinct stories (no two alike), under *guid*."""
    title = f"{WORDS[n % 10]} {WORDS[n // 10 % 10]} {WORDS[n // 100 % 10]} news {n}".capitalize()
    return FakeItem(title, f"https://r.example.org/story/{n}", guid=guid)


def test_a_feed_that_rotates_its_item_ids_adds_only_its_new_stories(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """Every fetch the feed gives the same 50 stories under 50 new ids: they were stored
    again each time (a megabyte a fetch for a big feed); now at most ROTATING_KEEP."""
    url = http_server.serve("/rotating.xml", rss(*(story(n, f"a{n}") for n in range(50))))
    write_config(tmp_path, [url])
    assert run_cli("fetch", cwd=tmp_path).code == 0
    assert stored_items(tmp_path) == 50
    http_server.serve("/rotating.xml", rss(*(story(n, f"b{n}") for n in range(50))))
    again = run_cli("fetch", cwd=tmp_path)
    assert again.code == 0
    assert "rotates its item ids: kept 0 of 50 new items" in again.err
    assert "0 new items." in again.out
    assert stored_items(tmp_path) == 50
    # five new stories among 45 re-issued ones: the five are kept
    fresh = [story(n, f"c{n}") for n in range(100, 105)]
    http_server.serve("/rotating.xml", rss(*fresh, *(story(n, f"c{n}") for n in range(45))))
    third = run_cli("fetch", cwd=tmp_path)
    assert "rotates its item ids: kept 5 of 50 new items" in third.err
    assert stored_items(tmp_path) == 55
    # a busy feed's 60 new stories are not a rotation: all kept, nothing said
    http_server.serve("/rotating.xml", rss(*(story(n, f"d{n}") for n in range(200, 260))))
    busy = run_cli("fetch", cwd=tmp_path)
    assert "rotates" not in busy.err and "60 new items." in busy.out
    assert stored_items(tmp_path) == 115


def test_a_rotating_feed_keeps_at_most_the_cap_of_new_stories(database: Path | str) -> None:
    store = opened(database)
    first = [entry(f"a{n}", link=f"https://a.example/{n}") for n in range(60)]
    assert fetched(store, "f1", first, NOW).kept == 60
    # 35 re-issued under new ids, 25 new stories
    later = NOW + timedelta(hours=1)
    second = [entry(f"b{n}", link=f"https://a.example/{n}") for n in range(25, 85)]
    added = fetched(store, "f1", second, later)
    assert (added.new, added.kept, added.rotating) == (60, ROTATING_KEEP, True)
    assert len(store.pending_items()) == 60 + ROTATING_KEEP
    # the stored copies of the re-issued stories count as still carried (prune keeps them)
    seen = store.db.execute("SELECT count(*) FROM items WHERE last_seen = ?", (later.isoformat(),))
    assert seen.fetchone()[0] == 35 + ROTATING_KEEP
    store.close()


def test_a_feed_of_future_dated_items_does_not_push_other_feeds_out(
    tmp_path: Path, http_server: FeedServer
) -> None:
    now = datetime.now(UTC)
    ahead = now + timedelta(days=365)
    spam = [
        FakeItem(story(n, "").title, f"https://s.example.org/{n}", published=ahead)
        for n in range(300)
    ]
    spam_url = http_server.serve("/spam.xml", rss(*spam, title="Spam"))
    real = FakeItem("Orchestra season announced", "https://b.example.org/1")
    real.published = now - timedelta(hours=1)
    real_url = http_server.serve("/real.xml", rss(real, title="Real"))
    write_config(tmp_path, [spam_url, real_url], digest={"max_items_per_feed": 0})  # no cap
    result = run_cli("preview", "--json", "-", cwd=tmp_path)
    assert result.code == 0, result.err
    stories = [s for section in json.loads(result.out)["sections"] for s in section["items"]]
    assert "Orchestra season announced" in [s["title"] for s in stories]
    assert all(s["published"] is None for s in stories if s["source"] == "Spam")
    db = sqlite3.connect(tmp_path / "digest.sqlite3")
    dates = db.execute(
        "SELECT DISTINCT published = first_seen, dated FROM items WHERE feed_url = ?",
        (spam_url,),
    ).fetchall()
    db.close()
    assert dates == [(1, 0)]  # stored with the fetch time, as undated


def test_an_interrupted_attempts_issue_page_is_the_attempt_that_finished_it(
    database: Path | str,
) -> None:
    """Copies accepted before a crash link to the first attempt's page; the retry that
    finishes the digest (same Message-ID) is what that page shows."""
    from datetime import UTC, datetime

    from digest.store import open_store

    now = datetime(2026, 12, 5, 7, tzinfo=UTC)
    with open_store(database) as store:
        first = store.begin_digest("Monday", "<m@example.org>", [], now)
        store.archive_issue(first, "<p>first try</p>", "first try")
        assert store.issue(first) is None  # not sent yet: not in the archive
        retry = store.begin_digest("Monday", "<m@example.org>", [], now)
        store.archive_issue(retry, "<p>as sent</p>", "as sent")
        store.finish_digest(retry, [], [], now)
        shown = store.issue(first)
        assert shown is not None and (shown.id, shown.html) == (retry, "<p>as sent</p>")
        assert [i.id for i in store.issues()[0]] == [retry]
