"""Which picture a story shows: never a share button, a tracker, an ad, an icon, a feed's
logo or signature, or a format mail cannot show; the feed's media first, then the largest
meaningful image of the text, then the article page's own."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from digest.models import Image
from digest.parse import parse_feed
from digest.pictures import (
    Candidate,
    choose_image,
    encoded_size,
    is_shown_image,
    junk_reason,
    page_image,
    repeated_images,
    shown,
)
from tests.conftest import run_cli, write_config
from tests.feeds import FakeItem, rfc822, rss, rss_item, rss_items

GOOD = "https://img.example.org/2026/12/heron-on-a-rock.jpg"
FEED_URL = "https://news.example.org/feed.xml"


@pytest.mark.parametrize(
    ("url", "width", "height"),
    [
        ("http://127.0.0.1/a.jpg", None, None),
        ("http://169.254.169.254/latest/meta-data/a.jpg", None, None),
        ("https://img.example.org/pixel.gif", 1, 1),
        ("https://img.example.org/line.png", 600, 2),
        ("https://feeds.feedburner.com/~r/news/~4/abc", None, None),
        ("https://feeds.feedburner.com/~ff/news?d=abc", None, None),
        ("https://ad.doubleclick.net/ddm/a.gif", None, None),
        ("https://ads.example-network.com/serve/banner.jpg", 600, 400),
        ("https://pixel.example.com/p.jpg", None, None),
        ("https://user:secret@img.example.org/a.jpg", None, None),
        ("file:///etc/passwd", None, None),
    ],
)
def test_pixels_trackers_ads_and_internal_images_are_not_shown(
    url: str, width: int | None, height: int | None
) -> None:
    assert not is_shown_image(url, width, height)


def test_a_real_photo_is_shown() -> None:
    assert is_shown_image("https://img.example.org/2026/photo.jpg", 600, 400)
    assert is_shown_image("https://img.example.org/2026/photo.jpg")
    assert is_shown_image("https://uploads.example.org/adam/photo.jpg")  # "ad" inside a word


JUNK = [
    # share buttons: by file name, by alt/title text, by the link around them
    (Candidate("https://news.example.org/i/facebook-32.png"), "share button"),
    (Candidate("https://news.example.org/i/tweet_this.gif"), "share button"),
    (Candidate("https://news.example.org/i/s.png", alt="Add to Facebook"), "share button"),
    (Candidate("https://news.example.org/i/s2.png", title="E-mail this"), "share button"),
    (Candidate("https://news.example.org/i/s3.png", alt="Tweet this!"), "share button"),
    (
        Candidate("https://news.example.org/i/a.png", link="https://www.facebook.com/sharer.php"),
        "share button",
    ),
    (
        Candidate("https://news.example.org/i/b.png", link="https://twitter.com/intent/tweet?u=x"),
        "share button",
    ),
    (Candidate("https://news.example.org/i/c.png", link="mailto:?subject=story"), "share button"),
    # feed flare, tracking, ads
    (Candidate("https://feeds.feedburner.com/~ff/news?d=yIl2AUoC8zA"), "pixel or tracker"),
    (Candidate("https://feeds.feedburner.com/~r/news/~4/abc"), "pixel or tracker"),
    (Candidate("https://news.example.org/t.gif", 1, 1), "pixel or tracker"),
    (Candidate("https://ad.doubleclick.net/N123/banner.jpg", 300, 250), "pixel or tracker"),
    # icons and badges: declared or written in the URL
    (Candidate("https://news.example.org/i/photo.png", 48, 48), "icon"),
    (Candidate("https://news.example.org/uploads/photo-64x64.jpg"), "icon"),
    (Candidate("https://blogger.example.com/img/abc/s72-c/photo.jpg"), "icon"),
    (Candidate("https://cdn.example.org/photo.jpg?w=50&h=50"), "icon"),
    (Candidate("https://s.example.org/images/core/emoji/72x72/1f600.png"), "icon"),
    (Candidate("https://news.example.org/wp-content/logo.png"), "icon"),
    (Candidate("https://news.example.org/avatars/jane.jpg"), "icon"),
    # formats mail cannot show
    (Candidate("https://news.example.org/scan.tiff", 800, 600), "format"),
    (Candidate("https://news.example.org/chart.svg"), "format"),
    (Candidate("https://news.example.org/p.bmp"), "format"),
    (Candidate("https://news.example.org/IMG_0001.HEIC"), "format"),
    (Candidate("https://news.example.org/p?id=4", kind="image/heic"), "format"),
]


@pytest.mark.parametrize(("candidate", "reason"), JUNK, ids=lambda v: getattr(v, "url", v))
def test_junk_pictures_are_told_by_what_the_markup_shows(candidate: Candidate, reason: str) -> None:
    assert junk_reason(candidate) == reason


@pytest.mark.parametrize(
    "candidate",
    [
        Candidate(GOOD, 640, 480, alt="A heron"),
        Candidate("https://news.example.org/i/facebook-hearing-senate.jpg"),  # about Facebook
        Candidate("https://news.example.org/uploads/photo-1024x683.jpg"),
        Candidate("https://news.example.org/photo.webp", link="https://news.example.org/big.jpg"),
        Candidate("https://news.example.org/share-prices-fall.jpg", 800, 500),
    ],
)
def test_story_pictures_are_not_junk(candidate: Candidate) -> None:
    assert junk_reason(candidate) == ""


def test_encoded_sizes() -> None:
    assert encoded_size("https://a.example/x-150x100.jpg") == (150, 100)
    assert encoded_size("https://a.example/s1600/x.jpg") == (1600, 1600)
    assert encoded_size("https://a.example/x.jpg?width=40") == (40, None)
    assert encoded_size("https://a.example/2026/x.jpg") == (None, None)


def test_a_picture_in_most_items_of_a_feed_is_the_feeds_not_a_storys() -> None:
    logo = "https://news.example.org/signature.jpg"
    items = [{logo, f"https://img.example.org/{n}.jpg"} for n in range(4)]
    assert repeated_images(items) == {logo}
    assert repeated_images(items[:2]) == frozenset()  # two items say nothing


def test_the_largest_meaningful_image_of_the_text_is_chosen() -> None:
    body = (
        '<p><a href="https://www.facebook.com/sharer.php?u=x">'
        '<img src="https://news.example.org/fb.png" alt="Share"></a>'
        '<img src="https://news.example.org/small.jpg" width="200" height="120" alt="A small one">'
        f'<img src="{GOOD}" width="800" height="600" alt="A grey heron on a rock">'
        '<img src="https://feeds.feedburner.com/~r/news/~4/abc" width="1" height="1"></p>'
    )
    image = choose_image([], body, "Herons are back")
    assert image == Image(GOOD, 800, 600, "A grey heron on a rock")


def test_the_feeds_media_of_usable_size_comes_first() -> None:
    media = [
        Candidate("https://img.example.org/thumb.jpg", 66, 49),  # too small: an icon
        Candidate("https://img.example.org/big.jpg", 1200, 800),
    ]
    body = f'<p><img src="{GOOD}" width="640" height="480"></p>'
    image = choose_image(media, body, "A title")
    assert image is not None and image.url == "https://img.example.org/big.jpg"
    image = choose_image(media[:1], body, "A title")
    assert image is not None and image.url == GOOD


def test_alt_text_is_a_short_description_not_the_headline_again() -> None:
    title = "Herons return to the river after twenty years"
    body = f'<p><img src="{GOOD}" width="640" height="480" alt="{title}"></p>'
    image = choose_image([], body, title)
    assert image is not None and image.alt == ""
    long_alt = "A grey heron standing on a rock " * 10
    body = f'<p><img src="{GOOD}" alt="{long_alt}"></p>'
    image = choose_image([], body, title)
    assert image is not None and len(image.alt) <= 121 and image.alt.endswith("…")
    # an image stored before keeps no headline as its alt either
    stored = shown(Image(GOOD, 640, 480, title), title)
    assert stored is not None and stored.alt == ""


def test_the_article_pages_own_picture() -> None:
    page = (
        "<html><head>"
        '<meta property="og:image" content="/media/heron.jpg">'
        '<meta property="og:image:width" content="1200">'
        '<meta property="og:image:height" content="630">'
        '<meta property="og:image:alt" content="A heron on a rock">'
        '<meta name="twitter:image" content="https://news.example.org/tw.jpg">'
        "</head><body><p>Text</p></body></html>"
    )
    image = page_image(page, "https://news.example.org/2026/herons")
    assert image == Image(
        "https://news.example.org/media/heron.jpg", 1200, 630, "A heron on a rock"
    )


def test_a_page_whose_og_image_is_its_logo_gives_its_main_image() -> None:
    page = (
        '<html><head><meta property="og:image" content="https://news.example.org/logo.png">'
        '</head><body><header><img src="/masthead.jpg" width="900" height="200"></header>'
        '<article><img src="/i/facebook.png"><img src="/media/heron.jpg" width="900" height="600">'
        "</article></body></html>"
    )
    image = page_image(page, "https://news.example.org/2026/herons")
    assert image is not None and image.url == "https://news.example.org/media/heron.jpg"
    assert page_image("<html><body><p>No picture.</p></body></html>", "https://a.example/") is None


def test_parse_never_picks_the_junk_next_to_the_good_picture() -> None:
    signature = "https://news.example.org/images/jane-signature.jpg"
    junk = (
        '<a href="https://www.facebook.com/sharer.php?u=x">'
        '<img src="https://news.example.org/i/share.png" alt="Add to Facebook"></a>'
        '<img src="https://feeds.feedburner.com/~ff/news?d=yIl2AUoC8zA" border="0">'
        '<img src="https://news.example.org/badge.gif" width="80" height="15">'
        '<img src="https://news.example.org/map.tiff" width="900" height="600">'
        f'<img src="{signature}" width="400" height="120">'
    )
    items = [
        FakeItem(
            f"Story {n}",
            f"https://news.example.org/{n}",
            body=f"<p>Words of story {n}.</p>"
            + (f'<img src="https://img.example.org/{n}.jpg" alt="Picture {n}">' if n else "")
            + junk,
        )
        for n in range(4)
    ]
    entries = parse_feed(rss(*items).encode(), FEED_URL).entries
    # The signature is in every item: it is no story's picture, and an item with nothing
    # else has none.
    assert [e.image.url if e.image else None for e in entries] == [
        None,
        "https://img.example.org/1.jpg",
        "https://img.example.org/2.jpg",
        "https://img.example.org/3.jpg",
    ]
    assert entries[1].image is not None and entries[1].image.alt == "Picture 1"


# --- end to end: a feed served on 127.0.0.1, the JSON preview and the HTML -------------------

SIGNATURE = "https://news.example.org/images/jane-signature.jpg"
JUNK_MARKUP = (
    '<a href="https://www.facebook.com/sharer.php?u=x">'
    '<img src="https://news.example.org/i/btn.png" alt="Add to Facebook"></a>'
    '<a href="https://twitter.com/intent/tweet?url=x"><img src="https://news.example.org/i/t.png"></a>'
    '<a href="mailto:?subject=x">'
    '<img src="https://news.example.org/i/m.png" title="E-mail this"></a>'
    '<a href="https://feeds.feedburner.com/~ff/news?a=1">'
    '<img src="https://feeds.feedburner.com/~ff/news?d=yIl2AUoC8zA" border="0"></a>'
    '<img src="https://feeds.feedburner.com/~r/news/~4/abc" height="1" width="1">'
    '<img src="https://ad.doubleclick.net/ad/N123/banner.jpg" width="728" height="90">'
    '<img src="https://news.example.org/badges/award.gif" width="80" height="15">'
    '<img src="https://news.example.org/maps/route.tiff" width="900" height="600">'
    f'<img src="{SIGNATURE}" width="400" height="120">'
)


def picture_feeds(http_server: Any) -> tuple[str, str]:
    """A news feed whose items carry every junk picture next to a good one, and a web
    comic whose posts are a picture and nothing else."""
    now = datetime.now(UTC)
    news = rss_items(
        rss_item(
            "Herons return to the river",
            "https://news.example.org/herons",
            "<p>Herons nest on the river again after twenty years away. Wardens counted six.</p>"
            + JUNK_MARKUP
            + f'<img src="{GOOD}" width="640" height="480" alt="A grey heron on a rock">',
            date=rfc822(now),
            author="jane@example.org (Jane Doe)",
        ),
        rss_item(
            "Bridge reopens after repairs",
            "https://news.example.org/bridge",
            "<p>The old bridge reopened on Monday after a year of repairs. Buses return.</p>"
            + JUNK_MARKUP,
            date=rfc822(now - timedelta(minutes=1)),
            extra='<media:thumbnail url="https://img.example.org/bridge-thumb.jpg" width="66"'
            ' height="49"/><media:content url="https://img.example.org/bridge.jpg" medium="image"'
            ' width="1200" height="800"/>',
        ),
        rss_item(
            "Council meets on Tuesday",
            "https://news.example.org/council",
            "<p>The council meets on Tuesday to set the budget. The agenda is public.</p>"
            + JUNK_MARKUP,
            date=rfc822(now - timedelta(minutes=2)),
        ),
    )
    comic = rss_items(
        *(
            rss_item(
                title,
                f"https://comic.example.net/{n}",
                f'<p><img src="https://comic.example.net/strips/{n}.png" width="900"'
                f' height="1200" alt="{alt}"></p>',
                date=rfc822(now - timedelta(minutes=n)),
            )
            for n, (title, alt) in enumerate(
                [("Photo", "The cat knocks the plant off the shelf"), ("Monday again", "")]
            )
        ),
        title="Strip a Day",
    )
    return http_server.serve("/news.xml", news), http_server.serve("/comic.xml", comic)


def test_the_digest_shows_each_storys_good_picture_and_no_junk(
    http_server: Any, tmp_path: Path
) -> None:
    news, comic = picture_feeds(http_server)
    write_config(tmp_path, [news, comic], digest={"max_age_days": 0, "max_items_per_feed": 0})
    result = run_cli("preview", "--json", "preview.json", "--out", "preview.html", cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads((tmp_path / "preview.json").read_text())
    images = {s["title"]: s["image"] for sec in data["sections"] for s in sec["items"]}
    assert images["Herons return to the river"] == GOOD
    assert images["Bridge reopens after repairs"] == "https://img.example.org/bridge.jpg"
    assert images["Council meets on Tuesday"] is None  # only junk and the feed's signature
    page = (tmp_path / "preview.html").read_text()
    shown = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert GOOD in shown and "https://img.example.org/bridge.jpg" in shown
    for junk in ("btn.png", "t.png", "m.png", "feedburner", "doubleclick", "award", "tiff",
                 "signature", "bridge-thumb"):  # fmt: skip
        assert not any(junk in url for url in shown), junk
    heron = re.search(rf'<img [^>]*src="{re.escape(GOOD)}"[^>]*>', page)
    assert heron and 'alt="A grey heron on a rock"' in heron.group(0)


def test_a_comic_is_a_story_with_its_picture_shown_large(http_server: Any, tmp_path: Path) -> None:
    _, comic = picture_feeds(http_server)
    write_config(tmp_path, [comic])
    result = run_cli("preview", "--json", "preview.json", "--out", "preview.html", cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads((tmp_path / "preview.json").read_text())
    stories = [s for sec in data["sections"] for s in sec["items"]]
    # "Photo" says nothing: the picture's own words are the headline
    assert [s["title"] for s in stories] == [
        "The cat knocks the plant off the shelf",
        "Monday again",
    ]
    assert [s["image"] for s in stories] == [
        "https://comic.example.net/strips/0.png",
        "https://comic.example.net/strips/1.png",
    ]
    page = (tmp_path / "preview.html").read_text()
    pictures = re.findall(r'<img class="picture"[^>]*>', page)
    assert len(pictures) == 2
    # within the 600 px layout, its proportions kept (900 x 1200 -> 544 x 725)
    assert all('width="544"' in p and 'height="725"' in p for p in pictures)
    assert 'class="thumb"' not in page


def test_a_comic_feed_does_not_crowd_its_section(http_server: Any, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    comic = rss_items(
        *(
            rss_item(
                f"Strip {n}",
                f"https://comic.example.net/{n}",
                f'<p><img src="https://comic.example.net/strips/{n}.png" width="900"'
                ' height="600"></p>',
                date=rfc822(now - timedelta(minutes=n)),
            )
            for n in range(6)
        ),
        title="Strip a Day",
    )
    news, _ = picture_feeds(http_server)
    url = http_server.serve("/strips.xml", comic)
    write_config(tmp_path, [url, news])
    result = run_cli("preview", "--json", "-", cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    sources = [s["source"] for sec in data["sections"] for s in sec["items"]]
    # the newest three strips, every news story
    assert sources.count("Strip a Day") == 3 and sources.count("Test Feed") == 3
    strips = [s["title"] for sec in data["sections"] for s in sec["items"] if s["image"]]
    assert {"Strip 0", "Strip 1", "Strip 2"} <= set(strips)
    assert data["dropped"] == {"over a cap": 3}


def test_the_article_page_may_come_as_bytes() -> None:
    page = '<html><head><meta content="/m/é.jpg" property="og:image"></head></html>'
    image = page_image(page.encode("utf-8"), "https://news.example.org/a")
    assert image is not None and image.url == "https://news.example.org/m/é.jpg"


def test_a_statistics_office_is_not_an_ad_server() -> None:
    from digest.pictures import is_ad_link

    assert is_shown_image("https://stats.example.gov/charts/unemployment-2026.png", 800, 500)
    assert not is_ad_link("https://stats.example.gov/news/unemployment-falls")
    assert not is_ad_link("https://tracks.example.fm/album/42")
    assert is_ad_link("https://ad.doubleclick.net/clk;123;456")
    assert is_ad_link("https://ads.example-network.com/click?c=1")
