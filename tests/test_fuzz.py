"""Property-based tests: random and mutated feed documents through parse → blurb → render.

Whatever the document, the pipeline's middle never crashes (``FeedError`` is the one
allowed way to refuse a document) and never emits executable HTML: every stored entry,
every rendered email part and the built message are checked. Documents come from the
shared corpus (mutated: hostile markup spliced into text fields, bytes flipped, cut,
duplicated or deleted) and from a small generator of RSS, Atom, RDF and JSON feeds.

Bounded run time: a few hundred examples in all, no per-example deadline, no example
database written to disk.
"""

from __future__ import annotations

import functools
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.blurb import extract_blurb
from digest.config import DEFAULT_SUBJECT, DeliveryConfig
from digest.errors import FeedError
from digest.links import is_http_url
from digest.message import build_message
from digest.models import Digest, DigestItem, FailedFeed, Section
from digest.parse import parse_feed
from digest.render import environment, render_message
from tests.conftest import CORPUS, needs_shared
from tests.test_sanitize import executable_problems

FEED_URL = "https://fuzz.example.org/feeds/main.xml"
BLURB_CHARS = 300
MAX_ITEMS = 25  # per document: keeps each example to a fraction of a second
MAX_CORPUS_BYTES = 160_000

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Hostile fragments, each written as it would appear *inside* an HTML field once decoded.
SNIPPETS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" java&#x09;script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<math><a xlink:href="javascript:alert(1)">m</a></math>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example/"><input name=p></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=import href="https://evil.example/x">',
    "<style>*{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1));width:expression(alert(1))">s</p>',
    '<div onmouseover="alert(1)">d</div>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<table background="javascript:alert(1)"><tr><td>t</td></tr></table>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    '"><img src=x onerror=alert(1)>',
    "\x00\x07\x1b\u2028\ufeff",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "Une phrase en français. 한국어 문장입니다. Ещё одно предложение.",
]
LINKS = [
    "https://ok.example.org/story",
    "/relative/story",
    "//cdn.example.org/x",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "mailto:ed@example.org",
    "file:///etc/passwd",
    "http://[::1",
    "",
]


