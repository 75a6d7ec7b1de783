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

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from digest.blurb import summarize
from digest.chrome import drop_furniture, is_chrome, strip_trailing_junk
from digest.cluster import cluster_items, same_story
from digest.cluster import headline as title_terms
from digest.config import Config
from digest.lang import fallback_section
from digest.links import is_story_key, shown_link, without_userinfo
from digest.models import Digest, DigestItem, FailedFeed, Image, Item, Section, Sent, Source
from digest.pictures import is_ad_link
from digest.pictures import shown as picture_shown
from digest.sanitize import leads_with_summary, server_text
from digest.sections import Rules, assign_section
from digest.sentences import clip, split_sentences
from digest.storytext import story_paragraphs

NAME_CHARS = 80  # a source's name: a feed's own title when unnamed, chosen by its server
ERROR_CHARS = 200  # a failed feed's error, kept for `preview --json`
LINK_CHARS = 2000  # a longer link or image URL is not shown: it would crowd out stories
AUTHOR_CHARS = 80
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
    dropped: Counter[str] = Counter()  # why items were left out: DROP_REASONS
    fresh: list[Item] = []
    oldest = now - timedelta(days=settings.max_age_days) if settings.max_age_days else None
    told_titles = _TitlesSent(sent, timedelta(hours=settings.cluster_hours))
    for item in items:
        # An undated item is as old as the first fetch that saw it: the store dates it
        # anew at every fetch that still carries it, which would keep it young for ever.
        reason = (
            "too old"
            if oldest and (item.published if item.dated else item.first_seen) < oldest
            else "already told"
            if _told(item, delivered_keys) or told_titles.tell(item)
            else "ads"
            if is_ad(item)
            else ""
        )
        if reason:
            skipped.append(item.id)
            dropped[reason] += 1
        else:
            fresh.append(item)
    fallback = fallback_section(config)  # in the digest's language when not written
    rules = Rules(config.sections, fallback, config.filters.exclude)
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
            dropped["excluded" if name is None else "nothing to show"] += len(group)
            continue
        dropped["duplicates"] += len(group) - 1  # told once, under the lead's headline
        story = DigestItem(
            title=server_text(title, HEADLINE_CHARS),
            link=shown_link_url(lead.link),
            source=names.get(lead.feed_url) or server_text(lead.feed_url, NAME_CHARS),
            published=lead.published if lead.dated else None,  # no made-up time shown
            date_only=lead.date_only,
            blurb="",
            item_ids=tuple(i.id for i in group),
            feed_url=lead.feed_url,
            image=shown_image(lead.image, title),
            also=_also(group, names),
            author=author_name(lead.author, names.get(lead.feed_url, "")),
            lang=lead.lang,  # as declared; _with_languages decides what is shown
            # a picture and no words (a comic): counted against PICTURES_PER_FEED
            picture=lead.image is not None and not text,
        )
        leads[id(story)] = lead
        by_section[name].append(story)
    order = [s.name for s in config.sections]
    if fallback and fallback not in order:
        order.append(fallback)
    order += sorted(set(by_section) - set(order))
    sections = []
    sort_by = {s.name: s.sort for s in config.sections}
    per_feed: dict[str, int] = defaultdict(int)  # stories of each feed so far, in any section
    for name in order:
        entries = by_section.get(name)
        if not entries:
            continue
        kept, capped = _cap(
            entries,
            sort_by.get(name, "newest"),
            settings.max_items_per_section,
            settings.max_items_per_feed,
            per_feed,
        )
        skipped.extend(i for story in capped for i in story.item_ids)
        dropped["over a cap"] += sum(len(story.item_ids) for story in capped)
        dropped["duplicates"] -= sum(len(story.item_ids) - 1 for story in capped)
        # Only now, for the stories shown: the story text and its blurb.
        stories = tuple(
            _as_picture(_with_blurb(story, leads[id(story)], settings.blurb_chars))
            for story in kept
        )
        sections.append(Section(name, _told_apart(stories), left_out=len(capped)))
    sections = _with_languages(sections, settings.lang)
    return Digest(
        title=config.title,
        created=now,
        timezone=config.timezone,
        sections=tuple(sections),
        failed_feeds=tuple(_failed(f) for f in failed),
        skipped_ids=tuple(skipped),
        dropped=tuple((reason, dropped[reason]) for reason in DROP_REASONS if dropped[reason] > 0),
    )


