"""State between runs: feeds, items, digests, deliveries.

``Store`` is the small interface the pipeline needs; ``SQLiteStore`` is the
default implementation (WAL mode, schema migrations by ``PRAGMA user_version``,
sqlite errors wrapped in ``StorageError``). It speaks the project's values
(``FeedState``, ``FeedUpdate``, ``Item``...), never its rows.

SQLite has one write lock per database. A fetch holds it only while it writes:
the fetch keeps each feed's ``FeedUpdate`` in memory and hands a batch of them to
:meth:`SQLiteStore.apply`, one short transaction each. The commands that only
read (``status``, ``feeds``, ``export``, ``preview --no-fetch``) open the file
read-only (``open_store(path, readonly=True)``): they never wait for a fetch or a
send, and they work on a database they cannot write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from digest.errors import StorageError
from digest.links import is_story_key
from digest.models import (
    Added,
    FeedState,
    FeedUpdate,
    Image,
    Issue,
    Item,
    NewItem,
    Sent,
    Subscriber,
)


@dataclass(frozen=True)
class Resend:
    """A recipient's copy of a delivered digest that their server refused for a while
    (4xx, a dropped connection): sent again by the next sends, as it was."""

    digest_id: int
    recipient: str
    message: bytes
    subject: str
    first_failed: datetime
    reason: str


@dataclass(frozen=True)
class Refused:
    """A recipient whose copy of a digest was not delivered, and why (the server's words)."""

    recipient: str
    reason: str


@dataclass(frozen=True)
class RefusedCopy:
    """A copy refused for a while (4xx, a dropped connection), kept to be sent again as
    it was: the recipient, the message's bytes, and why."""

    recipient: str
    message: bytes
    reason: str


class FailedAttempt(NamedTuple):
    """When and why the latest attempt at a digest failed (a named pair: ``at, reason``)."""

    at: datetime
    reason: str


@dataclass(frozen=True)
class DigestRecord:
    """A digest as the store remembers it."""

    id: int
    created: datetime
    subject: str
    message_id: str
    status: str
    item_count: int
    recipients: tuple[str, ...]
    sent_at: datetime | None
    story_count: int | None = None  # several items can tell one story; None: not recorded


class Counts(NamedTuple):
    """What monitoring counts (``/metrics``): items waiting for a digest, copies waiting to
    be sent again, digests sent, subscribers by status."""

    pending: int
    resends: int
    sent: int
    subscribers: dict[str, int]


class Store(Protocol):
    """What the pipeline asks of storage; a PostgreSQL store would implement the same."""

    def feed_states(self, urls: Sequence[str] | None = None) -> dict[str, FeedState]: ...
    def stored_guids(
        self, feed_url: str, fresh_since: datetime | None = None
    ) -> frozenset[str]: ...
    def apply(self, updates: Sequence[FeedUpdate]) -> list[Added]: ...
    def pending_items(self) -> list[Item]: ...
    def items_between(self, low: int, high: int) -> list[Item]: ...
    def max_item_id(self, before: datetime | None = None) -> int: ...
    def delivered_keys(self, keys: Iterable[str]) -> set[str]: ...
    def sent_since(self, since: datetime) -> list[Sent]: ...
    def begin_digest(
        self,
        subject: str,
        message_id: str,
        item_ids: Sequence[int],
        now: datetime,
        stories: int | None = None,
        edition: str = "",
    ) -> int: ...
    def unfinished_message_id(self, item_ids: Sequence[int], edition: str = "") -> str | None: ...
    def record_delivery(
        self, digest_id: int, recipient: str, status: str, detail: str | None, now: datetime
    ) -> None: ...
    def delivered_to(self, message_id: str) -> set[str]: ...
    def finish_digest(
        self, digest_id: int, item_ids: Sequence[int], skipped_ids: Sequence[int], now: datetime
    ) -> None: ...
    def finish_issue(self, digest_id: int, now: datetime, edition: str, cursor: int) -> None: ...
    def fail_digest(self, digest_id: int, refused: Sequence[Refused], now: datetime) -> None: ...
    def skip_items(self, item_ids: Sequence[int]) -> None: ...
    def queue_resends(
        self, digest_id: int, copies: Sequence[RefusedCopy], now: datetime
    ) -> None: ...
    def resends(self) -> list[Resend]: ...
    def end_resend(
        self, digest_id: int, recipient: str, status: str, detail: str | None, now: datetime
    ) -> None: ...
    def retry_resend(self, digest_id: int, recipient: str, reason: str) -> None: ...
    def last_digest(self, edition: str | None = None) -> DigestRecord | None: ...
    def last_failure(self) -> FailedAttempt | None: ...
    def prune(self, before: datetime, feeds: Iterable[str] | None = None) -> int: ...
    def get_state(self, key: str) -> str | None: ...
    def set_state(self, key: str, value: str) -> None: ...
    # the newsletter: readers and the archive of issues
    def subscribers(self, status: str | None = None) -> list[Subscriber]: ...
    def subscriber(self, *, email: str = "", token: str = "") -> Subscriber | None: ...
    def save_subscriber(self, subscriber: Subscriber, now: datetime) -> None: ...
    def advance_readers(self, emails: Sequence[str], cursor: int) -> None: ...
    def remove_subscriber(self, email: str) -> bool: ...
    def archive_issue(self, digest_id: int, html: str, text: str) -> None: ...
    def issues(self, limit: int = 50, offset: int = 0) -> tuple[list[Issue], int]: ...
    def issue(self, digest_id: int) -> Issue | None: ...
    def counts(self) -> Counts: ...


# The schema's history, written once for both databases: {id} is an item or digest id
# given by the database, {blob} bytes, {nocase} an address compared in any case, and
# {row_id} the column that orders deliveries as written (SQLite has its rowid).
SCHEMA: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        etag TEXT,
        last_modified TEXT,
        last_fetch TEXT,
        last_error TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        next_fetch TEXT,
        gone INTEGER NOT NULL DEFAULT 0,
        moved_to TEXT,
        carried_at TEXT
    );
    CREATE TABLE items (
        id {id},
        feed_url TEXT NOT NULL,
        guid TEXT NOT NULL,
        key TEXT NOT NULL,
        title TEXT NOT NULL,
        link TEXT NOT NULL,
        published TEXT NOT NULL,
        dated INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        html TEXT NOT NULL,
        categories TEXT NOT NULL,
        author TEXT NOT NULL,
        image TEXT,
        digest_id INTEGER,
        outcome TEXT,
        UNIQUE (feed_url, guid)
    );
    CREATE INDEX items_pending ON items (id) WHERE outcome IS NULL;
    CREATE INDEX items_key ON items (key);
    CREATE INDEX items_published ON items (published);
    CREATE TABLE digests (
        id {id},
        created TEXT NOT NULL,
        subject TEXT NOT NULL,
        message_id TEXT NOT NULL,
        item_ids TEXT NOT NULL,
        status TEXT NOT NULL,
        item_count INTEGER NOT NULL DEFAULT 0,
        sent_at TEXT
    );
    CREATE TABLE deliveries ({row_id}
        digest_id INTEGER NOT NULL REFERENCES digests (id),
        recipient TEXT NOT NULL,
        status TEXT NOT NULL,
        detail TEXT,
        at TEXT NOT NULL
    );
    CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # stored_guids reads what a feed carried in its latest document, not its whole past
    "CREATE INDEX items_feed_seen ON items (feed_url, last_seen)",
    """
    CREATE TABLE resends (
        digest_id INTEGER NOT NULL REFERENCES digests (id),
        recipient TEXT NOT NULL,
        message {blob} NOT NULL,
        first_failed TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (digest_id, recipient)
    )
    """,
    "ALTER TABLE digests ADD COLUMN story_count INTEGER",  # status says stories, as send does
    "ALTER TABLE items ADD COLUMN lang TEXT NOT NULL DEFAULT ''",  # xml:lang, the feed's
    """
    CREATE TABLE subscribers (
        email TEXT {nocase} PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        edition TEXT NOT NULL DEFAULT 'daily',
        sections TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL,
        changed TEXT NOT NULL
    );
    CREATE TABLE issues (
        digest_id INTEGER PRIMARY KEY REFERENCES digests (id),
        html TEXT NOT NULL,
        text TEXT NOT NULL
    );
    """,  # readers who sign up, and each digest as sent for the web archive
    """
    ALTER TABLE subscribers ADD COLUMN cursor INTEGER;
    ALTER TABLE digests ADD COLUMN edition TEXT NOT NULL DEFAULT '';
    """,  # each reader's newest item received, and the edition an issue belongs to
)


