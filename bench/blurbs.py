"""How good are the blurbs? Run every item of every feed in ../shared through the blurb code.

    .venv/bin/python bench/blurbs.py            # the table
    .venv/bin/python bench/blurbs.py --show ru  # also print title and blurb of items whose
                                                # feed file name contains "ru"

Prints one table: items, % with a blurb, % ending at a sentence end, % over the limit,
% containing chrome, % equal to the title, mean length, median and p95 ms per blurb.
The bar (issue 3): 0 % chrome, 0 % over the limit, >= 95 % ending at a sentence end,
median under 5 ms.

"sentence end %" counts every blurb; "… where the text has one %" counts only items
whose own text has a sentence end at all: a podcast one-liner without a final period
or a description the publisher cut mid-sentence cannot give a blurb that ends on one.

The chrome patterns below are kept here on purpose, written independently of
``digest/chrome.py``: a blurb that slips past the product's own patterns should
still be caught by a second pair of eyes.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from digest.blurb import story_paragraphs, summarize
from digest.errors import FeedError
from digest.parse import parse_feed

LIMIT = 300
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NOT_FEEDS = {"MANIFEST.tsv", "README.md", "LICENSES"}

# Text that belongs to the page around a story, never to a blurb.
CHROME_PATTERNS = [
    r"appeared first on",
    r"\bwas originally published (?:in|on)\b",
    r"where people are continuing the conversation",
    r"(?:^|[.!?…]\s+)(?:continue|keep) reading\b",
    r"\bread (?:more|the full (?:story|article))\b",
    r"\[\s*(?:…|\.\.\.)\s*\]",
    r"\((?:more|mehr)…?\)",
    r"\bsee (?:all|more) (?:photos|images|stories)\b",
    r"(?:^|\s)see at (?-i:[A-Z])",
    r"(?:^|[.!?]\s|\n)watch [^.!?]{1,60} on (?:netflix|hulu|prime video|disney\+|hbo|max|apple tv)"
    r"\s*(?:$|(?-i:[A-Z]))",
    r"(?:^|\s)\+\s?\d+ more\b",
    r"\b\d+ (?:seconds?|minutes?|hours?|days?) ago\b",
    r"\brelated (?:stories|articles|posts)\b",
    r"\brecent posts\b",
    r"(?:^|\s)(?:share|tweet|email) (?:this|on (?:facebook|twitter|x|linkedin))\b",
    r"\bsubscribe (?:now|today|here|to (?:our|the) newsletter)\b",
    r"(?:^|[.!?]\s)(?:subscribe|share|sign up)\s*$",
    r"\bsign up for (?:our|the) newsletter\b",
    r"\bclick here\b",
    r"©",
    r"\bcopyright (?:©\s*)?(?:\(c\)\s*)?\d{4}\b",
    r"\ball rights reserved\b",
    r"\b(?:getty images|shutterstock|ap photo|afp via getty)\b",
    r"\bscreenshot\s+(?-i:[A-Z])",
    r"^(?:photo|image|credit|foto)s?\s*:",
    r"\bclose video\b",
    r"^(?-i:By [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3})\s*(?:$|[|,·—-])",
    r"^(?:posted|published|updated) (?:on|by|at)\b",
    r"\b(?:weiterlesen|leia mais|читать далее|阅读全文)\b",
    r"(?:^|\s)(?:»|›|→)\s*$",
    r"^comments?$",
]
CHROME = [re.compile(p, re.IGNORECASE) for p in CHROME_PATTERNS]
SENTENCE_END = re.compile(r"[.!?。！？｡।॥][”\"’'»)\]」』）]*$")
# A sentence end inside a text: terminal punctuation (not an ellipsis) before a space or the end.
HAS_SENTENCE_END = re.compile(r"(?<![.…])[.!?。！？｡।॥](?![.…])[”\"’'»)\]」』）]*(?:\s|$)")
TAG = re.compile(r"<[^>]*>")
WORDS = re.compile(r"\w+")


@dataclass
class Tally:
    """What one group of items gave."""

    items: int = 0
    blurbs: list[str] = field(default_factory=list)
    ended: list[bool] = field(default_factory=list)  # the item's own text has a sentence end
    titles: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    """Run the bench; returns the process exit code (0 also when ../shared is absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder")
    parser.add_argument("--show", default=None, help="print blurbs of feeds whose name has this")
    parser.add_argument("--chrome", action="store_true", help="print blurbs that hold chrome")
    args = parser.parse_args(argv)
    corpus, fixtures = args.shared / "corpus", args.shared / "fixtures" / "feeds"
    if not corpus.is_dir():
        print(f"skipped: {corpus} is absent (the shared corpus sits next to the checkout)")
        return 0
    not_feeds: list[str] = []
    groups = {
        "corpus": run_group(feed_files(corpus), not_feeds, args),
        "fixtures": run_group(feed_files(fixtures), not_feeds, args),
    }
    every = Tally()
    for tally in groups.values():
        every.items += tally.items
        every.blurbs += tally.blurbs
        every.ended += tally.ended
        every.titles += tally.titles
        every.seconds += tally.seconds
    groups["all"] = every
    print_table(groups)
    print(f"\n{len(not_feeds)} files are not feeds and were skipped: {', '.join(not_feeds)}")
    return 0


def feed_files(folder: Path) -> list[Path]:
    """Every file of *folder* that could be a feed, by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name not in NOT_FEEDS)


def run_group(files: list[Path], not_feeds: list[str], args: argparse.Namespace) -> Tally:
    """Blurb every item of every feed in *files*."""
    tally = Tally()
    for path in files:
        try:
            feed = parse_feed(path.read_bytes(), path.as_uri())
        except FeedError:
            not_feeds.append(path.name)
            continue
        show = args.show is not None and args.show in path.name
        if show:
            print(f"\n=== {path.name}")
        for entry in feed.entries:
            start = time.perf_counter()
            blurb = summarize(story_paragraphs(entry.html), entry.title, LIMIT)
            tally.seconds.append(time.perf_counter() - start)
            tally.items += 1
            tally.blurbs.append(blurb)
            tally.ended.append(
                bool(HAS_SENTENCE_END.search(html.unescape(TAG.sub(" ", entry.html))))
            )
            tally.titles.append(entry.title)
            if show or (args.chrome and has_chrome(blurb)):
                print(f"- {entry.title}\n  {blurb or '(no blurb)'}  [{len(blurb)}]")
    return tally


def has_chrome(blurb: str) -> bool:
    """True when the blurb holds any of the chrome patterns kept in this script."""
    return any(p.search(blurb) for p in CHROME)


def same_as_title(blurb: str, title: str) -> bool:
    """True when the blurb is the title again, ignoring case and punctuation."""
    return bool(blurb) and WORDS.findall(blurb.casefold()) == WORDS.findall(title.casefold())


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}" if total else "-"


def print_table(groups: dict[str, Tally]) -> None:
    """One row per group of feeds, one column per measure."""
    head = (
        "source",
        "items",
        "blurb %",
        "sentence end %",
        "… where the text has one %",
        "over limit %",
        "chrome %",
        "= title %",
        "mean chars",
        "median ms",
        "p95 ms",
    )
    rows = [head]
    for name, t in groups.items():
        made = [b for b in t.blurbs if b]
        endable = [b for b, e in zip(t.blurbs, t.ended) if b and e]
        ms = sorted(s * 1000 for s in t.seconds) or [0.0]
        rows.append(
            (
                name,
                str(t.items),
                percent(len(made), t.items),
                percent(sum(bool(SENTENCE_END.search(b)) for b in made), len(made)),
                percent(sum(bool(SENTENCE_END.search(b)) for b in endable), len(endable)),
                percent(sum(len(b) > LIMIT for b in made), len(made)),
                percent(sum(has_chrome(b) for b in made), len(made)),
                percent(sum(same_as_title(b, x) for b, x in zip(t.blurbs, t.titles)), len(made)),
                f"{statistics.mean(len(b) for b in made):.0f}" if made else "-",
                f"{statistics.median(ms):.2f}",
                f"{ms[min(len(ms) - 1, int(0.95 * len(ms)))]:.2f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        print(" | ".join(cells))
        if number == 0:
            print("-+-".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main())
