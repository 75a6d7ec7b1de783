"""Feed documents (bytes) to entries: feedparser for RSS/Atom/RDF, json for JSON Feed.

feedparser runs with its own sanitiser and URI resolver off: ``sanitize.py``
does both, once, with nh3, which is faster and keeps the structure the blurb
extractor needs. Parsing is a pure function of the document, so it can run in
a worker process. Reading the document itself (the lxml fast path, else
feedparser) is ``feedxml.py``, imported by the first document parsed: a run in
which every feed answers 304 never loads feedparser or lxml.
"""

from __future__ import annotations

import calendar
import hashlib
import html as html_lib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from datetime import time as dt_time
from typing import Any

from digest.errors import FeedError
from digest.links import absolute_url, strip_tracking
from digest.models import Entry, Image, ParsedFeed
from digest.sanitize import html_to_text, plain, sanitize_html, text_to_html

IMAGE_SUFFIX = re.compile(r"\.(jpe?g|png|gif|webp|avif)(\?|$)", re.I)
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"[^>]*>", re.I)
_IMG_ATTR = {
    name: re.compile(rf"\b{name}=\"([^\"]*)\"", re.I) for name in ("alt", "width", "height")
}


def parse_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    max_items: int = 200,
    *,
    known: AbstractSet[str] = frozenset(),
) -> ParsedFeed:
    """Parse one feed document fetched from *url*.

    Entries whose guid is in *known* (already stored) are left out before any
    per-item work: their HTML is not sanitised. ``max_items`` counts every
    distinct entry of the document, known or not, so the same document keeps
    the same window of items whatever the store holds.

    Raises FeedError when the document is not a feed at all.
    """
    return read_feed(body, url, content_type, max_items, known=known).feed


@dataclass(frozen=True)
class FeedRead:
    """A feed's new entries, and which of the stored ones the document still carries."""

    feed: ParsedFeed
    still_carried: tuple[str, ...] = ()


def read_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    max_items: int = 200,
    *,
    known: AbstractSet[str] = frozenset(),
) -> FeedRead:
    """:func:`parse_feed`, also telling which *known* guids are still in the document.

    Raises FeedError when the document is not a feed at all.
    """
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or "json" in (content_type or "").lower():
        return parse_json_feed(body, url, max_items, known=known)
    from digest.feedxml import read_document  # feedparser and lxml: loaded when first needed

    doc = read_document(body, url, content_type)
    entries, carried = _new_entries(doc.entries[: max_items * 2], url, doc.atom, max_items, known)
    feed = ParsedFeed(
        title=_title(doc.feed),
        link=absolute_url(str(doc.feed.get("link", "")), url) or "",
        entries=tuple(entries),
    )
    return FeedRead(feed, tuple(carried))


@dataclass(frozen=True)
class ParseJob:
    """One fetched document to parse, with the guids its feed already has in the store."""

    body: bytes
    url: str
    content_type: str | None = None
    max_items: int = 200
    known: frozenset[str] = frozenset()


def parse_job(job: ParseJob) -> FeedRead | FeedError:
    """Parse one job; what is wrong with the feed is returned, never raised.

    A parser bug on one hostile document becomes a FeedError too, so a worker
    process (or the run) carries on with the other feeds.
    """
    try:
        return read_feed(job.body, job.url, job.content_type, job.max_items, known=job.known)
    except FeedError as exc:
        return exc
    except Exception as exc:  # a bug on one hostile feed must not end the run
        return FeedError(f"could not parse the feed: {exc.__class__.__name__}", url=job.url)


def parse_jobs(jobs: Sequence[ParseJob]) -> list[FeedRead | FeedError]:
    """Parse several jobs in order: one process-pool task for a chunk of feeds."""
    return [parse_job(job) for job in jobs]


def _new_entries(
    raw: Iterable[Mapping[str, Any]],
    feed_url: str,
    atom: bool,
    max_items: int,
    known: AbstractSet[str],
) -> tuple[list[Entry], list[str]]:
    """Distinct entries (first of each guid) up to *max_items*, less the *known* ones.

    Also returns the known guids met in that window, in document order.
    """
    seen: dict[str, Mapping[str, Any]] = {}  # guid -> the entry first met under it
    kept: list[Entry] = []
    carried: list[str] = []
    for e in raw:
        if len(seen) >= max_items:
            break
        entry: Entry | None = None
        guid = _cheap_guid(e, feed_url)
        if guid is None:
            entry = _entry(e, feed_url, atom)
            guid = entry.guid
        if guid in seen:
            first = seen[guid]
            link, first_link = (_link(x, _base(x, feed_url)) for x in (e, first))
            guid = _second_guid(guid, link, first_link)
            if not guid or guid in seen:
                continue
        seen[guid] = e
        if guid in known:
            carried.append(guid)
        else:
            made = entry or _entry(e, feed_url, atom)
            kept.append(made if made.guid == guid else replace(made, guid=guid))
    return kept, carried


