"""The pipeline as plain functions over (config, store, now).

``fetch_feeds`` → ``build_digest`` → ``render_digest`` → ``deliver_digest``;
``send_digest`` runs them in order under the send lock. The CLI and the
scheduler call these; a task queue could call them just the same.

The fetch half is stages over frozen values, its decisions in ``plan.py``:
``plan_feed`` (FeedPlan, or Waiting) → fetch (FetchResult) → parse in a worker
(FeedRead, and NewItems) → for a full-text feed, ``with_article_pages`` →
``decide`` (FeedUpdate) → ``Store.apply`` of a batch (Added) → FeedOutcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest import copies
from digest.config import Config, FeedConfig
from digest.copies import Links
from digest.errors import ConfigError, DeliveryError, FeedError
from digest.fetch import FetchLimits, FetchRequest, fetch_each, same_origin
from digest.locks import send_lock
from digest.models import (
    Added,
    Digest,
    FailedFeed,
    FeedState,
    FeedUpdate,
    FetchResult,
    NewItem,
    RenderedMessage,
)
from digest.plan import Document, FeedPlan, Waiting, decide, new_items, plan_feed
from digest.store import Refused, RefusedCopy, Store, edition_cursor_key, iso
from digest.workers import ParsePool, ParseTask

if TYPE_CHECKING:  # imported where used: `digest fetch` needs no rendering or delivery
    from digest.deliver import DeliveryReport
    from digest.parse import FeedRead  # and a run of 304s parses nothing

PARSE_WINDOW = 32  # feeds fetched but not yet parsed and stored: bounds the bodies held
COMMIT_EVERY = 32  # feeds stored per commit
RESEND_FOR = timedelta(hours=24)  # how long a copy refused for a while is sent again
CORRECTIONS_FOR = timedelta(hours=3)  # a pending item this new is read again at each fetch


@dataclass(frozen=True)
class FeedOutcome:
    """What one feed gave in one run."""

    url: str
    name: str
    new_items: int = 0
    error: str | None = None
    not_modified: bool = False
    deferred: bool = False
    note: str | None = None  # what the fetch did not store, and why


@dataclass(frozen=True)
class FetchReport:
    """Every feed's outcome in one fetch run."""

    outcomes: tuple[FeedOutcome, ...]

    @property
    def waiting(self) -> tuple[FeedOutcome, ...]:
        """Failing feeds left alone this run (backing off, or gone)."""
        return tuple(o for o in self.outcomes if o.deferred)

    @property
    def failed(self) -> tuple[FeedOutcome, ...]:
        """Feeds that could not be read."""
        return tuple(o for o in self.outcomes if o.error)

    @property
    def new_items(self) -> int:
        """Items stored for the first time."""
        return sum(o.new_items for o in self.outcomes)


@dataclass(frozen=True)
class SendResult:
    """What ``send_digest`` did."""

    digest: Digest
    fetch: FetchReport | None
    report: DeliveryReport | None
    subject: str = ""
    resent: tuple[Resent, ...] = ()

    @property
    def sent(self) -> bool:
        """True when someone received a digest."""
        return bool(self.report and self.report.delivered)


SEND_RAN = "send.last_run"  # when a send last finished (sent, or nothing new): status --check
SEND_SECONDS = "send.last_seconds"  # how long it took, fetch included: /metrics


def fetch_limits(config: Config) -> FetchLimits:
    """The fetch limits from config.yaml."""
    f = config.fetch
    limits = FetchLimits(
        timeout=f.timeout,
        max_bytes=f.max_bytes,
        max_redirects=f.max_redirects,
        concurrency=f.concurrency,
        per_host=f.per_host,
        allow_private=f.allow_private,
        proxy=f.proxy,
    )
    return replace(limits, user_agent=f.user_agent) if f.user_agent else limits


def feed_name(feed: FeedConfig, state: FeedState | None) -> str:
    """The name shown for a feed: configured, else its own title, else its host."""
    if feed.name:
        return feed.name
    if state and state.title:
        return state.title
    return urlsplit(feed.url).hostname or feed.url.rsplit("/", 1)[-1]