DROP_REASONS = (
    "too old",
    "already told",
    "ads",
    "duplicates",
    "over a cap",
    "too big for one email",
    "excluded",
    "nothing to show",
)
"""Why pending items are left out of a digest (``Digest.dropped``), in this order:
older than ``max_age_days``; told by a digest before; ads; told by another item of
the digest (merged into its story); past the per-section or per-feed cap; past what
the HTML size budget holds (``fit.py``); matched by
``filters.exclude``; without a title, text or link."""


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


def shown_image(image: Image | None, title: str = "") -> Image | None:
    """The story's image if an email may show it (``pictures.shown``): not a tracking
    pixel or an ad, not a share button, an icon or a format mail cannot show, not on a
    private or loopback address; its alt text short and not the headline again."""
    if image is None or len(image.url) > LINK_CHARS:
        return None
    image = picture_shown(image, title)
    return replace(image, alt=server_text(image.alt, ALT_CHARS)) if image else None


ALT_CHARS = 120

# The words an ad is titled with, alone or before a colon: "Sponsored", "Featured
# Advertiser: Acme", "[Anzeige] …", "Реклама", "广告". A headline about advertising
# ("Advertisement revenue falls") is news.
_AD_WORDS = (
    r"featured\s+advertiser|advertiser|advertisement|advertorial|advert|ad|sponsored(?:\s+by\b[^:|]*)?"
    r"|sponsor|sponsored\s+(?:post|content|story|link)|paid\s+(?:post|content|partnership)"
    r"|partner\s+content|promoted|anzeige|werbung|gesponsert|publicité|publicite"
    r"|sponsorisé|publireportage|publi-?reportage|publicidad|patrocinado|publicidade"
    r"|pubblicità|sponsorizzato|advertentie|gesponsord|reklama|reklame|mainos|annons|annonce"
    r"|реклама|спонсор\w*|rekl[aá]m|广告|廣告|推广|広告|プロモーション|광고|إعلان|פרסומת|reklam"
)
_AD_TITLE = re.compile(
    rf"^\W*(?:{_AD_WORDS})\W*$"
    rf"|^\s*[\[(【](?:{_AD_WORDS})[\])】]"  # "[Anzeige] …"
    rf"|^\s*(?:{_AD_WORDS})\s*(?:[:|–—]|\s-\s)",  # "Sponsored: …", not "Ad-free …"
    re.IGNORECASE,
)


def is_ad(item: Item) -> bool:
    """True for an item that is an ad: titled as one ("Sponsored", "Featured
    Advertiser: …", "Anzeige", "Реклама", "广告"), or linking to an ad server."""
    return bool(_AD_TITLE.search(item.title)) or (bool(item.link) and is_ad_link(item.link))


_EMAIL = re.compile(r"<?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b>?")
_PLACEHOLDER_AUTHORS = frozenset(
    "unknown anonymous admin administrator editor webmaster root noreply no-reply nobody"
    " author staff".split()
)


def author_name(raw: str, source: str = "") -> str:
    """The author as the digest shows them: a name, never an e-mail address
    ("jane@example.org (Jane Doe)" and "Jane Doe <jane@example.org>" are "Jane Doe");
    '' for an address alone, a placeholder ("Unknown", "admin") or the source's own name."""
    name = _EMAIL.sub(" ", raw)
    name = " ".join(name.replace("()", " ").split()).strip(" ()<>\"',;")
    name = server_text(name, AUTHOR_CHARS)
    if not name or name.casefold() in _PLACEHOLDER_AUTHORS:
        return ""
    return "" if source and name.casefold() == source.casefold() else name


# A title that only says what kind of post it is: the picture's own words say more.
_GENERIC_TITLES = frozenset(
    "photo photos photograph picture pictures image images untitled comic cartoon gallery"
    " foto fotos bild bilder фото 图片 照片 写真".split()
)


def _as_picture(story: DigestItem) -> DigestItem:
    """A story whose picture is all it has (a comic, a photo post: no text for a blurb)
    shows that picture large; a title that only says "Photo" gives way to the
    picture's own description."""
    if story.image is None or story.blurb:
        return replace(story, picture=False) if story.picture else story
    title = story.title
    if title.strip(" .:!").casefold() in _GENERIC_TITLES and story.image.alt:
        title = story.image.alt
    return replace(story, title=title, picture=True)


_TOLD_APART_WORDS = 6


