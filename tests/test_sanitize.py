"""Feed HTML is hostile: what ``digest.sanitize`` lets through, and a checker for whole emails.

``executable_problems`` is the one definition of "executable HTML" the hostile, fuzz and
crash tests share: a tag that runs or loads something, an ``on*`` attribute, a URL that is
not http(s)/mailto (or an in-page ``#fragment``), a script URL hidden in a style.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import links, sanitize
from digest.config import DEFAULT_SUBJECT
from digest.links import absolute_url, is_http_url, without_userinfo
from digest.models import Digest, DigestItem, FailedFeed, Image, Section
from digest.render import environment, render_message
from digest.sanitize import html_to_text, plain, sanitize_html, without_forbidden

# Tags that run code, load a document, submit data or change how the page is read.
EXECUTABLE_TAGS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "param",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "svg",
        "math",
        "base",
        "link",
        "portal",
        "template",
        "noscript",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "background",
        "poster",
        "srcset",
        "data",
        "codebase",
        "cite",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "usemap",
        "xlink:href",
        "ping",
        "manifest",
    }
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCRIPT_IN_CSS = re.compile(
    r"javascript:|vbscript:|data:|expression\s*\(|-moz-binding|behavior\s*:", re.I
)


def url_scheme(value: str) -> str:
    """The scheme a browser would see: control characters and spaces are ignored."""
    squeezed = re.sub(r"[\x00-\x20\x7f]", "", value)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", squeezed)
    return match.group(1).lower() if match else ""


def executable_problems(markup: str, *, document: bool = True) -> list[str]:
    """Everything in *markup* that could run, load or redirect; [] when it is inert.

    *document* parses a whole HTML page (an email part); otherwise a fragment.
    """
    if not markup.strip():
        return []
    try:
        root = (
            lxml.html.document_fromstring(markup)
            if document
            else lxml.html.fragment_fromstring(markup, create_parent="div")
        )
    except (lxml.etree.ParserError, ValueError) as exc:
        return [f"unparseable HTML: {exc}"]
    problems: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = element.tag.lower().rsplit("}", 1)[-1]
        if tag in EXECUTABLE_TAGS:
            problems.append(f"<{tag}>")
        if tag == "meta" and (element.get("http-equiv") or "").lower() in ("refresh", "set-cookie"):
            problems.append(f"<meta http-equiv={element.get('http-equiv')}>")
        if tag == "style" and _SCRIPT_IN_CSS.search(element.text_content() or ""):
            problems.append("script URL in <style>")
        for name, value in element.attrib.items():
            attribute = str(name).lower().rsplit("}", 1)[-1]
            if attribute.startswith("on"):
                problems.append(f"<{tag} {attribute}=...>")
            elif attribute == "style" and _SCRIPT_IN_CSS.search(value):
                problems.append(f"<{tag} style={value[:60]!r}>")
            elif attribute in URL_ATTRIBUTES or attribute.endswith(":href"):
                scheme = url_scheme(value)
                fragment = attribute == "href" and value.strip().startswith("#")
                if not fragment and scheme not in SAFE_SCHEMES:
                    problems.append(f"<{tag} {attribute}={value[:60]!r}>")
    return problems


# --- the sanitiser on its own --------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="https://ok.example/a.png" srcset="javascript:alert(1) 1x">',
    '<a href="javascript:alert(1)">j</a>',
    '<a href="JaVaScRiPt:alert(1)">j</a>',
    '<a href=" \tjavascript:alert(1)">j</a>',
    '<a href="java&#x09;script:alert(1)">j</a>',
    '<a href="&#106;&#97;vascript:alert(1)">j</a>',
    '<a href="\x01javascript:alert(1)">j</a>',
    '<a href="https:javascript:alert(1)">j</a>',
    '<a href="vbscript:msgbox(1)">v</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>',
    '<a href="file:///etc/passwd">f</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<applet code="X"></applet>',
    '<form action="https://evil.example/"><input type="password"><button>go</button></form>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css'; p{background:url(javascript:x)}</style>",
    '<p style="background:url(javascript:alert(1))">s</p>',
    '<p style="width:expression(alert(1))">s</p>',
    '<div onclick="alert(1)" onmouseover=alert(2)>p</div>',
    "<details open ontoggle=alert(1)><summary>s</summary></details>",
    '<table background="javascript:alert(1)"><tr><td>t</td></tr></table>',
    '<video poster="javascript:alert(1)"><source src="x"></video>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    '<a href="https://ok.example/" target="_blank" rel="opener">ok</a>',
    '<div class="x&quot; onclick=alert(1)">c</div>',
    "<template><script>alert(1)</script></template>",
    '<isindex action="javascript:alert(1)" type=image>',
    '<portal src="https://evil.example/"></portal>',
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_nothing_executable_survives(markup: str) -> None:
    cleaned = sanitize_html(f"<p>Before.</p>{markup}<p>After.</p>", "https://feed.example/a/")
    assert executable_problems(cleaned, document=False) == [], cleaned
    assert "Before." in cleaned


def test_only_http_and_mailto_links_survive() -> None:
    cleaned = sanitize_html(
        '<a href="/rel">r</a><a href="//cdn.example/x">p</a><a href="mailto:ed@example.org">m</a>'
        '<a href="ftp://x.example/">f</a><a href="tel:123">t</a><img src="pic.png">',
        "https://feed.example/a/b.html",
    )
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', cleaned)
    assert hrefs == [
        "https://feed.example/rel",
        "https://cdn.example/x",
        "mailto:ed@example.org",
        "https://feed.example/a/pic.png",
    ]


def test_story_structure_is_kept_for_the_blurb_extractor() -> None:
    markup = (
        '<article><h2>Head</h2><p class="lead">Text <em>here</em>.</p>'
        '<figure><img src="https://ok.example/p.jpg" alt="a"><figcaption>Cap</figcaption>'
        "</figure><aside>Related</aside></article>"
    )
    cleaned = sanitize_html(markup, "https://ok.example/")
    for kept in (
        "<article>",
        "<h2>",
        '<p class="lead">',
        "<em>",
        "<figure>",
        "<figcaption>",
        "<aside>",
    ):
        assert kept in cleaned


def test_script_text_is_dropped_not_unwrapped() -> None:
    cleaned = sanitize_html("<p>Story.</p><script>var secret = 'x';</script><style>p{}</style>")
    assert cleaned == "<p>Story.</p>"


def test_html_title_becomes_text() -> None:
    assert html_to_text("<b>Bold</b> &amp; <i>brave</i><script>alert(1)</script>") == (
        "Bold & brave"
    )


# --- titles and links in a rendered email ----------------------------------------------------

TITLE = '<img src=x onerror=alert(1)> & <script>alert("t")</script>'


def _rendered(title: str, link: str = "https://news.example.org/1") -> tuple[str, str, str]:
    story = DigestItem(
        title=title,
        link=link,
        source='<b onmouseover="alert(1)">Feed</b>',
        published=datetime(2026, 11, 20, 8, tzinfo=UTC),
        blurb="A blurb with <iframe src=javascript:alert(1)> in it.",
        item_ids=(1,),
        feed_url="https://news.example.org/feed",
        image=Image("https://news.example.org/p.jpg", 300, 200, alt='"><script>alert(1)</script>'),
    )
    digest = Digest(
        title="Hostile",
        created=datetime(2026, 11, 20, 9, tzinfo=UTC),
        timezone="UTC",
        sections=(Section("News", (story,)),),
        failed_feeds=(FailedFeed("<svg onload=alert(1)>", "https://x.example/", "HTTP 500"),),
    )
    rendered = render_message(digest, environment(None, ZoneInfo("UTC")), DEFAULT_SUBJECT)
    return rendered.subject, rendered.html, rendered.text


def test_titles_are_escaped_as_text_in_html_and_text_parts() -> None:
    subject, html, text = _rendered(TITLE)
    assert executable_problems(html) == []
    root = lxml.html.document_fromstring(html)
    [anchor] = root.xpath('//h3[contains(@class, "story-title")]/a')
    assert anchor.text_content() == TITLE  # shown as those characters
    assert TITLE in text
    assert TITLE in subject
    assert "<iframe" not in html and "&lt;iframe" in html


def test_executable_checker_catches_what_it_should() -> None:
    """The checker the other tests rely on is itself tested on known-bad HTML."""
    bad = [
        "<script>x</script>",
        '<a href="javascript:x">a</a>',
        '<a href=" java\tscript:x">a</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<p onclick="x">p</p>',
        '<p style="background:url(javascript:x)">p</p>',
        '<meta http-equiv="Refresh" content="0;url=https://x">',
        '<base href="https://x/">',
        "<svg></svg>",
        '<form action="https://x/"></form>',
        '<a href="vbscript:x">v</a>',
    ]
    for markup in bad:
        assert executable_problems(f"<html><body>{markup}</body></html>"), markup
    good = '<html><body><a href="#s">s</a><a href="mailto:a@b.example">m</a></body></html>'
    assert executable_problems(good) == []


def test_code_points_html_forbids_are_removed_from_markup_and_text() -> None:
    """A NUL or an escape character in a feed must not reach lxml, the database or the email."""
    from digest.sanitize import plain, text_to_html

    markup = "<p>Bell\x07 NUL\x00 esc\x1b del\x7f c1\x85 &#1;&#x1b;ok\ufffe\U0010ffff</p>"
    cleaned = sanitize_html(markup)
    assert cleaned == "<p>Bell NUL esc del c1 ok</p>"
    assert lxml.html.fragment_fromstring(cleaned).text_content() == "Bell NUL esc del c1 ok"
    assert plain(" Control\x00chars\x07in\x1btitle\ud800 ") == "Controlcharsintitle"
    assert html_to_text("<b>A\x00</b>&#7;B") == "AB"
    assert text_to_html("x\x1by") == "<p>xy</p>"
    assert plain("tabs\tand\nnewlines stay as spaces") == "tabs and newlines stay as spaces"


# --- the fast paths give exactly what the plain ones give ------------------------------------
#
# sanitize.py skips the forbidden-code-point regex when one pass over the UTF-8 bytes shows
# there is nothing to remove, builds its nh3 sanitiser once, and links.absolute_url skips
# urljoin for absolute http(s) URLs and paths from the root. The references below are the
# plain ways (the code before those shortcuts); every shortcut must agree with them.


def reference_without_forbidden(text: str) -> str:
    return sanitize.FORBIDDEN.sub("", text)


def reference_absolute_url(url: str, base: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    try:
        joined = urljoin(base, url) if base else url
    except ValueError:
        return None
    # Resolved URLs never carry a user name or password (they would reach the email).
    return without_userinfo(joined) if is_http_url(joined) else None


def reference_sanitize(markup: str, base: str = "") -> str:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            if attribute == "href" and value.lower().startswith("mailto:"):
                return value
            return reference_absolute_url(value, base)
        if attribute == "class":
            return " ".join(w for w in value.split() if re.fullmatch(r"[\w-]{1,40}", w)) or None
        return value

    if not markup:
        return ""
    cleaned = nh3.clean(
        reference_without_forbidden(markup),
        tags=set(sanitize.TAGS),
        clean_content_tags=set(sanitize.DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in sanitize.ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        attribute_filter=keep,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return reference_without_forbidden(cleaned)


URL_PIECES = st.sampled_from(
    [
        *("http://", "https://", "HTTP://", "hTtps://", "//", "/", "./", "../", "?", "#"),
        *("mailto:", "javascript:", "ftp://", "data:", " ", "\t", "\n", "\x00", "\x1f"),
        *("a", "b.example", "x.y", ":8080", "@", "u:p@", ";", ";p", "[", "]", "[::1]", "%2F"),
        *(".", "..", "/.", "/..", "/./", "/../", "//", "é", "\u00a0", "\u2028", "~", "&", "="),
    ]
)
URLS = st.one_of(st.lists(URL_PIECES, max_size=8).map("".join), st.text(max_size=30))
BASES = st.one_of(
    st.sampled_from(
        [
            "https://feed.example/a/b.html",
            "http://feed.example",
            "https://u:p@feed.example:8443/dir/?q=1#f",
            "HTTPS://Feed.Example/x/",
            "http://[::1]:8080/feeds/",
            "https://feed.example/a;p/b",
            "file:///tmp/feed.xml",
            "https://exa\tmple.org/",
            "https://bad[host/",
            "",
        ]
    ),
    URLS,
)


@settings(max_examples=3000, deadline=None)
@given(URLS, BASES)
def test_absolute_url_shortcuts_agree_with_urljoin(url: str, base: str) -> None:
    assert absolute_url(url, base) == reference_absolute_url(url, base)


def test_absolute_url_shortcuts_are_taken() -> None:
    """Not a vacuous agreement: the common shapes go the quick way."""
    base = "https://feed.example/a/b.html"
    assert links.quick_join("https://other.example/x?utm_source=rss", base) is not None
    assert links.quick_join("/story/12?a=1#top", base) == "https://feed.example/story/12?a=1#top"
    for slow in ("story/12", "/./x", "https://h/x?", "https://h/x#", "/a;b", "https:///x"):
        assert links.quick_join(slow, base) is None, slow


TEXTS = st.one_of(
    st.text(max_size=200),
    st.text(st.characters(max_codepoint=0x1F), max_size=50),
    st.lists(
        st.sampled_from(
            [
                *("plain ", "é", "\u00a0", "\u2019", "\ud800", "\udfff", "\ufdd0", "\ufdef"),
                *("\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\U0001f600", "\x85", "\x9f"),
                *("\x00", "\x08", "\t", "\n", "\r", "\x0b", "\x7f", "\u00ff", "\u0100", "한"),
            ]
        ),
        max_size=30,
    ).map("".join),
)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_forbidden_code_point_shortcut_agrees_with_the_regex(text: str) -> None:
    assert without_forbidden(text) == reference_without_forbidden(text)


MARKUP = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *('<a href="', '<a href="mailto:x@y.example">', '<a HREF="MAILTO:x@y">', "</a>"),
                *('<img src="', '" alt="x">', '">', '<p class="a b c; d">', "</p>", "<div>"),
                *("https://ok.example/p?q=1", "/root/path", "rel/path", "../up", "#frag", "&#1;"),
                *("javascript:alert(1)", "<script>x</script>", "&amp;", "&nbsp;", "\x00", "é"),
                *("<td colspan=2>", "<ul><li>", '<a title="t" href=', "\U0001f600", "\ufffe"),
            ]
        ),
        st.text(max_size=20),
    ),
    max_size=25,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(MARKUP, BASES)
def test_sanitize_html_agrees_with_the_plain_way(markup: str, base: str) -> None:
    assert sanitize_html(markup, base) == reference_sanitize(markup, base)


def test_sanitize_html_agrees_with_the_plain_way_on_the_benchmark_workload() -> None:
    from bench.fetch import make_feed
    from digest.feedxml import read_document
    from digest.parse import _base, _richest

    for n in range(0, 40, 3):
        url = f"https://site{n}.example.org/feed"
        for entry in read_document(make_feed(n, 4), url).entries:
            markup, base = _richest(entry, _base(entry, url))
            assert sanitize_html(markup, base) == reference_sanitize(markup, base)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        TEXTS,
        st.text(
            st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u3000ab")
        ),
    )
)
def test_plain_agrees_with_collapsing_whitespace_by_regex(text: str) -> None:
    assert plain(text) == re.sub(r"\s+", " ", reference_without_forbidden(text)).strip()


# --- bounds before sanitising: size and depth (issue 18) -------------------------------------

_OUTPUT_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")
_OUTPUT_VOID = frozenset({"br", "hr", "img"})


def nesting_depth(markup: str) -> int:
    """How deep the elements of nh3's output (every element closed) nest."""
    depth = deepest = 0
    for end, name in _OUTPUT_TAG.findall(markup):
        if name in _OUTPUT_VOID:
            continue
        depth += -1 if end else 1
        deepest = max(deepest, depth)
    return deepest