@functools.cache
def corpus_documents() -> tuple[tuple[str, bytes], ...]:
    """Small and medium corpus files (the few very large ones would only slow examples down)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return ()
    names = [line.split("\t", 1)[0] for line in manifest.read_text().splitlines()[1:] if line]
    paths = [CORPUS / n for n in names if (CORPUS / n).is_file()]
    return tuple((p.name, p.read_bytes()) for p in paths if p.stat().st_size <= MAX_CORPUS_BYTES)


# --- the property ---------------------------------------------------------------------------


@functools.cache
def _env() -> jinja2.Environment:
    return environment(None, ZoneInfo("Asia/Seoul"))


def through_pipeline(document: bytes, content_type: str | None = None) -> None:
    """parse → blurb → render → message for one document; assert every safety property."""
    now = datetime(2026, 11, 26, 7, tzinfo=UTC)
    failed: tuple[FailedFeed, ...] = ()
    try:
        parsed = parse_feed(document, FEED_URL, content_type, MAX_ITEMS)
        entries, name = parsed.entries, parsed.title or "Fuzz feed"
    except FeedError as exc:  # refusing a document is fine; crashing is not
        entries, name = (), "Fuzz feed"
        failed = (FailedFeed(name, FEED_URL, exc.message),)
    stories = []
    for number, entry in enumerate(entries):
        assert executable_problems(entry.html, document=False) == [], entry.html
        assert entry.link == "" or is_http_url(entry.link), entry.link
        assert entry.image is None or is_http_url(entry.image.url), entry.image
        blurb = extract_blurb(entry.html, entry.title, BLURB_CHARS)
        assert len(blurb) <= BLURB_CHARS
        stories.append(
            DigestItem(
                title=entry.title or "(untitled)",
                link=entry.link,
                source=name,
                published=entry.published,
                blurb=blurb,
                item_ids=(number,),
                feed_url=FEED_URL,
                image=entry.image,
            )
        )
    digest = Digest(
        title="Fuzz Digest",
        created=now,
        timezone="Asia/Seoul",
        sections=(Section("Fuzz", tuple(stories)),) if stories else (),
        failed_feeds=failed,
    )
    rendered = render_message(digest, _env(), DEFAULT_SUBJECT)
    assert executable_problems(rendered.html) == []
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    message = build_message(
        rendered, DeliveryConfig(), "reader@example.org", "f" * 24, digest.title, now
    )
    assert message.startswith(b"From:") or b"\r\nFrom:" in message


# --- mutated corpus documents ---------------------------------------------------------------

# Where decoded text of an HTML-bearing field starts: hostile markup spliced in here reaches
# the sanitiser (escaped, so the XML itself stays well-formed).
_TEXT_START = re.compile(
    rb"<(?:title|description|summary|content|content:encoded|subtitle)\b[^>]*>(?:<!\[CDATA\[)?"
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A corpus document with one to four mutations."""
    _name, original = draw(st.sampled_from(corpus_documents()))
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                [
                    "into_text",
                    "into_text",
                    "into_text",
                    "raw_markup",
                    "flip",
                    "truncate",
                    "delete",
                    "duplicate",
                ]
            )
        )
        where = draw(st.integers(0, len(data)))
        if kind == "into_text":
            starts = [m.end() for m in _TEXT_START.finditer(bytes(data))]
            snippet = draw(st.sampled_from(SNIPPETS))
            if starts:
                where = starts[draw(st.integers(0, len(starts) - 1))]
                cdata = data[where - 9 : where] == b"<![CDATA["
                text = snippet if cdata else html.escape(snippet, quote=False)
                data[where:where] = text.replace("]]>", "]] >").encode("utf-8")
        elif kind == "raw_markup":
            data[where:where] = draw(st.sampled_from(SNIPPETS)).encode("utf-8")
        elif kind == "flip" and data:
            at = min(where, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[where:]
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 400))]
        elif kind == "duplicate":
            data[where:where] = data[where : where + draw(st.integers(1, 2000))]
    return bytes(data)


@needs_shared
@pytest.mark.slow  # 150 documents through the whole pipeline
@settings(FUZZ, max_examples=150)
@given(mutated_documents())
def test_mutated_corpus_documents_never_crash_or_emit_executable_html(document: bytes) -> None:
    through_pipeline(document)


# --- generated documents -----------------------------------------------------------------------

_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(SNIPPETS),
    st.tuples(st.text(max_size=30), st.sampled_from(SNIPPETS), st.text(max_size=30)).map("".join),
)


@st.composite
def generated_items(draw: st.DrawFn) -> dict[str, str]:
    return {
        "title": draw(_text),
        "link": draw(st.one_of(st.sampled_from(LINKS), st.text(max_size=30))),
        "body": draw(_text),
        "image": draw(st.sampled_from(LINKS)),
        "category": draw(st.sampled_from(["News", "Culture", "", "<b>x</b>"])),
    }


def _field(value: str, mode: str) -> str:
    if mode == "cdata":
        return "<![CDATA[" + value.replace("]]>", "]] >") + "]]>"
    if mode == "escaped":
        return html.escape(value, quote=False)
    return value  # raw: may well break the XML, which is part of the test


