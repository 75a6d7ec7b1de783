"""One story, once: items that link to the same page, or carry near-identical
titles from different feeds close in time, form one cluster.

The lead of a cluster is the item with the most text (it gives the best
blurb); the others become "Also covered by".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from rapidfuzz import fuzz, process

from digest.models import Item

TITLE_SIMILARITY = 90  # token_sort_ratio, 0–100
MIN_TITLE_WORDS = 4  # shorter titles ("Review", "Podcast #12") never merge by title
_WORD = re.compile(r"\w+")


def normal_title(title: str) -> str:
    """Title words, case-folded, punctuation dropped."""
    return " ".join(_WORD.findall(title.casefold()))


def cluster_items(items: Sequence[Item], window: timedelta) -> list[list[Item]]:
    """Group *items* into stories; each group's first item is its lead.

    Groups come in the order of their earliest item in *items*.
    """
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first_with_key: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.key in first_with_key:
            union(first_with_key[item.key], i)
        else:
            first_with_key[item.key] = i
    for i, j in similar_title_pairs(items, window):
        union(i, j)
    groups: dict[int, list[Item]] = {}
    for i, item in enumerate(items):
        groups.setdefault(find(i), []).append(item)
    return [_lead_first(group) for group in groups.values()]


def similar_title_pairs(items: Sequence[Item], window: timedelta) -> list[tuple[int, int]]:
    """Index pairs of items from different feeds whose titles say the same thing."""
    titles = [normal_title(item.title) for item in items]
    usable = [i for i, t in enumerate(titles) if len(t.split()) >= MIN_TITLE_WORDS]
    if len(usable) < 2 or window <= timedelta(0):
        return []
    choices = {i: titles[i] for i in usable}
    pairs = []
    for i in usable:
        for _, _, j in process.extract(
            titles[i],
            choices,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=TITLE_SIMILARITY,
            limit=None,
        ):
            if (
                i < j
                and items[i].feed_url != items[j].feed_url
                and abs(items[i].published - items[j].published) <= window
            ):
                pairs.append((i, j))
    return pairs


def _lead_first(group: list[Item]) -> list[Item]:
    if len(group) == 1:
        return group
    lead = max(group, key=lambda item: (len(item.html), -item.published.timestamp()))
    return [lead] + [item for item in group if item is not lead]
