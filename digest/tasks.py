"""Work spread over machines: ``digest run`` hands fetch and send tasks to
``digest worker`` processes through Procrastinate, a task queue kept in the same
PostgreSQL database as the store (``workers:`` in config.yaml).

A worker does each task with the functions ``digest run`` calls when it works alone
(:func:`digest.scheduler.run_fetch`, :func:`~digest.scheduler.run_send`,
:func:`~digest.scheduler.run_edition`): the queue changes who does the work, not how.

* **Fetch.** The due feeds are dealt into SHARES shares by their host, one task a
  share. A task holds its share's lock, so a host is fetched by one worker at a time
  (the per-host limit holds across workers, as the fetch keeps it inside one) and a
  feed is never fetched by two at once; a share whose task still waits is not queued
  again (its queueing lock).
* **Send.** The first edition's send is a fetch handed out as above, then, once no
  fetch task waits or is in hand, one send task of what is stored; another edition's
  issue is one send task. All sends are under one lock: one at a time, which the send
  lock in the database makes so anyway.
* **Done means stored.** A task is finished when its function returns, after its
  work is written. A worker killed mid-task leaves it "doing" and stops its heartbeat;
  the scheduler gives the task of a worker silent for ``workers.stalled_after`` back
  to the queue (:meth:`TaskQueue.retry_stalled`), and another worker does it again:
  a fetch stores each item once however often its feed is read (items are keyed by
  feed and guid), and a send skips the copies already accepted under its Message-ID,
  so at most the copy in flight is sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from digest.config import Config, FeedConfig, load_config
from digest.errors import ConfigError, DigestError, StorageError
from digest.store import from_iso, iso

if TYPE_CHECKING:
    import procrastinate
    import psycopg

log = logging.getLogger("digest")
QUEUE = "digest"
FETCH = "digest.fetch"
SEND = "digest.send"
SHARES = 32  # fetch shares: enough that three or four workers stay busy to the end
FETCH_WAIT = 900.0  # seconds a send waits for the fetch before it to be done
LATE = 1800  # seconds a task may wait in the queue before status --check calls it late
T = TypeVar("T")


def share_of(url: str) -> int:
    """The fetch share of the feed at *url*: the same for every feed of one host."""
    host = (urlsplit(url).hostname or url).lower()
    return zlib.crc32(host.encode()) % SHARES


def shares(feeds: Sequence[FeedConfig]) -> dict[int, list[str]]:
    """*feeds*' URLs by share, each in config order."""
    dealt: dict[int, list[str]] = {}
    for feed in feeds:
        dealt.setdefault(share_of(feed.url), []).append(feed.url)
    return dealt


def _url(config: Config) -> str:
    if not isinstance(config.database, str):
        raise DigestError("workers: needs a PostgreSQL database (database: postgresql://…)")
    return config.database


def _app(config: Config) -> procrastinate.App:
    try:
        import procrastinate
    except ImportError:
        raise DigestError(
            "workers: needs the task queue, which is not installed:"
            " pip install 'digest-newsletter[postgres]'"
        ) from None
    # Its own lines (a job deferred, started, ended) repeat what digest's say.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    connector = procrastinate.PsycopgConnector(conninfo=_url(config), min_size=1, max_size=4)
    return procrastinate.App(connector=connector)


def ensure_schema(config: Config) -> None:
    """Create the queue's tables in the database, once (the first to come does it)."""
    from procrastinate.schema import SchemaManager

    from digest.postgres import connect, lock_key

    conn = connect(_url(config))
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("queue schema"),))
            row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is None or row[0] is None:
                conn.execute(SchemaManager.get_schema())
    except Exception as exc:
        if isinstance(exc, DigestError):
            raise
        raise StorageError(f"cannot make the task queue's tables: {exc}") from None
    finally:
        conn.close()


