"""Feed HTML is hostile: an allow-list sanitiser (nh3) decides what survives.

Only structural and text tags are kept, so the blurb extractor can still tell
a figure caption or an aside from the story; every URL is made absolute
against the entry's base and must be http(s) (links may also be mailto).
Code points that HTML and XML forbid (C0/C1 controls, lone surrogates,
noncharacters) are removed from markup and text alike: lxml refuses a
string holding one (the item's blurb was lost), and a NUL or an escape
character reached the Subject header and both parts of the email.

Why nh3 alone, with feedparser's sanitiser switched off
-------------------------------------------------------
nh3 (Rust's ammonia on html5ever) parses HTML the way a browser does and
keeps only what the allow-list below names, so its output is safe for *any*
input, including feedparser's output: running feedparser's sanitiser first
cannot make the result safer, only slower. It is also stricter: feedparser
keeps ``style`` (with a CSS filter), SVG and MathML, and parses with sgmllib,
whose idea of where a tag ends differs from a browser's; here ``style``, SVG
and MathML never survive and script-like elements lose their content too.
Measured on the 78 files of ../shared/corpus (nh3 0.3.8, bleach 6.4.0,
feedparser 6.0.14, CPython 3.11, one core; median of 5 runs):

* nh3 vs bleach, same allow-list, 100 items (203 kB of item HTML spread over
  the corpus): nh3 4.6 ms (0.05 ms an item), bleach 81.7 ms (0.8 ms an
  item): nh3 is about 18x faster. bleach is also deprecated upstream.
* feedparser over the whole corpus with its sanitiser and URI resolver on:
  1,373 ms; off: 793 ms. Switching them on costs 73% more parse time.
* nh3(feedparser-sanitised) vs nh3(raw), every entry of the corpus: the text
  is identical in all of them; 296 differ in markup only (attribute order,
  entity spelling, whitespace), and in none does nh3 alone keep a tag or an
  attribute that feedparser's pass would have removed.

The tests in tests/test_sanitize.py, tests/test_hostile.py and
tests/test_fuzz.py check the rule itself: no script, iframe, object, embed,
form, svg, math, base, link or meta; no ``on*`` or ``style`` attribute; no
URL but http(s) and mailto.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import nh3

from digest.links import absolute_url

TAGS = frozenset(
    {
        "a",
        "abbr",
        "article",
        "aside",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "main",
        "mark",
        "nav",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "section",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
    }
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"class"},
}
# Content of these is dropped along with the tag, not unwrapped into text.
DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "form",
        "svg",
        "math",
        "template",
        "noscript",
        "button",
        "select",
        "textarea",
        "video",
        "audio",
        "canvas",
        "head",
        "title",
    }
)


# Code points HTML and XML forbid: C0 controls but tab, newline and carriage return; DEL and
# the C1 controls; lone surrogates; the noncharacters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


# The same set without the astral noncharacters: a class of BMP ranges only is scanned
# about ten times faster, and astral characters are rare (one search finds them).
_FORBIDDEN_BMP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


# A byte of UTF-8 that may belong to a forbidden code point: the C0 controls (less tab,
# newline and carriage return) and DEL, and the lead bytes of U+0080-U+00BF (the C1
# controls), U+D000-U+DFFF (surrogates), U+F000-U+FFFF (U+FDD0-U+FDEF, U+FFFE, U+FFFF) and
# of every astral code point. Text whose UTF-8 holds none of them has nothing to remove:
# one C-speed pass over the bytes tells, about five times faster than the regular
# expression, which then runs only on the rare text that may need it.
_SUSPECT_BYTES = frozenset([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_SUSPECT_BYTES |= frozenset([0xC2, 0xED, 0xEF, *range(0xF0, 0x100)])
_SUSPECT = bytes(0 if b in _SUSPECT_BYTES else 1 for b in range(256))


def _surely_clean(text: str) -> bool:
    """True when *text* has no forbidden code point (False: it may have one)."""
    data = text.encode("ascii") if text.isascii() else text.encode("utf-8", "surrogatepass")
    return b"\0" not in data.translate(_SUSPECT)


def without_forbidden(text: str) -> str:
    """*text* without the code points HTML and XML forbid (controls, surrogates, nonchars)."""
    if _surely_clean(text):
        return text
    if _ASTRAL.search(text):
        return FORBIDDEN.sub("", text)
    return _FORBIDDEN_BMP.sub("", text)


def sanitize_html(markup: str, base: str = "") -> str:
    """Return *markup* with only allowed tags and absolute http(s)/mailto URLs.

    Markup is bounded first (see :func:`bounded_html`): at most MAX_HTML_CHARS, nested
    at most MAX_DEPTH deep, so the time it takes grows in proportion to its size.

    Character references to forbidden code points (``&#1;``) are decoded by nh3,
    so the result is cleaned of them as well as the input.
    """
    if not markup:
        return ""
    return without_forbidden(_clean(bounded_html(without_forbidden(markup)), base))


_OPTIONS: dict[str, Any] = {
    "tags": set(TAGS),
    "clean_content_tags": set(DROP_WITH_CONTENT),
    "attributes": {k: set(v) for k, v in ATTRIBUTES.items()},
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener noreferrer",
    "strip_comments": True,
}


class _Base(threading.local):
    """The base URL of the markup this thread is cleaning, for the attribute filter."""

    url = ""


_current = _Base()


def _filter_current(tag: str, attribute: str, value: str) -> str | None:
    return _filter_attribute(_current.url, tag, attribute, value)


# nh3 builds its sanitiser from the options on every ``clean`` call; a Cleaner (nh3 0.3)
# is built once, about 13 us less per item. Its attribute filter reads the base per call.
_CLEAN: Callable[[str], str] = (
    nh3.Cleaner(attribute_filter=_filter_current, **_OPTIONS).clean
    if hasattr(nh3, "Cleaner")
    else partial(nh3.clean, attribute_filter=_filter_current, **_OPTIONS)
)


def _clean(markup: str, base: str) -> str:
    _current.url = base
    try:
        return _CLEAN(markup)
    finally:
        _current.url = ""


def _filter_attribute(base: str, tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        if value[:7].lower() == "mailto:":
            return value
        return absolute_url(value, base)
    if attribute == "src":
        return absolute_url(value, base)
    if attribute == "class":
        # Keep class names (a hint for the blurb extractor), nothing that looks like code.
        return " ".join(w for w in value.split() if _CLASS_NAME.fullmatch(w)) or None
    return value


_CLASS_NAME = re.compile(r"[\w-]{1,40}")


# --- bounds before sanitising (security issue 18) -------------------------------------------
#
# html5ever, under nh3, checks "is there a <p> in scope" and the like by walking its stack of
# open elements: on markup nested thousands deep every tag walks thousands of elements, and
# the time grows with the square of the size (480 KB of nested lists took 48 s). So markup is
# cut to MAX_HTML_CHARS, and markup that may nest deeper than MAX_DEPTH is rewritten first by
# one linear pass that follows html5's own rules for the stack: tags past MAX_DEPTH are
# dropped (their text is kept), every element the rules close implicitly is closed by an
# explicit end tag (so html5 closes it too, and cannot re-open formatting elements it closed
# on its own, another way to grow the stack), and what would switch html5's tokenizer out
# of reading tags (comments, <script>, <svg>, <xmp>...) is dropped or escaped, so the
# tags html5 reads are exactly the ones this pass counted. Markup the pass finds shallow
# (and without many formatting elements to re-open, or "<" inside raw text) is left exactly
# as it was. nh3 runs after it and decides, as before, what is safe.

MAX_HTML_CHARS = 256 * 1024
MAX_DEPTH = 100

# One tag as html5's tokenizer reads it: the name runs to a space, "/" or ">"; an attribute
# name may hold quotes and "<"; a quoted value runs to its closing quote. Possessive
# quantifiers keep it linear. No ">" (group 3) means the document ended inside the tag.
_HTML_TAG = re.compile(
    r"<(/?)([A-Za-z][^\t\n\f\r />]*+)"
    r"(?:[\t\n\f\r /]++|[^\t\n\f\r />][^\t\n\f\r />=]*+"
    r"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"?+|'[^']*+'?+|[^\t\n\f\r >]++)?+)?+)*+"
    r"(>)?"
)
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta"
    " param source track wbr".split()
)
# Elements whose content html5 does not read as tags. Those nh3 drops with their content
# are dropped whole here; the others' content becomes escaped text, as nh3 would show it.
_RAW_TEXT = frozenset("script style xmp iframe noembed noframes textarea title".split())
_FOREIGN = frozenset({"svg", "math"})  # dropped with their content by nh3 anyway
_SCOPE = frozenset("applet caption html table td th marquee object template".split())
_TABLE_SCOPE = frozenset({"html", "table", "template"})
_TABLE_PARTS = frozenset("caption table tbody tfoot thead tr td th".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_CLOSES_P = _HEADINGS | frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption"
    " figure footer header hgroup main menu nav ol p search section summary ul pre listing"
    " form table hr xmp plaintext".split()
)
_SPECIAL = (
    _SCOPE
    | _CLOSES_P
    | frozenset(
        "area base basefont bgsound body br button col colgroup dd dt embed frame frameset head"
        " iframe img input keygen li link meta noembed noframes noscript option optgroup param"
        " script select source style tbody textarea tfoot thead title tr track wbr".split()
    )
)
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_END_AFTER = frozenset("\t\n\f\r />")  # what may follow "</script" in its end tag
_OPAQUE = _RAW_TEXT | _FOREIGN
_CLOSES_SELECT = _TABLE_PARTS | frozenset({"select", "input", "keygen", "textarea"})
_HAS_START_RULES = (
    _CLOSES_SELECT | _CLOSES_P | frozenset("li dd dt button a nobr option optgroup".split())
)
_CATEGORIES = (
    (" scope", _SCOPE),
    (" table", _TABLE_SCOPE),
    (" special", _SPECIAL),
    (" special-adp", _SPECIAL - {"address", "div", "p"}),
    (" button", frozenset({"button"})),
    (" list", frozenset({"ol", "ul"})),
    (" cell", frozenset({"td", "th"})),
    (" ddt", frozenset({"dd", "dt"})),
    (" section", frozenset({"tbody", "thead", "tfoot"})),
)


def bounded_html(markup: str) -> str:
    """*markup* cut to MAX_HTML_CHARS (before a tag) and, when it may nest deeper than
    MAX_DEPTH, rewritten in linear time so that it does not: the deeper tags are dropped,
    their text kept. Markup that html5 reads no deeper than MAX_DEPTH is returned as it is."""
    if len(markup) > MAX_HTML_CHARS:
        cut = markup.rfind("<", 0, MAX_HTML_CHARS + 1)
        markup = markup[: cut if cut > 0 else MAX_HTML_CHARS]
    if markup.count("<") <= MAX_DEPTH:
        return markup
    return _Flattener(markup).run()


class _Flattener:
    """One pass over the tags with a model of html5's stack of open elements.

    Each category of element the rules ask about ("a <p> in button scope") keeps the stack
    positions of its open elements, so each question is answered in constant time and each
    element is pushed and popped once: the pass is linear in the size of the markup.
    """

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.lowered = ""  # markup.lower(), made when a raw text element needs it
        self.out: list[str] = []
        self.stack: list[str] = []  # names of the open elements
        self.kept: list[bool] = []  # whether each one's start tag was written out
        # What makes the rewritten markup needed: the depth reached, the formatting
        # elements closed implicitly (html5 re-opens those), the "<" in raw text.
        self.deepest = 0
        self.reopened = 0
        self.hidden = 0
        self.at: defaultdict[str, list[int]] = defaultdict(list)  # key -> stack positions

    # the model ---------------------------------------------------------------------------

    def _last(self, key: str) -> int:
        """The topmost stack position of an open element of *key* (a name or a category)."""
        positions = self.at.get(key)
        return positions[-1] if positions else -1

    def _in_scope(self, key: str, boundary: str, other: str = "") -> int:
        """The position of the topmost open *key* when no *boundary* (nor *other*) element
        is above it, else -1."""
        top = self._last(key)
        if top < 0 or top < self._last(boundary) or (other and top < self._last(other)):
            return -1
        return top

    def _push(self, name: str, tag: str) -> None:
        depth = len(self.stack)
        keep = depth < MAX_DEPTH
        self.deepest = max(self.deepest, depth + 1)
        if keep:
            self.out.append(tag)
        at = self.at
        for key in _categories(name):
            at[key].append(depth)
        self.stack.append(name)
        self.kept.append(keep)

    def _pop_to(self, position: int) -> bool:
        """Close every element above *position* explicitly, then pop that one too;
        True when the element at *position* had been written out."""
        stack, kept, at, out = self.stack, self.kept, self.at, self.out
        keep = False
        while len(stack) > position:
            name = stack.pop()
            keep = kept.pop()
            for key in _categories(name):
                at[key].pop()
            if keep and len(stack) > position:
                out.append(f"</{name}>")
                self.reopened += name in _FORMATTING
        return keep

    # start and end tags ------------------------------------------------------------------

    def _start(self, name: str) -> None:
        """Close what html5 closes before it opens *name*."""
        if name in _CLOSES_SELECT and self.at.get("select"):
            self._pop_to(self._last("select"))
        if name in _TABLE_PARTS:
            self._close_table_part(name)
        if name in _CLOSES_P:
            p = self._in_scope("p", " scope", " button")
            if p >= 0:
                self._pop_to(p)
            if name in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
                self._pop_to(len(self.stack) - 1)
        elif name in ("li", "dd", "dt"):
            # An open <li> (<dd> or <dt>) is closed unless a special element other than
            # address, div or p is above it; then a <p>.
            top = self._last(" special-adp")
            if top >= 0 and top == self._last(" ddt" if name != "li" else "li"):
                self._pop_to(top)
            p = self._in_scope("p", " scope", " button")
            if p >= 0:
                self._pop_to(p)
        elif name == "button":
            button = self._in_scope("button", " scope")
            if button >= 0:
                self._pop_to(button)
        elif name in ("a", "nobr"):
            anchor = self._last(name)
            if anchor >= 0 and anchor > self._last(" special"):
                self._pop_to(anchor)
        elif name in ("option", "optgroup") and self.stack and self.stack[-1] == "option":
            self._pop_to(len(self.stack) - 1)

    def _close_table_part(self, name: str) -> None:
        """A cell, row or table section closes the one open before it; a table closes an
        open table it is not inside a cell of."""
        if name == "table":
            table = self._last("table")
            if table >= 0 and table > self._last(" cell") and table > self._last("caption"):
                self._pop_to(table)
            return
        if name == "caption":
            return
        cell = self._in_scope(" cell", " table")
        if cell >= 0:
            self._pop_to(cell)
        if name in ("tr", "tbody", "thead", "tfoot"):
            row = self._in_scope("tr", " table")
            if row >= 0:
                self._pop_to(row)
        if name in ("tbody", "thead", "tfoot"):
            section = self._in_scope(" section", " table")
            if section >= 0:
                self._pop_to(section)

    def _end(self, name: str, tag: str) -> None:
        """Pop to the element *tag* ends when html5 would; write *tag* out when its
        element's start was, or when html5 ignores it (or makes an empty <p> or a <br>)."""
        if name in _TABLE_PARTS:
            position = self._in_scope(name, " table")
        elif name == "li":
            position = self._in_scope(name, " scope", " list")
        elif name == "p":
            position = self._in_scope(name, " scope", " button")
        elif name in _SPECIAL:
            position = self._in_scope(name, " scope")
        else:  # any other end tag: only if no special element is above it
            position = self._in_scope(name, " special")
        if position < 0 or self._pop_to(position):
            self.out.append(tag)

    # the tokenizer -----------------------------------------------------------------------

    def run(self) -> str:
        """The rewritten markup."""
        markup, out = self.markup, self.out
        pos, size = 0, len(markup)
        while pos < size:
            lt = markup.find("<", pos)
            if lt < 0:
                out.append(markup[pos:])
                break
            out.append(markup[pos:lt])
            match = _HTML_TAG.match(markup, lt)
            if match is None:
                pos = self._not_a_tag(lt)
            elif match.group(3) is None:
                break  # the document ends inside a tag: html5 drops it
            elif match.group(1):
                self._end(match.group(2).lower(), match.group(0))
                pos = match.end()
            else:
                pos = self._start_tag(match.group(2).lower(), match)
        if max(self.deepest, self.reopened, self.hidden) <= MAX_DEPTH:
            return markup  # html5 reads it no deeper than this: as it was, byte for byte
        return "".join(out)

    def _not_a_tag(self, lt: int) -> int:
        """Handle a "<" that opens no tag; returns where reading goes on."""
        markup = self.markup
        if markup.startswith("<!--", lt):
            return _comment_end(markup, lt)
        after = markup[lt + 1 : lt + 3]
        if after[:1] in ("!", "?") or (after[:1] == "/" and len(after) == 2):
            if after == "/>":
                return lt + 3  # "</>" is ignored
            end = markup.find(">", lt)  # a bogus comment: dropped
            return len(markup) if end < 0 else end + 1
        self.out.append("&lt;")
        return lt + 1

    def _start_tag(self, name: str, match: re.Match[str]) -> int:
        tag = match.group(0)
        if name in _HAS_START_RULES:
            self._start(name)
        if name in _OPAQUE:
            if name in _FOREIGN and tag.endswith("/>"):
                return match.end()  # <svg/>: an empty element, which nh3 drops
            if name in _FOREIGN or name in ("script", "textarea") or not self.at.get("select"):
                return self._opaque(name, match.end())
        if name == "plaintext":
            self.out.append(html_lib.escape(self.markup[match.end() :], quote=False))
            return len(self.markup)
        if name in _VOID:
            self.out.append(tag)  # never deeper
        else:
            self._push(name, tag)
        return match.end()

    def _opaque(self, name: str, start: int) -> int:
        """Skip a raw text element (or <svg>, <math>) to its end tag; its content is kept
        as escaped text when nh3 would show it, else dropped with it."""
        if not self.lowered:
            self.lowered = self.markup.lower()
        closing, at = "</" + name, start
        while True:
            at = self.lowered.find(closing, at)
            if at < 0 or self.lowered[at + len(closing) : at + len(closing) + 1] in _END_AFTER:
                break
            at += 1
        content = self.markup[start:] if at < 0 else self.markup[start:at]
        self.hidden += content.count("<")
        if name not in DROP_WITH_CONTENT:
            self.out.append(html_lib.escape(content, quote=False))
        if at < 0:
            return len(self.markup)
        match = _HTML_TAG.match(self.markup, at)
        return len(self.markup) if match is None or match.group(3) is None else match.end()


@lru_cache(maxsize=512)
def _categories(name: str) -> tuple[str, ...]:
    """The keys an open *name* is counted under: its name, and the categories the rules
    of html5 ask about (names start with a space, which no tag name holds)."""
    found = [name]
    for key, members in _CATEGORIES:
        if name in members:
            found.append(key)
    return tuple(found)


def _comment_end(markup: str, lt: int) -> int:
    """Where the comment at *lt* ends, as html5 reads it ("<!-->" is a whole comment)."""
    if markup.startswith(">", lt + 4):
        return lt + 5
    if markup.startswith("->", lt + 4):
        return lt + 6
    end = _COMMENT_END.search(markup, lt + 4)
    return len(markup) if end is None else end.end()


_COMMENT_END = re.compile("--!?>")


def text_to_html(text: str) -> str:
    """Plain text as escaped paragraphs, one per blank-line-separated block."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", without_forbidden(text)) if b.strip()]
    return "".join(f"<p>{html_lib.escape(b)}</p>" for b in blocks)


# The publisher's summary of a story (a description beside the full content), kept as the
# story's first paragraph with this class, so that the blurb knows it for what it is.
SUMMARY_CLASS = "digest-summary"


def summary_paragraph(text: str) -> str:
    """Plain *text* as the marked first paragraph of a story (see SUMMARY_CLASS)."""
    one_line = " ".join(without_forbidden(text).split())
    return f'<p class="{SUMMARY_CLASS}">{html_lib.escape(one_line)}</p>'


def leads_with_summary(markup: str) -> bool:
    """True when sanitised *markup* opens with a publisher's summary paragraph."""
    return markup.startswith(f'<p class="{SUMMARY_CLASS}">')


_TAG = re.compile(r"<[^>]*>")


def html_to_text(markup: str) -> str:
    """Strip tags and entities from a short HTML string (a title), collapse spaces."""
    cleaned = nh3.clean(
        without_forbidden(markup), tags=set(), clean_content_tags=set(DROP_WITH_CONTENT)
    )
    return plain(html_lib.unescape(_TAG.sub(" ", cleaned)))


def plain(text: str) -> str:
    """Collapse whitespace of a text value and drop the code points HTML and XML forbid.

    ``split()`` cuts at what ``\\s`` matches (``str.isspace``): the same as replacing each
    run of it with one space and stripping, in a third of the time for a short title.
    """
    return " ".join(without_forbidden(text).split())


# A terminal escape sequence: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), or ESC
# and one more character; and the one-byte C1 forms of CSI and OSC.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x9d[^\x07]*\x07?",
    re.DOTALL,
)
SERVER_TEXT_CHARS = 200


def server_text(text: str, limit: int = SERVER_TEXT_CHARS) -> str:
    """A string a server chose (a reason phrase, a feed's title, an author) as it may be
    shown anywhere: terminal escape sequences and forbidden code points removed, whitespace
    collapsed to single spaces, and at most *limit* characters (cut at a word, with "…")."""
    text = plain(_ESCAPE.sub("", text)) if text else ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
