"""Feed documents (RSS, Atom, RDF) to feedparser's fields, through its public API only.

Split from ``parse.py`` so that importing the pipeline costs nothing of this: feedparser
and its set-up are loaded by the first document parsed (in a parse worker, or not at all
on a run where every feed answers 304 Not Modified).

feedparser is called the documented way, ``feedparser.parse(stream, response_headers=...,
sanitize_html=False, resolve_relative_uris=False)``: digest sanitises and resolves URLs
itself, once, in ``sanitize.py``. A document that names no encoding and is not UTF-8 is
transcoded first by ``charset.feed_bytes`` (a detector's answer, where it is sure), so a
KOI8-R or Shift_JIS feed served without a charset is not read as windows-1252.

Why no fast path of our own. Until issue 14 an lxml reader beside feedparser computed its
fields by feedparser's rules, importing four of its private names. Measured on the real
corpus (``bench/parse.py``, 75 XML documents, best of 5, 2 cores, load about 1.4): it took
23 documents, reading those 8x faster, but the whole parse (fields, mapping, sanitiser) of
the corpus went from 2484 ms to 2301 ms, 1.08x, and ``digest fetch`` of the corpus took
the same 3.4-3.7 s either way. Not worth a second parser that feedparser's next release
can break.

The feedparser versions the corpus and feed tests passed on are FEEDPARSER_TESTED;
pyproject.toml pins the same range, and tests/test_feedxml.py fails, saying so, when the
installed feedparser is outside it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax import SAXParseException

import feedparser

from digest.charset import feed_bytes
from digest.errors import FeedError

# The feedparser releases digest is tested on: from the first (inclusive) up to the
# second (exclusive). pyproject.toml's requirement is FEEDPARSER_REQUIREMENT.
FEEDPARSER_TESTED = ((6, 0, 11), (6, 1))
FEEDPARSER_REQUIREMENT = "feedparser>={},<{}".format(
    *(".".join(map(str, bound)) for bound in FEEDPARSER_TESTED)
)


@dataclass(frozen=True)
class Document:
    """What digest reads of a feed document, in feedparser's shapes (dicts of its keys)."""

    version: str
    feed: Mapping[str, Any]
    entries: Sequence[Mapping[str, Any]]

    @property
    def atom(self) -> bool:
        """True for Atom feeds, whose titles say whether they are HTML."""
        return self.version.startswith("atom")


def read_document(body: bytes, url: str, content_type: str | None = None) -> Document:
    """The feed's fields as feedparser reads them (its sanitiser and URI resolver off).

    *url* is where the document came from (relative links resolve against it);
    *content_type* the server's Content-Type, whose charset, if any, is respected.
    Raises FeedError when the document is not a feed at all.
    """
    data = feed_bytes(body, content_type)
    try:  # a BytesIO, not the bytes: feedparser tries to open a bytes argument as a file name
        parsed = feedparser.parse(
            io.BytesIO(data),
            response_headers=_headers(url, content_type),
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # its loose parser trips on some broken documents
        reason = f"not a feed: feedparser cannot read it ({exc.__class__.__name__})"
        raise FeedError(reason, url=url) from None
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(_not_a_feed(body, parsed, content_type), url=url)
    return Document(str(parsed.get("version", "")), parsed.get("feed", {}), parsed.entries)


def _headers(url: str, content_type: str | None) -> dict[str, str]:
    """The response headers feedparser is told of: the document's URL, and the
    Content-Type only when it names a charset (without one, feedparser would put RFC
    3023's default, US-ASCII for ``text/xml``, before the document's own declaration)."""
    headers = {"content-location": url}
    if content_type and "charset=" in content_type.lower():
        headers["content-type"] = content_type
    return headers


_HTML_MARKERS = (b"<html", b"<!doctype html", b"<head", b"<body")


def _not_a_feed(body: bytes, data: Mapping[str, Any], content_type: str | None = None) -> str:
    """Why *body* is not a feed, in words a person understands."""
    text = body[:2048].lower()
    if not body.strip():
        return "not a feed: the response was empty"
    html_type = (content_type or "").lower().startswith("text/html")
    if html_type or any(marker in text for marker in _HTML_MARKERS):
        return "not a feed: got an HTML page"
    if any(byte in _BINARY for byte in body[:512]):
        return "not a feed: got binary data, not text"
    reason = data.get("bozo_exception")
    if not body.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<"):
        return "not a feed: got text that is neither XML nor JSON"
    if isinstance(reason, SAXParseException):  # expat's words ("mismatched tag")
        problem = re.sub(r"^not well-formed \((.*)\)$", r"\1", reason.getMessage())
        return f"not a feed: broken XML ({problem})"
    root = _ROOT.search(body[:4096])
    if root and not data.get("version"):
        name = root.group(1).decode("ascii", "replace")
        return f"not a feed: an XML document of <{name}>, not RSS, Atom or RDF"
    return f"not a feed: {_short(str(reason))}" if reason else "not a feed"


# C0 control bytes no text document holds (NUL is left out: UTF-16 text is full of it).
_BINARY = frozenset([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# The root element's name: the first tag that is not a declaration, comment or PI.
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]{0,60})")


def _short(text: str) -> str:
    return text.splitlines()[0][:120] if text else ""
