"""Parse time on the real corpus: the lxml fast path against feedparser alone (issue 14).

    .venv/bin/python bench/parse.py [--repeat 5] [--fetch] [--per-document]

Times, for every XML document of ../shared/corpus/MANIFEST.tsv (best of --repeat runs each):

- ``document``: reading the document to feedparser's fields, by ``feedxml.read_document``
  (the fast path where it applies, else feedparser) and by feedparser alone;
- ``parse_feed``: the whole parse a fetch does (the fields, then digest's mapping and its
  sanitiser), by the same two routes: what a user's fetch actually pays;
- ``charset.feed_bytes``: what the detector for undeclared encodings costs, and which
  documents it transcodes.

``--fetch`` also times ``digest fetch`` (the real console script, fresh database) over a
config listing every corpus document as a local file, by both routes, best of --repeat.

The fast path is gone since issue 14: it read the 23 documents it took 8x faster, but the
whole corpus only 1.05x (the fields) and 1.08x (parse_feed), 2484 -> 2301 ms, and
``digest fetch`` of the corpus took 3.4-3.7 s either way. In this checkout both routes are
feedparser; to see the fast path again, run this file in a checkout of commit 904d116
(``git archive 904d116 | tar -x -C /tmp/old && cp bench/parse.py /tmp/old/bench/``, then
``cd /tmp/old && python bench/parse.py --corpus /path/to/shared/corpus``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest import feedxml  # noqa: E402
from digest.errors import FeedError  # noqa: E402
from digest.parse import parse_feed  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
URL = "https://example.org/feeds/"
# The lxml fast path, where this checkout still has it (before issue 14).
FAST: Callable[[bytes, str], object] | None = getattr(feedxml, "fast_document", None)
HAS_FAST = FAST is not None


def corpus(folder: Path) -> list[Path]:
    """The XML documents MANIFEST.tsv lists (JSON Feed never goes through feedparser)."""
    lines = (folder / "MANIFEST.tsv").read_text().splitlines()[1:]
    names = [line.split("\t", 1)[0] for line in lines if line]
    return [folder / name for name in names if not name.endswith(".json")]


@contextmanager
def feedparser_only() -> Iterator[None]:
    """The fast path declines every document while inside."""
    if not HAS_FAST:
        yield
        return
    setattr(feedxml, "fast_document", lambda *args, **kwargs: None)  # noqa: B010
    try:
        yield
    finally:
        setattr(feedxml, "fast_document", FAST)  # noqa: B010


def best(work: Callable[[bytes, str], object], body: bytes, url: str, repeat: int) -> float:
    """The least of *repeat* timings of ``work(body, url)``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.suppress(FeedError):  # not a feed: its time counts all the same
            work(body, url)
        times.append(time.perf_counter() - start)
    return min(times)


Row = tuple[str, bool, float, float, float, float]


def time_documents(paths: list[Path], repeat: int) -> list[Row]:
    """Per document: name, taken by the fast path, then seconds for read_document,
    feedparser alone, parse_feed, and parse_feed with feedparser alone."""
    rows = []
    for path in paths:
        body, url = path.read_bytes(), URL + path.name
        taken = FAST is not None and FAST(body, url) is not None
        doc = best(feedxml.read_document, body, url, repeat)
        whole = best(parse_feed, body, url, repeat)
        with feedparser_only():
            slow_doc = best(feedxml.read_document, body, url, repeat)
            slow_whole = best(parse_feed, body, url, repeat)
        rows.append((path.name, taken, doc, slow_doc, whole, slow_whole))
    return rows


_NO_FAST = (
    "import sys, digest.feedxml as f\n"
    "if hasattr(f, 'fast_document'): f.fast_document = lambda *a, **k: None\n"
    "from digest.cli import run\n"
    "sys.argv = ['digest', *sys.argv[1:]]\n"
    "run()\n"
)


def time_fetch(paths: list[Path], repeat: int, fast: bool) -> float:
    """Best wall time of ``digest fetch`` over *paths* as local feeds, fresh database."""
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "config.yaml"
            feeds = "".join(f"  - url: {path}\n" for path in paths)
            config.write_text(f"database: {folder}/d.sqlite3\nfeeds:\n{feeds}")
            python = str(ROOT / ".venv" / "bin" / "python")
            command = ([python, "-m", "digest"] if fast else [python, "-c", _NO_FAST]) + [
                "--config",
                str(config),
                "--log-level",
                "error",
                "fetch",
            ]
            start = time.perf_counter()
            subprocess.run(command, check=False, capture_output=True, env=os.environ.copy())
            times.append(time.perf_counter() - start)
    return min(times)


def charset_cost(paths: list[Path], repeat: int) -> None:
    """Print what deciding the charset of every document costs, and what it transcodes."""
    try:
        from digest.charset import feed_bytes
    except ImportError:  # a checkout from before the detector
        return
    total = sum(best(lambda b, _: feed_bytes(b, None), p.read_bytes(), "", repeat) for p in paths)
    changed = [p.name for p in paths if feed_bytes(p.read_bytes(), None) != p.read_bytes()]
    print(f"\ncharset.feed_bytes over the corpus: {total * 1e3:.1f} ms; transcodes {changed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="default: ../shared/corpus")
    ap.add_argument("--fetch", action="store_true", help="also time `digest fetch` both ways")
    ap.add_argument("--per-document", action="store_true", help="one line per document")
    args = ap.parse_args()
    paths = corpus(args.corpus)
    for path in paths:  # warm the imports and caches before anything is timed
        with feedparser_only():
            best(parse_feed, path.read_bytes(), URL + path.name, 1)
    rows = time_documents(paths, args.repeat)
    print(f"load average {os.getloadavg()[0]:.2f}; {len(paths)} documents, best of {args.repeat}")
    if not HAS_FAST:
        print("(this version has no fast path: both columns are feedparser)")
    if args.per_document:
        print("\n| document | fast | document: fast/fp ms | parse_feed: fast/fp ms | gain |")
        print("|---|---|---|---|---|")
        for name, taken, doc, slow_doc, whole, slow_whole in rows:
            print(
                f"| {name} | {'yes' if taken else ''} | {doc * 1e3:.2f} / {slow_doc * 1e3:.2f}"
                f" | {whole * 1e3:.2f} / {slow_whole * 1e3:.2f} | {slow_whole / whole:.2f}x |"
            )
    fast_rows = [r for r in rows if r[1]]
    print("\n| set | docs | document: with fast / fp only | parse_feed: with fast / fp only |")
    print("|---|---|---|---|")
    for label, subset in (("all", rows), ("fast path takes", fast_rows)):
        if not subset:
            continue
        a, b, c, d = (sum(float(r[i]) for r in subset) for i in (2, 3, 4, 5))
        print(
            f"| {label} | {len(subset)} | {a * 1e3:.0f} / {b * 1e3:.0f} ms ({b / a:.2f}x)"
            f" | {c * 1e3:.0f} / {d * 1e3:.0f} ms ({d / c:.2f}x) |"
        )
    charset_cost(paths, args.repeat)
    if args.fetch:
        fast = time_fetch(paths, args.repeat, fast=True)
        slow = time_fetch(paths, args.repeat, fast=False)
        print(f"\n`digest fetch` of the corpus: {fast:.2f} s with fast path, {slow:.2f} s without")


if __name__ == "__main__":
    main()
