"""Section rules as a table: first match wins, in the order the issue gives."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from digest.config import SectionConfig
from digest.sections import Rules, assign_section, excludes, has_words

SECTIONS = (
    SectionConfig(name="Culture", categories=("Film", "books"), keywords=("review", "premiere")),
    SectionConfig(name="News", categories=("news",), match=(r"\bcouncil\b", r"^Breaking:")),
    SectionConfig(name="Science", keywords=("climate change", "seagrass"), exclude=("opinion",)),
    SectionConfig(name="Notes", exclude=(r"\[ad\]",)),
)
RULES = Rules(SECTIONS, "More", exclude=("sponsored", "[Partner content]"))


@dataclass(frozen=True)
class Case:
    title: str
    section: str | None
    summary: str = ""
    categories: tuple[str, ...] = ()
    forced: str | None = None
    rules: Rules = field(default=RULES)


CASES = {
    # 1. the feed's own section wins over everything else
    "feed section first": Case("A film review", "Notes", categories=("film",), forced="Notes"),
    "feed section may be new": Case("Anything", "Podcasts", forced="Podcasts"),
    # 2. categories, case-insensitive, in section order
    "category": Case("Untitled", "Culture", categories=("BOOKS",)),
    "category with spaces": Case("Untitled", "News", categories=(" News ",)),
    "category before keyword": Case("Council review", "News", categories=("news",)),
    "category before earlier keyword": Case("A review", "News", categories=("News",)),
    # 3. keywords (whole words) and match regexes, section by section
    "keyword in title": Case("Premiere of a new opera", "Culture"),
    "keyword in summary": Case("Tonight", "Culture", summary="Our review of the show."),
    "keyword whole word only": Case("Reviewers gather", "More"),
    "keyword any case": Case("REVIEW: the show", "Culture"),
    "phrase keyword across a line break": Case("On climate\nchange", "Science"),
    "regex": Case("City council meets", "News"),
    "regex anchored": Case("Breaking: storm", "News"),
    "earlier section wins": Case("Council review", "Culture"),
    # 4. fallback
    "fallback": Case("Nothing to match", "More"),
    "fallback renamed": Case("Nothing", "Other", rules=Rules(SECTIONS, "Other")),
    "fallback dropped": Case("Nothing", None, rules=Rules(SECTIONS, None)),
    # section excludes keep an item out of that section only
    "section exclude": Case("Opinion: seagrass is overrated", "More"),
    "excluded section does not block others": Case("Opinion: seagrass review", "Culture"),
    "section exclude beats feed section": Case("[ad] Buy now", "More", forced="Notes"),
    "then the rules go on": Case("[ad] A new review", "Culture", forced="Notes"),
    # filters.exclude drops the item everywhere, feed section included
    "global exclude": Case("A sponsored review", None),
    "global exclude in summary": Case("Review", None, summary="Sponsored by Acme"),
    "global exclude beats feed section": Case("Sponsored", None, forced="Notes"),
    "global exclude bracketed tag is literal": Case("[Partner content] A review", None),
    "bracketed tag is not a character class": Case("Papers on trains", "More"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_assign_section(case: Case) -> None:
    got = assign_section(case.rules, case.title, case.summary, case.categories, case.forced)
    assert got == case.section


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("sponsored", "Sponsored post", True),
        ("sponsored", "unsponsored", False),
        ("covid-19", "New covid-19 rules", True),
        ("covid-19", "covid-190", False),
        ("[Sponsored]", "[Sponsored] Great deal", True),
        ("[Sponsored]", "Sponsor red", False),
        (r"^ad:", "Ad: buy", True),
        (r"^ad:", "An ad: no", False),
        ("*free*", "Get it *free* now", True),  # not a valid regex: literal text
        ("*free*", "Get it free now", False),
    ],
)
def test_excludes(pattern: str, text: str, hit: bool) -> None:
    assert excludes(pattern, text) is hit


def test_has_words_ignores_empty_keywords() -> None:
    assert not has_words("  ", "anything")
