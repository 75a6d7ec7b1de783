"""Full text for teaser feeds: article pages served by a real HTTP server on 127.0.0.1.

Each page in tests/data/blurbs/pages/ sits next to the story it carries (NAME.story.txt,
a line of each paragraph) and the page chrome around it (NAME.chrome.txt)."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from digest import storytext
from digest.blurb import extract_blurb
from digest.fetch import FetchLimits
from digest.fulltext import read_full_text, with_full_text
from digest.models import Entry, Image
from digest.storytext import story_paragraphs
from tests.conftest import HERE, FeedServer, run_cli, write_config

PAGES = HERE / "blurbs" / "pages"
NAMES = sorted(p.stem for p in PAGES.glob("*.html"))
LOOPBACK = ("127.0.0.0/8", "::1/128")  # article pages come from the test server
LIMITS = FetchLimits(timeout=10, concurrency=4, per_host=2, allow_private=LOOPBACK)
LOCAL = {"allow_private": list(LOOPBACK)}  # config.yaml's fetch: the same
TEASER = "<p>A short teaser.</p>"


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def entry(link: str, html: str = TEASER, guid: str = "") -> Entry:
    return Entry(guid=guid or link, title="", link=link, published=None, html=html)


@pytest.fixture(params=["readability", "trafilatura"])
def extractor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with readability-lxml (when installed) and with the trafilatura fallback."""
    if request.param == "readability":
        pytest.importorskip("readability", reason="readability-lxml is not installed")
    else:
        monkeypatch.setattr(storytext, "_readability", lambda: None)
    return str(request.param)


@pytest.mark.parametrize("name", NAMES)
def test_full_text_replaces_the_teaser_with_the_story(
    name: str, extractor: str, http_server: FeedServer
) -> None:
    url = http_server.serve_file(f"/{name}", PAGES / f"{name}.html", content_type="text/html")
    [full] = with_full_text([entry(url)], LIMITS)
    story = " ".join(story_paragraphs(full.html))
    for paragraph in lines(PAGES / f"{name}.story.txt"):
        assert paragraph in story
    blurb = extract_blurb(full.html, "")
    assert blurb
    for chrome in lines(PAGES / f"{name}.chrome.txt"):
        assert chrome not in story, chrome
        assert chrome not in blurb, chrome


def test_the_blurb_of_a_fetched_review_says_what_the_film_is(http_server: FeedServer) -> None:
    url = http_server.serve_file("/r", PAGES / "review_en.html", content_type="text/html")
    [full] = with_full_text([entry(url)], LIMITS)
    blurb = extract_blurb(
        full.html, "'Glass Harbor' Review: A Quiet Thriller That Keeps Its Secrets"
    )
    assert "Glass Harbor follows Ines Varga" in blurb or "Fog has always" in blurb
    assert len(blurb) <= 300


def test_a_page_linked_twice_is_fetched_once(http_server: FeedServer) -> None:
    url = http_server.serve_file("/p", PAGES / "blog_en.html", content_type="text/html")
    first, second = with_full_text([entry(url, guid="a"), entry(url, guid="b")], LIMITS)
    assert len(http_server.hits("/p")) == 1
    assert first.html == second.html != TEASER


def test_article_pages_are_asked_for_as_html(http_server: FeedServer) -> None:
    """A server that picks the format by Accept must send the page, not its feed."""
    url = http_server.serve_file("/page", PAGES / f"{NAMES[0]}.html", content_type="text/html")
    with_full_text([entry(url)], LIMITS)
    [request] = http_server.hits("/page")
    accept = {k.lower(): v for k, v in request.headers.items()}["accept"]
    assert accept.startswith("text/html") and "rss" not in accept


def test_a_page_that_fails_leaves_the_teaser(http_server: FeedServer) -> None:
    missing = http_server.url("/gone")
    broken = http_server.serve("/broken", "oops", status=500, content_type="text/plain")
    out = with_full_text([entry(missing), entry(broken)], LIMITS)
    assert [e.html for e in out] == [TEASER, TEASER]


def test_a_richer_teaser_is_kept_over_a_thin_page(http_server: FeedServer) -> None:
    thin = "<html><body><p>Nothing here.</p></body></html>"
    url = http_server.serve("/thin", thin, content_type="text/html")
    rich = "<p>" + "A long teaser sentence that says a great deal about the story. " * 8 + "</p>"
    [kept] = with_full_text([entry(url, html=rich)], LIMITS)
    assert kept.html == rich


def test_items_without_a_link_are_left_alone() -> None:
    item = entry("", guid="x")
    assert with_full_text([item], LIMITS) == [item]


