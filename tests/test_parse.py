"""Parsing: digest gives the items plain feedparser gives, on every file of the corpus.

What "the same items" means here, precisely. The reference is ``feedparser.parse``
with its defaults (its own sanitiser and relative-URI resolver on), each entry then
mapped by digest's own rules (guid, title, link, date, categories, author, image) and
its content passed through digest's own sanitiser (``digest.sanitize``). digest's
result is ``parse_feed``: feedparser with its sanitiser off, then digest's sanitiser
once. Both read the document as ``charset.feed_bytes`` gives it (the same bytes, except
that a document naming no encoding that is not UTF-8 is transcoded by a detector:
tests/test_charset.py). Per feed they must have:

- the same entries in the same order, with equal guid, link, published date,
  categories and author (exact equality);
- equal titles, or digest's title equal to the reference title with ``&amp;`` read
  as ``&``: feedparser's sanitiser re-escapes the ampersands of an RSS title it
  guesses is HTML ("Look&amp;Lease"), digest shows the title as text ("Look&Lease");
- the same sanitised content: identical HTML, or else the same visible text
  (whitespace collapsed) and the same links and images in the same order, less
  the links feedparser made from an empty ``href=""`` (it resolves them to the feed
  document's own URL; digest's sanitiser drops a link to nowhere, leaving an ``<a>``
  without href, which links nowhere and is not counted).
"""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html

from digest import parse as parse_module
from digest.charset import feed_bytes
from digest.errors import FeedError
from digest.models import Entry
from digest.parse import FeedRead, ParseJob, parse_feed, parse_job, read_feed
from tests.conftest import CORPUS, needs_shared
from tests.feeds import FakeItem, rss

FEED_URL = "https://example.org/feeds/feed.xml"


def corpus_files() -> list[Path]:
    """Every document MANIFEST.tsv lists."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    names = [line.split("\t", 1)[0] for line in manifest.read_text().splitlines()[1:] if line]
    return [CORPUS / name for name in names]


def reference_entries(body: bytes, url: str, max_items: int = 200) -> list[Entry] | None:
    """Plain feedparser (its defaults), mapped and sanitised by digest; None: not a feed."""
    document = io.BytesIO(feed_bytes(body, None))
    data = feedparser.parse(document, response_headers={"content-location": url})
    if not data.get("version") and not data.entries:
        return None
    atom = str(data.get("version", "")).startswith("atom")
    raw = data.entries[: max_items * 2]
    context = parse_module.feed_context(raw, url, atom, parse_module._language(body), max_items)
    entries = [parse_module._entry(e, url, context) for e in raw]
    return parse_module._unique(entries)[:max_items]


def visible(markup: str, base: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text and the (tag, URL) of every link and image, in order."""
    if not markup:
        return "", ()
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    text = " ".join(root.text_content().split())
    found = ((str(el.tag), el.get("href") or el.get("src")) for el in root.iter("a", "img"))
    # An <a> without href links nowhere; feedparser resolves href="" to the feed's own URL.
    urls = tuple((tag, str(url)) for tag, url in found if url and url != base)
    return text, urls


def same_item(ours: Entry, ref: Entry, url: str) -> list[str]:
    """What differs between two entries, by the rules in the module docstring."""
    problems = [
        f"{name}: {getattr(ours, name)!r} != {getattr(ref, name)!r}"
        for name in ("guid", "link", "published", "categories", "author")
        if getattr(ours, name) != getattr(ref, name)
    ]
    if ours.title not in (ref.title, ref.title.replace("&amp;", "&")):
        problems.append(f"title: {ours.title!r} != {ref.title!r}")
    if ours.html != ref.html and visible(ours.html, url) != visible(ref.html, url):
        problems.append(f"content of {ours.guid}: {ours.html[:200]!r} != {ref.html[:200]!r}")
    return problems