def migrations(types: dict[str, str]) -> tuple[str, ...]:
    """SCHEMA in one database's words (*types* fills its placeholders)."""
    return tuple(script.format(**types) for script in SCHEMA)


MIGRATIONS = migrations(
    {"id": "INTEGER PRIMARY KEY", "blob": "BLOB", "nocase": "COLLATE NOCASE", "row_id": ""}
)


# A row of the items table, in _INSERT_ITEM's order.
_Row = tuple[str, str, str, str, str, str, int, str, str, str, str, str, str | None, str]

_INSERT_ITEM = (
    "INSERT INTO items (feed_url, guid, key, title, link, published, dated,"
    " first_seen, last_seen, html, categories, author, image, lang)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (feed_url, guid) DO NOTHING"
)
_SEEN_AGAIN = "UPDATE items SET last_seen = ?3 WHERE feed_url = ?1 AND guid = ?2 AND last_seen < ?3"
_CORRECTED = (
    "UPDATE items SET key = ?3, title = ?4, link = ?5, published = ?6,"
    " dated = ?7, html = ?10, categories = ?11, author = ?12, image = ?13, lang = ?14"
    " WHERE feed_url = ?1 AND guid = ?2 AND outcome IS NULL"
)

_SAVE_FEED = (
    "INSERT INTO feeds (url, title, etag, last_modified, last_fetch, last_error,"
    " error_count, next_fetch, gone, moved_to, carried_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT (url) DO UPDATE SET title=excluded.title, etag=excluded.etag,"
    " last_modified=excluded.last_modified, last_fetch=excluded.last_fetch,"
    " last_error=excluded.last_error, error_count=excluded.error_count,"
    " next_fetch=excluded.next_fetch, gone=excluded.gone, moved_to=excluded.moved_to,"
    " carried_at=excluded.carried_at"
)

