"""A database written by every earlier digest upgrades and keeps its data, on both
stores (an SQLite file, a PostgreSQL database).

A database at schema version N is built as that digest built it: the first N scripts
of the migrations, then rows for the tables that version had (a feed, items pending
and sent, a digest sent with its deliveries, a copy waiting to be sent again,
scheduler state). Opening it for writing upgrades it; opening it read-only says to run
``digest fetch``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest.errors import StorageError
from digest.store import MIGRATIONS, open_store
from tests.conftest import run_cli, write_config

FEED = "https://a.example/feed.xml"
SENT_AT = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
EARLIER = range(1, len(MIGRATIONS))  # every schema version before the current one


class Old:
    """A connection to an old database, taking the store's ``?`` marks."""

    def __init__(self, database: Path | str) -> None:
        self.database = database
        if isinstance(database, Path):
            self.db: Any = sqlite3.connect(database, isolation_level=None)
        else:
            from digest.postgres import _Adapter, connect

            self.conn = connect(database)
            self.db = _Adapter(self.conn)

    def migrate(self, version: int) -> None:
        if isinstance(self.database, Path):
            self.db.execute("PRAGMA journal_mode=WAL")
            for number, script in enumerate(MIGRATIONS[:version], start=1):
                self.db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
            return
        from digest import postgres

        self.conn.execute(postgres._NOCASE)
        for script in postgres.MIGRATIONS[:version]:
            self.conn.execute(script)
        self.conn.execute("CREATE TABLE digest_schema (version INTEGER)")
        self.conn.execute("INSERT INTO digest_schema VALUES (%s)", (version,))

    def version(self) -> int:
        if isinstance(self.database, Path):
            return int(self.db.execute("PRAGMA user_version").fetchone()[0])
        return int(self.conn.execute("SELECT max(version) FROM digest_schema").fetchone()[0])

    def close(self) -> None:
        if not isinstance(self.database, Path):  # the ids given above: the next one after
            for table in ("items", "digests"):
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
        (self.db if isinstance(self.database, Path) else self.conn).close()


def old_database(database: Path | str, version: int) -> None:
    """A database as the digest of schema *version* left it after a send."""
    old = Old(database)
    old.migrate(version)
    db = old.db
    db.execute(
        "INSERT INTO feeds (url, title, etag, last_modified, last_fetch, last_error,"
        " error_count, next_fetch, gone, moved_to, carried_at)"
        " VALUES (?, 'Arts', '\"v1\"', 'Thu, 19 Nov 2026 07:00:00 GMT', ?, NULL, 0, NULL, 0,"
        " 'https://b.example/feed.xml', ?)",
        (FEED, "2026-11-20T06:00:00+00:00", "2026-11-20T06:00:00+00:00"),
    )
    item = (
        "INSERT INTO items (id, feed_url, guid, key, title, link, published, dated,"
        " first_seen, last_seen, html, categories, author, image, digest_id, outcome)"
        " VALUES (?, ?, ?, ?, ?, ?, '2026-11-20T05:00:00+00:00', 1,"
        " '2026-11-20T06:00:00+00:00', '2026-11-20T06:00:00+00:00', '<p>Text.</p>',"
        " '[\"Culture\"]', 'Ana', ?, ?, ?)"
    )
    image = '{"url": "https://a.example/i.jpg", "width": 640, "height": 480, "alt": ""}'
    sent = ("https://a.example/sent", "Festival opens")
    pending = ("https://a.example/pending", "Council votes")
    db.execute(item, (1, FEED, "g1", sent[0], sent[1], sent[0], image, 1, "sent"))
    db.execute(item, (2, FEED, "g2", pending[0], pending[1], pending[0], None, None, None))
    db.execute(
        "INSERT INTO digests (id, created, subject, message_id, item_ids, status, item_count,"
        " sent_at) VALUES (1, ?, 'Digest: Festival opens', 'tok1', '[1]', 'sent', 1, ?)",
        (SENT_AT.isoformat(), SENT_AT.isoformat()),
    )
    db.execute(
        "INSERT INTO deliveries (digest_id, recipient, status, detail, at)"
        " VALUES (1, 'reader@example.org', 'sent', NULL, ?)",
        (SENT_AT.isoformat(),),
    )
    if version >= 3:  # resends came with schema 3
        db.execute(
            "INSERT INTO resends (digest_id, recipient, message, first_failed, reason)"
            " VALUES (1, 'grey@example.org', ?, ?, '451 greylisted')",
            (b"Subject: x\r\n\r\nx\r\n", SENT_AT.isoformat()),
        )
    db.execute("INSERT INTO state (key, value) VALUES ('next_send', '2026-11-21T07:00:00+00:00')")
    old.close()


@pytest.mark.parametrize("version", EARLIER)
def test_an_older_database_upgrades_and_keeps_its_data(database: Path | str, version: int) -> None:
    path = database
    old_database(path, version)
    with open_store(path) as store:
        [feed] = store.feed_states().values()
        assert (feed.url, feed.title, feed.etag, feed.moved_to) == (
            FEED,
            "Arts",
            '"v1"',
            "https://b.example/feed.xml",
        )
        assert feed.item_count == 2
        [item] = store.pending_items()
        assert (item.guid, item.title, item.categories, item.author) == (
            "g2",
            "Council votes",
            ("Culture",),
            "Ana",
        )
        assert store.delivered_keys(["https://a.example/sent", "https://a.example/pending"]) == {
            "https://a.example/sent"
        }
        last = store.last_digest()
        assert last is not None
        assert (last.subject, last.item_count, last.recipients, last.sent_at) == (
            "Digest: Festival opens",
            1,
            ("reader@example.org",),
            SENT_AT,
        )
        assert last.story_count is None  # not recorded before schema 4
        assert [r.recipient for r in store.resends()] == (
            ["grey@example.org"] if version >= 3 else []
        )
        assert store.get_state("next_send") == "2026-11-21T07:00:00+00:00"
    old = Old(path)
    assert old.version() == len(MIGRATIONS)
    if isinstance(path, Path):
        assert old.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    old.close()
    with open_store(path, readonly=True) as store:  # upgraded: the readers read it
        assert [i.guid for i in store.pending_items()] == ["g2"]
    with open_store(path) as store:  # and new ids follow the old ones
        fresh = store.begin_digest("Tuesday", "tok2", [2], SENT_AT)
        assert fresh == 2


@pytest.mark.parametrize("version", EARLIER)
def test_reading_an_older_database_says_to_run_digest_fetch(
    database: Path | str, version: int
) -> None:
    path = database
    old_database(path, version)
    with (
        pytest.raises(StorageError, match="run digest fetch once to upgrade"),
        open_store(path, readonly=True),
    ):
        pass
    old = Old(path)
    assert old.version() == version  # left as it was
    old.close()


def test_status_on_an_older_database_says_to_run_digest_fetch(tmp_path: Path) -> None:
    write_config(tmp_path, [FEED])
    old_database(tmp_path / "digest.sqlite3", 1)
    result = run_cli("status", cwd=tmp_path)
    assert result.code != 0 and "Traceback" not in result.err
    assert "run digest fetch once to upgrade the database" in result.err