def test_the_page_charset_from_the_server_is_honoured(http_server: FeedServer) -> None:
    page = (
        (PAGES / "news_pt.html").read_text(encoding="utf-8").replace('<meta charset="utf-8">', "")
    )
    url = http_server.serve(
        "/latin1", page.encode("iso-8859-1"), content_type="text/html; charset=iso-8859-1"
    )
    [full] = with_full_text([entry(url)], LIMITS)
    assert "A estiagem prolongada deve reduzir em até 30%" in full.html


RUSSIAN_PAGE = """<!doctype html><html><head><title>Новости</title></head><body><article>
<h1>Городской театр открыл сезон</h1>
<p>Городской театр открыл новый сезон премьерой пьесы о семье, которая переезжает из деревни
в большой город и теряет там свои старые привычки.</p>
<p>Режиссёр спектакля говорит, что хотел показать, как меняются люди, когда вокруг них меняется
всё, и зрители на премьере долго аплодировали актёрам.</p>
<p>Следующие показы пройдут в пятницу и субботу, билеты уже продаются в кассе театра.</p>
</article></body></html>"""


def test_a_page_that_names_no_charset_is_read_in_its_own(http_server: FeedServer) -> None:
    """A KOI8-R page served as bare text/html, no <meta charset>: read as Russian, not
    as windows-1252 mojibake."""
    url = http_server.serve("/koi8", RUSSIAN_PAGE.encode("koi8-r"), content_type="text/html")
    [full] = with_full_text([entry(url)], LIMITS)
    assert "Режиссёр спектакля говорит" in full.html
    assert "Городской театр открыл новый сезон" in extract_blurb(full.html, "")


def test_a_full_text_item_without_a_picture_gets_its_pages_own(http_server: FeedServer) -> None:
    """The feed gave no picture; the article page names one (og:image): the story shows it.
    An item whose feed gave a picture keeps the feed's."""
    page = (PAGES / "news_pt.html").read_text(encoding="utf-8")
    meta = (
        '<meta property="og:image" content="https://images.example.org/seca-1200.jpg">'
        '<meta property="og:image:width" content="1200">'
        '<meta property="og:image:height" content="800">'
    )
    url = http_server.serve(
        "/with-og",
        page.replace("</head>", meta + "</head>", 1),
        content_type="text/html; charset=utf-8",
    )
    [full] = with_full_text([entry(url)], LIMITS)
    assert full.image is not None
    assert full.image.url == "https://images.example.org/seca-1200.jpg"
    assert (full.image.width, full.image.height) == (1200, 800)
    own = Image("https://cdn.example.net/feed-picture.jpg", 800, 600)
    [kept] = with_full_text([replace(entry(url), image=own)], LIMITS)
    assert kept.image == own


def test_a_page_of_navigation_only_leaves_the_teaser(http_server: FeedServer) -> None:
    page = "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>"
    url = http_server.serve("/nav", page, content_type="text/html")
    [kept] = with_full_text([entry(url)], LIMITS)
    assert kept.html == TEASER


# --- cookie and consent banners -------------------------------------------------------------

LEAD = "The harbour commission approved a plan on Monday to rebuild the north pier"
HARBOUR = (
    f"<p>{LEAD} before the winter storms arrive. The work will cost four million euros and "
    "close the pier to boats for three months.</p>"
    "<p>Fishermen said the closure came at the worst time of year, but most agreed that the "
    "old pier could not last another season. The commission promised a temporary landing "
    "stage at the ferry terminal.</p>"
)