def fetch_feeds(
    config: Config,
    store: Store,
    now: datetime,
    *,
    respect_backoff: bool = False,
    on_result: Callable[[FetchResult], None] | None = None,
) -> FetchReport:
    """Fetch, parse and store every configured feed; a failing feed is reported, not raised.

    With *respect_backoff* (the daemon), feeds that keep failing or asked to be
    left alone (Retry-After) are not fetched again before their time.
    """
    states = store.feed_states([f.url for f in config.feeds])
    outcomes: dict[str, FeedOutcome] = {}
    plans: list[tuple[FeedConfig, FeedPlan]] = []
    for feed in config.feeds:
        step = plan_feed(feed.url, states.get(feed.url), now, respect_backoff=respect_backoff)
        if isinstance(step, Waiting):
            name = feed_name(feed, states.get(feed.url))
            outcomes[feed.url] = FeedOutcome(feed.url, name, error=step.error, deferred=True)
        else:
            plans.append((feed, step))
    requests = [
        # a move stays trusted on the configured server only; refused, it is forgotten.
        # A feed's password goes to its configured server only, not to where it moved.
        FetchRequest(
            p.url,
            p.etag,
            p.last_modified,
            configured=same_origin(p.url, p.feed_url),
            credentials=f.credentials if same_origin(p.url, p.feed_url) else None,
        )
        for f, p in plans
    ]
    later: list[tuple[FeedConfig, FetchResult, FeedRead]] = []
    limits = fetch_limits(config)
    limit = config.fetch.max_items_per_feed

    with ParsePool.start(len(plans)) as parser:

        async def handle(index: int, result: FetchResult) -> None:
            # Each feed is parsed and stored as it arrives: memory holds a window of
            # feeds, not the run, and the parser skips items the store already has.
            if on_result:
                on_result(result)
            feed = plans[index][0]
            parsed: FeedRead | FeedError | None = None
            items: tuple[NewItem, ...] | None = None
            if result.status == "ok":
                from digest.parse import ParseJob

                known = store.stored_guids(feed.url, now - CORRECTIONS_FOR)
                job = ParseJob(result.body, result.url, result.content_type, limit, known)
                task = ParseTask(
                    job,
                    getattr(result, "content_encoding", ""),
                    limits.max_bytes,
                    feed.url,
                    now,
                    rows=not feed.full_text,
                )
                parsed, items = await parser.parse(task)
            if result.body:
                result = replace(result, body=b"")
            if (
                feed.full_text
                and parsed is not None
                and not isinstance(parsed, FeedError)
                and parsed.feed.entries
            ):
                later.append((feed, result, parsed))  # fetches article pages: after the loop
                return
            read = _read(feed.url, parsed, items, now)
            waiting.append((feed, decide(feed.url, states.get(feed.url), result, read, now)))
            if len(waiting) >= COMMIT_EVERY:
                store_waiting()  # writes while the workers parse, not all at the end

        # The updates wait in memory and are written in short transactions (each
        # COMMIT_EVERY feeds, and at the end): the write lock is never held while a
        # server is awaited. An exception drops what is not written yet.
        waiting: list[tuple[FeedConfig, FeedUpdate]] = []

        def store_waiting() -> None:
            added = store.apply([update for _, update in waiting])
            for (feed, update), stored in zip(waiting, added, strict=True):
                outcomes[feed.url] = _outcome(feed, update, stored)
            waiting.clear()

        fetch_each(requests, limits, handle, window=PARSE_WINDOW, decode=False)
        store_waiting()
    # The full-text feeds: parsed, then their article pages (a stage of its own, after
    # the feeds: pages are fetched once the feeds are in), then stored feed by feed.
    for feed, result, parsed in later:
        parsed, note = with_article_pages(parsed, limits)
        update = decide(
            feed.url, states.get(feed.url), result, _read(feed.url, parsed, None, now), now
        )
        [added] = store.apply([update])
        outcomes[feed.url] = _noted(_outcome(feed, update, added), note)
    return FetchReport(tuple(outcomes[f.url] for f in config.feeds))


def with_article_pages(parsed: FeedRead, limits: FetchLimits) -> tuple[FeedRead, str | None]:
    """The article-pages stage: *parsed* with each entry's text replaced by its article
    page's story where that says more, and a note naming the pages that could not be read.

    Pages are read one feed at a time, each extracted as it arrives; a page that cannot
    be read leaves its item's teaser. Never raises for a page.
    """
    from digest.fulltext import read_full_text

    full = read_full_text(parsed.feed.entries, limits)
    return replace(parsed, feed=replace(parsed.feed, entries=full.entries)), full.note()


