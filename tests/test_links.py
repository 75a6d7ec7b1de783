"""Canonical links: one form per page, so one story told twice is seen once."""

from __future__ import annotations

import pytest

from digest.links import (
    absolute_url,
    canonical_url,
    is_http_url,
    is_internal_host,
    shown_url,
    strip_tracking,
    without_userinfo_in_text,
)

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


# --- no credentials in what reaches an email, a log or the terminal ---------------------------


@pytest.mark.parametrize(
    ("url", "base", "joined"),
    [
        (
            "img/1.jpg",
            "http://user:secret@h.example:8080/feed/",
            "http://h.example:8080/feed/img/1.jpg",
        ),
        ("/story/1", "http://user:secret@h.example/feed", "http://h.example/story/1"),
        ("?page=2", "https://token@h.example/feed", "https://h.example/feed?page=2"),
        ("https://u:p@other.example/x", "https://h.example/", "https://other.example/x"),
        ("//u:p@cdn.example/a.png", "https://h.example/", "https://cdn.example/a.png"),
        ("/x", "https://h.example/feed", "https://h.example/x"),  # nothing to remove
    ],
)
def test_relative_urls_resolve_without_the_feeds_user_and_password(
    url: str, base: str, joined: str
) -> None:
    assert absolute_url(url, base) == joined


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:secret@127.0.0.1:8080/feed", "http://127.0.0.1:8080/feed"),
        ("https://tok3n@h.example/feed?x=1", "https://h.example/feed?x=1"),
        ("https://u:p@h.example:notaport/feed", "https://h.example:notaport/feed"),
        ("https://h.example/a@b", "https://h.example/a@b"),  # an @ in the path is not a user
        ("https://h.example/\x1b[31mred", "https://h.example/red"),
    ],
)
def test_shown_url_has_no_user_password_or_escape(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_urls_inside_text_lose_their_credentials() -> None:
    text = "cannot fetch http://u:p@ss@h.example/f (and https://k@i.example?x): refused"
    assert without_userinfo_in_text(text) == (
        "cannot fetch http://h.example/f (and https://i.example?x): refused"
    )


# --- images an email may show -----------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f.1",
        "0x7f000001",
        "0177.0.0.1",
        "[::1]",
        "::ffff:127.0.0.1",
        "[::ffff:10.0.0.1]",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "[fe80::1]",
        "0.0.0.0",
        "0",
        "localhost",
        "LOCALHOST.",
        "db.localhost",
    ],
)
def test_internal_hosts_in_any_spelling(host: str) -> None:
    assert is_internal_host(host)


@pytest.mark.parametrize(
    "host", ["example.org", "93.184.216.34", "8.8.8.8", "[2606:4700::1111]", "localhost.example"]
)
def test_public_hosts(host: str) -> None:
    assert not is_internal_host(host)
