"""Story text: an article page's main text, and how much story a text carries.

The full-text stage (``fulltext.py``) reads article pages with these; the blurbs read
the same story paragraphs. ``extract_main_text`` finds the article's container in a
page (readability-lxml when installed, trafilatura in recall mode otherwise: see
fulltext.py's notes for the measurements) and takes cookie and consent banners out
of it by their class or id; ``story_length`` measures a text as the blurb reads it.

``story_paragraphs`` turns a story's HTML into its paragraphs of text. Markup that is never
story goes first (``chrome.drop_furniture``). Each block is read line by line (``<br>``
and newlines) so that a caption, a credit or a button on its own line can be told from
the prose around it; lines that continue a sentence (hard-wrapped text) are joined back.
Text-level chrome is dropped, a block that is mostly link text and no sentence is
dropped, and a "Related stories" heading ends the story. A paragraph that was a list item
comes as a ``ListItem`` (a ``str``): a release's blurb may name it as a change. One whose last
line stood right before what the text leaves out (code, a picture, a table) comes as a
``LeadIn``, before a quotation set apart as a ``QuoteLeadIn``: a blurb does not end on its
"… like this:".
``blurb.py`` chooses sentences from these paragraphs; it imports this module, never the
other way round.
"""

from __future__ import annotations

import html as html_lib
import importlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from digest.chrome import (
    drop_consent_banners,
    drop_furniture,
    is_chrome,
    is_tail_marker,
    strip_trailing_junk,
)
from digest.sentences import ends_sentence, split_sentences

_TAG = re.compile(r"<[^>]*>")
JOIN_AFTER_WORDS = 8  # a line this long that stops mid-sentence continues on the next
JOIN_AFTER_SENTENCE = 8  # ... and a line this long that ends one is wrapped prose
LINK_LIST = 0.8  # a block with this share of link text is navigation, punctuated or not

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dd",
        "dt",
        "section",
        "article",
        "main",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "summary",
    }
)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt"})
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"[^\S\n]*\n[^\S\n]*\n\s*")
_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")
_LETTER = re.compile(r"[^\W\d_]")
_CJK_END = re.compile(r"[。！？｡」』）]$")
ASIDE = re.compile(r"^[(\[].*[)\]][.!?]?$")
_LIST = re.compile(r"(?:\S+(?:\s\S+){0,4}\s[—–|·•]\s){3}")  # items of up to five words

# A footnote marker: "“egg”[1]", or "“egg” [1]." before punctuation. A number in brackets
# in the middle of a sentence ("item [3] of the list") is left alone.
_FOOTNOTE = re.compile(r"(?<=[^\s\[(])\[\d{1,3}\](?!\w)|\s\[\d{1,3}\](?=[.,;:!?…]|$)")

STOPWORDS = frozenset(
    """a an and are as at be been but by for from has have he her his in is it its of on or
    she that the their them they this to was were which who will with would not no into than
    then there these those what when where while also about after before over under more most
    our your we you i my me us
    der die das und ist ein eine nicht mit von den dem des zu im auf für sich auch als oder
    de da do dos das em um uma que para com por os as na no ao se e o a pelo pela pelos pelas
    и в не на что с по как это он она они к из у за от""".split()
)

# Libraries whose progress notes are not the reader's business (readability-lxml says
# "ruthless removal did not work" at INFO on every short page): warnings and up only,
# unless someone configured them already. readability also logs a traceback at ERROR for
# a page it cannot parse before raising: that page is reported once, by the feed's note.
QUIET_LOGGERS = {
    "readability": logging.CRITICAL,
    "trafilatura": logging.WARNING,
    "htmldate": logging.WARNING,
    "courlan": logging.WARNING,
    "justext": logging.WARNING,
}


def _quiet_libraries() -> None:
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


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
    except (lxml.etree.ParserError, ValueError, AssertionError):  # lxml asserts one <body>
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
        favor_recall=True,  # story_paragraphs removes the chrome this lets through
        deduplicate=True,
    )
    if not text:
        return ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)


def _text_length(markup: str) -> int:
    return len(html_lib.unescape(_TAG.sub("", markup)).strip())


