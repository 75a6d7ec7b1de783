"""Feed documents (RSS, Atom, RDF) to feedparser's fields: lxml where exact, else feedparser.

Split from ``parse.py`` so that importing the pipeline costs nothing of this: feedparser,
lxml and their set-up are loaded by the first document parsed (in a parse worker, or not
at all on a run where every feed answers 304 Not Modified).
"""

from __future__ import annotations

import contextlib
import io
import pyexpat
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax import SAXParseException

import feedparser
from feedparser.datetimes import _parse_date as _feedparser_date
from feedparser.encodings import convert_to_utf8
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import replace_doctype
from feedparser.urls import _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict
from lxml import etree

from digest.errors import FeedError
from digest.links import quick_join


@dataclass(frozen=True)
class Document:
    """What digest reads of a feed document, in feedparser's shapes (dicts of its keys)."""

    version: str
    feed: Mapping[str, Any]
    entries: Sequence[Mapping[str, Any]]
    fast: bool

    @property
    def atom(self) -> bool:
        """True for Atom feeds, whose titles say whether they are HTML."""
        return self.version.startswith("atom")


def read_document(body: bytes, url: str, content_type: str | None = None) -> Document:
    """The feed's fields: by the fast path when it applies, else by feedparser.

    Raises FeedError when the document is not a feed at all.
    """
    fast = fast_document(body, url, content_type)
    if fast is not None:
        return fast
    return feedparser_document(body, url, content_type)


