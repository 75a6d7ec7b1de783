"""Feed documents (bytes) to entries: feedparser for RSS/Atom/RDF, json for JSON Feed.

feedparser runs with its own sanitiser and URI resolver off: ``sanitize.py``
does both, once, with nh3, which is faster and keeps the structure the blurb
extractor needs. Parsing is a pure function of the document, so it can run in
a worker process. Reading the document itself (feedparser's public API, after
``charset.feed_bytes`` for a document that names no encoding) is ``feedxml.py``,
imported by the first document parsed: a run in which every feed answers 304
never loads feedparser.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from digest.errors import FeedError
from digest.links import absolute_url, strip_tracking
from digest.models import Entry, ParsedFeed
from digest.pictures import IMAGE_SUFFIX, Candidate, choose_image, raw_image_urls, repeated_images
from digest.sanitize import html_to_text, plain, sanitize_html, summary_paragraph, text_to_html
from digest.sentences import ends_sentence


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
    raw = doc.entries[: max_items * 2]
    context = feed_context(raw, url, doc.atom, _language(body), max_items)
    entries, carried = _new_entries(raw, url, context, max_items, known)
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


@dataclass(frozen=True)
class _FeedContext:
    """What the parse of one entry needs to know about the whole feed."""

    atom: bool = False
    repeated: frozenset[str] = frozenset()  # the feed's logo or signature (pictures.py)
    day_first: bool = False  # "08/02/2013" is 8 February
    language: str = ""  # the feed's declared language, for entries that declare none
    shared: frozenset[str] = frozenset()  # summaries on several entries: boilerplate


def feed_context(
    raw: Sequence[Mapping[str, Any]], url: str, atom: bool, language: str, max_items: int = 200
) -> _FeedContext:
    """What parsing one entry needs to know of the feed's other entries *raw*: the
    pictures repeated across them, and which way round it writes numeric dates."""
    return _FeedContext(
        atom=atom,
        repeated=repeated_images([_raw_images(e, url) for e in raw[:max_items]]),
        day_first=_day_first(raw, language),
        language=language_tag(language),
        shared=shared_summaries(str(e.get("summary") or "") for e in raw[:max_items]),
    )


def _new_entries(
    raw: Iterable[Mapping[str, Any]],
    feed_url: str,
    context: _FeedContext,
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
            entry = _entry(e, feed_url, context)
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
            made = entry or _entry(e, feed_url, context)
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
        return html_to_text(raw[:TITLE_MARKUP_CHARS])  # a title, not half a megabyte of tags
    return plain(raw)


TITLE_MARKUP_CHARS = 8192


def _entry(e: Mapping[str, Any], feed_url: str, context: _FeedContext) -> Entry:
    title = _title(e)
    base = _base(e, feed_url)
    link = _link(e, base)
    body = sanitize_html(*_richest(e, base, context.shared)) if _has_text(e) else ""
    guid = _guid(e, lambda: link)
    if not guid:
        guid = "sha1:" + hashlib.sha1((title + body).encode("utf-8")).hexdigest()
    published, date_only = _date(e, context.day_first)
    return Entry(
        guid=guid,
        title=title,
        link=link,
        published=published,
        date_only=date_only,
        html=body,
        categories=_categories(e),
        author=plain(str(e.get("author", ""))),
        image=choose_image(_media(e, base), body, title, context.repeated),
        lang=_entry_language(e) or context.language,
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


def _richest(
    e: Mapping[str, Any], base: str, shared: AbstractSet[str] = frozenset()
) -> tuple[str, str]:
    """The longest of content:encoded / Atom content / description, as HTML, and its base;
    headed by the description when the publisher wrote it as a summary of the content
    (:func:`with_summary`)."""
    details = list(e.get("content") or [])
    summary = None
    detail = e.get("summary_detail") or {}
    text = e.get("summary")
    if text and detail.get("value") != text:
        # feedparser gives a media:description after the description (a photo's caption,
        # or nothing) as the summary's detail, and the first caption as content; the
        # summary's text is still the description
        summary = {"value": text, "type": "text/html", "base": detail.get("base")}
    elif detail.get("value"):
        summary = detail
    best_markup, best_base, best_len = "", base, -1
    for detail in [*details, *([summary] if summary else [])]:
        markup = _as_html(detail)
        length = len(re.sub(r"<[^>]*>", "", markup).strip())
        if length > best_len:
            best_markup, best_base, best_len = markup, str(detail.get("base") or base), length
    summary_markup = _as_html(summary) if summary else ""
    # (a summary of more markup than SUMMARY_MARKUP_CHARS is no standfirst: never parsed)
    if (
        summary
        and details
        and best_markup != summary_markup
        and len(summary_markup) <= SUMMARY_MARKUP_CHARS
    ):
        best_markup = with_summary(html_to_text(summary_markup), best_markup, shared)
    return best_markup, best_base


def _as_html(detail: Mapping[str, Any]) -> str:
    value = str(detail.get("value") or "")
    return value if "html" in str(detail.get("type") or "text/html") else text_to_html(value)


# A publisher's summary beside the full text ("Comparing back-of-the-envelope calculations
# with the claims of a Kickstarter campaign."): the editor's own standfirst. It is kept
# as the story's first paragraph, where the blurb finds it, when it is a few sentences of
# its own: not words of the content again (an excerpt, however cut), not the same words
# on several items of the feed ("Check us out and let us know…"), not a word or two.
SUMMARY_MIN_WORDS = 6
SUMMARY_MAX_CHARS = 500
SUMMARY_MARKUP_CHARS = 8192  # ... in at most this much markup
SUMMARY_WORDS = 12  # a summary shorter than this ends as a sentence does
EXCERPT_SHARE = 0.5  # this share of its runs of three words in the content: an excerpt
EXCERPT_CHARS = 50_000  # of the content's markup looked at
_WORDS = re.compile(r"\w+")


def with_summary(summary: str, content: str, shared: AbstractSet[str] = frozenset()) -> str:
    """*content* (HTML) headed by the plain-text *summary* when that is the publisher's
    standfirst rather than an excerpt of it or a line every item carries."""
    words = _WORDS.findall(summary.casefold())
    if len(words) < SUMMARY_MIN_WORDS or len(summary) > SUMMARY_MAX_CHARS:
        return content
    if len(words) < SUMMARY_WORDS and not ends_sentence(summary):
        return content  # a tagline ("Gorilla art rings a gnarly tune"): a subtitle, no summary
    if _summary_key(summary) in shared or summary.rstrip().endswith(("…", "...", "[…]")):
        return content  # boilerplate, or a teaser cut short: the content says it in full
    text = _WORDS.findall(html_to_text(content[:EXCERPT_CHARS]).casefold())
    said = set(zip(text, text[1:], text[2:]))
    runs = list(zip(words, words[1:], words[2:]))
    if sum(run in said for run in runs) >= EXCERPT_SHARE * len(runs):
        return content
    return summary_paragraph(summary) + content


SUMMARY_KEY_CHARS = 4096


def shared_summaries(summaries: Iterable[str]) -> frozenset[str]:
    """The summaries (as :func:`_summary_key` has them) that two or more entries carry.

    A summary is compared by its first SUMMARY_KEY_CHARS characters of markup: a tagline
    repeated on every item is short, and a hostile one (half a megabyte of nested lists)
    is never handed whole to the HTML parser, which takes seconds on such markup.
    """
    seen: set[str] = set()
    twice: set[str] = set()
    for summary in summaries:
        key = _summary_key(html_to_text(summary[:SUMMARY_KEY_CHARS]))
        if key:
            (twice if key in seen else seen).add(key)
    return frozenset(twice)


def _summary_key(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def _date(e: Mapping[str, Any], day_first: bool = False) -> tuple[datetime | None, bool]:
    """The entry's date, and whether the feed gave only a day ("2026-11-25"): that is
    taken as noon UTC, the same calendar day in every zone from UTC-11 to UTC+11.

    A date written in numbers ("08/02/2013 12:00:00", "2013.02.08") is read here, not
    by feedparser, which reads the one and misreads the other (as 1 December);
    *day_first* says which of "08/02" is the day (:func:`_day_first`)."""
    for key in ("published", "updated", "created"):
        numeric = _numeric_date(str(e.get(key) or ""), day_first)
        if numeric is not None:
            return numeric
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
# "08/02/2013", "8.2.2013 14:30", "2013.02.08", "2013/02/08 10:00:00 +0100", "08-02-2013 2:30 PM"
_NUMERIC_DATE = re.compile(
    r"""\s*(?:(?P<y1>\d{4})(?P<s1>[./-])(?P<m1>\d{1,2})(?P=s1)(?P<d1>\d{1,2})
    |(?P<a>\d{1,2})(?P<s2>[./-])(?P<b>\d{1,2})(?P=s2)(?P<y2>\d{4}))
    (?:[\sT,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?
    \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*""",
    re.VERBOSE,
)
# Languages whose numeric dates put the month first ("02/08/2013" is 8 February).
_MONTH_FIRST_LANGUAGES = ("en-us", "en_us", "en-ph", "en-ca", "fil", "tl")


def _numeric_date(raw: str, day_first: bool) -> tuple[datetime, bool] | None:
    """A date written in numbers as (moment, date_only), or None for any other form.
    Without a zone the time is UTC; a day with no time is noon UTC, as :func:`_date`."""
    match = _NUMERIC_DATE.fullmatch(raw)
    if not match:
        return None
    g = match.groupdict()
    if g["y1"]:
        year, month, day = int(g["y1"]), int(g["m1"]), int(g["d1"])
    else:
        a, b, year = int(g["a"]), int(g["b"]), int(g["y2"])
        # the order the feed uses, unless this date can only be read one way
        first_is_day = (day_first or a > 12 or g["s2"] == ".") and b <= 12
        day, month = (a, b) if first_is_day else (b, a)
    hour, minute, second = int(g["h"] or 12), int(g["mi"] or 0), int(g["s"] or 0)
    if g["ampm"] and g["h"]:
        hour = hour % 12 + (12 if g["ampm"][0] in "Pp" else 0)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    tz = g["tz"] or ""
    if tz[:1] in "+-" and tz:
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment -= offset if tz[0] == "+" else -offset
    return moment, not g["h"]


def _day_first(raw: Sequence[Mapping[str, Any]], language: str) -> bool:
    """Whether the feed writes "08/02/2013" for 8 February: a first number above 12 in
    any of its dates says so, a second number above 12 says not; else its language
    (month first only in the few that write it so: en-US and the like)."""
    firsts: list[int] = []
    seconds: list[int] = []
    for e in raw:
        for key in ("published", "updated", "created"):
            match = _NUMERIC_DATE.fullmatch(str(e.get(key) or ""))
            if match and match.group("a"):
                firsts.append(int(match.group("a")))
                seconds.append(int(match.group("b")))
    if any(n > 12 for n in firsts):
        return True
    if any(n > 12 for n in seconds):
        return False
    language = language.strip().lower()
    return bool(language) and not language.startswith(_MONTH_FIRST_LANGUAGES) and language != "en"


_LANGUAGE = re.compile(rb"<(?:\w+:)?language>\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*<")
_XML_LANG = re.compile(rb"<(?:rss|feed|channel|rdf:RDF)\b[^>]*\bxml:lang=[\"']([A-Za-z-]{2,35})")


def _language(body: bytes) -> str:
    """The feed's declared language (``<language>``, or ``xml:lang`` on its root), read
    from the document's head: the fast XML path does not keep it."""
    head = body[:8192]
    match = _LANGUAGE.search(head) or _XML_LANG.search(head)
    return match.group(1).decode("ascii") if match else ""


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def language_tag(value: object) -> str:
    """*value* as a BCP 47 language tag ("pt-BR", "ja"), or "" when it is not one
    (feeds write "en_US", "EN-us " or nonsense)."""
    text = str(value or "").strip().replace("_", "-")
    if not _LANGUAGE_TAG.fullmatch(text):
        return ""
    primary, _, rest = text.partition("-")
    return primary.lower() + ("-" + rest if rest else "")


def _entry_language(e: Mapping[str, Any]) -> str:
    """The language an entry declares (``xml:lang`` on its content, summary or title,
    or on the entry itself, as feedparser passes it down), or ""."""
    for content in e.get("content") or ():
        if tag := language_tag(content.get("language")):
            return tag
    for key in ("summary_detail", "title_detail"):
        if tag := language_tag((e.get(key) or {}).get("language")):
            return tag
    return ""


def _categories(e: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for tag in e.get("tags") or ():
        for value in (tag.get("term"), tag.get("label")):
            text = plain(str(value or ""))
            if text and text not in found:
                found.append(text)
    return tuple(found)


def _media(e: Mapping[str, Any], base: str) -> list[Candidate]:
    """The feed's own pictures for the entry: media:content, media:thumbnail, then image
    enclosures, each with its size and type as the feed gives them."""
    found: list[Candidate] = []
    contents = [
        m
        for m in e.get("media_content") or ()
        if m.get("medium") == "image"
        or str(m.get("type", "")).startswith("image/")
        or (not m.get("medium") and IMAGE_SUFFIX.search(str(m.get("url", ""))))
    ]
    enclosures = [
        {"url": enc.get("href"), "type": enc.get("type")}
        for enc in e.get("enclosures") or ()
        if str(enc.get("type", "")).startswith("image/")
    ]
    for candidate in [*contents, *(e.get("media_thumbnail") or ()), *enclosures]:
        url = absolute_url(str(candidate.get("url") or ""), base)
        if url:
            width, height = _int(candidate.get("width")), _int(candidate.get("height"))
            found.append(Candidate(url, width, height, kind=str(candidate.get("type") or "")))
    return found


def _raw_images(e: Mapping[str, Any], feed_url: str) -> frozenset[str]:
    """Every picture URL the raw entry names (media and ``<img>``), to find the ones
    repeated across the feed's items."""
    base = _base(e, feed_url)
    markups = [str(c.get("value") or "") for c in e.get("content") or ()]
    markups.append(str(e.get("summary") or ""))
    media = {c.url for c in _media(e, base)}
    return raw_image_urls(markups, base) | media


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
    repeated = repeated_images([_json_images(i, base) for i in items[:max_items]])
    shared = shared_summaries(str(i.get("summary") or "") for i in items[:max_items])
    entries = _unique(_json_entry(i, base, known, repeated, shared) for i in items[: max_items * 2])
    language = language_tag(data.get("language"))  # JSON Feed 1.1: the feed's, items' own
    entries = [e if e.lang else replace(e, lang=language) for e in entries[:max_items]]
    fresh = tuple(e for e in entries if e.guid not in known)
    carried = tuple(e.guid for e in entries if e.guid in known)
    return FeedRead(ParsedFeed(plain(str(data.get("title", ""))), base, fresh), carried)


def _json_images(item: Mapping[str, Any], base: str) -> frozenset[str]:
    """Every picture URL a JSON Feed item names, for :func:`repeated_images`."""
    own = {absolute_url(str(item.get(k) or ""), base) for k in ("image", "banner_image")}
    urls = raw_image_urls([str(item.get("content_html") or "")], base)
    return urls | {url for url in own if url}


def _json_entry(
    item: Mapping[str, Any],
    base: str,
    known: AbstractSet[str],
    repeated: AbstractSet[str] = frozenset(),
    shared: AbstractSet[str] = frozenset(),
) -> Entry:
    link = absolute_url(str(item.get("url") or item.get("external_url") or ""), base) or ""
    cheap = str(item.get("id") or link)
    if cheap and cheap in known:  # stored already: only its guid matters
        return Entry(guid=cheap, title="", link=link, published=None, html="")
    markup = str(item.get("content_html") or "")
    if not markup and item.get("content_text"):
        markup = text_to_html(str(item["content_text"]))
    if not markup and item.get("summary"):
        markup = text_to_html(str(item["summary"]))
    elif item.get("summary"):  # JSON Feed's summary: "a plain text sentence or two"
        markup = with_summary(str(item["summary"]), markup, shared)
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
        image=choose_image([Candidate(image_url)] if image_url else [], body, title, repeated),
        lang=language_tag(item.get("language")),
    )


def _iso_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