def _read(
    feed_url: str,
    parsed: FeedRead | FeedError | None,
    items: Sequence[NewItem] | None,
    now: datetime,
) -> Document | str | None:
    """What the parse made of a feed's document, for :func:`digest.plan.decide`: its new
    *items* when the parse worker made them, else made here from its entries."""
    if parsed is None or isinstance(parsed, FeedError):
        return parsed.message if parsed else None
    if items is None:
        items = new_items(feed_url, parsed.feed.entries, now)
    return Document(parsed.feed.title, tuple(items), parsed.still_carried)


def _outcome(feed: FeedConfig, update: FeedUpdate, added: Added) -> FeedOutcome:
    """One feed's line in the fetch report, once its *update* is stored."""
    name = feed_name(feed, update.state)
    if update.not_modified:
        return FeedOutcome(feed.url, name, not_modified=True)
    if update.error:
        return FeedOutcome(feed.url, name, error=update.error)
    return FeedOutcome(feed.url, name, new_items=added.kept, note=added.note)


def _noted(outcome: FeedOutcome, note: str | None) -> FeedOutcome:
    """*outcome* with *note* added to its note for the fetch report."""
    if not note:
        return outcome
    return replace(outcome, note="; ".join(n for n in (outcome.note, note) if n))


def _long_since(start: datetime | None, now: datetime, long: timedelta) -> datetime | None:
    """*start* when a feed's run of failures began *long* or more ago, else None."""
    return start if start is not None and now - start >= long else None


def build_digest(
    config: Config, store: Store, now: datetime, failed: Sequence[FeedOutcome] = ()
) -> Digest:
    """The digest of every pending item (nothing is marked)."""
    from digest.select import Feeds, make_digest

    states = store.feed_states()
    feeds = Feeds(
        names={f.url: feed_name(f, states.get(f.url)) for f in config.feeds},
        sections={f.url: f.section for f in config.feeds if f.section},
    )
    pending = store.pending_items()
    configured = set(feeds.names)
    pending = [i for i in pending if i.feed_url in configured]
    delivered = frozenset(store.delivered_keys(i.key for i in pending))
    # Stories sent around the pending items' time; an item older than max_age_days is left
    # out before it is compared, and a story retold a month later is news again.
    window = timedelta(hours=config.digest.cluster_hours)
    sent = []
    if pending:
        floor = now - timedelta(days=config.digest.max_age_days or 30)
        sent = store.sent_since(max(min(i.published for i in pending), floor) - window)
    from digest.scheduler import LONG_FAILING, failing_since

    began = failing_since(store)
    failures = [
        FailedFeed(o.name, o.url, o.error or "", _long_since(began.get(o.url), now, LONG_FAILING))
        for o in failed
        if o.error
    ]
    return make_digest(pending, config, feeds, now, delivered, failures, sent)


def render_digest(
    config: Config, digest: Digest, links: Links | None = None
) -> tuple[Digest, RenderedMessage]:
    """Render *digest*, leaving stories out fairly if the HTML would be too large.

    *links* are the unsubscribe and view-in-browser links it carries (copies.Links);
    by default the configured unsubscribe target and no view link."""
    from digest.fit import fit_digest
    from digest.message import unsubscribe_link
    from digest.render import environment, render_message, unsafe_markup

    env = environment(config.folder / "templates", config.zone, config.digest.lang)
    links = links or Links(unsubscribe_link(config.delivery))

    def render(candidate: Digest) -> RenderedMessage:
        return render_message(
            candidate,
            env,
            config.digest.subject,
            links.unsubscribe,
            lang=config.digest.lang,
            view_url=links.view,
        )

    digest, rendered = fit_digest(digest, render, config.digest.max_html_bytes)
    problem = unsafe_markup(rendered.html)
    if problem:
        raise ConfigError(
            f"template digest.html: {problem}",
            hint="an email may carry no script and only http(s), mailto and #section links",
        )
    return digest, rendered


