"""``digest run``: APScheduler (3.x) jobs around the same pipeline functions.

Three cron jobs in the configured time zone: fetch (default every 30 min),
send (default 07:00) and a daily prune. A send missed while the daemon was
down is made up once at start-up if it is within ``schedule.misfire_grace``;
APScheduler's own misfire grace and coalescing cover a machine that slept.
The decisions (next run, missed send) are plain functions of an injected
clock, so they are tested without waiting.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from digest.config import Config, load_config
from digest.copies import said
from digest.errors import DigestError, LockedError
from digest.locks import daemon_lock, daemon_running, sending_now
from digest.store import Store, from_iso, iso, open_store
from digest.systemd import notify, watchdog_interval

if TYPE_CHECKING:
    from digest.pipeline import FetchReport
    from digest.tasks import TaskQueue

log = logging.getLogger("digest")
SEND_SLOT = "scheduler.send_slot"
DAEMON = "scheduler.daemon"
PRUNE_CRON = "17 3 * * *"
STOP_WITHIN = 8.0  # seconds a stop waits for a job in flight
FAILING = "feeds.failing_since"  # {configured feed URL: when its failures in a row began}
LONG_FAILING = timedelta(days=7)  # status names a feed failing this long as such


def trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """A cron trigger read in *zone* (DST-aware)."""
    return CronTrigger.from_crontab(expression, timezone=zone)


# For the test suite only, never set by digest or read from config.yaml: a cron "second"
# field (e.g. "*/2") for the daemon's fetch and send jobs, so that a test of the whole
# daemon sees "* * * * *" fire within seconds instead of waiting for the next minute.
TEST_SECONDS = "DIGEST_TEST_CRON_SECONDS"


def _job_trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """:func:`trigger`, on the seconds TEST_SECONDS names when a test sets it."""
    seconds = os.environ.get(TEST_SECONDS)
    if not seconds:
        return trigger(expression, zone)
    log.warning("%s=%s: the jobs fire on these seconds (for tests)", TEST_SECONDS, seconds)
    fields = dict(zip(("minute", "hour", "day", "month", "day_of_week"), expression.split()))
    return CronTrigger(second=seconds, timezone=zone, **fields)


def next_run(expression: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first time after *now* that *expression* fires."""
    fire: datetime | None = trigger(expression, zone).get_next_fire_time(None, now)
    return fire


