"""Feed HTML is hostile: an allow-list sanitiser (nh3) decides what survives.

Only structural and text tags are kept, so the blurb extractor can still tell
a figure caption or an aside from the story; every URL is made absolute
against the entry's base and must be http(s) (links may also be mailto).
"""

from __future__ import annotations

import html as html_lib
import re
from functools import partial

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


def sanitize_html(markup: str, base: str = "") -> str:
    """Return *markup* with only allowed tags and absolute http(s)/mailto URLs."""
    if not markup:
        return ""
    return nh3.clean(
        markup,
        tags=set(TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        attribute_filter=partial(_filter_attribute, base),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _filter_attribute(base: str, tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        if value.lower().startswith("mailto:"):
            return value
        return absolute_url(value, base)
    if attribute == "src":
        return absolute_url(value, base)
    if attribute == "class":
        # Keep class names (a hint for the blurb extractor), nothing that looks like code.
        return " ".join(w for w in value.split() if re.fullmatch(r"[\w-]{1,40}", w)) or None
    return value


def text_to_html(text: str) -> str:
    """Plain text as escaped paragraphs, one per blank-line-separated block."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(f"<p>{html_lib.escape(b)}</p>" for b in blocks)


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def html_to_text(markup: str) -> str:
    """Strip tags and entities from a short HTML string (a title), collapse spaces."""
    cleaned = nh3.clean(markup, tags=set(), clean_content_tags=set(DROP_WITH_CONTENT))
    return _SPACE.sub(" ", html_lib.unescape(_TAG.sub(" ", cleaned))).strip()


def plain(text: str) -> str:
    """Collapse whitespace of a text value."""
    return _SPACE.sub(" ", text).strip()