def _second_guid(guid: str, link: str, first_link: str) -> str:
    """The guid of an entry whose guid an earlier entry of the document has: '' when it
    is the same story again (same link, or none), else the guid and its link (a feed
    that gives one id to several stories: each is kept, under a guid of its own)."""
    if not link or link == first_link:
        return ""
    return f"{guid}#{link}"


def _cheap_guid(e: Mapping[str, Any], feed_url: str) -> str | None:
    """The entry's guid when it needs no sanitising (its id or link), else None."""
    return _guid(e, lambda: _link(e, _base(e, feed_url))) or None


def _guid(e: Mapping[str, Any], link: Callable[[], str]) -> str:
    """The entry's id, else its link ('' when it has neither)."""
    return str(e.get("id") or link() or "").strip()


def _base(e: Mapping[str, Any], feed_url: str) -> str:
    """The URL relative links of the entry are resolved against."""
    return str((e.get("title_detail") or {}).get("base") or feed_url)


def _title(node: Mapping[str, Any]) -> str:
    """The title as text: an Atom title of type html, or an RSS title that feedparser takes
    for HTML (escaped tags or entities, "Tom &amp;amp; Jerry"), is read as HTML."""
    detail = node.get("title_detail") or {}
    raw = str(node.get("title", ""))
    if "html" in str(detail.get("type", "")):
        return html_to_text(raw)
    return plain(raw)


def _entry(e: Mapping[str, Any], feed_url: str, atom: bool) -> Entry:
    title = _title(e)
    base = _base(e, feed_url)
    link = _link(e, base)
    body = sanitize_html(*_richest(e, base)) if _has_text(e) else ""
    guid = _guid(e, lambda: link)
    if not guid:
        guid = "sha1:" + hashlib.sha1((title + body).encode("utf-8")).hexdigest()
    published, date_only = _date(e)
    return Entry(
        guid=guid,
        title=title,
        link=link,
        published=published,
        date_only=date_only,
        html=body,
        categories=_categories(e),
        author=plain(str(e.get("author", ""))),
        image=_image(e, body, base, title),
    )


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    """The entries, each story once (see :func:`_second_guid`)."""
    links: dict[str, str] = {}  # guid -> link of the entry kept under it
    kept = []
    for entry in entries:
        guid = entry.guid
        if guid in links:
            guid = _second_guid(guid, entry.link, links[guid])
            if not guid or guid in links:
                continue
            entry = replace(entry, guid=guid)
        links[guid] = entry.link
        kept.append(entry)
    return kept


def _link(e: Mapping[str, Any], base: str) -> str:
    candidates = [str(e.get("link", ""))]
    candidates += [
        str(link.get("href", ""))
        for link in e.get("links", ())
        if link.get("rel", "alternate") == "alternate"
    ]
    if e.get("guidislink"):
        candidates.append(str(e.get("id", "")))
    for candidate in candidates:
        resolved = absolute_url(candidate, base)
        if resolved:
            return strip_tracking(resolved)
    return ""


def _has_text(e: Mapping[str, Any]) -> bool:
    return bool(e.get("content") or e.get("summary"))


def _richest(e: Mapping[str, Any], base: str) -> tuple[str, str]:
    """The longest of content:encoded / Atom content / description, as HTML, and its base."""
    details = list(e.get("content") or [])
    if e.get("summary_detail"):
        details.append(e["summary_detail"])
    elif e.get("summary"):
        details.append({"value": e["summary"], "type": "text/html"})
    best_markup, best_base, best_len = "", base, -1
    for detail in details:
        value = str(detail.get("value") or "")
        kind = str(detail.get("type") or "text/html")
        markup = value if "html" in kind else text_to_html(value)
        length = len(re.sub(r"<[^>]*>", "", markup).strip())
        if length > best_len:
            best_markup, best_base, best_len = markup, str(detail.get("base") or base), length
    return best_markup, best_base