def send_digest(
    config: Config,
    store: Store,
    now: datetime,
    *,
    fetch: bool = True,
    respect_backoff: bool = False,
    on_result: Callable[[FetchResult], None] | None = None,
    on_fetched: Callable[[FetchReport], None] | None = None,
) -> SendResult:
    """Fetch, build, deliver and record one digest, holding the send lock throughout.

    Raises LockedError if another process is sending, DeliveryError if no one
    received the digest (its items then stay pending), ConfigError (before
    anything is fetched) if the SMTP password variable is not set.
    """
    smtp = config.delivery.smtp
    if config.delivery.method == "smtp" and smtp.username and smtp.password is None:
        from digest.deliver import missing_password

        raise missing_password(smtp)
    if config.web and not config.web.secret:
        from digest.web import missing_secret

        raise ConfigError(
            missing_secret(config),
            hint="the readers' own links are signed with it; set it as digest serve has it",
        )
    started = time.monotonic()

    def ran() -> None:
        store.set_state(SEND_RAN, iso(now))  # nothing new is a send that happened too
        store.set_state(SEND_SECONDS, f"{time.monotonic() - started:.3f}")

    with send_lock(config.database):
        resent = resend_refused(config, store, now)
        report = (
            fetch_feeds(config, store, now, respect_backoff=respect_backoff, on_result=on_result)
            if fetch
            else None
        )
        if report and on_fetched:
            on_fetched(report)
        digest = build_digest(config, store, now, report.failed if report else ())
        if digest.is_empty and not config.digest.send_empty:
            if digest.skipped_ids:
                store.skip_items(digest.skipped_ids)
            ran()
            return SendResult(digest, report, None, resent=resent)
        digest, rendered = render_digest(config, digest)
        delivery = deliver_digest(config, store, digest, rendered, now)
        ran()
        return SendResult(digest, report, delivery, rendered.subject, resent)


def send_test_copy(
    config: Config,
    store: Store,
    now: datetime,
    address: str,
    *,
    fetch: bool = True,
    on_result: Callable[[FetchResult], None] | None = None,
    on_fetched: Callable[[FetchReport], None] | None = None,
) -> SendResult:
    """The digest ``send`` would deliver now, to *address* only, marking nothing sent
    (``digest send --to``): a test of the template, the server and the address. Fetched
    items are stored, as ``preview`` stores them. Raises DeliveryError when it is refused."""
    from digest.deliver import Outgoing, deliver
    from digest.message import build_message, new_token

    report = fetch_feeds(config, store, now, on_result=on_result) if fetch else None
    if report and on_fetched:
        on_fetched(report)
    digest = build_digest(config, store, now, report.failed if report else ())
    digest, rendered = render_digest(config, digest)
    message = build_message(rendered, config.delivery, address, new_token(), digest.title, now)
    delivery = deliver([Outgoing(address, message)], config.delivery, now)
    if not delivery.delivered:
        raise DeliveryError(
            f"test copy not delivered: {'; '.join(w for _a, w in delivery.refused)}"
        )
    return SendResult(digest, report, delivery, rendered.subject)


def deliver_digest(
    config: Config, store: Store, digest: Digest, rendered: RenderedMessage, now: datetime
) -> DeliveryReport:
    """Record the attempt, deliver, then mark items sent in the same step that records success.

    The attempt is recorded before sending; a retry of an interrupted attempt
    with the same items reuses its Message-IDs, so receivers can drop the repeat.
    This is the default edition's digest (delivery.to's): it marks its items sent.
    """
    shown = [i for story in digest.stories for i in story.item_ids]
    window = max([store.max_item_id(), *shown])
    edition = config.default_edition
    base = edition_cursor(store, edition)
    if base is None:  # the first issue since editions: it starts where its stories start
        base = min([*shown, *digest.skipped_ids], default=window + 1) - 1
    report, digest_id = _deliver(config, store, digest, rendered, now, "", window, base)
    store.finish_digest(digest_id, shown, digest.skipped_ids, now)
    _advance(config, store, edition, window)
    return report


