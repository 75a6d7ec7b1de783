"""Several machines: ``digest worker`` processes take the tasks a scheduler hands out
through the queue in PostgreSQL, and the digest is the one a single process makes.

Workers here are real processes (``python -m digest worker``) on a throwaway
PostgreSQL server; the scheduler is a ``Daemon`` in this process, whose jobs are the
ones ``digest run`` runs on its schedule. Feeds are served on 127.0.0.1, under two
host names (``127.0.0.1`` and ``localhost``), so that the fetch is dealt into shares.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from digest.config import load_config
from digest.scheduler import Daemon
from digest.tasks import TaskQueue
from tests.conftest import (
    ROOT,
    FeedServer,
    SmtpServer,
    outbox_messages,
    run_cli,
    run_cli_process,
    smtp_delivery,
    write_config,
)
from tests.feeds import FakeItem, rss

STALLED = 3  # seconds: a killed worker's task goes back to the queue after this


def feeds(http_server: FeedServer, count: int = 6, **route: Any) -> list[str]:
    """*count* feeds of three stories each, every other one under the name localhost,
    each story with a date of its own (the digest's order is the stories' dates', not
    the order in which their feeds were read)."""
    now = datetime.now(UTC)
    urls = []
    for n in range(count):
        section = "Culture" if n % 2 else "News"
        items = [
            FakeItem(
                f"Feed {n} story {k}: {['harbour', 'library', 'museum'][k]} news",
                f"https://f{n}.example.org/{k}",
                categories=[section],
                body=f"<p>Story {k} of feed {n} tells what happened. It says more.</p>",
                published=now - timedelta(minutes=10 * n + k + 1),
            )
            for k in range(3)
        ]
        url = http_server.serve(f"/f{n}.xml", rss(*items, title=f"Feed {n}"), **route)
        urls.append(url.replace("127.0.0.1", "localhost") if n % 2 else url)
    return urls


def pg_config(folder: Path, urls: list[str], pg_url: str, **settings: Any) -> Path:
    folder.mkdir(exist_ok=True)
    return write_config(
        folder, urls, database=pg_url, workers={"stalled_after": STALLED}, **settings
    )


@contextmanager
def workers(folder: Path, count: int) -> Iterator[list[subprocess.Popen[str]]]:
    """*count* ``digest worker`` processes in *folder*, stopped (SIGTERM) at the end."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DIGEST_CONFIG", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "digest", "worker"],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def jobs(pg_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
        ).fetchall()
    return dict(rows)


