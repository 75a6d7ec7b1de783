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

The yardstick (issue 12): ``../shared/blurbs/`` holds editor-written reference blurbs
with the facts each must carry. Its ``score.py`` (standard library only) is read from
there at run time, never copied here, and scores three sets of blurbs in the same run:
the product's, a lead baseline (the first sentences of the story, chrome removed, up to
the limit) and ``extractive_best`` (the best whole sentences in order). ``--items``
prints each item's coverage for the three; ``--dump FILE`` writes the product's blurbs
of the reference items as JSONL (score.py's input format).

The chrome patterns below are kept here on purpose, written independently of
``digest/chrome.py``: a blurb that slips past the product's own patterns should
still be caught by a second pair of eyes.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from digest.blurb import summarize
from digest.errors import FeedError
from digest.parse import parse_feed
from digest.sanitize import leads_with_summary
from digest.sentences import clip, split_sentences
from digest.storytext import story_paragraphs

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
    parser.add_argument("--items", action="store_true", help="print each reference item's score")
    parser.add_argument("--dump", type=Path, help="write the reference items' blurbs as JSONL")
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
    print()
    yardstick(args.shared, args.items, args.dump)
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
            blurb = summarize(
                story_paragraphs(entry.html),
                entry.title,
                LIMIT,
                entry.categories,
                summary=leads_with_summary(entry.html),
            )
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


# --- the yardstick: fact coverage against editor-written references ----------------------


def yardstick(shared: Path, show_items: bool = False, dump: Path | None = None) -> None:
    """Score the product, the lead baseline and ``extractive_best`` on the references."""
    score_py, refs_path = shared / "blurbs" / "score.py", shared / "blurbs" / "references.jsonl"
    if not score_py.is_file() or not refs_path.is_file():
        print(f"yardstick skipped: {score_py} or {refs_path.name} is absent")
        return
    score = load_module(score_py)
    refs: list[dict[str, Any]] = score.load_refs(str(refs_path))
    product, lead = reference_rows(shared, refs)
    if dump is not None:
        dump.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in product))
    sets = {
        "product": score.match(refs, product),
        "lead baseline": score.match(refs, lead),
        "extractive_best": {k: r.get("extractive_best") or "" for k, r in enumerate(refs)},
    }
    covered = {name: coverages(score, refs, blurbs) for name, blurbs in sets.items()}
    worse = [
        k
        for k, c in covered["product"].items()
        if c is not None and (covered["lead baseline"].get(k) or 0.0) > c
    ]
    print(f"yardstick: {len(refs)} references ({refs_path})")
    for name, blurbs in sets.items():
        values = [c for c in covered[name].values() if c is not None]
        mean = sum(values) / len(values) if values else 0.0
        full = sum(c == 1.0 for c in values)
        hits = sum(bool(score.must_not_hits(refs[k], b)) for k, b in blurbs.items())
        empty = [k for k, r in enumerate(refs) if not r.get("reference")]
        right = sum(not (blurbs.get(k) or "").strip() for k in empty if k in blurbs)
        print(
            f"  {name:<16} coverage {mean:.3f}  full {full}/{len(values)}  must_not {hits}"
            f"  expected-empty {right}/{len(empty)}  matched {len(blurbs)}/{len(refs)}"
        )
    print(f"  product worse than the lead baseline: {len(worse)} item(s)")
    if show_items:
        print_items(score, refs, sets, covered, worse)


def load_module(path: Path) -> ModuleType:
    """Import a standalone script (score.py) from *path* without copying it here."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_rows(
    shared: Path, refs: list[dict[str, Any]]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """score.py's input rows for every item of the references' feeds: product and lead."""
    product: list[dict[str, str]] = []
    lead: list[dict[str, str]] = []
    for name in sorted({str(r["feed"]) for r in refs}):
        path = shared / name
        if not path.is_file():
            continue
        for entry in parse_feed(path.read_bytes(), path.as_uri()).entries:
            paragraphs = story_paragraphs(entry.html)
            row = {"feed": name, "title": entry.title, "link": entry.link, "id": entry.guid}
            product.append(
                {
                    **row,
                    "blurb": summarize(
                        paragraphs,
                        entry.title,
                        LIMIT,
                        entry.categories,
                        summary=leads_with_summary(entry.html),
                    ),
                }
            )
            lead.append({**row, "blurb": lead_blurb(paragraphs, LIMIT)})
    return product, lead


def lead_blurb(paragraphs: list[str], limit: int) -> str:
    """The baseline: the story's first sentences (chrome removed) while they fit in *limit*;
    the first one clipped when it alone is too long."""
    sentences = [s for p in paragraphs for s in split_sentences(p)]
    out = ""
    for sentence in sentences:
        joined = f"{out} {sentence}".strip()
        if len(joined) > limit:
            break
        out = joined
    return out or (clip(sentences[0], limit) if sentences else "")


def coverages(
    score: ModuleType, refs: list[dict[str, Any]], blurbs: dict[int, str]
) -> dict[int, float | None]:
    """Fact coverage per matched reference (None for an expected-empty one)."""
    return {k: score.coverage(refs[k], (b or "").strip()) for k, b in blurbs.items()}


def print_items(
    score: ModuleType,
    refs: list[dict[str, Any]],
    sets: dict[str, dict[int, str]],
    covered: dict[str, dict[int, float | None]],
    worse: list[int],
) -> None:
    """One line per reference: product, lead and extractive_best coverage, must_not hits."""
    print("\n  product  lead  ext   item")
    for k, r in enumerate(refs):
        cells = []
        for name in sets:
            c = covered[name].get(k)
            blurb = sets[name].get(k)
            cells.append(
                "  -  "
                if blurb is None
                else ("empty" if not blurb.strip() else "TEXT ")
                if c is None
                else f"{c:.2f} "
            )
        hits = score.must_not_hits(r, sets["product"].get(k) or "")
        mark = " WORSE" if k in worse else ""
        print(
            f"  {'  '.join(cells)} {Path(r['feed']).name[:30]} | {str(r.get('title'))[:40]}{mark}"
        )
        for rx in hits:
            print(f"        must_not: {rx}")


if __name__ == "__main__":
    sys.exit(main())
