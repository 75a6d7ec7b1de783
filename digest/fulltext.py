"""Full text for feeds that carry only a teaser (``full_text: true``).

Article pages are fetched with the same limits and politeness as feeds (one
request per distinct URL) and their main text extracted; the result replaces
the feed's teaser when it carries more text. The pipeline only asks for items
it has not stored yet, so each page is fetched once.

The extractor's job is recall: find the article's container and keep its
markup (``storytext.extract_main_text``). Precision is left to
``storytext.story_paragraphs``, which knows figure,
aside, share bars and link lists by their markup and credits, calls to action
and bylines by their words. Measured on the hand-written pages in
``tests/data/blurbs/pages`` (English, German, Portuguese, Korean, Chinese,
a short story under a long comment thread, a body split around ads),
readability-lxml kept every lead paragraph and, after that filter, no chrome,
in about 1.5 ms a page; trafilatura in precision mode (the former choice)
dropped a German lead paragraph and took about 8 ms; trafilatura in recall mode
kept every lead but returns flat text, so three pieces of chrome (an inline
"read also" link, a "latest news" link, a newsletter promotion) reached the
story paragraphs. So readability-lxml is used when installed, trafilatura in
recall mode otherwise.

Only HTML pages are read (``text/html``, ``application/xhtml+xml``; a page served
without a type when it starts like one): an item that links to its PDF, an image,
a JSON or XML document keeps the feed's own text, as when the page fails to fetch.
Cookie and consent banners are taken out of what the extractor returns by their
class or id (``chrome.drop_consent_banners``) here, since the sanitizer keeps class
names only; a banner without such markup is known to the blurb by its words
(``chrome.is_consent``).

A page that cannot be read costs that page only: a failed fetch, an empty page, one
the extractor raises on (of any kind: lxml asserts, readability raises bare
Exceptions) or that yields no text or unreadable text (binary bytes, a wrong charset)
leaves its item's teaser and is named in a note on the feed's fetch report. A charset
the server names is used only when web pages are written in it (``_PAGE_CODECS``);
Python codecs such as ``undefined``, ``idna``, ``rot13`` or ``zlib_codec`` are left
for the extractor to sniff from the page itself. Pages are fetched through a window
of PAGE_WINDOW and extracted as each arrives, so only their stories are kept.
"""

from __future__ import annotations

import codecs
import html as html_lib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from digest.fetch import PAGE_ACCEPT, FetchLimits, FetchRequest, fetch_each
from digest.links import shown_url
from digest.models import Entry, FetchResult, Image
from digest.pictures import page_image
from digest.sanitize import sanitize_html, server_text
from digest.storytext import extract_main_text, story_length