def drain(pg_url: str, daemon: Daemon | None = None, timeout: float = 60) -> None:
    """Wait until no task waits or is in hand (giving stalled ones back, as the
    scheduler does every few seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = jobs(pg_url)
        if not state.get("todo") and not state.get("doing"):
            return
        if daemon is not None:
            daemon.stalled_job()
        time.sleep(0.3)
    raise AssertionError(f"the queue did not drain: {jobs(pg_url)}")


def scheduler(folder: Path) -> Daemon:
    config = load_config(folder / "config.yaml")
    return Daemon(folder / "config.yaml", config, TaskQueue(config))


def normalised(msg: EmailMessage) -> str:
    """The message as text, apart from its date, its id and its MIME boundaries."""
    text = re.sub(r"(?m)^(Date|Message-ID): .*$", r"\1: -", msg.as_string())
    return re.sub(r"=+_?\d{10,}[\w.=-]*", "BOUNDARY", text)


def test_three_workers_make_the_digest_one_process_makes(
    tmp_path: Path, http_server: FeedServer, pg_url: str
) -> None:
    urls = feeds(http_server)
    alone = tmp_path / "alone"
    alone.mkdir()
    write_config(alone, urls)
    assert run_cli("send", cwd=alone).code == 0
    [expected] = outbox_messages(alone / "outbox")

    spread = tmp_path / "spread"
    pg_config(spread, urls, pg_url)
    daemon = scheduler(spread)
    with workers(spread, 3) as procs:
        daemon.fetch_job()
        drain(pg_url)
        daemon.send_job()
        drain(pg_url)
    logs = "".join(p.stdout.read() if p.stdout else "" for p in procs)
    assert logs.count("fetch: ") >= 2, logs  # the shares went to more than one task
    [got] = outbox_messages(spread / "outbox")
    assert normalised(got) == normalised(expected)
    assert jobs(pg_url).get("failed") is None
    status = run_cli("status", cwd=spread)
    assert "Queue:      0 waiting, 0 in hand" in status.out, status.out
    assert "Failed tasks: none" in status.out
    assert "Workers:    0 taking tasks" in status.out  # stopped above
    check = run_cli("status", "--check", cwd=spread)
    assert check.code == 1 and "no digest worker is taking tasks" in check.out


def test_a_worker_killed_in_the_middle_of_a_fetch_loses_nothing(
    tmp_path: Path, http_server: FeedServer, pg_url: str
) -> None:
    urls = feeds(http_server, count=4)
    slow = http_server.serve(
        "/slow.xml",
        rss(FakeItem("Slow story", "https://slow.example.org/1", categories=["News"])),
        handler=_slow,
    )
    _SLOW_DONE.unlink(missing_ok=True)
    pg_config(tmp_path, [slow, *urls], pg_url)
    daemon = scheduler(tmp_path)
    with workers(tmp_path, 1) as [first]:
        daemon.fetch_job()
        _wait_for(lambda: jobs(pg_url).get("doing", 0) > 0)
        time.sleep(1.0)  # inside the share with the slow feed
        first.kill()  # kill -9: no goodbye, no heartbeat
        first.wait()
    assert jobs(pg_url).get("doing", 0) > 0  # left "in hand" by the dead worker
    daemon.fetch_job()  # the next round queues the same shares again before it is given back
    _SLOW_DONE.touch()  # the server answers now
    with workers(tmp_path, 2):
        drain(pg_url, daemon)
    preview = run_cli("preview", "--no-fetch", "--json", "-", cwd=tmp_path)
    titles = re.findall(r'"title": "(Feed \d story \d[^"]*|Slow story)"', preview.out)
    assert len(titles) == len(set(titles)) == 13  # every story, once
    assert jobs(pg_url).get("failed") is None


_SLOW_DONE = Path(os.environ.get("TMPDIR", "/tmp")) / f"digest-slow-{os.getpid()}"


def _slow(handler: Any) -> None:
    """Answer only once the test says so (a fetch stays in flight until then)."""
    deadline = time.monotonic() + 30
    while not _SLOW_DONE.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    body = rss(FakeItem("Slow story", "https://slow.example.org/1", categories=["News"]))
    data = body.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _wait_for(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_send_sends_each_copy_once(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer, pg_url: str
) -> None:
    readers = [f"reader{n:02}@example.org" for n in range(40)]
    pg_config(
        tmp_path,
        feeds(http_server, count=2),
        pg_url,
        delivery=smtp_delivery(smtp_server, to=readers),
    )
    smtp_server.mailbox.delay = 0.15  # each copy takes a while: the kill lands mid-send
    daemon = scheduler(tmp_path)
    with workers(tmp_path, 1) as [first]:
        daemon.send_job()
        _wait_for(lambda: len(smtp_server.mailbox.messages) >= 5)
        first.kill()
        first.wait()
    smtp_server.mailbox.delay = 0
    with workers(tmp_path, 2):
        drain(pg_url, daemon)
    got = [rcpt for _, rcpts, _ in smtp_server.mailbox.messages for rcpt in rcpts]
    assert set(got) == set(readers)  # everyone
    assert len(got) - len(readers) <= 1  # at most the copy in flight, twice
    ids: dict[str, set[str]] = {}
    for _, rcpts, msg in smtp_server.mailbox.messages:
        for rcpt in rcpts:
            ids.setdefault(rcpt, set()).add(str(msg["Message-ID"]))
    assert all(len(one) == 1 for one in ids.values())  # a copy sent twice: the same id
    assert len({i.split(".")[1] for one in ids.values() for i in one}) == 1  # one digest


@pytest.mark.slow
def test_a_second_digest_run_takes_over_when_the_scheduler_dies(
    tmp_path: Path, http_server: FeedServer, pg_url: str
) -> None:
    pg_config(tmp_path, feeds(http_server, count=2), pg_url, schedule={"send": "* * * * *"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DIGEST_CONFIG", None)

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "digest", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    first = start()
    _wait_for(lambda: "Daemon:     running" in run_cli("status", cwd=tmp_path).out)
    second = start()
    try:
        time.sleep(3)
        assert second.poll() is None  # standing by, not refused
        first.kill()  # the scheduler's machine dies
        first.wait()
        with workers(tmp_path, 1):
            # the next minute's send is handed out by the second and done by the worker
            _wait_for(lambda: bool(outbox_messages(tmp_path / "outbox")), timeout=90)
    finally:
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=20)
    assert "standing by" in out and "takes over" in out, out
    assert len(outbox_messages(tmp_path / "outbox")) == 1


def test_workers_need_postgresql_and_a_worker_needs_workers(tmp_path: Path) -> None:
    write_config(tmp_path, ["https://a.example/feed.xml"], workers={})
    result = run_cli("check", cwd=tmp_path)
    assert result.code != 0 and "needs a PostgreSQL database" in result.err
    write_config(tmp_path, ["https://a.example/feed.xml"])
    alone = run_cli_process("worker", cwd=tmp_path)
    assert alone.code != 0 and "Traceback" not in alone.err
    assert "no workers: section" in alone.err
