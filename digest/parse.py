"""Feed documents (bytes) to entries: feedparser for RSS/Atom/RDF, json for JSON Feed.

feedparser runs with its own sanitiser and URI resolver off: ``sanitize.py``
does both, once, with nh3, which is faster and keeps the structure the blurb
extractor needs. Parsing is a pure function of the document, so it can run in
a worker process.
"""

from __future__ import annotations

import calendar
import hashlib
import html as html_lib
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from digest.errors import FeedError
from digest.links import absolute_url, strip_tracking
from digest.models import Entry, Image, ParsedFeed
from digest.sanitize import html_to_text, plain, sanitize_html, text_to_html

IMAGE_SUFFIX = re.compile(r"\.(jpe?g|png|gif|webp|avif)(\?|$)", re.I)
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"[^>]*>", re.I)


def parse_feed(
    body: bytes, url: str, content_type: str | None = None, max_items: int = 200
) -> ParsedFeed:
    """Parse one feed document fetched from *url*.

    Raises FeedError when the document is not a feed at all.
    """
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or "json" in (content_type or "").lower():
        return parse_json_feed(body, url, max_items)
    headers = {"content-location": url}
    if content_type and "charset=" in content_type.lower():
        headers["content-type"] = content_type
    data = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not data.get("version") and not data.entries:
        raise FeedError(_not_a_feed(body, data), url=url)
    atom = str(data.get("version", "")).startswith("atom")
    feed = data.get("feed", {})
    entries = _unique(_entry(e, url, atom) for e in data.entries[: max_items * 2])
    return ParsedFeed(
        title=_title(feed, atom),
        link=absolute_url(str(feed.get("link", "")), url) or "",
        entries=tuple(entries[:max_items]),
    )


def _not_a_feed(body: bytes, data: Mapping[str, Any]) -> str:
    text = body[:2048].lower()
    if not body.strip():
        return "not a feed: the response was empty"
    if b"<html" in text or b"<!doctype html" in text:
        return "not a feed: got an HTML page"
    reason = data.get("bozo_exception")
    return f"not a feed: {_short(str(reason))}" if reason else "not a feed"


def _short(text: str) -> str:
    return text.splitlines()[0][:120] if text else ""


def _title(node: Mapping[str, Any], atom: bool) -> str:
    detail = node.get("title_detail") or {}
    raw = str(node.get("title", ""))
    if atom and "html" in str(detail.get("type", "")):
        return html_to_text(raw)
    return plain(raw)


def _entry(e: Mapping[str, Any], feed_url: str, atom: bool) -> Entry:
    title = _title(e, atom)
    base = str((e.get("title_detail") or {}).get("base") or feed_url)
    link = _link(e, base)
    body = sanitize_html(*_richest(e, base)) if _has_text(e) else ""
    guid = str(e.get("id") or link or "").strip()
    if not guid:
        guid = "sha1:" + hashlib.sha1((title + body).encode("utf-8")).hexdigest()
    return Entry(
        guid=guid,
        title=title,
        link=link,
        published=_date(e),
        html=body,
        categories=_categories(e),
        author=plain(str(e.get("author", ""))),
        image=_image(e, body, base, title),
    )


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.guid not in seen:
            seen.add(entry.guid)
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


def _date(e: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = e.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


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
    """The article's first image (already absolute and http(s) after sanitising)."""
    match = _IMG_SRC.search(body)
    return Image(html_lib.unescape(match.group(1)), None, None, title) if match else None


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10_000 else None


def parse_json_feed(body: bytes, url: str, max_items: int = 200) -> ParsedFeed:
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
    entries = _unique(_json_entry(i, base) for i in items[: max_items * 2])
    return ParsedFeed(plain(str(data.get("title", ""))), base, tuple(entries[:max_items]))


def _json_entry(item: Mapping[str, Any], base: str) -> Entry:
    link = absolute_url(str(item.get("url") or item.get("external_url") or ""), base) or ""
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
