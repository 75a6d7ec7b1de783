"""``/metrics`` in the Prometheus text format, read from the store when it is scraped.

digest's work happens in other processes (``digest send`` from cron, the daemon's jobs),
so nothing is counted in memory here: every scrape reads the store, which is what those
processes wrote. prometheus-client writes the format; a collector of our own builds the
families from one store read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from digest.config import Config
from digest.pipeline import SEND_SECONDS
from digest.store import Store


def exposition(config: Config, store: Store) -> bytes:
    """The metrics page for *store*."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(config, store))
    return generate_latest(registry)


class _Collector(Collector):
    def __init__(self, config: Config, store: Store) -> None:
        self.config, self.store = config, store

    def collect(self) -> Iterator[Metric]:
        store = self.store
        states = store.feed_states()
        configured = [states.get(f.url) for f in self.config.feeds]
        feeds = GaugeMetricFamily("digest_feeds", "configured feeds by state", labels=["state"])
        failing = sum(1 for s in configured if s and s.last_error)
        never = sum(1 for s in configured if s is None or s.last_fetch is None)
        feeds.add_metric(["failing"], failing)
        feeds.add_metric(["never_fetched"], never)
        feeds.add_metric(["ok"], len(configured) - failing - never)
        yield feeds
        errors = CounterMetricFamily(
            "digest_fetch_failures", "failed fetches in a row, summed over the feeds"
        )
        errors.add_metric([], sum(s.error_count for s in configured if s))
        yield errors
        fetched = [s.last_fetch for s in configured if s and s.last_fetch]
        yield _time(
            "digest_last_fetch_timestamp_seconds", "the latest fetch", max(fetched, default=None)
        )
        counts = store.counts()
        yield GaugeMetricFamily(
            "digest_items_pending", "items waiting for a digest", value=counts.pending
        )
        yield GaugeMetricFamily(
            "digest_resends_queued",
            "copies refused for a while, to send again",
            value=counts.resends,
        )
        sent = CounterMetricFamily("digest_sends", "digests that reached someone")
        sent.add_metric([], counts.sent)
        yield sent
        last = store.last_digest()
        yield _time(
            "digest_last_send_timestamp_seconds",
            "the latest digest sent",
            last.sent_at if last else None,
        )
        failure = store.last_failure()
        failed = failure is not None and (
            last is None or last.sent_at is None or failure.at > last.sent_at
        )
        yield GaugeMetricFamily(
            "digest_last_send_failed",
            "1 when the latest send attempt reached no one",
            value=int(failed),
        )
        seconds = store.get_state(SEND_SECONDS)
        yield GaugeMetricFamily(
            "digest_last_send_duration_seconds",
            "how long the latest send took",
            value=float(seconds or 0),
        )
        readers = GaugeMetricFamily(
            "digest_subscribers", "subscribers by status", labels=["status"]
        )
        for status in ("pending", "active", "unsubscribed"):
            readers.add_metric([status], counts.subscribers.get(status, 0))
        yield readers


def _time(name: str, what: str, moment: datetime | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        name, f"{what}, as a Unix time (0: never)", value=moment.timestamp() if moment else 0
    )