class TaskQueue:
    """The scheduler's side: defer tasks, and give stalled ones back to the queue."""

    def __init__(self, config: Config) -> None:
        self.config = config
        ensure_schema(config)

    def _run(self, work: Callable[[procrastinate.App], Awaitable[T]]) -> T:
        async def opened() -> T:
            app = _app(self.config)
            async with app.open_async():
                return await work(app)

        try:
            return asyncio.run(opened())
        except DigestError:
            raise
        except Exception as exc:  # the driver's and the queue's errors
            from digest.postgres import first_line

            raise StorageError(f"task queue: {first_line(exc)}", hint=None) from None

    def defer_fetch(self, feeds: Sequence[FeedConfig]) -> str:
        """One fetch task per share of *feeds*; says what it queued."""
        from procrastinate.exceptions import AlreadyEnqueued

        dealt = shares(feeds)

        async def defer(app: procrastinate.App) -> int:
            queued = 0
            for share, urls in sorted(dealt.items()):
                lock = f"fetch:{share}"
                task = app.configure_task(FETCH, queue=QUEUE, lock=lock, queueing_lock=lock)
                listed: Any = urls  # JSON
                try:
                    await task.defer_async(feeds=listed)
                    queued += 1
                except AlreadyEnqueued:
                    pass  # the share's last task has not been taken yet: it will do
            return queued

        queued = self._run(defer)
        waiting = len(dealt) - queued
        still = f", {_tasks(waiting)} of them already waiting in the queue" if waiting else ""
        feeds_said = _feeds(len(feeds))
        return f"{feeds_said} handed to the workers in {_tasks(len(dealt))}{still}"

    def defer_send(self, edition: str, slot: datetime | None) -> str:
        """A send task for *edition* ("" is the first edition's, at *slot*)."""
        from procrastinate.exceptions import AlreadyEnqueued

        async def defer(app: procrastinate.App) -> bool:
            task = app.configure_task(
                SEND, queue=QUEUE, lock="send", queueing_lock=f"send:{edition}"
            )
            try:
                await task.defer_async(edition=edition, slot=iso(slot) if slot else None)
            except AlreadyEnqueued:
                return False
            return True

        if self._run(defer):
            return "handed to a worker"
        return "one is waiting for a worker already"

    def wait_for_fetch(self, timeout: float = FETCH_WAIT) -> str:
        """Wait until no fetch task waits or is in hand (or *timeout* seconds pass)."""
        deadline = time.monotonic() + timeout
        with _queue_db(self.config) as conn:
            while conn is not None and time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s"
                    " AND status IN ('todo', 'doing')",
                    (FETCH,),
                ).fetchone()
                if not row or not row[0]:
                    return ""
                time.sleep(1.0)
        if conn is None:
            return ""
        return f"the fetch took longer than {timeout:.0f} s: sending what is stored"

    def retry_stalled(self) -> str:
        """Give the tasks of workers silent for ``workers.stalled_after`` to the others."""
        assert self.config.workers is not None
        silent = self.config.workers.stalled_after

        async def retry(app: procrastinate.App) -> list[str]:
            from procrastinate.exceptions import UniqueViolation
            from procrastinate.jobs import Status

            said = []
            stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=silent))
            for job in stalled:
                what = _described(job.task_name, job.task_kwargs)
                try:
                    await app.job_manager.retry_job(job)
                    said.append(f"{what}: given back to the queue")
                except UniqueViolation:
                    # the same share (or send) is queued again already: that task will do
                    # it; this one is closed, or neither could ever run
                    await app.job_manager.finish_job(job, Status.ABORTED, delete_job=True)
                    said.append(f"{what}: dropped, the same task waits in the queue")
            return said

        said = self._run(retry)
        return "; ".join(said) and f"a worker stopped answering: {'; '.join(said)}"


def run_worker(config_path: Path, config: Config) -> int:
    """``digest worker``: take tasks until SIGTERM or SIGINT (the task in hand is finished)."""
    from digest.scheduler import run_edition, run_fetch, run_send

    if config.workers is None:
        raise ConfigError(
            "no workers: section in config.yaml: digest run does every task itself",
        )
    ensure_schema(config)
    app = _app(config)

    def fresh() -> Config:
        try:
            return load_config(config_path)
        except DigestError as exc:
            log.warning("config not reloaded, keeping the last good one: %s", exc)
            return config

    @app.task(name=FETCH, queue=QUEUE)
    def fetch(feeds: list[str]) -> None:
        if not run_fetch(fresh(), feeds):
            raise TaskFailed("fetch: nothing could be stored")

    @app.task(name=SEND, queue=QUEUE)
    def send(edition: str, slot: str | None) -> None:
        now = fresh()
        if edition and edition != now.default_edition:
            done = run_edition(now, edition)
        else:  # the scheduler had the workers fetch first
            done = run_send(now, from_iso(slot), fetch=False)
        if not done:
            raise TaskFailed(f"send {edition or now.default_edition}: failed; items stay pending")

    # A worker lives long: it imports what a fetch and a send need before its first task.
    import digest.fetch
    import digest.parse
    import digest.pipeline  # noqa: F401

    silent = config.workers.stalled_after
    name = f"{socket.gethostname()}:{os.getpid()}"
    log.info("digest worker %s: taking tasks", name)
    options: dict[str, Any] = {
        "queues": [QUEUE],
        "name": name,
        # Shares in hand at once: a share is a few hosts, and each host is read at most
        # fetch.per_host at a time, so a worker takes enough shares to keep
        # fetch.concurrency requests in flight (four, by default).
        "concurrency": max(1, config.fetch.concurrency // config.fetch.per_host),
        "delete_jobs": "successful",  # a failed task stays, for digest status
        "update_heartbeat_interval": max(1.0, silent / 3),
        "stalled_worker_timeout": silent,
    }
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)  # said once, below
    try:
        app.run_worker(**options)
    except Exception as exc:  # the queue's and the driver's: the database went away
        from digest.postgres import first_line

        raise StorageError(
            f"digest worker {name}: lost the database ({first_line(exc)}): stopped; a task"
            " cut short goes back to the queue after workers.stalled_after",
            hint="start it again once the database answers (systemd's Restart= does)",
        ) from None
    log.info("digest worker %s: stopped", name)
    return 0


