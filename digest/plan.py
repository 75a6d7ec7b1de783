"""What to ask each feed, and what its answer means: the fetch half's pure middle.

``plan_feed`` says where and how to ask a feed this run (the configured URL or the
one it moved to, the validators for a conditional GET), or that it is left alone
(gone, or backing off). ``decide`` turns the answer (new items, 304, moved, gone,
an error with or without Retry-After) into the ``FeedUpdate`` the store writes.
``new_items`` makes a document's new entries into the items the store keeps.

No I/O and no clock: *now* is passed in, so every rule here is a table test
(tests/test_plan.py) without a server or a database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from digest.links import canonical_url, is_story_key, shown_url
from digest.models import Entry, FeedState, FeedUpdate, FetchResult, NewItem

MAX_BACKOFF = timedelta(hours=24)
FIRST_BACKOFF = timedelta(minutes=15)  # after the second failure in a row; then doubling
# A server clock a little ahead of ours; a day given without a time (taken as noon UTC)
# is today somewhere up to a day ahead.
FUTURE_SKEW = timedelta(minutes=10)
FUTURE_SKEW_DAY = timedelta(days=1)


@dataclass(frozen=True)
class FeedPlan:
    """What to ask one configured feed this run."""

    feed_url: str  # as configured: the feed's name in the store
    url: str  # where to ask: the configured URL, or the one it moved to for good
    etag: str | None = None
    last_modified: str | None = None

    @property
    def moved(self) -> bool:
        """True when the feed is asked at a remembered new address."""
        return self.url != self.feed_url


@dataclass(frozen=True)
class Waiting:
    """A feed left alone this run: gone (HTTP 410), or backing off after failures."""

    feed_url: str
    error: str | None
    gone: bool = False


@dataclass(frozen=True)
class Document:
    """What a feed's document gave: its title, its new items as the store keeps them,
    and the guids of stored items it still carries (the parser skipped those)."""

    title: str
    items: tuple[NewItem, ...] = ()
    carried: tuple[str, ...] = ()


def plan_feed(
    feed_url: str, state: FeedState | None, now: datetime, *, respect_backoff: bool = False
) -> FeedPlan | Waiting:
    """How to ask *feed_url* this run given what is remembered of it, or why not to.

    A gone feed is never asked again; with *respect_backoff* (the daemon) a failing
    feed is left alone until its ``next_fetch``.
    """
    if state is None:
        return FeedPlan(feed_url, feed_url)
    if state.gone:
        return Waiting(feed_url, state.last_error or "HTTP 410 Gone", gone=True)
    if respect_backoff and state.next_fetch and state.next_fetch > now:
        return Waiting(feed_url, state.last_error)
    return FeedPlan(feed_url, state.moved_to or feed_url, state.etag, state.last_modified)


def backoff(failures: int, retry_after: float | None = None) -> timedelta:
    """How long to leave a feed alone after its *failures*-th failure in a row.

    A first failure (a server restarting) waits for nothing: the next run tries again.
    From the second in a row, FIRST_BACKOFF doubling up to MAX_BACKOFF. A server's
    Retry-After (seconds) is honoured up to MAX_BACKOFF too, or one far-off date would
    switch the feed off for good.
    """
    cap = MAX_BACKOFF.total_seconds()
    if retry_after and math.isfinite(retry_after):
        return timedelta(seconds=min(max(retry_after, 0.0), cap))
    if retry_after:  # an infinite wait asked for: the longest we give
        return MAX_BACKOFF
    if failures <= 1:
        return timedelta(0)
    return min(FIRST_BACKOFF * (1 << min(failures - 2, 10)), MAX_BACKOFF)


def decide(
    feed_url: str,
    state: FeedState | None,
    result: FetchResult,
    read: Document | str | None,
    now: datetime,
) -> FeedUpdate:
    """What one answer means for the store: *result* is the fetch's, *read* what the
    parse made of its document (a Document, or why it could not be read; None when
    nothing was parsed).

    A 304 keeps everything and clears the errors; a failure counts, backs off and may
    mark the feed gone; a document stores its new items and its validators. A
    permanent move (``result.new_url``) is remembered; when the address it had moved
    to fails, the failure says so and the configured address is asked next time.
    """
    state = state or FeedState(url=feed_url)
    moved = result.new_url if result.new_url and result.new_url != feed_url else state.moved_to
    if result.status == "not_modified":
        kept = replace(
            state,
            last_fetch=now,
            moved_to=moved,
            last_error=None,
            error_count=0,
            next_fetch=None,
            etag=result.etag or state.etag,
            last_modified=result.last_modified or state.last_modified,
        )
        return FeedUpdate(kept, not_modified=True)
    base = replace(state, last_fetch=now, moved_to=moved)
    if result.status == "error" or not isinstance(read, Document):
        error = result.error if result.status == "error" else None
        if isinstance(read, str):
            error = read
        error = error or "no response"
        if state.moved_to and moved == state.moved_to:
            # The address it had moved to fails: say which, and ask the configured one
            # next time (it may have come back, or redirect somewhere new).
            error += f" at {shown_url(state.moved_to)}, where it had moved"
            base = replace(base, moved_to=None)
        count = state.error_count + 1
        wait = backoff(count, result.retry_after)
        failed = replace(
            base,
            last_error=error,
            error_count=count,
            next_fetch=now + wait if wait else None,
            gone=result.gone,
        )
        return FeedUpdate(failed, error=error)
    read_ok = replace(
        base,
        title=read.title or state.title,
        etag=result.etag,
        last_modified=result.last_modified,
        last_error=None,
        error_count=0,
        next_fetch=None,
        carried_at=now,
    )
    return FeedUpdate(read_ok, read.items, tuple(sorted(read.carried)))


def new_items(feed_url: str, entries: Sequence[Entry], now: datetime) -> list[NewItem]:
    """*entries* of *feed_url* as the store keeps them, first seen *now*.

    A date later than *now* is stored as *now* (the fetch time). One later than the
    skew a server's clock may have is no date at all: the item is stored undated,
    so it is shown without a time and sorts after the dated stories of its section,
    and a feed dating hundreds of items in the future cannot push other feeds'
    stories out of the digest. An item without a link of its own (none, or a home
    page shared by many items) is known by its guid.
    """
    items: list[NewItem] = []
    for e in entries:
        published, dated = stored_date(e, now)
        key = canonical_url(e.link) if e.link else ""
        if not is_story_key(key):
            key = f"guid:{feed_url}#{e.guid}"
        items.append(
            NewItem(
                feed_url,
                e.guid,
                key,
                e.title,
                e.link,
                published,
                dated,
                now,
                e.html,
                tuple(e.categories),
                e.author,
                e.image,
                e.lang,
            )
        )
    return items


def stored_date(entry: Entry, now: datetime) -> tuple[datetime, int]:
    """The date stored for *entry* and how it is dated (0: none, 1: a time, 2: a day
    with no time), future dates clamped to *now*."""
    if entry.published is None:
        return now, 0
    skew = FUTURE_SKEW_DAY if entry.date_only else FUTURE_SKEW
    if entry.published > now + skew:
        return now, 0
    return min(entry.published, now), 2 if entry.date_only else 1
