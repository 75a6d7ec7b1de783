"""The fast path's own shortcuts give exactly what feedparser's helpers give.

``feedxml.py`` reads documents by feedparser's rules with some of feedparser's steps
done a quicker way: the check for RSS 1.0 / 0.90 namespaces without a case-insensitive
scan of the whole document, the text clean-up skipped for ASCII, URL joining without
urljoin where it would keep the URL as it is. Each is compared with the step it
replaces, on chosen and on generated input. (tests/test_parse.py compares whole
documents with feedparser.)
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from feedparser.html import _cp1252
from feedparser.urls import _urljoin
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.fetch import make_feed
from digest import feedxml
from tests.conftest import CORPUS, needs_shared

# --- the RSS 1.0 / 0.90 namespace check ---------------------------------------------------

NAMESPACE_PIECES = st.sampled_from(
    [
        *(b"'", b'"', b" ", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"x", b"=", b"<", b">"),
        *(b"http://", b"HTTP://", b"https://", b"purl.org/rss/1.0/", b"PURL.org/RSS/1.0/"),
        *(b"my.netscape.com/rdf/simple/0.9/", b"My.Netscape.com/RDF/Simple/0.9/", b"modules/"),
        *(b"purl.org/rss/1.0", b"\xc3\xa9", b"\xff", b"xmlns=", b"xmlns:content="),
    ]
)
DOCUMENTS = st.one_of(st.lists(NAMESPACE_PIECES, max_size=12).map(b"".join), st.binary())


@settings(max_examples=4000, deadline=None)
@given(DOCUMENTS)
def test_namespace_check_agrees_with_the_regex(data: bytes) -> None:
    assert feedxml._other_version(data) == bool(feedxml._OTHER_VERSIONS.search(data))


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b'<rdf:RDF xmlns="http://purl.org/rss/1.0/">', True),
        (b"<rdf:RDF xmlns='  HTTP://PURL.ORG/RSS/1.0/\n'>", True),
        (b'<rdf:RDF xmlns="http://my.netscape.com/rdf/simple/0.9/">', True),
        (b'"http://purl.org/rss/1.0/"', True),
        (b'<rss xmlns:content="http://purl.org/rss/1.0/modules/content/">', False),
        (b'<a href="https://purl.org/rss/1.0/">', False),
        (b"purl.org/rss/1.0/", False),
    ],
)
def test_namespace_check_cases(data: bytes, found: bool) -> None:
    assert feedxml._other_version(data) is found
    assert bool(feedxml._OTHER_VERSIONS.search(data)) is found


def test_namespace_check_is_linear_on_hostile_repetition() -> None:
    data = (b" " * 50 + b"http://purl.org/rss/1.0/" + b" " * 50) * 40_000  # 5 MB
    assert feedxml._other_version(data) is False


@needs_shared
def test_namespace_check_agrees_on_the_corpus() -> None:
    for path in sorted(CORPUS.iterdir()):
        if path.is_file():
            data = path.read_bytes()
            assert feedxml._other_version(data) == bool(feedxml._OTHER_VERSIONS.search(data))


# --- text clean-up ----------------------------------------------------------------------------


def reference_fix_text(value: str) -> str:
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252) if feedxml._C1.search(value) else value


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(st.characters(max_codepoint=0xFF)),
        st.text(st.sampled_from("Ãâ©ªº¼µ€\x80\x93\x94\x9f aé")),  # mis-decoded UTF-8, cp1252
        st.from_regex(r"[ -~]*"),
    )
)
def test_text_clean_up_agrees_with_feedparser_steps(value: str) -> None:
    assert feedxml._fix_text(value) == reference_fix_text(value)


# --- URL joining --------------------------------------------------------------------------------

URL_PIECES = st.sampled_from(
    [
        *("http://", "https://", "HTTP://", "//", "/", "./", "../", "?", "#", "tag:", "urn:x:"),
        *("a", "b.example", ":8080", "@", ";", "[", "]", "%2F", ".", "..", "/./", "é", " ", "\t"),
        *("http:///", "https:////x", "~", "&amp;", "="),
    ]
)
URLS = st.one_of(st.lists(URL_PIECES, max_size=8).map("".join), st.text(max_size=30))
BASES = st.one_of(
    st.sampled_from(
        [
            "https://feed.example/a/b.html",
            "http://feed.example",
            "HTTPS://Feed.Example/x/",
            "http://[::1]:8080/feeds/",
            "https://bad[host/",
            "file:///tmp/feed.xml",
            "",
        ]
    ),
    URLS,
)


@settings(max_examples=4000, deadline=None)
@given(URLS, BASES)
def test_url_joining_agrees_with_feedparser(uri: str, base: str) -> None:
    assert feedxml._join(base, uri) == _urljoin(base or "", uri)


# --- whole documents: the benchmark workload and the corpus read the same as before ------------


def test_the_benchmark_workload_goes_the_fast_way() -> None:
    taken = sum(
        feedxml.fast_document(make_feed(n, 3), f"https://site{n}.example.org/feed") is not None
        for n in range(16)
    )
    assert taken == 16


@needs_shared
@pytest.mark.parametrize(
    "name", ["heise_developer_atom10_de.xml", "medium_food_rss20_content_encoded.xml"]
)
def test_corpus_documents_still_go_the_fast_way(name: str) -> None:
    body = (CORPUS / name).read_bytes()
    assert feedxml.fast_document(body, "https://example.org/feeds/" + name) is not None


def test_corpus_folder_is_where_the_tests_expect() -> None:
    assert isinstance(CORPUS, Path)


# --- element names ------------------------------------------------------------------------------


def test_element_names_of_unknown_namespaces_follow_each_elements_prefix() -> None:
    from lxml import etree

    root = etree.fromstring(
        b'<r xmlns:c="http://purl.org/rss/1.0/modules/content/"><c:encoded/><C:x xmlns:C="urn:u"/>'
        b'<d:x xmlns:d="urn:u"/><Title/></r>'
    )
    names = [feedxml._name(el) for el in root] * 2  # the second time from the memo
    assert names == ["content_encoded", "c_x", "d_x", "title"] * 2
