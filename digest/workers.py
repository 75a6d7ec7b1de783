"""Parse workers: fetched feed documents are parsed in worker processes, one per core.

Parsing is CPU work (lxml, nh3 and feedparser's rules in Python); fetching is not.
The fetching process hands each document to a worker as it came (perhaps still
compressed) and only inserts the rows that come back, so both cores parse while
it fetches and writes.

A worker is a process of its own for safety as much as speed: each document gets
PARSE_TIMEOUT seconds, after which its feed fails ("parse took longer than 20 s:
skipped") and the worker is killed and replaced; a worker that dies (a signal, a
crash in C code) costs only the document it held, which is tried once more in a
fresh worker (not in this process: a document that kills its worker would kill the
run). So even a single feed is parsed in a worker: a hostile one must not hang
``digest send``. The pool is one process per task at a time, each with its own pipe,
since a ProcessPoolExecutor can neither stop one task nor survive a dead worker.

Workers are forked while the process has one thread: a forked worker starts in about
2 ms. Forking a process that runs other threads can leave a child waiting forever on
a lock another thread held, so the daemon (whose scheduler runs threads), and a
replacement started after the fetch's name lookups started threads, take their
workers from a forkserver: a clean process started once and kept, with the parser
imported (FORKSERVER_PRELOAD), which forks them in turn. Measured (2 cores, loaded):
the forkserver's start costs about 220 ms once in the daemon's life (an interpreter,
the parser's imports, multiprocessing's resource tracker); after it, a run's workers
start in 1-6 ms and parse their first document at once. Parsing one feed in a forked
worker rather than in this process costs a fork and a round trip of 2-7 ms, and moves
the parser's import to the worker: `digest fetch` of one to three local feeds took
the same CPU time (median of 15 runs) as the in-process parse it replaced.

A forkserver's worker imports the main module again, as a spawned process does: the
console script and ``python -m digest`` are safe, and a script of one's own that runs
the daemon through these functions needs the ``if __name__ == "__main__":`` guard.

Each forked worker imports the parser (feedparser, lxml, nh3: about 50 ms) with its
first document. Starting the workers before the config is even read, to load
the parser on the core that start-up leaves idle, was measured (bench/fetch.py,
N=200, 12 alternating runs): 14 ms less on a first run, 4 ms more on a run of
304s, 0.1 s more CPU. Not worth a fork before the config is known.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, cast

from digest.errors import FeedError
from digest.links import shown_url
from digest.models import NewItem
from digest.plan import new_items

if TYPE_CHECKING:  # the parser is imported by the first document
    from digest.parse import FeedRead, ParseJob

POOL_MIN_FEEDS = 4  # fewer feeds are parsed by one worker
PARSE_TIMEOUT = 20.0  # seconds one feed's document may take to parse in a worker
# What a forkserver imports once, so that the workers it forks start with the parser.
FORKSERVER_PRELOAD = ("digest.workers", "digest.parse", "digest.feedxml", "digest.plan")

log = logging.getLogger(__name__)

Parsed = tuple["FeedRead | FeedError", tuple[NewItem, ...] | None]


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
    rows = tuple(new_items(task.feed_url, read.feed.entries, task.now))
    return FeedRead(replace(read.feed, entries=()), read.still_carried), rows


class ParsePool:
    """Parses each task in a worker process under a time limit; see the module's notes."""

    def __init__(self, size: int, timeout: float | None = None) -> None:
        self.size = size
        self.timeout = PARSE_TIMEOUT if timeout is None else timeout
        self.idle: list[_Worker] = []
        self.live: set[_Worker] = set()
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def start(cls, feeds: int, timeout: float | None = None) -> ParsePool:
        """Start one worker per core this process may run on (at most one per feed; one
        for fewer than POOL_MIN_FEEDS *feeds*), now; none for no feed. The cores are the
        ones its CPU affinity allows (a container's cpuset, taskset), not the machine's."""
        cores = len(os.sched_getaffinity(0)) or 1
        size = min(cores, feeds) if feeds >= POOL_MIN_FEEDS else min(feeds, 1)
        pool = cls(size, timeout)
        for _ in range(size):
            pool.idle.append(pool._new_worker())
        return pool

    async def parse(self, task: ParseTask) -> Parsed:
        """The feed's new entries (or their rows), or what is wrong with it: a FeedError
        too when its parse took longer than the time limit, or killed its worker twice.

        An exception raised by the parser in the worker (a bug) is raised here.
        """
        if self._slots is None:  # made in the running loop, where it is used
            self._slots = asyncio.Semaphore(max(1, self.size))
        async with self._slots:
            died = ""
            for _attempt in range(2):  # a worker that died is replaced, and tried once more
                worker = self.idle.pop() if self.idle else self._new_worker()
                try:
                    parsed = await self._ask(worker, task)
                except _TimedOut:
                    self._end(worker)
                    message = f"parse took longer than {self.timeout:g} s: skipped"
                    return FeedError(message, url=task.feed_url), None
                except _WorkerDied as exc:
                    self._end(worker)
                    died = str(exc)
                    log.warning("the parse worker died on %s (%s)", shown_url(task.feed_url), died)
                    continue
                self.idle.append(worker)
                return parsed
            message = f"the parse worker died on it twice ({died}): skipped"
            return FeedError(message, url=task.feed_url), None

    async def _ask(self, worker: _Worker, task: ParseTask) -> Parsed:
        """Send *task* to *worker* and wait for its answer, at most self.timeout seconds."""
        try:
            worker.conn.send(task)
        except (OSError, EOFError) as exc:  # it died before it got the task
            raise _WorkerDied(worker.why()) from exc
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        # The answer, or the worker's end: its pipe (EOF) or its sentinel becomes readable.
        watched = (worker.conn.fileno(), worker.process.sentinel)
        for fd in watched:
            loop.add_reader(fd, wake)
        try:
            await asyncio.wait_for(ready, self.timeout)
        except TimeoutError as exc:
            raise _TimedOut from exc
        finally:
            for fd in watched:
                loop.remove_reader(fd)
        try:
            kind, value = worker.conn.recv() if worker.conn.poll() else ("", None)
        except (OSError, EOFError):  # it died while it wrote the answer
            kind, value = "", None
        if kind == "parsed":
            return cast(Parsed, value)
        if kind == "raised":
            self.idle.append(worker)  # the worker is fine; the bug is raised here
            raise cast(BaseException, value)
        raise _WorkerDied(worker.why())

    def _new_worker(self) -> _Worker:
        worker = _Worker.start(_context())
        self.live.add(worker)
        return worker

    def _end(self, worker: _Worker) -> None:
        worker.stop()
        self.live.discard(worker)

    def close(self) -> None:
        """Stop every worker (a task still running is dropped)."""
        for worker in list(self.live):
            self._end(worker)
        self.idle.clear()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _TimedOut(Exception):
    """The worker did not answer within the time limit."""