def feedparser_document(body: bytes, url: str, content_type: str | None = None) -> Document:
    """The feed's fields as feedparser reads them (its sanitiser and URI resolver off).

    Raises FeedError when the document is not a feed at all.
    """
    try:  # a BytesIO, not the bytes: feedparser tries to open a bytes argument as a file name
        data = feedparser.parse(
            io.BytesIO(body),
            response_headers=_headers(url, content_type),
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # its loose parser trips on some broken documents
        reason = f"not a feed: feedparser cannot read it ({exc.__class__.__name__})"
        raise FeedError(reason, url=url) from None
    if not data.get("version") and not data.entries:
        raise FeedError(_not_a_feed(body, data, content_type), url=url)
    return Document(str(data.get("version", "")), data.get("feed", {}), data.entries, False)


def _headers(url: str, content_type: str | None) -> dict[str, str]:
    headers = {"content-location": url}
    if content_type and "charset=" in content_type.lower():
        headers["content-type"] = content_type
    return headers


# --- the fast path -------------------------------------------------------------------------
#
# feedparser runs a Python handler for every element and every run of text; that is most
# of the cost of a fetch. For the common case (a well-formed RSS 2.0 or Atom 1.0 document
# made only of the elements below) lxml builds the tree in C and the fields digest reads
# are computed here by feedparser's own rules, with feedparser's own helpers for the hard
# parts (encoding detection, DOCTYPE handling, URL joining, date parsing, the HTML guess,
# the cp1252 fix-ups). Any element outside this vocabulary, any duplicate that would make
# order matter, any nesting we do not model, any document expat rejects: ``None``, and
# feedparser reads the document as before. tests/test_parse.py checks both paths agree on
# every file of the shared corpus.

_ATOM = "http://www.w3.org/2005/Atom"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_NAMESPACES = {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()}
_PREFIXES = frozenset(v for v in _NAMESPACES.values() if v)
_CAN_BE_RELATIVE = frozenset(_FeedParserMixin.can_be_relative_uri)
_HTML_TYPES = frozenset(_FeedParserMixin.html_types)
_OTHER_VERSIONS = re.compile(
    rb"""["']\s*http://(purl\.org/rss/1\.0/|my\.netscape\.com/rdf/simple/0\.9/)\s*["']""", re.I
)
_C1 = re.compile("[\x80-\x9f]")
_ENTITY_IN_LINK = re.compile("&([A-Za-z0-9_]+);")
# Keys of an entry digest reads, and the keys feedparser stores under them: an element
# without a handler of its own is stored under its name, which must not be one of these.
_READ_KEYS = frozenset(
    "title title_detail link links id guidislink content summary summary_detail published"
    " published_parsed updated updated_parsed created created_parsed tags author author_detail"
    " authors media_thumbnail media_content enclosures category href url".split()
) | frozenset(k for k in FeedParserDict.keymap)
# Leaf elements with a feedparser handler that only stores keys digest never reads.
_HARMLESS = frozenset(
    "language rights copyright expirationdate itunes_subtitle itunes_image itunes_explicit"
    " itunes_block media_rating media_credit media_restriction media_license media_player"
    " newlocation generator cloud".split()
)
_PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms_issued"})
_UPDATED = frozenset({"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"})
_AUTHORS = frozenset({"author", "dc_creator", "dc_author", "itunes_author"})
_ONCE = {name: "published" for name in _PUBLISHED} | {name: "updated" for name in _UPDATED}
_ONCE |= {name: "author" for name in _AUTHORS} | {
    "created": "created",
    "dcterms_created": "created",
}
_ONCE |= {"title": "title", "guid": "id", "id": "id", "description": "summary"}
_ONCE |= {"summary": "summary", "content_encoded": "content_encoded"}
# Children that keep feedparser "in the image" of an RSS channel (see unknown_starttag).
_IMAGE_CHILDREN = frozenset({"title", "link", "description", "url", "width", "height"})
_FEED_SUBTREES = {
    "author": frozenset({"name", "email", "uri", "url"}),
    "itunes_owner": frozenset({"itunes_name", "itunes_email"}),
    "itunes_category": frozenset({"itunes_category"}),
    "skiphours": frozenset({"hour"}),
    "skipdays": frozenset({"day"}),
}


class _Unsupported(Exception):
    """The document uses something the fast path does not model: feedparser reads it."""


def fast_document(body: bytes, url: str, content_type: str | None = None) -> Document | None:
    """The feed's fields read with lxml, or None when only feedparser can read it exactly."""
    if not url:
        return None
    try:
        return _FastReader(url).read(body, _headers(url, content_type))
    except _Unsupported:
        return None


class _FastReader:
    """Reads a well-formed RSS 2.0 or Atom 1.0 document as feedparser's strict parser does."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.bases: dict[tuple[str, str], str] = {}

    def read(self, body: bytes, headers: dict[str, str]) -> Document:
        """The document's fields; raises _Unsupported."""
        root = self._tree(body, headers)
        start = make_safe_absolute_uri("", self.url) or make_safe_absolute_uri(self.url) or ""
        base = self._base(start, root)
        if root.tag == "rss" and str(root.get("version", "")).startswith("2."):
            channels = list(_elements(root))
            if len(channels) != 1 or channels[0].tag != "channel":
                raise _Unsupported
            channel = channels[0]
            version, items_tag = "rss20", "item"
            base = self._base(base, channel)
            if channel.get("href") is not None or channel.get("lastmod") is not None:
                raise _Unsupported
        elif root.tag == f"{{{_ATOM}}}feed":
            channel, version, items_tag = root, "atom10", f"{{{_ATOM}}}entry"
        else:
            raise _Unsupported
        items = [child for child in channel if child.tag == items_tag]
        if sum(1 for _ in root.iter(items_tag)) != len(items):
            raise _Unsupported  # items elsewhere than in the channel
        atom = version == "atom10"
        feed = self._feed(channel, base, atom, items_tag)
        entries = [self._entry(item, base, atom) for item in items]
        return Document(version, feed, entries, True)

    # the document -------------------------------------------------------------------------

    def _tree(self, body: bytes, headers: dict[str, str]) -> Any:
        result: dict[str, Any] = {}
        data = convert_to_utf8(headers, body, result)
        if not result.get("encoding"):
            raise _Unsupported  # feedparser's loose parser would read it
        doctype_version, data, entities = replace_doctype(data)
        if doctype_version or entities or _other_version(data):
            raise _Unsupported
        expat = pyexpat.ParserCreate(namespace_separator=" ")
        try:  # the strict parser's own verdict: where expat fails, feedparser goes loose
            expat.Parse(data, True)
        except pyexpat.ExpatError:
            raise _Unsupported from None
        try:
            return etree.fromstring(data, _PARSER)
        except etree.LxmlError:
            raise _Unsupported from None

    def _base(self, current: str, element: Any) -> str:
        """feedparser's base URI inside *element* (its xml:base rules, memoised)."""
        given = None
        if element.attrib:
            attrs = _attributes(element)
            given = attrs.get("xml:base", attrs.get("base"))
        key = (current, given or current)
        found = self.bases.get(key)
        if found is None:
            if current:
                found = make_safe_absolute_uri(current, key[1]) or current
            else:
                found = _urljoin(current, key[1])
            if not found:
                raise _Unsupported
            self.bases[key] = found
        return found

    # the channel --------------------------------------------------------------------------

    def _feed(self, channel: Any, base: str, atom: bool, items_tag: str) -> dict[str, Any]:
        feed: dict[str, Any] = {}
        titles = 0
        for child in _elements(channel):
            if child.tag == items_tag:
                continue
            name = _name(child)
            inner = self._base(base, child)
            if name == "title":
                titles += 1
                if titles > 1:
                    raise _Unsupported
                value, kind = self._content(child, "text/plain", guess=not atom)
                feed["title"] = value
                feed["title_detail"] = {"type": kind, "base": inner, "value": value}
            elif name == "link":
                self._feed_link(feed, child, inner)
            elif name in ("guid", "id"):
                if "id" in feed:
                    raise _Unsupported
                self._guid(feed, child, inner)
            elif name == "image" and not atom:
                _check_image(child)
            else:
                _check_feed_element(child, name)
        return feed

    def _feed_link(self, feed: dict[str, Any], element: Any, base: str) -> None:
        attrs, has_href = self._link_attrs(element, base)
        links = feed.setdefault("links", [])
        links.append(attrs)
        if has_href:
            if attrs.get("rel") == "alternate" and _map_type(attrs.get("type")) in _HTML_TYPES:
                feed["link"] = attrs["href"]
            return
        if "text_link" in feed:
            raise _Unsupported
        feed["text_link"] = True
        value = self._pop(element, "link", base)
        value = _ENTITY_IN_LINK.sub(r"&\g<1>", value)
        feed["link"] = value
        links[-1]["href"] = value

    # an item --------------------------------------------------------------------------------

    def _entry(self, item: Any, base: str, atom: bool) -> dict[str, Any]:
        if item.attrib and {"href", "lastmod", "rdf:about"} & _attributes(item).keys():
            raise _Unsupported  # feedparser takes these as the entry's link, date or id
        base = self._base(base, item)
        e: dict[str, Any] = {}
        seen: set[str] = set()
        state = _ItemState()
        for child in _elements(item):
            name = _name(child)
            once = _ONCE.get(name)
            if once is not None:
                if once in seen:
                    raise _Unsupported
                seen.add(once)
            self._item_element(e, state, child, name, self._base(base, child), atom)
        e.pop("text_link", None)
        if "links" in e:  # FeedParserDict computes this key from the links
            e["enclosures"] = [
                {k: v for k, v in link.items() if k != "rel"}
                for link in e["links"]
                if link["rel"] == "enclosure"
            ]
        return e

    def _item_element(
        self, e: dict[str, Any], state: _ItemState, el: Any, name: str, base: str, atom: bool
    ) -> None:
        if name == "title":
            value, kind = self._content(el, "text/plain", guess=not atom)
            e["title"] = value
            e["title_detail"] = {"type": kind, "base": base, "value": value}
        elif name == "link":
            self._item_link(e, el, base)
        elif name in ("guid", "id"):
            self._guid(e, el, base)
        elif (name == "description" and not atom) or (name == "summary" and atom):
            if "summary" in e and not state.has_content:
                raise _Unsupported  # feedparser would take it as content
            default = "text/plain" if atom else "text/html"
            value, kind = self._content(el, default, guess=not atom)
            e["summary"] = value
            e["summary_detail"] = {"type": kind, "base": base, "value": value}
        elif (name == "content" and atom) or (name == "content_encoded" and not atom):
            self._body(e, state, el, base, atom, "text/plain" if atom else "text/html")
        elif name in _PUBLISHED or name in _UPDATED or name in ("created", "dcterms_created"):
            self._date(e, el, name, base)
        elif name in ("category", "dc_subject", "keywords"):
            self._category(e, el, base)
        elif name in _AUTHORS:
            self._author(e, el, base, atom and name == "author")
        elif name == "enclosure":
            _leaf(el)
            attrs = _enforce_href(_attributes(el))
            attrs["rel"] = "enclosure"
            e.setdefault("links", []).append(attrs)
        elif name == "media_thumbnail":
            attrs = _attributes(el)
            e.setdefault("media_thumbnail", []).append(attrs)
            value = self._pop(el, "url", base)
            if value.strip() and "url" not in attrs:
                attrs["url"] = value
        elif name == "media_content":
            _leaf(el)
            e.setdefault("media_content", []).append(_attributes(el))
        else:
            _check_ignored(el, name)

    def _item_link(self, e: dict[str, Any], el: Any, base: str) -> None:
        attrs, has_href = self._link_attrs(el, base)
        e.setdefault("links", []).append(attrs)
        if has_href:
            if attrs.get("rel") == "alternate" and _map_type(attrs.get("type")) in _HTML_TYPES:
                e["link"] = attrs["href"]
            return
        if "text_link" in e:
            raise _Unsupported
        e["text_link"] = True
        value = self._pop(el, "link", base).replace("&amp;", "&")
        value = _ENTITY_IN_LINK.sub(r"&\g<1>", value)
        e["link"] = value
        if value:
            e["links"][-1]["href"] = value

    def _link_attrs(self, el: Any, base: str) -> tuple[dict[str, Any], bool]:
        """feedparser's _start_link: the link's attributes, and whether it had an href."""
        attrs = _attributes(el)
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        attrs = _enforce_href(attrs)
        if "href" in attrs:
            _leaf(el)
            attrs["href"] = _join(base, attrs["href"])
            return attrs, True
        return attrs, False

    def _guid(self, e: dict[str, Any], el: Any, base: str) -> None:
        is_link = _attributes(el).get("ispermalink", "true") == "true"
        value = self._pop(el, "id", base, resolve=is_link)
        e["id"] = value
        e.setdefault("guidislink", is_link and "link" not in e)
        if is_link:
            e.setdefault("link", value)

    def _body(
        self, e: dict[str, Any], state: _ItemState, el: Any, base: str, atom: bool, default: str
    ) -> None:
        state.has_content = True
        if el.get("src") is not None:
            raise _Unsupported
        value, kind = self._content(el, default, guess=not atom)
        e.setdefault("content", []).append({"type": kind, "base": base, "value": value})
        if kind in ("text/plain", *_HTML_TYPES):
            e.setdefault("summary", value)

    def _date(self, e: dict[str, Any], el: Any, name: str, base: str) -> None:
        key = "published" if name in _PUBLISHED else "updated" if name in _UPDATED else "created"
        value = self._pop(el, key, base)
        e[key] = value
        e[key + "_parsed"] = _parse_date(value)

    def _category(self, e: dict[str, Any], el: Any, base: str) -> None:
        attrs = _attributes(el)
        scheme = attrs.get("scheme", attrs.get("domain"))
        tags = e.setdefault("tags", [])
        _add_tag(tags, attrs.get("term"), scheme, attrs.get("label"))
        value = self._pop(el, "category", base)
        if not value:
            return
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            _add_tag(tags, value, None, None)

    def _author(self, e: dict[str, Any], el: Any, base: str, atom_person: bool) -> None:
        if not atom_person:
            e["author"] = self._pop(el, "author", base)
            return
        detail: dict[str, str] = {}
        for child in _elements(el):
            part = _name(child)
            if part not in ("name", "email", "uri", "url"):
                raise _Unsupported
            _leaf(child)
            detail[part] = (child.text or "").strip()
        own = (el.text or "") + "".join(child.tail or "" for child in el)
        e["author"] = _fix_text(own.strip())
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            e["author"] = f"{name} ({email})"
        elif name or email:
            e["author"] = name or email

    # text -------------------------------------------------------------------------------------

    def _content(self, el: Any, default: str, guess: bool) -> tuple[str, str]:
        """feedparser's push_content/pop for a text construct: its value and its type.

        *guess* is feedparser's rule for RSS: plain text that looks like HTML (escaped
        tags or entities, as many RSS titles carry) is taken as HTML.
        """
        attrs = _attributes(el) if el.attrib else {}
        kind = _map_type(attrs.get("type", default))
        if "mode" in attrs or kind not in ("text/plain", "text/html"):
            raise _Unsupported  # base64, inline XHTML, or another media type
        _leaf(el)
        value = (el.text or "").strip()
        if guess and kind == "text/plain" and _FeedParserMixin.looks_like_html(value):
            kind = "text/html"  # RSS: plain text that looks like HTML is taken as HTML
        return _fix_text(value), kind

    def _pop(self, el: Any, key: str, base: str, resolve: bool = True) -> str:
        """feedparser's pop for a text element: stripped, made absolute where it is a URI."""
        _leaf(el)
        value = (el.text or "").strip()
        if value and resolve and key in _CAN_BE_RELATIVE:
            value = _join(base, value)
        return _fix_text(value)


class _ItemState:
    """What feedparser remembers while inside one item."""

    def __init__(self) -> None:
        self.has_content = False


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False
)


