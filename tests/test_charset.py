"""A feed that names no encoding and is not UTF-8 is read by a detector, not as mojibake.

The feeds are of our own writing: a few stories in Russian (KOI8-R), Japanese (Shift_JIS)
and Hebrew (windows-1255), served without a charset and without an XML declaration, as
some old sites still serve them. What a feed or its server declares is always respected;
UTF-8 stays UTF-8; too little text, or text that reads as windows-1252, is left to
feedparser's own last resort, as before.
"""

from __future__ import annotations

import json
import pyexpat
from pathlib import Path

import pytest

from digest.charset import MIN_EVIDENCE, feed_bytes, undeclared_encoding
from digest.parse import parse_feed
from tests.conftest import CORPUS, FeedServer, needs_shared, run_cli, write_config
from tests.feeds import FakeItem, rss

FEED_URL = "https://example.org/feeds/feed.xml"

# Per language: the feed's title, then (title, first sentence) of each story.
STORIES = {
    "koi8-r": (
        "Городские новости",
        [
            ("Городской совет утвердил новый бюджет", "Депутаты проголосовали за бюджет на год."),
            ("В музее открылась выставка авангарда", "Выставка продлится до конца весны."),
            ("Трамвайная линия закроется на ремонт", "Ремонт займёт две недели, сообщили власти."),
        ],
    ),
    "shift_jis": (
        "市のニュース",
        [
            ("市議会が新しい予算を承認しました", "議員は来年度の予算案に賛成しました。"),
            ("美術館で現代美術の展覧会が始まりました", "展覧会は春の終わりまで続きます。"),
            ("路面電車の路線が修理のため運休します", "修理には二週間かかる見込みです。"),
        ],
    ),
    "windows-1255": (
        "חדשות העיר",
        [
            ("מועצת העיר אישרה את התקציב החדש", "חברי המועצה הצביעו בעד התקציב לשנה הבאה."),
            ("תערוכה חדשה נפתחה במוזיאון לאמנות", "התערוכה תימשך עד סוף האביב."),
            ("קו הרכבת הקלה ייסגר לשיפוצים", "השיפוצים יימשכו שבועיים, כך נמסר."),
        ],
    ),
}


def undeclared_feed(encoding: str) -> bytes:
    """The language's feed as its old server sends it: no XML declaration, legacy bytes."""
    title, stories = STORIES[encoding]
    items = [
        FakeItem(headline, f"https://news.example.org/{encoding}/{n}", body=f"<p>{sentence}</p>")
        for n, (headline, sentence) in enumerate(stories)
    ]
    document = rss(*items, title=title)
    return document.split("\n", 1)[1].encode(encoding)  # rss() declares UTF-8: dropped


@pytest.mark.parametrize("encoding", STORIES)
def test_undeclared_legacy_feed_comes_out_as_its_own_text(encoding: str) -> None:
    body = undeclared_feed(encoding)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # what makes this the case at hand
    feed = parse_feed(body, FEED_URL, "application/rss+xml")
    title, stories = STORIES[encoding]
    assert feed.title == title
    assert [e.title for e in feed.entries] == [headline for headline, _ in stories]
    assert [e.html for e in feed.entries] == [f"<p>{sentence}</p>" for _, sentence in stories]


def test_undeclared_legacy_feeds_read_right_through_the_real_pipeline(
    tmp_path: Path, http_server: FeedServer
) -> None:
    feeds = [
        {
            "url": http_server.serve(
                f"/{encoding}.xml", undeclared_feed(encoding), content_type="application/rss+xml"
            ),
            "name": encoding,
        }
        for encoding in STORIES
    ]
    write_config(tmp_path, feeds)
    result = run_cli("preview", "--json", "-", cwd=tmp_path)
    assert result.code == 0, result.err
    stories = [s for section in json.loads(result.out)["sections"] for s in section["items"]]
    shown = {story["title"]: story for story in stories}
    for encoding, (_, expected) in STORIES.items():
        for headline, sentence in expected:
            assert headline in shown, (encoding, sorted(shown))
            assert shown[headline]["source"] == encoding
            assert sentence in shown[headline]["blurb"]


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("koi8-r", "application/rss+xml; charset=windows-1252"),
        ("windows-1255", 'text/xml; charset="iso-8859-1"'),
    ],
)
def test_a_charset_the_server_names_is_respected_even_when_wrong(
    encoding: str, content_type: str
) -> None:
    body = undeclared_feed(encoding)
    assert feed_bytes(body, content_type) is body
    assert undeclared_encoding(body, content_type) is None


