"""The charset of a document that names none: a maintained detector's answer, or none.

A feed (or an article page) usually says how its bytes are text: a byte order mark, the
``charset`` of its Content-Type, the ``encoding`` of its XML declaration (or, for a page,
a ``<meta charset>``). Those are always respected, and so is UTF-8, which is what XML
without a declaration means. What is left is a document that says nothing and is not
UTF-8: a KOI8-R, Shift_JIS or windows-1255 feed served as ``text/xml`` with no charset.
feedparser reads those as windows-1252 (its last resort), which shows Russian, Japanese or
Hebrew as mojibake. Here charset-normalizer decides instead, but only where its answer is
worth more than that last resort:

- too little evidence (fewer than MIN_EVIDENCE bytes outside ASCII): no answer, because
  on a few words every detector guesses (KOI8-R "Привет мир" comes out as Thai);
- bytes that read cleanly as windows-1252 (a French or Portuguese feed in Latin-1, by
  far the common case): no answer, because that is what feedparser does already, and
  the detector's first choice among the Latin code pages (cp1250 for "crème" gives
  "crčme") is a worse guess than windows-1252;
- otherwise the detector's best match, unless it has none or only a windows-1252 look-alike.

No answer means the caller goes on as before, so a wrong guess here can only replace
mojibake with other mojibake, never good text with bad. ``feed_bytes`` hands an XML feed
to feedparser as UTF-8; ``undeclared_encoding`` is the decision alone, for a page.
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

# Bytes outside ASCII needed before a detector's answer is trusted: about ten words of
# Cyrillic or Hebrew, or thirty Japanese characters (measured: below about 40, KOI8-R and
# windows-1255 titles are taken for Thai, Korean or DOS code pages).
MIN_EVIDENCE = 64
# charset-normalizer's "chaos" of a decoding (0: reads like text, 1: noise) under which
# windows-1252 is taken as a fair reading: Western text scores 0.0, Greek, Cyrillic or
# Hebrew bytes read as windows-1252 score 0.35 and more.
WESTERN_CHAOS = 0.2
# Python's names for what feedparser's windows-1252 fallback gives anyway.
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_15", "ascii"})

_BOMS = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF32_LE,  # before UTF-16's, which it starts with
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*[\w.:-]""", re.I)
_XML_DECLARATION = re.compile(rb"""\A(\s*)<\?xml\b([^>]*?)\?>""")
_XML_ENCODING = re.compile(rb"""\bencoding\s*=""")
_XML_VERSION = re.compile(rb"""(\bversion\s*=\s*(?:"[^"]*"|'[^']*'))""")
_META_CHARSET = re.compile(rb"""<meta\b[^>]*charset\s*=""", re.I)
_NON_ASCII = bytes(range(128, 256))

log = logging.getLogger(__name__)


def undeclared_encoding(body: bytes, content_type: str | None, *, html: bool = False) -> str | None:
    """The Python codec name to read *body* with, when it declares no encoding of its own,
    is not UTF-8 and the detector is sure enough; else None (leave it to the parser).

    *html*: the document is a web page, whose ``<meta charset>`` is a declaration too.
    """
    if _declared(body, content_type, html):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return None
    return _detected(body)


def feed_bytes(body: bytes, content_type: str | None) -> bytes:
    """*body*, or, when :func:`undeclared_encoding` names an encoding for it, the same XML
    document in UTF-8 with a declaration that says so, for feedparser to read as it is."""
    encoding = undeclared_encoding(body, content_type)
    if encoding is None:
        return body
    text = body.decode(encoding).encode("utf-8")
    declaration = _XML_DECLARATION.match(text)
    if declaration is None:
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + text
    # A declaration without an encoding is given one, after its version as XML wants it
    # (before a standalone), where it stands: before it only the blank space some feeds
    # carry, which feedparser reads as it did.
    attributes, found = _XML_VERSION.subn(rb'\1 encoding="utf-8"', declaration.group(2), 1)
    if not found:
        attributes = b' version="1.0" encoding="utf-8"'
    head = declaration.group(1) + b"<?xml" + attributes + b"?>"
    return head + text[declaration.end() :]


def _declared(body: bytes, content_type: str | None, html: bool) -> bool:
    """True when the server or the document says how to read it (or UTF-16/32 shows it)."""
    if content_type and _CHARSET.search(content_type):
        return True
    if body.startswith(_BOMS) or b"\x00" in body[:4]:  # a BOM, or UTF-16/32 by its zeros
        return True
    head = body[:1024]
    declaration = _XML_DECLARATION.match(head)
    if declaration is not None and _XML_ENCODING.search(declaration.group(2)):
        return True
    return html and _META_CHARSET.search(head) is not None


def _detected(body: bytes) -> str | None:
    """charset-normalizer's answer for a body that is not UTF-8, when it beats windows-1252."""
    if len(body) - len(body.translate(None, _NON_ASCII)) < MIN_EVIDENCE:
        return None
    try:
        western = from_bytes(body, cp_isolation=["cp1252"], threshold=1.0).best()
        if western is not None and western.chaos < WESTERN_CHAOS:
            return None
        best = from_bytes(body).best()
    except Exception as exc:  # a heuristic's bug costs the guess only, never the feed
        log.debug("charset detection failed: %s", exc.__class__.__name__)
        return None
    if best is None or best.encoding in _WESTERN:
        return None
    try:
        body.decode(best.encoding)
    except (LookupError, UnicodeDecodeError):  # the detector read a sample, not all of it
        return None
    return best.encoding