def _elements(parent: Any) -> Iterator[Any]:
    """Child elements, without comments and processing instructions."""
    return (child for child in parent if isinstance(child.tag, str))


def _leaf(el: Any) -> None:
    """Insist on an element with text only (no child elements, comments or PIs)."""
    if len(el):
        raise _Unsupported


def _name(el: Any) -> str:
    """feedparser's name for an element: its handler is ``_start_`` + this."""
    tag: str = el.tag
    known = _NAMES.get(tag)
    if known is not None:
        return known
    if tag[0] != "{":
        name = tag.lower()
    else:
        uri, local = tag[1:].split("}", 1)
        lowered = uri.lower()
        if "backend.userland.com/rss" in lowered:
            lowered = "http://backend.userland.com/rss"
        prefix = _NAMESPACES.get(lowered)
        if prefix is None:  # a namespace feedparser does not know: the document's prefix
            prefix = el.prefix
            if not prefix or prefix.lower() in _PREFIXES:
                raise _Unsupported
            return f"{prefix.lower()}_{local.lower()}"  # depends on the element: not kept
        name = f"{prefix.lower()}_{local.lower()}" if prefix else local.lower()
    if len(_NAMES) < 4096:  # a few dozen tags in practice; hostile documents stay bounded
        _NAMES[tag] = name
    return name