class TaskFailed(Exception):
    """A task did not do its work (logged as it happened); the queue marks it failed."""


@contextmanager
def _queue_db(config: Config) -> Iterator[psycopg.Connection[Any] | None]:
    """A connection to the queue's database (None before any worker made its tables),
    the driver's errors made one StorageError, closed however the block ends."""
    from digest.postgres import connect, first_line

    conn = connect(_url(config))
    try:
        made = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        yield None if made is None or made[0] is None else conn
    except DigestError:
        raise
    except Exception as exc:
        raise StorageError(f"task queue: {first_line(exc)}", hint=None) from None
    finally:
        conn.close()


def queue_lines(config: Config) -> list[str]:
    """What ``digest status`` says of the workers and the queue."""
    if config.workers is None:
        return ["Workers:    none (digest run does every task itself)"]
    silent = config.workers.stalled_after
    with _queue_db(config) as conn:
        if conn is None:
            return ["Workers:    none has started yet (digest worker)"]
        alive = conn.execute(
            "SELECT count(*) FROM procrastinate_workers"
            " WHERE last_heartbeat > now() - make_interval(secs => %s)",
            (silent,),
        ).fetchone()
        by_status = dict(
            conn.execute(
                "SELECT status::text, count(*) FROM procrastinate_jobs"
                " WHERE queue_name = %s GROUP BY status",
                (QUEUE,),
            ).fetchall()
        )
        failed = conn.execute(
            "SELECT j.task_name, j.args, max(e.at) FROM procrastinate_jobs j"
            " LEFT JOIN procrastinate_events e ON e.job_id = j.id"
            " WHERE j.queue_name = %s AND j.status = 'failed'"
            " GROUP BY j.id ORDER BY j.id DESC LIMIT 5",
            (QUEUE,),
        ).fetchall()
    lines = [
        f"Workers:    {alive[0] if alive else 0} taking tasks",
        f"Queue:      {by_status.get('todo', 0)} waiting, {by_status.get('doing', 0)} in hand",
    ]
    total = by_status.get("failed", 0)
    if total:
        lines.append(f"Failed tasks ({total}, the latest first):")
        for task, args, at in failed:
            when = at.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z") if at else "?"
            lines.append(f"  {when}: {_described(task, args)}")
    else:
        lines.append("Failed tasks: none")
    return lines


def queue_problems(config: Config) -> list[str]:
    """What ``digest status --check`` says of the queue: no worker alive to take tasks,
    tasks held by workers that stopped answering, tasks waiting too long."""
    assert config.workers is not None
    silent = config.workers.stalled_after
    with _queue_db(config) as conn:
        if conn is None:
            return ["no digest worker has started (workers: is set)"]
        alive, held, waiting = conn.execute(
            "SELECT (SELECT count(*) FROM procrastinate_workers"
            "         WHERE last_heartbeat > now() - make_interval(secs => %(silent)s)),"
            " (SELECT count(*) FROM procrastinate_jobs j"
            "   LEFT JOIN procrastinate_workers w ON w.id = j.worker_id"
            "   WHERE j.queue_name = %(queue)s AND j.status = 'doing' AND (w.id IS NULL"
            "   OR w.last_heartbeat < now() - make_interval(secs => 2 * %(silent)s))),"
            " (SELECT count(*) FROM procrastinate_jobs j"
            "   WHERE j.queue_name = %(queue)s AND j.status = 'todo'"
            "   AND (SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id)"
            "       < now() - make_interval(secs => %(late)s))",
            {"silent": silent, "queue": QUEUE, "late": LATE},
        ).fetchone() or (0, 0, 0)
    found = []
    if not alive:
        found.append("no digest worker is taking tasks (workers: is set)")
    if held:
        found.append(f"{_tasks(held)} held by workers that stopped answering, not given back")
    if waiting:
        found.append(f"{_tasks(waiting)} waiting in the queue for more than {LATE // 60} minutes")
    return found


def _feeds(n: int) -> str:
    from digest.scheduler import _count

    return _count(n, "feed")


def _tasks(n: int) -> str:
    from digest.scheduler import _count

    return _count(n, "task")


def _described(task: str, args: Any) -> str:
    args = args if isinstance(args, dict) else {}
    if task == FETCH:
        feeds = args.get("feeds") or []
        more = "…" if len(feeds) > 2 else ""
        return f"fetch of {_feeds(len(feeds))} ({', '.join(map(str, feeds[:2]))}{more})"
    if task == SEND:
        return f"send {args.get('edition') or 'of the first edition'}"
    return task