MAX_PAGE_BYTES = 5_000_000
PAGE_WINDOW = 8  # article pages fetched but not yet extracted: bounds the pages held
GARBLED_SHARE = 20  # text with more than 1 character in 20 unreadable is not a story
_TAG = re.compile(r"<[^>]*>")
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
# The charsets of the WHATWG Encoding Standard (what browsers read pages in) and the few
# common labels it folds into them, by Python's name for each.
_PAGE_CODECS = frozenset(
    codecs.lookup(label).name
    for label in (
        "utf-8",
        "utf-8-sig",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "ascii",
        "latin-1",
        "iso-8859-2",
        "iso-8859-3",
        "iso-8859-4",
        "iso-8859-5",
        "iso-8859-6",
        "iso-8859-7",
        "iso-8859-8",
        "iso-8859-9",
        "iso-8859-10",
        "iso-8859-11",
        "iso-8859-13",
        "iso-8859-14",
        "iso-8859-15",
        "iso-8859-16",
        "cp866",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        "cp1250",
        "cp1251",
        "cp1252",
        "cp1253",
        "cp1254",
        "cp1255",
        "cp1256",
        "cp1257",
        "cp1258",
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "big5hkscs",
        "euc-jp",
        "iso-2022-jp",
        "shift_jis",
        "cp932",
        "euc-kr",
        "cp949",
    )
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# How an HTML page served without a Content-Type starts (after a BOM, blanks, an XML
# declaration or comments), as browsers sniff it.
_HTML_START = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*
        <(?:!doctype\s+html|html|head|body|title|meta|div|p|h1|article|script|style)[\s>/]""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class FullText:
    """The entries of one feed with their article's text, and one line for each page
    that could not be read (its entry kept the feed's text)."""

    entries: tuple[Entry, ...]
    problems: tuple[str, ...] = ()

    def note(self) -> str | None:
        """The problems in one short line for the feed's report ("2 article pages could
        not be read: URL: why; …"), or None when every page was read."""
        if not self.problems:
            return None
        count = len(self.problems)
        pages = "1 article page" if count == 1 else f"{count} article pages"
        more = f" (and {count - 1} more)" if count > 1 else ""
        return f"{pages} could not be read: {self.problems[0]}{more}"


@dataclass(frozen=True)
class _Page:
    """What one article page gave: its story (sanitised) and how long it is, or why not."""

    html: str = ""
    length: int = 0
    problem: str = ""
    image: Image | None = None  # the page's own picture (og:image, or its article's largest)


def with_full_text(entries: Sequence[Entry], limits: FetchLimits) -> list[Entry]:
    """Entries whose html is replaced by their article's main text where that is richer.

    Pages that fail to fetch or to be read, are not HTML or yield no text leave their
    entry as it was (:func:`read_full_text` says which pages failed and why).
    """
    return list(read_full_text(entries, limits).entries)


def read_full_text(entries: Sequence[Entry], limits: FetchLimits) -> FullText:
    """Entries whose html is replaced by their article's main text where that is richer,
    and what went wrong with each page that could not be read. Never raises for a page.

    Pages are fetched through a window of PAGE_WINDOW and each is extracted as it
    arrives, keeping only its story: memory holds a few pages, not the feed's.
    """
    links = list(dict.fromkeys(e.link for e in entries if e.link))
    if not links:
        return FullText(tuple(entries))
    page_limits = replace(limits, max_bytes=min(limits.max_bytes, MAX_PAGE_BYTES))

    async def handle(index: int, result: FetchResult) -> _Page:
        return _read_page(links[index], result)

    requests = [FetchRequest(link, accept=PAGE_ACCEPT) for link in links]
    pages = dict(zip(links, fetch_each(requests, page_limits, handle, window=PAGE_WINDOW)))
    out = []
    for entry in entries:
        page = pages.get(entry.link) or _Page()
        if page.length and page.length > _teaser_length(entry.html):
            entry = replace(entry, html=page.html)
        if entry.image is None and page.image is not None:
            entry = replace(entry, image=page.image)  # the feed gave none: the page's own
        out.append(entry)
    problems = tuple(
        f"{shown_url(link)}: {page.problem}" for link, page in pages.items() if page.problem
    )
    return FullText(tuple(out), problems)


def _read_page(link: str, result: FetchResult) -> _Page:
    """The story of one fetched article page, or why it could not be read."""
    if result.status == "error":
        return _Page(problem=server_text(result.error or "no response"))
    if result.status != "ok" or not is_html(result):
        return _Page()  # not a page to read: the feed's text is what there is
    if not result.body:
        return _Page(problem="the page is empty")
    try:
        text = extract_main_text(_decoded(result), result.new_url or link)
        if _garbled(text):
            return _Page(problem="no readable text (binary, or a wrong charset)")
        if not text:
            return _Page(problem="no text found on the page")
        story = sanitize_html(text, link)
        return _Page(story, story_length(story), image=_picture(result, link))
    except Exception as exc:
        # Any failure of the libraries on one hostile page (lxml asserts, readability
        # raises bare Exceptions, deep markup a RecursionError…) costs that page only:
        # its entry keeps the teaser, and the feed's report says why.
        return _Page(problem=server_text(f"the extractor failed ({_what(exc)})"))


def _picture(result: FetchResult, link: str) -> Image | None:
    """The page's own picture; a page whose markup defeats the picture rules has none."""
    try:
        return page_image(result.body, result.new_url or link)
    except Exception:  # the story is read all the same
        return None


def _what(exc: BaseException) -> str:
    """An exception as a short phrase: its type, and its message when it has one."""
    try:
        message = str(exc).strip().partition("\n")[0]
    except Exception:  # an exception whose message cannot even be made
        message = ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _teaser_length(markup: str) -> int:
    try:
        return story_length(markup)
    except Exception:  # the feed's text is kept, whatever the blurb's rules make of it
        return 0


def is_html(result: FetchResult) -> bool:
    """True for an HTML page: by its Content-Type, or by how it starts when it has none."""
    media = (result.content_type or "").partition(";")[0].strip().lower()
    if media:
        return media in HTML_TYPES
    return bool(_HTML_START.match(result.body[:4096]))


def _decoded(result: FetchResult) -> bytes | str:
    """The page as text when the server named a charset that web pages are written in,
    else bytes for the extractor to sniff (``<meta charset>``, a BOM, the bytes: both
    readability-lxml and trafilatura detect an undeclared KOI8-R or Shift_JIS page)."""
    match = _CHARSET.search(result.content_type or "")
    codec = _page_codec(match.group(1)) if match else None
    if codec:
        try:
            return result.body.decode(codec, errors="replace")
        except (UnicodeError, LookupError, ValueError):  # a codec that fails even so
            pass
    return result.body


def _page_codec(name: str) -> str | None:
    """Python's name for charset *name* when it is one web pages are written in, else None.

    A whitelist, not "any codec Python has": ``undefined``, ``idna`` and ``punycode`` are
    text encodings to Python but raise on any page, ``rot13`` or ``zlib_codec`` are not
    text encodings at all, and none of them is a page's charset.
    """
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name not in _PAGE_CODECS:
        return None
    return info.name


def _garbled(markup: str) -> bool:
    """True when more than one character in GARBLED_SHARE of *markup*'s text is a
    replacement character, a control or an unassigned code point: binary bytes, or a
    page decoded with the wrong charset, not words."""
    text = html_lib.unescape(_TAG.sub("", markup))
    if not text:
        return False
    bad = sum(1 for c in text if c == "\ufffd" or _bad_category(c))
    return bad * GARBLED_SHARE > len(text)


def _bad_category(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in {"Cc", "Cn", "Co", "Cs"}