@needs_shared
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_gives_the_items_plain_feedparser_gives(path: Path) -> None:
    body = path.read_bytes()
    url = "https://example.org/feeds/" + path.name
    if path.suffix == ".json":  # feedparser 6 does not read JSON Feed: digest's own path
        assert parse_feed(body, url).entries
        return
    reference = reference_entries(body, url)
    if reference is None:
        with pytest.raises(FeedError, match=r"^not a feed"):
            parse_feed(body, url)
        return
    ours = parse_feed(body, url).entries
    assert [e.guid for e in ours] == [e.guid for e in reference]
    problems = [p for mine, ref in zip(ours, reference) for p in same_item(mine, ref, url)]
    assert not problems, problems[:5]


# --- parsing ------------------------------------------------------------------------------


def test_relative_links_resolve_against_xml_base_and_the_feed_url() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example.net/a/">'
        b"<title>T</title><entry><title>One</title><id>1</id>"
        b'<link href="one.html"/><content type="html">&lt;a href="x/y"&gt;y&lt;/a&gt;'
        b'&lt;img src="/i.png"&gt;</content></entry>'
        b'<entry xml:base="https://other.example.org/b/c"><title>Two</title><id>2</id>'
        b'<link href="../two"/></entry></feed>'
    )
    one, two = parse_feed(body, FEED_URL).entries
    assert one.link == "https://cdn.example.net/a/one.html"
    assert 'href="https://cdn.example.net/a/x/y"' in one.html
    assert 'src="https://cdn.example.net/i.png"' in one.html
    assert two.link == "https://other.example.org/two"
    plain = rss(FakeItem(link="/story?id=3", body='<p><a href="more">m</a></p>')).encode()
    [three] = parse_feed(plain, "https://news.example.org/feeds/rss").entries
    assert three.link == "https://news.example.org/story?id=3"
    assert 'href="https://news.example.org/feeds/more"' in three.html


def test_json_feed_items_and_relative_urls() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J",'
        b' "home_page_url": "https://j.example.org/",'
        b' "items": [{"id": "1", "url": "/p/1", "title": "One", "content_html":'
        b' "<p>Hi <a href=\\"/x\\">x</a><script>bad()</script></p>",'
        b' "date_published": "2025-06-01T10:00:00Z", "tags": ["a"]},'
        b' {"id": "2", "content_text": "Plain\\n\\ntext"}]}'
    )
    feed = parse_feed(body, FEED_URL, "application/feed+json")
    one, two = feed.entries
    assert feed.title == "J"
    assert (one.guid, one.link, one.categories) == ("1", "https://j.example.org/p/1", ("a",))
    assert 'href="https://j.example.org/x"' in one.html and "script" not in one.html
    assert one.published is not None and one.published.isoformat() == "2025-06-01T10:00:00+00:00"
    assert two.html == "<p>Plain</p><p>text</p>"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"<!DOCTYPE html><html><body><p>Moved</p></body></html>", None, "got an HTML page"),
        (b"<head><title>Moved</title></head><body>here</body>", None, "got an HTML page"),
        (b"Service unavailable, try later", "text/html; charset=utf-8", "got an HTML page"),
        (b"   ", None, "the response was empty"),
        (b"{not json", "application/json", "invalid JSON"),
        (b'{"items": []}', "application/json", "JSON without a JSON Feed version"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None, "got binary data, not text"),
        (bytes(range(256)) * 4, "application/octet-stream", "got binary data, not text"),
        (b"Feed moved. Please update your reader.", None, "got text that is neither XML nor JSON"),
        (b'<?xml version="1.0"?>\n<sitemap><url/></sitemap>', None, "an XML document of <sitemap>"),
        (b'<?xml version="1.0"?>\n<notes><note>a</notes>', None, "broken XML (mismatched tag)"),
    ],
)
def test_not_a_feed_says_why_in_words(body: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body, FEED_URL, content_type)
    assert caught.value.message == f"not a feed: {reason}" or str(caught.value).startswith(
        f"not a feed: {reason}"
    )


