"""``database: postgresql://…``: the commands work on a PostgreSQL database as on an
SQLite file, with PostgreSQL's own locks between processes and one-line errors.

The store itself is checked on both in test_store.py, test_store_contract.py and
test_migrations.py; these run the command line against a real server.
"""

from __future__ import annotations

import threading
from pathlib import Path

from digest.locks import daemon_running, send_lock, sending_now
from tests.conftest import (
    FeedServer,
    SmtpServer,
    free_port,
    run_cli,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss


def serve_two(http_server: FeedServer) -> str:
    return http_server.serve(
        "/feed.xml",
        rss(
            FakeItem("Festival opens", "https://a.example.org/1", categories=["Culture"]),
            FakeItem("Council votes", "https://a.example.org/2", categories=["News"]),
        ),
    )


def test_fetch_send_and_status_on_postgresql(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer, pg_url: str
) -> None:
    url = serve_two(http_server)
    write_config(tmp_path, [url], database=pg_url, delivery=smtp_delivery(smtp_server))
    fetched = run_cli("fetch", cwd=tmp_path)
    assert fetched.code == 0, fetched.err
    assert "2 new items" in fetched.out
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    smtp_server.mailbox.wait_for(1)
    [(_, rcpts, msg)] = smtp_server.mailbox.messages
    assert rcpts == ["reader@example.org"]
    assert "Festival opens" in text_part(msg) and "Council votes" in text_part(msg)
    status = run_cli("status", cwd=tmp_path)
    assert status.code == 0, status.err
    assert "Last digest:" in status.out and "2 stories, to reader@example.org" in status.out
    again = run_cli("send", cwd=tmp_path)
    assert again.code == 0, again.err
    assert len(smtp_server.mailbox.messages) == 1  # nothing new: nothing sent
    assert not (tmp_path / "digest.sqlite3").exists()  # no file beside the config


def test_a_send_waits_for_none_while_another_machine_sends(
    tmp_path: Path, http_server: FeedServer, pg_url: str
) -> None:
    """The send lock is PostgreSQL's, so it holds between machines, not only processes."""
    write_config(tmp_path, [serve_two(http_server)], database=pg_url)
    held, release = threading.Event(), threading.Event()

    def other_machine() -> None:
        with send_lock(pg_url):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=other_machine)
    thread.start()
    try:
        assert held.wait(10)
        assert sending_now(pg_url)
        busy = run_cli("send", cwd=tmp_path)
        assert busy.code != 0 and "Traceback" not in busy.err
        assert "another digest is being sent from this database right now" in busy.err
    finally:
        release.set()
        thread.join()
    assert not sending_now(pg_url)  # released with its connection
    assert not daemon_running(pg_url)
    assert run_cli("send", cwd=tmp_path).code == 0


def test_a_password_in_the_url_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, ["https://a.example/feed.xml"], database="postgresql://u:secret@h/db")
    result = run_cli("check", cwd=tmp_path)
    assert result.code != 0 and "Traceback" not in result.err
    assert "PGPASSWORD" in result.err and "secret" not in result.err


def test_a_server_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    down = f"postgresql://digest@127.0.0.1:{free_port()}/digest"
    write_config(tmp_path, ["https://a.example/feed.xml"], database=down)
    for command in ("status", "fetch", "check"):
        result = run_cli(command, cwd=tmp_path)
        assert result.code != 0 and "Traceback" not in result.err
        assert (result.err + result.out).count("\n") <= 2, result.err
        said = result.err + result.out
        # (the command line shows a URL without its user, as it shows every URL)
        assert f"cannot open database postgresql://127.0.0.1:{down.split(':')[2]}" in said, said
        assert "that the server answers" in said or command == "check"


def test_a_database_of_a_newer_digest_is_refused(pg_url: str) -> None:
    import psycopg
    import pytest

    from digest.errors import StorageError
    from digest.postgres import MIGRATIONS
    from digest.store import open_store

    with open_store(pg_url):
        pass
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE digest_schema SET version = %s", (len(MIGRATIONS) + 3,))
    with pytest.raises(StorageError, match="newer digest"), open_store(pg_url):
        pass


def test_a_database_copied_to_postgresql_sends_nothing_twice(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer, pg_url: str
) -> None:
    url = serve_two(http_server)
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server))
    assert run_cli("subscribers", "add", "weekly@example.org", cwd=tmp_path).code == 0
    assert run_cli("send", cwd=tmp_path).code == 0
    smtp_server.mailbox.wait_for(2)
    copied = run_cli("copy-database", pg_url, cwd=tmp_path)
    assert copied.code == 0, copied.err
    assert "Copied 1 feed, 2 items, 1 digest" in copied.out
    again = run_cli("copy-database", pg_url, cwd=tmp_path)  # never over a used database
    assert again.code != 0 and "is not empty" in again.err and "Traceback" not in again.err
    secret = run_cli("copy-database", "postgresql://u:secret@127.0.0.1/db", cwd=tmp_path)
    assert secret.code == 2 and "holds a password" in secret.err and "secret" not in secret.err

    write_config(tmp_path, [url], database=pg_url, delivery=smtp_delivery(smtp_server))
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    assert len(smtp_server.mailbox.messages) == 2  # what was sent stays sent
    listed = run_cli("subscribers", "list", cwd=tmp_path)
    assert "weekly@example.org" in listed.out
    status = run_cli("status", cwd=tmp_path)
    assert "2 stories, to reader@example.org and 1 subscriber" in status.out, status.out
    # a new item arrives: the next digest on PostgreSQL carries it alone
    http_server.serve(
        "/feed.xml",
        rss(
            FakeItem("Festival opens", "https://a.example.org/1", categories=["Culture"]),
            FakeItem("Council votes", "https://a.example.org/2", categories=["News"]),
            FakeItem("Library reopens", "https://a.example.org/3", categories=["News"]),
        ),
    )
    assert run_cli("send", cwd=tmp_path).code == 0
    smtp_server.mailbox.wait_for(4)
    newest = smtp_server.mailbox.messages[-1][2]
    assert "Library reopens" in text_part(newest) and "Council votes" not in text_part(newest)
