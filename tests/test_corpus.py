"""Every real-world feed in ../shared/corpus/ goes through fetch → parse → render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS, FeedServer, needs_shared, run_cli, write_config


def corpus_files() -> list[Path]:
    """The files MANIFEST.tsv lists (the corpus folder also holds a README and licences)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    names = [line.split("\t", 1)[0] for line in manifest.read_text().splitlines()[1:] if line]
    return [CORPUS / name for name in names if (CORPUS / name).is_file()]


@needs_shared
@pytest.mark.slow  # every corpus document fetched, parsed and rendered
def test_whole_corpus_through_the_real_pipeline(tmp_path: Path, http_server: FeedServer) -> None:
    feeds = []
    for path in corpus_files():
        kind = "application/json" if path.suffix == ".json" else "application/xml"
        feeds.append(
            {
                "url": http_server.serve_file(f"/{path.name}", path, content_type=kind),
                "name": path.stem,
            }
        )
    write_config(tmp_path, feeds, digest={"max_age_days": 0, "max_items_per_section": 2000})
    result = run_cli("preview", "--json", "d.json", "--out", "d.html", cwd=tmp_path, timeout=600)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    failed = {f["name"]: f["error"] for f in data["failed_feeds"]}
    # The one HTML page in the corpus is reported as such, in words a person understands.
    assert failed.get("marketwatch_moved_html_not_a_feed", "").startswith("not a feed")
    # JSON Feeds are read by digest's own JSON path, not lost.
    sources = {item["source"] for s in data["sections"] for item in s["items"]}
    assert "inessential_jsonfeed_v1" in sources
    assert len(failed) <= 3, failed
    stories = [item for s in data["sections"] for item in s["items"]]
    # Over 1,000 stories do not fit in one email: the rest are counted, and every feed
    # that had something new is still represented (no feed crowds out the others).
    assert len(stories) + data["left_out"] > 1000
    assert data["left_out"] > 0
    assert len(sources) >= 55
    for story in stories:
        assert story["link"] == "" or story["link"].startswith(("http://", "https://"))
    html = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
