"""Pending items to a digest: drop stale and already-told stories, merge one story
told by several feeds, sort into sections, cap, and write the blurbs.

A pure function of its inputs: no network, no clock, no database.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from digest.blurb import story_paragraphs, summarize
from digest.cluster import cluster_items, same_story
from digest.cluster import headline as title_terms
from digest.config import Config
from digest.links import is_story_key, shown_link
from digest.models import Digest, DigestItem, FailedFeed, Item, Section, Sent, Source
from digest.sections import Rules, assign_section
from digest.sentences import clip, split_sentences


@dataclass(frozen=True)
class Feeds:
    """What selection needs to know about the configured feeds."""

    names: Mapping[str, str]
    sections: Mapping[str, str] = field(default_factory=dict)


def make_digest(
    items: Sequence[Item],
    config: Config,
    feeds: Feeds,
    now: datetime,
    delivered_keys: frozenset[str] = frozenset(),
    failed: Sequence[FailedFeed] = (),
    sent: Sequence[Sent] = (),
) -> Digest:
    """Build the digest for *items* (pending items); returns a Digest whose
    ``skipped_ids`` are the items it deliberately leaves out for good.

    *sent* are items already mailed: a pending item telling one of their stories
    (the same link, or a title that tells the same story within ``cluster_hours``)
    is not told again."""
    settings = config.digest
    skipped: list[int] = []
    fresh: list[Item] = []
    oldest = now - timedelta(days=settings.max_age_days) if settings.max_age_days else None
    told_titles = _TitlesSent(sent, timedelta(hours=settings.cluster_hours))
    for item in items:
        if (
            (oldest and item.published < oldest)
            or _told(item, delivered_keys)
            or told_titles.tell(item)
        ):
            skipped.append(item.id)
        else:
            fresh.append(item)
    rules = Rules(config.sections, settings.fallback, config.filters.exclude)
    by_section: dict[str, list[tuple[DigestItem, list[str]]]] = defaultdict(list)
    for group in cluster_items(fresh, timedelta(hours=settings.cluster_hours)):
        lead = group[0]
        paragraphs = story_paragraphs(lead.html)
        summary = " ".join(paragraphs)[:2000]
        name = assign_section(
            rules, lead.title, summary, lead.categories, feeds.sections.get(lead.feed_url)
        )
        title = headline(lead.title, paragraphs, lead.link)
        if name is None or not title:  # no title, no text, no link: nothing to show
            skipped.extend(i.id for i in group)
            continue
        story = DigestItem(
            title=title,
            link=lead.link,
            source=feeds.names.get(lead.feed_url, lead.feed_url),
            published=lead.published if lead.dated else None,  # no made-up time shown
            date_only=lead.date_only,
            blurb="",
            item_ids=tuple(i.id for i in group),
            feed_url=lead.feed_url,
            image=lead.image,
            also=_also(group, feeds.names),
        )
        by_section[name].append((story, paragraphs))
    order = [s.name for s in config.sections]
    if settings.fallback and settings.fallback not in order:
        order.append(settings.fallback)
    order += sorted(set(by_section) - set(order))
    sections = []
    sort_by = {s.name: s.sort for s in config.sections}
    per_feed: dict[str, int] = defaultdict(int)  # stories of each feed so far, in any section
    for name in order:
        entries = by_section.get(name)
        if not entries:
            continue
        kept, dropped = _cap(
            entries,
            sort_by.get(name, "newest"),
            settings.max_items_per_section,
            settings.max_items_per_feed,
            per_feed,
        )
        skipped.extend(i for story, _ in dropped for i in story.item_ids)
        stories = tuple(
            _with_blurb(story, paragraphs, settings.blurb_chars) for story, paragraphs in kept
        )
        sections.append(Section(name, stories, left_out=len(dropped)))
    return Digest(
        title=config.title,
        created=now,
        timezone=config.timezone,
        sections=tuple(sections),
        failed_feeds=tuple(failed),
        skipped_ids=tuple(skipped),
    )


def headline(title: str, paragraphs: Sequence[str], link: str) -> str:
    """The story's headline: its title (a very long one cut short); without a title, the
    opening of its text (a note, a micro-post), else its link; '' when it has none."""
    if title:
        return clip(title, HEADLINE_CHARS)
    sentences = split_sentences(" ".join(paragraphs[:1]))
    if sentences:
        return clip(sentences[0], UNTITLED_CHARS)
    return clip(shown_link(link), UNTITLED_CHARS) if link else ""


HEADLINE_CHARS = 200
UNTITLED_CHARS = 80


class _TitlesSent:
    """The titles of the stories already mailed, for :meth:`tell`."""

    def __init__(self, sent: Sequence[Sent], window: timedelta) -> None:
        self.window = window
        self.sent = sorted(sent, key=lambda s: s.published)
        self.times = [s.published for s in self.sent]
        self.heads = [title_terms(s.title) for s in self.sent]

    def tell(self, item: Item) -> bool:
        """True when a story mailed before is this item's story: another feed's title
        telling it within the window, or this feed's same title at the same time (the
        feed changed the item's id and link)."""
        if not self.sent or not item.title:
            return False
        try:
            start = bisect_left(self.times, item.published - self.window)
            end = bisect_right(self.times, item.published + self.window)
        except OverflowError:  # a date at the end of the calendar
            start, end = 0, len(self.sent)
        head = title_terms(item.title)
        for sent, sent_head in zip(self.sent[start:end], self.heads[start:end]):
            if sent.feed_url == item.feed_url:
                if sent.title.casefold() == item.title.casefold() and (
                    sent.published == item.published
                ):
                    return True
            elif same_story(head, sent_head):
                return True
        return False