def deep(start: str, end: str, levels: int) -> str:
    """*levels* of *start* tags, each with a word of its own ("w0", "w1", ...), then the
    *end* tags (none when *end* is empty)."""
    return "".join(f"{start}w{n} " for n in range(levels)) + end * levels


NESTED = {
    "nested lists": deep("<ul><li>", "</li></ul>", 3000),
    "nested lists, unclosed": deep("<ul><li>", "", 3000),
    "divs, unclosed": deep("<div>", "", 6000),
    "bold and italic chains": deep("<b><i>", "", 4000),
    "spans and quotes": deep("<span><blockquote>", "</blockquote></span>", 3000),
    "tables in cells": deep("<table><tr><td>", "", 2000),
    "attributes with > in quotes": deep('<div title="a>b">', "</div>", 4000),
}


@pytest.mark.parametrize("markup", NESTED.values(), ids=NESTED.keys())
def test_deeply_nested_markup_keeps_its_text_and_nests_no_deeper_than_the_cap(
    markup: str,
) -> None:
    out = sanitize_html(markup, "https://example.org/")
    words = set(re.findall(r"\bw\d+\b", markup))
    assert set(re.findall(r"\bw\d+\b", out)) == words  # every level's text is kept
    # Past MAX_DEPTH the tags are dropped (html5 may still add a tbody or a tr to a table).
    assert nesting_depth(out) <= 2 * sanitize.MAX_DEPTH