def story_length(markup: str) -> int:
    """How much story, less page chrome, *markup* carries: what the blurb is made from."""
    return sum(len(p) for p in story_paragraphs(markup))


# --- HTML to story paragraphs ------------------------------------------------------------


@dataclass
class _Block:
    text: str = ""
    linked: int = 0  # characters of link text
    heading: bool = False
    item: bool = False  # inside a list item (``<li>``)
    shows: str = ""  # right before what the text leaves out: "quote" or "shown" (code, a picture)


# What a story shows rather than says, which its text leaves out: code, a table, a picture,
# a video, a quotation set apart. A line right before one may point at it ("… like this:").
_SHOWN_TAGS = frozenset(
    {
        "pre",
        "table",
        "figure",
        "img",
        "picture",
        "video",
        "audio",
        "iframe",
        "embed",
        "object",
        "svg",
        "canvas",
        "blockquote",
    }
)
ICON_PIXELS = 50  # a picture this small is an icon, an emoji or a tracking pixel
_SHOWN = "digest-shown"  # the placeholder left where a shown element was


class ListItem(str):
    """A paragraph that was an item of a list (``<li>``) in the story's HTML: "Improve
    MSOffice document support". It reads as any other paragraph; a release's blurb may
    name it as one of the release's changes."""

    __slots__ = ()


class LeadIn(str):
    """A paragraph whose last line stood right before something the text leaves out (a code
    block, a picture, a table, a quotation): "… and thus wrote something like this:". It
    reads as any other paragraph; a blurb does not end on its pointer at what is not there."""

    __slots__ = ()


class QuoteLeadIn(LeadIn):
    """A ``LeadIn`` before a quotation set apart (``<blockquote>``): "David Griswold has
    posted some more information on the list:". What it leads in to is someone's words."""

    __slots__ = ()


def story_paragraphs(markup: str) -> list[str]:
    """The story's paragraphs, in order, with page chrome removed ([] for no text); a list
    item's are ``ListItem``s."""
    root = _parse(markup)
    if root is None:
        return []
    _mark_shown(root)
    drop_furniture(root)
    paragraphs: list[str] = []
    for block in _blocks(root):
        label = block.heading or _is_link_label(block)
        lines = _lines(block.text)
        for number, line in enumerate(lines, 1):
            if is_tail_marker(line):
                if paragraphs:
                    return paragraphs
                continue
            if label or is_chrome(line):
                continue
            sentences = story_sentences(line)  # a promotion inside a paragraph
            if sentences:
                text = join_sentences(sentences)
                if block.item:
                    paragraphs.append(ListItem(text))
                else:
                    paragraphs.append(_lead_in(text, block.shows if number == len(lines) else ""))
    return paragraphs


def _lead_in(text: str, shows: str) -> str:
    """*text* as the paragraph it is: a ``QuoteLeadIn`` before a quotation set apart, a
    ``LeadIn`` before other shown content (*shows*), else plain."""
    if shows == "quote":
        return QuoteLeadIn(text)
    return LeadIn(text) if shows else text


def _mark_shown(root: lxml.html.HtmlElement) -> None:
    """Replace, in place, each element the story shows rather than says (``_SHOWN_TAGS``;
    not an icon) with an empty placeholder, so that the walk knows the line before it."""
    for el in list(root.iter(*_SHOWN_TAGS)):
        parent = el.getparent()
        if (
            parent is None
            or not _shows(el)
            or any(a.tag in _SHOWN_TAGS for a in el.iterancestors())
        ):
            continue
        mark = lxml.html.Element(_SHOWN, kind="quote" if el.tag == "blockquote" else "shown")
        mark.tail = el.tail
        parent.replace(el, mark)


def _shows(el: lxml.html.HtmlElement) -> bool:
    """False for a picture that is an icon, an emoji or a tracking pixel (by its size)."""
    if el.tag != "img":
        return True
    sizes = [el.get("width", ""), el.get("height", "")]
    return not any(s.strip().isdigit() and int(s) < ICON_PIXELS for s in sizes)


def _parse(markup: str) -> lxml.html.HtmlElement | None:
    if not markup or not markup.strip():
        return None
    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None