def test_an_encoding_the_document_declares_is_respected() -> None:
    body = b'<?xml version="1.0" encoding="windows-1252"?>\n' + undeclared_feed("koi8-r")
    assert undeclared_encoding(body, "application/rss+xml") is None
    assert undeclared_encoding(b"\xef\xbb\xbf" + "Привет".encode("cp1251") * 50, None) is None
    page = b'<html><head><meta charset="windows-1251"></head><body>' + undeclared_feed("koi8-r")
    assert undeclared_encoding(page, "text/html", html=True) is None


def test_utf8_stays_utf8() -> None:
    title, stories = STORIES["koi8-r"]
    body = rss(FakeItem(stories[0][0]), title=title).split("\n", 1)[1].encode("utf-8")
    assert feed_bytes(body, None) is body
    [entry] = parse_feed(body, FEED_URL).entries
    assert entry.title == stories[0][0]


def western_feed(stories: int) -> bytes:
    """A French feed in windows-1252 without a declaration: *stories* items."""
    items = "".join(
        f"<item><title>Crème brûlée à l’été {n}</title><description>Une pièce très réussie,"
        " déjà jouée à guichets fermés à Orléans et Besançon ; la critique est élogieuse."
        f"</description><link>https://e.org/{n}</link></item>"
        for n in range(stories)
    )
    return f'<rss version="2.0"><channel><title>Théâtre</title>{items}</channel></rss>'.encode(
        "cp1252"
    )


def non_ascii(body: bytes) -> int:
    return sum(1 for byte in body if byte > 127)


def test_short_or_western_bodies_keep_feedparsers_windows_1252_reading() -> None:
    short = '<rss version="2.0"><channel><title>Привет мир</title></channel></rss>'
    assert undeclared_encoding(short.encode("koi8-r"), None) is None  # too few bytes to judge
    one, five = western_feed(1), western_feed(5)
    assert non_ascii(one) < MIN_EVIDENCE <= non_ascii(five)
    for body in (one, five):
        assert undeclared_encoding(body, None) is None
        feed = parse_feed(body, FEED_URL)
        assert feed.title == "Théâtre"
        assert feed.entries[0].title == "Crème brûlée à l’été 0"


@pytest.mark.parametrize(
    "declaration",
    [
        b'<?xml version="1.0"?>\n',
        b"<?xml version='1.0' standalone='yes' ?>",
        b"<?xml?>",
        b"\n\n<?xml version='1.0'?>",  # not well-formed as served: read loosely, as before
    ],
)
def test_a_declaration_without_an_encoding_is_given_one(declaration: bytes) -> None:
    body = declaration + undeclared_feed("windows-1255")
    converted = feed_bytes(body, None)
    assert converted.count(b"<?xml") == 1 and b'encoding="utf-8"' in converted
    if not declaration.startswith(b"\n"):  # well-formed: feedparser's strict parser reads it
        pyexpat.ParserCreate().Parse(converted, True)
    feed = parse_feed(body, FEED_URL)
    assert [e.title for e in feed.entries] == [t for t, _ in STORIES["windows-1255"][1]]


@needs_shared
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fp_illformed_chardet_koi8r.xml", "Как пережить новогоднюю ночь"),
        ("fp_illformed_chardet_shiftjis.xml", "DrecomRSSに記事投稿が反映されない"),
        ("fp_illformed_chardet_windows1255.xml", "האם תדפיס נייר של אתר אינטרנט"),
    ],
)
def test_corpus_documents_without_an_encoding_are_read_right(name: str, expected: str) -> None:
    feed = parse_feed((CORPUS / name).read_bytes(), FEED_URL)
    text = " ".join(e.title + " " + e.html for e in feed.entries)
    assert expected in text


@needs_shared
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("le_cercle_psy_fr_rss20_nodecl_latin1.xml", "é"),
        ("uol_noticias_br_rss_noversion_nodecl_latin1.xml", "ç"),
        ("zed_shaw_atom10_nodecl_LARGE_2008.xml", ""),
    ],
)
def test_corpus_latin1_documents_without_an_encoding_are_left_to_feedparser(
    name: str, expected: str
) -> None:
    body = (CORPUS / name).read_bytes()
    assert undeclared_encoding(body, None) is None
    feed = parse_feed(body, FEED_URL)
    text = " ".join(e.title + " " + e.html for e in feed.entries)
    assert expected in text and "\ufffd" not in text