@pytest.mark.parametrize(
    ("encoding", "header"),
    [("windows-1252", None), ("iso-8859-2", None), ("utf-16", None), ("koi8-r", "koi8-r")],
)
def test_encodings_declared_in_the_document_or_the_header(
    encoding: str, header: str | None
) -> None:
    title = {"koi8-r": "Привет мир", "iso-8859-2": "Zażółć"}.get(encoding, "Café € “quoted”")
    declared = "" if header else f' encoding="{encoding}"'
    text = (
        f'<?xml version="1.0"{declared}?><rss version="2.0"><channel><title>F</title>'
        f"<item><title>{title}</title><link>https://e.org/1</link></item></channel></rss>"
    )
    content_type = f"application/xml; charset={header}" if header else None
    [entry] = parse_feed(text.encode(encoding), FEED_URL, content_type).entries
    assert entry.title == title


@needs_shared
def test_corpus_encodings_come_out_as_text() -> None:
    cases = {
        "tiny_windows-1252_euro.xml": "€",
        "qq_tech_rss20_gb2312.xml": "盛大游戏",
        "ibash_org_ru_rss20_windows-1251.xml": "Цитата",
        "fp_encoding_euc-kr.xml": "",
    }
    for name, expected in cases.items():
        feed = parse_feed((CORPUS / name).read_bytes(), FEED_URL)
        text = feed.title + " ".join(e.title for e in feed.entries)
        assert expected in text, (name, text[:200])
        assert "\ufffd" not in text, name


# --- known items are skipped before any per-item work ------------------------------------


