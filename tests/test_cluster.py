"""One story, once: which titles and links make one story, as tables of pairs.

The MERGE and APART tables are also the hand-written half of the measurements
in digest/cluster.py's docstring; the other half is the corpus test below.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from digest.cluster import cluster_items, headline, same_story, similar_title_pairs
from digest.errors import FeedError
from digest.links import canonical_url, is_story_key
from digest.models import Item
from digest.parse import parse_feed
from tests.conftest import CORPUS, ROOT, needs_shared

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=48)

# One story told by two outlets.
MERGE = [
    (  # hyphenated or not: one spelling
        "Museum of Modern Art reopens after two-year renovation",
        "Museum of Modern Art re-opens after two year renovation",
    ),
    (
        "‘The Salt Year’ wins best picture at Harbour Lights Film Festival",
        "‘The Salt Year’ wins best film at Harbour Lights Film Festival",
    ),
    (
        "Council votes to freeze waterfront parking charges until spring",
        "Council votes to freeze waterfront parking charges until the spring",
    ),
    (
        "Storm Isolde set to bring 90km/h gusts to the coast on Sunday",
        "Storm Isolde set to bring 90 km/h gusts to coast on Sunday",
    ),
    (
        "Apple unveils iPhone 17 with thinner design",
        "Apple unveils the iPhone 17, with a thinner design",
    ),
    (
        "NASA delays Artemis III moon landing to 2027",
        "NASA delays Artemis III Moon landing until 2027",
    ),
    (
        "Harbour line trams to run every six minutes from January",
        "Harbour Line trams will run every six minutes from January",
    ),
    (
        "Border talks resume in Geneva as aid convoys wait in the mountains",
        "Border talks resume in Geneva while aid convoys wait in mountains",
    ),
    (
        "University team finds seagrass meadows storing twice the carbon expected",
        "University team finds seagrass meadows store twice the carbon expected",
    ),
    (
        "Fed holds interest rates steady, signals two cuts later this year",
        "Fed holds rates steady and signals two cuts later this year",
    ),
    (
        "Microsoft To Acquire Game Studio For $2 Billion",
        "Microsoft to acquire game studio for $2 billion",
    ),
    (
        "Prime Minister resigns after coalition collapse",
        "After coalition collapse, Prime Minister resigns",
    ),
    (
        "BREAKING: Earthquake of magnitude 6.1 strikes off coast of Chile",
        "Earthquake of magnitude 6.1 strikes off the coast of Chile",
    ),
    (
        "Google fined €2.4bn by EU over shopping search results",
        "EU fines Google €2.4bn over shopping search results",
    ),
    (
        "SpaceX Starship completes first full orbital flight",
        "SpaceX's Starship completes its first full orbital flight",
    ),
    ("Spain records hottest April day at 38.8C", "Spain records its hottest April day at 38.8C"),
    (
        "WHO declares end to mpox global health emergency",
        "WHO declares end of mpox global health emergency",
    ),
    (
        "Tesla recalls 2 million cars over Autopilot safety concerns",
        "Tesla recalls 2 million vehicles over Autopilot safety concerns",
    ),
    (
        "Nobel Prize in Literature awarded to Jon Fosse",
        "Jon Fosse awarded the Nobel Prize in Literature",
    ),
    (
        "Japan's Nikkei closes at record high above 40,000",
        "Japan’s Nikkei closes at a record high above 40,000",
    ),
    ("Using vale with vim to lint prose", "Using Vale with Vim to lint prose"),
    (
        "Paris Olympics opening ceremony held on the Seine",
        "Paris Olympics: opening ceremony held on the Seine",
    ),
    (
        "Boeing CEO to step down at end of year amid safety crisis",
        "Boeing CEO to step down at the end of the year amid safety crisis",
    ),
]

# Different stories that look alike: reviews, sequels, templates with other
# numbers, dates or names.
APART = [
    (
        "‘The Salt Year’ review: Inês Valadares makes patience look radical",
        "‘The Salt Year’ review: a slow drama that never finds its tide",
    ),
    ("Review: ‘The Salt Year’", "‘The Salt Year’ review"),
    (
        "‘Dune: Part Two’ review – Villeneuve’s sequel is a colossal achievement",
        "‘Dune: Part Two’ review – a sequel too heavy to take flight",
    ),
    ("Book review: Hacks, Leaks, and Revelations", "Book review: Hacks, Leaks and Revelations"),
    (
        "Taverncast Special: Lost Shows of 2007 - Part 1",
        "Taverncast Special: Lost Shows of 2007 - Part 2",
    ),
    ("Making a Murderer Part 1 recap", "Making a Murderer Part 2 recap"),
    ("The Lore of Warcraft - Chapter 1", "The Lore of Warcraft: Chapter 2"),
    ("Rocky II: the making of a sequel", "Rocky III: the making of a sequel"),
    (
        "Game of the Year 2018: Day Three Deliberations",
        "Game of the Year 2018: Day Two Deliberations",
    ),
    ("Announcing v201605 of the AdWords API", "Announcing v201603 of the AdWords API"),
    ("Weekly news roundup: 3 March 2026", "Weekly news roundup: 10 March 2026"),
    ("Giant Bombcast 07/19/2016", "Giant Bombcast 07/12/2016"),
    (
        "Taylor Swift announces new album and world tour",
        "Billie Eilish announces new album and world tour",
    ),
    (
        "Taylor Swift Announces New Album And World Tour",
        "Billie Eilish Announces New Album And World Tour",
    ),
    (
        "Obituary: Margaret Holloway, marine biologist, 1941–2026",
        "Obituary: Margaret Hollis, marine biologist, 1941–2026",
    ),
    (
        "Manchester United beat Liverpool 2-1 at Old Trafford",
        "Manchester United beat Chelsea 2-1 at Old Trafford",
    ),
    (
        "Liverpool 2-1 Chelsea: Premier League match report",
        "Liverpool 3-1 Chelsea: Premier League match report",
    ),
    ("Storm Isolde to bring 90km/h gusts on Sunday", "Storm Jonas to bring 90km/h gusts on Sunday"),
    (
        "Earthquake of magnitude 6.1 strikes off coast of Chile",
        "Earthquake of magnitude 5.4 strikes off coast of Chile",
    ),
    (
        "What to watch this weekend: 12 new films and series",
        "What to watch this weekend: 9 new films and series",
    ),
    (
        "Five things we learned from Apple's WWDC keynote",
        "Five things we learned from Google's I/O keynote",
    ),
    (
        "Five things we learned from the Apple keynote",
        "Six things we learned from the Apple keynote",
    ),
    ("Fed raises interest rates by a quarter point", "Fed cuts interest rates by a quarter point"),
    ("Podcast: Episode 112 – The state of Rust", "Podcast: Episode 113 – The state of Rust"),
    ("Harbour City weather forecast for Monday", "Harbour City weather forecast for Tuesday"),
    (
        "Interview: Inês Valadares on ‘The Salt Year’",
        "Interview: Marta Quintela on ‘The Salt Year’",
    ),
    (
        "Opinion: The council is wrong about parking charges",
        "Opinion: the council is right about parking charges",
    ),
    ("fortify-headers 2.1 released", "fortify-headers 2.0 released"),
    ("Top 10 albums of 2025", "Top 10 albums of 2024"),
    ("Senate passes the bill on climate funding", "House passes the bill on climate funding"),
    (
        "Windows 11 update breaks printing for some users",
        "Windows 10 update breaks printing for some users",
    ),
    ("Daily briefing: Monday 23 November", "Daily briefing: Tuesday 24 November"),
    ("Premier League: Arsenal vs Tottenham live", "Premier League: Arsenal vs Chelsea live"),
    ("The Crown season 5 episode guide", "The Crown season 6 episode guide"),
    ("UK inflation falls to 3.2% in March", "UK inflation falls to 3.4% in February"),
    ("Mayor opens new library in Northgate", "Mayor opens new library in Southgate"),
    (
        "Taverncast 58B - Play if the world has not ended",
        "Taverncast 58A - Play if the world has ended",
    ),
    (
        "Giant Bomb at Nite - Live From E3 2019: Nite 3",
        "Giant Bomb at Nite - Live From E3 2019: Nite 1",
    ),
]

# The one APART pair the chosen method still merges: a lower-case one-word swap
# of the subject, as close as "best picture" / "best film" (see digest/cluster.py).
KNOWN_FALSE_MERGE = (
    "What we know about the Harbour City ferry crash",
    "What we know about the Harbour City tram crash",
)


def make_item(
    title: str,
    feed: str = "https://a.example/feed",
    link: str | None = None,
    published: datetime = NOW,
    html: str = "<p>Text.</p>",
    key: str | None = None,
    ident: int = 0,
) -> Item:
    """An Item as the store hands it to selection."""
    link = link if link is not None else f"{feed}/{abs(hash(title))}"
    return Item(
        id=ident,
        feed_url=feed,
        guid=link or title,
        key=key or (canonical_url(link) if link else f"guid:{feed}#{title}"),
        title=title,
        link=link,
        published=published,
        first_seen=published,
        html=html,
    )


@pytest.mark.parametrize(("a", "b"), MERGE)
def test_same_story_merges(a: str, b: str) -> None:
    assert same_story(headline(a), headline(b)), fuzz.token_sort_ratio(a, b)


@pytest.mark.parametrize(("a", "b"), APART)
def test_different_stories_stay_apart(a: str, b: str) -> None:
    assert not same_story(headline(a), headline(b))


def test_precision_on_own_pairs() -> None:
    merged = sum(same_story(headline(a), headline(b)) for a, b in MERGE)
    false = [(a, b) for a, b in [*APART, KNOWN_FALSE_MERGE] if same_story(headline(a), headline(b))]
    assert merged == len(MERGE)
    assert false == [KNOWN_FALSE_MERGE]  # precision 22/23, documented in digest/cluster.py


@pytest.mark.parametrize(
    ("title", "numbers", "names"),
    [
        ("Part 2: the return", {"2"}, set()),
        ("Day Three of the trial of Jon Smith", {"three"}, {"three", "jon", "smith"}),
        ("Storm brings 90km/h gusts", {"90"}, set()),
        ("Rocky III review", {"iii"}, {"iii"}),
        ("Taverncast 58B - the end", {"58b"}, set()),
        ("Microsoft To Acquire Game Studio", set(), set()),  # Title Case: capitals say nothing
    ],
)
def test_headline_parts(title: str, numbers: set[str], names: set[str]) -> None:
    parts = headline(title)
    assert parts.numbers == numbers
    assert parts.names == names


def test_example_feeds_festival_story_is_one_story() -> None:
    items = [
        item
        for n, name in enumerate(("culture.xml", "news.xml"))
        for item in _feed_items(ROOT / "examples" / "feeds" / name, offset=100 * n)
    ]
    clusters = cluster_items(items, WINDOW)
    [festival] = [c for c in clusters if any("Harbour Lights" in i.title for i in c)]
    assert {i.feed_url for i in festival} == {"culture.xml", "news.xml"}
    assert len(clusters) == len(items) - 1


def test_items_sharing_a_link_are_one_story() -> None:
    a = make_item("Council votes", "https://a.example/feed", "https://news.example/x?utm_source=a")
    b = make_item("Vote on the council", "https://b.example/feed", "http://www.news.example/x/")
    assert cluster_items([a, b], WINDOW) == [[a, b]]


def test_a_home_page_link_joins_nothing() -> None:
    episodes = [
        make_item(f"Taverncast {n} - a show", "https://a.example/feed", "https://taverncast.com/")
        for n in range(3)
    ]
    assert len(cluster_items(episodes, WINDOW)) == 3
    assert not is_story_key("https://taverncast.com/")
    assert is_story_key("https://taverncast.com/62") and is_story_key("guid:x#1")


def test_one_link_for_different_titles_in_one_feed_joins_nothing() -> None:
    page = "https://podcast.example/listen"
    items = [make_item(t, link=page) for t in ("Episode one of it", "Episode two of it")]
    assert len(cluster_items(items, WINDOW)) == 2


def test_same_feed_never_merges_by_title() -> None:
    a = make_item("Council votes to freeze parking charges", "https://a.example/feed")
    b = make_item("Council votes to freeze the parking charges", "https://a.example/feed")
    assert len(cluster_items([a, b], WINDOW)) == 2


def test_a_story_never_chains_two_stories_of_one_feed() -> None:
    # b matches both a and c by title; a and c are different stories of one feed.
    a = make_item("Council votes to freeze waterfront parking charges", "https://a.example/f")
    b = make_item("Council votes to freeze the waterfront parking charges", "https://b.example/f")
    c = make_item("Council votes to freeze all waterfront parking charges", "https://a.example/f")
    clusters = cluster_items([a, b, c], WINDOW)
    assert len(clusters) == 2
    assert all(len({i.feed_url for i in group}) == len(group) for group in clusters)


def test_window_keeps_far_apart_titles_apart() -> None:
    a = make_item("Council votes to freeze parking charges", "https://a.example/f")
    b = make_item(
        "Council votes to freeze the parking charges",
        "https://b.example/f",
        published=NOW - timedelta(days=3),
    )
    assert len(cluster_items([a, b], WINDOW)) == 2
    assert len(cluster_items([a, b], timedelta(days=4))) == 1
    assert len(cluster_items([a, b], timedelta(0))) == 2


def test_lead_is_the_feed_with_the_best_standing_and_groups_keep_order() -> None:
    trusted, copycat = "https://trusted.example/f", "https://copycat.example/f"
    standing = {trusted: 0, copycat: 1}  # their order in config.yaml
    original = make_item("Council votes to freeze parking charges", trusted, ident=1)
    copy = make_item(
        "Council votes to freeze the parking charges",
        copycat,
        link=original.link,  # the trusted story's own link
        html="<p>" + "Our own words, and more of them. " * 40 + "</p>",
        published=NOW - timedelta(hours=1),  # and seen first
        ident=2,
    )
    other = make_item("Tram line to run every six minutes", trusted, ident=3)
    clusters = cluster_items([copy, other, original], WINDOW, standing)
    assert [[i.id for i in c] for c in clusters] == [[1, 2], [3]]
    # Feeds of equal standing (or none given): the item seen first leads.
    clusters = cluster_items([original, other, copy], WINDOW)
    assert [[i.id for i in c] for c in clusters] == [[2, 1], [3]]


def _brute_force_pairs(items: list[Item], window: timedelta) -> list[tuple[float, int, int]]:
    """similar_title_pairs the plain way: every pair of items, every rule."""
    heads = [headline(item.title) for item in items]
    pairs = [
        (fuzz.token_sort_ratio(heads[i].text, heads[j].text), i, j)
        for i, j in combinations(range(len(items)), 2)
        if window > timedelta(0)
        and items[i].feed_url != items[j].feed_url
        and abs(items[i].published - items[j].published) <= window
        and same_story(heads[i], heads[j])
    ]
    return sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))


def _varied_items(seed: int, count: int) -> list[Item]:
    """Titles from the tables above, reworded, renumbered, renamed, recased, from
    five feeds at whole hours (so many pairs sit exactly on a window's edge)."""
    rng = random.Random(seed)
    titles = [t for pair in [*MERGE, *APART, KNOWN_FALSE_MERGE] for t in pair]
    titles += ["Daily briefing", "The daily briefing", "News in brief today"]  # too short
    fillers = ["the", "a", "new", "Review:", "2", "two", "III", "Oslo", "Ærø", "über", "—"]
    items = []
    for n in range(count):
        words = rng.choice(titles).split()
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            edit = rng.randrange(4)
            if edit == 0 and len(words) > 1:
                del words[rng.randrange(len(words))]
            elif edit == 1:
                words.insert(rng.randrange(len(words) + 1), rng.choice(fillers))
            elif edit == 2:
                i, j = rng.randrange(len(words)), rng.randrange(len(words))
                words[i], words[j] = words[j], words[i]
            else:
                words = [w.title() for w in words]
        items.append(
            make_item(
                " ".join(words),
                feed=f"https://f{rng.randrange(5)}.example/feed",
                link=f"https://x.example/{n}",
                published=NOW - timedelta(hours=12 * rng.randrange(10)),
                ident=n,
            )
        )
    return items


@pytest.mark.parametrize("seed", range(3))
def test_title_pairs_are_those_of_comparing_every_pair(seed: int) -> None:
    items = _varied_items(seed, 300)
    for window in (timedelta(0), timedelta(hours=11), WINDOW, timedelta(days=30)):
        expected = _brute_force_pairs(items, window)
        assert similar_title_pairs(items, window) == expected
    # The set is varied enough to mean something: many pairs merge, and each
    # rule (window, feed, numbers, names, own take) keeps some similar ones apart.
    assert len(_brute_force_pairs(items, WINDOW)) > 100
    heads = [headline(item.title) for item in items]
    near = [
        (items[i], items[j], heads[i], heads[j])
        for i, j in combinations(range(len(items)), 2)
        if fuzz.token_sort_ratio(heads[i].text, heads[j].text) >= 88
    ]
    assert any(abs(x.published - y.published) > WINDOW for x, y, _, _ in near)
    assert any(abs(x.published - y.published) == WINDOW for x, y, _, _ in near)
    assert any(x.feed_url == y.feed_url for x, y, _, _ in near)
    assert any(h.numbers != k.numbers for _, _, h, k in near)
    assert any(h.names - k.words and k.names - h.words for _, _, h, k in near)
    assert any(h.own_take for _, _, h, _ in near)
    assert any(not h.usable for _, _, h, _ in near)


@needs_shared
def test_corpus_clusters_never_merge_different_stories_of_one_feed() -> None:
    items: list[Item] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".xml", ".json"):
            items += _feed_items(path, offset=len(items))
    # Every item at one moment: the window never keeps anything apart.
    same_time = [_at(item, NOW) for item in items]
    for window, batch in ((WINDOW, items), (WINDOW, same_time)):
        clusters = cluster_items(batch, window)
        merged = [c for c in clusters if len(c) > 1]
        print(
            f"\ncorpus ({'dates as published' if batch is items else 'all at one time'}): "
            f"{len(batch)} items -> {len(clusters)} clusters, {len(merged)} of them merged "
            f"({sum(map(len, merged))} items)"
        )
        for cluster in merged:
            for a, b in combinations(cluster, 2):
                if a.feed_url == b.feed_url:
                    # Only a repost (same link, same title) may share a feed.
                    assert (a.key, a.title) == (b.key, b.title), (a.title, b.title)
        if batch is same_time:
            # The only stories told twice are dustri.org's posts in Atom and RSS.
            twins = {"dustri_blog_atom10_large.xml", "dustri_blog_rss20_large.xml"}
            feeds = [{i.feed_url for i in c} for c in merged]
            assert all(f == twins or len(f) == 1 for f in feeds), feeds
            assert feeds.count(twins) == 25