@st.composite
def generated_documents(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """An RSS, Atom, RDF or JSON feed with hostile fields, in one of several encodings."""
    kind = draw(st.sampled_from(["rss", "atom", "rdf", "json"]))
    items = draw(st.lists(generated_items(), max_size=5))
    mode = draw(st.sampled_from(["cdata", "escaped", "raw"]))
    base = draw(
        st.sampled_from(
            ["", ' xml:base="javascript:alert(1)//"', ' xml:base="https://base.example.org/a/"']
        )
    )
    if kind == "json":
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": draw(_text),
            "home_page_url": draw(st.sampled_from(LINKS)),
            "items": [
                {
                    "id": str(n),
                    "url": i["link"],
                    "title": i["title"],
                    "content_html": i["body"],
                    "image": i["image"],
                    "tags": [i["category"]],
                }
                for n, i in enumerate(items)
            ],
        }
        return json.dumps(feed).encode("utf-8"), "application/feed+json"
    esc = functools.partial(html.escape, quote=True)
    if kind == "rss":
        body = "".join(
            f"<item><title>{_field(i['title'], mode)}</title><link>{esc(i['link'])}</link>"
            f"<guid>{n}</guid><category>{esc(i['category'])}</category>"
            f"<description>{_field(i['body'], mode)}</description>"
            f'<media:thumbnail url="{esc(i["image"])}"/></item>'
            for n, i in enumerate(items)
        )
        doc = (
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel{base}><title>{_field(draw(_text), mode)}</title>"
            f"<link>https://fuzz.example.org/</link>{body}</channel></rss>"
        )
    elif kind == "atom":
        kinds = draw(st.sampled_from(["html", "text", "xhtml"]))
        body = "".join(
            f'<entry><title type="{"html" if kinds == "html" else "text"}">'
            f"{_field(i['title'], mode)}</title>"
            f"<id>urn:fuzz:{n}</id><updated>2026-11-20T08:00:00Z</updated>"
            f'<link rel="alternate" href="{esc(i["link"])}"/>'
            f'<category term="{esc(i["category"])}"/>'
            + (
                f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                f"{i['body']}</div></content>"
                if kinds == "xhtml"
                else f'<content type="html">{_field(i["body"], mode)}</content>'
            )
            + "</entry>"
            for n, i in enumerate(items)
        )
        doc = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"{base}><title>{esc(draw(_text))}</title>'
            f"<id>urn:fuzz</id><updated>2026-11-20T08:00:00Z</updated>{body}</feed>"
        )
    else:
        body = "".join(
            f'<item rdf:about="{esc(i["link"])}"><title>{_field(i["title"], mode)}</title>'
            f"<link>{esc(i['link'])}</link><description>{_field(i['body'], mode)}</description>"
            "</item>"
            for i in items
        )
        doc = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://fuzz.example.org/">'
            f"<title>Fuzz</title><link>https://fuzz.example.org/</link></channel>{body}"
            "</rdf:RDF>"
        )
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "iso-8859-1", "windows-1252"]))
    prolog = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    return (prolog + doc).encode(encoding, "xmlcharrefreplace"), None


@pytest.mark.slow  # 150 documents through the whole pipeline
@settings(FUZZ, max_examples=150)
@given(generated_documents())
def test_generated_feeds_never_crash_or_emit_executable_html(
    document: tuple[bytes, str | None],
) -> None:
    through_pipeline(*document)


# --- crashes the fuzzing found ---------------------------------------------------------------

# feedparser's loose (sgmllib) parser raises on these instead of reporting a bozo feed:
# int(None) when </width> or </height> closes nothing it opened, and chr(0xD800).encode()
# for a character reference to a lone surrogate. parse_feed turns them into FeedError.
FEEDPARSER_CRASHERS = {
    "width-closes-nothing": b'<rss version="2.0"><channel><image></width></image>'
    b"<item><title>a</title><link>https://x.example/1</link></item></channel></rss>",
    "height-misnested": b'<rss version="2.0"><channel><image><height><title>t</height>'
    b"</image></channel></rss>",
    "lone-surrogate-reference": b'<rss version="2.0"><channel><item><title>&#xD800;</title>'
    b"<link>https://x.example/1</link></item></channel></rss>",
}


@pytest.mark.parametrize("name", sorted(FEEDPARSER_CRASHERS))
def test_feedparser_crash_is_a_feed_error(name: str) -> None:
    """parse_feed promises FeedError for a document it cannot read, never another exception."""
    with pytest.raises(FeedError, match=r"^not a feed"):
        parse_feed(FEEDPARSER_CRASHERS[name], FEED_URL)


def test_the_corpus_is_there_for_the_mutation_test() -> None:
    """Guard: the mutation test above is not silently fuzzing nothing."""
    if not (CORPUS / "MANIFEST.tsv").is_file():
        return
    assert len(corpus_documents()) >= 50
    assert all(isinstance(data, bytes) and data for _name, data in corpus_documents())
    assert Path(CORPUS).is_dir()