def test_known_items_are_not_sanitised(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [FakeItem(f"Story {n}", f"https://e.org/{n}") for n in range(5)]
    body = rss(*items).encode()
    calls: list[str] = []
    real = parse_module.sanitize_html

    def counting(markup: str, base: str = "") -> str:
        calls.append(markup)
        return real(markup, base)

    monkeypatch.setattr(parse_module, "sanitize_html", counting)
    known = frozenset({"https://e.org/0", "https://e.org/3"})
    read = read_feed(body, FEED_URL, known=known)
    assert [e.guid for e in read.feed.entries] == [
        "https://e.org/1",
        "https://e.org/2",
        "https://e.org/4",
    ]
    assert read.still_carried == ("https://e.org/0", "https://e.org/3")
    assert len(calls) == 3  # only the new items were sanitised


def test_known_items_still_count_toward_max_items() -> None:
    body = rss(*(FakeItem(f"S{n}", f"https://e.org/{n}") for n in range(6))).encode()
    fresh = parse_feed(body, FEED_URL, max_items=3, known=frozenset({"https://e.org/0"}))
    assert [e.guid for e in fresh.entries] == ["https://e.org/1", "https://e.org/2"]


def test_duplicate_guids_keep_the_first() -> None:
    body = rss(FakeItem("First", "https://e.org/1"), FakeItem("Again", "https://e.org/1")).encode()
    [entry] = parse_feed(body, FEED_URL).entries
    assert entry.title == "First"


def test_one_guid_on_different_stories_keeps_each_story_under_a_guid_of_its_own() -> None:
    items = "".join(
        f"<item><title>{title}</title><link>https://e.org/{n}</link>"
        '<guid isPermaLink="false">dup</guid></item>'
        for n, title in enumerate(["First story", "Second story", "First story again"])
    ).replace("https://e.org/2", "https://e.org/0")
    body = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    entries = parse_feed(body, FEED_URL).entries
    assert [(e.title, e.guid) for e in entries] == [
        ("First story", "dup"),
        ("Second story", "dup#https://e.org/1"),
    ]
    # stored, the same document next time gives nothing new and knows both as carried
    again = read_feed(body, FEED_URL, known=frozenset(e.guid for e in entries))
    assert again.feed.entries == () and set(again.still_carried) == {e.guid for e in entries}


def test_rss_titles_with_escaped_markup_or_entities_read_as_text() -> None:
    titles = [
        "Tom &amp;amp; Jerry &lt;b&gt;bold&lt;/b&gt; &amp;#8220;quoted&amp;#8221;",
        "<![CDATA[CDATA <i>italic</i> title]]>",
        "AT&amp;T profits &lt; expectations",
        "Caf&amp;eacute; &amp;nbsp;opens",
    ]
    items = "".join(
        f"<item><title>{t}</title><link>https://e.org/{n}</link></item>"
        for n, t in enumerate(titles)
    )
    body = f'<rss version="2.0"><channel><title>Ben &amp;amp; co</title>{items}</channel></rss>'
    feed = parse_feed(body.encode(), FEED_URL)
    assert feed.title == "Ben & co"
    assert [e.title for e in feed.entries] == [
        "Tom & Jerry bold “quoted”",
        "CDATA italic title",
        "AT&T profits < expectations",
        "Café opens",
    ]


def test_parse_job_returns_errors_instead_of_raising() -> None:
    bad = parse_job(ParseJob(b"<html><body>no</body></html>", FEED_URL))
    assert isinstance(bad, FeedError) and bad.message == "not a feed: got an HTML page"
    good = parse_job(ParseJob(rss(FakeItem()).encode(), FEED_URL, known=frozenset()))
    assert isinstance(good, FeedRead) and len(good.feed.entries) == 1


def test_a_bytes_body_is_never_opened_as_a_file_name(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(rss(FakeItem("Local file")))
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode(), FEED_URL)


# --- dates written in numbers (issue 13) ------------------------------------------------------


def dated_feed(*dates: str, language: str = "") -> list[Entry]:
    from tests.feeds import rss_item, rss_items

    items = [
        rss_item(f"Story {n}", f"https://news.example.org/{n}", date=d) for n, d in enumerate(dates)
    ]
    return list(parse_feed(rss_items(*items, language=language).encode(), FEED_URL).entries)


def days(entries: list[Entry]) -> list[str]:
    return [e.published.isoformat() if e.published else "" for e in entries]


def test_a_day_above_twelve_anywhere_makes_the_feed_day_first() -> None:
    entries = dated_feed("08/02/2013 12:00:00", "13/02/2013 09:30:00")
    assert days(entries) == ["2013-02-08T12:00:00+00:00", "2013-02-13T09:30:00+00:00"]


def test_a_second_number_above_twelve_makes_the_feed_month_first() -> None:
    entries = dated_feed("08/02/2013 12:00:00", "02/13/2013 09:30:00", language="de")
    assert days(entries) == ["2013-08-02T12:00:00+00:00", "2013-02-13T09:30:00+00:00"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en-GB", "2013-02-08T12:00:00+00:00"), ("fr", "2013-02-08T12:00:00+00:00"),
     ("en-US", "2013-08-02T12:00:00+00:00"), ("", "2013-08-02T12:00:00+00:00")],
)  # fmt: skip
def test_otherwise_the_feeds_language_decides(language: str, expected: str) -> None:
    assert days(dated_feed("08/02/2013 12:00:00", language=language)) == [expected]


def test_year_first_dots_and_zones_are_read_and_a_day_alone_is_a_day() -> None:
    entries = dated_feed(
        "2013.02.08", "2013.02.08 14:30", "08.02.2013 14:30 +0100", "2/8/2013 2:30 PM"
    )
    assert days(entries) == [
        "2013-02-08T12:00:00+00:00",  # feedparser reads this as 1 December
        "2013-02-08T14:30:00+00:00",
        "2013-02-08T13:30:00+00:00",
        "2013-02-08T14:30:00+00:00",
    ]
    assert [e.date_only for e in entries] == [True, False, False, False]


def test_a_date_that_cannot_be_read_is_no_date() -> None:
    assert days(dated_feed("31/31/2013", "someday")) == ["", ""]