def test_formatting_elements_cannot_be_reopened_without_end() -> None:
    # Each </div> closes 100 distinct <b>s that html5 would re-open before the next text,
    # on top of the ones it re-opened before: the stack grew by 100 a round.
    markup = "".join(
        "<div>" + "".join(f'<b class="r{n}x{m}">' for m in range(100)) + f"</div>t{n} "
        for n in range(60)
    )
    out = sanitize_html(markup)
    assert set(re.findall(r"\bt\d+\b", out)) == {f"t{n}" for n in range(60)}
    assert nesting_depth(out) <= 2 * sanitize.MAX_DEPTH


def test_deep_markup_is_still_made_safe() -> None:
    hostile = (
        '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">'
        "link</a><svg onload=alert(4)><p>in svg</p></svg><iframe src=//evil.example></iframe>"
        "<!-- <script>alert(5)</script> --><xmp><script>alert(6)</script></xmp>"
        "<style>a{background:url(javascript:alert(7))}</style><p>kept words</p>"
    )
    for levels in (50, 99, 100, 101, 5000):
        out = sanitize_html("<div>" * levels + hostile, "https://example.org/")
        assert executable_problems(out, document=False) == [], levels
        assert "kept words" in out and "alert" not in out.replace("&lt;script&gt;alert(6)", "")


