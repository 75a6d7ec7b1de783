"""Pending items to a digest: drop stale and already-told stories, merge one story
told by several feeds, sort into sections, cap, and write the blurbs.

The caps (age, per section, per feed) come before the blurbs: sections are chosen
from the title and the item's text without its page furniture (figures, asides,
navigation, share and related boxes: ``chrome.drop_furniture``), about a tenth of
the work of reading the story line by line, which only the stories that will be
shown get, with their blurb (10,000 pending items took minutes when every one was
read for its blurb).

Everything a server chose that the digest shows is made safe here: feed names
(a feed's own title when it has no configured name) are short and without
control characters, links and images carry no credentials, and images that
would only track the reader or point into a private network are dropped.

A pure function of its inputs: no network, no clock, no database.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from digest.blurb import story_paragraphs, summarize
from digest.chrome import drop_furniture, is_chrome, strip_trailing_junk
from digest.cluster import cluster_items, same_story
from digest.cluster import headline as title_terms
from digest.config import Config
from digest.links import is_shown_image, is_story_key, shown_link, without_userinfo
from digest.models import Digest, DigestItem, FailedFeed, Image, Item, Section, Sent, Source
from digest.sanitize import server_text
from digest.sections import Rules, assign_section
from digest.sentences import clip, split_sentences

NAME_CHARS = 80  # a source's name: a feed's own title when unnamed, chosen by its server
ERROR_CHARS = 200  # a failed feed's error, kept for `preview --json`
LINK_CHARS = 2000  # a longer link or image URL is not shown: it would crowd out stories
ALT_CHARS = 120
SUMMARY_CHARS = 2000  # the start of an item's text matched against the section rules


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
    names = {url: server_text(name, NAME_CHARS) or "a feed" for url, name in feeds.names.items()}
    standing = {feed.url: n for n, feed in enumerate(config.feeds)}
    by_section: dict[str, list[DigestItem]] = defaultdict(list)
    leads: dict[int, Item] = {}
    window = timedelta(hours=settings.cluster_hours)
    for group in cluster_items(fresh, window, standing):
        lead = group[0]
        text = section_text(lead.html)
        name = assign_section(
            rules, lead.title, text, lead.categories, feeds.sections.get(lead.feed_url)
        )
        paragraphs = [] if lead.title else story_paragraphs(lead.html)  # a headline of its text
        title = headline(lead.title, paragraphs, lead.link)
        if name is None or not title:  # no title, no text, no link: nothing to show
            skipped.extend(i.id for i in group)
            continue
        story = DigestItem(
            title=server_text(title, HEADLINE_CHARS),
            link=shown_link_url(lead.link),
            source=names.get(lead.feed_url) or server_text(lead.feed_url, NAME_CHARS),
            published=lead.published if lead.dated else None,  # no made-up time shown
            date_only=lead.date_only,
            blurb="",
            item_ids=tuple(i.id for i in group),
            feed_url=lead.feed_url,
            image=shown_image(lead.image),
            also=_also(group, names),
        )
        leads[id(story)] = lead
        by_section[name].append(story)
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
        skipped.extend(i for story in dropped for i in story.item_ids)
        # Only now, for the stories shown: the story text and its blurb.
        stories = tuple(
            _with_blurb(story, leads[id(story)], settings.blurb_chars) for story in kept
        )
        sections.append(Section(name, stories, left_out=len(dropped)))
    return Digest(
        title=config.title,
        created=now,
        timezone=config.timezone,
        sections=tuple(sections),
        failed_feeds=tuple(_failed(f) for f in failed),
        skipped_ids=tuple(skipped),
    )


def section_text(html: str) -> str:
    """The opening of an item's text as section rules see it: without the page furniture
    (a caption, a "Related reviews" box, "The post … appeared first on Lantern Review"
    must not put a story in Culture)."""
    if not html.strip():
        return ""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return ""
    drop_furniture(root)
    blocks = [root.text or ""] + [child.text_content() + (child.tail or "") for child in root]
    kept = []
    for block in blocks:
        text = " ".join(block.split())
        if text and not is_chrome(text):  # "Share this", "Filed under: Reviews"
            kept.append(strip_trailing_junk(text))  # "The post … appeared first on …"
    return " ".join(kept)[:SUMMARY_CHARS]


def shown_link_url(link: str) -> str:
    """A story's link as the email carries it: no credentials; '' when absurdly long."""
    link = without_userinfo(link.strip())
    return link if len(link) <= LINK_CHARS else ""


def shown_image(image: Image | None) -> Image | None:
    """The story's image if an email may show it (``links.is_shown_image``): not a
    tracking pixel, not on a private or loopback address; its alt text made short."""
    if image is None or len(image.url) > LINK_CHARS:
        return None
    if not is_shown_image(image.url, image.width, image.height):
        return None
    return replace(image, alt=server_text(image.alt, ALT_CHARS))


def _failed(feed: FailedFeed) -> FailedFeed:
    """A failed feed with its name and error as they may be shown (short, no escapes)."""
    return FailedFeed(
        server_text(feed.name, NAME_CHARS) or "a feed",
        feed.url,
        server_text(feed.error, ERROR_CHARS),
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
        name = names.get(item.feed_url) or server_text(item.feed_url, NAME_CHARS)
        link = shown_link_url(item.link)
        if item.feed_url in feeds or not link or (name, item.key) in shown:
            continue
        feeds.add(item.feed_url)
        shown.add((name, item.key))
        others.append(Source(name, link))
    return tuple(others)


def _cap(
    entries: list[DigestItem],
    sort: str,
    per_section: int,
    per_feed: int,
    shown: dict[str, int],
) -> tuple[list[DigestItem], list[DigestItem]]:
    """The section's stories within its cap and the digest-wide cap per feed (*shown*
    counts each feed's stories in the sections before, and is updated); 0 = no cap."""

    def newest(story: DigestItem) -> float:
        return -story.published.timestamp() if story.published else 0.0

    if sort == "coverage":
        entries = sorted(entries, key=lambda e: (-len(e.also), newest(e)))
    else:
        entries = sorted(entries, key=newest)
    kept: list[DigestItem] = []
    dropped: list[DigestItem] = []
    for story in entries:
        feed = story.feed_url
        if (per_section and len(kept) >= per_section) or (per_feed and shown[feed] >= per_feed):
            dropped.append(story)
        else:
            shown[feed] += 1
            kept.append(story)
    return kept, dropped


def _with_blurb(story: DigestItem, lead: Item, limit: int) -> DigestItem:
    blurb = summarize(story_paragraphs(lead.html), story.title, limit, lead.categories)
    return replace(story, blurb=server_text(blurb, limit + 1) if blurb else "")