def article_page(story: str, before: str = "", inside: str = "", after: str = "") -> str:
    """An article page: masthead, whatever comes *before* the article, the article (with
    *inside* at its top), whatever comes *after* it."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Harbour Times"
        "</title></head><body><header><a href='/'>Harbour Times</a></header>"
        f"{before}<main><article><h1>Pier to be rebuilt</h1>{inside}{story}</article></main>"
        f"{after}<footer><p>Harbour Times, Quay Street 4</p></footer></body></html>"
    )


CONSENT_PAGES = [
    (
        "cookie-banner div next to the article",
        "<html><body><div class='cookie-banner'>We use cookies to improve your experience. "
        f"Accept all cookies?</div><article>{HARBOUR}</article></body></html>",
    ),
    (
        "cookie-banner div at the top of the article",
        article_page(
            HARBOUR,
            inside='<div class="cookie-banner">We use cookies to improve your experience. '
            "Accept all cookies?</div>",
        ),
    ),
    (
        "consent platform dialog after the article",
        article_page(
            HARBOUR,
            after='<div id="onetrust-banner-sdk" role="dialog" aria-label="Cookie banner">'
            '<div id="onetrust-policy"><h2>We value your privacy</h2><p id="onetrust-policy-'
            'text">By clicking “Accept All Cookies”, you agree to the storing of cookies on '
            "your device to enhance site navigation, analyze site usage, and assist in our "
            "marketing efforts.</p></div><button>Accept All Cookies</button>"
            "<button>Cookie Settings</button></div>",
        ),
    ),
    (
        "banner without telltale markup, inside the article",
        article_page(
            HARBOUR,
            inside='<div class="notice"><p>This website uses cookies to ensure you get the '
            "best experience on our website. You can change your cookie settings at any time."
            '</p><p><a href="/privacy">Manage preferences</a> <a href="#">Accept all</a></p>'
            "</div>",
        ),
    ),
    (
        "IAB consent text",
        article_page(
            HARBOUR,
            before='<div class="fc-consent-root"><div class="fc-dialog-container"><p>'
            "We and our partners store and/or access information on a device, such as "
            "cookies and process personal data, such as unique identifiers and standard "
            "information sent by a device for personalised ads and content, ad and content "
            "measurement, and audience insights, as well as to develop and improve products."
            "</p><button>Consent</button><button>Manage options</button></div></div>",
        ),
    ),
    (
        "German banner in the article's container",
        article_page(
            HARBOUR,
            inside='<section class="hinweis"><p>Wir verwenden Cookies, um Ihnen das beste '
            "Nutzererlebnis zu bieten. Mit dem Klick auf „Alle akzeptieren“ stimmen Sie der "
            "Verwendung aller Cookies zu.</p><p>Alle akzeptieren</p></section>",
        ),
    ),
]


@pytest.mark.parametrize(("kind", "page"), CONSENT_PAGES, ids=[c[0] for c in CONSENT_PAGES])
def test_a_cookie_banner_never_reaches_the_blurb(
    kind: str, page: str, extractor: str, http_server: FeedServer
) -> None:
    url = http_server.serve("/pier", page, content_type="text/html; charset=utf-8")
    [full] = with_full_text([entry(url)], LIMITS)
    blurb = extract_blurb(full.html, "Pier to be rebuilt")
    assert blurb.startswith(LEAD)
    for word in ("cookie", "Cookie", "consent", "privacy", "Accept", "akzeptieren", "partners"):
        assert word not in blurb
        assert word not in " ".join(story_paragraphs(full.html))


COOKIE_ARTICLES = [
    (
        "recipe",
        '<article class="post category-cookies tag-chocolate-chip-cookies"><h1>Brown butter '
        'cookies</h1><div class="entry-content"><p>These brown butter cookies are crisp at the '
        "edges and chewy in the middle, and they keep for a week in a tin.</p><p>We use "
        "cookies from the day before for the crumb base, because fresh ones go soft. Accept "
        "that the first tray will spread too much; the second is always better.</p></div>"
        "</article>",
        [
            "These brown butter cookies are crisp at the edges",
            "We use cookies from the day before for the crumb base",
            "Accept that the first tray will spread too much",
        ],
    ),
    (
        "cookie law",
        "<article><h1>Parliament tightens cookie rules</h1><p>The European Parliament approved "
        "a law on Tuesday requiring every website that uses cookies to ask visitors for "
        "consent first. Regulators said many sites made rejecting cookies harder than "
        "accepting them.</p><p>“We use cookies to improve your experience,” the banners say, "
        "but few visitors read on. Under the new rules, a banner must offer a “Reject all” "
        "button next to “Accept all”, and privacy campaigners said that was overdue.</p>"
        "</article>",
        [
            "The European Parliament approved a law on Tuesday requiring every website",
            "Regulators said many sites made rejecting cookies harder",
            "“We use cookies to improve your experience,” the banners say",
            "a banner must offer a “Reject all” button next to “Accept all”",
        ],
    ),
]


@pytest.mark.parametrize(
    ("kind", "body", "kept"), COOKIE_ARTICLES, ids=[c[0] for c in COOKIE_ARTICLES]
)
def test_an_article_about_cookies_keeps_its_sentences(
    kind: str, body: str, kept: list[str], extractor: str, http_server: FeedServer
) -> None:
    page = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"
    url = http_server.serve("/cookies", page, content_type="text/html")
    [full] = with_full_text([entry(url)], LIMITS)
    story = " ".join(story_paragraphs(full.html))
    for sentence in kept:
        assert sentence in story
    assert extract_blurb(full.html, "").startswith(kept[0])


# --- links to what is not an HTML page ------------------------------------------------------

RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{url}"><title>Science</title><link>{url}</link>
<description>Science news</description></channel>
<item rdf:about="{url}1"><title>1</title><link>{url}1</link>
<dc:date>2026-11-24T09:30:00+01:00</dc:date><dc:subject>Science</dc:subject>
<description>An RDF item body. It runs on for long enough to outweigh a teaser, and then
it goes on some more, as item bodies in old RDF feeds often did.</description></item>
</rdf:RDF>"""
LONG_TEXT = "The harbour commission approved a plan on Monday to rebuild the pier. " * 8
NOT_HTML = [
    ("RDF", "application/rdf+xml", "RDF"),
    ("XML", "application/xml", "RDF"),
    ("text/xml", "text/xml; charset=utf-8", "RDF"),
    ("PDF", "application/pdf", f"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n({LONG_TEXT}) Tj"),
    ("image", "image/png", "\x89PNG\r\n\x1a\n" + LONG_TEXT),
    ("JSON", "application/json", '{"title": "Pier", "content_text": "' + LONG_TEXT + '"}'),
    ("plain text", "text/plain; charset=utf-8", LONG_TEXT),
]


