"""Which section an item belongs in: pure rules, first match wins.

Order: the feed's own ``section``; the item's categories against each
section's ``categories``; each section's ``keywords`` (whole words) and
``match`` regexes against title and summary; otherwise the fallback section.
A section's ``exclude`` keeps an item out of that section (a feed's own
section included: the item then goes on down the rules); ``filters.exclude``
drops it from the digest.

An ``exclude`` entry made of words (letters, digits, spaces, hyphens,
apostrophes; optionally in brackets, as in ``[Sponsored]``) is matched as
whole words; anything else is a regular expression, and one that does not
compile is matched as literal text rather than failing the run.
Everything is case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from digest.config import SectionConfig

# Words, or words in brackets: "[Sponsored]" means the tag, not a character class.
_PLAIN = re.compile(r"[\[(]?[\w\s'’-]+[\])]?")


@dataclass(frozen=True)
class Rules:
    """Section rules compiled once per digest."""

    sections: tuple[SectionConfig, ...]
    fallback: str | None
    exclude: tuple[str, ...] = ()


def assign_section(
    rules: Rules, title: str, summary: str, categories: Sequence[str], forced: str | None = None
) -> str | None:
    """The section name for an item, or None when it is filtered out or unmatched.

    *forced* is the feed's own ``section``; *categories* the item's tags.
    """
    text = f"{title}\n{summary}"
    if any(excludes(pattern, text) for pattern in rules.exclude):
        return None
    barred = {s.name for s in rules.sections if any(excludes(p, text) for p in s.exclude)}
    if forced and forced not in barred:
        return forced
    candidates = [s for s in rules.sections if s.name not in barred]
    tags = {c.strip().casefold() for c in categories}
    for section in candidates:
        if not tags.isdisjoint(c.strip().casefold() for c in section.categories):
            return section.name
    for section in candidates:
        if any(has_words(word, text) for word in section.keywords):
            return section.name
        if any(_regex(pattern).search(text) for pattern in section.match):
            return section.name
    return rules.fallback


def excludes(pattern: str, text: str) -> bool:
    """True when the exclude entry *pattern* matches *text*: whole words for a
    plain entry, a regular expression otherwise."""
    if _PLAIN.fullmatch(pattern):
        return has_words(pattern, text)
    return _regex(pattern).search(text) is not None


def has_words(words: str, text: str) -> bool:
    """True when *words* occur in *text* as whole words, any case, any spacing between."""
    pattern = _words(words)
    return pattern is not None and pattern.search(text) is not None


@lru_cache(maxsize=1024)
def _words(words: str) -> re.Pattern[str] | None:
    parts = words.split()
    if not parts:
        return None
    body = r"\s+".join(re.escape(part) for part in parts)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(pattern), re.IGNORECASE)
