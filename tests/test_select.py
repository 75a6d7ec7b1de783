"""make_digest: stale and told stories out, one story once, sections sorted and capped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from digest.config import Config
from digest.models import Digest, FailedFeed, Image, Item
from digest.select import Feeds, make_digest
from tests.conftest import ROOT
from tests.test_cluster import NOW, _feed_items, make_item

A, B, C = "https://a.example/feed", "https://b.example/feed", "https://c.example/feed"
NAMES = {A: "Feed A", B: "Feed B", C: "Feed C"}
BODY = "<p>The council voted on Tuesday to freeze the charges. Traders welcomed it.</p>"


def config(**digest: Any) -> Config:
    """A config with two sections and the *digest* settings given."""
    return Config.model_validate(
        {
            "feeds": [{"url": url} for url in NAMES],
            "sections": [
                {"name": "Culture", "categories": ["film"], "keywords": ["review"]},
                {"name": "News", "keywords": ["council", "storm"], "sort": "newest"},
                {"name": "Top", "keywords": ["budget"], "sort": "coverage"},
            ],
            "filters": {"exclude": ["sponsored"]},
            "digest": {"max_age_days": 0, **digest},
        }
    )


def digest_of(items: list[Item], **settings: Any) -> Digest:
    delivered = settings.pop("delivered", frozenset())
    feeds = Feeds(NAMES, settings.pop("forced", {}))
    return make_digest(items, config(**settings), feeds, NOW, delivered)


def numbered(items: list[Item]) -> list[Item]:
    return [Item(**{**item.__dict__, "id": n}) for n, item in enumerate(items, 1)]


def test_one_story_from_three_feeds_shows_once_with_the_others() -> None:
    page = "https://b.example/news/x"
    items = numbered(
        [
            make_item("Council votes to freeze waterfront parking charges", A, html=BODY),
            make_item(
                "Council votes to freeze the waterfront parking charges",
                B,
                page,
                html="<p>Padding that says little, again and again.</p>" * 40,
            ),
            # Another title, but the same page under another form of its URL.
            make_item("Council freezes charges", C, "http://www.b.example/news/x/?utm_source=rss"),
        ]
    )
    digest = digest_of(items)
    [story] = digest.stories
    # Feed A is listed first in config.yaml: it leads, however much text Feed B carries.
    assert story.source == "Feed A"
    assert "voted on Tuesday" in story.blurb
    assert sorted(s.name for s in story.also) == ["Feed B", "Feed C"]
    assert all(s.link for s in story.also)
    assert sorted(story.item_ids) == [1, 2, 3]
    assert digest.skipped_ids == ()


def test_example_feeds_festival_is_one_story_also_covered_by_the_other() -> None:
    items = _feed_items(ROOT / "examples" / "feeds" / "culture.xml")
    items += _feed_items(ROOT / "examples" / "feeds" / "news.xml", offset=100)
    names = {"culture.xml": "Lantern Review", "news.xml": "Harbour City Ledger"}
    digest = make_digest(items, config(max_items_per_feed=0), Feeds(names), NOW)
    festival = [s for s in digest.stories if "Harbour Lights" in s.title]
    assert len(festival) == 1
    [other] = festival[0].also
    assert other.name in names.values() and other.name != festival[0].source
    assert other.link.startswith("https://")


def test_stale_and_told_stories_are_skipped() -> None:
    old = make_item("Storm warning for the coast", A, published=NOW - timedelta(days=9), ident=1)
    told = make_item("Storm closes the harbour", B, link="https://b.example/s", ident=2)
    fresh = make_item("Storm passes over the city", C, ident=3)
    # Episodes that all link to a home page are not "told" by one delivered episode.
    home = make_item("Council podcast: episode nine", C, link="https://c.example/", ident=4)
    digest = digest_of(
        [old, told, fresh, home],
        max_age_days=7,
        delivered=frozenset({told.key, home.key}),
    )
    assert [s.item_ids for s in digest.stories] == [(3,), (4,)]
    assert sorted(digest.skipped_ids) == [1, 2]
    assert digest_of([old], max_age_days=0).stories  # 0 = no limit


def test_filtered_and_unmatched_items_are_skipped_when_fallback_is_null() -> None:
    items = numbered([make_item("A sponsored council post", A), make_item("Nothing matches", B)])
    assert [s.name for s in digest_of(items).sections] == ["More"]
    assert digest_of(items).skipped_ids == (1,)
    dropped = digest_of(items, fallback=None)
    assert dropped.is_empty and sorted(dropped.skipped_ids) == [1, 2]


def test_feed_section_and_section_order() -> None:
    items = numbered(
        [
            make_item("Something else", A),
            make_item("Council meets", B),
            make_item("Film review", C),
        ]
    )
    digest = digest_of(items, forced={A: "Podcasts"})
    assert [s.name for s in digest.sections] == ["Culture", "News", "Podcasts"]


def test_newest_first_and_caps_say_how_many_are_left_out() -> None:
    items = numbered(
        [
            make_item(f"Council item {n}", feed, published=NOW - timedelta(hours=n))
            for n, feed in enumerate([A, A, A, B, C])
        ]
    )
    [news] = digest_of(items).sections
    assert [s.title for s in news.items] == [f"Council item {n}" for n in range(5)]
    [capped] = digest_of(items, max_items_per_section=2).sections
    assert [s.title for s in capped.items] == ["Council item 0", "Council item 1"]
    assert capped.left_out == 3
    [per_feed] = digest_of(items, max_items_per_feed=1).sections
    assert [s.source for s in per_feed.items] == ["Feed A", "Feed B", "Feed C"]
    assert per_feed.left_out == 2
    shown = {i for s in per_feed.items for i in s.item_ids}
    assert shown | set(digest_of(items, max_items_per_feed=1).skipped_ids) == {1, 2, 3, 4, 5}


def test_the_cap_per_feed_counts_the_whole_digest_not_each_section() -> None:
    items = numbered(
        [
            make_item(f"{topic} item {n}", A, published=NOW - timedelta(hours=n))
            for n, topic in enumerate(["Council", "Council", "Review", "Review", "Storm"])
        ]
    )
    digest = digest_of(items, max_items_per_feed=2)  # sections count in their order
    assert [s.title for s in digest.stories] == ["Review item 2", "Review item 3"]
    assert {s.name: s.left_out for s in digest.sections} == {"Culture": 0, "News": 3}
    assert set(digest.skipped_ids) == {1, 2, 5}


def test_coverage_sort_puts_widely_covered_stories_first() -> None:
    items = numbered(
        [
            make_item("Budget news in brief today", A, published=NOW),
            make_item(
                "Budget: parliament approves library fund", A, published=NOW - timedelta(hours=5)
            ),
            make_item(
                "Budget: parliament approves a library fund", B, published=NOW - timedelta(hours=5)
            ),
        ]
    )
    [top] = digest_of(items).sections
    assert top.name == "Top"
    assert top.items[0].title.startswith("Budget: parliament") and len(top.items[0].also) == 1
    assert top.items[1].title == "Budget news in brief today"


def test_untitled_items_get_a_headline_from_their_text_or_link_and_long_titles_are_cut() -> None:
    note = "<p>Walked to the harbour at dawn. The ferries were late again.</p>"
    items = numbered(
        [
            make_item("", A, "https://a.example/notes/42", html=note),
            make_item("", B, "https://www.b.example/2026/11/photo/", html=""),
            make_item("", C, "", html=""),  # no title, no text, no link: nothing to show
            make_item("very " * 300 + "long", A, "https://a.example/long", html=BODY),
        ]
    )
    digest = digest_of(items)
    titles = {story.link: story.title for story in digest.stories}
    assert titles["https://a.example/notes/42"] == "Walked to the harbour at dawn."
    assert titles["https://www.b.example/2026/11/photo/"] == "b.example/2026/11/photo"
    cut = titles["https://a.example/long"]
    assert len(cut) <= 200 and cut.startswith("very very") and cut.endswith("very…")
    assert len(digest.stories) == 3 and 3 in digest.skipped_ids


def test_the_same_source_with_the_same_page_is_not_also_covered_by_itself() -> None:
    """A blog's RSS and Atom feeds (or one feed under two URLs) carry one page twice under
    one name: that is the story itself, not another report of it."""
    page = "https://a.example/2026/harbour"
    items = numbered(
        [
            make_item("Harbour reopens after storm repairs", A, page, html=BODY),
            make_item("Harbour reopens after storm repairs", B, page + "?utm_source=atom"),
            make_item("Harbour reopens after storm repairs", C, "https://c.example/harbour"),
        ]
    )
    twins = {A: "Harbour Blog", B: "Harbour Blog", C: "City Ledger"}
    [story] = make_digest(items, config(), Feeds(twins), NOW).stories
    assert [(o.name, o.link) for o in story.also] == [("City Ledger", "https://c.example/harbour")]
    assert set(story.item_ids) == {1, 2, 3}  # all three are told, and handled, as one


def test_a_story_mailed_before_is_not_told_again_by_another_feed_or_a_new_id() -> None:
    from digest.models import Sent

    told = make_item("Novelist wins national book award", A, published=NOW - timedelta(hours=1))
    sent = [Sent(A, told.title, told.published)]
    items = numbered(
        [
            # another feed, another link, 30 minutes later: the same story
            make_item("Novelist wins national book award", B, published=NOW),
            # the same feed re-issued the item under a new id and link, same title and time
            make_item(
                "Novelist wins national book award",
                A,
                "https://a.example/new-id",
                published=told.published,
            ),
            # the same feed's next item with that title, a day later: a new story
            make_item(
                "Novelist wins national book award",
                A,
                "https://a.example/next",
                published=NOW + timedelta(days=1),
            ),
            make_item("Council votes on the harbour budget", C, published=NOW),
        ]
    )
    digest = make_digest(items, config(), Feeds(NAMES), NOW + timedelta(days=1), sent=sent)
    assert sorted(s.title for s in digest.stories) == [
        "Council votes on the harbour budget",
        "Novelist wins national book award",
    ]
    assert [s.item_ids for s in digest.stories if s.title.startswith("Novelist")] == [(3,)]
    assert set(digest.skipped_ids) == {1, 2}


# --- caps before blurbs; what a server chose, made safe -----------------------------------------


def test_story_text_is_read_only_for_the_stories_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.select

    read: list[str] = []
    real = digest.select.story_paragraphs

    def counting(html: str) -> list[str]:
        read.append(html)
        return real(html)

    monkeypatch.setattr(digest.select, "story_paragraphs", counting)
    items = numbered(
        [
            make_item(f"Council item {n}", A, published=NOW - timedelta(hours=n), html=BODY)
            for n in range(300)
        ]
    )
    digest = digest_of(items, max_items_per_section=3, max_items_per_feed=0)
    assert len(digest.stories) == 3 and all("voted on Tuesday" in s.blurb for s in digest.stories)
    assert len(read) == 3  # not 300: the caps come first


@pytest.mark.parametrize("cap", [0, 1, 2, 5, 100])
def test_the_cap_per_feed_holds_for_any_value(cap: int) -> None:
    items = numbered(
        [
            make_item(f"Council {topic} update {n}", feed, published=NOW - timedelta(hours=n))
            for n in range(8)
            for feed, topic in ((A, "ferry fares"), (B, "library hours"), (C, "tram depot noise"))
        ]
    )
    digest = digest_of(items, max_items_per_section=30, max_items_per_feed=cap)
    per_feed = {feed: sum(s.feed_url == feed for s in digest.stories) for feed in (A, B, C)}
    assert per_feed == dict.fromkeys((A, B, C), min(8, cap or 8))
    shown = {i for s in digest.stories for i in s.item_ids}
    assert shown | set(digest.skipped_ids) == {i.id for i in items}
    assert not shown & set(digest.skipped_ids)


def test_what_a_server_chose_is_made_safe_to_show() -> None:
    unnamed = "https://d.example/feed"
    names = {**NAMES, unnamed: "\x1b[31m" + "T" * 120_000}
    item = make_item(
        "Council item with a private image",
        unnamed,
        "https://user:secret@d.example/story",
        html=BODY,
    )
    item = Item(**{**item.__dict__, "id": 1, "image": Image("http://10.0.0.1/a.jpg", 600, 400)})
    failed = [FailedFeed("F" * 50_000, "https://e.example/feed", "HTTP 503 " + "x" * 50_000)]
    digest = make_digest([item], config(), Feeds(names), NOW, failed=failed)
    [story] = digest.stories
    assert len(story.source) <= 80 and "\x1b" not in story.source and "[31m" not in story.source
    assert story.link == "https://d.example/story"
    assert story.image is None
    [feed] = digest.failed_feeds
    assert len(feed.name) <= 80 and len(feed.error) <= 200


# --- issue 13: ads, authors, undated items, replies, languages -----------------------------


def test_ads_are_dropped_and_every_left_out_item_is_counted_by_reason() -> None:
    items = numbered(
        [
            make_item("Featured Advertiser", A),
            make_item("Sponsored: The best mattress of 2026", A),
            make_item("Anzeige", B),
            make_item("Реклама", B),
            make_item("广告", B),
            make_item("Storm passes over the city", C, link="https://ad.doubleclick.net/clk;1"),
            make_item("Advertisement revenue falls at the council paper", C, html=BODY),
            make_item("[Anzeige] Die besten Sofas", C),
            make_item("Ad-free council radio starts in the storm season", B, html=BODY),
            make_item("Storm warning for the coast", A, published=NOW - timedelta(days=9)),
            make_item("Council votes to freeze waterfront parking charges", A, html=BODY),
            make_item("Council votes to freeze the waterfront parking charges", B, html=BODY),
        ]
    )
    digest = digest_of(items, max_age_days=7)
    titles = [s.title for s in digest.stories]
    # a headline about advertising is news, not an ad
    assert sorted(titles) == [
        "Ad-free council radio starts in the storm season",
        "Advertisement revenue falls at the council paper",
        "Council votes to freeze waterfront parking charges",
    ]
    assert dict(digest.dropped) == {"too old": 1, "ads": 7, "duplicates": 1}
    assert set(digest.skipped_ids) == {1, 2, 3, 4, 5, 6, 8, 10}


def test_items_over_a_cap_and_told_before_are_counted() -> None:
    items = numbered([make_item(f"Council meets on day {n}", A, html=BODY) for n in range(4)])
    told = make_item("Council votes on the budget", B, link="https://b.example/told", ident=9)
    digest = digest_of([*items, told], max_items_per_feed=2, delivered=frozenset({told.key}))
    assert dict(digest.dropped) == {"already told": 1, "over a cap": 2}


def test_an_undated_item_ages_from_when_it_was_first_seen() -> None:
    # The store dates an undated item anew at every fetch that still carries it.
    item = make_item("Storm warning for the coast", A, ident=1)
    undated = Item(**{**item.__dict__, "dated": False, "first_seen": NOW - timedelta(days=9)})
    digest = digest_of([undated], max_age_days=7)
    assert digest.is_empty and dict(digest.dropped) == {"too old": 1}
    assert digest_of([undated], max_age_days=10).stories


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Jane Doe", "Jane Doe"),
        ("jane@example.org (Jane Doe)", "Jane Doe"),
        ("Jane Doe <jane@example.org>", "Jane Doe"),
        ('"Jane Doe" <jane.doe+lists@mail.example.org>', "Jane Doe"),
        ("jane@example.org", ""),
        ("noreply@blogger.com (Unknown)", ""),
        ("Feed A", ""),  # the source's own name says nothing more
        ("Jane\x1b[31m Doe", "Jane Doe"),
    ],
)
def test_the_author_is_a_name_never_an_address(raw: str, shown: str) -> None:
    item = Item(**{**make_item("Council meets", A, html=BODY).__dict__, "author": raw})
    [story] = digest_of([item]).stories
    assert story.author == shown
    assert "@" not in story.author and "\x1b" not in story.author


def test_same_title_replies_of_one_feed_are_two_stories_told_apart() -> None:
    thread = "https://lists.example.org/t/5.html"
    items = numbered(
        [
            make_item("Re: Council meets", A, f"{thread}#m1", html="<p>I agree with the plan.</p>"),
            make_item("Re: Council meets", A, f"{thread}#m2", html="<p>I cannot come, sorry.</p>"),
            # the same message twice (a feed that lists it again) is still one story
            make_item("Re: Council meets", A, f"{thread}#m1", html="<p>I agree with the plan.</p>"),
        ]
    )
    digest = digest_of(items)
    assert [s.title for s in digest.stories] == [
        "Re: Council meets (“I agree with the plan”)",
        "Re: Council meets (“I cannot come, sorry”)",
    ]
    assert sorted(i for s in digest.stories for i in s.item_ids) == [1, 2, 3]


def test_a_story_in_another_language_is_marked_with_it() -> None:
    items = numbered(
        [
            make_item(
                "Stadtrat beschließt neue Parkgebühren",
                A,
                html="<p>Der Stadtrat hat am Dienstag beschlossen, die Gebühren zu senken.</p>",
            ),
            make_item(
                "北京发布新的城市规划", B, html="<p>北京市政府周一发布了新的城市规划文件。</p>"
            ),
            make_item("Council votes on parking", C, html=BODY),
            make_item("Kurz", C),  # too short to tell
        ]
    )
    langs = {s.title: s.lang for s in digest_of(items).stories}
    assert langs == {
        "Stadtrat beschließt neue Parkgebühren": "de",
        "北京发布新的城市规划": "zh",
        "Council votes on parking": "",
        "Kurz": "",
    }