def _deliver(
    config: Config,
    store: Store,
    digest: Digest,
    rendered: RenderedMessage,
    now: datetime,
    edition: str,
    window: int,
    base: int | None,
) -> tuple[DeliveryReport, int]:
    """Record the attempt and deliver a copy to each reader of *edition* ("": the
    default one); raises DeliveryError when no one received it. Returns the report and
    the attempt's id, for the caller to finish. *base* is where the issue's own stories
    start: a reader whose cursor is elsewhere came from another edition."""
    from digest.deliver import deliver
    from digest.message import new_token

    shown = [i for story in digest.stories for i in story.item_ids]
    token = store.unfinished_message_id(shown, edition)
    already = store.delivered_to(token) if token else set()
    token = token or new_token()
    digest_id = store.begin_digest(
        rendered.subject, token, shown, now, len(digest.stories), edition
    )
    # the issue as the web archive shows it (kept with or without web:, so that turning the
    # web app on later shows what went out before): no reader's links in it
    page = render_digest(config, digest, Links())[1]
    store.archive_issue(digest_id, page.html, page.text)
    name = edition or config.default_edition
    readers = [
        r
        for r in copies.readers(config, store.subscribers("active"), name, base)
        if r.address not in already  # accepted before an interruption: never sent twice
    ]
    messages = copies.outgoing(
        copies.Issue(config, digest, rendered, token, digest_id, now),
        readers,
        lambda part, links: render_digest(config, part, links)[1],
        lambda start: stories_since(config, store, now, start, window),
    )
    told: set[str] = set()

    def record(recipient: str, status: str, detail: str | None) -> None:
        told.add(recipient)
        store.record_delivery(digest_id, recipient, status, detail, now)

    try:
        report = deliver(messages, config.delivery, now, on_result=record)
    except DeliveryError as exc:
        store.fail_digest(digest_id, [Refused(m.recipient, str(exc)) for m in messages], now)
        raise
    untold = [(r, why) for r, why in report.refused if r not in told]  # temporary failures
    if not report.delivered and not already and messages:
        store.fail_digest(digest_id, [Refused(r, why) for r, why in untold], now)
        reasons = "; ".join(f"{r}: {why}" for r, why in report.refused)
        pending = f"{len(shown)} items stay" if len(shown) != 1 else "1 item stays"
        raise DeliveryError(f"digest not delivered, {pending} pending: {reasons}")
    for recipient, why in untold:
        store.record_delivery(digest_id, recipient, "failed", why, now)
    waiting = {r for r, _why in untold}
    data = {m.recipient: m.data for m in messages if m.recipient in waiting}  # made again
    kept = [RefusedCopy(r, data[r], why) for r, why in untold if r in data]
    store.queue_resends(digest_id, kept, now)
    return report, digest_id


def edition_cursor(store: Store, edition: str) -> int | None:
    """The newest item the edition's last issue covered (None before its first)."""
    value = store.get_state(edition_cursor_key(edition))
    return int(value) if value and value.isdigit() else None


def _advance(config: Config, store: Store, edition: str, window: int) -> None:
    """After an issue of *edition* went out: its readers, and the edition, have had
    everything up to item *window* (a reader whose sections had nothing this time too)."""
    readers = [r.address for r in copies.readers(config, store.subscribers("active"), edition)]
    store.advance_readers(readers, window)
    store.set_state(edition_cursor_key(edition), str(window))


def stories_since(
    config: Config, store: Store, now: datetime, start: int, window: int
) -> Digest | None:
    """The digest of the items after item *start* up to *window*, whatever other
    editions did with them (None when there is none): an edition's issue, or the copy of
    a reader who moved here from another edition."""
    from digest.select import Feeds, make_digest

    states = store.feed_states()
    feeds = Feeds(
        names={f.url: feed_name(f, states.get(f.url)) for f in config.feeds},
        sections={f.url: f.section for f in config.feeds if f.section},
    )
    items = [i for i in store.items_between(start, window) if i.feed_url in feeds.names]
    digest = make_digest(items, config, feeds, now)
    return None if digest.is_empty else digest


