"""The store at a year of items: what one fetch run and one digest ask of SQLite.

    .venv/bin/python bench/store.py [--feeds 2000] [--per-day 2] [--days 365] [--db PATH]

Builds (once, then reuses) a database of FEEDS feeds, each with PER-DAY items a day
for DAYS days, all delivered, and the latest document of each feed carrying its 20
newest items, as ``digest fetch`` leaves them. Then times the store calls a run
makes, through the real ``SQLiteStore``:

- ``stored_guids`` for every feed (a fetch asks it for each feed that answers 200);
- inserting one new item into each feed, in the fetch's batches of 32 feeds;
- ``pending_items`` and ``delivered_keys`` for the new items (building a digest);
- ``feed_states`` (``digest feeds``, ``digest status``) and ``prune``.

2,000 × 2 × 365 is 1.46 million items, about 1.9 GB with 600 bytes of HTML each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.models import FeedState, FeedUpdate, NewItem
from digest.store import SQLiteStore, iso

NOW = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
CARRIED = 20  # items in each feed's latest document
HTML = "<p>" + "Words of a story, as a feed carries them. " * 14 + "</p>"


def feed_url(feed: int) -> str:
    return f"https://site{feed}.example.org/feed.xml"


def rows_for(feed: int, day: int, count: int, now: datetime) -> list[NewItem]:
    """*count* items of *feed* published *day* days before *now*."""
    rows: list[NewItem] = []
    for k in range(count):
        when = now - timedelta(days=day, hours=k)
        link = f"https://site{feed}.example.org/story/{day}-{k}"
        url, title = feed_url(feed), f"Story {feed} {day} {k}"
        rows.append(NewItem(url, link, link, title, link, when, 1, when, HTML))
    return rows


def build(path: Path, feeds: int, per_day: int, days: int) -> None:
    """A year of delivered items; each feed's newest CARRIED items in its latest document."""
    store = SQLiteStore(path)
    updates: list[FeedUpdate] = []
    for feed in range(feeds):
        rows = [r for day in range(days) for r in rows_for(feed, day, per_day, NOW)]
        store.apply([FeedUpdate(FeedState(url=feed_url(feed)), tuple(rows))])
        newest = sorted(rows, key=lambda r: r.published, reverse=True)[:CARRIED]
        state = FeedState(url=feed_url(feed), last_fetch=NOW, carried_at=NOW)
        updates.append(FeedUpdate(state, carried=tuple(r.guid for r in newest)))
        if feed % 50 == 49:
            store.apply(updates)
            updates.clear()
    store.apply(updates)
    store.db.execute("UPDATE items SET outcome = 'sent', digest_id = 0")
    store.close()


def timed(label: str, action: Callable[[], object], results: list[tuple[str, float]]) -> None:
    start = time.perf_counter()
    action()
    results.append((label, time.perf_counter() - start))


def run(path: Path, feeds: int) -> list[tuple[str, float]]:
    results: list[tuple[str, float]] = []
    store = SQLiteStore(path)
    urls = [feed_url(f) for f in range(feeds)]
    counts: list[int] = []
    timed(
        "stored_guids, every feed",
        lambda: counts.extend(len(store.stored_guids(url)) for url in urls),
        results,
    )
    later = NOW + timedelta(hours=1)
    new = [rows_for(f, -1, 1, later) for f in range(feeds)]

    def insert() -> None:
        for start in range(0, len(new), 32):
            batch = new[start : start + 32]
            store.apply(
                [FeedUpdate(FeedState(url=rows[0].feed_url), tuple(rows)) for rows in batch]
            )

    timed("insert one new item a feed (batches of 32)", insert, results)
    pending: list[object] = []
    timed("pending_items", lambda: pending.extend(store.pending_items()), results)
    keys = [rows[0].key for rows in new]
    timed("delivered_keys of the new items", lambda: store.delivered_keys(keys), results)
    timed("feed_states", store.feed_states, results)
    timed("prune (keep_days 365)", lambda: store.prune(later - timedelta(days=365)), results)
    # leave the database as built: the next run measures the same thing
    store.db.execute("DELETE FROM items WHERE first_seen = ?", (iso(later),))
    store.close()
    print(f"stored_guids gave {sum(counts)} guids for {feeds} feeds; {len(pending)} pending")
    return results


def table(results: Sequence[tuple[str, float]], path: Path, items: int) -> str:
    size = path.stat().st_size / 1e9
    lines = [
        f"{items:,} items in {path} ({size:.2f} GB)",
        "",
        "| store call | seconds |",
        "| --- | ---: |",
    ]
    lines += [f"| {label} | {seconds:.3f} |" for label, seconds in results]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--per-day", type=int, default=2)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--db", type=Path, default=None, help="database (default: in /tmp)")
    args = parser.parse_args(argv)
    path = args.db or Path(
        f"/tmp/digest-bench-store-{args.feeds}x{args.per_day}x{args.days}.sqlite3"
    )
    if not path.exists():
        print(f"building {path} ...", flush=True)
        start = time.perf_counter()
        build(path, args.feeds, args.per_day, args.days)
        print(f"built in {time.perf_counter() - start:.0f} s", flush=True)
    print(table(run(path, args.feeds), path, args.feeds * args.per_day * args.days))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
