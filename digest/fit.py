"""Keep the HTML part under Gmail's clipping size, leaving stories out fairly.

Stories are ranked round-robin across feeds (each feed's best story first,
then each feed's second, …), so a 1,500-item feed cannot crowd out a 3-item
one. The largest prefix of that ranking whose rendering fits is kept; the
digest says how many were left out.
"""

from __future__ import annotations

import quopri
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from digest.models import Digest, DigestItem, RenderedMessage, Section


def html_size(rendered: RenderedMessage) -> int:
    """Bytes of the HTML part, decoded or quoted-printable encoded, whichever is larger."""
    raw = rendered.html.encode("utf-8")
    return max(len(raw), len(quopri.encodestring(raw)))


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
    """The digest with only the stories whose id() is in *kept*."""
    sections = []
    dropped: list[int] = []
    for section in digest.sections:
        stories = tuple(s for s in section.items if id(s) in kept)
        dropped.extend(i for s in section.items if id(s) not in kept for i in s.item_ids)
        if stories:
            sections.append(Section(section.name, stories, section.left_out))
    left_out = len(digest.stories) - len(kept)
    return replace(
        digest,
        sections=tuple(sections),
        left_out=digest.left_out + left_out,
        skipped_ids=digest.skipped_ids + tuple(dropped),
    )


def fit_digest(
    digest: Digest, render: Callable[[Digest], RenderedMessage], max_bytes: int
) -> tuple[Digest, RenderedMessage]:
    """Render *digest*; if too large, the largest fair subset that fits."""
    rendered = render(digest)
    size = html_size(rendered)
    if size <= max_bytes or not digest.stories:
        return digest, rendered
    order = fair_order(digest)
    empty = html_size(render(keep_only(digest, set())))
    per_story = max(1.0, (size - empty) / len(order))
    low, high = 0, len(order) - 1  # the answer is a count in [low, high]
    probe: int | None = max(low, min(high, int((max_bytes - empty) / per_story)))
    best: tuple[Digest, RenderedMessage] | None = None
    while low <= high:
        count = probe if probe is not None else (low + high + 1) // 2
        probe = None
        candidate = keep_only(digest, {id(s) for s in order[:count]})
        result = render(candidate)
        if html_size(result) <= max_bytes:
            best, low = (candidate, result), count + 1
        else:
            high = count - 1
    if best is None:
        candidate = keep_only(digest, set())
        best = candidate, render(candidate)
    return best
