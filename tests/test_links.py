"""Canonical links: one form per page, so one story told twice is seen once."""

from __future__ import annotations

import pytest

from digest.links import absolute_url, canonical_url, is_http_url, strip_tracking

SAME_PAGE = [
    # scheme and host case
    ("http://news.example.org/a/b", "https://news.example.org/a/b"),
    ("HTTPS://News.Example.ORG/a/b", "https://news.example.org/a/b"),
    # www., default ports, fragment, trailing slash
    ("https://www.news.example.org:443/a/b/#comments", "https://news.example.org/a/b"),
    ("http://news.example.org:80/a/b/", "https://news.example.org/a/b"),
    # tracking parameters
    ("https://news.example.org/a?utm_source=rss&utm_medium=feed", "https://news.example.org/a"),
    ("https://news.example.org/a?UTM_Campaign=x&id=7", "https://news.example.org/a?id=7"),
    ("https://news.example.org/a?fbclid=IwAR0abc", "https://news.example.org/a"),
    ("https://news.example.org/a?gclid=Cj0K&page=2", "https://news.example.org/a?page=2"),
    # query order does not matter
    ("https://news.example.org/a?b=2&a=1", "https://news.example.org/a?a=1&b=2"),
    # AMP variants
    ("https://news.example.org/a/b/amp", "https://news.example.org/a/b"),
    ("https://news.example.org/a/b/amp/", "https://news.example.org/a/b"),
    ("https://news.example.org/a/b.amp", "https://news.example.org/a/b"),
    ("https://news.example.org/a/b.amp.html", "https://news.example.org/a/b.html"),
    ("https://news.example.org/amp/a/b", "https://news.example.org/a/b"),
    ("https://amp.news.example.org/a/b", "https://news.example.org/a/b"),
    ("https://m.news.example.org/a/b", "https://news.example.org/a/b"),
    ("https://news.example.org/a/b?amp=1", "https://news.example.org/a/b"),
    ("https://news.example.org/a/b?outputType=amp", "https://news.example.org/a/b"),
    (
        "https://news-example-org.cdn.ampproject.org/c/s/news.example.org/a/b/amp/",
        "https://news.example.org/a/b",
    ),
    (
        "https://news-example-org.cdn.ampproject.org/v/s/news.example.org/a/b?amp_js_v=0.1",
        "https://news.example.org/a/b",
    ),
    (
        "https://www.google.com/amp/s/news.example.org/a/b.amp.html",
        "https://news.example.org/a/b.html",
    ),
]

DIFFERENT_PAGES = [
    ("https://news.example.org/a/B", "https://news.example.org/a/b"),  # paths are case-sensitive
    ("https://news.example.org/a?id=7", "https://news.example.org/a?id=8"),
    ("https://news.example.org:8080/a", "https://news.example.org/a"),
    ("https://news.example.org/amp", "https://news.example.org/"),  # a page called "amp"
    ("https://one.example.org/a", "https://two.example.org/a"),
]


@pytest.mark.parametrize(("url", "canonical"), SAME_PAGE)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PAGES)
def test_different_pages_stay_different(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize("url", ["http://host:notaport/x", "http://[::1/x", "", "mailto:a@b.c"])
def test_canonical_url_never_raises(url: str) -> None:
    assert isinstance(canonical_url(url), str)


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://e.org/a?utm_source=rss&utm_medium=feed", "https://e.org/a"),
        (
            "https://e.org/a?q=a+b&utm_medium=x&flag&x=%2F&fbclid=1",
            "https://e.org/a?q=a+b&flag&x=%2F",
        ),
        ("https://e.org/a?b=2&a=1&gclid=z", "https://e.org/a?b=2&a=1"),  # order kept
        ("https://e.org/a#frag", "https://e.org/a#frag"),
        ("https://e.org/a?utm_source=x#top", "https://e.org/a#top"),
    ],
)
def test_strip_tracking_keeps_everything_else(url: str, clean: str) -> None:
    assert strip_tracking(url) == clean


def test_http_urls() -> None:
    assert is_http_url("https://e.org/x") and not is_http_url("javascript:alert(1)")
    assert absolute_url("/x", "https://e.org/a/b") == "https://e.org/x"
    assert absolute_url("javascript:alert(1)", "https://e.org/") is None
    assert absolute_url("  ", "https://e.org/") is None