def test_a_normal_item_is_sanitised_byte_for_byte_as_before() -> None:
    # Well over MAX_DEPTH tags, so it goes through the pass, with the sloppy markup feeds
    # carry: unclosed paragraphs and list items, bold carried over into the next paragraph,
    # a table without end tags, comments, a script, entities.
    parts = ["<h2>Heading</h2><!-- generated --><script>var a = 1 < 2;</script>"]
    for n in range(40):
        parts.append(
            f'<p>Paragraph {n} with <a href="/story/{n}">a link</a> &amp; <b>bold '
            f"<p>carried on</b> and <i>italic</i>"
        )
    parts.append("<ul>" + "".join(f"<li>item {n}" for n in range(30)) + "</ul>")
    parts.append("<table><tr><td>a<td>b<tr><td>c<td>d</table><figure><img src=a.jpg>")
    markup = "".join(parts)
    assert markup.count("<") > 2 * sanitize.MAX_DEPTH
    assert sanitize.bounded_html(markup) == markup
    assert sanitize_html(markup, "https://example.org/") == reference_sanitize(
        markup, "https://example.org/"
    )


def test_an_oversized_item_is_cut_before_a_tag() -> None:
    markup = "".join(f"<p>Paragraph number {n}.</p>" for n in range(20_000))  # about 580 KB
    assert len(markup) > 2 * sanitize.MAX_HTML_CHARS
    bounded = sanitize.bounded_html(markup)
    assert len(bounded) <= sanitize.MAX_HTML_CHARS
    assert markup.startswith(bounded) and markup[len(bounded)] == "<"
    out = sanitize_html(markup)
    assert "Paragraph number 0." in out and "Paragraph number 19999." not in out
    assert out.endswith("</p>")


_SOUP = st.sampled_from(
    [
        "<div>", "</div>", "<p>", "</p>", "<ul>", "<li>", "</li>", "</ul>", "<b>", "</b>",
        '<i class="x">', "</i>", "<a href='/a'>", "</a>", "<table>", "<tr>", "<td>", "</td>",
        "</table>", "<select>", "<option>", "<xmp>", "</xmp>", "<svg>", "</svg>", "<h1>",
        "<h2>", "</h1>", "<dl>", "<dt>", "<dd>", "<button>", "<span>", "</span>", "<!--",
        "-->", "<br>", "<img src=x>", "text ", "a < b ", "</", "<div title='>'>",
    ]
)  # fmt: skip


_OPENERS = st.sampled_from(["<div>", "<ul>", "<b>", "<i>", "<span>", "<li>", "<td>", "<table>"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_OPENERS, _OPENERS, _OPENERS, _SOUP), min_size=600, max_size=2000))
def test_no_tag_soup_nests_deeper_than_the_cap(tokens: list[str]) -> None:
    out = sanitize_html("".join(tokens))
    assert nesting_depth(out) <= 2 * sanitize.MAX_DEPTH
    assert executable_problems(out, document=False) == []