def _date(e: Mapping[str, Any]) -> tuple[datetime | None, bool]:
    """The entry's date, and whether the feed gave only a day ("2026-11-25"): that is
    taken as noon UTC, the same calendar day in every zone from UTC-11 to UTC+11."""
    for key in ("published", "updated", "created"):
        value = e.get(key + "_parsed")
        if isinstance(value, time.struct_time):
            try:
                moment = datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if _TIME_OF_DAY.search(str(e.get(key, ""))) or moment.time() != dt_time(0):
                return moment, False
            return moment.replace(hour=12), True
    return None, False


_TIME_OF_DAY = re.compile(r"\d:\d\d")


def _categories(e: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for tag in e.get("tags") or ():
        for value in (tag.get("term"), tag.get("label")):
            text = plain(str(value or ""))
            if text and text not in found:
                found.append(text)
    return tuple(found)


def _image(e: Mapping[str, Any], body: str, base: str, title: str) -> Image | None:
    candidates: list[Mapping[str, Any]] = list(e.get("media_thumbnail") or ())
    candidates += [
        m
        for m in e.get("media_content") or ()
        if m.get("medium") == "image"
        or str(m.get("type", "")).startswith("image/")
        or (not m.get("medium") and IMAGE_SUFFIX.search(str(m.get("url", ""))))
    ]
    candidates += [
        {"url": enc.get("href")}
        for enc in e.get("enclosures") or ()
        if str(enc.get("type", "")).startswith("image/")
    ]
    for candidate in candidates:
        url = absolute_url(str(candidate.get("url") or ""), base)
        if url:
            return Image(url, _int(candidate.get("width")), _int(candidate.get("height")), title)
    return _body_image(body, title)


def _body_image(body: str, title: str) -> Image | None:
    """The article's first image (already absolute and http(s) after sanitising), with
    its own alt text and size where the markup gives them."""
    match = _IMG_SRC.search(body)
    if not match:
        return None
    tag = match.group(0)
    alt = _IMG_ATTR["alt"].search(tag)
    found = (_IMG_ATTR[name].search(tag) for name in ("width", "height"))
    width, height = (_int(m.group(1)) if m else None for m in found)
    if not (width and height):
        width = height = None  # a size is only of use with both sides
    return Image(
        html_lib.unescape(match.group(1)),
        width,
        height,
        plain(html_lib.unescape(alt.group(1))) if alt and alt.group(1).strip() else title,
    )


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10_000 else None


def parse_json_feed(
    body: bytes, url: str, max_items: int = 200, *, known: AbstractSet[str] = frozenset()
) -> FeedRead:
    """Parse a JSON Feed (1.0 or 1.1) document, which feedparser 6 does not read."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"not a feed: invalid JSON ({exc.__class__.__name__})", url=url) from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("not a feed: JSON without a JSON Feed version", url=url)
    base = absolute_url(str(data.get("home_page_url") or ""), url) or url
    items = [i for i in data.get("items") or () if isinstance(i, dict)]
    entries = _unique(_json_entry(i, base, known) for i in items[: max_items * 2])[:max_items]
    fresh = tuple(e for e in entries if e.guid not in known)
    carried = tuple(e.guid for e in entries if e.guid in known)
    return FeedRead(ParsedFeed(plain(str(data.get("title", ""))), base, fresh), carried)


def _json_entry(item: Mapping[str, Any], base: str, known: AbstractSet[str]) -> Entry:
    link = absolute_url(str(item.get("url") or item.get("external_url") or ""), base) or ""
    cheap = str(item.get("id") or link)
    if cheap and cheap in known:  # stored already: only its guid matters
        return Entry(guid=cheap, title="", link=link, published=None, html="")
    markup = str(item.get("content_html") or "")
    if not markup and item.get("content_text"):
        markup = text_to_html(str(item["content_text"]))
    if not markup and item.get("summary"):
        markup = text_to_html(str(item["summary"]))
    body = sanitize_html(markup, link or base)
    title = plain(str(item.get("title") or ""))
    image_url = absolute_url(str(item.get("image") or item.get("banner_image") or ""), base)
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    author = ", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict))
    guid = str(item.get("id") or link or "sha1:" + hashlib.sha1(body.encode()).hexdigest())
    return Entry(
        guid=guid,
        title=title,
        link=link,
        published=_iso_date(item.get("date_published") or item.get("date_modified")),
        html=body,
        categories=tuple(plain(str(t)) for t in item.get("tags") or () if str(t).strip()),
        author=plain(author),
        image=Image(image_url, None, None, title) if image_url else _body_image(body, title),
    )


def _iso_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