_NAMES: dict[str, str] = {}  # tag -> name, for tags whose name depends on the tag alone


# feedparser tries its date formats one after another (W3DTF before RFC 822); the same
# string often comes twice in an entry (Atom's published and updated) and again in the
# next entries. Its result is an immutable struct_time (or None): safe to share.
_parse_date = lru_cache(maxsize=4096)(_feedparser_date)


def _has_handler(name: str) -> bool:
    return hasattr(_FeedParserMixin, "_start_" + name) or hasattr(_FeedParserMixin, "_end_" + name)


def _check_ignored(el: Any, name: str) -> None:
    """An item element digest ignores: harmless to feedparser's fields, or unsupported."""
    if name in _HARMLESS:
        _leaf(el)
        return
    if _has_handler(name) or name in _READ_KEYS:
        raise _Unsupported
    for child in _elements(el):
        _check_ignored(child, _name(child))


def _check_feed_element(el: Any, name: str) -> None:
    """A channel element other than title, link and items: it must not touch those."""
    if name in ("title", "link", "dc_title", "media_title", "textinput", "source", "image"):
        raise _Unsupported
    if name in ("item", "entry", "channel", "feed", "rss", "media_group"):
        raise _Unsupported
    if name in _READ_KEYS and not _has_handler(name):
        raise _Unsupported  # stored under a key feedparser also uses for title or links
    allowed = _FEED_SUBTREES.get(name)
    for child in _elements(el):
        if allowed is None and _has_handler(name):
            raise _Unsupported
        child_name = _name(child)
        if allowed is not None and child_name not in allowed:
            raise _Unsupported
        _check_feed_element(child, child_name)


