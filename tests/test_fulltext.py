"""Full text for teaser feeds: article pages served by a real HTTP server on 127.0.0.1.

Each page in tests/data/blurbs/pages/ sits next to the story it carries (NAME.story.txt,
a line of each paragraph) and the page chrome around it (NAME.chrome.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest import fulltext
from digest.blurb import extract_blurb, story_paragraphs
from digest.fetch import FetchLimits
from digest.fulltext import with_full_text
from digest.models import Entry
from tests.conftest import HERE, FeedServer

PAGES = HERE / "blurbs" / "pages"
NAMES = sorted(p.stem for p in PAGES.glob("*.html"))
LIMITS = FetchLimits(timeout=10, concurrency=4, per_host=2)
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
        monkeypatch.setattr(fulltext, "_readability", lambda: None)
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


def test_a_page_of_navigation_only_leaves_the_teaser(http_server: FeedServer) -> None:
    page = "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>"
    url = http_server.serve("/nav", page, content_type="text/html")
    [kept] = with_full_text([entry(url)], LIMITS)
    assert kept.html == TEASER