def _feed_items(path: Path, offset: int = 0) -> list[Item]:
    """The entries of a feed file as stored items, the file name as feed URL."""
    try:
        feed = parse_feed(path.read_bytes(), path.as_uri())
    except FeedError:
        return []
    items = []
    for n, entry in enumerate(feed.entries):
        published = min(entry.published, NOW) if entry.published else NOW
        key = canonical_url(entry.link) if entry.link else f"guid:{path.name}#{entry.guid}"
        items.append(
            Item(
                id=offset + n,
                feed_url=path.name,
                guid=entry.guid,
                key=key,
                title=entry.title,
                link=entry.link,
                published=published,
                first_seen=NOW,
                html=entry.html,
                categories=entry.categories,
            )
        )
    return items


def _at(item: Item, when: datetime) -> Item:
    return Item(**{**item.__dict__, "published": when})


def test_same_title_replies_of_one_feed_with_their_own_links_and_texts_stay_apart() -> None:
    thread = "https://lists.example.org/t/5.html"
    replies = [
        make_item("Re: Plans", link=f"{thread}#m1", html="<p>Yes.</p>", ident=1),
        make_item("Re: Plans", link=f"{thread}#m2", html="<p>No.</p>", ident=2),
        make_item("Re: Plans", link=f"{thread}#m2", html="<p>No.</p>", ident=3),  # listed twice
    ]
    groups = cluster_items(replies, timedelta(hours=48))
    assert [[i.id for i in g] for g in groups] == [[1], [2, 3]]
