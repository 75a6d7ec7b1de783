"""Full text for feeds that carry only a teaser (``full_text: true``).

Article pages are fetched with the same limits and politeness as feeds and
their main text extracted with trafilatura; the result replaces the feed's
teaser when it is longer. Items are stored once, so each page is fetched once.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Sequence
from dataclasses import replace

from digest.fetch import FetchLimits, FetchRequest, fetch_all
from digest.models import Entry
from digest.sanitize import sanitize_html

MAX_PAGE_BYTES = 5_000_000


def extract_main_text(page: bytes | str, url: str) -> str:
    """The main text of an article page as simple HTML paragraphs ("" if none)."""
    import trafilatura

    text = trafilatura.extract(
        page,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=True,
    )
    if not text:
        return ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)


def with_full_text(entries: Sequence[Entry], limits: FetchLimits) -> list[Entry]:
    """Entries whose html is replaced by their article's main text where it is richer."""
    wanted = [e for e in entries if e.link]
    if not wanted:
        return list(entries)
    page_limits = replace(limits, max_bytes=min(limits.max_bytes, MAX_PAGE_BYTES))
    results = fetch_all([FetchRequest(e.link) for e in wanted], page_limits)
    pages = {e.guid: r for e, r in zip(wanted, results) if r.status == "ok" and r.body}
    out = []
    for entry in entries:
        result = pages.get(entry.guid)
        text = extract_main_text(result.body, entry.link) if result else ""
        if len(text) > len(entry.html):
            entry = replace(entry, html=sanitize_html(text, entry.link))
        out.append(entry)
    return out