@pytest.mark.parametrize(
    ("declared", "tag"),
    [
        ("en", "en"),
        ("en_US", "en-US"),
        (" EN-us ", "en-us"),
        ("pt-BR", "pt-BR"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("English", ""),
        ('en" onmouseover="x', ""),
        ("", ""),
        (None, ""),
    ],
)
def test_a_declared_language_is_kept_only_as_a_language_tag(declared: object, tag: str) -> None:
    from digest.parse import language_tag

    assert language_tag(declared) == tag


STORY = (
    "<p>Yesterday I stumbled on a list of crowdfunded gadgets on the front page of a news "
    "site. One of them was a battery that charges in thirty seconds, and I had a look.</p>"
    "<p>The back-of-the-envelope sums say the capacitor inside holds a hundredth of what the "
    "campaign promises. That is not a battery anyone should fund.</p>"
)


def _description(text: str) -> str:
    return f"<description>{text}</description>"


@pytest.mark.parametrize(
    ("descriptions", "kept"),
    [
        # the publisher's own summary of the post: it heads the story
        (["Checking the sums behind a crowdfunded thirty-second battery."], True),
        # the content's opening again (an excerpt), cut or whole: nothing to add
        (
            ["Yesterday I stumbled on a list of crowdfunded gadgets on the front page [&#8230;]"],
            False,
        ),
        (
            [
                "Yesterday I stumbled on a list of crowdfunded gadgets on the front page of a"
                " news site."
            ],
            False,
        ),
        # a teaser the publisher cut short
        (["Battery sums, a gadget list, crowdfunding and thirty seconds of charging..."], False),
        # a word or two is a label, not a summary
        (["Gadgets."], False),
        # the same line on every item of the feed is boilerplate
        (["Check us out and let us know what you want us to cover!"] * 2, False),
    ],
)
def test_a_publisher_summary_beside_the_content_heads_the_story(
    descriptions: list[str], kept: bool
) -> None:
    from digest.blurb import summarize
    from digest.sanitize import leads_with_summary
    from digest.storytext import story_paragraphs

    items = [
        FakeItem(f"Post {n}", f"https://blog.example.org/{n}", body=STORY, extra=_description(d))
        for n, d in enumerate(descriptions)
    ]
    entry = parse_feed(rss(*items).encode(), FEED_URL).entries[0]
    summary = descriptions[0]
    paragraphs = story_paragraphs(entry.html)
    assert (paragraphs[0] == summary) is kept, paragraphs
    assert paragraphs[-1].endswith("anyone should fund.")  # the story is all there
    if kept:  # the blurb opens with it, short as it is (not taken for a caption)
        blurb = summarize(paragraphs, entry.title, 300, summary=leads_with_summary(entry.html))
        assert blurb.startswith(summary), blurb


def test_a_json_feed_summary_heads_its_content() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
        b'{"id": "1", "title": "Battery", "summary": "Checking the sums behind a crowdfunded'
        b' thirty-second battery.", "content_html": "<p>Yesterday I stumbled on a list of'
        b' gadgets. One was a battery.</p>"}]}'
    )
    [entry] = parse_feed(body, FEED_URL, "application/feed+json").entries
    assert entry.html.startswith('<p class="digest-summary">Checking the sums behind a')
    assert "Yesterday I stumbled" in entry.html


@pytest.mark.parametrize(
    "second_caption",
    [
        "",  # feedparser then empties the description's detail
        "The new bridge as the council's engineers drew it.",  # ... or makes it this caption
    ],
)
def test_an_article_in_the_description_outweighs_a_photo_caption_in_media_description(
    second_caption: str,
) -> None:
    """feedparser takes the last media:description for the description's detail and the
    first for the item's content; the article in the description is still the story."""
    article = "".join(
        f"<p>Paragraph {n} of the harbour story, which goes on for a while about the bridge.</p>"
        for n in range(1, 9)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Harbour</title>'
        "<link>https://news.example.org/</link><item><title>The bridge</title>"
        "<link>https://news.example.org/bridge</link>"
        f"<description><![CDATA[{article}]]></description>"
        '<media:content url="https://news.example.org/bridge.jpg" medium="image">'
        "<media:description>The old bridge at dusk, seen from the ferry.</media:description>"
        '</media:content><media:content url="https://news.example.org/plan.jpg">'
        f"<media:description>{second_caption}</media:description>"
        "</media:content></item></channel></rss>"
    )
    entry = parse_feed(body.encode(), FEED_URL).entries[0]
    assert "Paragraph 8 of the harbour story" in entry.html
