"""Full text for feeds that carry only a teaser (``full_text: true``).

Article pages are fetched with the same limits and politeness as feeds (one
request per distinct URL) and their main text extracted; the result replaces
the feed's teaser when it carries more text. The pipeline only asks for items
it has not stored yet, so each page is fetched once.

The extractor's job is recall: find the article's container and keep its
markup. Precision is left to ``blurb.story_paragraphs``, which knows figure,
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
"""

from __future__ import annotations

import html as html_lib
import importlib
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import lxml.etree
import lxml.html

from digest.blurb import story_paragraphs
from digest.chrome import drop_consent_banners
from digest.fetch import PAGE_ACCEPT, FetchLimits, FetchRequest, fetch_all
from digest.models import Entry, FetchResult
from digest.sanitize import sanitize_html

MAX_PAGE_BYTES = 5_000_000
_TAG = re.compile(r"<[^>]*>")
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# How an HTML page served without a Content-Type starts (after a BOM, blanks, an XML
# declaration or comments), as browsers sniff it.
_HTML_START = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*
        <(?:!doctype\s+html|html|head|body|title|meta|div|p|h1|article|script|style)[\s>/]""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
# Libraries whose progress notes are not the reader's business (readability-lxml says
# "ruthless removal did not work" at INFO on every short page): warnings and up only,
# unless someone configured them already.
QUIET_LOGGERS = ("readability", "trafilatura", "htmldate", "courlan", "justext")


def _quiet_libraries() -> None:
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


_quiet_libraries()


def extract_main_text(page: bytes | str, url: str) -> str:
    """The main text of an article page as HTML ("" if none is found).

    Uses readability-lxml when it is installed (its output keeps the article's
    markup), trafilatura otherwise (paragraphs of plain text).
    """
    readability = _readability()
    if readability is None:
        return _with_trafilatura(page, url)
    try:
        summary = readability.Document(page, url=url).summary(html_partial=True)
    except Exception:  # readability raises bare Exception subclasses on unusable pages
        return _with_trafilatura(page, url)
    main = _without_consent_banners(str(summary))
    return main if _text_length(main) else ""


def _readability() -> Any:
    """The readability module, or None when readability-lxml is not installed."""
    try:
        return importlib.import_module("readability")  # optional, and without type hints
    except ImportError:
        return None


def _without_consent_banners(markup: str) -> str:
    """*markup* less its cookie and consent banners (by class, id or dialog label)."""
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return markup
    drop_consent_banners(root)
    inner = "".join(str(lxml.html.tostring(el, encoding="unicode")) for el in root)
    return html_lib.escape(root.text or "") + inner


def _with_trafilatura(page: bytes | str, url: str) -> str:
    import trafilatura

    text = trafilatura.extract(
        page,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_recall=True,  # blurb.story_paragraphs removes the chrome this lets through
        deduplicate=True,
    )
    if not text:
        return ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)


def with_full_text(entries: Sequence[Entry], limits: FetchLimits) -> list[Entry]:
    """Entries whose html is replaced by their article's main text where that is richer.

    Pages that fail to fetch, are not HTML or yield no text leave their entry as it was.
    """
    links = list(dict.fromkeys(e.link for e in entries if e.link))
    if not links:
        return list(entries)
    page_limits = replace(limits, max_bytes=min(limits.max_bytes, MAX_PAGE_BYTES))
    results = fetch_all([FetchRequest(link, accept=PAGE_ACCEPT) for link in links], page_limits)
    texts = {
        link: extract_main_text(_decoded(result), result.new_url or link)
        for link, result in zip(links, results)
        if result.status == "ok" and result.body and is_html(result)
    }
    out = []
    for entry in entries:
        text = texts.get(entry.link, "")
        if _story_length(text) > _story_length(entry.html):
            entry = replace(entry, html=sanitize_html(text, entry.link))
        out.append(entry)
    return out


def is_html(result: FetchResult) -> bool:
    """True for an HTML page: by its Content-Type, or by how it starts when it has none."""
    media = (result.content_type or "").partition(";")[0].strip().lower()
    if media:
        return media in HTML_TYPES
    return bool(_HTML_START.match(result.body[:4096]))


def _decoded(result: FetchResult) -> bytes | str:
    """The page as text when the server named its charset, else bytes for the extractor
    to sniff (``<meta charset>``)."""
    match = _CHARSET.search(result.content_type or "")
    if match:
        try:
            return result.body.decode(match.group(1), errors="replace")
        except LookupError:
            pass
    return result.body


def _text_length(markup: str) -> int:
    return len(html_lib.unescape(_TAG.sub("", markup)).strip())


def _story_length(markup: str) -> int:
    """How much story, less page chrome, *markup* carries: what the blurb is made from."""
    return sum(len(p) for p in story_paragraphs(markup))