def fire_times(
    expression: str, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[datetime]:
    """Every time in [start, end] that *expression* fires."""
    cron = trigger(expression, zone)
    previous: datetime | None = None
    current: datetime | None = cron.get_next_fire_time(None, start)
    while current is not None and current <= end:
        yield current
        previous = current
        current = cron.get_next_fire_time(previous, current + timedelta(microseconds=1))


def latest_slot(
    expression: str, zone: ZoneInfo, now: datetime, horizon: timedelta
) -> datetime | None:
    """The most recent scheduled time at or before *now*, looking back *horizon*.

    Looks back in widening windows so an every-minute schedule stays cheap.
    """
    window = min(horizon, timedelta(hours=1))
    while True:
        latest = None
        for fire in fire_times(expression, zone, now - window, now):
            latest = fire
        if latest is not None or window >= horizon:
            return latest
        window = min(horizon, window * 24)


def missed_send(
    expression: str, zone: ZoneInfo, last_slot: datetime | None, now: datetime, grace: timedelta
) -> datetime | None:
    """The scheduled send to make up now, if one was missed within *grace*, else None.

    *last_slot* is the scheduled time of the last send the daemon handled;
    None means the daemon never ran on this database (nothing was missed).
    """
    if last_slot is None:
        return None
    slot = latest_slot(expression, zone, now, grace)
    return slot if slot is not None and slot > last_slot else None


class Daemon:
    """The scheduler jobs; each opens its own store, so nothing is shared between runs."""

    def __init__(self, config_path: Path, config: Config, queue: TaskQueue | None = None) -> None:
        self.config_path = config_path
        self.config = config
        self.queue = queue  # with workers: the jobs hand their work to them
        self.running = 0
        self.lock = threading.Lock()
        # The send lock excludes other processes; this excludes the scheduled send and a
        # catch-up send of this same daemon.
        self.sending = threading.Lock()

    def _fresh_config(self) -> Config:
        try:
            self.config = load_config(self.config_path)
        except DigestError as exc:
            log.warning("config not reloaded, keeping the last good one: %s", exc)
        return self.config

    def _track(self, delta: int) -> None:
        with self.lock:
            self.running += delta

    def fetch_job(self) -> None:
        """Fetch every due feed (or hand the feeds to the workers); one log line."""
        config = self._fresh_config()
        if self.queue:
            self._defer(lambda queue: queue.defer_fetch(config.feeds), "fetch")
            return
        self._track(1)
        try:
            run_fetch(config)
        finally:
            self._track(-1)

    def send_job(self, slot: datetime | None = None) -> None:
        """Fetch, build and deliver one digest (or hand it to a worker); one log line."""
        config = self._fresh_config()
        if self.queue:
            # The fetch that comes first goes to the workers by shares too (a send task
            # that fetched every feed itself would read feeds a share's task is reading);
            # once it is done, the send, of what is stored.
            self._defer(lambda queue: queue.defer_fetch(config.feeds), "send: fetch")
            self._defer(lambda queue: queue.wait_for_fetch(), "send: fetch")
            self._defer(lambda queue: queue.defer_send("", slot), "send")
            return
        if not self.sending.acquire(blocking=False):
            log.warning("send: skipped: a send of this daemon is already running")
            return
        self._track(1)
        try:
            run_send(config, slot)
        finally:
            self._track(-1)
            self.sending.release()

    def edition_job(self, edition: str) -> None:
        """Send one issue of a further edition (a weekly one beside the daily); one log line."""
        config = self._fresh_config()
        if edition not in [e.name for e in config.all_editions]:
            return  # removed from config.yaml since the schedule was made
        if self.queue:
            self._defer(lambda queue: queue.defer_send(edition, None), f"send {edition}")
            return
        if not self.sending.acquire(blocking=False):
            log.warning("send %s: skipped: a send of this daemon is already running", edition)
            return
        self._track(1)
        try:
            run_edition(config, edition)
        finally:
            self._track(-1)
            self.sending.release()

    def stalled_job(self) -> None:
        """Give the tasks of workers that stopped answering to the others."""
        if self.queue:
            self._defer(lambda queue: queue.retry_stalled(), "stalled tasks")

    def _defer(self, action: Callable[[TaskQueue], str], what: str) -> None:
        assert self.queue is not None
        try:
            said = action(self.queue)
            if said:
                log.info("%s: %s", what, said)
        except DigestError as exc:
            log.error("%s: not handed to the workers: %s", what, exc)

    def prune_job(self) -> None:
        """Drop old items."""
        config = self._fresh_config()
        try:
            with open_store(config.database) as store:
                removed = store.prune(
                    _now(config) - timedelta(days=config.store.keep_days),
                    [f.url for f in config.feeds],
                )
            log.info("prune: %d old items removed", removed)
        except DigestError as exc:
            log.error("prune: failed: %s", exc)


def run_fetch(config: Config, feeds: Collection[str] | None = None) -> bool:
    """Fetch every due feed (of *feeds*, if given: a worker's share) and log one line;
    False when nothing could be stored. The daemon's fetch job and a worker's fetch task."""
    from digest.pipeline import fetch_feeds

    now = _now(config)
    share = config
    if feeds is not None:
        wanted = set(feeds)
        share = config.model_copy(
            update={"feeds": tuple(f for f in config.feeds if f.url in wanted)}
        )
    try:
        with open_store(config.database) as store:
            report = fetch_feeds(share, store, now, respect_backoff=True)
            note_failures(store, report, now, {f.url for f in config.feeds})
    except DigestError as exc:
        log.error("fetch: failed: %s", exc)
        return False
    now_failed = [o for o in report.failed if not o.deferred]
    failed = "; ".join(f"{o.name}: {o.error}" for o in now_failed)
    log.info(
        "fetch: %s, %d ok, %d failed, %d left alone after earlier failures, %s%s",
        _count(len(report.outcomes), "feed"),
        len(report.outcomes) - len(report.failed),
        len(now_failed),
        len(report.waiting),
        _count(report.new_items, "new item"),
        f" ({failed})" if failed else "",
    )
    for outcome in report.outcomes:
        if outcome.note:
            log.warning("fetch: %s: %s", outcome.name, outcome.note)
    return True


def run_send(config: Config, slot: datetime | None = None, *, fetch: bool = True) -> bool:
    """Fetch (unless not *fetch*: the workers did), build and deliver the first edition's
    digest and log one line; False when it failed (its items stay pending). The daemon's
    send job and a worker's send task."""
    from digest.pipeline import send_digest

    now = _now(config)
    slot = slot or latest_slot(
        config.all_editions[0].schedule, config.zone, now, timedelta(days=32)
    )
    try:
        with open_store(config.database) as store:
            # What was waiting before this send's fetch: its log line tells the items
            # fetched earlier (by fetch_job) from the ones this fetch brought.
            waiting = {item.id for item in store.pending_items()}
            result = send_digest(
                config,
                store,
                now,
                fetch=fetch,
                respect_backoff=True,
                on_fetched=lambda report: note_failures(store, report, now),
            )
            if slot:
                store.set_state(SEND_SLOT, iso(slot))
    except LockedError as exc:
        log.warning("send: skipped: %s", exc)
        return True
    except DigestError as exc:
        log.error("send: failed: %s", exc)
        return False
    for resent in result.resent:
        (log.info if resent.outcome == "sent" else log.warning)("send: %s", resent)
    feeds = ""
    if result.fetch:
        ok = len(result.fetch.outcomes) - len(result.fetch.failed)
        feeds = (
            f"{_count(ok, 'feed')} ok, {len(result.fetch.failed)} failed,"
            f" {_count(result.fetch.new_items, 'new item')}; "
        )
    if result.report:
        shown = [i for story in result.digest.stories for i in story.item_ids]
        earlier = sum(1 for i in shown if i in waiting)
        log.info(
            "send: %sdigest sent to %s with %s%s",
            feeds,
            said(result.report.delivered, config),
            _count(len(result.digest.stories), "story", "stories"),
            f" ({_count(earlier, 'item')} fetched earlier)" if earlier and fetch else "",
        )
    else:
        log.info("send: %sdigest skipped: nothing new", feeds)
    return True


def run_edition(config: Config, edition: str) -> bool:
    """Send one issue of a further edition and log one line; False when it failed."""
    from digest.pipeline import send_edition

    try:
        with open_store(config.database) as store:
            result = send_edition(config, store, _now(config), edition)
    except LockedError as exc:
        log.warning("send %s: skipped: %s", edition, exc)
        return True
    except DigestError as exc:
        log.error("send %s: failed: %s", edition, exc)
        return False
    if result.report:
        log.info(
            "send %s: sent to %s with %s",
            edition,
            said(result.report.delivered, config),
            _count(len(result.digest.stories), "story", "stories"),
        )
    else:
        log.info("send %s: skipped: nothing new", edition)
    return True


def _now(config: Config) -> datetime:
    return datetime.now(config.zone)


def run_daemon(config_path: Path, config: Config) -> int:
    """Run until SIGTERM or SIGINT; returns the exit code.

    On an SQLite file, raises LockedError when another daemon already runs on it. On a
    PostgreSQL database, which several machines share, a second ``digest run`` stands
    by instead, and takes over the schedule when the first stops or dies (the lock is
    the server's, and goes with its holder's connection).
    """
    from digest.logs import use_zone

    use_zone(config.zone)  # log stamps in the zone the messages speak of
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not isinstance(config.database, str):
        with daemon_lock(config.database) as held:
            return _run(config_path, config, stop, held)
    standing_by = False
    while not stop.is_set():
        try:
            with daemon_lock(config.database) as held:
                if standing_by:
                    log.info("digest run: the other scheduler stopped: this one takes over")
                return _run(config_path, load_config(config_path), stop, held)
        except LockedError:
            if not standing_by:
                log.info(
                    "digest run: standing by: another digest run schedules on this database;"
                    " this one takes over if it stops"
                )
                notify("READY=1", "STATUS=standing by")
                standing_by = True
            stop.wait(1.0)
    log.info("digest run: stopped")
    return 0


def _run(config_path: Path, config: Config, stop: threading.Event, held: Callable[[], bool]) -> int:
    queue = None
    if config.workers is not None:
        from digest.tasks import TaskQueue

        queue = TaskQueue(config)
    daemon = Daemon(config_path, config, queue)
    zone = config.zone
    grace = int(config.schedule.misfire_grace) or 1
    scheduler = BackgroundScheduler(
        timezone=zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    if config.workers is not None:
        scheduler.add_job(
            daemon.stalled_job,
            "interval",
            seconds=max(1.0, config.workers.stalled_after / 2),
            id="stalled",
            name="give back stalled tasks",
        )
    scheduler.add_job(
        daemon.fetch_job, _job_trigger(config.schedule.fetch, zone), id="fetch", name="fetch feeds"
    )
    scheduler.add_job(
        daemon.send_job,
        _job_trigger(config.all_editions[0].schedule, zone),
        id="send",
        name="send digest",
    )
    scheduler.add_job(daemon.prune_job, trigger(PRUNE_CRON, zone), id="prune", name="prune")
    for edition in config.all_editions[1:]:  # the first is send_job's (schedule.send's)
        scheduler.add_job(
            daemon.edition_job,
            _job_trigger(edition.schedule, zone),
            args=[edition.name],
            id=f"send-{edition.name}",
            name=f"send {edition.name}",
        )
    stop_web = None
    if config.web:  # the archive and sign-up, in this same process
        from digest.web import start_in_thread

        stop_web = start_in_thread(config)
    now = datetime.now(zone)
    with open_store(config.database) as store:
        last = from_iso(store.get_state(SEND_SLOT))
        missed = missed_send(
            config.all_editions[0].schedule,
            zone,
            last,
            now,
            timedelta(seconds=config.schedule.misfire_grace),
        )
        if last is None:
            first = latest_slot(config.all_editions[0].schedule, zone, now, timedelta(days=32))
            store.set_state(SEND_SLOT, iso(first or now))
        store.set_state(DAEMON, f"{os.getpid()} {iso(now)}")
    scheduler.start()
    log.info(
        "digest run: started; next fetch %s, next send %s%s",
        _when(scheduler.get_job("fetch").next_run_time),
        _when(scheduler.get_job("send").next_run_time),
        "; the workers do the tasks" if queue else "",
    )
    if missed:
        log.info("send: making up the digest missed at %s", _when(missed))
        scheduler.add_job(
            daemon.send_job, kwargs={"slot": missed}, id="catch-up", name="missed send"
        )
    notify("READY=1", f"STATUS=next send {_when(scheduler.get_job('send').next_run_time)}")
    every = watchdog_interval()
    pinged = time.monotonic()
    code = 0
    while not stop.wait(min(1.0, every or 1.0)):
        if every and time.monotonic() - pinged >= every:
            notify("WATCHDOG=1")
            pinged = time.monotonic()
        if not held():
            log.error(
                "digest run: lost the database connection that holds the scheduler's lock:"
                " stopping, so that only one digest run schedules"
            )
            code = 1
            break
    notify("STOPPING=1")
    scheduler.shutdown(wait=False)
    if stop_web:
        stop_web()
    deadline = time.monotonic() + STOP_WITHIN
    while daemon.running and time.monotonic() < deadline:
        time.sleep(0.1)
    if daemon.running:
        log.warning("stopped with a job in flight; its items stay pending for the next send")
        logging.shutdown()
        os._exit(code)
    log.info("digest run: stopped")
    return code


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


def note_failures(
    store: Store, report: FetchReport, now: datetime, configured: Collection[str] | None = None
) -> None:
    """Remember since when each feed has failed every fetch, for ``digest status``.

    A feed that failed this run keeps the start of its run of failures (or starts one
    now); a feed read this run (or answering 304) is forgotten; a feed left alone
    (backing off, gone) keeps its start. Feeds no longer *configured* (default: the
    feeds of *report*; a worker fetched a share of them) are dropped.
    """
    since = failing_since(store)
    for outcome in report.outcomes:
        if outcome.error:
            since.setdefault(outcome.url, now)
        elif not outcome.deferred:
            since.pop(outcome.url, None)
    if configured is None:
        configured = {outcome.url for outcome in report.outcomes}
    data = {url: iso(when) for url, when in since.items() if url in configured}
    if data or store.get_state(FAILING):
        store.set_state(FAILING, json.dumps(data, sort_keys=True))


def failing_since(store: Store) -> dict[str, datetime]:
    """Configured feed URL -> when its current run of failed fetches began."""
    try:
        data = json.loads(store.get_state(FAILING) or "{}")
    except ValueError:  # written by no version of digest: start again
        return {}
    if not isinstance(data, dict):
        return {}
    since = {url: from_iso(value) for url, value in data.items() if isinstance(value, str)}
    return {url: when for url, when in since.items() if when is not None}


def problems(config: Config, store: Store, now: datetime) -> list[str]:
    """What ``digest status --check`` reports, one line each ([] when all is well): the
    latest send attempt failed, a scheduled send is overdue, a feed has failed too long,
    and with workers, none is taking tasks."""
    from digest.links import shown_url
    from digest.pipeline import feed_name

    zone = config.zone
    found = []
    last = store.last_digest()
    sent_at = last.sent_at if last else None
    failure = store.last_failure()
    if failure and (sent_at is None or failure.at > sent_at):
        found.append(
            f"the last send failed at {_when(failure.at.astimezone(zone))}: {failure.reason}"
        )
    overdue = timedelta(seconds=config.monitor.send_overdue)
    slot = latest_slot(config.all_editions[0].schedule, zone, now - overdue, timedelta(days=32))
    from digest.pipeline import SEND_RAN

    ran = [from_iso(store.get_state(SEND_SLOT)), from_iso(store.get_state(SEND_RAN)), sent_at]
    handled = max((t for t in ran if t is not None), default=None)
    if slot is not None and handled is not None and handled < slot:
        found.append(f"the send scheduled for {_when(slot.astimezone(zone))} has not happened")
    long = timedelta(seconds=config.monitor.feed_failing)
    states = store.feed_states()
    for feed in config.feeds:
        began = failing_since(store).get(feed.url)
        state = states.get(feed.url)
        if began and state and state.last_error and now - began >= long:
            found.append(
                f"feed {feed_name(feed, state)} ({shown_url(feed.url)}) has failed since"
                f" {_when(began.astimezone(zone))}: {state.last_error}"
            )
    if config.workers is not None:
        from digest.tasks import queue_problems

        found += queue_problems(config)
    return found


def status_lines(config: Config, store: Store, now: datetime) -> list[str]:
    """What ``digest status`` prints: schedule, last digest, failing feeds."""
    from digest.links import shown_url
    from digest.pipeline import feed_name

    zone = config.zone
    alive = daemon_running(config.database)
    scheduled = "" if alive else " (if digest run is running then)"
    lines = [
        f"Next fetch: {_when(next_run(config.schedule.fetch, zone, now))}{scheduled}",
        f"Next send:  {_when(next_run(config.all_editions[0].schedule, zone, now))}{scheduled}",
        *(
            f"Next send ({e.name}): {_when(next_run(e.schedule, zone, now))}{scheduled}"
            for e in config.all_editions[1:]
        ),
    ]
    daemon = store.get_state(DAEMON)
    if daemon:
        started = from_iso(daemon.partition(" ")[2])
        lines.append(
            f"Daemon:     {'running' if alive else 'not running'}"
            f" (last started {_when(started.astimezone(zone) if started else None)})"
        )
    else:
        lines.append("Daemon:     not running (never started on this database)")
    if sending_now(config.database):
        lines.append("Sending:    a digest is being sent right now")
    from digest.tasks import queue_lines

    lines += queue_lines(config)
    last = store.last_digest()
    if last:
        when = (last.sent_at or last.created).astimezone(zone)
        lines.append(
            f"Last digest: {_when(when)}, {_told(last.story_count, last.item_count)}, to "
            f"{said(last.recipients, config)}: {last.subject}"
        )
    else:
        lines.append("Last digest: none sent yet")
    failure = store.last_failure()
    if failure:
        lines.append(
            f"Last attempt FAILED: {_when(failure[0].astimezone(zone))}: {failure[1]}"
            " (its items stay pending)"
        )
    states = store.feed_states()
    since = failing_since(store)
    failing = [
        (
            f"{feed_name(f, states.get(f.url))} ({shown_url(f.url)})",
            states[f.url].last_error,
            _failing_for(since.get(f.url), now, zone),
        )
        for f in config.feeds
        if f.url in states and states[f.url].last_error
    ]
    if failing:
        long = sum(1 for _name, _error, week in failing if week)
        weeks = f", {long} of them for a week or more" if long else ""
        lines.append(f"Failing feeds ({len(failing)}{weeks}):")
        lines += [f"  {name}: {error}{week}" for name, error, week in failing]
    else:
        lines.append("Failing feeds: none")
    return lines


def _failing_for(start: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """ " (every fetch has failed since …)" for a run of failures of LONG_FAILING or more."""
    if start is None or now - start < LONG_FAILING:
        return ""
    days = _count((now - start).days, "day")
    return (
        f" (failing for {days}: every fetch since {_when(start.astimezone(zone))}"
        " has failed; check its URL or remove it)"
    )


def _told(stories: int | None, items: int) -> str:
    """ "12 stories (14 items)": what the digest told, and how many items that was."""
    noun = "item" if items == 1 else "items"
    if stories is None or stories == items:
        return f"{items} {noun}" if stories is None else f"{stories} {_stories(stories)}"
    return f"{stories} {_stories(stories)} ({items} {noun})"


def _stories(n: int) -> str:
    return "story" if n == 1 else "stories"


def _count(n: int, noun: str, plural: str = "") -> str:
    """ "1 new item", "2 new items": a number with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