class _WorkerDied(Exception):
    """The worker process ended before it answered; the message says how."""


@dataclass(eq=False)
class _Worker:
    """One worker process and this process's end of its pipe."""

    process: BaseProcess
    conn: Connection

    @classmethod
    def start(cls, context: BaseContext) -> _Worker:
        """Start a worker process in *context* ("fork" or "forkserver")."""
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs,), daemon=True)  # type: ignore[attr-defined]
        process.start()
        theirs.close()  # only the worker holds its end: its death is an EOF here
        return cls(process, ours)

    def why(self) -> str:
        """How the worker ended: "killed by SIGKILL", "exit status 1"."""
        self.process.join(1)
        code = self.process.exitcode
        if code is None:
            return "no answer"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def stop(self) -> None:
        """Kill the worker (it holds nothing worth a clean exit) and reap it."""
        self.conn.close()
        if self.process.exitcode is None:
            self.process.kill()
        self.process.join()


def _context() -> BaseContext:
    """Fork while this process has one thread; else a forkserver (see the module's notes)."""
    if threading.active_count() == 1:
        return get_context("fork")
    context = get_context("forkserver")
    context.set_forkserver_preload(list(FORKSERVER_PRELOAD))  # before it starts; then kept
    return context


def _serve(conn: Connection) -> None:
    """A worker's life: parse each task that comes, answer, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the fetching process's to handle
    _die_with(os.getppid())
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the fetching process closed the pool, or is gone
            return
        try:
            answer: tuple[str, object] = ("parsed", parse_task(task))
        except Exception as exc:  # a bug in the parser: raised again in the fetching process
            answer = ("raised", exc)
        try:
            conn.send(answer)
        except Exception as exc:  # an exception that cannot be pickled
            conn.send(("raised", RuntimeError(f"parse worker: {type(exc).__name__}: {exc}")))


def _die_with(parent: int) -> None:
    """In a new worker: exit as soon as *parent* is gone (a killed ``send`` would strand
    its workers otherwise: they wait for tasks forever). The parent of a forkserver's
    worker is the forkserver, which ends with the process that started it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
