"""Keep the HTML part under Gmail's clipping size, leaving stories out fairly.

Stories are ranked round-robin across feeds (each feed's best story first,
then each feed's second, …), so a 1,500-item feed cannot crowd out a 3-item
one. The largest prefix of that ranking whose rendering fits is kept; the
digest says how many were left out.

Chrome goes before any story: when not every story fits, the footer's list of
failed feeds (the count stays) and the "Also covered by" lists are dropped
first. A digest that cannot carry a single story is an error, never an email
that marks every pending item as left out.

Rendering (premailer above all) costs time in proportion to the HTML's size,
so a digest far too large is never rendered whole: the size of a small sample
gives a first guess, and the search only renders candidates near the limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email import quoprimime

from digest.errors import ConfigError
from digest.models import Digest, DigestItem, RenderedMessage, Section
from digest.select import DROP_REASONS

TOO_BIG = "too big for one email"  # Digest.dropped's reason for the stories left out here

LINE_LENGTH = 78  # email.policy.SMTP.max_line_length: where quoted-printable breaks lines

SAMPLE = 24
"""Stories rendered to estimate the size of one; digests this small are rendered whole."""


def html_size(rendered: RenderedMessage) -> int:
    """Bytes of the HTML part: decoded, or as sent (quoted-printable, CRLF), whichever is larger."""
    raw = rendered.html.encode("utf-8")
    lines = raw.splitlines()
    body = b"\n".join(lines) + b"\n"
    encoded = quoprimime.body_encode(body.decode("latin-1"), LINE_LENGTH)
    return max(len(raw), len(encoded) + encoded.count("\n"))  # each line ends in CRLF


def fair_order(digest: Digest) -> list[DigestItem]:
    """Stories in the order they are kept when space runs out."""
    per_feed: dict[str, list[DigestItem]] = defaultdict(list)
    for story in digest.stories:
        per_feed[story.feed_url or story.source].append(story)
    queues = list(per_feed.values())
    order: list[DigestItem] = []
    depth = 0
    while len(order) < len(digest.stories):
        order.extend(q[depth] for q in queues if depth < len(q))
        depth += 1
    return order


def keep_only(digest: Digest, kept: set[int]) -> Digest:
    """The digest with only the stories whose id() is in *kept*.

    Each section counts what it lost in its ``left_out``; a section that lost every
    story stays, empty, so the reader is told "N more in Science not shown"."""
    sections = []
    dropped: list[int] = []
    for section in digest.sections:
        stories = tuple(s for s in section.items if id(s) in kept)
        dropped.extend(i for s in section.items if id(s) not in kept for i in s.item_ids)
        lost = len(section.items) - len(stories)
        sections.append(Section(section.name, stories, section.left_out + lost))
    left_out = len(digest.stories) - len(kept)
    reasons = dict(digest.dropped)
    if dropped:
        reasons[TOO_BIG] = reasons.get(TOO_BIG, 0) + len(dropped)
    return replace(
        digest,
        sections=tuple(sections),
        left_out=digest.left_out + left_out,
        skipped_ids=digest.skipped_ids + tuple(dropped),
        dropped=tuple((r, reasons[r]) for r in DROP_REASONS if reasons.get(r)),
    )


@dataclass
class _Candidates:
    """Renderings of the first *count* stories in fair order, each made at most once."""

    digest: Digest
    order: list[DigestItem]
    render: Callable[[Digest], RenderedMessage]
    max_bytes: int
    done: dict[int, tuple[Digest, RenderedMessage, int]] = field(default_factory=dict)

    def get(self, count: int) -> tuple[Digest, RenderedMessage, int]:
        """The digest keeping *count* stories, its rendering and its HTML size."""
        if count not in self.done:
            if count >= len(self.order):
                candidate = self.digest
            else:
                candidate = keep_only(self.digest, {id(s) for s in self.order[:count]})
            rendered = self.render(candidate)
            self.done[count] = candidate, rendered, html_size(rendered)
        return self.done[count]

    def fits(self, count: int) -> bool:
        """True if keeping *count* stories stays within the limit."""
        return self.get(count)[2] <= self.max_bytes


def fit_digest(
    digest: Digest, render: Callable[[Digest], RenderedMessage], max_bytes: int
) -> tuple[Digest, RenderedMessage]:
    """Render *digest*; if its HTML is over *max_bytes*, the largest fair subset that fits.

    The returned digest counts the stories left out in ``left_out`` and lists
    their items in ``skipped_ids``. Chrome (``without_chrome``) is dropped before
    any story is. Raises ConfigError when not even one story (or, for a digest
    without stories, the digest itself) fits: nothing is sent, nothing marked.
    """
    kept, rendered, size = _fit_stories(digest, render, max_bytes)
    short = len(kept.stories) < len(digest.stories) or size > max_bytes
    if short and has_chrome(digest):
        kept, rendered, size = _fit_stories(without_chrome(digest), render, max_bytes)
    if size > max_bytes or (digest.stories and not kept.stories):
        raise ConfigError(
            f"digest.max_html_bytes: the digest does not fit in {max_bytes:,} bytes even with"
            f" one story ({size:,} bytes without them); nothing was sent, every item stays"
            " pending",
            hint="raise digest.max_html_bytes, or shorten the templates",
        )
    return kept, rendered


def has_chrome(digest: Digest) -> bool:
    """True when *digest* shows failed feeds or other sources of a story."""
    if not digest.chrome:
        return False
    return bool(digest.failed_feeds) or any(story.also for story in digest.stories)


def without_chrome(digest: Digest) -> Digest:
    """*digest* as an email without the footer's list of failed feeds (it still counts
    them) and without "Also covered by" lists: what goes first when space runs out.
    The data stays (``preview --json`` lists both); only the email leaves them out."""
    return replace(digest, chrome=False)


def _fit_stories(
    digest: Digest, render: Callable[[Digest], RenderedMessage], max_bytes: int
) -> tuple[Digest, RenderedMessage, int]:
    """The largest prefix of the fair order that fits, its rendering and its size (the
    empty digest's when nothing fits)."""
    total = len(digest.stories)
    candidates = _Candidates(digest, fair_order(digest), render, max_bytes)
    guess = total if total <= SAMPLE else _estimate(candidates, total)
    low, high = _bracket(candidates, guess, total)
    while high - low > 1:  # low fits, high does not
        middle = (low + high) // 2
        low, high = (middle, high) if candidates.fits(middle) else (low, middle)
    return candidates.get(low)


def _estimate(candidates: _Candidates, total: int) -> int:
    """How many stories probably fit, from the sizes of an empty and a sample rendering."""
    empty = candidates.get(0)[2]
    sample = candidates.get(SAMPLE)[2]
    per_story = max(1.0, (sample - empty) / SAMPLE)
    return max(0, min(total, int((candidates.max_bytes - empty) / per_story)))


def _bracket(candidates: _Candidates, guess: int, total: int) -> tuple[int, int]:
    """Counts (low, high) with low fitting and high not (high = total + 1: all fit)."""
    step = max(1, guess // 8)
    if candidates.fits(guess):
        low = guess
        while low < total:
            high = min(total, low + step)
            if not candidates.fits(high):
                return low, high
            low, step = high, step * 2
        return total, total + 1
    high = guess
    while high > 0:
        low = max(0, high - step)
        if low == 0 or candidates.fits(low):
            return low, high
        high, step = low, step * 2
    return 0, 1