def _check_image(image: Any) -> None:
    """An RSS channel image whose title and link stay in the image, as feedparser sees it."""
    for child in _elements(image):
        if child.tag not in _IMAGE_CHILDREN:
            raise _Unsupported
        _leaf(child)


def _attributes(el: Any) -> dict[str, Any]:
    """The element's attributes named and normalised as feedparser's strict parser does."""
    attrs: dict[str, Any] = {}
    for key, value in el.attrib.items():
        if key[0] == "{":
            uri, local = key[1:].split("}", 1)
            prefix = _NAMESPACES.get(uri.lower(), "")
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        attrs[key] = value.lower() if key in ("rel", "type") else value
    return attrs


def _enforce_href(attrs: dict[str, Any]) -> dict[str, Any]:
    return _FeedParserMixin._enforce_href(attrs)  # type: ignore[no-any-return]


def _add_tag(tags: list[dict[str, Any]], term: Any, scheme: Any, label: Any) -> None:
    if not term and not scheme and not label:
        return
    value = {"term": term, "scheme": scheme, "label": label}
    if value not in tags:
        tags.append(value)


def _join(base: str, uri: str) -> str:
    """feedparser's ``_urljoin(base or "", uri)``, without urljoin where it keeps *uri* as it is
    (``quick_join`` is checked against it in tests/test_feedxml.py)."""
    quick = quick_join(uri, base) if base else None
    return quick if quick is not None else _urljoin(base or "", uri)


