"""Parse workers: fetched feed documents are parsed in forked processes, one per core.

Parsing is CPU work (lxml, nh3 and feedparser's rules in Python); fetching is not.
The fetching process hands each document to a worker as it came (perhaps still
compressed) and only inserts the rows that come back, so both cores parse while
it fetches and writes.

Workers are forked, never spawned: a spawned worker would import the whole
program again. Forking a process that runs other threads can leave a child
waiting forever on a lock another thread held, so a pool is only started while
the process has one thread (the daemon, whose scheduler runs threads, parses in
its own process).

Each worker imports the parser (feedparser, lxml, nh3: about 50 ms) with its
first document. Starting the workers before the config is even read, to load
the parser on the core that start-up leaves idle, was measured (bench/fetch.py,
N=200, 12 alternating runs): 14 ms less on a first run, 4 ms more on a run of
304s, 0.1 s more CPU. Not worth a fork before the config is known.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing import get_context
from typing import TYPE_CHECKING

from digest.errors import FeedError
from digest.store import ItemRow, item_rows

if TYPE_CHECKING:  # the parser is imported by the first document
    from digest.parse import FeedRead, ParseJob

POOL_MIN_FEEDS = 4  # fewer feeds are parsed in the fetching process

Parsed = tuple["FeedRead | FeedError", tuple[ItemRow, ...] | None]


@dataclass(frozen=True)
class ParseTask:
    """A fetched feed for a parse worker: the document (perhaps still compressed, as it
    came), and what the worker needs to turn its new entries into the store's rows."""

    job: ParseJob
    content_encoding: str
    max_bytes: int
    feed_url: str
    now: datetime
    rows: bool


def parse_task(task: ParseTask) -> Parsed:
    """Decode, parse and, if asked, make the rows: the feed (without its entries when
    they come as rows) or what is wrong with it.

    Run in a parse worker, this is the work the fetching process need not do: it
    neither inflates nor copies the larger body, and only inserts rows.
    """
    from digest.parse import FeedRead, parse_job

    job = task.job
    if task.content_encoding:
        from digest.fetch import BodyError, decode_body

        try:
            job = replace(job, body=decode_body(job.body, task.content_encoding, task.max_bytes))
        except BodyError as exc:
            return FeedError(exc.message, url=job.url), None
    read = parse_job(job)
    if not task.rows or isinstance(read, FeedError):
        return read, None
    rows = tuple(item_rows(task.feed_url, read.feed.entries, task.now))
    return FeedRead(replace(read.feed, entries=()), read.still_carried), rows


class ParsePool:
    """Parses in worker processes when it has them, else in this process."""

    def __init__(self, pool: ProcessPoolExecutor | None = None) -> None:
        self.pool = pool

    @classmethod
    def start(cls, feeds: int) -> ParsePool:
        """Fork one worker per core (at most one per feed), now; none for fewer than
        POOL_MIN_FEEDS *feeds*, on one core, or in a process running other threads."""
        workers = min(os.cpu_count() or 1, feeds)
        if workers < 2 or feeds < POOL_MIN_FEEDS or threading.active_count() > 1:
            return cls(None)
        pool = ProcessPoolExecutor(
            workers,
            mp_context=get_context("fork"),
            initializer=_die_with,
            initargs=(os.getpid(),),
        )
        pool.submit(int)  # with fork, the first submit forks every worker at once
        return cls(pool)

    async def parse(self, task: ParseTask) -> Parsed:
        """The feed's new entries (or their rows), or what is wrong with it."""
        if self.pool is None:
            return parse_task(task)
        return await asyncio.wrap_future(self.pool.submit(parse_task, task))

    def close(self) -> None:
        """Stop the workers (a task not yet started is dropped)."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _die_with(parent: int) -> None:
    """In a new worker: exit as soon as *parent* is gone (a killed ``send`` would strand
    its workers otherwise: they wait for tasks forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
