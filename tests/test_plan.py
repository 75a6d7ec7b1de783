"""The fetch's pure middle: what to ask each feed, and what its answer means.

Table tests, without a server or a database: each row is a remembered state and an
answer, and what the store is told to remember.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from digest.models import Entry, FeedState, FetchResult
from digest.plan import (
    MAX_BACKOFF,
    Document,
    FeedPlan,
    Waiting,
    backoff,
    decide,
    new_items,
    plan_feed,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
FEED = "https://a.example/feed.xml"
NEW = "https://b.example/feed.xml"
ERROR = FetchResult(FEED, "error", error="HTTP 500 Internal Server Error")
DOC = Document("A feed")


def failing(count: int, **kw: object) -> FeedState:
    return FeedState(url=FEED, last_error="HTTP 500", error_count=count, **kw)  # type: ignore[arg-type]


# --- what to ask ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "respect_backoff", "expected"),
    [
        (None, False, FeedPlan(FEED, FEED)),
        (
            FeedState(url=FEED, etag='"v1"', last_modified="Tue, 24 Nov 2026 08:00:00 GMT"),
            False,
            FeedPlan(FEED, FEED, '"v1"', "Tue, 24 Nov 2026 08:00:00 GMT"),
        ),
        (FeedState(url=FEED, moved_to=NEW, etag="e"), False, FeedPlan(FEED, NEW, "e")),
        # gone is gone, daemon or not
        (
            FeedState(url=FEED, gone=True, last_error="HTTP 410 Gone: removed"),
            False,
            Waiting(FEED, "HTTP 410 Gone: removed", gone=True),
        ),
        (FeedState(url=FEED, gone=True), True, Waiting(FEED, "HTTP 410 Gone", gone=True)),
        # backing off: only the daemon waits; a command run by hand asks anyway
        (failing(3, next_fetch=NOW + timedelta(minutes=1)), True, Waiting(FEED, "HTTP 500")),
        (failing(3, next_fetch=NOW + timedelta(minutes=1)), False, FeedPlan(FEED, FEED)),
        (failing(3, next_fetch=NOW), True, FeedPlan(FEED, FEED)),  # its time has come
    ],
)
def test_plan_feed(
    state: FeedState | None, respect_backoff: bool, expected: FeedPlan | Waiting
) -> None:
    assert plan_feed(FEED, state, NOW, respect_backoff=respect_backoff) == expected


# --- backing off ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "retry_after", "wait"),
    [
        (1, None, timedelta(0)),  # a server restarting: the next run tries again
        (2, None, timedelta(minutes=15)),
        (3, None, timedelta(minutes=30)),
        (4, None, timedelta(minutes=60)),
        (5, None, timedelta(minutes=120)),
        (8, None, timedelta(hours=16)),
        (9, None, MAX_BACKOFF),  # doubling stops at a day
        (5000, None, MAX_BACKOFF),  # months of failures do not overflow
        (1, 120.0, timedelta(minutes=2)),  # Retry-After counts from the first failure
        (6, 120.0, timedelta(minutes=2)),  # and in place of the doubling
        (1, 2.5e9, MAX_BACKOFF),  # a date in 2099 must not switch the feed off
        (1, float("inf"), MAX_BACKOFF),
    ],
)
def test_backoff(failures: int, retry_after: float | None, wait: timedelta) -> None:
    assert backoff(failures, retry_after) == wait


@pytest.mark.parametrize(
    ("before", "result", "count", "next_fetch"),
    [
        (None, ERROR, 1, None),
        (failing(1), ERROR, 2, NOW + timedelta(minutes=15)),
        (failing(4), ERROR, 5, NOW + timedelta(hours=2)),
        (failing(5000), ERROR, 5001, NOW + MAX_BACKOFF),
        (None, replace(ERROR, retry_after=120.0), 1, NOW + timedelta(minutes=2)),
        (None, replace(ERROR, retry_after=2.5e9), 1, NOW + MAX_BACKOFF),
    ],
)
def test_a_failure_counts_and_backs_off(
    before: FeedState | None, result: FetchResult, count: int, next_fetch: datetime | None
) -> None:
    update = decide(FEED, before, result, None, NOW)
    assert update.error == result.error and not update.items
    assert (update.state.error_count, update.state.next_fetch) == (count, next_fetch)
    assert update.state.last_error == result.error and update.state.last_fetch == NOW


@pytest.mark.parametrize(
    ("result", "read", "error"),
    [
        (ERROR, None, "HTTP 500 Internal Server Error"),
        (FetchResult(FEED, "ok"), "not a feed: HTML page", "not a feed: HTML page"),
        (FetchResult(FEED, "ok"), None, "no response"),
    ],
)
def test_what_a_failure_says(result: FetchResult, read: str | None, error: str) -> None:
    assert decide(FEED, None, result, read, NOW).error == error


# --- answers that succeed ---------------------------------------------------------------


def test_a_document_clears_the_errors_and_keeps_its_items_and_validators() -> None:
    items = tuple(new_items(FEED, [Entry("1", "One", "https://a.example/1", NOW, "<p>x</p>")], NOW))
    result = FetchResult(FEED, "ok", etag='"v2"', last_modified="Thu, 26 Nov 2026 07:00:00 GMT")
    update = decide(FEED, failing(4), result, Document("Arts", items, ("b", "a")), NOW)
    assert update.error is None and update.items == items and update.carried == ("a", "b")
    state = update.state
    assert (state.title, state.etag, state.last_modified) == (
        "Arts",
        '"v2"',
        "Thu, 26 Nov 2026 07:00:00 GMT",
    )
    assert (state.error_count, state.last_error, state.next_fetch) == (0, None, None)
    assert state.carried_at == NOW == state.last_fetch


def test_a_document_without_a_title_keeps_the_one_it_had() -> None:
    update = decide(FEED, FeedState(url=FEED, title="Arts"), FetchResult(FEED, "ok"), DOC, NOW)
    assert update.state.title == "A feed"
    update = decide(
        FEED, FeedState(url=FEED, title="Arts"), FetchResult(FEED, "ok"), Document(""), NOW
    )
    assert update.state.title == "Arts"


@pytest.mark.parametrize(
    ("etag", "last_modified", "kept"),
    [
        (None, None, ('"v1"', "Mon")),  # a 304 without validators keeps the old ones
        ('"v2"', None, ('"v2"', "Mon")),
        ('"v2"', "Tue", ('"v2"', "Tue")),
    ],
)
def test_not_modified_keeps_the_feed_and_clears_its_errors(
    etag: str | None, last_modified: str | None, kept: tuple[str, str]
) -> None:
    before = failing(3, etag='"v1"', last_modified="Mon", carried_at=NOW - timedelta(days=3))
    result = FetchResult(FEED, "not_modified", etag=etag, last_modified=last_modified)
    update = decide(FEED, before, result, None, NOW)
    assert update.not_modified and update.error is None and not update.items
    state = update.state
    assert (state.etag, state.last_modified) == kept
    assert (state.error_count, state.last_error, state.next_fetch) == (0, None, None)
    assert state.carried_at == NOW - timedelta(days=3)  # a 304 says nothing of the items


# --- moved and gone ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "result", "moved_to"),
    [
        # a permanent redirect (301, 308) comes as new_url: remembered
        (None, FetchResult(FEED, "ok", new_url=NEW), NEW),
        # a temporary one (302, 307) does not: nothing remembered, nothing forgotten
        (None, FetchResult(FEED, "ok"), None),
        (FeedState(url=FEED, moved_to=NEW), FetchResult(NEW, "ok"), NEW),
        (FeedState(url=FEED, moved_to=NEW), FetchResult(NEW, "not_modified"), NEW),
        # moved on again
        (
            FeedState(url=FEED, moved_to=NEW),
            FetchResult(NEW, "ok", new_url="https://c.example/f"),
            "https://c.example/f",
        ),
        # a move that fails at once is remembered all the same (asked there next time)
        (None, replace(ERROR, new_url=NEW), NEW),
    ],
)
def test_a_permanent_move_is_remembered(
    before: FeedState | None, result: FetchResult, moved_to: str | None
) -> None:
    read = None if result.status != "ok" else DOC
    assert decide(FEED, before, result, read, NOW).state.moved_to == moved_to


@pytest.mark.parametrize(
    "result",
    [
        FetchResult(NEW, "error", error="refused: localhost is a private address"),  # refused
        replace(ERROR, url=NEW),
    ],
)
def test_a_move_that_fails_is_named_and_forgotten(result: FetchResult) -> None:
    update = decide(FEED, FeedState(url=FEED, moved_to=NEW), result, None, NOW)
    assert update.error == f"{result.error} at {NEW}, where it had moved"
    assert update.state.moved_to is None  # the configured address is asked next time
    assert plan_feed(FEED, update.state, NOW) == FeedPlan(FEED, FEED)


def test_gone_is_remembered_and_never_asked_again() -> None:
    error = "HTTP 410 Gone: the feed was removed, it will not be fetched again"
    result = FetchResult(FEED, "error", error=error, gone=True)
    update = decide(FEED, None, result, None, NOW)
    assert update.state.gone and update.error == error
    assert plan_feed(FEED, update.state, NOW + timedelta(days=30)) == Waiting(
        FEED, error, gone=True
    )


# --- new items ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "date_only", "stored", "dated"),
    [
        (None, False, NOW, 0),
        (NOW - timedelta(hours=1), False, NOW - timedelta(hours=1), 1),
        (NOW + timedelta(minutes=5), False, NOW, 1),  # a server clock a little ahead
        (NOW + timedelta(hours=2), False, NOW, 0),  # far ahead: no date at all
        (NOW + timedelta(hours=4), True, NOW, 2),  # a day, today somewhere ahead
        (NOW + timedelta(days=2), True, NOW, 0),
    ],
)
def test_new_items_clamp_future_dates(
    published: datetime | None, date_only: bool, stored: datetime, dated: int
) -> None:
    entry = Entry("1", "One", "https://a.example/1", published, "<p>x</p>", date_only=date_only)
    [item] = new_items(FEED, [entry], NOW)
    assert (item.published, item.dated, item.first_seen) == (stored, dated, NOW)


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("https://a.example/s?utm_source=rss&id=4", "https://a.example/s?id=4"),
        ("", f"guid:{FEED}#g"),
        ("https://a.example/", f"guid:{FEED}#g"),  # a home page shared by many items
    ],
)
def test_new_items_are_known_by_their_story_link_or_guid(link: str, key: str) -> None:
    [item] = new_items(FEED, [Entry("g", "One", link, NOW, "")], NOW)
    assert item.key == key