_SET_STATE = (
    "INSERT INTO state (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)

# A feed that re-issues its stories under new ids stores at most this many items a fetch.
ROTATING_KEEP = 20


def _feed_row(state: FeedState) -> tuple[Any, ...]:
    """*state* as a row of the feeds table, in _SAVE_FEED's order."""
    return (
        state.url,
        state.title,
        state.etag,
        state.last_modified,
        iso(state.last_fetch) if state.last_fetch else None,
        state.last_error,
        state.error_count,
        iso(state.next_fetch) if state.next_fetch else None,
        int(state.gone),
        state.moved_to,
        iso(state.carried_at) if state.carried_at else None,
    )


def _rows(items: Sequence[NewItem]) -> list[_Row]:
    """*items* as rows of the items table (first and last seen when first stored).

    One feed's items share their first-seen time and mostly carry no categories or
    image: those encode once, which keeps this in the writing process cheap.
    """
    stamps: dict[datetime, str] = {}
    rows: list[_Row] = []
    for item in items:
        stamp = stamps.get(item.first_seen)
        if stamp is None:
            stamp = stamps[item.first_seen] = iso(item.first_seen)
        categories = json.dumps(list(item.categories)) if item.categories else "[]"
        image = json.dumps(item.image.__dict__) if item.image else None
        rows.append(
            (
                item.feed_url,
                item.guid,
                item.key,
                item.title,
                item.link,
                stamp if item.published == item.first_seen else iso(item.published),
                item.dated,
                stamp,
                stamp,
                item.html,
                categories,
                item.author,
                image,
                item.lang,
            )
        )
    return rows


def iso(moment: datetime) -> str:
    """A sortable UTC timestamp for the database."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    """Inverse of :func:`iso`."""
    return datetime.fromisoformat(text) if text else None


class Cursor(Protocol):
    """What a query gives back, in either database's driver."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """A connection as :class:`SQLStore` uses it: sqlite3's, or ``digest.postgres``'s
    adapter of psycopg's (which takes the same ``?``, ``?1`` and ``:name`` marks)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor: ...


class Row(Protocol):
    """A row read by index or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...


class SQLStore:
    """The ``Store`` in SQL both databases speak: every query is here, once.

    A subclass opens the connection and brings the schema up to date; it gives
    :meth:`_tx` (a write transaction, joined by a write inside another) and
    :meth:`_query` (a read), both raising StorageError for the driver's errors, and
    the few words its database says otherwise.
    """

    db: Connection
    where = "database"  # names the database in messages
    readonly = False
    # prune's configured feeds, given as a JSON array in :feeds
    _json_values = "SELECT value FROM json_each(:feeds)"
    _delivery_order = "rowid"  # the deliveries in the order they were written

    def _tx(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        raise NotImplementedError

    def _after_prune(self) -> None:
        """After prune removed items (SQLite gives the file's pages back)."""

    def _after_copy(self, db: Connection) -> None:
        """After :func:`copy_store` wrote rows with their ids (PostgreSQL moves its
        sequences past them; SQLite takes the next id from the table)."""

    def close(self) -> None:
        raise NotImplementedError

    # feeds -------------------------------------------------------------

    def feed_states(self, urls: Sequence[str] | None = None) -> dict[str, FeedState]:
        """Every feed the store has seen (of *urls*, if given: a worker's share), with its
        item count."""
        query = (
            "SELECT f.*, (SELECT count(*) FROM items i WHERE i.feed_url = f.url) AS n FROM feeds f"
        )
        if urls is None:
            rows = self._query(query)
        else:
            rows = []
            for start in range(0, len(urls), 500):
                chunk = list(urls[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows += self._query(f"{query} WHERE f.url IN ({marks})", chunk)
        return {
            row["url"]: FeedState(
                url=row["url"],
                title=row["title"],
                etag=row["etag"],
                last_modified=row["last_modified"],
                last_fetch=from_iso(row["last_fetch"]),
                last_error=row["last_error"],
                error_count=row["error_count"],
                next_fetch=from_iso(row["next_fetch"]),
                gone=bool(row["gone"]),
                moved_to=row["moved_to"],
                carried_at=from_iso(row["carried_at"]),
                item_count=row["n"],
            )
            for row in rows
        }

    def apply(self, updates: Sequence[FeedUpdate]) -> list[Added]:
        """Write a batch of feeds' updates (their new states, new items and the stored
        items their documents still carry) in one transaction; returns what each did to
        the items, in order.

        The fetch calls it every COMMIT_EVERY feeds with what waited in memory: the write
        lock is held only while they are written, never while a server is awaited. An
        item already stored notes that the feed carries it again (``last_seen``, so prune
        keeps it); one still pending also takes the feed's latest title, link, date and
        text (a typo corrected before the digest goes out). One already sent or skipped
        stays as it was. A feed that rotates its item ids is capped (see
        :meth:`_add_items`). Raises StorageError; then nothing of the batch is written.
        """
        if not updates:
            return []
        with self._tx() as db:
            added = [self._add_items(db, update) for update in updates]
            db.executemany(_SAVE_FEED, [_feed_row(update.state) for update in updates])
        return added

    def save_feeds(self, states: Sequence[FeedState]) -> None:
        """Remember *states* as they are, with no items (tests and tools set a feed up)."""
        self.apply([FeedUpdate(state) for state in states])

    def save_feed(self, state: FeedState) -> None:
        """:meth:`save_feeds` for one feed."""
        self.save_feeds((state,))

    def stored_guids(self, feed_url: str, fresh_since: datetime | None = None) -> frozenset[str]:
        """The guids *feed_url* carried in its latest document (every stored one before
        its first): the parser skips these before sanitising.

        Bounded by the size of a document, not by a year of stored items. An older
        item that comes back is parsed again, and :meth:`apply` keeps the
        stored copy (only noting that the feed carries it again). A pending item
        first stored after *fresh_since* is parsed again too, so a correction made
        soon after publishing reaches the digest, while the work stays in proportion
        to what is new (each new item is read again for a short while only).
        """
        rows = self._query(
            "SELECT guid FROM items WHERE feed_url = ?1"
            " AND last_seen >= COALESCE((SELECT carried_at FROM feeds WHERE url = ?1), '')"
            " AND NOT (CAST(?2 AS TEXT) IS NOT NULL AND outcome IS NULL AND first_seen >= ?2)",
            (feed_url, iso(fresh_since) if fresh_since else None),
        )
        return frozenset(row[0] for row in rows)

    def known_guids(self, feed_url: str, guids: Sequence[str]) -> set[str]:
        """Which of *guids* are already stored for *feed_url*."""
        known: set[str] = set()
        for start in range(0, len(guids), 500):
            chunk = list(guids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT guid FROM items WHERE feed_url = ? AND guid IN ({marks})",
                [feed_url, *chunk],
            )
            known.update(row[0] for row in rows)
        return known

    def _add_items(self, db: Connection, update: FeedUpdate) -> Added:
        """Inside :meth:`apply`'s transaction: one feed's items, capped for a feed that
        rotates its item ids.

        Such a feed brings more than ROTATING_KEEP new items, none of them stored
        before, and at least half of them tell a story it already has under another
        id (the same link or title). Then only its new stories are stored, at most
        ROTATING_KEEP; a re-issued one marks the stored copy as still carried instead.
        """
        feed_url = update.state.url
        if update.carried:
            seen = iso(update.state.last_fetch or datetime.now(UTC))
            db.executemany(
                "UPDATE items SET last_seen = ? WHERE feed_url = ? AND guid = ?",
                [(seen, feed_url, guid) for guid in update.carried],
            )
        if not update.items:
            return Added(0, 0)
        rows = _rows(update.items)
        stored = self._stored_rows(rows)
        known = {row[1] for row in stored}
        new = [row for row in rows if row[1] not in known]
        if stored or len(new) <= ROTATING_KEEP:
            return Added(len(new), self._insert(db, rows, stored))
        copies = self._copies(feed_url, new)
        if 2 * len(copies) < len(new):
            return Added(len(new), self._insert(db, rows, stored))
        kept = [row for row in new if row[1] not in copies][:ROTATING_KEEP]
        seen_ids = sorted({i for ids in copies.values() for i in ids})
        db.executemany(
            "UPDATE items SET last_seen = ? WHERE id = ?", [(new[0][8], i) for i in seen_ids]
        )
        return Added(len(new), self._insert(db, kept, []), rotating=True)

    def _insert(self, db: Connection, rows: Sequence[_Row], stored: Sequence[_Row]) -> int:
        """Insert *rows*, of which *stored* are stored already; returns how many were new."""
        db.executemany(_INSERT_ITEM, rows)
        if stored:
            db.executemany(_SEEN_AGAIN, [(row[0], row[1], row[8]) for row in stored])
            db.executemany(_CORRECTED, stored)
        return len(rows) - len(stored)

    def _stored_rows(self, rows: Sequence[_Row]) -> list[_Row]:
        """The *rows* whose (feed, guid) is stored already."""
        known: set[tuple[str, str]] = set()
        for feed_url in {row[0] for row in rows}:
            guids = [row[1] for row in rows if row[0] == feed_url]
            known.update((feed_url, g) for g in self.known_guids(feed_url, guids))
        return [row for row in rows if (row[0], row[1]) in known]

    def _copies(self, feed_url: str, rows: Sequence[_Row]) -> dict[str, list[int]]:
        """For each of *rows* (by guid) that tells a story *feed_url* has stored under
        another guid (the same story link, or the same title): the stored items' ids."""
        keys = {row[2]: row[1] for row in rows if is_story_key(row[2])}
        titles: dict[str, list[str]] = {}
        for row in rows:
            if row[3]:
                titles.setdefault(row[3], []).append(row[1])
        copies: dict[str, list[int]] = {}
        for item in self._query("SELECT id, key, title FROM items WHERE feed_url = ?", (feed_url,)):
            for guid in {keys.get(item["key"], ""), *titles.get(item["title"], ())} - {""}:
                copies.setdefault(guid, []).append(int(item["id"]))
        return copies

    def pending_items(self) -> list[Item]:
        """Items not yet delivered in (or skipped by) any digest, oldest first."""
        rows = self._query("SELECT * FROM items WHERE outcome IS NULL ORDER BY id")
        return [_item(row) for row in rows]

    def items_between(self, low: int, high: int) -> list[Item]:
        """The items stored after item *low* up to item *high*, whatever any digest did
        with them: what a reader whose last issue ended at *low* has not had yet."""
        rows = self._query("SELECT * FROM items WHERE id > ? AND id <= ? ORDER BY id", (low, high))
        return [_item(row) for row in rows]

    def max_item_id(self, before: datetime | None = None) -> int:
        """The newest item's id (first seen before *before*, if given); 0 for none."""
        if before is None:
            rows = self._query("SELECT max(id) FROM items")
        else:
            rows = self._query("SELECT max(id) FROM items WHERE first_seen < ?", (iso(before),))
        return int(rows[0][0] or 0)

    def delivered_keys(self, keys: Iterable[str]) -> set[str]:
        """Which story keys were already part of a delivered digest."""
        wanted = list(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT DISTINCT key FROM items WHERE outcome = 'sent' AND key IN ({marks})",
                chunk,
            )
            found.update(row[0] for row in rows)
        return found

    def sent_since(self, since: datetime) -> list[Sent]:
        """The items already mailed that were published since *since*: a story another
        feed tells later, under another link, is not told again."""
        rows = self._query(
            "SELECT feed_url, title, published FROM items"
            " WHERE outcome = 'sent' AND published >= ? ORDER BY published",
            (iso(since),),
        )
        return [Sent(row[0], row[1], datetime.fromisoformat(row[2])) for row in rows]

    def skip_items(self, item_ids: Sequence[int]) -> None:
        """Mark items as handled without mailing them (too old, already told)."""
        with self._tx() as db:
            db.executemany(
                "UPDATE items SET outcome = 'skipped' WHERE id = ? AND outcome IS NULL",
                [(i,) for i in item_ids],
            )

    # digests -----------------------------------------------------------

    def begin_digest(
        self,
        subject: str,
        message_id: str,
        item_ids: Sequence[int],
        now: datetime,
        stories: int | None = None,
        edition: str = "",
    ) -> int:
        """Record a delivery attempt before anything is sent; returns its id.

        An interrupted attempt with the same Message-ID token is superseded by this one.
        *edition* is "" for the default edition's digest (it marks its items sent).
        """
        with self._tx() as db:
            db.execute(
                "UPDATE digests SET status = 'interrupted' WHERE message_id = ?"
                " AND status = 'sending'",
                (message_id,),
            )
            row = db.execute(
                "INSERT INTO digests (created, subject, message_id, item_ids, status, item_count,"
                " story_count, edition) VALUES (?,?,?,?, 'sending', ?, ?, ?) RETURNING id",
                (
                    iso(now),
                    subject,
                    message_id,
                    json.dumps(sorted(item_ids)),
                    len(item_ids),
                    stories,
                    edition,
                ),
            ).fetchone()
            return int(row[0])

    def unfinished_message_id(self, item_ids: Sequence[int], edition: str = "") -> str | None:
        """The Message-ID of an interrupted attempt at the same digest, to reuse on retry."""
        rows = self._query(
            "SELECT message_id FROM digests WHERE status = 'sending' AND item_ids = ?"
            " AND edition = ? ORDER BY id DESC LIMIT 1",
            (json.dumps(sorted(item_ids)), edition),
        )
        return str(rows[0][0]) if rows else None

    def record_delivery(
        self, digest_id: int, recipient: str, status: str, detail: str | None, now: datetime
    ) -> None:
        """Record one recipient's outcome ("sent", "refused", "failed") as soon as it is known,
        so a crash before the digest is finished never resends an accepted copy."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO deliveries (digest_id, recipient, status, detail, at)"
                " VALUES (?,?,?,?,?)",
                (digest_id, recipient, status, detail, iso(now)),
            )

    def delivered_to(self, message_id: str) -> set[str]:
        """Recipients whose copy of the digest with this Message-ID token was accepted."""
        rows = self._query(
            "SELECT DISTINCT d.recipient FROM deliveries d JOIN digests g ON g.id = d.digest_id"
            " WHERE g.message_id = ? AND d.status = 'sent'",
            (message_id,),
        )
        return {str(row[0]) for row in rows}

    def finish_digest(
        self,
        digest_id: int,
        item_ids: Sequence[int],
        skipped_ids: Sequence[int],
        now: datetime,
    ) -> None:
        """After the server accepted the message: mark items sent, in one transaction."""
        with self._tx() as db:
            db.execute(
                "UPDATE digests SET status = 'sent', sent_at = ? WHERE id = ?",
                (iso(now), digest_id),
            )
            db.executemany(
                "UPDATE items SET outcome = ?, digest_id = ? WHERE id = ? AND outcome IS NULL",
                [("sent", digest_id, i) for i in item_ids]
                + [("skipped", digest_id, i) for i in skipped_ids],
            )

    def finish_issue(self, digest_id: int, now: datetime, edition: str, cursor: int) -> None:
        """After an edition's issue reached its readers, in one transaction: it is sent,
        and the edition and its readers have had every item up to *cursor* (its items are
        not marked: other editions still have them to send). A crash before this leaves
        the issue to be sent again under the same Message-ID, to those who lack it."""
        with self._tx() as db:
            db.execute(
                "UPDATE digests SET status = 'sent', sent_at = ? WHERE id = ?",
                (iso(now), digest_id),
            )
            db.execute(
                "UPDATE subscribers SET cursor = ? WHERE edition = ? AND status = 'active'",
                (cursor, edition),
            )
            db.execute(_SET_STATE, (edition_cursor_key(edition), str(cursor)))

    def fail_digest(self, digest_id: int, refused: Sequence[Refused], now: datetime) -> None:
        """Record a digest no one received; its items stay pending."""
        with self._tx() as db:
            db.execute("UPDATE digests SET status = 'failed' WHERE id = ?", (digest_id,))
            db.executemany(
                "INSERT INTO deliveries (digest_id, recipient, status, detail, at)"
                " VALUES (?,?, 'failed', ?, ?)",
                [(digest_id, r.recipient, r.reason, iso(now)) for r in refused],
            )

    def queue_resends(self, digest_id: int, copies: Sequence[RefusedCopy], now: datetime) -> None:
        """Keep copies refused for a while, to send again."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO resends (digest_id, recipient, message, first_failed, reason)"
                " VALUES (?,?,?,?,?) ON CONFLICT (digest_id, recipient) DO UPDATE SET"
                " message = excluded.message, first_failed = excluded.first_failed,"
                " reason = excluded.reason",
                [(digest_id, c.recipient, c.message, iso(now), c.reason) for c in copies],
            )

    def resends(self) -> list[Resend]:
        """Every copy waiting to be sent again, oldest digest first."""
        rows = self._query(
            "SELECT r.*, g.subject FROM resends r JOIN digests g ON g.id = r.digest_id"
            " ORDER BY r.digest_id, r.recipient"
        )
        return [
            Resend(
                digest_id=int(row["digest_id"]),
                recipient=str(row["recipient"]),
                message=bytes(row["message"]),
                subject=str(row["subject"]),
                first_failed=datetime.fromisoformat(row["first_failed"]),
                reason=str(row["reason"]),
            )
            for row in rows
        ]

    def end_resend(
        self, digest_id: int, recipient: str, status: str, detail: str | None, now: datetime
    ) -> None:
        """A waiting copy was accepted ("sent"), refused for good, or given up on."""
        with self._tx() as db:
            db.execute(
                "DELETE FROM resends WHERE digest_id = ? AND recipient = ?", (digest_id, recipient)
            )
            db.execute(
                "INSERT INTO deliveries (digest_id, recipient, status, detail, at)"
                " VALUES (?,?,?,?,?)",
                (digest_id, recipient, status, detail, iso(now)),
            )

    def retry_resend(self, digest_id: int, recipient: str, reason: str) -> None:
        """A waiting copy was refused for a while again: it keeps waiting."""
        with self._tx() as db:
            db.execute(
                "UPDATE resends SET reason = ? WHERE digest_id = ? AND recipient = ?",
                (reason, digest_id, recipient),
            )

    def last_digest(self, edition: str | None = None) -> DigestRecord | None:
        """The most recent digest that reached someone (of *edition*: "" is the default
        edition's; None, any)."""
        if edition is None:
            rows = self._query(
                "SELECT * FROM digests WHERE status = 'sent' ORDER BY id DESC LIMIT 1"
            )
        else:
            rows = self._query(
                "SELECT * FROM digests WHERE status = 'sent' AND edition = ?"
                " ORDER BY id DESC LIMIT 1",
                (edition,),
            )
        if not rows:
            return None
        row = rows[0]
        recipients = self._query(
            "SELECT DISTINCT d.recipient FROM deliveries d JOIN digests g"
            " ON g.id = d.digest_id WHERE g.message_id = ? AND d.status = 'sent'",
            (row["message_id"],),
        )
        return DigestRecord(
            id=row["id"],
            created=from_iso(row["created"]) or datetime.now(UTC),
            subject=row["subject"],
            message_id=row["message_id"],
            status=row["status"],
            item_count=row["item_count"],
            recipients=tuple(r[0] for r in recipients),
            sent_at=from_iso(row["sent_at"]),
            story_count=row["story_count"],
        )

    def last_failure(self) -> FailedAttempt | None:
        """When and why the latest attempt failed, if it came after the last digest sent."""
        rows = self._query(
            "SELECT g.created, (SELECT detail FROM deliveries d WHERE d.digest_id = g.id"
            f" AND d.status != 'sent' ORDER BY d.{self._delivery_order} DESC LIMIT 1)"
            " FROM digests g WHERE g.status = 'failed' AND g.id > coalesce((SELECT max(id)"
            " FROM digests WHERE status = 'sent'), 0) ORDER BY g.id DESC LIMIT 1"
        )
        if not rows:
            return None
        return FailedAttempt(
            from_iso(rows[0][0]) or datetime.now(UTC), str(rows[0][1] or "not delivered")
        )

    def prune(self, before: datetime, feeds: Iterable[str] | None = None) -> int:
        """Drop handled items no feed has carried since *before*; returns how many went.

        An item still in its feed is kept, however old, or the next fetch would
        find it "new" and mail it again: items seen in the feed's latest full
        document (``carried_at``; a 304 changes nothing) stay while the feed is
        one of *feeds* (the configured ones; None: every feed). A feed removed
        from the config keeps nothing old: it is not fetched any more. Items newer than
        an active subscriber's cursor stay: their edition has yet to send them.
        """
        configured = json.dumps(sorted(feeds)) if feeds is not None else None
        with self._tx() as db:
            # An item a reader of another edition has not had yet stays too: nothing above
            # the lowest cursor of an active subscriber goes.
            floor = db.execute(
                "SELECT min(cursor) FROM subscribers WHERE status = 'active'"
            ).fetchone()[0]
            cursor = db.execute(
                "DELETE FROM items WHERE id IN (SELECT i.id FROM items i"
                " LEFT JOIN feeds f ON f.url = i.feed_url"
                " WHERE i.outcome IS NOT NULL AND i.last_seen < :before"
                " AND (CAST(:floor AS INTEGER) IS NULL OR i.id <= :floor) AND ("
                "  f.carried_at IS NULL OR i.last_seen < f.carried_at"
                "  OR (CAST(:feeds AS TEXT) IS NOT NULL"
                f"      AND i.feed_url NOT IN ({self._json_values}))))",
                {"before": iso(before), "feeds": configured, "floor": floor},
            )
            removed = cursor.rowcount
        if removed:
            self._after_prune()
        return removed

    def get_state(self, key: str) -> str | None:
        """A small named value (scheduler bookkeeping)."""
        rows = self._query("SELECT value FROM state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_state(self, key: str, value: str) -> None:
        """Set a small named value."""
        with self._tx() as db:
            db.execute(_SET_STATE, (key, value))

    # subscribers and the archive ----------------------------------------

    def subscribers(self, status: str | None = None) -> list[Subscriber]:
        """Every subscriber (with *status*, if given), oldest first."""
        if status:
            rows = self._query(
                "SELECT * FROM subscribers WHERE status = ? ORDER BY created, email", (status,)
            )
        else:
            rows = self._query("SELECT * FROM subscribers ORDER BY created, email")
        return [_subscriber(row) for row in rows]

    def subscriber(self, *, email: str = "", token: str = "") -> Subscriber | None:
        """The subscriber with this address (any case) or this token."""
        if email:
            rows = self._query("SELECT * FROM subscribers WHERE email = ?", (email,))
        elif token:
            rows = self._query("SELECT * FROM subscribers WHERE token = ?", (token,))
        else:
            return None
        return _subscriber(rows[0]) if rows else None

    def save_subscriber(self, subscriber: Subscriber, now: datetime) -> None:
        """Add *subscriber*, or change the one with that address (its token kept)."""
        sections = json.dumps(list(subscriber.sections), ensure_ascii=False)
        with self._tx() as db:
            db.execute(
                "INSERT INTO subscribers"
                " (email, token, status, edition, sections, created, changed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (email) DO UPDATE SET status = excluded.status,"
                " edition = excluded.edition, sections = excluded.sections,"
                " changed = excluded.changed",
                (
                    subscriber.email,
                    subscriber.token,
                    subscriber.status,
                    subscriber.edition,
                    sections,
                    iso(subscriber.created or now),
                    iso(now),
                ),
            )

    def advance_readers(self, emails: Sequence[str], cursor: int) -> None:
        """The readers *emails* have had every item up to *cursor* (their issue went out)."""
        with self._tx() as db:
            for start in range(0, len(emails), 500):
                chunk = list(emails[start : start + 500])
                marks = ",".join("?" * len(chunk))
                db.execute(
                    f"UPDATE subscribers SET cursor = ? WHERE email IN ({marks})", [cursor, *chunk]
                )

    def remove_subscriber(self, email: str) -> bool:
        """Forget a subscriber entirely; False when there was none."""
        with self._tx() as db:
            return db.execute("DELETE FROM subscribers WHERE email = ?", (email,)).rowcount > 0

    def archive_issue(self, digest_id: int, html: str, text: str) -> None:
        """Keep a digest's HTML and text as sent, for the web archive."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO issues (digest_id, html, text) VALUES (?, ?, ?) ON CONFLICT"
                " (digest_id) DO UPDATE SET html = excluded.html, text = excluded.text",
                (digest_id, html, text),
            )

    def issues(self, limit: int = 50, offset: int = 0) -> tuple[list[Issue], int]:
        """A page of the issues that reached someone, newest first (without their HTML),
        and how many there are in all."""
        sent = "FROM digests g JOIN issues i ON i.digest_id = g.id WHERE g.status = 'sent'"
        rows = self._query(
            f"SELECT g.id, g.subject, g.sent_at, g.edition {sent}"
            " ORDER BY g.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        total = int(self._query(f"SELECT count(*) {sent}")[0][0])
        page = [
            Issue(
                row["id"],
                row["subject"],
                from_iso(row["sent_at"]) or datetime.now(UTC),
                edition=row["edition"],
            )
            for row in rows
        ]
        return page, total

    def issue(self, digest_id: int) -> Issue | None:
        """One issue that reached someone, with its HTML and text. The id of an attempt
        interrupted after some copies went out (they link to it) gives the attempt that
        finished it, under the same Message-ID."""
        rows = self._query(
            "SELECT g.id, g.subject, g.sent_at, i.html, i.text FROM digests a"
            " JOIN digests g ON g.message_id = a.message_id AND g.status = 'sent'"
            " JOIN issues i ON i.digest_id = g.id WHERE a.id = ? ORDER BY g.id DESC LIMIT 1",
            (digest_id,),
        )
        if not rows:
            return None
        row = rows[0]
        sent = from_iso(row["sent_at"]) or datetime.now(UTC)
        return Issue(row["id"], row["subject"], sent, row["html"], row["text"])

    def counts(self) -> Counts:
        """Counts for monitoring, each one query on an index or a small table."""

        def one(sql: str) -> int:
            return int(self._query(sql)[0][0])

        statuses = self._query("SELECT status, count(*) FROM subscribers GROUP BY status")
        return Counts(
            pending=one("SELECT count(*) FROM items WHERE outcome IS NULL"),
            resends=one("SELECT count(*) FROM resends"),
            sent=one("SELECT count(*) FROM digests WHERE status = 'sent'"),
            subscribers={str(row[0]): int(row[1]) for row in statuses},
        )


# Every table and its columns, in an order that keeps references whole: what
# :func:`copy_store` copies, a chunk at a time, ordered by the first column(s).
TABLES: tuple[tuple[str, str, str], ...] = (
    (
        "feeds",
        "url, title, etag, last_modified, last_fetch, last_error, error_count,"
        " next_fetch, gone, moved_to, carried_at",
        "url",
    ),
    (
        "items",
        "id, feed_url, guid, key, title, link, published, dated, first_seen, last_seen,"
        " html, categories, author, image, digest_id, outcome, lang",
        "id",
    ),
    (
        "digests",
        "id, created, subject, message_id, item_ids, status, item_count, sent_at,"
        " story_count, edition",
        "id",
    ),
    ("deliveries", "digest_id, recipient, status, detail, at", ""),
    ("resends", "digest_id, recipient, message, first_failed, reason", "digest_id, recipient"),
    ("state", "key, value", "key"),
    (
        "subscribers",
        "email, token, status, edition, sections, created, changed, cursor",
        "created, email",
    ),
    ("issues", "digest_id, html, text", "digest_id"),
)
COPY_CHUNK = 500


def copy_store(source: SQLStore, target: SQLStore) -> dict[str, int]:
    """Copy every row of *source* into *target*, an empty database at the same schema (to
    move from SQLite to PostgreSQL, or back); returns the rows copied per table.

    Ids are kept, so what was sent stays sent and every reference holds; the copy is one
    transaction on *target*: a failure leaves it empty. Raises StorageError.
    """
    used = [
        n for n in ("feeds", "items", "digests") if target._query(f"SELECT count(*) FROM {n}")[0][0]
    ]
    if used:
        raise StorageError(
            f"{target.where} is not empty (it has {', '.join(used)})",
            hint="copy into an empty database",
        )
    copied: dict[str, int] = {}
    with target._tx() as db:
        for table, columns, order in TABLES:
            marks = ",".join("?" * len(columns.split(",")))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            ordering = order or source._delivery_order
            copied[table] = 0
            while True:
                rows = source._query(
                    f"SELECT {columns} FROM {table} ORDER BY {ordering} LIMIT ? OFFSET ?",
                    (COPY_CHUNK, copied[table]),
                )
                if not rows:
                    break
                db.executemany(insert, [tuple(row) for row in rows])
                copied[table] += len(rows)
        target._after_copy(db)
    return copied


def edition_cursor_key(edition: str) -> str:
    """The state key holding the newest item an edition's last issue covered."""
    return f"edition.{edition}.cursor"


def _subscriber(row: Row) -> Subscriber:
    sections = json.loads(row["sections"] or "[]")
    return Subscriber(
        email=row["email"],
        token=row["token"],
        status=row["status"],
        edition=row["edition"],
        sections=tuple(str(s) for s in sections) if isinstance(sections, list) else (),
        created=from_iso(row["created"]),
        changed=from_iso(row["changed"]),
        cursor=row["cursor"],
    )


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to *path*; an empty in-memory database (never a
    new file) when there is none yet."""
    if not path.exists():
        db = sqlite3.connect(":memory:", isolation_level=None)
        for number, script in enumerate(MIGRATIONS, start=1):
            db.executescript(f"{script}; PRAGMA user_version={number};")
    else:
        uri = path.resolve().as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA user_version").fetchone()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_CANTOPEN:
                raise
            # A WAL database is read through its -wal and -shm files; in a folder we
            # cannot write, with none there yet, it can only be read as the file is
            # (no writer can be at work in such a folder either).
            db.close()
            db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
    db.execute("PRAGMA query_only=ON")
    return db


def _item(row: Row) -> Item:
    image = json.loads(row["image"]) if row["image"] else None
    return Item(
        id=row["id"],
        feed_url=row["feed_url"],
        guid=row["guid"],
        key=row["key"],
        title=row["title"],
        link=row["link"],
        published=from_iso(row["published"]) or datetime.now(UTC),
        first_seen=from_iso(row["first_seen"]) or datetime.now(UTC),
        html=row["html"],
        categories=tuple(json.loads(row["categories"])),
        author=row["author"],
        image=Image(**image) if image else None,
        dated=bool(row["dated"]),
        date_only=row["dated"] == 2,
        lang=row["lang"],
    )


class SQLiteStore(SQLStore):
    """The default ``Store``: one SQLite file, opened per run.

    With *readonly* (the commands that only read) nothing is ever written, not even
    a pragma: the file is opened read-only, a missing one reads as empty (and is not
    created), and one that needs a migration is refused with a hint to run
    ``digest fetch``, which upgrades it.
    """

    db: sqlite3.Connection

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.where = f"database {path}"
        self.readonly = readonly
        try:
            if readonly:
                self.db = _connect_readonly(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self._prepare()
        except (FileExistsError, NotADirectoryError):
            raise StorageError(
                f"cannot open database {path}: a part of its folder is a file, not a folder"
            ) from None
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from None

    def _prepare(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StorageError(
                f"database {self.path} was written by a newer digest (schema {version})"
            )
        if self.readonly:
            if version < len(MIGRATIONS):
                raise StorageError(
                    f"database {self.path} is from an older digest (schema {version} of"
                    f" {len(MIGRATIONS)}): run digest fetch once to upgrade the database"
                )
            return
        # Only a new database takes these: they need the write lock, which a fetch or a
        # send may hold for a while, and they persist in the file. An existing database
        # keeps its page size, and its journal mode unless that is not WAL yet.
        if version == 0:
            # Item rows hold kilobytes of HTML: 16 KB pages store them in a quarter of the
            # page writes.
            self.db.execute("PRAGMA page_size=16384")
            self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # prune can shrink the file
        if version == 0 or self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # these two hold for this connection
        self.db.execute("PRAGMA foreign_keys=ON")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version={number}; COMMIT;"
            )

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        if self.db.in_transaction:  # a write inside another's transaction is part of it
            yield self.db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(f"database error in {self.path}: {exc}") from None

    def _query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"database error in {self.path}: {exc}") from None

    def _after_prune(self) -> None:
        self.db.execute("PRAGMA incremental_vacuum")  # a new database gives the pages back

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


@contextmanager
def open_store(database: Path | str, *, readonly: bool = False) -> Iterator[Store]:
    """The one way to open the store: yields it, and closes it however the block ends.

    *database* is config's ``database``: an SQLite file, or a ``postgresql://`` URL
    (:mod:`digest.postgres`). *readonly* opens it for the commands that only read (see
    :class:`SQLiteStore`). Raises StorageError when the database cannot be opened.
    """
    store: SQLStore
    if isinstance(database, str):
        from digest.postgres import PostgresStore

        store = PostgresStore(database, readonly=readonly)
    else:
        store = SQLiteStore(database, readonly=readonly)
    try:
        yield store
    finally:
        store.close()
