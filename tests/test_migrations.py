"""A database written by every earlier digest upgrades and keeps its data.

A database at schema version N is built as that digest built it: the first N scripts
of MIGRATIONS, then rows for the tables that version had (a feed, items pending and
sent, a digest sent with its deliveries, a copy waiting to be sent again, scheduler
state). Opening it for writing upgrades it; opening it read-only says to run
``digest fetch``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.errors import StorageError
from digest.store import MIGRATIONS, open_store
from tests.conftest import run_cli, write_config

FEED = "https://a.example/feed.xml"
SENT_AT = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
EARLIER = range(1, len(MIGRATIONS))  # every schema version before the current one


def old_database(path: Path, version: int) -> None:
    """A database as the digest of schema *version* left it after a send."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
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
    db.close()


@pytest.mark.parametrize("version", EARLIER)
def test_an_older_database_upgrades_and_keeps_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "digest.sqlite3"
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
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with open_store(path, readonly=True) as store:  # upgraded: the readers read it
        assert [i.guid for i in store.pending_items()] == ["g2"]


@pytest.mark.parametrize("version", EARLIER)
def test_reading_an_older_database_says_to_run_digest_fetch(tmp_path: Path, version: int) -> None:
    path = tmp_path / "digest.sqlite3"
    old_database(path, version)
    with (
        pytest.raises(StorageError, match="run digest fetch once to upgrade"),
        open_store(path, readonly=True),
    ):
        pass
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == version  # left as it was
    db.close()


def test_status_on_an_older_database_says_to_run_digest_fetch(tmp_path: Path) -> None:
    write_config(tmp_path, [FEED])
    old_database(tmp_path / "digest.sqlite3", 1)
    result = run_cli("status", cwd=tmp_path)
    assert result.code != 0 and "Traceback" not in result.err
    assert "run digest fetch once to upgrade the database" in result.err