def _blocks(root: lxml.html.HtmlElement) -> list[_Block]:
    """The text of each block element; ``<br>`` becomes a newline inside its block."""
    blocks: list[_Block] = []
    current = _Block()
    items = 0  # list items the walk is inside

    def flush(heading: bool = False) -> None:
        nonlocal current
        if current.text.strip():
            current.heading = heading
            current.item = items > 0
            blocks.append(current)
        current = _Block()

    def add(text: str | None) -> None:
        source = _source_text(text)
        current.text += source
        if _LETTER.search(source):
            current.shows = ""  # the text went on after it

    def walk(el: lxml.html.HtmlElement) -> None:
        nonlocal items
        if el.tag == _SHOWN:  # the line before it leads in to it: this block's, or the last
            before = current if current.text.strip() else blocks[-1] if blocks else None
            if before is not None:
                before.shows = el.get("kind", "shown")
            return
        block = el.tag in _BLOCK_TAGS
        if block:
            flush()
        items += el.tag == "li"
        if el.tag == "br":
            current.text += "\n"
        if el.tag == "a":
            current.linked += len(el.text_content().strip())
        add(el.text)
        for child in el:
            walk(child)
            add(child.tail)
        if block:
            flush(heading=el.tag in _HEADINGS)
        items -= el.tag == "li"

    walk(root)
    flush()
    return blocks


def _source_text(text: str | None) -> str:
    """Text as HTML reads it: a newline is a space, but a blank line still parts
    paragraphs (plain-text descriptions, flat captured pages)."""
    if not text:
        return ""
    return _NEWLINE.sub(" ", _BLANK_LINE.sub("\n\n", text))


def _is_link_label(block: _Block) -> bool:
    """A block that is mostly link text and no sentence: a related link, "Continue reading"."""
    text = block.text.strip()
    share = block.linked / len(text)
    return share > LINK_LIST or (share > 0.5 and not ends_sentence(text))


def _lines(text: str) -> list[str]:
    """The block's lines, with lines that continue a sentence joined back to it.

    A blank line (``<br><br>``) separates paragraphs: only a line that plainly goes on
    with the sentence before it (lower-case start, a dangling comma) is joined across it.
    """
    units: list[str] = []
    blank = False
    for raw in text.split("\n"):
        line = _SPACE.sub(" ", raw).strip()
        if not line:
            blank = True
            continue
        if units and _continues(units[-1], line, across_blank=blank):
            units[-1] += " " + line
        else:
            units.append(line)
        blank = False
    return [u for u in (strip_trailing_junk(_FOOTNOTE.sub("", u)) for u in units) if u]


def _continues(previous: str, line: str, across_blank: bool = False) -> bool:
    """True when *line* is the rest of *previous*'s paragraph, not a line of its own."""
    if is_chrome(line) or is_tail_marker(line):
        return False
    if line[0].islower():
        return True
    if is_chrome(previous):
        return False
    words = previous.split()
    if previous[-1] in ",;(—–-&/" or words[-1].casefold() in STOPWORDS:
        return True  # "Kyle Zeng," / "and the" cannot end a line of their own
    if across_blank:
        return False
    return len(words) >= (JOIN_AFTER_SENTENCE if ends_sentence(previous) else JOIN_AFTER_WORDS)


def story_sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences less chrome: credits, buttons, "(tags)", "a — b — c" lists."""
    out = []
    for sentence in map(strip_trailing_junk, split_sentences(paragraph)):
        if not sentence or not _LETTER.search(sentence):
            continue
        if ASIDE.match(sentence) or _is_list(sentence) or is_chrome(sentence):
            continue
        out.append(sentence)
    return out


def _is_list(sentence: str) -> bool:
    """True for "Jens Ohlig — Wikidata — WikiCon 2013 — …": names, not a sentence."""
    if sum(sentence.count(mark) for mark in "—–|·•") < 3:
        return False  # most sentences: skip the regular expression
    return bool(_LIST.search(sentence))


def join_sentences(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and not _CJK_END.search(out):
            out += " "
        out += part
    return out