# The namespaces of RSS 1.0 and of Netscape's RSS 0.90 (lower case), which _OTHER_VERSIONS
# looks for; each is searched for whole in the lower-cased document.
_RDF_NAMESPACES = (b"http://purl.org/rss/1.0/", b"http://my.netscape.com/rdf/simple/0.9/")
_BYTE_SPACE = frozenset(b" \t\n\r\x0b\x0c")  # what \s matches in a bytes pattern
_QUOTES = frozenset(b"\"'")


def _other_version(data: bytes) -> bool:
    """``_OTHER_VERSIONS.search(data)``, found by looking at each occurrence of a namespace
    in the lower-cased document (the regular expression scans it case-insensitively,
    about 4 ns a byte; lower-casing and two searches take well under 1).

    Each occurrence looks back over the spaces before it and on over the spaces after
    it: runs that belong to it alone, so the whole is linear in the size.
    """
    lowered = data.lower()
    for namespace in _RDF_NAMESPACES:
        at = lowered.find(namespace)
        while at >= 0:
            end = at + len(namespace)
            before = at - 1
            while before > 0 and lowered[before] in _BYTE_SPACE:
                before -= 1
            after = end
            while after < len(lowered) and lowered[after] in _BYTE_SPACE:
                after += 1
            if (
                before >= 0
                and lowered[before] in _QUOTES
                and after < len(lowered)
                and lowered[after] in _QUOTES
            ):
                return True
            at = lowered.find(namespace, at + 1)
    return False


def _map_type(kind: Any) -> str:
    return str(_FeedParserMixin.map_content_type(str(kind)))


def _fix_text(value: str) -> str:
    """feedparser's clean-up of every text value: mis-decoded UTF-8, then cp1252 codes."""
    if value.isascii():  # both steps leave ASCII as it is
        return value
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252) if _C1.search(value) else value


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