@pytest.mark.parametrize(("kind", "ctype", "body"), NOT_HTML, ids=[c[0] for c in NOT_HTML])
def test_a_link_to_something_other_than_a_page_keeps_the_feeds_text(
    kind: str, ctype: str, body: str, extractor: str, http_server: FeedServer
) -> None:
    url = http_server.url("/rdf")
    http_server.serve("/rdf", RDF.format(url=url) if body == "RDF" else body, content_type=ctype)
    [kept] = with_full_text([entry(url)], LIMITS)
    assert extract_blurb(kept.html, "") == "A short teaser."
    assert len(http_server.hits("/rdf")) == 1


def test_an_xhtml_page_is_read(http_server: FeedServer) -> None:
    page = article_page(HARBOUR).replace(
        "<html lang='en'>", "<html xmlns='http://www.w3.org/1999/xhtml'>"
    )
    url = http_server.serve("/x", page, content_type="application/xhtml+xml")
    [full] = with_full_text([entry(url)], LIMITS)
    assert extract_blurb(full.html, "").startswith(LEAD)


def serve_untyped(http_server: FeedServer, path: str, body: str) -> str:
    """Serve *body* with no Content-Type header at all."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        data = body.encode("utf-8")
        request.send_response(200)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return http_server.serve(path, b"", handler=handler)


def test_a_page_served_without_a_type_is_read_when_it_is_html(http_server: FeedServer) -> None:
    page = serve_untyped(http_server, "/page", article_page(HARBOUR))
    feed = http_server.url("/feed")
    serve_untyped(http_server, "/feed", RDF.format(url=feed))
    full, kept = with_full_text([entry(page), entry(feed)], LIMITS)
    assert extract_blurb(full.html, "").startswith(LEAD)
    assert extract_blurb(kept.html, "") == "A short teaser."


# --- what the user sees ---------------------------------------------------------------------


def test_blurbs_of_a_full_text_feed_are_the_stories_and_stderr_stays_quiet(
    tmp_path: Path, http_server: FeedServer
) -> None:
    pytest.importorskip("readability", reason="readability-lxml is not installed")
    banner = (
        '<div class="cookie-banner">We use cookies to improve your experience. '
        "Accept all cookies?</div>"
    )
    page = http_server.serve(
        "/pier", article_page(HARBOUR, before=banner), content_type="text/html"
    )
    rdf = http_server.url("/rdf")
    http_server.serve("/rdf", RDF.format(url=rdf), content_type="application/rdf+xml")
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{teaser}</description></item>"
        for title, link, teaser in (
            ("Pier to be rebuilt", page, "The pier will close."),
            ("Science", rdf, "An RDF item in the feed's own words."),
        )
    )
    feed = http_server.serve(
        "/feed.xml",
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour</title>"
        f"<link>{page}</link><description>d</description>{items}</channel></rss>",
    )
    write_config(tmp_path, [{"url": feed, "full_text": True}], fetch=LOCAL)
    result = run_cli("blurbs", feed, cwd=tmp_path)
    assert result.code == 0, result.err
    assert LEAD in result.out
    assert "cookie" not in result.out.casefold()
    assert "An RDF item in the feed's own words." in result.out
    assert "2026-11-24" not in result.out
    assert "readability" not in result.err
    assert "ruthless" not in result.err


# --- many pages -----------------------------------------------------------------------------


def test_pages_are_read_as_they_arrive_not_held_all_at_once(http_server: FeedServer) -> None:
    """40 pages of half a megabyte: each is extracted as it arrives and dropped, so the
    memory the stage holds at its peak is a few pages', not the 20 MB of them all."""
    pad = "<!--" + "x" * 500_000 + "-->"
    entries = []
    for n in range(40):
        lead = f"{LEAD} for the {n}th time"
        page = article_page(HARBOUR.replace(LEAD, lead), before=pad)
        entries.append(entry(http_server.serve(f"/{n}", page, content_type="text/html")))
    tracemalloc.start()
    try:
        full = read_full_text(entries, LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [
        extract_blurb(e.html, "").startswith(f"{LEAD} for the {n}th time")
        for n, e in enumerate(full.entries)
    ] == [True] * 40
    assert full.problems == ()
    assert peak < 12_000_000  # fewer than 24 of the pages