def _told_apart(stories: tuple[DigestItem, ...]) -> tuple[DigestItem, ...]:
    """Stories of one feed with one title (two replies "Re: Plans") told apart: by their
    authors when they differ, else by the first words of each blurb after the title."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, story in enumerate(stories):
        groups[(story.feed_url, story.title.casefold())].append(n)
    result = list(stories)
    for members in groups.values():
        if len(members) < 2:
            continue
        authors = {stories[n].author for n in members}
        if len(authors) == len(members) and "" not in authors:
            continue  # each shows its own author next to the source
        for n in members:
            words = stories[n].blurb.split()
            if words:
                opening = " ".join(words[:_TOLD_APART_WORDS])
                ellipsis = "…" if len(words) > _TOLD_APART_WORDS else ""
                title = f"{stories[n].title} (“{opening.rstrip('.,;:')}{ellipsis}”)"
                result[n] = replace(stories[n], title=clip(title, HEADLINE_CHARS))
    return tuple(result)


_LANG_MIN_BYTES = 40  # shorter texts do not say their language reliably
_LANG_CONFIDENCE = 0.7  # on 1,034 corpus stories: no wrong language at or above it


def _with_languages(sections: list[Section], digest_lang: str) -> list[Section]:
    """Each story written in another language than the digest marked with its own
    (``DigestItem.lang``, which arrives holding what the feed declared: the item's
    ``xml:lang`` or the feed's language), else left unmarked.

    The declared tag is kept (with its region, "pt-BR") unless py3langid, reading the
    title and blurb, is sure of another language: feeds often declare their template's
    default ("en-us") over posts in other languages."""
    own = _primary(digest_lang)
    result = []
    for section in sections:
        items = []
        for story in section.items:
            detected = story_language(f"{story.title}. {story.blurb}")
            lang = story.lang
            if detected and detected != _primary(lang):
                lang = detected
            items.append(replace(story, lang=lang if lang and _primary(lang) != own else ""))
        result.append(replace(section, items=tuple(items)))
    return result


def _primary(tag: str) -> str:
    """The language of a BCP 47 tag, without its region or script: "pt-BR" is "pt"."""
    return tag.replace("_", "-").split("-")[0].lower()


def story_language(text: str) -> str:
    """The language *text* is written in (ISO 639-1), or '' when it is too short to
    tell or the detector is not sure. py3langid: about 0.1 ms for a story, after
    loading its model once (about 0.6 s, only in a run that has stories)."""
    if len(text.encode("utf-8")) < _LANG_MIN_BYTES:  # bytes: a CJK character says more
        return ""
    lang, confidence = _identifier().classify(text)
    return str(lang) if confidence >= _LANG_CONFIDENCE else ""


_IDENTIFIER: list[object] = []


def _identifier() -> Any:
    if not _IDENTIFIER:
        # py3langid ships no type information
        from py3langid.langid import (  # type: ignore[import-untyped]
            MODEL_FILE,
            LanguageIdentifier,
        )

        _IDENTIFIER.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return _IDENTIFIER[0]


def _failed(feed: FailedFeed) -> FailedFeed:
    """A failed feed with its name and error as they may be shown (short, no escapes)."""
    return FailedFeed(
        server_text(feed.name, NAME_CHARS) or "a feed",
        feed.url,
        server_text(feed.error, ERROR_CHARS),
        feed.since,
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
    """The section's stories within its cap and the digest-wide caps per feed (*shown*
    counts each feed's stories, and its picture stories under ``PICTURE_KEY``, in the
    sections before, and is updated); 0 = no cap."""

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
        pictures = PICTURE_KEY + feed
        if (
            (per_section and len(kept) >= per_section)
            or (per_feed and shown[feed] >= per_feed)
            or (story.picture and shown[pictures] >= PICTURES_PER_FEED)
        ):
            dropped.append(story)
        else:
            shown[feed] += 1
            shown[pictures] += story.picture
            kept.append(story)
    return kept, dropped


# A feed of picture posts (a web comic, a photo blog) shows this many large pictures in a
# digest at most, whatever its per-feed cap: they take a screen each.
PICTURES_PER_FEED = 3
PICTURE_KEY = "pictures of "


def _with_blurb(story: DigestItem, lead: Item, limit: int) -> DigestItem:
    blurb = summarize(
        story_paragraphs(lead.html),
        story.title,
        limit,
        lead.categories,
        summary=leads_with_summary(lead.html),
    )
    return replace(story, blurb=server_text(blurb, limit + 1) if blurb else "")
