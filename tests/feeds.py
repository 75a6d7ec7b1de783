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


def rss_items(
    *items: str,
    title: str = "Test Feed",
    language: str = "",
    link: str = "https://news.example.org/",
) -> str:
    """An RSS 2.0 document around *items* written by :func:`rss_item` (dates as given)."""
    lang = f"<language>{escape(language)}</language>" if language else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>{lang}"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    )


def rss_item(
    title: str,
    link: str,
    body: str = "<p>First sentence of the story. Second sentence of it.</p>",
    date: str = "",
    author: str = "",
    creator: str = "",
    extra: str = "",
) -> str:
    """One RSS <item>: *date* is the pubDate exactly as written ('' for none), *author*
    the RSS author (an e-mail address, perhaps with a name), *creator* dc:creator."""
    parts = [f"<title>{escape(title)}</title><link>{escape(link)}</link>"]
    parts.append(f'<guid isPermaLink="false">{escape(link)}</guid>')
    if date:
        parts.append(f"<pubDate>{escape(date)}</pubDate>")
    if author:
        parts.append(f"<author>{escape(author)}</author>")
    if creator:
        parts.append(f"<dc:creator>{escape(creator)}</dc:creator>")
    parts.append(f"<content:encoded><![CDATA[{body}]]></content:encoded>{extra}")
    return "<item>" + "".join(parts) + "</item>"


def rfc822(moment: datetime) -> str:
    """*moment* as an RSS pubDate."""
    return format_datetime(moment)
