"""Hostile markup against the sanitiser: seconds before the cut and flattening, then after.

    .venv/bin/python bench/hostile.py [--size 480000] [--before]

Times ``sanitize_html`` on items of deeply nested markup (nested lists, unclosed divs,
bold/italic chains, tables in cells, formatting elements html5 re-opens) and on a real
corpus (../shared/corpus) for the cost on normal items. ``--before`` also times nh3 alone
on the same markup, as the sanitiser ran before issue 18 (minutes at 480 KB: use a
smaller --size, e.g. 120000, to see the square growth without waiting).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.sanitize import _clean, bounded_html, sanitize_html, without_forbidden  # noqa: E402


def _repeat(unit: str, size: int) -> str:
    return unit * (size // len(unit))


def documents(size: int) -> dict[str, str]:
    """Hostile items of about *size* characters each."""
    reopen = "".join(
        "<div>" + "".join(f'<b class="r{n}x{m}">' for m in range(100)) + f"</div>t{n} "
        for n in range(size // 2000)
    )
    return {
        "nested lists": _repeat("<ul><li>x", size),
        "nested lists, closed": _repeat("<ul><li>x", size // 2) + _repeat("</li></ul>", size // 2),
        "unclosed divs": _repeat("<div>", size),
        "bold/italic chains": _repeat("<b><i>w ", size),
        "tables in cells": _repeat("<table><td>x", size),
        "re-opened formatting": reopen,
    }


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def corpus_items() -> list[str]:
    """The HTML of every entry of ../shared/corpus, as the parser hands it to the sanitiser."""
    from digest.feedxml import read_document
    from digest.parse import _has_text, _richest

    folder = ROOT.parent / "shared" / "corpus"
    items = []
    for path in sorted(folder.glob("*")):
        if path.suffix in (".md", ".tsv", ".txt") or not path.is_file():
            continue
        try:
            doc = read_document(path.read_bytes(), "https://example.org/feed")
        except Exception:  # not a feed document (licences, the readme)
            continue
        items += [_richest(e, "https://example.org/")[0] for e in doc.entries if _has_text(e)]
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=480_000, help="characters per item")
    parser.add_argument("--before", action="store_true", help="also time nh3 alone")
    args = parser.parse_args()
    print(f"| item ({args.size:,} chars) | sanitize_html | of which the pass |", end="")
    print(" nh3 alone (before) |" if args.before else "")
    print("|---|---|---|" + ("---|" if args.before else ""))
    for name, markup in documents(args.size).items():
        after = seconds(lambda m=markup: sanitize_html(m))  # type: ignore[misc]
        flat = seconds(lambda m=markup: bounded_html(m))  # type: ignore[misc]
        row = f"| {name} | {after * 1000:,.0f} ms | {flat * 1000:,.0f} ms |"
        if args.before:
            before = seconds(lambda m=markup: _clean(without_forbidden(m), ""))  # type: ignore[misc]
            row += f" {before:,.1f} s |"
        print(row, flush=True)
    items = corpus_items()
    if items:
        old = seconds(lambda: [_clean(without_forbidden(m), "") for m in items])
        new = seconds(lambda: [sanitize_html(m) for m in items])
        same = sum(
            sanitize_html(m) == without_forbidden(_clean(without_forbidden(m), "")) for m in items
        )
        print(
            f"\ncorpus: {len(items)} items, {same} sanitised exactly as before;"
            f" nh3 alone {old * 1000:.0f} ms, sanitize_html {new * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
