"""Benchmark: the fetch done by ``digest worker`` processes, beside ``digest fetch`` alone.

    .venv/bin/python bench/fetch.py --feeds 5000 --items 20 --workers 1,2,3

The feeds of bench/fetch.py's workload are served by its server on --hosts loopback
addresses (127.0.0.1, 127.0.0.2, …), since a fetch is dealt to the workers in shares by
host. Each run starts from an empty database (a new schema on a throwaway PostgreSQL
server that tests/pg.py starts, or a new SQLite file), every feed answering 200:

* ``digest fetch`` alone on SQLite (the default) and on PostgreSQL;
* for each count N: N ``digest worker`` processes, started and idle first; the clock
  runs from the scheduler handing out the fetch (``TaskQueue.defer_fetch``, what
  ``digest run``'s fetch job does) until no task waits or is in hand.

A process of digest already uses every core it may (it parses in one process per
core while it fetches), so on one machine workers cannot add cores. To measure how
the work spreads, as it would over machines, each worker is pinned to a core of its
own (``taskset``; worker i on core i mod cores), and ``digest fetch`` alone is run
pinned to one core too, beside the unpinned runs.

CPU is the whole machine's busy time over the run (from /proc/stat), since the
work is spread over processes (workers, their parse processes, PostgreSQL, the feed
server): on two cores, 2 × wall is all there is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
fetch: Any = None  # bench/fetch.py, handed over by run_scale
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Run:
    mode: str
    wall: float
    cpu: float
    items: int


def busy_seconds() -> float:
    """The machine's CPU time spent so far (all cores, not idle, not waiting on I/O)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def write_config(folder: Path, urls: Sequence[str], database: str, workers: bool) -> Path:
    extra = ["workers:", "  stalled_after: 30"] if workers else []
    return fetch.digest_setup(folder.parent, urls, name=folder.name, database=database, extra=extra)


def pg_count(url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def pinned(core: int | None) -> list[str]:
    """The command prefix that keeps a process (and its children) on *core*."""
    return [] if core is None else ["taskset", "-c", str(core % (os.cpu_count() or 1))]


def alone(config: Path, mode: str, items: Any, core: int | None = None) -> Run:
    """``digest fetch`` of every feed in one process (on one *core*, if given)."""
    start, cpu = time.perf_counter(), busy_seconds()
    done = subprocess.run(
        [*pinned(core), *fetch.digest_command(), "--config", str(config), "fetch"],
        capture_output=True,
        text=True,
        check=False,
    )
    run = Run(mode, time.perf_counter() - start, busy_seconds() - cpu, items())
    if done.returncode:
        raise SystemExit(f"bench: digest fetch failed: {done.stderr.strip()[-500:]}")
    return run


@contextlib.contextmanager
def workers(config: Path, url: str, count: int) -> Iterator[None]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [*pinned(n), *fetch.digest_command(), "--config", str(config), "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while pg_count(url, "SELECT count(*) FROM procrastinate_workers") < count:
            if time.monotonic() > deadline:
                raise SystemExit("bench: the workers did not start")
            time.sleep(0.1)
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def spread(config_path: Path, url: str, count: int) -> Run:
    """The fetch handed to *count* workers, until the queue is empty."""
    from digest.config import load_config
    from digest.tasks import TaskQueue

    config = load_config(config_path)
    queue = TaskQueue(config)  # the queue's tables, before the clock starts
    open_tables = [*fetch.digest_command(), "--config", str(config_path), "status"]
    subprocess.run(open_tables, capture_output=True, check=True)  # the store's tables
    with workers(config_path, url, count):
        start, cpu = time.perf_counter(), busy_seconds()
        said = queue.defer_fetch(config.feeds)
        waiting = "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        while pg_count(url, waiting):
            time.sleep(0.05)
        wall, used = time.perf_counter() - start, busy_seconds() - cpu
    failed = pg_count(url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'")
    if failed:
        raise SystemExit(f"bench: {failed} fetch tasks failed")
    items = pg_count(url, "SELECT count(*) FROM items")
    print(f"  {count} workers: {said}", file=sys.stderr)
    name = f"{count} digest worker{'s' if count > 1 else ''} (PostgreSQL, one core each)"
    return Run(name, wall, used, items)


def run_scale(
    bench: ModuleType,
    feeds: int,
    items: int,
    hosts: int,
    counts: Sequence[int],
    repeat: int,
    keep: bool,
) -> int:
    """Run it; *bench* is bench/fetch.py (its workload, its server, the digest command)."""
    global fetch
    fetch = bench
    from tests import pg

    reason = pg.unavailable()
    if reason:
        raise SystemExit(f"bench: no PostgreSQL: {reason}")
    work = Path(tempfile.mkdtemp(prefix="digest-scale-"))
    runs: list[Run] = []
    try:
        size = fetch.write_workload(work, feeds, items)
        print(f"bench: {feeds} feeds, {size / 1e6:.1f} MB in {work}", file=sys.stderr)
        fetch.compile_digest()
        with fetch.feed_servers(work, hosts) as bases, pg.server() as server:
            urls = [f"{bases[n % hosts]}/feeds/{n:04d}.xml" for n in range(feeds)]
            for _ in range(repeat):
                config = write_config(work / "sqlite", urls, "digest.sqlite3", workers=False)
                db = config.parent / "digest.sqlite3"
                runs.append(alone(config, "digest fetch alone (SQLite)", _sqlite_counter(db)))
                print(f"  {runs[-1]}", file=sys.stderr)
                for core in (None, 0):
                    url = pg.fresh_url(server)
                    config = write_config(work / "pg", urls, url, workers=False)
                    mode = "digest fetch alone (PostgreSQL" + (", one core)" if core == 0 else ")")
                    runs.append(alone(config, mode, _counter(url), core))
                    print(f"  {runs[-1]}", file=sys.stderr)
                for n in counts:
                    url = pg.fresh_url(server)
                    config = write_config(work / f"w{n}", urls, url, workers=True)
                    runs.append(spread(config, url, n))
                    print(f"  {runs[-1]}", file=sys.stderr)
        print(table(best(runs), feeds, items, hosts, size))
    finally:
        if keep:
            print(f"bench: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _counter(url: str) -> Any:
    return lambda: pg_count(url, "SELECT count(*) FROM items")


def _sqlite_counter(db: Path) -> Any:
    def count() -> int:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])

    return count


def best(runs: Sequence[Run]) -> list[Run]:
    """The fastest repetition of each mode, in first-seen order."""
    fastest: dict[str, Run] = {}
    for run in runs:
        if run.mode not in fastest or run.wall < fastest[run.mode].wall:
            fastest[run.mode] = run
    return list(fastest.values())


def table(runs: Sequence[Run], feeds: int, items: int, hosts: int, size: int) -> str:
    one = next((r for r in runs if r.mode.startswith("1 digest worker")), None)
    out = [
        f"{feeds} feeds × {items} items ({size / 1e6:.1f} MB) on {hosts} loopback hosts;"
        f" {os.cpu_count()} cores; Python {sys.version.split()[0]}; cold (empty database)",
        "",
        "| mode | wall s | machine CPU s | items stored | feeds/s | speed ÷ 1 worker |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        ratio = f"{one.wall / r.wall:.2f}×" if one and r.wall else "-"
        rate = feeds / r.wall
        out.append(f"| {r.mode} | {r.wall:.2f} | {r.cpu:.2f} | {r.items} | {rate:.0f} | {ratio} |")
    return "\n".join(out)
