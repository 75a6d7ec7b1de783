"""Builders for feed documents used by tests: a new case is a call, not a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape


@dataclass
class FakeItem:
    title: str = "A story"
    link: str = "https://news.example.org/story"
    guid: str | None = None
    body: str = "<p>First sentence of the story. Second sentence of it.</p>"
    categories: list[str] = field(default_factory=list)
    published: datetime | None = None
    extra: str = ""


def rss(
    *items: FakeItem,
    title: str = "Test Feed",
    link: str = "https://news.example.org/",
    now: datetime | None = None,
) -> str:
    """An RSS 2.0 document with content:encoded bodies."""
    now = now or datetime.now(UTC)
    parts = []
    for n, item in enumerate(items):
        when = item.published or now - timedelta(minutes=n)
        cats = "".join(f"<category>{escape(c)}</category>" for c in item.categories)
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">{escape(item.guid or item.link)}</guid>{cats}'
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<content:encoded><![CDATA[{item.body}]]></content:encoded>{item.extra}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>test</description>{''.join(parts)}</channel></rss>"
    )
