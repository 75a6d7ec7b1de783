"""One story, once: items that link to the same page, or carry near-identical
titles from different feeds close in time, form one cluster.

The lead of a cluster is the item of the feed with the best standing: the
feed listed first in config.yaml, then the item seen first. Never the one
with the most text: a feed that copies a trusted story's link and pads its
body must not put its own words under the trusted headline. The others
become "Also covered by".

How two titles are judged the same story, and why (measured with
``tests/test_cluster.py`` tables and ``../shared/corpus/``, 1,253 items from 60
feeds; titles of four words or more only):

* The negatives: every pair of *different* stories inside one corpus feed
  (different links, different titles), 30,841 pairs, scored as if they came
  from two feeds. Template titles ("Game of the Year 2017: Day Two
  Deliberations" / "... Day Three ...", "Announcing v201605 of the AdWords
  API" / "... v201603 ...", "Part 1" / "Part 2") make them hard. Plus 39
  hand-written pairs that must stay apart: two reviews of one film, sequels,
  the same template with other numbers, dates or names.
* The positives: 22 hand-written pairs of one story told by two outlets
  (reworded, reordered, "best picture" / "best film") and the corpus's 20
  cross-format twins (dustri.org Atom and RSS), which also share links.

=====================================  ==============  ===========  ============
method                                 corpus false    own pairs    own pairs
                                       merges /30,841  merged /22   merged /39
                                                                    (must not)
=====================================  ==============  ===========  ============
token_sort_ratio >= 90, no guards      75              18           22
(before)
ratio >= 88, guards                    1               19           3
token_set_ratio >= 90, guards          6               22           3
token_set_ratio >= 95, guards          3               21           0
word Jaccard >= 0.75 (what MinHash     0               20           3
estimates), guards
word Jaccard >= 0.80, guards           0               14           1
token_sort_ratio >= 85, guards         1               22           2
**token_sort_ratio >= 88, guards**     **0**           **22**       **1**
token_sort_ratio >= 89, guards         0               21           0
token_sort_ratio >= 90, guards         0               18           0
=====================================  ==============  ===========  ============

So on the hand-written pairs the chosen method merges 22 of 22 true pairs
with one false merge (precision 22/23 = 96 %), and on the corpus it makes no
false merge at all; 18 of the 20 twins also merge by title (the other two are
"Book review: ..." titles, kept apart by the own-take guard and joined by
their shared link). 89 would trade the one false merge for one missed story
and leave the example feeds' pair 0.4 points from the line.

The guards do most of the work, and each is a rule a reader would agree
with: titles must carry the same numbers (digits, number words, Roman
numerals: "Part 1" is not "Part 2", "2.1" is not "2.0", "Day Two" is not
"Day Three"); they must not name different people or places (each side has a
capitalised word the other lacks: "Liverpool" / "Chelsea"; skipped for Title
Case headlines, where capitals say nothing); and an outlet's own take
(review, opinion, interview, column, recap, podcast) never merges by title,
since two reviews of one film are two stories. The one own pair that still
merges at 88 is a lower-case one-word swap of the subject ("ferry crash" /
"tram crash", 88.2); the lowest true pair scores 88.5 and the example
feeds' "best picture" / "best film" 89.4. On top of that, clusters never
join two different stories of one feed (union by title refuses it), titles
must be within ``cluster_hours`` of each other, and a link key that one feed
uses for different titles, or that is a site's home page, says nothing about
the story and joins nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from rapidfuzz import fuzz, process

from digest.links import is_story_key
from digest.models import Item

TITLE_SIMILARITY = 88  # token_sort_ratio, 0–100; see the module docstring for the measurements
MIN_TITLE_WORDS = 4  # shorter titles ("Review", "Podcast #12") never merge by title

NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy"
    " eighty ninety hundred thousand million billion first second third fourth fifth sixth"
    " seventh eighth ninth tenth ii iii iv vi vii viii ix xi xii".split()
)
# An outlet's own take on something: two of them are two stories, however alike the titles.
OWN_TAKE = frozenset(
    "review reviews reviewed opinion editorial interview column recap podcast".split()
)

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:[a-z](?![a-z]))?")


@dataclass(frozen=True)
class Headline:
    """What clustering compares in a title."""

    text: str  # words, case-folded, punctuation dropped
    words: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]  # case-folded capitalised words after the first

    @property
    def own_take(self) -> bool:
        """True for a review, opinion piece, interview and the like."""
        return not OWN_TAKE.isdisjoint(self.words)

    @property
    def usable(self) -> bool:
        """True when the title is long enough to say which story it is."""
        return len(self.text.split()) >= MIN_TITLE_WORDS


def normal_title(title: str) -> str:
    """Title words, case-folded, punctuation dropped."""
    return " ".join(_WORD.findall(title.casefold()))


_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=[^\W\d_])")  # between letters


def headline(title: str) -> Headline:
    """The parts of *title* that decide whether two titles tell one story."""
    folded = title.casefold()
    words = _WORD.findall(folded)
    numbers = set(_NUMBER.findall(folded)) | {w for w in words if w in NUMBER_WORDS}
    return Headline(
        # "re-opens" and "reopens", "two-year" and "two year" are one spelling to compare
        text=" ".join(_WORD.findall(_HYPHEN.sub("", folded))),
        words=frozenset(words),
        numbers=frozenset(numbers),
        names=_names(title),
    )


def same_story(a: Headline, b: Headline) -> bool:
    """True when two titles (from different feeds) tell the same story."""
    return compatible(a, b) and fuzz.token_sort_ratio(a.text, b.text) >= TITLE_SIMILARITY


def compatible(a: Headline, b: Headline) -> bool:
    """The guards: long enough, no own take, same numbers, no conflicting names."""
    if not (a.usable and b.usable) or a.own_take or b.own_take:
        return False
    if a.numbers != b.numbers:
        return False
    return not (a.names - b.words and b.names - a.words)


def cluster_items(
    items: Sequence[Item], window: timedelta, standing: Mapping[str, int] | None = None
) -> list[list[Item]]:
    """Group *items* into stories; each group's first item is its lead.

    *standing* ranks feed URLs (0 first: their order in config.yaml); the lead is
    the item of the best-ranked feed, then the one seen first (:func:`lead_first`).

    Groups come in the order of their earliest item in *items*. Items join
    when they share a link key that identifies one story, or when their
    titles tell the same story (:func:`same_story`) from different feeds
    within *window* of each other. A group never holds two different stories
    of one feed.
    """
    groups = _Groups(items)
    for members in _story_keys(items):
        for j in members[1:]:
            groups.union(members[0], j)
    for _, i, j in similar_title_pairs(items, window):
        if groups.feeds_apart(i, j):
            groups.union(i, j)
    return [lead_first([items[i] for i in group], standing or {}) for group in groups.members()]


def similar_title_pairs(items: Sequence[Item], window: timedelta) -> list[tuple[float, int, int]]:
    """(score, i, j) for items of different feeds whose titles tell one story,
    within *window* of each other; best first.

    The score is :func:`fuzz.token_sort_ratio`, which is :func:`fuzz.ratio` of
    the titles with their words sorted, so each title is sorted once, not once
    per comparison. Only titles that can pass the guards meet: those with the
    same numbers (:func:`compatible` demands it), sorted by time and compared
    with the later ones within *window*, so the cost grows with the items in
    one window rather than with the square of all items.
    """
    if window <= timedelta(0):
        return []
    heads = [headline(item.title) for item in items]
    by_numbers: dict[frozenset[str], list[int]] = {}
    for i, h in enumerate(heads):
        if h.usable and not h.own_take:
            by_numbers.setdefault(h.numbers, []).append(i)
    pairs = []
    for members in by_numbers.values():
        members.sort(key=lambda i: items[i].published)
        times = [items[i].published for i in members]
        texts = [" ".join(sorted(heads[i].text.split())) for i in members]
        for a, i in enumerate(members):
            try:
                end = bisect_right(times, times[a] + window, lo=a + 1)
            except OverflowError:  # a date near the end of the calendar
                end = len(members)
            for _, score, b in process.extract(
                texts[a],
                texts[a + 1 : end],
                scorer=fuzz.ratio,
                score_cutoff=TITLE_SIMILARITY,
                limit=None,
            ):
                j = members[a + 1 + b]
                if items[i].feed_url != items[j].feed_url and compatible(heads[i], heads[j]):
                    pairs.append((float(score), min(i, j), max(i, j)))
    return sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))


def _story_keys(items: Sequence[Item]) -> list[list[int]]:
    """Groups of indexes of items that a shared link key shows to be one story."""
    by_key: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_key.setdefault(item.key, []).append(i)
    shared = []
    for key, members in by_key.items():
        if len(members) < 2 or not is_story_key(key):
            continue
        by_feed: dict[str, list[int]] = {}
        for i in members:
            by_feed.setdefault(items[i].feed_url, []).append(i)
        stories = [_same_stories(items, feed_members) for feed_members in by_feed.values()]
        if all(len(feed_stories) == 1 for feed_stories in stories):
            shared.append(members)
        else:
            # One feed using one link for different stories links to a landing page, or
            # to a thread whose messages it tells apart by the link's fragment ("Re: …"
            # replies): the key joins only each story told again by its own feed.
            shared.extend(story for feed_stories in stories for story in feed_stories)
    return shared


def _same_stories(items: Sequence[Item], members: Sequence[int]) -> list[list[int]]:
    """*members* (items of one feed under one link key) in groups of one story told
    again: the same title, and the same link or the same text. Two replies titled
    "Re: Plans" with their own links (``thread#m1``, ``thread#m2``) and their own words
    are two stories."""
    groups: list[list[int]] = []
    for i in members:
        item = items[i]
        title = normal_title(item.title)
        for group in groups:
            first = items[group[0]]
            if normal_title(first.title) == title and (
                item.link == first.link or item.html == first.html
            ):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def _names(title: str) -> frozenset[str]:
    """Capitalised words after the first: the people and places a title names.

    Empty for Title Case (or ALL CAPS) headlines, where capitals say nothing.
    """
    words = _WORD.findall(title)
    long = [w for w in words if len(w) >= 4 and w.isalpha()]
    if len(long) >= 3 and all(w[0].isupper() for w in long):
        return frozenset()
    return frozenset(w.casefold() for w in words[1:] if w[0].isupper())


class _Groups:
    """Union-find over item indexes that knows which feeds each group holds."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.parent = list(range(len(items)))
        self.feeds = [{item.feed_url} for item in items]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def feeds_apart(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        return a != b and self.feeds[a].isdisjoint(self.feeds[b])

    def union(self, i: int, j: int) -> None:
        a, b = sorted((self.find(i), self.find(j)))
        if a != b:
            self.parent[b] = a
            self.feeds[a] |= self.feeds[b]

    def members(self) -> list[list[int]]:
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return list(groups.values())


def lead_first(group: list[Item], standing: Mapping[str, int]) -> list[Item]:
    """*group* with its lead first: the item of the feed ranked best in *standing* (feeds
    not in it come after those in it), then the one seen first, published first."""
    if len(group) == 1:
        return group
    last = len(standing)
    lead = min(
        group,
        key=lambda item: (standing.get(item.feed_url, last), item.first_seen, item.published),
    )
    return [lead] + [item for item in group if item is not lead]
