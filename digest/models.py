"""Frozen values passed between the stages of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple


@dataclass(frozen=True)
class Image:
    """A thumbnail: an absolute http(s) URL and, when the feed says, its size."""

    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""


@dataclass(frozen=True)
class Entry:
    """One item as parsed from a feed, sanitised, before it is stored."""

    guid: str
    title: str
    link: str
    published: datetime | None
    html: str
    categories: tuple[str, ...] = ()
    author: str = ""
    image: Image | None = None
    date_only: bool = False  # the feed gave a day without a time: noon UTC that day
    lang: str = ""  # its declared language (BCP 47): xml:lang, else the feed's language


@dataclass(frozen=True)
class ParsedFeed:
    """A feed document turned into entries."""

    title: str
    link: str
    entries: tuple[Entry, ...]


FetchStatus = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP (or file) fetch of a feed gave: a body, 304, or an error."""

    url: str
    status: FetchStatus
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None
    error: str | None = None
    gone: bool = False
    retry_after: float | None = None


@dataclass(frozen=True)
class FeedState:
    """What the store remembers about a feed between runs."""

    url: str
    name: str = ""
    title: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: datetime | None = None
    last_error: str | None = None
    error_count: int = 0
    next_fetch: datetime | None = None
    gone: bool = False
    moved_to: str | None = None
    carried_at: datetime | None = None
    item_count: int = 0


@dataclass(frozen=True)
class Item:
    """A stored item, as selection and rendering see it."""

    id: int
    feed_url: str
    guid: str
    key: str
    title: str
    link: str
    published: datetime
    first_seen: datetime
    html: str
    categories: tuple[str, ...] = ()
    author: str = ""
    image: Image | None = None
    dated: bool = True
    date_only: bool = False
    lang: str = ""  # declared by the feed (BCP 47), '' when it said nothing


@dataclass(frozen=True)
class Source:
    """A feed that carried a story, for "Also covered by"."""

    name: str
    link: str


@dataclass(frozen=True)
class DigestItem:
    """One story as the reader sees it."""

    title: str
    link: str
    source: str
    published: datetime | None
    blurb: str
    item_ids: tuple[int, ...]
    feed_url: str = ""
    image: Image | None = None
    also: tuple[Source, ...] = ()
    date_only: bool = False  # *published* is a day, shown without a time
    author: str = ""  # the story's author as shown: a name, never an e-mail address
    lang: str = ""  # the story's language (BCP 47) when it is not the digest's, else ''
    picture: bool = False  # a picture is the whole story (a comic, a photo): shown large


@dataclass(frozen=True)
class Section:
    """A named group of stories, in display order."""

    name: str
    items: tuple[DigestItem, ...]
    left_out: int = 0

    @property
    def anchor(self) -> str:
        """An id usable in an HTML fragment link."""
        slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in self.name).strip("-")
        return "section-" + (slug or "more")


@dataclass(frozen=True)
class FailedFeed:
    """A feed that could not be read in this run, and why."""

    name: str
    url: str
    error: str
    since: datetime | None = None  # when every fetch has failed for a week or more: since when


@dataclass(frozen=True)
class Digest:
    """Everything one email says, before it is rendered."""

    title: str
    created: datetime
    timezone: str
    sections: tuple[Section, ...]
    failed_feeds: tuple[FailedFeed, ...] = ()
    left_out: int = 0
    skipped_ids: tuple[int, ...] = field(default=())
    # False when the email leaves out its chrome to fit (fit.py): the footer counts the
    # failed feeds without naming them, stories show no "Also covered by"
    chrome: bool = True
    # Pending items left out of this digest and why, in plain words ("too old", "over a
    # cap", "ads", "duplicates", "already told"), each with how many: filled by select.py
    dropped: tuple[tuple[str, int], ...] = ()

    @property
    def stories(self) -> tuple[DigestItem, ...]:
        """Every story in display order."""
        return tuple(item for section in self.sections for item in section.items)

    @property
    def item_ids(self) -> tuple[int, ...]:
        """Ids of every stored item this digest accounts for (shown, merged or skipped)."""
        shown = tuple(i for story in self.stories for i in story.item_ids)
        return shown + self.skipped_ids

    @property
    def is_empty(self) -> bool:
        """True when there is no story to tell."""
        return not self.stories


@dataclass(frozen=True)
class RenderedMessage:
    """The two bodies and the subject of a digest email."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Sent:
    """An item already mailed, as far as telling a story twice goes."""

    feed_url: str
    title: str
    published: datetime


class NewItem(NamedTuple):
    """A feed's new entry as the store keeps it: its story key made, its date clamped
    (``plan.new_items``, run in a parse worker, so the process that writes only stores).

    A named tuple, not a dataclass: thousands come back from the parse workers in a
    cold fetch, and a tuple unpickles in a third of the time (measured, 4000 items).
    """

    feed_url: str
    guid: str
    key: str  # the story's canonical link, or "guid:FEED#GUID" when it has none of its own
    title: str
    link: str
    published: datetime  # the fetch time when it has no (believable) date
    dated: int  # 0: no date, 1: a date and time, 2: a day without a time
    first_seen: datetime
    html: str
    categories: tuple[str, ...] = ()
    author: str = ""
    image: Image | None = None
    lang: str = ""


@dataclass(frozen=True)
class FeedUpdate:
    """What one fetch of one feed changes in the store (``plan.decide`` makes it,
    ``Store.apply`` writes a batch of them in one transaction)."""

    state: FeedState  # what is remembered of the feed from now on
    items: tuple[NewItem, ...] = ()  # entries it had not stored (or a pending one corrected)
    carried: tuple[str, ...] = ()  # guids of stored items the document still carries
    error: str | None = None  # why the feed could not be read this run
    not_modified: bool = False  # it answered 304


@dataclass(frozen=True)
class Added:
    """What one feed's update did to the store's items (what ``Store.apply`` returns)."""

    new: int  # items it had not stored before
    kept: int  # of those, how many it stored
    rotating: bool = False  # the feed re-issues its stories under new ids

    @property
    def note(self) -> str | None:
        """A line for the fetch report, when the feed's items were capped."""
        if not self.rotating:
            return None
        return f"rotates its item ids: kept {self.kept} of {self.new} new items"


SubscriberStatus = Literal["pending", "active", "unsubscribed"]


@dataclass(frozen=True)
class Subscriber:
    """A reader of the newsletter: their edition, the sections they chose (none: all),
    whether they are confirmed, and the secret token in their own links."""

    email: str
    token: str
    status: SubscriberStatus = "active"
    edition: str = "daily"
    sections: tuple[str, ...] = ()
    created: datetime | None = None
    changed: datetime | None = None
    # The newest item (by id) the reader's last issue covered: None until they get one.
    # It stays when they change edition, so the next issue of the new one brings what
    # they have not had, and nothing they have.
    cursor: int | None = None


@dataclass(frozen=True)
class Issue:
    """A digest as it went out, for the web archive: its HTML and text as sent (the
    reader's own links taken out)."""

    id: int
    subject: str
    sent_at: datetime
    html: str = ""
    text: str = ""
    edition: str = ""  # "" for the first (default) edition's
