"""``digest check``: is this config ready to run? Everything a send needs, tried once
without storing or sending anything.

- the config itself (loading it is the first check);
- each feed fetched and parsed once, nothing stored;
- the SMTP server: connect, EHLO, STARTTLS or TLS, AUTH, then quit without sending
  (method smtp);
- the DKIM key loads as a private key, and the selector and domain are DNS names;
- with ``web:``, the signing key can be had;
- no subscriber is on an edition config.yaml no longer has.

Each problem is one line; :func:`problems` returns them ([] when all is well).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from digest.config import Config

# A DNS name: labels of letters, digits and inner hyphens, up to 63 characters each.
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def problems(config: Config) -> list[str]:
    """Every problem found, one line each (the database first: it answers at once)."""
    database = list(_database(config))
    found = [*database, *_feeds(config), *_smtp(config), *_dkim(config), *_web(config)]
    return found if database else [*found, *_editions(config)]


def _database(config: Config) -> Iterator[str]:
    from digest.errors import DigestError
    from digest.store import open_store

    try:
        with open_store(config.database, readonly=True):
            pass
        if config.workers is not None:
            from digest.tasks import TaskQueue

            TaskQueue(config)  # the queue's tables there, made if missing
    except DigestError as exc:
        yield str(exc)


def _feeds(config: Config) -> Iterator[str]:
    from digest.errors import FeedError
    from digest.fetch import FetchRequest, fetch_all
    from digest.links import shown_url
    from digest.parse import parse_feed
    from digest.pipeline import feed_name, fetch_limits

    requests = [
        FetchRequest(f.url, configured=True, credentials=f.credentials) for f in config.feeds
    ]
    for feed, result in zip(config.feeds, fetch_all(requests, fetch_limits(config))):
        name = f"feed {feed_name(feed, None)} ({shown_url(feed.url)})"
        if result.status != "ok":
            yield f"{name}: {result.error}"
            continue
        try:
            parsed = parse_feed(result.body, feed.url, result.content_type)
        except FeedError as exc:
            yield f"{name}: {exc}"
            continue
        if not parsed.entries:
            yield f"{name}: the feed has no items"


def _smtp(config: Config) -> Iterator[str]:
    if config.delivery.method != "smtp":
        return
    from digest.deliver import check_smtp

    problem = check_smtp(config.delivery.smtp)
    if problem:
        yield problem


def _dkim(config: Config) -> Iterator[str]:
    dkim = config.delivery.dkim
    if dkim is None:
        return
    for key, name in (("selector", dkim.selector), ("domain", dkim.domain)):
        labels = name.rstrip(".").split(".")
        if not all(_LABEL.fullmatch(label) for label in labels) or len(name) > 253:
            yield f"delivery.dkim.{key} {name!r} is not a DNS name"
    if "." not in dkim.domain.strip("."):
        yield f"delivery.dkim.domain {dkim.domain!r} is not a domain (no dot)"
    try:
        pem = dkim.key_file.read_bytes()
    except OSError as exc:
        yield f"cannot read the DKIM key {dkim.key_file}: {exc.strerror}"
        return
    from dkim.crypto import UnparsableKeyError, parse_pem_private_key

    try:
        parse_pem_private_key(pem)
    except (UnparsableKeyError, ValueError, IndexError) as exc:
        yield f"the DKIM key {dkim.key_file} is not a PEM private key ({exc or 'unreadable'})"


def _web(config: Config) -> Iterator[str]:
    if config.web is not None and not config.web.secret:
        from digest.web import missing_secret

        yield missing_secret(config)


def _editions(config: Config) -> Iterator[str]:
    from collections import Counter

    from digest.store import open_store

    known = {e.name for e in config.all_editions}
    with open_store(config.database, readonly=True) as store:
        lost = Counter(s.edition for s in store.subscribers("active") if s.edition not in known)
    for edition, readers in sorted(lost.items()):
        yield (
            f"{readers} subscriber{'s are' if readers != 1 else ' is'} on the edition"
            f" {edition!r}, which config.yaml does not have: they get"
            f" {config.default_edition!r} until it is back or they are moved"
        )