def _told(item: Item, delivered_keys: frozenset[str]) -> bool:
    """True when a delivered digest already told this story (a home-page link tells nothing)."""
    return item.key in delivered_keys and is_story_key(item.key)


def _also(group: Sequence[Item], names: Mapping[str, str]) -> tuple[Source, ...]:
    """The other feeds that carried the story, each once; a source of the same name with
    the same page (a blog's RSS and Atom feeds, one feed under two URLs) is not another."""
    lead = group[0]
    feeds = {lead.feed_url}
    shown = {(names.get(lead.feed_url, lead.feed_url), lead.key)}
    others = []
    for item in group[1:]:
        name = names.get(item.feed_url, item.feed_url)
        if item.feed_url in feeds or not item.link or (name, item.key) in shown:
            continue
        feeds.add(item.feed_url)
        shown.add((name, item.key))
        others.append(Source(name, item.link))
    return tuple(others)


def _cap(
    entries: list[tuple[DigestItem, list[str]]],
    sort: str,
    per_section: int,
    per_feed: int,
    shown: dict[str, int],
) -> tuple[list[tuple[DigestItem, list[str]]], list[tuple[DigestItem, list[str]]]]:
    """The section's stories within its cap and the digest-wide cap per feed (*shown*
    counts each feed's stories in the sections before, and is updated)."""

    def newest(entry: tuple[DigestItem, list[str]]) -> float:
        published = entry[0].published
        return -published.timestamp() if published else 0.0

    if sort == "coverage":
        entries = sorted(entries, key=lambda e: (-len(e[0].also), newest(e)))
    else:
        entries = sorted(entries, key=newest)
    kept: list[tuple[DigestItem, list[str]]] = []
    dropped: list[tuple[DigestItem, list[str]]] = []
    for entry in entries:
        feed = entry[0].feed_url
        if len(kept) >= per_section or (per_feed and shown[feed] >= per_feed):
            dropped.append(entry)
        else:
            shown[feed] += 1
            kept.append(entry)
    return kept, dropped


def _with_blurb(story: DigestItem, paragraphs: list[str], limit: int) -> DigestItem:
    return replace(story, blurb=summarize(paragraphs, story.title, limit))
