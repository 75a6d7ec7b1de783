"""The store's write lock: a fetch holds it only while it writes, and the commands
that only read (status, feeds, export, preview --no-fetch) never take it, never
write, and work on a database they cannot write."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from digest.models import FeedState
from digest.store import MIGRATIONS, SQLiteStore
from tests.conftest import ROOT, FeedServer, run_cli, write_config
from tests.feeds import FakeItem, rss

FAST = rss(FakeItem("Harbour festival opens", "https://a.example.org/1"))
SLOW = rss(FakeItem("Library budget passes", "https://b.example.org/1"))
READ_ONLY = (("status",), ("feeds",), ("export",), ("preview", "--no-fetch", "--json", "-"))


def fetched_once(folder: Path, server: FeedServer) -> Path:
    """A config of two feeds, fetched once; returns the database. A fetch waits for a
    slow feed longer than SQLite waits for a held lock (30 s)."""
    feeds = [server.serve("/fast.xml", FAST), server.serve("/slow.xml", SLOW)]
    write_config(folder, feeds, fetch={"timeout": 100})
    assert run_cli("fetch", cwd=folder).code == 0
    return folder / "digest.sqlite3"


@pytest.fixture
def held_server(http_server: FeedServer) -> Iterator[tuple[FeedServer, threading.Event]]:
    """The test server, and an event that a slow route's handler waits for (set at the end,
    so a failing test does not leave a request hanging)."""
    release = threading.Event()
    yield http_server, release
    release.set()


def test_status_and_feeds_answer_while_a_fetch_waits_on_a_slow_feed(
    tmp_path: Path, held_server: tuple[FeedServer, threading.Event]
) -> None:
    server, release = held_server
    database = fetched_once(tmp_path, server)
    body = rss(
        FakeItem("Library budget passes", "https://b.example.org/1"),
        FakeItem("Orchestra season announced", "https://b.example.org/2"),
    ).encode()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        release.wait(120)  # the server answers once the test has checked the others
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.serve("/slow.xml", b"", handler=slow)
    asked = len(server.hits("/slow.xml"))
    fetch = subprocess.Popen(
        [sys.executable, "-m", "digest", "fetch"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while len(server.hits("/slow.xml")) == asked and fetch.poll() is None:
            time.sleep(0.05)  # until the fetch is waiting on the slow feed
        assert fetch.poll() is None, fetch.communicate()
        status = run_cli("status", cwd=tmp_path)
        feeds = run_cli("feeds", cwd=tmp_path)
        # A second writer gets the lock at once (it would wait 30 s for a held one).
        writer = SQLiteStore(database)
        writer.db.execute("PRAGMA busy_timeout=500")
        writer.save_feed(FeedState(url="https://c.example.org/feed.xml", title="C"))
        writer.close()
    finally:
        release.set()
        out, err = fetch.communicate(timeout=120)
    assert status.code == 0, status.err
    assert "Failing feeds: none" in status.out
    assert feeds.code == 0, feeds.err
    assert "items: 1" in feeds.out and "/slow.xml" in feeds.out
    assert fetch.returncode == 0, err
    assert "2 ok, 0 failed, 1 new item." in out
    after = SQLiteStore(database)
    assert "https://c.example.org/feed.xml" in after.feed_states()  # the writer's row stayed
    after.close()


def fingerprint(database: Path) -> tuple[str, int]:
    """The database file's bytes (hashed) and modification time."""
    return hashlib.sha256(database.read_bytes()).hexdigest(), database.stat().st_mtime_ns


def test_read_only_commands_write_nothing(tmp_path: Path, http_server: FeedServer) -> None:
    database = fetched_once(tmp_path, http_server)
    before = fingerprint(database)
    for command in READ_ONLY:
        result = run_cli(*command, cwd=tmp_path)
        assert result.code == 0, (command, result.err)
        assert fingerprint(database) == before, command
        wal = database.with_name(database.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, command
    assert "Harbour festival opens" in run_cli(*READ_ONLY[3], cwd=tmp_path).out


def test_read_only_commands_work_on_a_database_in_a_folder_they_cannot_write(
    tmp_path: Path, http_server: FeedServer
) -> None:
    fetched_once(tmp_path, http_server)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "digest.sqlite3").write_bytes((tmp_path / "digest.sqlite3").read_bytes())
    (copy / "config.yaml").write_text((tmp_path / "config.yaml").read_text())
    # Tests run as root, whom permissions do not stop: folders in the places of the -wal
    # and -shm files stop SQLite from making them, as a read-only folder would.
    (copy / "digest.sqlite3-wal").mkdir()
    (copy / "digest.sqlite3-shm").mkdir()
    (copy / "digest.sqlite3").chmod(0o444)
    copy.chmod(0o555)
    try:
        before = fingerprint(copy / "digest.sqlite3")
        results = {command: run_cli(*command, cwd=copy) for command in READ_ONLY}
        after = fingerprint(copy / "digest.sqlite3")
    finally:
        copy.chmod(0o755)
    for command, result in results.items():
        assert result.code == 0, (command, result.err)
    assert "Failing feeds: none" in results[("status",)].out
    assert "items: 1" in results[("feeds",)].out
    assert "Harbour festival opens" in results[READ_ONLY[3]].out
    assert after == before


def test_status_without_a_database_creates_none(tmp_path: Path) -> None:
    write_config(tmp_path, ["https://a.example.org/feed.xml"])
    status = run_cli("status", cwd=tmp_path)
    feeds = run_cli("feeds", cwd=tmp_path)
    assert status.code == 0 and "Last digest: none sent yet" in status.out
    assert feeds.code == 0 and "not fetched yet" in feeds.out
    assert not (tmp_path / "digest.sqlite3").exists()


def test_a_database_that_needs_a_migration_is_upgraded_by_fetch_not_status(
    tmp_path: Path, http_server: FeedServer
) -> None:
    database = fetched_once(tmp_path, http_server)
    db = sqlite3.connect(database)
    # as the schema before the last migration had it: its columns and tables undone
    added = re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", MIGRATIONS[-1])
    created = re.findall(r"CREATE TABLE (\w+)", MIGRATIONS[-1])
    assert added or created, "this test undoes a last migration that adds columns or tables"
    for table, column in added:
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in created:
        db.execute(f"DROP TABLE {table}")
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) - 1}")
    db.close()
    status = run_cli("status", cwd=tmp_path)
    assert status.code == 1
    assert "run digest fetch once to upgrade the database" in status.err
    assert status.err.count("\n") == 1  # one line, no traceback
    db = sqlite3.connect(database)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) - 1
    db.close()
    assert run_cli("fetch", cwd=tmp_path).code == 0
    assert run_cli("status", cwd=tmp_path).code == 0