def send_edition(config: Config, store: Store, now: datetime, edition: str) -> SendResult:
    """Send an issue of *edition* (not the default one: ``send_digest`` sends that) to its
    readers: the stories since its last issue, each reader's sections, nothing marked
    (other editions still have them). Stored items only: the fetch schedule fetches.

    Its first issue starts from its previous scheduled time, so a new weekly edition's
    first issue brings the week. Raises DeliveryError when no one received it.
    """
    from digest.scheduler import latest_slot

    schedule = next(e.schedule for e in config.all_editions if e.name == edition)
    if config.web and not config.web.secret:
        from digest.web import missing_secret

        raise ConfigError(missing_secret(config), hint="the readers' own links are signed with it")
    with send_lock(config.database):
        window = store.max_item_id()
        if not any(s.edition == edition for s in store.subscribers("active")):
            return SendResult(make_empty(config, now), None, None)  # no one reads it yet
        previous = latest_slot(
            schedule, config.zone, now - timedelta(seconds=1), timedelta(days=400)
        )
        start = edition_cursor(store, edition)
        if start is None:
            start = store.max_item_id(before=previous) if previous else 0
        if previous and config.digest.max_age_days:
            # "too old" counts from the edition's last issue: a weekly one keeps its week
            age = config.digest.max_age_days + (now - previous).total_seconds() / 86400
            digest_settings = config.digest.model_copy(update={"max_age_days": age})
            config = config.model_copy(update={"digest": digest_settings})
        digest = stories_since(config, store, now, start, window)
        if digest is None:
            _advance(config, store, edition, window)
            return SendResult(make_empty(config, now), None, None)
        digest, rendered = render_digest(config, digest)
        report, digest_id = _deliver(config, store, digest, rendered, now, edition, window, start)
        store.finish_issue(digest_id, now, edition, window)
        return SendResult(digest, None, report, rendered.subject)


def make_empty(config: Config, now: datetime) -> Digest:
    """A digest with nothing in it (an edition with nothing new)."""
    from digest.select import Feeds, make_digest

    return make_digest([], config, Feeds(names={}, sections={}), now)


@dataclass(frozen=True)
class Resent:
    """What became of one copy sent again: "sent", "refused" (for good), "waiting" (refused
    for a while again) or "given up" (after RESEND_FOR)."""

    recipient: str
    subject: str
    outcome: str
    detail: str = ""

    def __str__(self) -> str:
        quoted = f'"{self.subject}"'
        if self.outcome == "sent":
            return f"sent {quoted} again to {self.recipient} (refused for a while before)"
        if self.outcome == "waiting":
            return f"{quoted} still not delivered to {self.recipient}: {self.detail} (next send)"
        if self.outcome == "refused":
            return f"{quoted} refused for good for {self.recipient}: {self.detail}"
        return f"gave up sending {quoted} to {self.recipient}: {self.detail}"


def resend_refused(config: Config, store: Store, now: datetime) -> tuple[Resent, ...]:
    """Send again each copy of an earlier digest that a recipient's server refused for a
    while (4xx, a dropped connection), as it was (same Message-ID), once per send, for up
    to RESEND_FOR; recipients no longer configured are dropped."""
    from digest.deliver import Outgoing, deliver

    once = config.delivery.model_copy(
        update={"smtp": config.delivery.smtp.model_copy(update={"retries": 0})}
    )
    outcomes: list[Resent] = []
    waiting = store.resends()
    for digest_id in dict.fromkeys(r.digest_id for r in waiting):
        copies = {r.recipient: r for r in waiting if r.digest_id == digest_id}
        for gone in [r for r in copies if r not in config.delivery.to]:
            store.end_resend(digest_id, gone, "dropped", "no longer a recipient", now)
            del copies[gone]
        if not copies:
            continue
        fates: dict[str, tuple[str, str]] = {}
        try:
            report = deliver(
                [Outgoing(r, c.message) for r, c in copies.items()],
                once,
                now,
                on_result=partial(_resend_fate, store, digest_id, fates, now),
            )
            still = dict(report.refused)
        except DeliveryError as exc:
            still = {r: str(exc) for r in copies}
        for recipient, copy in copies.items():
            outcome, detail = fates.get(recipient, ("waiting", still.get(recipient, "")))
            if outcome == "waiting":
                if now - copy.first_failed >= RESEND_FOR:
                    hours = round(RESEND_FOR.total_seconds() / 3600)
                    outcome, detail = "given up", f"refused for {hours} h: {detail}"
                    store.end_resend(digest_id, recipient, "failed", detail, now)
                else:
                    store.retry_resend(digest_id, recipient, detail)
            outcomes.append(Resent(recipient, copy.subject, outcome, detail))
    return tuple(outcomes)


def _resend_fate(
    store: Store,
    digest_id: int,
    fates: dict[str, tuple[str, str]],
    now: datetime,
    recipient: str,
    status: str,
    detail: str | None,
) -> None:
    """A resent copy's fate, recorded the moment the server gives it."""
    fates[recipient] = ("sent" if status == "sent" else "refused", detail or "")
    store.end_resend(digest_id, recipient, status, detail, now)
