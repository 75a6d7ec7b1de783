"""Which section an item belongs in: pure rules, first match wins.

Order: the feed's own ``section``; the item's categories against each
section's ``categories``; each section's ``keywords`` (whole words) and
``match`` regexes against title and summary; otherwise the fallback section.
A section's ``exclude`` keeps an item out of that section; ``filters.exclude``
drops it from the digest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from digest.config import SectionConfig


@dataclass(frozen=True)
class Rules:
    """Section rules compiled once per digest."""

    sections: tuple[SectionConfig, ...]
    fallback: str | None
    exclude: tuple[str, ...] = ()


def assign_section(
    rules: Rules, title: str, summary: str, categories: Sequence[str], forced: str | None = None
) -> str | None:
    """The section name for an item, or None when it is filtered out or unmatched."""
    text = f"{title}\n{summary}"
    if any(_matches(pattern, text) for pattern in rules.exclude):
        return None
    if forced:
        return forced
    tags = {c.strip().casefold() for c in categories}
    candidates = [
        s for s in rules.sections if not any(_matches(pattern, text) for pattern in s.exclude)
    ]
    for section in candidates:
        if tags & {c.casefold() for c in section.categories}:
            return section.name
    for section in candidates:
        if any(_matches(word, text, word=True) for word in section.keywords):
            return section.name
        if any(_regex(pattern).search(text) for pattern in section.match):
            return section.name
    return rules.fallback


def _matches(pattern: str, text: str, *, word: bool = False) -> bool:
    """Whole-word match for plain words; a regex when the pattern has regex syntax."""
    if word or re.escape(pattern) == pattern.replace(" ", "\\ "):
        return _word(pattern).search(text) is not None
    return _regex(pattern).search(text) is not None


@lru_cache(maxsize=1024)
def _word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(word.strip()) + r"(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)
