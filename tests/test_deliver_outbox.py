"""The outbox: each .eml reaches the disk before it gets its name, and a crash's leftovers go."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest.deliver import Outgoing, write_outbox
from tests.conftest import FeedServer, outbox_messages, run_cli, write_config
from tests.feeds import FakeItem, rss


def test_a_send_leaves_no_temporary_file_and_removes_a_stale_one(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve("/feed.xml", rss(FakeItem("Festival opens", "https://a.example/1")))
    write_config(tmp_path, [url])
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    # Left by a send that crashed mid-write two hours ago, and one being written right now.
    stale = outbox / ".digest-20260101-070000Z-000000-001-reader@example.org.eml.tmp"
    fresh = outbox / ".digest-20260101-070001Z-000000-001-reader@example.org.eml.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"From: half a mess")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    assert len(outbox_messages(outbox)) == 1
    assert not stale.exists()
    assert fresh.exists()  # younger than an hour: perhaps another send's, still writing
    assert sorted(p.name for p in outbox.glob("*.tmp")) == [fresh.name]


def test_each_file_is_synced_before_its_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str]] = []

    def spy(name: str, real: Callable[..., Any], path_of: Callable[..., str]) -> None:
        def wrapper(*args: Any) -> Any:
            events.append((name, path_of(*args)))
            return real(*args)

        monkeypatch.setattr(os, name, wrapper)

    spy("fsync", os.fsync, lambda fd: os.readlink(f"/proc/self/fd/{fd}"))
    spy("replace", os.replace, lambda source, target: str(source))
    messages = [Outgoing(f"r{n}@example.org", b"Subject: hi\r\n\r\nbody\r\n") for n in range(2)]
    report = write_outbox(messages, tmp_path, datetime(2026, 12, 5, 7, tzinfo=UTC))
    assert report.delivered == ("r0@example.org", "r1@example.org")
    temporaries = [path for kind, path in events if kind == "replace"]
    assert len(temporaries) == 2 and all(p.endswith(".eml.tmp") for p in temporaries)
    for temporary in temporaries:
        assert events.index(("fsync", temporary)) < events.index(("replace", temporary))
    assert events[-1] == ("fsync", str(tmp_path))
    assert not list(tmp_path.glob("*.tmp"))
